/*
 * sheet.c: where the sheet of paper is in a phone photo of a page, judged
 * on a small copy of the frame: paper is bright and grey, a table is
 * darker or coloured, so one threshold usually parts them; where it does
 * not (a table of the paper's own colour, the phone's shadow across the
 * page, a grey table in uneven light), the sheet's outline still does: a
 * step all round it. The largest paper region's four edges are fitted
 * as lines; the page is trusted only when they are straight, meet in a
 * convex quadrilateral clear of the frame's edges, stand out from what
 * is around them and hold some ink. Else the frame stays as it is: a
 * page kept whole beats a pretty one.
 * SECURITY: reads decoded pixels within the raster's bounds only.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <leptonica/allheaders.h>

#include "flat.h"
#include "variants.h"
#include "raster.h"

#define SAT_WEIGHT 2	 /* saturation counts this much against paper */
#define MIN_ETA 0.55	 /* Otsu: between-class share of the variance */
#define MIN_GAP 45	 /* paper's score over the table's, at least */
#define MORPH 5		 /* brick size: text gaps, table specks */
#define OUTLINE_BRIDGE 3 /* the gaps in an outline closed */
#define OUTLINE_OPEN 9	 /* what hangs on the outline removed */
#define MIN_AREA 0.12	 /* of the frame */
#define MAX_AREA 0.92
#define SECOND_SHEET 0.25 /* a second region this large: two sheets */
#define EDGE_RMS 1.6	  /* pixels off the fitted line, at most */
#define EDGE_INLIERS 0.85 /* share of an edge's samples on its line */
#define MIN_ANGLE 60.0	  /* a corner's angle, degrees, 60..120 */
#define MIN_SIDES 0.6	  /* shorter over longer of opposite sides */
#define INK_MIN 0.001	  /* of the sheet's pixels */
#define INK_MAX 0.35
#define INSET 0.008  /* the crop moved inside the edges */
#define A4_SNAP 0.07 /* within this of 1:sqrt(2): A4 */

struct line {
	double a, b; /* y = a x + b (top, bottom), x = a y + b */
	double rms, inliers;
};

static int
not_found(struct sheet *out, const char *why)
{
	snprintf(out->why, sizeof out->why, "%s", why);
	return -ENOENT;
}

static unsigned char
score_of(const unsigned char *p, int ch)
{
	int l, mx, mn, v;

	if (ch == 1)
		return p[0];
	l = (p[0] * 77 + p[1] * 150 + p[2] * 29) >> 8;
	mx = p[0] > p[1] ? p[0] : p[1];
	mx = mx > p[2] ? mx : p[2];
	mn = p[0] < p[1] ? p[0] : p[1];
	mn = mn < p[2] ? mn : p[2];
	v = l - SAT_WEIGHT * (mx - mn);
	return (unsigned char)(v < 0 ? 0 : v);
}

/* Otsu's threshold of h (n samples); *eta the separation, *gap the two
 * classes' mean difference. */
static int
otsu(const unsigned h[256], size_t n, double *eta, double *gap)
{
	double sum = 0, sumb = 0, wb = 0, best = -1, total = 0, mean;
	int t = 128;

	for (int v = 0; v < 256; v++)
		sum += (double)v * h[v];
	mean = sum / (double)n;
	for (int v = 0; v < 256; v++)
		total += h[v] * (v - mean) * (v - mean);
	*eta = 0, *gap = 0;
	for (int v = 0; v < 255; v++) {
		double wf, mb, mf, between;

		wb += h[v], sumb += (double)v * h[v];
		if (wb == 0 || (wf = (double)n - wb) == 0)
			continue;
		mb = sumb / wb, mf = (sum - sumb) / wf;
		between = wb * wf * (mb - mf) * (mb - mf) / (double)n;
		if (between > best)
			best = between, t = v, *gap = mf - mb;
	}
	*eta = total > 0 ? best / total : 0;
	return t;
}

