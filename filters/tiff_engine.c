/*
 * tiff_engine.c: the TIFF side of the engine: a page source over every
 * page of a TIFF, so that pages.c makes one PDF of them, each page as a
 * viewer shows it (tiff_geometry: orientation, a fax's aspect). Contone
 * pages in 8-, 12- or 16-bit grey, RGB or CMYK, interleaved, go strip by
 * strip straight into the area resampler (8 bits kept of 12 or 16, CMYK
 * becomes RGB); old-style JPEG pages are decoded from their JPEG stream
 * by libjpeg-turbo; the others (any photometric libtiff's RGBA interface
 * reads: palette, YCbCr, planar, tiles, alpha) are read TIFF_ROWS rows at
 * a time through it; then stretched and turned upright. Bilevel pages
 * are re-encoded as CCITT G4 by libtiff into a TIFF in memory whose one
 * strip becomes the PDF image. What the file holds as it is (JPEG strips,
 * a palette) is tiff_source.c's. The upload is opened and its pages
 * measured by tiffutil.c; fmt_tiff.c runs this (tiff_pages) and nothing
 * here calls back into it.
 * SECURITY: parses uploaded bytes through libtiff with per-handle error
 * hooks and its allocation cap; pages were size-checked by the probe.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "engine.h"
#include "filter.h"
#include "jpegcodec.h"
#include "pages.h"
#include "raster.h"
#include "tiffutil.h"

#define TIFF_ROWS 64
#define ICC_MAX (1u << 20)	 /* one profile, bytes */
#define ICC_TOTAL_MAX (4u << 20) /* all of them */

/* Page page's profile, shared with any earlier page that has the same.
 * A profile over ICC_MAX, or past TIFF_PROFILES or ICC_TOTAL_MAX in all
 * (a hostile file's hundreds of pages), is left out: the page is then
 * plain DeviceRGB or DeviceGray. */
static void
tsrc_read_icc(struct tsrc *s, int page)
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

static const struct buf *
tsrc_icc(void *arg, int page)
{
	struct tsrc *s = arg;

	return s->page_prof && s->page_prof[page] ?
	    &s->prof[s->page_prof[page] - 1] :
	    NULL;
}

