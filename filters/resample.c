/*
 * resample.c: streaming area-average downsampling (a box filter with
 * fractional coverage), one input row at a time, so a page is never held
 * at its full resolution. Every input pixel adds to at most two output
 * columns and two output rows, since the output is never larger.
 *
 * Down first, then across: each input row is added, weighted, into the
 * one or two output rows it covers (a multiply-add per sample over the
 * whole row, which the compiler vectorises), and only a finished output
 * row is resampled across, as a gather of a few neighbours per output
 * pixel kept in registers. Across work is thus done once per output row,
 * not per input row.
 *
 * Integer arithmetic throughout: each output pixel's weights are 12-bit
 * and sum to exactly 4096 across and 4096 down (rounded cumulatively), so
 * an output pixel is one shift, with no division per pixel.
 * SECURITY: works on decoded pixels; all indexes are clamped to the
 * rasters allocated here and in the caller.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "raster.h"

#define WBITS 12
#define WONE (1u << WBITS)

/* Where input sample i of n goes among m <= n outputs: output a[i] with
 * weight w0[i] and output a[i] + 1 with weight w1[i] (0 when none). */
struct axis {
	int *a;
	uint16_t *w0, *w1;
};

/* The same across, per output: output j sums taps inputs from start[j]
 * with weights w[j * taps ...] (0 past its last input). */
struct gather {
	int taps;
	int *start;
	uint16_t *w;
};

struct resampler {
	int sw, sh, ch, y_in, y_out;
	struct raster *dst;
	struct axis y;
	struct gather x;
	uint32_t *acc0, *acc1; /* output rows y_out and y_out + 1, at the
				* input's width (+ taps spare columns) */
};

/* Rounds a cumulative coverage c (of n units per output) to weight. */
static uint32_t
wround(int64_t c, int n)
{
	return (uint32_t)((c * WONE + n / 2) / n);
}

/* Input i spans [i*m, (i+1)*m), output j spans [j*n, (j+1)*n): the
 * overlaps, turned into weights that sum to WONE per output. */
static int
axis_init(struct axis *ax, int n, int m)
{
	int64_t *cum = calloc((size_t)m + 1, sizeof *cum), lo, hi, edge;
	int j;

	ax->a = calloc((size_t)n, sizeof *ax->a);
	ax->w0 = calloc((size_t)n, sizeof *ax->w0);
	ax->w1 = calloc((size_t)n, sizeof *ax->w1);
	if (!cum || !ax->a || !ax->w0 || !ax->w1) {
		free(cum);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		lo = (int64_t)i * m, hi = lo + m;
		j = (int)(lo / n);
		edge = (int64_t)(j + 1) * n;
		ax->a[i] = j;
		ax->w0[i] = (uint16_t)(wround(cum[j] + (hi < edge ? hi : edge) -
					       lo,
					   n) -
		    wround(cum[j], n));
		cum[j] += (hi < edge ? hi : edge) - lo;
		if (hi > edge && j + 1 < m) {
			ax->w1[i] = (uint16_t)(wround(cum[j + 1] + hi - edge,
						   n) -
			    wround(cum[j + 1], n));
			cum[j + 1] += hi - edge;
		}
	}
	free(cum);
	return 0;
}

static void
axis_release(struct axis *ax)
{
	free(ax->a), free(ax->w0), free(ax->w1);
}

/* The axis of n inputs into m outputs, turned around: per output, its
 * first input and the weights of its inputs in order. */
static int
gather_init(struct gather *g, int n, int m)
{
	struct axis ax;
	int rc, j, last;

	if ((rc = axis_init(&ax, n, m)) < 0) {
		axis_release(&ax);
		return rc;
	}
	/* outputs are covered by consecutive inputs: the widest span */
	g->taps = 1;
	for (int i = 0, first = 0; i < n; i++) {
		if (i > 0 && ax.a[i] != ax.a[i - 1])
			first = i - (ax.w1[i - 1] != 0);
		last = i + 1 - first;
		g->taps = last > g->taps ? last : g->taps;
	}
	g->start = calloc((size_t)m, sizeof *g->start);
	g->w = calloc((size_t)m * (size_t)g->taps, sizeof *g->w);
	if (g->start == NULL || g->w == NULL) {
		axis_release(&ax);
		return -ENOMEM;
	}
	for (j = 0; j < m; j++)
		g->start[j] = -1;
	for (int i = 0; i < n; i++) {
		j = ax.a[i];
		if (g->start[j] < 0)
			g->start[j] = i;
		if (i - g->start[j] < g->taps)
			g->w[(size_t)j * (size_t)g->taps +
			    (size_t)(i - g->start[j])] = ax.w0[i];
		if (ax.w1[i] && j + 1 < m) {
			g->start[j + 1] = i;
			g->w[(size_t)(j + 1) * (size_t)g->taps] = ax.w1[i];
		}
	}
	for (j = 0; j < m; j++)
		g->start[j] = g->start[j] < 0 ? 0 : g->start[j];
	axis_release(&ax);
	return 0;
}