/* The paper score of s as an 8 bpp Pix, and its histogram. */
static PIX *
score_pix(const struct raster *s, unsigned h[256])
{
	PIX *p = pixCreate(s->w, s->h, 8);

	memset(h, 0, 256 * sizeof *h);
	for (int y = 0; p && y < s->h; y++) {
		l_uint32 *line = pixGetData(p) + y * pixGetWpl(p);
		const unsigned char *px = s->px + (size_t)y * s->w * s->ch;

		for (int x = 0; x < s->w; x++, px += s->ch) {
			unsigned char v = score_of(px, s->ch);

			SET_DATA_BYTE(line, x, v);
			h[v]++;
		}
	}
	return p;
}

/* m closed over text and opened over specks, then freed. */
static PIX *
tidy(PIX *m, int open)
{
	PIX *c = m ? pixCloseSafeBrick(NULL, m, MORPH, MORPH) : NULL;
	PIX *o = c ? pixOpenBrick(NULL, c, open, open) : NULL;

	pixDestroy(&c);
	pixDestroy(&m);
	return o;
}

/* The paper mask by one threshold over the frame (1 where the score is
 * above Otsu's); NULL when paper does not stand out that way (*why says
 * so) or on ENOMEM. */
static PIX *
paper_mask(PIX *sc, const unsigned h[256], size_t n, const char **why)
{
	double eta, gap;
	int t = otsu(h, n, &eta, &gap);
	PIX *m;

	*why = "too little contrast";
	if (eta < MIN_ETA || gap < MIN_GAP)
		return NULL;
	/* pixThresholdToBinary sets what is below: the table */
	if ((m = pixThresholdToBinary(sc, t + 1)) != NULL)
		pixInvert(m, m);
	return tidy(m, MORPH);
}

/* One way of drawing the sheet's outline: the score smoothed over a
 * (2 smooth + 1)-pixel square, edges where its Sobel step is at least
 * strong, and the weaker ones, down to weak, that touch them. */
struct outline {
	int smooth, strong, weak;
};

/* The tried outlines, the sharpest first: the fewest false edges. */
static const struct outline outlines[] = {
	{ 1, 16, 5 },
	{ 1, 8, 3 },
	{ 2, 8, 2 },
};

/* The paper mask by the sheet's outline o (Canny's hysteresis, with
 * Leptonica's Sobel and seed fill), closed over small gaps and filled
 * inside. A table of the paper's own colour or a shadow across the page
 * has no single threshold between paper and table, but the sheet's edge
 * is still a step all round, long and connected, where noise is specks,
 * a shadow's edge soft, and the text's strokes enclose nothing as large. */
static PIX *
outline_mask(PIX *sc, const struct outline *o)
{
	PIX *sm = pixBlockconv(sc, o->smooth, o->smooth), *e = NULL;
	PIX *hi = NULL, *lo = NULL, *g = NULL, *c = NULL, *f = NULL;

	if (sm != NULL && (e = pixSobelEdgeFilter(sm, L_ALL_EDGES)) != NULL &&
	    (hi = pixThresholdToBinary(e, o->strong)) != NULL &&
	    (lo = pixThresholdToBinary(e, o->weak)) != NULL) {
		pixInvert(hi, hi); /* it set what is below */
		pixInvert(lo, lo);
		if ((g = pixSeedfillBinary(NULL, hi, lo, 8)) != NULL &&
		    (c = pixCloseSafeBrick(NULL, g, OUTLINE_BRIDGE,
			 OUTLINE_BRIDGE)) != NULL)
			f = pixFillClosedBorders(c, 4);
	}
	pixDestroy(&sm), pixDestroy(&e), pixDestroy(&hi), pixDestroy(&lo);
	pixDestroy(&g), pixDestroy(&c);
	/* the outline's ring and what the table's grain hung on it go */
	return tidy(f, OUTLINE_OPEN);
}

