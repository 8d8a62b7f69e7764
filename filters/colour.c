/*
 * colour.c: what a page looks like, judged on its raster at the top
 * resolution (at most --max-dpi): meaningful colour (a blue stamp or
 * signature) and blankness, robust to scanner noise, JPEG noise and
 * paper tint.
 * SECURITY: reads decoded pixels within the raster's bounds only.
 *
 * Colour: the paper's colour (the per-channel median of bright pages) is
 * taken as white (von Kries balance), then pixels are averaged 2x2, which
 * cancels JPEG chroma ringing and colour fringes at black edges, and a
 * pixel is coloured when its balanced chroma (max - min of R, G, B)
 * exceeds COLOUR_CHROMA. A page has colour when more than 1 in
 * COLOUR_SHARE such pixels exist (a stamp at 100 dpi gives ~1000, a
 * pen signature ~300 out of ~1e6).
 * Blank: no pixel much darker (or lighter) than the paper (the median
 * luma) and no coloured pixels, counted at full resolution so that light,
 * thin text is not averaged away.
 */
#include <string.h>

#include "raster.h"

#define COLOUR_CHROMA 48
#define COLOUR_SHARE 10000
#define COLOUR_MIN 24
#define BLANK_DARK 32	  /* luma this far from the paper's */
#define BLANK_SHARE 50000 /* at most 1 in this many such pixels */

static int
hist_median(const unsigned *h, size_t n)
{
	size_t acc = 0;
	int v;

	for (v = 0; v < 256; v++)
		if ((acc += h[v]) * 2 >= n)
			return v;
	return 255;
}

static unsigned char
luma(const unsigned char *p, int ch)
{
	if (ch == 1)
		return p[0];
	return (unsigned char)((p[0] * 19595u + p[1] * 38470u + p[2] * 7471u +
				   32768u) >>
	    16);
}

/* The paper's colour: the per-channel median, or white on dark pages.
 * A median needs no more than every other pixel of every other row. */
static void
paper_colour(const struct raster *r, int paper[3])
{
	static const int white[3] = { 255, 255, 255 };
	unsigned h[3][256];
	size_t n = 0;
	const unsigned char *p;

	memset(h, 0, sizeof h);
	for (int y = 0; y < r->h; y += 2) {
		p = r->px + (size_t)y * (size_t)r->w * 3;
		for (int x = 0; x < r->w; x += 2, p += 6, n++)
			h[0][p[0]]++, h[1][p[1]]++, h[2][p[2]]++;
	}
	for (int c = 0; c < 3; c++)
		paper[c] = hist_median(h[c], n);
	if (paper[0] + paper[1] + paper[2] < 3 * 128)
		memcpy(paper, white, sizeof white);
	for (int c = 0; c < 3; c++)
		if (paper[c] < 1)
			paper[c] = 1;
}

/* Balanced chroma of the 2x2 block at (x, y); scale[c] is 255 / (4 *
 * paper[c]) in 16.16 fixed point, so no division per pixel. */
static int
block_chroma(const struct raster *r, int x, int y, const unsigned scale[3])
{
	const unsigned char *a = r->px +
	    ((size_t)y * (size_t)r->w + (size_t)x) * 3;
	const unsigned char *b = a + (size_t)r->w * 3;
	int v, mx = 0, mn = 1 << 30;

	for (int c = 0; c < 3; c++) {
		v = (int)(((unsigned)(a[c] + a[c + 3] + b[c] + b[c + 3]) *
			      scale[c]) >>
		    16);
		mx = v > mx ? v : mx;
		mn = v < mn ? v : mn;
	}
	return mx - mn;
}

static size_t
count_coloured(const struct raster *r, size_t *blocks)
{
	int paper[3], x, y;
	unsigned scale[3];
	size_t n = 0;

	*blocks = 0;
	if (r->ch != 3)
		return 0;
	paper_colour(r, paper);
	for (int c = 0; c < 3; c++) /* 1020 * scale stays below 2^32 */
		scale[c] = (255u << 16) / (4u * (unsigned)paper[c]);
	for (y = 0; y + 1 < r->h; y += 2)
		for (x = 0; x + 1 < r->w; x += 2, (*blocks)++)
			if (block_chroma(r, x, y, scale) > COLOUR_CHROMA)
				n++;
	return n;
}

/* Pixels far from the median luma, either way: darker than the paper,
 * or lighter than what covers most of a page (a page more than half dark
 * is not blank because its median is dark). */
static size_t
count_far(const struct raster *r)
{
	unsigned h[256] = { 0 };
	size_t i, n = (size_t)r->w * (size_t)r->h, far = 0;
	const unsigned char *p = r->px;
	int m;

	for (i = 0; i < n; i++, p += r->ch)
		h[luma(p, r->ch)]++;
	m = hist_median(h, n);
	for (int v = 0; v < 256; v++)
		if (v < m - BLANK_DARK || v > m + BLANK_DARK)
			far += h[v];
	return far;
}

void
page_analyse(const struct raster *r, struct page_look *look)
{
	size_t blocks, coloured = count_coloured(r, &blocks);
	size_t n = (size_t)r->w * (size_t)r->h;

	memset(look, 0, sizeof *look);
	look->colour = coloured >= COLOUR_MIN &&
	    coloured > blocks / COLOUR_SHARE;
	look->blank = coloured < COLOUR_MIN && count_far(r) <= n / BLANK_SHARE;
}
