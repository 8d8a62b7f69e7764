/*
 * tiff_engine.c: the TIFF side of the engine: a page source over every
 * page of a TIFF, so that pages.c makes one PDF of them. Contone pages
 * in 8- or 16-bit grey, RGB or CMYK, interleaved and stored top-left, go
 * strip by strip straight into the area resampler (16 bits keep their
 * high byte, CMYK becomes RGB); the others (any photometric libtiff's
 * RGBA interface reads: palette, YCbCr, planar, tiles, alpha, other
 * orientations) are read TIFF_ROWS rows at a time through it. Bilevel
 * pages are re-encoded as CCITT G4 by libtiff into a TIFF in memory whose
 * one strip becomes the PDF image.
 * SECURITY: parses uploaded bytes through libtiff with per-handle error
 * hooks and its allocation cap; pages were size-checked by the probe.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "tiffutil.h"

#define TIFF_ROWS 64
#define TIFF_PROFILES 16		/* distinct ICC profiles kept */
#define ICC_MAX (1u << 20)		/* one profile, bytes */
#define ICC_TOTAL_MAX (4u << 20)	/* all of them */

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
};

/* Page page's profile, shared with any earlier page that has the same.
 * A profile over ICC_MAX, or past TIFF_PROFILES or ICC_TOTAL_MAX in all
 * (a hostile file's hundreds of pages), is left out: the page is then
 * plain DeviceRGB or DeviceGray. */
static void tsrc_read_icc(struct tsrc *s, int page)
{
	uint32_t n = 0;
	void *p = NULL;
	int k;

	if (s->page_prof == NULL || s->page_prof[page] ||
	    !TIFFGetField(s->tif, TIFFTAG_ICCPROFILE, &n, &p) || !p || !n ||
	    n > ICC_MAX)
		return;
	for (k = 0; k < s->nprof; k++)
		if (s->prof[k].len == n && memcmp(s->prof[k].p, p, n) == 0)
			break;
	if (k == s->nprof) {
		if (k == TIFF_PROFILES || s->profbytes + n > ICC_TOTAL_MAX ||
		    buf_add(&s->prof[k], p, n) < 0)
			return;
		s->nprof++, s->profbytes += n;
	}
	s->page_prof[page] = k + 1;
}

static const struct buf *tsrc_icc(void *arg, int page)
{
	struct tsrc *s = arg;

	return s->page_prof && s->page_prof[page] ?
	    &s->prof[s->page_prof[page] - 1] : NULL;
}

static int tsrc_page(struct tsrc *s, int page)
{
	if (!TIFFSetDirectory(s->tif, (tdir_t)page) || s->ctx.failed)
		return -EINVAL;
	return 0;
}

