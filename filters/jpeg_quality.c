/*
 * jpeg_quality.c: a JPEG's quantisation tables, read from its DQT
 * segments, so that a re-encode the file cannot avoid (an EXIF rotation
 * off the MCU grid) quantises as the source did instead of inflating it:
 * the same tables, transposed when the rotation swaps the axes (as
 * jpegtran transposes them), and the quality libjpeg's scaling of the
 * standard table would give, for the report and as a fallback. A
 * camera's own table gets the quality whose scaled standard table has
 * the same sum, as ImageMagick and jpegoptim estimate it.
 * SECURITY: reads DQT segments of an upload; every table is checked
 * against the segment's length before it is read.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "jpegcodec.h"

/* Annex K.1's luminance table, in natural (row-major) order. */
static const unsigned short std_luma[64] = {
	16,
	11,
	10,
	16,
	24,
	40,
	51,
	61,
	12,
	12,
	14,
	19,
	26,
	58,
	60,
	55,
	14,
	13,
	16,
	24,
	40,
	57,
	69,
	56,
	14,
	17,
	22,
	29,
	51,
	87,
	80,
	62,
	18,
	22,
	37,
	56,
	68,
	109,
	103,
	77,
	24,
	35,
	55,
	64,
	81,
	104,
	113,
	92,
	49,
	64,
	78,
	87,
	103,
	121,
	120,
	101,
	72,
	92,
	95,
	98,
	112,
	100,
	103,
	99,
};

/* The natural index of the k-th coefficient of a DQT's zigzag order. */
static const unsigned char natural[64] = {
	0,
	1,
	8,
	16,
	9,
	2,
	3,
	10,
	17,
	24,
	32,
	25,
	18,
	11,
	4,
	5,
	12,
	19,
	26,
	33,
	40,
	48,
	41,
	34,
	27,
	20,
	13,
	6,
	7,
	14,
	21,
	28,
	35,
	42,
	49,
	56,
	57,
	50,
	43,
	36,
	29,
	22,
	15,
	23,
	30,
	37,
	44,
	51,
	58,
	59,
	52,
	45,
	38,
	31,
	39,
	46,
	53,
	60,
	61,
	54,
	47,
	55,
	62,
	63,
};

/* libjpeg's scaling of the standard table at quality q, summed. */
static long
std_sum(int q)
{
	long scale = q < 50 ? 5000 / q : 200 - q * 2, v, sum = 0;

	for (int i = 0; i < 64; i++) {
		v = ((long)std_luma[i] * scale + 50) / 100;
		sum += v < 1 ? 1 : v > 255 ? 255 : v;
	}
	return sum;
}

int
jpeg_qtable_quality(const unsigned int *t)
{
	long sum = 0, d, best_d = -1;
	int best = 0;

	for (int i = 0; i < 64; i++)
		sum += t[i];
	for (int q = 1; q <= 100; q++) {
		d = std_sum(q) - sum;
		d = d < 0 ? -d : d;
		if (best_d < 0 || d < best_d)
			best_d = d, best = q;
	}
	return best;
}

int
jpeg_dqt_read(const unsigned char *p, size_t n, struct jpeg_qtables *qt)
{
	size_t pos = 0, len;
	unsigned int *t;
	int prec, id;

	while (pos < n) {
		prec = p[pos] >> 4, id = p[pos] & 15;
		len = prec ? 128 : 64;
		if (prec > 1 || id > 3 || len > n - pos - 1)
			return -EINVAL;
		t = qt->t[id];
		for (int k = 0; k < 64; k++)
			t[natural[k]] = prec ?
			    (unsigned)(p[pos + 1 + 2 * k] << 8 |
				p[pos + 2 + 2 * k]) :
			    p[pos + 1 + k];
		qt->have |= 1u << id;
		pos += 1 + len;
	}
	return 0;
}

void
jpeg_qtables_transpose(struct jpeg_qtables *qt)
{
	unsigned int t[64];

	for (int id = 0; id < 4; id++) {
		memcpy(t, qt->t[id], sizeof t);
		for (int i = 0; i < 64; i++)
			qt->t[id][i] = t[(i % 8) * 8 + i / 8];
	}
}
