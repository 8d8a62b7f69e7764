/*
 * flatten.c: a found sheet squared and evened. The warp maps each pixel
 * of the page straight from the frame (Leptonica's projective
 * coefficients, our bilinear loop: Leptonica's own warps write a
 * frame-sized image, which a 12 MP photo cannot afford twice), from a
 * frame decoded at about the page's own scale; the light is evened by
 * Leptonica's background normalisation, then paper pushed to white.
 * SECURITY: runs on pixels decoded from uploads; every read is clamped
 * inside the source raster.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <leptonica/allheaders.h>

#include "flat.h"
#include "raster.h"

#define BG_TILE 40   /* background tiles, pixels (5 mm at 200 dpi) */
#define BG_VALUE 240 /* the paper after normalisation */
#define BG_REDUCE 2  /* the background measured on a copy this much smaller */
#define BG_FG_SHARE \
	30		    /* % of the paper's level: darker is ink (paper \
			     * in a phone's shadow is at 40-50%) */
#define SHADE_LEVELS 8	    /* gains in quarters over the usual, LUTs */
#define SHADE_SMOOTH 2	    /* from this many quarters over: a shadow */
#define SHADE_WHITE_MIN 176 /* its white point, at the lowest */
#define TRC_BLACK 20	    /* then [TRC_BLACK, white] to [0, 255] */
#define WHITE_SHARE 12	    /* % of the paper left below white */
#define WHITE_MIN 200
#define WHITE_MAX 236
#define TURN_RATIO 2.0 /* column over row ripple: text sideways */
#define LINE_INK 200   /* a text line's column: 1 in this many ink */
#define TURN_LINES 5   /* lines needed to tell which way is up */

static void
lept_silent(const char *msg)
{
	(void)msg;
}

void
flat_quiet(void)
{
	setMsgSeverity(L_SEVERITY_NONE);
	leptSetStderrHandler(lept_silent);
}

static double
side(const struct sheet *sh, int i)
{
	int j = (i + 1) % 4;

	return hypot(sh->x[j] - sh->x[i], sh->y[j] - sh->y[i]);
}

void
sheet_decode_dims(int fw, int fh, const struct sheet *sh, int *tw, int *th)
{
	double sw = (side(sh, 0) + side(sh, 2)) / 2;
	double sv = (side(sh, 1) + side(sh, 3)) / 2;
	double k = fmax(sh->w / sw, sh->h / sv);

	*tw = fw, *th = fh;
	if (k < 1.0) {
		*tw = (int)ceil(fw * k), *th = (int)ceil(fh * k);
		*tw = *tw > fw ? fw : *tw, *th = *th > fh ? fh : *th;
	}
}

/* The eight coefficients taking page pixels to src pixels. */
static int
page_to_src(const struct raster *src, int fw, int fh, const struct sheet *sh,
    double c[8])
{
	double kx = (double)src->w / fw, ky = (double)src->h / fh;
	double px[4] = { 0, sh->w - 1, sh->w - 1, 0 };
	double py[4] = { 0, 0, sh->h - 1, sh->h - 1 };
	PTA *from = ptaCreate(4), *to = ptaCreate(4);
	l_float32 *vc = NULL;
	int rc = -ENOMEM;

	for (int i = 0; from && to && i < 4; i++) {
		ptaAddPt(from, (l_float32)px[i], (l_float32)py[i]);
		ptaAddPt(to, (l_float32)((sh->x[i] + 0.5) * kx - 0.5),
		    (l_float32)((sh->y[i] + 0.5) * ky - 0.5));
	}
	if (from && to && getProjectiveXformCoeffs(from, to, &vc) == 0) {
		for (int i = 0; i < 8; i++)
			c[i] = vc[i];
		rc = 0;
	}
	lept_free(vc);
	ptaDestroy(&from);
	ptaDestroy(&to);
	return rc;
}

/* Bilinear sample of src (ch channels) at (xs, ys) (in 1/256 pixels,
 * clamped inside) into out[ch]. Always inlined, so that each caller with
 * a constant ch is its own unrolled loop. */
