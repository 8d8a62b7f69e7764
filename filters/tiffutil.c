/*
 * tiffutil.c: the TIFF layer under the probe (fmt_tiff.c) and the engine's
 * page source (tiff_engine.c, tiff_source.c): the upload opened read-only
 * from memory with per-handle error hooks and libtiff's allocation cap,
 * and what a page is: its geometry as a viewer shows it, whether the
 * engine reads its strips itself, an old-style JPEG page's stream.
 * SECURITY: parses uploaded bytes through libtiff; errors land in the
 * handle's ctx->msg, no global handler is touched, nothing is printed.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <tiffio.h>

#include "filter.h"
#include "jpegcodec.h"
#include "tiffutil.h"

static tmsize_t
t_read(thandle_t h, void *out, tmsize_t n)
{
	struct tctx *ctx = h;
	toff_t len = ctx->in->len;

	if (n <= 0 || ctx->off >= len)
		return 0;
	if ((toff_t)n > len - ctx->off)
		n = (tmsize_t)(len - ctx->off);
	memcpy(out, ctx->in->buf + ctx->off, (size_t)n);
	ctx->off += (toff_t)n;
	return n;
}

static tmsize_t
t_write(thandle_t h, void *buf, tmsize_t n)
{
	(void)h, (void)buf, (void)n;
	return -1; /* opened read-only */
}

static toff_t
t_seek(thandle_t h, toff_t off, int whence)
{
	struct tctx *ctx = h;
	toff_t base = whence == SEEK_CUR ? ctx->off :
	    whence == SEEK_END		 ? (toff_t)ctx->in->len :
					   0;

	if (off > UINT64_MAX - base)
		return (toff_t)-1;
	return ctx->off = base + off;
}

static int
t_close(thandle_t h)
{
	(void)h;
	return 0;
}

static toff_t
t_size(thandle_t h)
{
	return ((struct tctx *)h)->in->len;
}

static int
t_map(thandle_t h, void **base, toff_t *size)
{
	(void)h, (void)base, (void)size;
	return 0; /* no mapping: libtiff copies what it reads */
}

static void
t_unmap(thandle_t h, void *base, toff_t size)
{
	(void)h, (void)base, (void)size;
}

static int
t_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
	struct tctx *ctx = user;

	(void)tif, (void)module;
	if (!ctx->failed)
		vsnprintf(ctx->msg, sizeof ctx->msg, fmt, ap);
	ctx->failed = 1;
	return 1; /* handled: nothing reaches stderr */
}

static int
t_warning(TIFF *tif, void *user, const char *module, const char *fmt,
    va_list ap)
{
	(void)tif, (void)user, (void)module, (void)fmt, (void)ap;
	return 1;
}

TIFF *
tiff_open(struct tctx *ctx)
{
	TIFFOpenOptions *opts;
	TIFF *tif;

	if ((opts = TIFFOpenOptionsAlloc()) == NULL)
		return NULL;
	/* One strip or tile buffer may take at most a quarter of memory. */
	TIFFOpenOptionsSetMaxSingleMemAlloc(opts,
	    (tmsize_t)(ctx->in->lim->memory_mb << 18));
	TIFFOpenOptionsSetErrorHandlerExtR(opts, t_error, ctx);
	TIFFOpenOptionsSetWarningHandlerExtR(opts, t_warning, ctx);
	tif = TIFFClientOpenExt("upload", "rm", ctx, t_read, t_write, t_seek,
	    t_close, t_size, t_map, t_unmap, opts);
	TIFFOpenOptionsFree(opts);
	return tif;
}

int
tsrc_page(struct tsrc *s, int page)
{
	if (!TIFFSetDirectory(s->tif, (tdir_t)page) || s->ctx.failed)
		return -EINVAL;
	return 0;
}