/* The largest connected region of m (8-connected), its box in *bx, and
 * whether a second one is large enough to be another sheet. */
static PIX *
largest_region(PIX *m, BOX **bx, int *second)
{
	PIXA *pixa = NULL;
	BOXA *boxa = pixConnComp(m, &pixa, 8);
	l_int32 best = -1, top = 0, next = 0, cnt;
	PIX *r = NULL;

	for (int i = 0; boxa && i < pixaGetCount(pixa); i++) {
		PIX *p = pixaGetPix(pixa, i, L_CLONE);

		pixCountPixels(p, &cnt, NULL);
		pixDestroy(&p);
		if (cnt > top)
			next = top, top = cnt, best = i;
		else if (cnt > next)
			next = cnt;
	}
	*second = next > top * SECOND_SHEET;
	if (best >= 0) {
		r = pixaGetPix(pixa, best, L_COPY);
		*bx = pixaGetBox(pixa, best, L_COPY);
	}
	pixaDestroy(&pixa);
	boxaDestroy(&boxa);
	return r;
}

static int
bit(PIX *p, int x, int y)
{
	return GET_DATA_BIT(pixGetData(p) + y * pixGetWpl(p), x);
}

/* The first set pixel along column (vertical) or row x, from the start
 * (dir 1) or the end (dir -1); -1 when there is none. */
static int
first_set(PIX *p, int vertical, int x, int dir)
{
	int n = vertical ? (int)pixGetHeight(p) : (int)pixGetWidth(p);

	for (int k = 0; k < n; k++) {
		int t = dir > 0 ? k : n - 1 - k;

		if (vertical ? bit(p, x, t) : bit(p, t, x))
			return t;
	}
	return -1;
}

/* Least squares of v = a u + b over the samples whose weight is set. */
static void
fit(const double *u, const double *v, const char *use, int n, struct line *l)
{
	double su = 0, sv = 0, suu = 0, suv = 0, k = 0, d, e = 0;

	for (int i = 0; i < n; i++)
		if (use[i])
			su += u[i], sv += v[i], suu += u[i] * u[i],
			    suv += u[i] * v[i], k++;
	d = k * suu - su * su;
	l->a = k > 1 && d != 0 ? (k * suv - su * sv) / d : 0;
	l->b = k > 0 ? (sv - l->a * su) / k : 0;
	for (int i = 0; i < n; i++)
		if (use[i])
			e += pow(v[i] - l->a * u[i] - l->b, 2);
	l->rms = k > 0 ? sqrt(e / k) : 1e9;
	l->inliers = n > 0 ? k / n : 0;
}

/* One edge of region p: the first set pixel along each column (top,
 * bottom) or row (left, right) between from and to, fitted twice, the
 * second time without the samples far off the first line (a finger, a
 * dog-ear). */
static int
fit_edge(PIX *p, int vertical, int dir, double from, double to, struct line *l)
{
	int lo = (int)ceil(from), hi = (int)floor(to), n = 0;
	int cap = hi - lo + 1;
	double *u, *v;
	char *use;

	if (cap < 8)
		return -ENOENT;
	u = calloc((size_t)cap, sizeof *u);
	v = calloc((size_t)cap, sizeof *v);
	use = calloc((size_t)cap, 1);
	if (u == NULL || v == NULL || use == NULL) {
		free(u), free(v), free(use);
		return -ENOMEM;
	}
	for (int x = lo; x <= hi; x++) {
		int t = first_set(p, vertical, x, dir);

		u[n] = x, v[n] = t, use[n] = t >= 0, n++;
	}
	fit(u, v, use, n, l);
	for (int i = 0; i < n; i++)
		use[i] = use[i] &&
		    fabs(v[i] - l->a * u[i] - l->b) < fmax(2.0, 2.5 * l->rms);
	fit(u, v, use, n, l);
	free(u), free(v), free(use);
	return 0;
}