static inline __attribute__((always_inline)) void
sample(const struct raster *src, int ch, double xs, double ys,
    unsigned char *out)
{
	int mx = (src->w - 1) << 8, my = (src->h - 1) << 8;
	int x = xs <= 0 ? 0 : xs >= mx ? mx : (int)xs;
	int y = ys <= 0 ? 0 : ys >= my ? my : (int)ys;
	unsigned fx, fy;
	size_t row = (size_t)src->w * ch;
	const unsigned char *a;

	fx = (unsigned)x & 255, fy = (unsigned)y & 255;
	a = src->px + (size_t)(y >> 8) * row + (size_t)(x >> 8) * ch;
	if (x == mx) /* the last column or row: itself */
		a -= ch, fx = 256;
	if (y == my)
		a -= row, fy = 256;
	for (int k = 0; k < ch; k++) {
		unsigned top = a[k] * (256 - fx) + a[k + ch] * fx;
		unsigned bot = a[k + row] * (256 - fx) + a[k + row + ch] * fx;

		out[k] = (unsigned char)((top * (256 - fy) + bot * fy +
					     32768) >>
		    16);
	}
}

/* One row v of the page: the projective map's numerators and
 * denominator are linear along it, one division per pixel. */
static inline __attribute__((always_inline)) void
warp_row_n(const struct raster *src, int ch, const double c[8], int v,
    unsigned char *row, int w)
{
	double x = c[1] * v + c[2], y = c[4] * v + c[5], d = c[7] * v + 1;

	for (int u = 0; u < w; u++, row += ch) {
		double k = 256.0 / d;

		sample(src, ch, x * k, y * k, row);
		x += c[0], y += c[3], d += c[6];
	}
}

static void
warp_row(const struct raster *src, const double c[8], int v, unsigned char *row,
    int w)
{
	if (src->ch == 3)
		warp_row_n(src, 3, c, v, row, w);
	else if (src->ch == 1)
		warp_row_n(src, 1, c, v, row, w);
	else
		warp_row_n(src, src->ch, c, v, row, w);
}

int
sheet_warp(const struct raster *src, int fw, int fh, const struct sheet *sh,
    struct raster *out)
{
	double c[8];
	int rc;

	if ((rc = page_to_src(src, fw, fh, sh, c)) < 0 ||
	    (rc = raster_init(out, sh->w, sh->h, src->ch)) < 0)
		return rc;
	for (int v = 0; v < sh->h; v++)
		warp_row(src, c, v, out->px + (size_t)v * sh->w * src->ch,
		    sh->w);
	return 0;
}

static PIX *
to_pix(const struct raster *r)
{
	PIX *p = pixCreateNoInit(r->w, r->h, r->ch == 1 ? 8 : 32);

	for (int y = 0; p && y < r->h; y++) {
		l_uint32 *line = pixGetData(p) + y * pixGetWpl(p);
		const unsigned char *s = r->px + (size_t)y * r->w * r->ch;

		for (int x = 0; x < r->w; x++, s += r->ch)
			if (r->ch == 1)
				SET_DATA_BYTE(line, x, s[0]);
			else
				line[x] = (l_uint32)s[0] << L_RED_SHIFT |
				    (l_uint32)s[1] << L_GREEN_SHIFT |
				    (l_uint32)s[2] << L_BLUE_SHIFT;
	}
	return p;
}

/* The histogram of r's luma, every fourth pixel of every fourth row. */
static void
luma_hist(const struct raster *r, unsigned h[256])
{
	memset(h, 0, 256 * sizeof *h);
	for (int y = 0; y < r->h; y += 4)
		for (int x = 0; x < r->w; x += 4) {
			const unsigned char *p = r->px +
			    ((size_t)y * r->w + x) * r->ch;

			h[r->ch == 1 ?
				p[0] :
				(p[0] * 77 + p[1] * 150 + p[2] * 29) >> 8]++;
		}
}

/* The value below which share (in %) of the pixels from `from` up lie. */
static int
percentile(const unsigned h[256], int from, int share)
{
	size_t n = 0, acc = 0;
	int v;

	for (v = from; v < 256; v++)
		n += h[v];
	for (v = from; v < 255 && (acc += h[v]) * 100 < n * share; v++)
		;
	return v;
}

