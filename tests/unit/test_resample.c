/* test_resample.c: the streaming area resampler (filters/resample.c) and
 * raster_resample / raster_level on it, through raster.h. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "raster.h"

/* A w x h raster of ch channels whose sample c of pixel (x, y) is
 * f(x, y, c). */
static void
make(struct raster *r, int w, int h, int ch,
    int (*f)(int x, int y, int c, const void *arg), const void *arg)
{
	assert_int_equal(raster_init(r, w, h, ch), 0);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			for (int c = 0; c < ch; c++)
				r->px[((size_t)y * (size_t)w + (size_t)x) *
					(size_t)ch +
				    (size_t)c] = (unsigned char)f(x, y, c, arg);
}

static int
px(const struct raster *r, int x, int y, int c)
{
	return r->px[((size_t)y * (size_t)r->w + (size_t)x) * (size_t)r->ch +
	    (size_t)c];
}

static int
constant(int x, int y, int c, const void *arg)
{
	(void)x, (void)y;
	return ((const int *)arg)[c % 3];
}

static const struct {
	int sw, sh, dw, dh;
} size_cases[] = {
	{ 1, 1, 1, 1 },
	{ 7, 5, 3, 2 },
	{ 10, 10, 10, 3 },
	{ 10, 10, 3, 10 },
	{ 2480, 4, 1654, 3 },
	{ 3, 3, 2, 2 },
	{ 1000, 7, 1, 1 },
	{ 101, 99, 100, 98 },
	{ 640, 480, 211, 157 },
	{ 5, 300, 4, 1 },
	{ 17, 13, 16, 12 },
	{ 9, 9, 8, 2 },
};

/* The samples of r that are not val[c % 3], printing the first. */
static int
off_constant(const struct raster *r, const int val[3])
{
	int n = 0;

	for (int y = 0; y < r->h; y++)
		for (int x = 0; x < r->w; x++)
			for (int c = 0; c < r->ch; c++)
				if (px(r, x, y, c) != val[c % 3] && n++ == 0)
					printf(
					    "%dx%d ch %d: (%d,%d,%d) got %d, "
					    "want %d\n",
					    r->w, r->h, r->ch, x, y, c,
					    px(r, x, y, c), val[c % 3]);
	return n;
}

/* Whatever the ratio, the output has the asked size and a constant image
 * stays exactly constant: the weights sum to exactly one. */
static void
test_constant_stays_constant(void **state)
{
	static const int vals[][3] = { { 0, 0, 0 }, { 255, 255, 255 },
		{ 1, 128, 254 }, { 77, 3, 200 } };
	struct raster src, dst;
	size_t nv = sizeof vals / sizeof *vals;
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof size_cases / sizeof *size_cases; i++)
		for (size_t k = 0; k < 4 * nv; k++) {
			make(&src, size_cases[i].sw, size_cases[i].sh,
			    1 + (int)(k / nv), constant, vals[k % nv]);
			assert_int_equal(raster_resample(&src, size_cases[i].dw,
					     size_cases[i].dh, &dst),
			    0);
			assert_int_equal(dst.w, size_cases[i].dw);
			assert_int_equal(dst.h, size_cases[i].dh);
			assert_int_equal(dst.ch, src.ch);
			bad += off_constant(&dst, vals[k % nv]);
			raster_release(&src);
			raster_release(&dst);
		}
	assert_int_equal(bad, 0);
}