static int
tsrc_info(void *arg, int page, int *w, int *h, int *bilevel)
{
	struct tsrc *s = arg;
	struct tiff_geo g;
	uint16_t bps = 1, spp = 1, photo = 0;

	if (tsrc_page(s, page) < 0 || tiff_geometry(s->tif, &g) < 0)
		return -EINVAL;
	TIFFGetFieldDefaulted(s->tif, TIFFTAG_BITSPERSAMPLE, &bps);
	TIFFGetFieldDefaulted(s->tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
	TIFFGetField(s->tif, TIFFTAG_PHOTOMETRIC, &photo);
	*w = g.uw, *h = g.uh;
	*bilevel = bps == 1 && spp == 1 && !TIFFIsTiled(s->tif) &&
	    (photo == PHOTOMETRIC_MINISWHITE ||
		photo == PHOTOMETRIC_MINISBLACK);
	return 0;
}

/* ABGR words to grey or RGB bytes, alpha over white. */
static void
rgba_row(const uint32_t *s, unsigned char *d, int w, int ch)
{
	unsigned a, c[3];

	for (int x = 0; x < w; x++, d += ch) {
		a = TIFFGetA(s[x]);
		c[0] = TIFFGetR(s[x]), c[1] = TIFFGetG(s[x]),
		c[2] = TIFFGetB(s[x]);
		for (int k = 0; k < 3; k++) /* libtiff premultiplies */
			c[k] = c[k] + 255 - a;
		if (ch == 1)
			d[0] = (unsigned char)(c[0] > 255 ? 255 : c[0]);
		else
			for (int k = 0; k < 3; k++)
				d[k] = (unsigned char)(c[k] > 255 ? 255 : c[k]);
	}
}

static int
rgba_rows(TIFFRGBAImage *img, struct resampler *rs, int w, int h, int ch)
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

/* Sample i of a row of 12-bit samples (packed high bits first), as 8. */
static unsigned
sample12(const unsigned char *row, int i)
{
	const unsigned char *b = row + (size_t)i * 3 / 2;

	return i & 1 ? ((b[0] & 0x0fu) << 4) | (b[1] >> 4) : b[0];
}

/* One row of a plain page as the resampler takes it (p->ch bytes a
 * pixel): src itself when it is that already, else converted into dst. */
static const unsigned char *
plain_row(const struct tiff_plain *p, const unsigned char *src,
    unsigned char *dst, int w)
{
	const uint16_t *s16 = (const uint16_t *)(const void *)src;
	unsigned v[4], c, k;

	if (p->bps == 8 && !p->cmyk)
		return src;
	for (int x = 0; x < w; x++) {
		for (int i = 0; i < p->spp; i++) /* libtiff made them native */
			v[i] = p->bps == 16 ? s16[x * p->spp + i] >> 8 :
			    p->bps == 12    ? sample12(src, x * p->spp + i) :
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
static int
plain_rows(struct tsrc *s, const struct tiff_plain *p, struct resampler *rs,
    int w, int h)
{
	tmsize_t ssz = TIFFStripSize(s->tif), got;
	uint32_t rps = 0;
	size_t rowb = ((size_t)w * (size_t)p->spp * (size_t)p->bps + 7) / 8;
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
		if (got < 0 || s->ctx.failed ||
		    ((size_t)got <
			rowb * (h - y < (int)rps ? (size_t)(h - y) : rps))) {
			rc = -EINVAL;
			break;
		}
		for (uint32_t r = 0; r < rps && y < h; r++, y++)
			resampler_row(rs,
			    plain_row(p, strip + (size_t)r * rowb, conv, w));
	}
	free(strip);
	free(conv);
	return rc;
}

/* A plain page (tiff_plain_page) straight from its strips. */
static int
plain_decode(struct tsrc *s, int page, const struct tiff_plain *p, int tw,
    int th, struct raster *out, char *msg, size_t msgsz)
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

/* An old-style JPEG page from its whole JPEG stream, to tw x th. */
static int
ojpeg_decode(struct tsrc *s, int page, int tw, int th, struct raster *out,
    char *msg, size_t msgsz)
{
	const unsigned char *p;
	size_t len;
	char jmsg[160] = "";

	if (tiff_ojpeg_stream(s->tif, s->ctx.in, &p, &len) < 0 ||
	    jpeg_decode_to(p, len, tw, th, s->ctx.in->lim->memory_mb, out, jmsg,
		sizeof jmsg) < 0) {
		snprintf(msg, msgsz, "tiff: page %d: old-style jpeg: %s",
		    page + 1, jmsg[0] ? jmsg : "no whole jpeg stream");
		return -EINVAL;
	}
	return 0;
}

/* The current page through libtiff's RGBA interface, as stored (the
 * caller applies the orientation), to exactly tw x th. */
static int
rgba_decode(struct tsrc *s, int page, int tw, int th, struct raster *out,
    char *msg, size_t msgsz)
{
	TIFFRGBAImage img;
	struct resampler *rs = NULL;
	char emsg[1024] = "";
	int rc, grey;

	if (!TIFFRGBAImageBegin(&img, s->tif, 0, emsg)) {
		filter_sanitize(msg, msgsz, emsg[0] ? emsg : "unreadable page");
		return -EINVAL;
	}
	img.req_orientation = img.orientation; /* no flips: rows as stored */
	grey = img.samplesperpixel == 1 &&
	    img.photometric != PHOTOMETRIC_PALETTE;
	if ((rc = raster_init(out, tw, th, grey ? 1 : 3)) == 0 &&
	    (rc = resampler_new(&rs, (int)img.width, (int)img.height, out)) ==
		0)
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

/* Where source coordinate f (of n) falls: its pixel and the weight of the
 * next one, out of 256. */
static void
stretch_tap(double f, int n, int *i, int *frac)
{
	if (f < 0)
		f = 0;
	*i = (int)f < n - 1 ? (int)f : n - 1;
	*frac = (int)((f - *i) * 256 + 0.5);
	*frac = *frac > 256 ? 256 : *frac;
}

/* r enlarged to w x h (not smaller than it) by linear interpolation: the
 * coarse axis of a page whose pixels are not square, as a viewer shows
 * it. 0 or -ENOMEM. */
static int
raster_stretch(struct raster *r, int w, int h)
{
	struct raster t;
	int *x0, *fx, rc, ch = r->ch;

	if (w == r->w && h == r->h)
		return 0;
	x0 = malloc((size_t)w * sizeof *x0);
	fx = malloc((size_t)w * sizeof *fx);
	if (x0 == NULL || fx == NULL || (rc = raster_init(&t, w, h, ch)) < 0) {
		free(x0);
		free(fx);
		return -ENOMEM;
	}
	for (int x = 0; x < w; x++)
		stretch_tap((x + 0.5) * r->w / w - 0.5, r->w, &x0[x], &fx[x]);
	for (int y = 0; y < h; y++) {
		int y0, fy, dy;
		const unsigned char *a, *b;
		unsigned char *d = t.px + (size_t)y * (size_t)w * (size_t)ch;

		stretch_tap((y + 0.5) * r->h / h - 0.5, r->h, &y0, &fy);
		dy = y0 + 1 < r->h ? 1 : 0;
		a = r->px + (size_t)y0 * (size_t)r->w * (size_t)ch;
		b = a + (size_t)dy * (size_t)r->w * (size_t)ch;
		for (int x = 0; x < w; x++) {
			int i = x0[x] * ch, j = x0[x] + 1 < r->w ? i + ch : i;

			for (int k = 0; k < ch; k++) {
				int top = a[i + k] * (256 - fx[x]) +
				    a[j + k] * fx[x];
				int bot = b[i + k] * (256 - fx[x]) +
				    b[j + k] * fx[x];

				*d++ = (unsigned char)((top * (256 - fy) +
							   bot * fy + 32768) >>
				    16);
			}
		}
	}
	free(x0);
	free(fx);
	raster_release(r);
	*r = t;
	return 0;
}

static int
tsrc_decode(void *arg, int page, int tw, int th, struct raster *out, char *msg,
    size_t msgsz)
{
	struct tsrc *s = arg;
	struct tiff_plain p;
	struct tiff_geo g;
	uint16_t comp = COMPRESSION_NONE;
	int sw, sh, rc;

	*out = (struct raster){ 0 };
	if (tsrc_page(s, page) < 0 || tiff_geometry(s->tif, &g) < 0) {
		snprintf(msg, msgsz, "tiff: page %d: unreadable", page + 1);
		return -EINVAL;
	}
	tsrc_read_icc(s, page);
	/* decoded as stored, at most native, then stretched and turned */
	sw = g.orient >= 5 ? th : tw, sh = g.orient >= 5 ? tw : th;
	tw = sw < (int)g.w ? sw : (int)g.w;
	th = sh < (int)g.h ? sh : (int)g.h;
	TIFFGetFieldDefaulted(s->tif, TIFFTAG_COMPRESSION, &comp);
	if (comp == COMPRESSION_OJPEG)
		rc = ojpeg_decode(s, page, tw, th, out, msg, msgsz);
	else if (tiff_plain_page(s->tif, &p))
		rc = plain_decode(s, page, &p, tw, th, out, msg, msgsz);
	else
		rc = rgba_decode(s, page, tw, th, out, msg, msgsz);
	if (rc == 0 &&
	    ((rc = raster_stretch(out, sw, sh)) < 0 ||
		(rc = raster_orient(out, g.orient)) < 0)) {
		snprintf(msg, msgsz, "out of memory");
		raster_release(out);
	}
	return rc;
}

/* An in-memory TIFF being written (the G4 encoder). */
struct wmem {
	struct buf b;
	toff_t pos;
	int failed;
};

static tmsize_t
w_read(thandle_t h, void *p, tmsize_t n)
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

static tmsize_t
w_write(thandle_t h, void *p, tmsize_t n)
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

static toff_t
w_seek(thandle_t h, toff_t off, int whence)
{
	struct wmem *m = h;
	toff_t base = whence == SEEK_CUR ? m->pos :
	    whence == SEEK_END		 ? (toff_t)m->b.len :
					   0;

	return m->pos = base + off;
}

static int
w_close(thandle_t h)
{
	(void)h;
	return 0;
}

static toff_t
w_size(thandle_t h)
{
	return ((struct wmem *)h)->b.len;
}

static int
w_map(thandle_t h, void **base, toff_t *size)
{
	(void)h, (void)base, (void)size;
	return 0;
}

static void
w_unmap(thandle_t h, void *base, toff_t size)
{
	(void)h, (void)base, (void)size;
}

static int
w_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
	(void)tif, (void)module, (void)fmt, (void)ap;
	((struct wmem *)user)->failed = 1;
	return 1;
}

static int
w_warning(TIFF *tif, void *user, const char *module, const char *fmt,
    va_list ap)
{
	(void)tif, (void)user, (void)module, (void)fmt, (void)ap;
	return 1;
}

static TIFF *
g4_open(struct wmem *m)
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

static void
g4_fields(TIFF *t, uint32_t w, uint32_t h)
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
static int
g4_rows(struct tsrc *s, TIFF *t, uint32_t h, int invert)
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
static int
g4_strip(TIFF *t, struct wmem *m, struct buf *out)
{
	uint64_t *off = NULL, *cnt = NULL;

	if (!TIFFFlushData(t) || m->failed ||
	    !TIFFGetField(t, TIFFTAG_STRIPOFFSETS, &off) ||
	    !TIFFGetField(t, TIFFTAG_STRIPBYTECOUNTS, &cnt) || !off || !cnt ||
	    off[0] > m->b.len || cnt[0] > m->b.len - off[0])
		return -EIO;
	return buf_add(out, m->b.p + off[0], (size_t)cnt[0]);
}

/* The rows of the current page turned by its orientation (1 = black)
 * into t, which is the turned page's size. */
static int
g4_turned(struct tsrc *s, TIFF *t, const struct tiff_geo *g, int invert)
{
	tmsize_t n = TIFFScanlineSize(s->tif);
	size_t ow = g->orient >= 5 ? g->h : g->w;
	unsigned char *row, *d;
	struct raster r;
	int rc;

	if (n <= 0 || (size_t)n < (g->w + 7) / 8 ||
	    (row = malloc(
		 (size_t)n > (ow + 7) / 8 ? (size_t)n : (ow + 7) / 8)) == NULL)
		return -ENOMEM;
	if ((rc = raster_init(&r, (int)g->w, (int)g->h, 1)) < 0) {
		free(row);
		return rc;
	}
	for (uint32_t y = 0; y < g->h && rc == 0; y++) {
		if (TIFFReadScanline(s->tif, row, y, 0) < 0 || s->ctx.failed)
			rc = -EINVAL;
		d = r.px + (size_t)y * g->w;
		for (uint32_t x = 0; x < g->w && rc == 0; x++)
			d[x] = (unsigned char)((row[x >> 3] >> (7 - (x & 7)) &
						   1) ^
			    invert);
	}
	if (rc == 0)
		rc = raster_orient(&r, g->orient);
	for (int y = 0; y < r.h && rc == 0; y++) {
		memset(row, 0, ((size_t)r.w + 7) / 8);
		d = r.px + (size_t)y * (size_t)r.w;
		for (int x = 0; x < r.w; x++)
			row[x >> 3] |= (unsigned char)(d[x] << (7 - (x & 7)));
		if (TIFFWriteScanline(t, row, (uint32_t)y, 0) < 0)
			rc = -EIO;
	}
	raster_release(&r);
	free(row);
	return rc;
}

/* A bilevel page as G4, turned upright; *w x *h is its pixels, whose
 * aspect may not be the page's (a fax page: pages.c sizes the page). */
static int
tsrc_g4(void *arg, int page, struct buf *out, int *w, int *h)
{
	struct tsrc *s = arg;
	struct wmem m = { 0 };
	struct tiff_geo g;
	uint16_t photo = 0;
	int rc, invert;
	TIFF *t;

	if (tsrc_page(s, page) < 0 || tiff_geometry(s->tif, &g) < 0)
		return -EINVAL;
	TIFFGetField(s->tif, TIFFTAG_PHOTOMETRIC, &photo);
	invert = photo == PHOTOMETRIC_MINISBLACK;
	*w = (int)(g.orient >= 5 ? g.h : g.w);
	*h = (int)(g.orient >= 5 ? g.w : g.h);
	if ((t = g4_open(&m)) == NULL) {
		buf_release(&m.b);
		return -ENOMEM;
	}
	g4_fields(t, (uint32_t)*w, (uint32_t)*h);
	rc = g.orient == 1 ? g4_rows(s, t, g.h, invert) :
			     g4_turned(s, t, &g, invert);
	if (rc == 0)
		rc = g4_strip(t, &m, out);
	TIFFClose(t);
	buf_release(&m.b);
	return rc;
}

int
tiff_pages(struct engine *e)
{
	struct tsrc s = { .ctx = { .in = e->in } };
	struct page_src src = { .ctx = &s,
		.info = tsrc_info,
		.decode = tsrc_decode,
		.g4 = tsrc_g4,
		.page_icc = tsrc_icc,
		.source_img = tsrc_source };
	int rc;

	if ((s.tif = tiff_open(&s.ctx)) == NULL) {
		filter_set_status(e->rep, FS_CORRUPT, "tiff: cannot open");
		return 0;
	}
	src.npages = (int)TIFFNumberOfDirectories(s.tif);
	s.page_prof = calloc((size_t)src.npages + 1, sizeof *s.page_prof);
	s.pal = calloc((size_t)src.npages + 1, sizeof *s.pal);
	engine_out_type(e, "application/pdf", "pdf");
	engine_note(e, "tiff to pdf");
	rc = pages_run(e, &src, 0);
	for (int k = 0; k < s.nprof; k++)
		buf_release(&s.prof[k]);
	free(s.page_prof);
	free(s.pal);
	TIFFClose(s.tif);
	return rc == -EINVAL ? 0 : rc;
}
