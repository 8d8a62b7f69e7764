/*
 * tiffutil.h: the TIFF layer (tiffutil.c): a TIFF opened read-only from
 * the upload in memory, with per-handle error hooks and libtiff's
 * allocation cap, and what a page is; and the engine's page source
 * (tiff_engine.c, tiff_source.c). One way down: the probe and emit
 * (fmt_tiff.c) run the page source (tiff_pages), both stand on
 * tiffutil.c, and neither of those calls back into fmt_tiff.c.
 * SECURITY: the handle reads uploaded bytes; errors land in ctx->msg.
 */
#ifndef QUJAT_TIFFUTIL_H
#define QUJAT_TIFFUTIL_H

#include <tiffio.h>
#include "buf.h"
#include "filter.h"
#include "raster.h"

struct engine;
struct pdf_page_img;

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
	int ch; /* what the resampler gets: 1 or 3 */
};
int tiff_plain_page(TIFF *tif, struct tiff_plain *p);

/* An old-style JPEG page (compression 6) is decoded only from its whole
 * JPEG stream (JPEGInterchangeFormat) by libjpeg-turbo, never by
 * libtiff's OJPEG code, which turns many of the layouts scanners wrote
 * into garbage that looks like a picture. *p, *len: that stream, when it
 * is a JPEG of the page's size; else -ENOTSUP (the page is refused as
 * unsupported). */
int tiff_ojpeg_stream(TIFF *tif, const struct filter_input *in,
    const unsigned char **p, size_t *len);

/* A page as a viewer shows it: its Orientation tag (1..8, as EXIF's)
 * applied, and pixels that are not square (a fax's 204 x 98 dpi) shown
 * at their true aspect, the coarser axis stretched to the finer one's
 * resolution (ratios past TIFF_ASPECT_MAX are taken as square). */
#define TIFF_ASPECT_MAX 4.0
struct tiff_geo {
	uint32_t w, h; /* stored pixels */
	int orient;
	int sw, sh; /* stored, in square pixels */
	int uw, uh; /* upright: sw x sh, swapped for orient >= 5 */
};
/* The current page's geometry; 0, or -EINVAL without a size. */
int tiff_geometry(TIFF *tif, struct tiff_geo *g);

/* The engine's page source over every page of a TIFF (tiff_engine.c). */
#define TIFF_PROFILES 16 /* distinct ICC profiles kept */
struct tsrc {
	struct tctx ctx;
	TIFF *tif;
	/* the distinct ICC profiles, copied when a page is decoded
	 * (libtiff's goes with the directory), and each page's (an index
	 * into them + 1; 0: none) */
	struct buf prof[TIFF_PROFILES];
	int nprof;
	size_t profbytes;
	int *page_prof;
	unsigned char (*pal)[3 * 256]; /* each page's palette, 8-bit RGB */
};
/* Makes page the current directory: 0 or -EINVAL. */
int tsrc_page(struct tsrc *s, int page);
/* The page_src source_img hook (tiff_source.c): a page's JPEG strips
 * joined, its palette or its bilevel bits, as pages.h says. */
int tsrc_source(void *arg, int page, const struct raster *r, struct buf *data,
    struct pdf_page_img *img);

/* TIFF (tiff_engine.c): every page into pages_run as one PDF. */
int tiff_pages(struct engine *e);

#endif
