/*
 * jpeg_rot.c: applies an EXIF orientation to a JPEG without decoding it,
 * as jpegtran does: the DCT blocks are moved and transposed and their
 * coefficients' signs flipped, so no quality is lost. Only for images
 * whose edges are whole MCUs ("perfect"); otherwise the caller re-encodes.
 * Also the same coefficients written progressive (jpegtran -progressive):
 * a JPEG's lossless variant, 8-9% smaller than a camera's baseline.
 * And the same coefficients written again in the same mode, for a JPEG
 * whose data ends early or holds junk: a whole, clean file of exactly the
 * picture libjpeg read from it (jpeg_rewrite).
 * The EXIF (APP1) and ICC (APP2) segments of the source are copied.
 * SECURITY: parses uploaded bytes (already scrubbed and probed); memory
 * is capped through libjpeg and all block indexes stay within the arrays
 * libjpeg allocated for the image's own dimensions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jpegcodec.h"
#include "jpegutil.h"

struct jrot {
	struct jpeg_decompress_struct d;
	struct jpeg_compress_struct c;
	struct jerr derr, cerr;
	const unsigned char *buf;
	size_t len;
	int o; /* orientation 2..8; 1: progressive copy;
		* 0: a copy in the source's own mode */
	jvirt_barray_ptr *src, dst[MAX_COMPONENTS];
	unsigned char *mem;
	unsigned long memlen;
	int imperfect;
	int incomplete; /* o 0: jwatch_verdict refused the rows
			 * missing at its end */
	int missing;	/* o 0: jwatch_missing, -1 when no scan
			 * was cut short */
};

/* Where dst block (bx, by) comes from in a Wb x Hb source grid. */
static void
block_src(int o, JDIMENSION bx, JDIMENSION by, JDIMENSION Wb, JDIMENSION Hb,
    JDIMENSION *sx, JDIMENSION *sy)
{
	switch (o) {
	case 2:
		*sx = Wb - 1 - bx, *sy = by;
		break;
	case 3:
		*sx = Wb - 1 - bx, *sy = Hb - 1 - by;
		break;
	case 4:
		*sx = bx, *sy = Hb - 1 - by;
		break;
	case 5:
		*sx = by, *sy = bx;
		break;
	case 6:
		*sx = by, *sy = Hb - 1 - bx;
		break;
	case 7:
		*sx = Wb - 1 - by, *sy = Hb - 1 - bx;
		break;
	default:
		*sx = Wb - 1 - by, *sy = bx;
		break; /* 8 */
	}
}

/* One block's coefficients: dst (row v, column u) from src. */
static void
block_move(int o, const JCOEF *s, JCOEF *d)
{
	int u, v, neg;
	int t = o >= 5;

	for (v = 0; v < DCTSIZE; v++)
		for (u = 0; u < DCTSIZE; u++) {
			neg = o == 2 ? u & 1 :
			    o == 3   ? (u + v) & 1 :
			    o == 4   ? v & 1 :
			    o == 6   ? u & 1 :
			    o == 7   ? (u + v) & 1 :
			    o == 8   ? v & 1 :
				       0;
			d[v * DCTSIZE + u] = (JCOEF)((neg ? -1 : 1) *
			    s[t ? u * DCTSIZE + v : v * DCTSIZE + u]);
		}
}

static void
move_component(struct jrot *r, int ci)
{
	jpeg_component_info *sc = &r->d.comp_info[ci];
	jpeg_component_info *dc = &r->c.comp_info[ci];
	JDIMENSION bx, by, sx, sy;
	JBLOCKARRAY drow, srow;

	for (by = 0; by < dc->height_in_blocks; by++) {
		drow = r->c.mem->access_virt_barray((j_common_ptr)&r->c,
		    r->dst[ci], by, 1, TRUE);
		for (bx = 0; bx < dc->width_in_blocks; bx++) {
			block_src(r->o, bx, by, sc->width_in_blocks,
			    sc->height_in_blocks, &sx, &sy);
			srow = r->d.mem->access_virt_barray((j_common_ptr)&r->d,
			    r->src[ci], sy, 1, FALSE);
			block_move(r->o, srow[0][sx], drow[0][bx]);
		}
	}
}

static void
transpose_params(struct jpeg_compress_struct *c)
{
	JDIMENSION t = c->image_width;
	JQUANT_TBL *q;
	UINT16 v;
	int i, a, b;

	c->image_width = c->image_height, c->image_height = t;
	for (i = 0; i < c->num_components; i++) {
		a = c->comp_info[i].h_samp_factor;
		c->comp_info[i].h_samp_factor = c->comp_info[i].v_samp_factor;
		c->comp_info[i].v_samp_factor = a;
	}
	for (i = 0; i < NUM_QUANT_TBLS; i++)
		if ((q = c->quant_tbl_ptrs[i]) != NULL)
			for (a = 0; a < DCTSIZE; a++)
				for (b = a + 1; b < DCTSIZE; b++) {
					v = q->quantval[a * DCTSIZE + b];
					q->quantval[a * DCTSIZE + b] =
					    q->quantval[b * DCTSIZE + a];
					q->quantval[b * DCTSIZE + a] = v;
				}
}

static int
perfect(const struct jpeg_decompress_struct *d)
{
	unsigned mw = (unsigned)d->max_h_samp_factor * DCTSIZE;
	unsigned mh = (unsigned)d->max_v_samp_factor * DCTSIZE;

	return d->image_width % mw == 0 && d->image_height % mh == 0;
}