/* The region's extreme points along the diagonals: its rough corners. */
static void
rough_corners(PIX *p, double cx[4], double cy[4])
{
	int w = (int)pixGetWidth(p), h = (int)pixGetHeight(p);
	int best[4] = { 1 << 30, -(1 << 30), -(1 << 30), 1 << 30 };

	for (int i = 0; i < 4; i++)
		cx[i] = cy[i] = 0;

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			int s = x + y, d = x - y;

			if (!bit(p, x, y))
				continue;
			if (s < best[0])
				best[0] = s, cx[0] = x, cy[0] = y;
			if (d > best[1])
				best[1] = d, cx[1] = x, cy[1] = y;
			if (s > best[2])
				best[2] = s, cx[2] = x, cy[2] = y;
			if (d < best[3])
				best[3] = d, cx[3] = x, cy[3] = y;
		}
}

/* Where y = t.a x + t.b meets x = s.a y + s.b. */
static void
meet(const struct line *t, const struct line *s, double *x, double *y)
{
	double d = 1.0 - t->a * s->a;

	*x = fabs(d) > 1e-9 ? (s->a * t->b + s->b) / d : s->b;
	*y = t->a * *x + t->b;
}

static int
edges_straight(const struct line e[4])
{
	for (int i = 0; i < 4; i++)
		if (e[i].rms > EDGE_RMS || e[i].inliers < EDGE_INLIERS)
			return 0;
	return 1;
}

/* The four edges fitted between the rough corners (their middle 80%),
 * then the corners where they meet. */
static int
fit_corners(PIX *p, double x[4], double y[4])
{
	double rx[4], ry[4], m;
	struct line e[4]; /* top, right, bottom, left */
	int rc;

	rough_corners(p, rx, ry);
	m = 0.1 * (rx[1] - rx[0]);
	if ((rc = fit_edge(p, 1, 1, rx[0] + m, rx[1] - m, &e[0])) < 0)
		return rc;
	m = 0.1 * (rx[2] - rx[3]);
	if ((rc = fit_edge(p, 1, -1, rx[3] + m, rx[2] - m, &e[2])) < 0)
		return rc;
	m = 0.1 * (ry[3] - ry[0]);
	if ((rc = fit_edge(p, 0, 1, ry[0] + m, ry[3] - m, &e[3])) < 0)
		return rc;
	m = 0.1 * (ry[2] - ry[1]);
	if ((rc = fit_edge(p, 0, -1, ry[1] + m, ry[2] - m, &e[1])) < 0)
		return rc;
	if (!edges_straight(e))
		return -ENOENT;
	meet(&e[0], &e[3], &x[0], &y[0]);
	meet(&e[0], &e[1], &x[1], &y[1]);
	meet(&e[2], &e[1], &x[2], &y[2]);
	meet(&e[2], &e[3], &x[3], &y[3]);
	return 0;
}

static double
side(const double x[4], const double y[4], int i)
{
	int j = (i + 1) % 4;

	return hypot(x[j] - x[i], y[j] - y[i]);
}

static double
quad_area(const double x[4], const double y[4])
{
	double a = 0;

	for (int i = 0; i < 4; i++)
		a += x[i] * y[(i + 1) % 4] - x[(i + 1) % 4] * y[i];
	return fabs(a) / 2;
}

/* Convex, with every corner's angle between MIN_ANGLE and its
 * supplement, and opposite sides of comparable length. */