/* Paper to white, ink to black: [TRC_BLACK, white] stretched to [0, 255],
 * white where all but WHITE_SHARE % of the paper is above, so its noise
 * (low light doubles it) goes with it instead of costing bytes. */
static void
lut_to(unsigned char lut[256], int white)
{
	for (int v = 0; v < 256; v++)
		lut[v] = v <= TRC_BLACK ? 0 :
		    v >= white		? 255 :
					  (unsigned char)((v - TRC_BLACK) * 255 /
				      (white - TRC_BLACK));
}

/* The LUTs of SHADE_LEVELS gains, from the page's usual one up: a gain k
 * quarters above it (a shadow) multiplied the noise as much, so its white
 * point goes k halves of the paper's spread lower. */
static void
stretch_luts(const unsigned h[256], unsigned char lut[SHADE_LEVELS][256])
{
	int white = percentile(h, BG_VALUE * 2 / 3, WHITE_SHARE);

	white = white < WHITE_MIN ? WHITE_MIN :
	    white > WHITE_MAX	  ? WHITE_MAX :
				    white;
	for (int k = 0; k < SHADE_LEVELS; k++) {
		int w = white - (BG_VALUE - white) * k / 2;

		lut_to(lut[k], w < SHADE_WHITE_MIN ? SHADE_WHITE_MIN : w);
	}
}

/* The background of a page, as Leptonica measures it on a copy
 * BG_REDUCE times smaller (a quarter of the work, the same tiles): per
 * channel, the factor (8.8 fixed point) taking each tile's paper to
 * BG_VALUE, smoothed; applied to the page itself with the factors
 * interpolated between the tiles' centres (no steps at their edges). */
struct even {
	PIX *inv[3];
	int *left, *wt; /* per column: its left tile, the right's
			 * weight in 1/256 */
	int *col, *f;	/* per map column; per pixel of a row */
	int fmed;	/* the median factor: the page's usual gain */
	unsigned char *prev, *cur; /* rows y - 1 and y as they were */
};

static void
even_release(struct even *ev)
{
	for (int c = 0; c < 3; c++)
		pixDestroy(&ev->inv[c]);
	free(ev->left), free(ev->wt), free(ev->col), free(ev->f);
	free(ev->prev), free(ev->cur);
}

/* ev's maps measured on small (thresh: darker is ink). 0, -ENODATA (too
 * few tiles) or -ENOMEM. */
static int
even_measure(struct even *ev, const struct raster *small, int thresh)
{
	PIX *p = to_pix(small), *m[3] = { NULL, NULL, NULL };
	int t = BG_TILE / BG_REDUCE, ok;

	if (p == NULL)
		return -ENOMEM;
	ok = small->ch == 1 ? pixGetBackgroundGrayMap(p, NULL, t, t, thresh,
				  t * t / 4, &m[0]) == 0 :
			      pixGetBackgroundRGBMap(p, NULL, NULL, t, t,
				  thresh, t * t / 4, &m[0], &m[1], &m[2]) == 0;
	for (int c = 0; c < small->ch; c++) {
		if (ok &&
		    (ev->inv[c] = pixGetInvBackgroundMap(m[c], BG_VALUE, 2,
			 2)) == NULL)
			ok = 0;
		pixDestroy(&m[c]);
	}
	pixDestroy(&p);
	return ok ? 0 : -ENODATA;
}

/* Where pixel i lies between the centres of m tiles of size tile: its
 * left (upper) tile and the next one's weight, in 1/256. */
static void
tile_pos(int i, double tile, int m, int *left, int *wt)
{
	double f = (i + 0.5) / tile - 0.5;
	int j = f <= 0 ? 0 : (int)f;

	*left = j < m - 1 ? j : m - 1;
	*wt = f <= 0 || j >= m - 1 ? 0 : (int)((f - j) * 256);
}

/* Row y's factors of channel c into ev->f (w of them per channel): the
 * map interpolated down between two of its rows, then across. */