static int tsrc_info(void *arg, int page, int *w, int *h, int *bilevel)
{
	struct tsrc *s = arg;
	uint32_t tw, th;
	uint16_t bps = 1, spp = 1, photo = 0;

	if (tsrc_page(s, page) < 0 ||
	    !TIFFGetField(s->tif, TIFFTAG_IMAGEWIDTH, &tw) ||
	    !TIFFGetField(s->tif, TIFFTAG_IMAGELENGTH, &th) ||
	    tw > INT32_MAX || th > INT32_MAX)
		return -EINVAL;
	TIFFGetFieldDefaulted(s->tif, TIFFTAG_BITSPERSAMPLE, &bps);
	TIFFGetFieldDefaulted(s->tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
	TIFFGetField(s->tif, TIFFTAG_PHOTOMETRIC, &photo);
	*w = (int)tw, *h = (int)th;
	*bilevel = bps == 1 && spp == 1 && !TIFFIsTiled(s->tif) &&
	    (photo == PHOTOMETRIC_MINISWHITE || photo == PHOTOMETRIC_MINISBLACK);
	return 0;
}

/* ABGR words to grey or RGB bytes, alpha over white. */
static void rgba_row(const uint32_t *s, unsigned char *d, int w, int ch)
{
	unsigned a, c[3];

	for (int x = 0; x < w; x++, d += ch) {
		a = TIFFGetA(s[x]);
		c[0] = TIFFGetR(s[x]), c[1] = TIFFGetG(s[x]), c[2] = TIFFGetB(s[x]);
		for (int k = 0; k < 3; k++)	/* libtiff premultiplies */
			c[k] = c[k] + 255 - a;
		if (ch == 1)
			d[0] = (unsigned char)(c[0] > 255 ? 255 : c[0]);
		else
			for (int k = 0; k < 3; k++)
				d[k] = (unsigned char)(c[k] > 255 ? 255 : c[k]);
	}
}

static int rgba_rows(TIFFRGBAImage *img, struct resampler *rs, int w,
    int h, int ch)
{
	uint32_t *words = malloc((size_t)w * TIFF_ROWS * sizeof *words);
	unsigned char *row = malloc((size_t)w * 3);
	int y, n, rc = 0;

	if (words == NULL || row == NULL)
		rc = -ENOMEM;
	for (y = 0; y < h && rc == 0; y += n) {
		n = h - y < TIFF_ROWS ? h - y : TIFF_ROWS;
		img->row_offset = y;
		if (!TIFFRGBAImageGet(img, words, (uint32_t)w, (uint32_t)n)) {
			rc = -EINVAL;
			break;
		}
		for (int k = 0; k < n; k++) {
			rgba_row(words + (size_t)k * (size_t)w, row, w, ch);
			resampler_row(rs, row);
		}
	}
	free(words);
	free(row);
	return rc;
}

int tiff_plain_page(TIFF *tif, struct tiff_plain *p)
{
	uint16_t bps = 1, spp = 1, photo = 0, planar = PLANARCONFIG_CONTIG;
	uint16_t orient = ORIENTATION_TOPLEFT, ink = INKSET_CMYK, extra = 0;
	uint16_t fmt = SAMPLEFORMAT_UINT, *extras;

	TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
	TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
	TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
	TIFFGetFieldDefaulted(tif, TIFFTAG_ORIENTATION, &orient);
	TIFFGetFieldDefaulted(tif, TIFFTAG_INKSET, &ink);
	TIFFGetFieldDefaulted(tif, TIFFTAG_EXTRASAMPLES, &extra, &extras);
	TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &fmt);
	if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photo) ||
	    (bps != 8 && bps != 16) || fmt != SAMPLEFORMAT_UINT ||
	    planar != PLANARCONFIG_CONTIG ||
	    orient != ORIENTATION_TOPLEFT || extra != 0 || TIFFIsTiled(tif))
		return 0;
	*p = (struct tiff_plain){ .spp = spp, .bps = bps,
	    .cmyk = photo == PHOTOMETRIC_SEPARATED, .ch = spp == 1 ? 1 : 3 };
	return (photo == PHOTOMETRIC_RGB && spp == 3) ||
	    (photo == PHOTOMETRIC_MINISBLACK && spp == 1) ||
	    (photo == PHOTOMETRIC_SEPARATED && spp == 4 && ink == INKSET_CMYK);
}

/* One row of a plain page as the resampler takes it (p->ch bytes a
 * pixel): src itself when it is that already, else converted into dst. */
static const unsigned char *plain_row(const struct tiff_plain *p,
    const unsigned char *src, unsigned char *dst, int w)
{
	const uint16_t *s16 = (const uint16_t *)(const void *)src;
	unsigned v[4], c, k;

	if (p->bps == 8 && !p->cmyk)
		return src;
	for (int x = 0; x < w; x++) {
		for (int i = 0; i < p->spp; i++)	/* libtiff made them native */
			v[i] = p->bps == 16 ? s16[x * p->spp + i] >> 8 :
			    src[x * p->spp + i];
		if (!p->cmyk) {
			for (int i = 0; i < p->spp; i++)
				dst[x * p->ch + i] = (unsigned char)v[i];
			continue;
		}
		k = 255 - v[3];
		for (int i = 0; i < 3; i++) {
			c = (255 - v[i]) * k;
			dst[x * 3 + i] = (unsigned char)((c + 127) / 255);
		}
	}
	return dst;
}

/* The rows of a plain page, strip by strip, into the resampler. */
static int plain_rows(struct tsrc *s, const struct tiff_plain *p,
    struct resampler *rs, int w, int h)
{
	tmsize_t ssz = TIFFStripSize(s->tif), got;
	uint32_t rps = 0;
	size_t rowb = (size_t)w * (size_t)p->spp * (size_t)(p->bps / 8);
	unsigned char *strip, *conv = malloc((size_t)w * 3);
	int y = 0, rc = 0;

	TIFFGetFieldDefaulted(s->tif, TIFFTAG_ROWSPERSTRIP, &rps);
	if (ssz <= 0 || rps == 0 || conv == NULL ||
	    (strip = malloc((size_t)ssz)) == NULL) {
		free(conv);
		return -ENOMEM;
	}
	for (uint32_t k = 0; y < h && rc == 0; k++) {
		got = TIFFReadEncodedStrip(s->tif, k, strip, ssz);
		/* a short strip is damage, except the last one's end */
		if (got < 0 || s->ctx.failed || ((size_t)got < rowb *
		    (h - y < (int)rps ? (size_t)(h - y) : rps))) {
			rc = -EINVAL;
			break;
		}
		for (uint32_t r = 0; r < rps && y < h; r++, y++)
			resampler_row(rs, plain_row(p, strip + (size_t)r * rowb,
			    conv, w));
	}
	free(strip);
	free(conv);
	return rc;
}

