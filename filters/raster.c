/*
 * raster.c: byte buffers and decoded pages (buf.h, raster.h): allocation,
 * luma, EXIF orientation and whole-raster resampling.
 * SECURITY: works on pixels decoded from uploads; sizes come from headers
 * already checked against --max-pixels, and every product is checked.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "raster.h"

int
buf_add(struct buf *b, const void *p, size_t n)
{
	size_t ncap = b->cap ? b->cap : 4096;
	unsigned char *np;

	if (n > SIZE_MAX / 2 - b->len)
		return -ENOMEM;
	while (ncap < b->len + n)
		ncap *= 2;
	if (ncap != b->cap) {
		if ((np = realloc(b->p, ncap)) == NULL)
			return -ENOMEM;
		b->p = np;
		b->cap = ncap;
	}
	if (n && p)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

int
buf_resize(struct buf *b, size_t n)
{
	size_t old = b->len;
	int rc;

	if (n <= b->len) {
		b->len = n;
		return 0;
	}
	if ((rc = buf_add(b, NULL, n - old)) == 0)
		memset(b->p + old, 0, n - old);
	return rc;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp)
		return -EINVAL;
	return buf_add(b, tmp, (size_t)n);
}

void
buf_release(struct buf *b)
{
	free(b->p);
	*b = (struct buf){ 0 };
}

int
raster_init(struct raster *r, int w, int h, int ch)
{
	size_t n;

	*r = (struct raster){ 0 };
	if (w <= 0 || h <= 0 || ch <= 0 || ch > 4 ||
	    (size_t)w > SIZE_MAX / (size_t)h / (size_t)ch)
		return -E2BIG;
	n = (size_t)w * (size_t)h * (size_t)ch;
	if ((r->px = calloc(1, n)) == NULL)
		return -ENOMEM;
	r->w = w, r->h = h, r->ch = ch;
	return 0;
}

void
raster_release(struct raster *r)
{
	free(r->px);
	*r = (struct raster){ 0 };
}

int
raster_to_grey(struct raster *r)
{
	size_t i, n = (size_t)r->w * (size_t)r->h;
	const unsigned char *s = r->px;

	if (r->ch == 1)
		return 0;
	/* In place: pixel i is written at i, after it was read at 3i. */
	for (i = 0; i < n; i++, s += 3)
		r->px[i] = (unsigned char)((s[0] * 19595u + s[1] * 38470u +
					       s[2] * 7471u + 32768u) >>
		    16);
	r->ch = 1;
	return 0;
}

/* Where output pixel (x, y) of an oriented w x h picture comes from in the
 * stored sw x sh one. */
static ptrdiff_t
orient_src(int o, int x, int y, int sw, int sh)
{
	int sx, sy;

	switch (o) {
	case 2:
		sx = sw - 1 - x, sy = y;
		break;
	case 3:
		sx = sw - 1 - x, sy = sh - 1 - y;
		break;
	case 4:
		sx = x, sy = sh - 1 - y;
		break;
	case 5:
		sx = y, sy = x;
		break;
	case 6:
		sx = y, sy = sh - 1 - x;
		break;
	case 7:
		sx = sw - 1 - y, sy = sh - 1 - x;
		break;
	case 8:
		sx = sw - 1 - y, sy = x;
		break;
	default:
		sx = x, sy = y;
		break;
	}
	return (ptrdiff_t)sy * sw + sx;
}

#define ORIENT_TILE 64 /* pixels: a tile's rows stay in cache */

/* Copies output tile (x0, y0) of t from r: the source pixel of (x, y) is
 * org + x * dx + y * dy (in pixels). */
static void
orient_tile(struct raster *t, const struct raster *r, ptrdiff_t org,
    ptrdiff_t dx, ptrdiff_t dy, int x0, int y0)
{
	int x1 = x0 + ORIENT_TILE < t->w ? x0 + ORIENT_TILE : t->w;
	int y1 = y0 + ORIENT_TILE < t->h ? y0 + ORIENT_TILE : t->h;
	size_t ch = (size_t)r->ch;
	unsigned char *d;
	const unsigned char *p;

	for (int y = y0; y < y1; y++) {
		d = t->px + ((size_t)y * (size_t)t->w + (size_t)x0) * ch;
		p = r->px +
		    (org + (ptrdiff_t)x0 * dx + (ptrdiff_t)y * dy) *
			(ptrdiff_t)ch;
		if (ch == 1)
			for (int x = x0; x < x1; x++, p += dx)
				*d++ = *p;
		else if (ch == 3)
			for (int x = x0; x < x1; x++, p += dx * 3, d += 3)
				d[0] = p[0], d[1] = p[1], d[2] = p[2];
		else
			for (int x = x0; x < x1;
			     x++, p += dx * (ptrdiff_t)ch, d += ch)
				memcpy(d, p, ch);
	}
}

int
raster_orient(struct raster *r, int o)
{
	struct raster t;
	ptrdiff_t org, dx, dy;
	int rc;

	if (o < 2 || o > 8)
		return 0;
	if ((rc = raster_init(&t, o >= 5 ? r->h : r->w, o >= 5 ? r->w : r->h,
		 r->ch)) < 0)
		return rc;
	/* the map is affine: an origin and a step per axis */
	org = orient_src(o, 0, 0, r->w, r->h);
	dx = orient_src(o, 1, 0, r->w, r->h) - org;
	dy = orient_src(o, 0, 1, r->w, r->h) - org;
	for (int y0 = 0; y0 < t.h; y0 += ORIENT_TILE)
		for (int x0 = 0; x0 < t.w; x0 += ORIENT_TILE)
			orient_tile(&t, r, org, dx, dy, x0, y0);
	raster_release(r);
	*r = t;
	return 0;
}

int
raster_level(const struct raster *top, int w, int h, struct raster *lv,
    const struct raster **use)
{
	int rc;

	*use = top;
	if (w >= top->w && h >= top->h)
		return 0;
	w = w < top->w ? w : top->w;
	h = h < top->h ? h : top->h;
	if (lv->px == NULL || lv->w != w || lv->h != h) {
		raster_release(lv);
		if ((rc = raster_resample(top, w, h, lv)) < 0)
			return rc;
	}
	*use = lv;
	return 0;
}

int
raster_resample(const struct raster *src, int w, int h, struct raster *dst)
{
	struct resampler *rs;
	size_t stride = (size_t)src->w * (size_t)src->ch;
	int y, rc;

	if ((rc = raster_init(dst, w, h, src->ch)) < 0)
		return rc;
	if ((rc = resampler_new(&rs, src->w, src->h, dst)) < 0) {
		raster_release(dst);
		return rc;
	}
	for (y = 0; y < src->h && rc == 0; y++)
		rc = resampler_row(rs, src->px + (size_t)y * stride);
	resampler_free(rs);
	if (rc < 0)
		raster_release(dst);
	return rc;
}