static void
row_factors(struct even *ev, int c, int y, double tile, int w)
{
	int *f = ev->f + (size_t)c * w;
	PIX *inv = ev->inv[c];
	int wm = (int)pixGetWidth(inv), hm = (int)pixGetHeight(inv), i, wy;
	l_uint32 *a, *b;

	tile_pos(y, tile, hm, &i, &wy);
	a = pixGetData(inv) + i * pixGetWpl(inv);
	b = i + 1 < hm ? a + pixGetWpl(inv) : a;
	for (int j = 0; j < wm; j++)
		ev->col[j] = (int)GET_DATA_TWO_BYTES(a, j) * (256 - wy) +
		    (int)GET_DATA_TWO_BYTES(b, j) * wy;
	ev->col[wm] = ev->col[wm - 1];
	for (int x = 0; x < w; x++)
		f[x] = (ev->col[ev->left[x]] * (256 - ev->wt[x]) +
			   ev->col[ev->left[x] + 1] * ev->wt[x]) >>
		    16;
}

static int
cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The median factor of map m (16 bpp): the page's usual gain. */
static int
median_factor(PIX *m)
{
	int wm = (int)pixGetWidth(m), hm = (int)pixGetHeight(m), med;
	int *v = malloc((size_t)wm * hm * sizeof *v);

	if (v == NULL)
		return -ENOMEM;
	for (int i = 0; i < hm; i++)
		for (int j = 0; j < wm; j++)
			v[i * wm + j] = (int)GET_DATA_TWO_BYTES(pixGetData(m) +
				i * pixGetWpl(m),
			    j);
	qsort(v, (size_t)wm * hm, sizeof *v, cmp_int);
	med = v[wm * hm / 2];
	free(v);
	return med > 0 ? med : 1;
}

/* ev's tables for r, whose tiles are tile pixels. 0 or -ENOMEM. */
static int
even_tables(struct even *ev, const struct raster *r, double tile)
{
	int wm = (int)pixGetWidth(ev->inv[0]);
	size_t row = (size_t)r->w * r->ch;

	ev->left = malloc((size_t)r->w * sizeof *ev->left);
	ev->wt = malloc((size_t)r->w * sizeof *ev->wt);
	ev->col = malloc(((size_t)wm + 1) * sizeof *ev->col);
	ev->f = malloc((size_t)r->w * 3 * sizeof *ev->f);
	ev->prev = malloc(row);
	ev->cur = malloc(row);
	if (!ev->left || !ev->wt || !ev->col || !ev->f || !ev->prev ||
	    !ev->cur || (ev->fmed = median_factor(ev->inv[r->ch == 3])) < 0)
		return -ENOMEM;
	for (int x = 0; x < r->w; x++)
		tile_pos(x, tile, wm, &ev->left[x], &ev->wt[x]);
	return 0;
}

/* The mean of the 3 x 3 pixels around x of channel c (of ch) in rows a,
 * b, c3 (w pixels each), the edges repeated. */
static inline int
mean9(const unsigned char *a, const unsigned char *b, const unsigned char *n,
    int x, int w, int ch, int c)
{
	size_t l = (size_t)(x > 0 ? x - 1 : x) * ch + c, m = (size_t)x * ch + c;
	size_t r = (size_t)(x + 1 < w ? x + 1 : x) * ch + c;

	return ((a[l] + a[m] + a[r] + b[l] + b[m] + b[r] + n[l] + n[m] + n[r]) *
		       7282 +
		   32768) >>
	    16;
}

static inline int
evened(int v, int f)
{
	v = (v * f) >> 8;
	return v < 255 ? v : 255;
}

/* The luma histogram of r evened, every fourth pixel of every fourth
 * row, as luma_hist samples it: the noise the stretch must clear is the
 * page's own, not a smoothed copy's. */
