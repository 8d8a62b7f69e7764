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

#endif