static int
quad_sane(const double x[4], const double y[4])
{
	for (int i = 0; i < 4; i++) {
		int p = (i + 3) % 4, n = (i + 1) % 4;
		double ax = x[p] - x[i], ay = y[p] - y[i];
		double bx = x[n] - x[i], by = y[n] - y[i];
		double c = (ax * bx + ay * by) /
		    (hypot(ax, ay) * hypot(bx, by) + 1e-9);
		double cross = ax * by - ay * bx;

		if (cross >= 0 || fabs(c) > cos(MIN_ANGLE * M_PI / 180))
			return 0; /* corners run clockwise in image space */
	}
	return fmin(side(x, y, 0), side(x, y, 2)) >=
	    MIN_SIDES * fmax(side(x, y, 0), side(x, y, 2)) &&
	    fmin(side(x, y, 1), side(x, y, 3)) >=
	    MIN_SIDES * fmax(side(x, y, 1), side(x, y, 3));
}

static int
inside(const double x[4], const double y[4], double px, double py)
{
	for (int i = 0; i < 4; i++) {
		int j = (i + 1) % 4;

		if ((x[j] - x[i]) * (py - y[i]) - (y[j] - y[i]) * (px - x[i]) <
		    0)
			return 0;
	}
	return 1;
}

/* The share of the sheet's pixels much darker than its paper (luma below
 * 3/4 of the median): text has some, a bare bright surface none. */
static double
ink_share(const struct raster *s, const double x[4], const double y[4])
{
	unsigned h[256] = { 0 };
	size_t n = 0, dark = 0, acc = 0;
	int med = 255;

	for (int pass = 0; pass < 2; pass++) {
		for (int py = 0; py < s->h; py++)
			for (int px = 0; px < s->w; px++) {
				const unsigned char *p = s->px +
				    ((size_t)py * s->w + px) * s->ch;
				int l = s->ch == 1 ?
				    p[0] :
				    (p[0] * 77 + p[1] * 150 + p[2] * 29) >> 8;

				if (!inside(x, y, px + 0.5, py + 0.5))
					continue;
				if (pass == 0)
					h[l]++, n++;
				else if (l * 4 < med * 3)
					dark++;
			}
		if (pass == 0)
			for (med = 0; med < 255 && (acc += h[med]) * 2 < n;
			     med++)
				;
	}
	return n ? (double)dark / n : 0;
}

/* A4 when the measured proportions are within A4_SNAP of it. */
static void
size_page(struct sheet *sh, double sw, double shh, int max_dpi)
{
	double ratio = fmax(sw, shh) / fmin(sw, shh);
	double a4 = A4_LONG_IN / A4_SHORT_IN, dpi, k;

	sh->dpi = page_dpi((int)sw, (int)shh);
	dpi = sh->dpi < max_dpi ? sh->dpi : max_dpi;
	sh->a4 = fabs(ratio / a4 - 1) <= A4_SNAP;
	if (sh->a4) {
		int s = (int)(A4_SHORT_IN * dpi + 0.5);
		int l = (int)(A4_LONG_IN * dpi + 0.5);

		sh->w = sw < shh ? s : l, sh->h = sw < shh ? l : s;
		return;
	}
	k = dpi / sh->dpi;
	sh->w = (int)(sw * k + 0.5), sh->h = (int)(shh * k + 0.5);
}

/* The corners in frame pixels, moved INSET inside the sheet, and the
 * page's size. */
static void
to_frame(struct sheet *out, const double x[4], const double y[4],
    const struct raster *s, int fw, int fh, int max_dpi)
{
	double kx = (double)fw / s->w, ky = (double)fh / s->h, cx = 0, cy = 0;

	for (int i = 0; i < 4; i++) {
		out->x[i] = (x[i] + 0.5) * kx - 0.5;
		out->y[i] = (y[i] + 0.5) * ky - 0.5;
		cx += out->x[i] / 4, cy += out->y[i] / 4;
	}
	for (int i = 0; i < 4; i++) {
		out->x[i] += (cx - out->x[i]) * 2 * INSET;
		out->y[i] += (cy - out->y[i]) * 2 * INSET;
	}
	size_page(out, (side(out->x, out->y, 0) + side(out->x, out->y, 2)) / 2,
	    (side(out->x, out->y, 1) + side(out->x, out->y, 3)) / 2, max_dpi);
}