static void
even_hist(struct even *ev, const struct raster *r, double tile, unsigned h[256])
{
	int ch = r->ch, w = r->w;
	const int *f = ev->f;

	memset(h, 0, 256 * sizeof *h);
	for (int y = 0; y < r->h; y += 4) {
		const unsigned char *p = r->px + (size_t)y * r->w * ch;

		for (int c = 0; c < ch; c++)
			row_factors(ev, c, y, tile, r->w);
		for (int x = 0; x < r->w; x += 4, p += 4 * ch)
			h[ch == 1 ? evened(p[0], f[x]) :
				    (evened(p[0], f[x]) * 77 +
					evened(p[1], f[w + x]) * 150 +
					evened(p[2], f[2 * w + x]) * 29) >>
				    8]++;
	}
}

/* r's light evened by ev's maps, then each value through the LUT of its
 * gain (the green's, or the grey's: one for the pixel, so that a shadow's
 * edge has no colour fringe); in a shadow (SHADE_SMOOTH quarters over the
 * usual gain) the paper is first averaged over 3 x 3, or the gain would
 * multiply its noise. */
static void
even_apply(struct even *ev, struct raster *r, double tile,
    unsigned char lut[SHADE_LEVELS][256])
{
	int ch = r->ch, w = r->w;
	size_t row = (size_t)w * ch;
	const int *g = ev->f + (size_t)(ch == 3) * w;

	for (int y = 0; y < r->h; y++) {
		unsigned char *p = r->px + (size_t)y * row, *t;
		const unsigned char *n = y + 1 < r->h ? p + row : ev->cur;

		memcpy(ev->cur, p, row);
		if (y == 0)
			memcpy(ev->prev, p, row);
		for (int c = 0; c < ch; c++)
			row_factors(ev, c, y, tile, w);
		for (int x = 0; x < w; x++) {
			int k = g[x] * 4 / ev->fmed - 4;

			k = k < 0	      ? 0 :
			    k >= SHADE_LEVELS ? SHADE_LEVELS - 1 :
						k;
			for (int c = 0; c < ch; c++)
				p[x * ch + c] = lut[k][evened(
				    k >= SHADE_SMOOTH ? mean9(ev->prev, ev->cur,
							    n, x, w, ch, c) :
							ev->cur[x * ch + c],
				    ev->f[(size_t)c * w + x])];
		}
		t = ev->prev, ev->prev = ev->cur, ev->cur = t;
	}
}

/* The page's paper level and its ink threshold, from its luma. */
static int
ink_threshold(const struct raster *r)
{
	unsigned h[256];
	int t;

	luma_hist(r, h);
	t = percentile(h, 0, 50) * BG_FG_SHARE / 100;
	return t < 16 ? 16 : t;
}

/* 0, -ENODATA (left as it was: too small to even) or -ENOMEM. The white
 * point is measured on a sample of the page evened, then the page is
 * evened and stretched in one pass. */
int
flat_even(struct raster *r)
{
	struct even ev = { { NULL, NULL, NULL }, NULL, NULL, NULL, NULL, 0,
		NULL, NULL };
	struct raster small = { 0 };
	unsigned char lut[SHADE_LEVELS][256];
	unsigned h[256];
	int rc;

	if (r->w < BG_TILE * 2 || r->h < BG_TILE * 2)
		return -ENODATA; /* a page of a few tiles */
	if ((rc = raster_resample(r, r->w / BG_REDUCE, r->h / BG_REDUCE,
		 &small)) == 0 &&
	    (rc = even_measure(&ev, &small, ink_threshold(r))) == 0 &&
	    (rc = even_tables(&ev, r, BG_TILE)) == 0) {
		even_hist(&ev, r, BG_TILE, h);
		stretch_luts(h, lut);
		even_apply(&ev, r, BG_TILE, lut);
	}
	raster_release(&small);
	even_release(&ev);
	return rc;
}

/* How strongly darkness changes from one row (or column) of p to the
 * next, per row: high across text lines, low along them. */
static double
ripple(PIX *p, int rows)
{
	int w = (int)pixGetWidth(p), h = (int)pixGetHeight(p);
	int n = rows ? h : w, m = rows ? w : h;
	double s = 0, prev = -1;

	for (int i = 0; i < n; i++) {
		double dark = 0;

		for (int k = 0; k < m; k++) {
			l_uint32 *line = pixGetData(p) +
			    (rows ? i : k) * pixGetWpl(p);

			dark += GET_DATA_BIT(line, rows ? k : i);
		}
		dark /= m;
		if (prev >= 0)
			s += (dark - prev) * (dark - prev);
		prev = dark;
	}
	return n > 1 ? s / (n - 1) : 0;
}

