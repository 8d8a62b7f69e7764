/*
 * jpeg_enc.c: encodes a grey or RGB raster as a baseline JPEG in memory,
 * with optimised Huffman tables (smaller at no cost in quality) unless the
 * caller wants speed, and, for colour, the chroma sampling it chose. Deterministic: the same
 * raster and options give the same bytes.
 * SECURITY: encodes decoded pixels; no uploaded bytes are parsed here
 * (an ICC or EXIF payload passed in is copied, not read).
 */
#include <errno.h>
#include <stdlib.h>

#include "engine.h"
#include "jpegutil.h"

#define ICC_CHUNK 65519		/* APP2 payload minus "ICC_PROFILE\0" n m */

struct jenc {
	struct jpeg_compress_struct c;
	struct jerr err;
	const struct raster *r;
	const struct jpeg_enc_opts *o;
	unsigned char *mem;
	unsigned long memlen;
};

static void jenc_icc(struct jenc *j)
{
	const struct jpeg_enc_opts *o = j->o;
	size_t n = (o->icclen + ICC_CHUNK - 1) / ICC_CHUNK, i, part;
	unsigned char hdr[14] = "ICC_PROFILE";

	if (o->icc == NULL || o->icclen == 0 || n > 255)
		return;
	for (i = 0; i < n; i++) {
		part = o->icclen - i * ICC_CHUNK;
		part = part > ICC_CHUNK ? ICC_CHUNK : part;
		hdr[12] = (unsigned char)(i + 1);
		hdr[13] = (unsigned char)n;
		jpeg_write_m_header(&j->c, JPEG_APP0 + 2,
		    (unsigned)(part + sizeof hdr));
		for (size_t k = 0; k < sizeof hdr; k++)
			jpeg_write_m_byte(&j->c, hdr[k]);
		for (size_t k = 0; k < part; k++)
			jpeg_write_m_byte(&j->c, o->icc[i * ICC_CHUNK + k]);
	}
}

static void jenc_params(struct jenc *j)
{
	struct jpeg_compress_struct *c = &j->c;

	c->image_width = (JDIMENSION)j->r->w;
	c->image_height = (JDIMENSION)j->r->h;
	c->input_components = j->r->ch;
	c->in_color_space = j->r->ch == 1 ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(c);
	jpeg_set_quality(c, j->o->quality, TRUE);
	c->optimize_coding = !j->o->fast;
	c->dct_method = JDCT_ISLOW;
	if (j->r->ch == 3 && !j->o->subsample)
		for (int i = 0; i < 3; i++)
			c->comp_info[i].h_samp_factor =
			    c->comp_info[i].v_samp_factor = 1;
}

static int jenc_run(void *arg)
{
	struct jenc *j = arg;
	size_t stride = (size_t)j->r->w * (size_t)j->r->ch;
	JSAMPROW row[1];

	jpeg_mem_dest(&j->c, &j->mem, &j->memlen);
	jenc_params(j);
	jpeg_start_compress(&j->c, TRUE);
	if (j->o->exif && j->o->exiflen && j->o->exiflen <= 65533)
		jpeg_write_marker(&j->c, JPEG_APP0 + 1, j->o->exif,
		    (unsigned)j->o->exiflen);
	jenc_icc(j);
	while (j->c.next_scanline < j->c.image_height) {
		row[0] = j->r->px + (size_t)j->c.next_scanline * stride;
		jpeg_write_scanlines(&j->c, row, 1);
	}
	jpeg_finish_compress(&j->c);
	return 0;
}

int jpeg_encode(const struct raster *r, const struct jpeg_enc_opts *o,
    struct buf *out)
{
	struct jenc j = { .r = r, .o = o };
	int rc;

	j.c.err = jerr_init(&j.err);
	jpeg_create_compress(&j.c);
	rc = jerr_guard(&j.err, jenc_run, &j);
	jpeg_destroy_compress(&j.c);
	if (rc < 0)
		return -EIO;	/* see jpeg_rot.c: j.mem may be stale */
	rc = buf_add(out, j.mem, j.memlen);
	free(j.mem);
	return rc;
}
