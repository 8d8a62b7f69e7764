/*
 * fmt_tiff.c: TIFF's probe and emit (fmt_ops): page count and every
 * page's size first, then every strip or tile of every page decoded, here
 * when only probing, else by the engine's page source (tiff_engine.c),
 * which emit runs. The handle and what a page is are tiffutil.c's.
 * SECURITY: parses uploaded bytes through tiffutil.h's handle: per-handle
 * error hooks and an allocation cap; no global handler is touched.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <tiffio.h>

#include "engine.h"
#include "filter.h"
#include "tiffutil.h"

/* Every page's size against max_pixels, before any decoding. Returns 0;
 * or, with the status set, -EINVAL (unreadable) or -E2BIG (a limit). */
static int
tiff_check_pages(TIFF *tif, struct tctx *ctx, struct filter_report *rep)
{
	tdir_t n = TIFFNumberOfDirectories(tif), d;
	struct tiff_geo g;

	rep->pages = n;
	if (n == 0 || ctx->failed) {
		filter_set_status(rep, FS_CORRUPT, "tiff: %s",
		    ctx->failed ? ctx->msg : "no pages");
		return -EINVAL;
	}
	if ((uint64_t)n > ctx->in->lim->max_pages) {
		filter_set_limit(rep, "pages");
		return -E2BIG;
	}
	for (d = 0; d < n; d++) {
		if (!TIFFSetDirectory(tif, d) || tiff_geometry(tif, &g) < 0) {
			filter_set_status(rep, FS_CORRUPT, "tiff: page %u: %s",
			    (unsigned)d + 1,
			    ctx->msg[0] ? ctx->msg : "no size");
			return -EINVAL;
		}
		if (d == 0)
			rep->width = g.uw, rep->height = g.uh;
		/* as stored, and as shown (a fax's rows stretched) */
		if (filter_too_many_pixels(g.w, g.h, ctx->in->lim) ||
		    filter_too_many_pixels((uint64_t)g.sw, (uint64_t)g.sh,
			ctx->in->lim)) {
			filter_set_limit(rep, "pixels");
			return -E2BIG;
		}
	}
	return 0;
}

/* Decodes every strip or tile of the current page: 0, -EINVAL (corrupt)
 * or -ENOTSUP (a kind of TIFF it does not read), with ctx->msg. */
static int
tiff_decode_page(TIFF *tif, struct tctx *ctx)
{
	int tiled = TIFFIsTiled(tif);
	uint32_t i,
	    n = tiled ? TIFFNumberOfTiles(tif) : TIFFNumberOfStrips(tif);
	tmsize_t sz = tiled ? TIFFTileSize(tif) : TIFFStripSize(tif);
	struct tiff_plain plain;
	const unsigned char *jp;
	uint16_t comp = COMPRESSION_NONE;
	size_t jlen;
	char emsg[1024];
	void *buf;
	int rc = 0;

	TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &comp);
	if (comp == COMPRESSION_OJPEG) {
		if (tiff_ojpeg_stream(tif, ctx->in, &jp, &jlen) == 0)
			return 0; /* the engine decodes it with libjpeg */
		snprintf(ctx->msg, sizeof ctx->msg,
		    "old-style jpeg "
		    "(compression 6) without a whole jpeg stream");
		return -ENOTSUP;
	}
	/* what the engine reads itself, or libtiff's RGBA interface: what
	 * neither reads (a bit depth, a colour model) is unsupported */
	if (!tiff_plain_page(tif, &plain) && !TIFFRGBAImageOK(tif, emsg)) {
		filter_sanitize(ctx->msg, sizeof ctx->msg, emsg);
		return -ENOTSUP;
	}
	if (!ctx->in->lim->probe_only)
		return 0; /* the engine decodes every page anyway */
	if (sz <= 0 || n == 0 || (buf = malloc((size_t)sz)) == NULL)
		return -EINVAL;
	for (i = 0; i < n && rc == 0 && !ctx->failed; i++)
		if ((tiled ? TIFFReadEncodedTile(tif, i, buf, sz) :
			     TIFFReadEncodedStrip(tif, i, buf, sz)) < 0)
			rc = -EINVAL;
	free(buf);
	return rc == 0 && !ctx->failed ? 0 : -EINVAL;
}

static void
tiff_verdict(TIFF *tif, struct tctx *ctx, struct filter_report *rep)
{
	tdir_t d;
	int rc = -EINVAL;

	if (tiff_check_pages(tif, ctx, rep) < 0)
		return;
	for (d = 0; d < (tdir_t)rep->pages; d++)
		if (!TIFFSetDirectory(tif, d) ||
		    (rc = tiff_decode_page(tif, ctx)) < 0) {
			filter_set_status(rep,
			    rc == -ENOTSUP ? FS_UNSUPPORTED : FS_CORRUPT,
			    "tiff: page %u: %s", (unsigned)d + 1,
			    ctx->msg[0] ? ctx->msg : "cannot decode");
			return;
		}
	rep->status = FS_OK;
}

static int
tiff_probe(const struct filter_input *in, struct filter_report *rep)
{
	struct tctx ctx = { .in = in };
	TIFF *tif;

	if ((tif = tiff_open(&ctx)) == NULL) {
		filter_set_status(rep, FS_CORRUPT, "tiff: %s",
		    ctx.msg[0] ? ctx.msg : "cannot open");
		return 0;
	}
	tiff_verdict(tif, &ctx, rep);
	TIFFClose(tif);
	return 0;
}

static int
tiff_emit(struct engine *e)
{
	return tiff_pages(e);
}

const struct fmt_ops fmt_tiff = {
	.mime = "image/tiff",
	.ext = "tif",
	.probe = tiff_probe,
	.emit = tiff_emit,
};