/* Known input, each output the exact mean of what it covers. */
static const struct {
	const char *name;
	int sw, sh, dw, dh;
	unsigned char in[16];
	unsigned char want[4];
} box_cases[] = {
	{ "2x2 blocks", 4, 4, 2, 2,
	    { 0, 4, 20, 40, 8, 12, 60, 80, 100, 100, 1, 3, 100, 100, 5, 7 },
	    { 6, 50, 100, 4 } },
	{ "a row of three into one", 3, 1, 1, 1, { 3, 6, 9 }, { 6 } },
	{ "a column of four into one", 1, 4, 1, 1, { 10, 20, 30, 40 }, { 25 } },
	/* 3 into 2: each output covers one input and half the middle one */
	{ "3 into 2 across", 3, 1, 2, 1, { 0, 90, 180 }, { 30, 150 } },
	{ "3 into 2 down", 1, 3, 1, 2, { 0, 90, 180 }, { 30, 150 } },
	{ "3x3 into 2x2", 3, 3, 2, 2, { 0, 0, 0, 0, 90, 0, 0, 0, 0 },
	    { 10, 10, 10, 10 } },
	{ "a whole image into one", 4, 4, 1, 1,
	    { 0, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224,
		240 },
	    { 120 } },
	{ "same size is a copy", 2, 2, 2, 2, { 1, 2, 254, 255 },
	    { 1, 2, 254, 255 } },
};

static void
test_box_average_exact(void **state)
{
	struct raster src, dst;
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof box_cases / sizeof *box_cases; i++) {
		assert_int_equal(raster_init(&src, box_cases[i].sw,
				     box_cases[i].sh, 1),
		    0);
		memcpy(src.px, box_cases[i].in,
		    (size_t)box_cases[i].sw * (size_t)box_cases[i].sh);
		assert_int_equal(raster_resample(&src, box_cases[i].dw,
				     box_cases[i].dh, &dst),
		    0);
		for (int k = 0; k < dst.w * dst.h; k++)
			if (dst.px[k] != box_cases[i].want[k]) {
				printf("%s: output %d got %d, want %d\n",
				    box_cases[i].name, k, dst.px[k],
				    box_cases[i].want[k]);
				bad++;
			}
		raster_release(&src);
		raster_release(&dst);
	}
	assert_int_equal(bad, 0);
}

/* An RGB image's channels are averaged apart. */
static int
channels(int x, int y, int c, const void *arg)
{
	(void)arg;
	return c == 0 ? 10 * (x % 2) : c == 1 ? 40 * (y % 2) : 200;
}

static void
test_channels_apart(void **state)
{
	struct raster src, dst;

	(void)state;
	make(&src, 6, 4, 3, channels, NULL);
	assert_int_equal(raster_resample(&src, 3, 2, &dst), 0);
	for (int y = 0; y < 2; y++)
		for (int x = 0; x < 3; x++) {
			assert_int_equal(px(&dst, x, y, 0), 5);
			assert_int_equal(px(&dst, x, y, 1), 20);
			assert_int_equal(px(&dst, x, y, 2), 200);
		}
	raster_release(&src);
	raster_release(&dst);
}

/* A white last row and last column on black: only the last output row
 * and column see them, by their share of it. */
static int
edges(int x, int y, int c, const void *arg)
{
	const int *wh = arg;

	(void)c;
	return x == wh[0] - 1 || y == wh[1] - 1 ? 240 : 0;
}

static void
test_edge_rows(void **state)
{
	static const int wh[2] = { 9, 6 };
	struct raster src, dst;

	(void)state;
	make(&src, wh[0], wh[1], 1, edges, wh);
	/* 9 into 3 across, 6 into 2 down: each output 3x3 inputs */
	assert_int_equal(raster_resample(&src, 3, 2, &dst), 0);
	assert_int_equal(px(&dst, 0, 0, 0), 0);
	assert_int_equal(px(&dst, 1, 0, 0), 0);
	assert_int_equal(px(&dst, 2, 0, 0), 80); /* 3 of 9 white */
	assert_int_equal(px(&dst, 0, 1, 0), 80);
	assert_int_equal(px(&dst, 1, 1, 0), 80);
	assert_int_equal(px(&dst, 2, 1, 0), 133); /* 5 of 9 */
	raster_release(&dst);
	/* 9 into 2 across: the last output covers 4.5 inputs, one white */
	assert_int_equal(raster_resample(&src, 2, 1, &dst), 0);
	assert_int_equal(px(&dst, 0, 0, 0), 40); /* 1/6 white */
	/* 4.5 columns: 4.5 of 54 samples in the last row plus the whole
	 * column of 6: 9.5 / 27 of 240 */
	assert_int_equal(px(&dst, 1, 0, 0), 84);
	raster_release(&dst);
	raster_release(&src);
}