int
tiff_geometry(TIFF *tif, struct tiff_geo *g)
{
	uint16_t o = ORIENTATION_TOPLEFT;
	float xr = 0, yr = 0;
	double r = 1, sw, sh;

	if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &g->w) ||
	    !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &g->h) || g->w == 0 ||
	    g->h == 0 || g->w > INT32_MAX || g->h > INT32_MAX)
		return -EINVAL;
	TIFFGetFieldDefaulted(tif, TIFFTAG_ORIENTATION, &o);
	g->orient = o >= 1 && o <= 8 ? o : 1;
	if (TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xr) &&
	    TIFFGetField(tif, TIFFTAG_YRESOLUTION, &yr) && xr > 0 && yr > 0)
		r = (double)xr / yr;
	if (r > TIFF_ASPECT_MAX || r < 1 / TIFF_ASPECT_MAX ||
	    fabs(r - 1) < 0.01)
		r = 1;
	sw = r < 1 ? g->w / r : g->w;
	sh = r > 1 ? g->h * r : g->h;
	if (sw + 0.5 > INT32_MAX || sh + 0.5 > INT32_MAX)
		return -EINVAL;
	g->sw = (int)(sw + 0.5), g->sh = (int)(sh + 0.5);
	g->uw = g->orient >= 5 ? g->sh : g->sw;
	g->uh = g->orient >= 5 ? g->sw : g->sh;
	return 0;
}

int
tiff_plain_page(TIFF *tif, struct tiff_plain *p)
{
	uint16_t bps = 1, spp = 1, photo = 0, planar = PLANARCONFIG_CONTIG;
	uint16_t ink = INKSET_CMYK, extra = 0;
	uint16_t fmt = SAMPLEFORMAT_UINT, *extras, comp = COMPRESSION_NONE;

	TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
	TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
	TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
	TIFFGetFieldDefaulted(tif, TIFFTAG_INKSET, &ink);
	TIFFGetFieldDefaulted(tif, TIFFTAG_EXTRASAMPLES, &extra, &extras);
	TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &fmt);
	TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &comp);
	/* 12-bit samples (a medical or archive scan) are unpacked here;
	 * libjpeg-turbo's 8-bit build cannot decode 12-bit JPEG */
	if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photo) ||
	    (bps != 8 && bps != 16 && bps != 12) ||
	    (bps == 12 &&
		(comp == COMPRESSION_JPEG || comp == COMPRESSION_OJPEG)) ||
	    fmt != SAMPLEFORMAT_UINT || planar != PLANARCONFIG_CONTIG ||
	    extra != 0 || TIFFIsTiled(tif))
		return 0;
	*p = (struct tiff_plain){ .spp = spp,
		.bps = bps,
		.cmyk = photo == PHOTOMETRIC_SEPARATED,
		.ch = spp == 1 ? 1 : 3 };
	return (photo == PHOTOMETRIC_RGB && spp == 3) ||
	    (photo == PHOTOMETRIC_MINISBLACK && spp == 1) ||
	    (photo == PHOTOMETRIC_SEPARATED && spp == 4 && ink == INKSET_CMYK);
}

int
tiff_ojpeg_stream(TIFF *tif, const struct filter_input *in,
    const unsigned char **p, size_t *len)
{
	uint64_t off = 0, n = 0;
	uint32_t w = 0, h = 0;
	struct jpeg_head head;
	char msg[160];

	TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
	TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
	if (!TIFFGetField(tif, TIFFTAG_JPEGIFOFFSET, &off) ||
	    !TIFFGetField(tif, TIFFTAG_JPEGIFBYTECOUNT, &n) || off == 0 ||
	    n == 0 || off >= in->len || n > in->len - off ||
	    jpeg_read_head(in->buf + off, (size_t)n, &head, NULL, msg,
		sizeof msg) < 0 ||
	    head.w != (int)w || head.h != (int)h)
		return -ENOTSUP;
	*p = in->buf + off, *len = (size_t)n;
	return 0;
}