static void
request_dst(struct jrot *r)
{
	jpeg_component_info *sc, *dc;
	int t = r->o >= 5;

	for (int ci = 0; ci < r->c.num_components; ci++) {
		sc = &r->d.comp_info[ci];
		dc = &r->c.comp_info[ci];
		r->dst[ci] = r->c.mem->request_virt_barray((j_common_ptr)&r->c,
		    JPOOL_IMAGE, FALSE,
		    t ? sc->height_in_blocks : sc->width_in_blocks,
		    t ? sc->width_in_blocks : sc->height_in_blocks,
		    (JDIMENSION)dc->v_samp_factor);
	}
}

static void
copy_markers(struct jrot *r)
{
	for (jpeg_saved_marker_ptr m = r->d.marker_list; m; m = m->next)
		if (m->marker == JPEG_APP0 + 1 || m->marker == JPEG_APP0 + 2)
			jpeg_write_marker(&r->c, m->marker, m->data,
			    m->data_length);
}

static int
jrot_run(void *arg)
{
	struct jrot *r = arg;
	int move = r->o > 1; /* else the same blocks, progressive */

	jpeg_mem_src(&r->d, r->buf, (unsigned long)r->len);
	jpeg_save_markers(&r->d, JPEG_APP0 + 1, 0xFFFF);
	jpeg_save_markers(&r->d, JPEG_APP0 + 2, 0xFFFF);
	jpeg_read_header(&r->d, TRUE);
	if (move && !perfect(&r->d)) {
		r->imperfect = 1;
		return -1;
	}
	r->src = jpeg_read_coefficients(&r->d);
	if (r->o == 0 &&
	    jwatch_verdict(&r->derr.watch, &r->d, r->derr.msg,
		sizeof r->derr.msg) < 0) {
		r->incomplete = r->derr.watch.incomplete;
		return -1;
	}
	r->missing = r->derr.watch.cut ? jwatch_missing(&r->derr.watch, &r->d) :
					 -1;
	jpeg_copy_critical_parameters(&r->d, &r->c);
	if (r->o >= 5)
		transpose_params(&r->c);
	if (r->o == 1 || (r->o == 0 && r->d.progressive_mode))
		jpeg_simple_progression(&r->c);
	r->c.optimize_coding = TRUE;
	/* As jpegtran: arrays requested, realized by write_coefficients,
	 * filled before finish_compress reads them. */
	if (move)
		request_dst(r);
	jpeg_mem_dest(&r->c, &r->mem, &r->memlen);
	jpeg_write_coefficients(&r->c, move ? r->dst : r->src);
	copy_markers(r);
	for (int ci = 0; move && ci < r->c.num_components; ci++)
		move_component(r, ci);
	jpeg_finish_compress(&r->c);
	jpeg_finish_decompress(&r->d);
	return 0;
}

/* The compressor's guard inside the decompressor's (jrot_do): an error of
 * either ends the run with -1. */
static int
jrot_guarded(void *arg)
{
	struct jrot *r = arg;

	return jerr_guard(&r->cerr, jrot_run, r);
}

static int
jrot_do(const unsigned char *buf, size_t len, int orientation,
    uint64_t memory_mb, struct buf *out, struct jrot **done)
{
	struct jrot *r;
	int rc;

	if ((r = calloc(1, sizeof *r)) == NULL)
		return -ENOMEM;
	r->buf = buf, r->len = len, r->o = orientation;
	r->d.err = jerr_init(&r->derr);
	r->c.err = jerr_init(&r->cerr);
	jpeg_create_decompress(&r->d);
	jpeg_create_compress(&r->c);
	r->d.mem->max_memory_to_use = (long)(memory_mb << 19);
	r->c.mem->max_memory_to_use = (long)(memory_mb << 19);
	rc = jerr_guard(&r->derr, jrot_guarded, r);
	if (rc == 0)
		rc = buf_add(out, r->mem, r->memlen);
	else
		rc = r->imperfect ? -ERANGE :
		    r->incomplete ? -ENODATA :
				    -EINVAL;
	jpeg_destroy_compress(&r->c);
	jpeg_destroy_decompress(&r->d);
	/* libjpeg's memory destination sets r->mem only when it starts and
	 * when it finishes: after an error half-way it may point at a buffer
	 * the destination has already grown out of and freed (a double free
	 * the fuzzer found). The live one is then left to the worker's exit. */
	if (rc != -EINVAL)
		free(r->mem);
	if (done)
		*done = r;
	else
		free(r);
	return rc;
}

int
jpeg_rotate_lossless(const unsigned char *buf, size_t len, int orientation,
    uint64_t memory_mb, struct buf *out)
{
	if (orientation < 2 || orientation > 8)
		return -EINVAL;
	return jrot_do(buf, len, orientation, memory_mb, out, NULL);
}

int
jpeg_progressive(const unsigned char *buf, size_t len, uint64_t memory_mb,
    struct buf *out)
{
	return jrot_do(buf, len, 1, memory_mb, out, NULL);
}

int
jpeg_rewrite(const unsigned char *buf, size_t len, uint64_t memory_mb,
    struct buf *out, int *missing, char *msg, size_t msgsz)
{
	struct jrot *r = NULL;
	int rc = jrot_do(buf, len, 0, memory_mb, out, &r);

	*missing = r ? r->missing : -1;
	if (r && rc < 0)
		snprintf(msg, msgsz, "%s", r->derr.msg);
	free(r);
	return rc;
}