/* The ink of r as a 1 bpp Pix at half its size. */
static PIX *
ink_half(const struct raster *r)
{
	unsigned h[256];
	int t, w = r->w / 2, hh = r->h / 2;
	PIX *p;

	luma_hist(r, h);
	t = percentile(h, 0, 50) * 3 / 4;
	if (w < 16 || hh < 16 || (p = pixCreate(w, hh, 1)) == NULL)
		return NULL;
	for (int y = 0; y < hh; y++) {
		l_uint32 *line = pixGetData(p) + y * pixGetWpl(p);
		const unsigned char *s = r->px + (size_t)2 * y * r->w * r->ch;

		for (int x = 0; x < w; x++, s += 2 * r->ch)
			if ((r->ch == 1 ?
				    s[0] :
				    (s[0] * 77 + s[1] * 150 + s[2] * 29) >> 8) <
			    t)
				SET_DATA_BIT(line, x);
	}
	return p;
}

/* The median absolute deviation of v[0..n) (sorted in place). */
static int
spread(int *v, int n)
{
	int m;

	qsort(v, (size_t)n, sizeof *v, cmp_int);
	m = v[n / 2];
	for (int i = 0; i < n; i++)
		v[i] = abs(v[i] - m);
	qsort(v, (size_t)n, sizeof *v, cmp_int);
	return v[n / 2];
}

/* Where the ink of columns x0..x1 of p begins and ends, in rows with at
 * least two ink pixels (a speck is not a letter). */
static void
band_extent(PIX *p, int x0, int x1, int *top, int *bot)
{
	int h = (int)pixGetHeight(p);

	*top = -1, *bot = -1;
	for (int y = 0; y < h; y++) {
		l_uint32 *line = pixGetData(p) + y * pixGetWpl(p);
		int n = 0;

		for (int x = x0; x <= x1 && n < 2; x++)
			n += GET_DATA_BIT(line, x);
		if (n >= 2 && *top < 0)
			*top = y;
		if (n >= 2)
			*bot = y;
	}
}

/* A page whose lines run down its columns reads upright turned the way
 * that puts their aligned end on the left, where lines start (whatever
 * the script: Leptonica's ascender count reads Cyrillic upside down):
 * 6 (clockwise) when they all end at one row, 8 when they all start at
 * one, 0 when both (justified) or neither. */
static int
aligned_side(PIX *p)
{
	int w = (int)pixGetWidth(p), h = (int)pixGetHeight(p), n = 0, turn = 0;
	int *tops = calloc((size_t)w, sizeof *tops);
	int *bots = calloc((size_t)w, sizeof *bots);
	l_int32 *col = calloc((size_t)w, sizeof *col);

	for (int y = 0; col && y < h; y++) {
		l_uint32 *line = pixGetData(p) + y * pixGetWpl(p);

		for (int x = 0; x < w; x++)
			col[x] += GET_DATA_BIT(line, x);
	}
	for (int x = 0; tops && bots && col && x < w; x++) {
		int x1 = x;

		if (col[x] * LINE_INK < h)
			continue;
		while (x1 + 1 < w && col[x1 + 1] * LINE_INK >= h)
			x1++;
		if (x1 - x >= 2)
			band_extent(p, x, x1, &tops[n], &bots[n]), n++;
		x = x1;
	}
	if (n >= TURN_LINES) {
		int st = spread(tops, n), sb = spread(bots, n);

		turn = sb * 3 < st ? 6 : st * 3 < sb ? 8 : 0;
	}
	free(tops), free(bots), free(col);
	return turn;
}

int
flat_turn(const struct raster *r)
{
	PIX *p = ink_half(r);
	int turn = 0;

	if (p == NULL)
		return 0;
	/* text lines across the columns, not the rows: lying sideways */
	if (ripple(p, 0) > TURN_RATIO * ripple(p, 1))
		turn = aligned_side(p);
	pixDestroy(&p);
	return turn;
}
