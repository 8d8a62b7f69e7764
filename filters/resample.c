/*
 * resample.c: streaming area-average downsampling (a box filter with
 * fractional coverage), one input row at a time, so a page is never held
 * at its full resolution. Every input pixel adds to at most two output
 * columns and two output rows, since the output is never larger.
 * Integer arithmetic throughout: each output pixel's weights are 12-bit
 * and sum to exactly 4096 across and 4096 down (rounded cumulatively), so
 * a row is a multiply-add per sample and an output pixel one shift, with
 * no division per pixel.
 * SECURITY: works on decoded pixels; all indexes are clamped to the
 * rasters allocated here and in the caller.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

#define WBITS 12
#define WONE (1u << WBITS)

/* Where input sample i of n goes among m <= n outputs: output a[i] with
 * weight w0[i] and output a[i] + 1 with weight w1[i] (0 when none). */
struct axis {
	int *a;
	uint16_t *w0, *w1;
};

struct resampler {
	int sw, sh, ch, y_in, y_out;
	struct raster *dst;
	struct axis x, y;
	uint32_t *hrow;		/* the current input row, resampled across */
	uint32_t *acc0, *acc1;	/* output rows y_out and y_out + 1 */
};

/* Rounds a cumulative coverage c (of n units per output) to weight. */
static uint32_t wround(int64_t c, int n)
{
	return (uint32_t)((c * WONE + n / 2) / n);
}

/* Input i spans [i*m, (i+1)*m), output j spans [j*n, (j+1)*n): the
 * overlaps, turned into weights that sum to WONE per output. */
static int axis_init(struct axis *ax, int n, int m)
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
		    lo, n) - wround(cum[j], n));
		cum[j] += (hi < edge ? hi : edge) - lo;
		if (hi > edge && j + 1 < m) {
			ax->w1[i] = (uint16_t)(wround(cum[j + 1] + hi - edge, n) -
			    wround(cum[j + 1], n));
			cum[j + 1] += hi - edge;
		}
	}
	free(cum);
	return 0;
}

static void axis_release(struct axis *ax)
{
	free(ax->a), free(ax->w0), free(ax->w1);
}

int resampler_new(struct resampler **out, int sw, int sh, struct raster *dst)
{
	struct resampler *rs;
	size_t dn = ((size_t)dst->w + 1) * (size_t)dst->ch;

	if (dst->w > sw || dst->h > sh || dst->w <= 0 || dst->h <= 0)
		return -EINVAL;
	if ((rs = calloc(1, sizeof *rs)) == NULL)
		return -ENOMEM;
	*rs = (struct resampler){ .sw = sw, .sh = sh, .ch = dst->ch,
	    .dst = dst };
	rs->hrow = calloc(dn, sizeof *rs->hrow);
	rs->acc0 = calloc(dn, sizeof *rs->acc0);
	rs->acc1 = calloc(dn, sizeof *rs->acc1);
	if (!rs->hrow || !rs->acc0 || !rs->acc1 ||
	    axis_init(&rs->x, sw, dst->w) < 0 ||
	    axis_init(&rs->y, sh, dst->h) < 0) {
		resampler_free(rs);
		return -ENOMEM;
	}
	*out = rs;
	return 0;
}

void resampler_free(struct resampler *rs)
{
	if (rs == NULL)
		return;
	axis_release(&rs->x), axis_release(&rs->y);
	free(rs->hrow), free(rs->acc0), free(rs->acc1);
	free(rs);
}

/* The row across, into hrow (one spare column: w1 may point past the
 * last output column with weight 0). Grey and RGB have their own loops
 * so that the compiler keeps the channels in registers. */
static void resample_across(struct resampler *rs, const unsigned char *row)
{
	const int *xa = rs->x.a;
	const uint16_t *w0 = rs->x.w0, *w1 = rs->x.w1;
	uint32_t *h = rs->hrow, *p;
	int x, c, ch = rs->ch;

	memset(h, 0, ((size_t)rs->dst->w + 1) * (size_t)ch * sizeof *h);
	if (ch == 1) {
		for (x = 0; x < rs->sw; x++) {
			h[xa[x]] += w0[x] * (uint32_t)row[x];
			h[xa[x] + 1] += w1[x] * (uint32_t)row[x];
		}
		return;
	}
	if (ch == 3) {
		for (x = 0; x < rs->sw; x++, row += 3) {
			p = h + (size_t)xa[x] * 3;
			p[0] += w0[x] * (uint32_t)row[0];
			p[1] += w0[x] * (uint32_t)row[1];
			p[2] += w0[x] * (uint32_t)row[2];
			p[3] += w1[x] * (uint32_t)row[0];
			p[4] += w1[x] * (uint32_t)row[1];
			p[5] += w1[x] * (uint32_t)row[2];
		}
		return;
	}
	for (x = 0; x < rs->sw; x++, row += ch) {
		p = h + (size_t)xa[x] * (size_t)ch;
		for (c = 0; c < ch; c++) {
			p[c] += w0[x] * (uint32_t)row[c];
			p[ch + c] += w1[x] * (uint32_t)row[c];
		}
	}
}

/* Writes output row y_out from acc0 and moves acc1 up. Each sum is at
 * most 255 * WONE * WONE, which fits 32 bits with the rounding. */
static void resample_emit(struct resampler *rs)
{
	size_t i, n = (size_t)rs->dst->w * (size_t)rs->ch;
	unsigned char *o;
	uint32_t *t;

	o = rs->dst->px + (size_t)rs->y_out * n;
	for (i = 0; i < n; i++)
		o[i] = (unsigned char)((rs->acc0[i] + (1u << (2 * WBITS - 1))) >>
		    (2 * WBITS));
	rs->y_out++;
	t = rs->acc0, rs->acc0 = rs->acc1, rs->acc1 = t;
	memset(rs->acc1, 0, n * sizeof *t);
}

static void resample_add(uint32_t *acc, const uint32_t *h, size_t n,
    uint32_t w)
{
	for (size_t i = 0; i < n; i++)
		acc[i] += w * h[i];
}

int resampler_row(struct resampler *rs, const unsigned char *row)
{
	size_t n = (size_t)rs->dst->w * (size_t)rs->ch;
	int y = rs->y_in, dh = rs->dst->h;

	if (y >= rs->sh)
		return -EINVAL;
	if (rs->sw == rs->dst->w && rs->sh == dh) {
		memcpy(rs->dst->px + (size_t)y * n, row, n);
		rs->y_in++;
		return 0;
	}
	resample_across(rs, row);
	resample_add(rs->acc0, rs->hrow, n, rs->y.w0[y]);
	if (rs->y.w1[y])
		resample_add(rs->acc1, rs->hrow, n, rs->y.w1[y]);
	rs->y_in++;
	/* Output y_out is complete once the input reaches its lower edge. */
	while (rs->y_out < dh && (int64_t)rs->y_in * dh >=
	    (int64_t)(rs->y_out + 1) * rs->sh)
		resample_emit(rs);
	return 0;
}
