/*
 * jpeg_enc.c: encodes a grey, RGB or CMYK raster as a baseline JPEG in
 * memory, with optimised Huffman tables (smaller at no cost in quality)
 * unless the caller wants speed, and, for colour, the chroma sampling it
 * chose. Deterministic: the same raster and options give the same bytes.
 * SECURITY: encodes decoded pixels; no uploaded bytes are parsed here
 * (an EXIF payload passed in is copied, an ICC profile's header is
 * checked against the pixels, then copied).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jpegcodec.h"
#include "jpegutil.h"
#include "raster.h"

struct jenc {
	struct jpeg_compress_struct c;
	struct jerr err;
	const struct raster *r;
	const struct jpeg_enc_opts *o;
	unsigned char *mem;
	unsigned long memlen;
};

int
icc_fits(const unsigned char *icc, size_t len, int ch)
{
	if (icc == NULL || len < 128 || len > 255 * 65519u ||
	    memcmp(icc + 36, "acsp", 4) != 0)
		return 0;
	return memcmp(icc + 16,
		   ch == 1     ? "GRAY" :
		       ch == 4 ? "CMYK" :
				 "RGB ",
		   4) == 0;
}

static void
jenc_params(struct jenc *j)
{
	struct jpeg_compress_struct *c = &j->c;

	c->image_width = (JDIMENSION)j->r->w;
	c->image_height = (JDIMENSION)j->r->h;
	c->input_components = j->r->ch;
	c->in_color_space = j->r->ch == 1 ? JCS_GRAYSCALE :
	    j->r->ch == 4		  ? JCS_CMYK :
					    JCS_RGB;
	jpeg_set_defaults(c);
	if (j->r->ch == 4)
		jpeg_set_colorspace(c, j->o->ycck ? JCS_YCCK : JCS_CMYK);
	jpeg_set_quality(c, j->o->quality, TRUE);
	for (int t = 0; t < 2; t++) /* the source's own, as they are */
		if (j->o->quant[t])
			jpeg_add_quant_table(c, t, j->o->quant[t], 100, TRUE);
	if (j->o->dpi > 0 && j->o->dpi <= 65535 && c->write_JFIF_header) {
		c->density_unit = 1; /* dots per inch */
		c->X_density = c->Y_density = (UINT16)j->o->dpi;
	}
	c->optimize_coding = !j->o->fast;
	c->dct_method = JDCT_ISLOW;
	if (j->r->ch > 1 && !j->o->subsample)
		for (int i = 0; i < c->num_components; i++)
			c->comp_info[i].h_samp_factor = c->comp_info[i]
							    .v_samp_factor = 1;
}

static int
jenc_run(void *arg)
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
	if (icc_fits(j->o->icc, j->o->icclen, j->r->ch))
		jpeg_write_icc_profile(&j->c, j->o->icc,
		    (unsigned)j->o->icclen);
	while (j->c.next_scanline < j->c.image_height) {
		row[0] = j->r->px + (size_t)j->c.next_scanline * stride;
		jpeg_write_scanlines(&j->c, row, 1);
	}
	jpeg_finish_compress(&j->c);
	return 0;
}

int
jpeg_encode(const struct raster *r, const struct jpeg_enc_opts *o,
    struct buf *out)
{
	struct jenc j = { .r = r, .o = o };
	int rc;

	j.c.err = jerr_init(&j.err);
	jpeg_create_compress(&j.c);
	rc = jerr_guard(&j.err, jenc_run, &j);
	jpeg_destroy_compress(&j.c);
	if (rc < 0)
		return -EIO; /* see jpeg_rot.c: j.mem may be stale */
	rc = buf_add(out, j.mem, j.memlen);
	free(j.mem);
	return rc;
}