/* The checks on a fitted quadrilateral x, y of region box (bx, by, bw,
 * bh) in an s->w x s->h frame; NULL when it is a page to trust. */
static const char *
judge_quad(const struct raster *s, double x[4], double y[4],
    const l_int32 box[4])
{
	double a = quad_area(x, y) / ((double)s->w * s->h), ink;

	if (box[0] <= 0 || box[1] <= 0 || box[0] + box[2] >= s->w ||
	    box[1] + box[3] >= s->h)
		return "sheet touches the frame's edge";
	for (int i = 0; i < 4; i++)
		if (x[i] < 1 || y[i] < 1 || x[i] > s->w - 2 || y[i] > s->h - 2)
			return "a corner is outside the frame";
	if (a < MIN_AREA || a > MAX_AREA)
		return a < MIN_AREA ? "sheet too small" :
				      "sheet fills the frame";
	if (!quad_sane(x, y))
		return "edges do not make a sheet";
	ink = ink_share(s, x, y);
	if (ink < INK_MIN || ink > INK_MAX)
		return ink < INK_MIN ? "no ink on the sheet" : "not a document";
	return NULL;
}

/* The sheet in mask m (freed here): its largest region's four edges,
 * judged; NULL when it is a page to trust, else why not. */
static const char *
locate_in(const struct raster *s, PIX *m, double x[4], double y[4])
{
	const char *why = NULL;
	PIX *r = NULL;
	BOX *bx = NULL;
	l_int32 box[4];
	int second = 0, rc;

	if (m == NULL)
		return "out of memory";
	if ((r = largest_region(m, &bx, &second)) == NULL)
		why = "no sheet";
	else if (second)
		why = "several sheets";
	else if ((rc = fit_corners(r, x, y)) < 0)
		why = rc == -ENOMEM ? "out of memory" :
				      "edges are not straight";
	else {
		boxGetGeometry(bx, &box[0], &box[1], &box[2], &box[3]);
		for (int i = 0; i < 4; i++)
			x[i] += box[0], y[i] += box[1];
		why = judge_quad(s, x, y, box);
	}
	boxDestroy(&bx);
	pixDestroy(&r);
	pixDestroy(&m);
	return why;
}

/* The sheet by one threshold, else by each of its outlines in turn; the
 * first that passes every test is trusted. When none does, why is the
 * threshold's reason (the last outline's when the threshold had no
 * contrast to work with). */
static const char *
locate(const struct raster *s, double x[4], double y[4], int *nomem)
{
	size_t n = sizeof outlines / sizeof *outlines;
	unsigned h[256];
	PIX *sc = score_pix(s, h), *m;
	const char *why = "out of memory", *first = NULL;

	if (sc != NULL) {
		if ((m = paper_mask(sc, h, (size_t)s->w * s->h, &why)) != NULL)
			first = why = locate_in(s, m, x, y);
		else if (strcmp(why, "out of memory") == 0)
			first = why;
	}
	for (size_t i = 0; sc && why &&
	     (first == NULL || strcmp(first, "out of memory") != 0) && i < n;
	     i++)
		why = locate_in(s, outline_mask(sc, &outlines[i]), x, y);
	if (why != NULL && first != NULL)
		why = first;
	*nomem = why && strcmp(why, "out of memory") == 0;
	pixDestroy(&sc);
	return why;
}

int
sheet_find(const struct raster *s, int fw, int fh, int max_dpi,
    struct sheet *out)
{
	double x[4], y[4];
	const char *why;
	int nomem;

	memset(out, 0, sizeof *out);
	if (s->w < 64 || s->h < 64)
		return not_found(out, "frame too small");
	if ((why = locate(s, x, y, &nomem)) != NULL)
		return nomem ? -ENOMEM : not_found(out, why);
	to_frame(out, x, y, s, fw, fh, max_dpi);
	return 0;
}
