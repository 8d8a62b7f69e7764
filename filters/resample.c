/*
 * resample.c: streaming area-average downsampling (a box filter with
 * fractional coverage), one input row at a time, so a page is never held
 * at its full resolution. Every input pixel adds to at most two output
 * columns and two output rows, since the output is never larger.
 * SECURITY: works on decoded pixels; all indexes are clamped to the
 * rasters allocated here and in the caller.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

struct resampler {
	int sw, sh, ch, y_in, y_out;
	double rx, ry;
	struct raster *dst;
	int *xa;		/* per input column: its first output column */
	float *xw;		/* and the weight it gives that column */
	float *xsum;		/* per output column: total weight */
	float *hrow;		/* the current input row, resampled across */
	float *acc0, *acc1;	/* output rows y_out and y_out + 1 */
	double ysum0, ysum1;
};

static void resampler_columns(struct resampler *rs)
{
	int x, a, dw = rs->dst->w;
	double edge;

	for (x = 0; x < rs->sw; x++) {
		a = (int)(x / rs->rx);
		if (a >= dw)
			a = dw - 1;
		edge = (a + 1) * rs->rx;
		rs->xw[x] = (float)(x + 1 <= edge || a + 1 >= dw ? 1.0 :
		    edge - x);
		rs->xa[x] = a;
		rs->xsum[a] += rs->xw[x];
		if (rs->xw[x] < 1.0f)
			rs->xsum[a + 1] += 1.0f - rs->xw[x];
	}
}

int resampler_new(struct resampler **out, int sw, int sh, struct raster *dst)
{
	struct resampler *rs;
	size_t dn = (size_t)dst->w * (size_t)dst->ch;

	if (dst->w > sw || dst->h > sh || dst->w <= 0 || dst->h <= 0)
		return -EINVAL;
	if ((rs = calloc(1, sizeof *rs)) == NULL)
		return -ENOMEM;
	*rs = (struct resampler){ .sw = sw, .sh = sh, .ch = dst->ch,
	    .dst = dst, .rx = (double)sw / dst->w, .ry = (double)sh / dst->h };
	rs->xa = calloc((size_t)sw, sizeof *rs->xa);
	rs->xw = calloc((size_t)sw, sizeof *rs->xw);
	rs->xsum = calloc((size_t)dst->w, sizeof *rs->xsum);
	rs->hrow = calloc(dn, sizeof *rs->hrow);
	rs->acc0 = calloc(dn, sizeof *rs->acc0);
	rs->acc1 = calloc(dn, sizeof *rs->acc1);
	if (!rs->xa || !rs->xw || !rs->xsum || !rs->hrow || !rs->acc0 ||
	    !rs->acc1) {
		resampler_free(rs);
		return -ENOMEM;
	}
	resampler_columns(rs);
	*out = rs;
	return 0;
}

void resampler_free(struct resampler *rs)
{
	if (rs == NULL)
		return;
	free(rs->xa), free(rs->xw), free(rs->xsum);
	free(rs->hrow), free(rs->acc0), free(rs->acc1);
	free(rs);
}

static void resample_across(struct resampler *rs, const unsigned char *row)
{
	int x, c, ch = rs->ch;
	float *h = rs->hrow, w;
	size_t a;

	memset(h, 0, (size_t)rs->dst->w * (size_t)ch * sizeof *h);
	for (x = 0; x < rs->sw; x++, row += ch) {
		a = (size_t)rs->xa[x] * (size_t)ch;
		w = rs->xw[x];
		for (c = 0; c < ch; c++)
			h[a + (size_t)c] += w * row[c];
		if (w < 1.0f)
			for (c = 0; c < ch; c++)
				h[a + (size_t)ch + (size_t)c] +=
				    (1.0f - w) * row[c];
	}
}

/* Writes output row y_out from acc0 and moves acc1 up. */
static void resample_emit(struct resampler *rs)
{
	int x, c, ch = rs->ch, dw = rs->dst->w;
	unsigned char *o;
	float *t, v;

	if (rs->y_out < rs->dst->h && rs->ysum0 > 0) {
		o = rs->dst->px + (size_t)rs->y_out * (size_t)dw * (size_t)ch;
		for (x = 0; x < dw; x++)
			for (c = 0; c < ch; c++) {
				v = rs->acc0[x * ch + c] /
				    (float)(rs->xsum[x] * rs->ysum0);
				o[x * ch + c] = (unsigned char)(v >= 255.0f ?
				    255 : v <= 0.0f ? 0 : (int)(v + 0.5f));
			}
	}
	rs->y_out++;
	t = rs->acc0, rs->acc0 = rs->acc1, rs->acc1 = t;
	memset(rs->acc1, 0, (size_t)dw * (size_t)ch * sizeof *t);
	rs->ysum0 = rs->ysum1, rs->ysum1 = 0;
}

static void resample_add(float *acc, const float *h, size_t n, float w)
{
	for (size_t i = 0; i < n; i++)
		acc[i] += w * h[i];
}

int resampler_row(struct resampler *rs, const unsigned char *row)
{
	size_t n = (size_t)rs->dst->w * (size_t)rs->ch;
	int y = rs->y_in, dh = rs->dst->h;
	double edge = (rs->y_out + 1) * rs->ry;
	float w;

	if (y >= rs->sh)
		return -EINVAL;
	resample_across(rs, row);
	w = (float)(y + 1 <= edge || rs->y_out + 1 >= dh ? 1.0 : edge - y);
	resample_add(rs->acc0, rs->hrow, n, w);
	rs->ysum0 += w;
	if (w < 1.0f) {
		resample_add(rs->acc1, rs->hrow, n, 1.0f - w);
		rs->ysum1 += 1.0f - w;
	}
	rs->y_in++;
	if (rs->y_in >= edge - 1e-9 || rs->y_in == rs->sh)
		resample_emit(rs);
	/* A row exactly on an edge may complete the next output row too. */
	while (rs->y_in == rs->sh && rs->y_out < dh)
		resample_emit(rs);
	return 0;
}
