/*
 * tiffutil.h: a TIFF opened read-only from the upload in memory, with
 * per-handle error hooks and libtiff's allocation cap (fmt_tiff.c); used
 * by the probe and by the engine's page source (tiff_engine.c).
 * SECURITY: the handle reads uploaded bytes; errors land in ctx->msg.
 */
#ifndef QUJAT_TIFFUTIL_H
#define QUJAT_TIFFUTIL_H

#include <tiffio.h>
#include "filter.h"

struct tctx {
	const struct filter_input *in;
	toff_t off;
	int failed;
	char msg[160];
};

/* Opens in->buf as a TIFF; NULL on failure (ctx->msg may say why). */
TIFF *tiff_open(struct tctx *ctx);

/* A page the engine reads from its strips itself (tiff_engine.c):
 * interleaved, stored top-left, 8 or 16 bits an unsigned sample, grey
 * (black 0), RGB or CMYK without extra samples. 16-bit samples keep
 * their high byte; CMYK becomes RGB (ink over white). libtiff's RGBA
 * interface reads the rest, but not 16-bit CMYK. */
struct tiff_plain {
	int spp, bps, cmyk;
	int ch;			/* what the resampler gets: 1 or 3 */
};
int tiff_plain_page(TIFF *tif, struct tiff_plain *p);

#endif