/* A plain page (tiff_plain_page) straight from its strips. */
static int plain_decode(struct tsrc *s, int page, const struct tiff_plain *p,
    int tw, int th, struct raster *out, char *msg, size_t msgsz)
{
	struct resampler *rs = NULL;
	uint32_t w = 0, h = 0;
	int rc;

	TIFFGetField(s->tif, TIFFTAG_IMAGEWIDTH, &w);
	TIFFGetField(s->tif, TIFFTAG_IMAGELENGTH, &h);
	if ((rc = raster_init(out, tw, th, p->ch)) == 0 &&
	    (rc = resampler_new(&rs, (int)w, (int)h, out)) == 0)
		rc = plain_rows(s, p, rs, (int)w, (int)h);
	resampler_free(rs);
	if (rc < 0 || s->ctx.failed) {
		snprintf(msg, msgsz, "tiff: page %d: %s", page + 1,
		    s->ctx.msg[0] ? s->ctx.msg : "cannot decode");
		raster_release(out);
		return rc == -ENOMEM ? rc : -EINVAL;
	}
	return 0;
}

static int tsrc_decode(void *arg, int page, int tw, int th,
    struct raster *out, char *msg, size_t msgsz)
{
	struct tsrc *s = arg;
	TIFFRGBAImage img;
	struct resampler *rs = NULL;
	struct tiff_plain p;
	char emsg[1024] = "";
	int rc, grey;

	*out = (struct raster){ 0 };
	if (tsrc_page(s, page) == 0) {
		tsrc_read_icc(s, page);
		if (tiff_plain_page(s->tif, &p))
			return plain_decode(s, page, &p, tw, th, out, msg,
			    msgsz);
	}
	if (tsrc_page(s, page) < 0 || !TIFFRGBAImageBegin(&img, s->tif, 0,
	    emsg)) {
		filter_sanitize(msg, msgsz, emsg[0] ? emsg : "unreadable page");
		return -EINVAL;
	}
	img.req_orientation = ORIENTATION_TOPLEFT;
	grey = img.samplesperpixel == 1 && img.photometric != PHOTOMETRIC_PALETTE;
	if ((rc = raster_init(out, tw, th, grey ? 1 : 3)) == 0 &&
	    (rc = resampler_new(&rs, (int)img.width, (int)img.height, out)) == 0)
		rc = rgba_rows(&img, rs, (int)img.width, (int)img.height,
		    out->ch);
	TIFFRGBAImageEnd(&img);
	resampler_free(rs);
	if (rc < 0 || s->ctx.failed) {
		snprintf(msg, msgsz, "tiff: page %d: %s", page + 1,
		    s->ctx.msg[0] ? s->ctx.msg : "cannot decode");
		raster_release(out);
		return -EINVAL;
	}
	return 0;
}

/* An in-memory TIFF being written (the G4 encoder). */
struct wmem {
	struct buf b;
	toff_t pos;
	int failed;
};

static tmsize_t w_read(thandle_t h, void *p, tmsize_t n)
{
	struct wmem *m = h;

	if (n <= 0 || m->pos >= m->b.len)
		return 0;
	if ((toff_t)n > m->b.len - m->pos)
		n = (tmsize_t)(m->b.len - m->pos);
	memcpy(p, m->b.p + m->pos, (size_t)n);
	m->pos += (toff_t)n;
	return n;
}

static tmsize_t w_write(thandle_t h, void *p, tmsize_t n)
{
	struct wmem *m = h;
	size_t end;

	if (n < 0 || m->pos > (1u << 30))
		return -1;
	end = (size_t)m->pos + (size_t)n;
	if (end > m->b.len && buf_resize(&m->b, end) < 0)
		return -1;
	memcpy(m->b.p + m->pos, p, (size_t)n);
	m->pos = end;
	return n;
}

static toff_t w_seek(thandle_t h, toff_t off, int whence)
{
	struct wmem *m = h;
	toff_t base = whence == SEEK_CUR ? m->pos : whence == SEEK_END ?
	    (toff_t)m->b.len : 0;

	return m->pos = base + off;
}

static int w_close(thandle_t h)
{
	(void)h;
	return 0;
}

static toff_t w_size(thandle_t h)
{
	return ((struct wmem *)h)->b.len;
}

static int w_map(thandle_t h, void **base, toff_t *size)
{
	(void)h, (void)base, (void)size;
	return 0;
}

static void w_unmap(thandle_t h, void *base, toff_t size)
{
	(void)h, (void)base, (void)size;
}