int
resampler_new(struct resampler **out, int sw, int sh, struct raster *dst)
{
	struct resampler *rs;
	size_t an;

	if (dst->w > sw || dst->h > sh || dst->w <= 0 || dst->h <= 0 ||
	    dst->ch < 1 || dst->ch > 4)
		return -EINVAL;
	if ((rs = calloc(1, sizeof *rs)) == NULL)
		return -ENOMEM;
	*rs = (struct resampler){ .sw = sw,
		.sh = sh,
		.ch = dst->ch,
		.dst = dst };
	if (gather_init(&rs->x, sw, dst->w) < 0 ||
	    axis_init(&rs->y, sh, dst->h) < 0) {
		resampler_free(rs);
		return -ENOMEM;
	}
	/* taps spare columns: the last outputs' gathers read past sw, at
	 * weight 0 */
	an = ((size_t)sw + (size_t)rs->x.taps) * (size_t)dst->ch;
	rs->acc0 = calloc(an, sizeof *rs->acc0);
	rs->acc1 = calloc(an, sizeof *rs->acc1);
	if (!rs->acc0 || !rs->acc1) {
		resampler_free(rs);
		return -ENOMEM;
	}
	*out = rs;
	return 0;
}

void
resampler_free(struct resampler *rs)
{
	if (rs == NULL)
		return;
	axis_release(&rs->y);
	free(rs->x.start), free(rs->x.w);
	free(rs->acc0), free(rs->acc1);
	free(rs);
}

/* Each sum is at most 255 * WONE * WONE, which fits 32 bits with the
 * rounding. */
static inline unsigned char
px_out(uint32_t v)
{
	return (unsigned char)((v + (1u << (2 * WBITS - 1))) >> (2 * WBITS));
}

/* Output row o across from the finished row acc: a gather of t
 * neighbours per output pixel. Always inlined, so that each call below
 * with a constant t and ch is its own loop, fully unrolled, with the sums
 * in registers. */
static inline __attribute__((always_inline)) void
across_n(const struct resampler *rs, const uint32_t *acc, unsigned char *o,
    int t, int ch)
{
	const int *st = rs->x.start;
	const uint16_t *w = rs->x.w;
	int x, k, c, dw = rs->dst->w;
	const uint32_t *p;
	uint32_t s[4];

	for (x = 0; x < dw; x++, w += t) {
		p = acc + (size_t)st[x] * (size_t)ch;
#pragma GCC unroll 4
		for (c = 0; c < ch; c++) {
#pragma GCC unroll 4
			for (s[c] = 0, k = 0; k < t; k++)
				s[c] += w[k] *
				    p[(size_t)k * (size_t)ch + (size_t)c];
			*o++ = px_out(s[c]);
		}
	}
}

/* The common cases (grey or RGB, 2 to 4 taps: ratios up to 3) each get
 * their own loop; others take the general one. */
static void
resample_across(const struct resampler *rs, const uint32_t *acc,
    unsigned char *o)
{
	int t = rs->x.taps, ch = rs->ch;

#define ACROSS(T, C) \
	do { \
		if (t == (T) && ch == (C)) { \
			across_n(rs, acc, o, T, C); \
			return; \
		} \
	} while (0)
	ACROSS(2, 1);
	ACROSS(3, 1);
	ACROSS(4, 1);
	ACROSS(2, 3);
	ACROSS(3, 3);
	ACROSS(4, 3);
#undef ACROSS
	across_n(rs, acc, o, t, ch);
}

/* Writes output row y_out from acc0 and moves acc1 up. */
static void
resample_emit(struct resampler *rs)
{
	size_t n = (size_t)rs->sw * (size_t)rs->ch;
	uint32_t *t;

	resample_across(rs, rs->acc0,
	    rs->dst->px +
		(size_t)rs->y_out * (size_t)rs->dst->w * (size_t)rs->ch);
	rs->y_out++;
	t = rs->acc0, rs->acc0 = rs->acc1, rs->acc1 = t;
	memset(rs->acc1, 0, n * sizeof *t);
}

static void
resample_add(uint32_t *restrict acc, const unsigned char *restrict row,
    size_t n, uint32_t w)
{
	for (size_t i = 0; i < n; i++)
		acc[i] += w * row[i];
}

int
resampler_row(struct resampler *rs, const unsigned char *row)
{
	size_t n = (size_t)rs->sw * (size_t)rs->ch;
	int y = rs->y_in, dh = rs->dst->h;

	if (y >= rs->sh)
		return -EINVAL;
	if (rs->sw == rs->dst->w && rs->sh == dh) {
		memcpy(rs->dst->px + (size_t)y * n, row, n);
		rs->y_in++;
		return 0;
	}
	resample_add(rs->acc0, row, n, rs->y.w0[y]);
	if (rs->y.w1[y])
		resample_add(rs->acc1, row, n, rs->y.w1[y]);
	rs->y_in++;
	/* Output y_out is complete once the input reaches its lower edge. */
	while (rs->y_out < dh &&
	    (int64_t)rs->y_in * dh >= (int64_t)(rs->y_out + 1) * rs->sh)
		resample_emit(rs);
	return 0;
}