/* The streaming interface: the last output row is written only once the
 * last input row is in, and no row past the input's height is taken. */
static void
test_stream_last_row(void **state)
{
	struct resampler *rs;
	struct raster dst;
	unsigned char row[5];

	(void)state;
	memset(row, 200, sizeof row);
	assert_int_equal(raster_init(&dst, 2, 2, 1), 0);
	memset(dst.px, 0, 4);
	assert_int_equal(resampler_new(&rs, 5, 5, &dst), 0);
	for (int y = 0; y < 4; y++)
		assert_int_equal(resampler_row(rs, row), 0);
	assert_int_equal(dst.px[0], 200);
	assert_int_equal(dst.px[1], 200);
	assert_int_equal(dst.px[2], 0); /* not yet */
	assert_int_equal(dst.px[3], 0);
	assert_int_equal(resampler_row(rs, row), 0);
	assert_int_equal(dst.px[2], 200);
	assert_int_equal(dst.px[3], 200);
	assert_int_equal(resampler_row(rs, row), -EINVAL);
	resampler_free(rs);
	raster_release(&dst);
}

/* A destination larger than the source, empty, or of a channel count
 * the resampler does not know is refused before anything is taken. */
static void
test_refused_sizes(void **state)
{
	static const struct {
		int sw, sh, dw, dh, ch;
	} bad[] = {
		{ 4, 4, 5, 4, 1 },
		{ 4, 4, 4, 5, 1 },
		{ 4, 4, 0, 4, 1 },
		{ 4, 4, 4, 0, 1 },
		{ 4, 4, 2, 2, 0 },
		{ 4, 4, 2, 2, 5 },
	};
	struct resampler *rs = NULL;
	struct raster dst;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		dst = (struct raster){ .w = bad[i].dw,
			.h = bad[i].dh,
			.ch = bad[i].ch };
		assert_int_equal(resampler_new(&rs, bad[i].sw, bad[i].sh, &dst),
		    -EINVAL);
		assert_null(rs);
	}
	resampler_free(NULL);
}

/* raster_level: the top raster itself when it is not larger, else a
 * resample kept for the next call of the same size. */
static void
test_level(void **state)
{
	static const int grey[3] = { 99, 99, 99 };
	struct raster top, lv = { 0 };
	const struct raster *use;
	unsigned char *kept;

	(void)state;
	make(&top, 40, 30, 1, constant, grey);
	assert_int_equal(raster_level(&top, 40, 30, &lv, &use), 0);
	assert_ptr_equal(use, &top);
	assert_int_equal(raster_level(&top, 20, 15, &lv, &use), 0);
	assert_ptr_equal(use, &lv);
	assert_int_equal(lv.w, 20);
	assert_int_equal(lv.h, 15);
	assert_int_equal(lv.px[0], 99);
	kept = lv.px;
	assert_int_equal(raster_level(&top, 20, 15, &lv, &use), 0);
	assert_ptr_equal(lv.px, kept);
	assert_int_equal(raster_level(&top, 10, 7, &lv, &use), 0);
	assert_int_equal(lv.w, 10);
	assert_int_equal(lv.h, 7);
	raster_release(&lv);
	raster_release(&top);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constant_stays_constant),
		cmocka_unit_test(test_box_average_exact),
		cmocka_unit_test(test_channels_apart),
		cmocka_unit_test(test_edge_rows),
		cmocka_unit_test(test_stream_last_row),
		cmocka_unit_test(test_refused_sizes),
		cmocka_unit_test(test_level),
	};

	return cmocka_run_group_tests_name("resample", tests, NULL, NULL);
}