static int w_error(TIFF *tif, void *user, const char *module,
    const char *fmt, va_list ap)
{
	(void)tif, (void)module, (void)fmt, (void)ap;
	((struct wmem *)user)->failed = 1;
	return 1;
}

static int w_warning(TIFF *tif, void *user, const char *module,
    const char *fmt, va_list ap)
{
	(void)tif, (void)user, (void)module, (void)fmt, (void)ap;
	return 1;
}

static TIFF *g4_open(struct wmem *m)
{
	TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
	TIFF *t;

	if (opts == NULL)
		return NULL;
	TIFFOpenOptionsSetErrorHandlerExtR(opts, w_error, m);
	TIFFOpenOptionsSetWarningHandlerExtR(opts, w_warning, m);
	t = TIFFClientOpenExt("g4", "w", m, w_read, w_write, w_seek, w_close,
	    w_size, w_map, w_unmap, opts);
	TIFFOpenOptionsFree(opts);
	return t;
}

static void g4_fields(TIFF *t, uint32_t w, uint32_t h)
{
	TIFFSetField(t, TIFFTAG_IMAGEWIDTH, w);
	TIFFSetField(t, TIFFTAG_IMAGELENGTH, h);
	TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1);
	TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
	TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, h);
	TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4);
	TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
	TIFFSetField(t, TIFFTAG_FILLORDER, FILLORDER_MSB2LSB);
	TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
}

/* Copies the rows of the current page (1 = black) into t. */
static int g4_rows(struct tsrc *s, TIFF *t, uint32_t h, int invert)
{
	tmsize_t n = TIFFScanlineSize(s->tif);
	unsigned char *row;
	int rc = 0;

	if (n <= 0 || (row = malloc((size_t)n)) == NULL)
		return -ENOMEM;
	for (uint32_t y = 0; y < h && rc == 0; y++) {
		if (TIFFReadScanline(s->tif, row, y, 0) < 0 || s->ctx.failed) {
			rc = -EINVAL;
			break;
		}
		if (invert)
			for (tmsize_t i = 0; i < n; i++)
				row[i] = (unsigned char)~row[i];
		if (TIFFWriteScanline(t, row, y, 0) < 0)
			rc = -EIO;
	}
	free(row);
	return rc;
}

/* The strip libtiff wrote, copied out of the in-memory file. */
static int g4_strip(TIFF *t, struct wmem *m, struct buf *out)
{
	uint64_t *off = NULL, *cnt = NULL;

	if (!TIFFFlushData(t) || m->failed ||
	    !TIFFGetField(t, TIFFTAG_STRIPOFFSETS, &off) ||
	    !TIFFGetField(t, TIFFTAG_STRIPBYTECOUNTS, &cnt) || !off || !cnt ||
	    off[0] > m->b.len || cnt[0] > m->b.len - off[0])
		return -EIO;
	return buf_add(out, m->b.p + off[0], (size_t)cnt[0]);
}

static int tsrc_g4(void *arg, int page, struct buf *out, int *w, int *h)
{
	struct tsrc *s = arg;
	struct wmem m = { 0 };
	uint16_t photo = 0;
	int bilevel, rc;
	TIFF *t;

	if ((rc = tsrc_info(s, page, w, h, &bilevel)) < 0)
		return rc;
	TIFFGetField(s->tif, TIFFTAG_PHOTOMETRIC, &photo);
	if ((t = g4_open(&m)) == NULL) {
		buf_release(&m.b);
		return -ENOMEM;
	}
	g4_fields(t, (uint32_t)*w, (uint32_t)*h);
	rc = g4_rows(s, t, (uint32_t)*h, photo == PHOTOMETRIC_MINISBLACK);
	if (rc == 0)
		rc = g4_strip(t, &m, out);
	TIFFClose(t);
	buf_release(&m.b);
	return rc;
}

int tiff_pages(struct engine *e)
{
	struct tsrc s = { .ctx = { .in = e->in } };
	struct page_src src = { .ctx = &s, .info = tsrc_info,
	    .decode = tsrc_decode, .g4 = tsrc_g4, .page_icc = tsrc_icc };
	int rc;

	if ((s.tif = tiff_open(&s.ctx)) == NULL) {
		filter_set_status(e->rep, FS_CORRUPT, "tiff: cannot open");
		return 0;
	}
	src.npages = (int)TIFFNumberOfDirectories(s.tif);
	s.page_prof = calloc((size_t)src.npages + 1, sizeof *s.page_prof);
	engine_out_type(e, "application/pdf", "pdf");
	engine_note(e, "tiff to pdf");
	rc = pages_run(e, &src, 0);
	for (int k = 0; k < s.nprof; k++)
		buf_release(&s.prof[k]);
	free(s.page_prof);
	TIFFClose(s.tif);
	return rc == -EINVAL ? 0 : rc;
}
