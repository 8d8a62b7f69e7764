/*
 * jpeg_quality.c: the quality a JPEG was written at, estimated from its
 * luminance quantisation table, so that a re-encode the file cannot
 * avoid (an EXIF rotation off the MCU grid) stays at the source's
 * quality instead of inflating it. The table is compared with the
 * standard one (ITU T.81 Annex K) scaled as libjpeg's
 * jpeg_quality_scaling() does; a camera's own table gets the quality
 * whose scaled standard table has the same sum, as ImageMagick and
 * jpegoptim estimate it.
 * SECURITY: reads a DQT segment of an upload; every table is checked
 * against the segment's length before it is read.
 */
#include <stddef.h>

#include "engine.h"

/* Annex K.1, in the zigzag order a DQT segment stores it (the sum is all
 * that is compared, but the order keeps the table recognisable). */
static const unsigned short std_luma_zigzag[64] = {
	16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40,
	26, 24, 22, 22, 24, 49, 35, 37, 29, 40, 58, 51, 61, 60, 57, 51,
	56, 55, 64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80, 109, 81, 87,
	95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92, 101,
	103, 99,
};

/* libjpeg's scaling of the standard table at quality q, summed. */
static long std_sum(int q)
{
	long scale = q < 50 ? 5000 / q : 200 - q * 2, v, sum = 0;

	for (int i = 0; i < 64; i++) {
		v = ((long)std_luma_zigzag[i] * scale + 50) / 100;
		sum += v < 1 ? 1 : v > 255 ? 255 : v;
	}
	return sum;
}

/* The quality whose standard table's sum is nearest to sum. */
static int quality_of_sum(long sum)
{
	long d, best_d = -1;
	int best = 0;

	for (int q = 1; q <= 100; q++) {
		d = std_sum(q) - sum;
		d = d < 0 ? -d : d;
		if (best_d < 0 || d < best_d)
			best_d = d, best = q;
	}
	return best;
}

int jpeg_dqt_quality(const unsigned char *p, size_t n, int *quality)
{
	size_t pos = 0, len;
	long sum;
	int prec, id;

	while (pos < n) {
		prec = p[pos] >> 4, id = p[pos] & 15;
		len = prec ? 128 : 64;
		if (prec > 1 || len > n - pos - 1)
			return -1;
		if (id == 0) {
			sum = 0;
			for (int i = 0; i < 64; i++)
				sum += prec ? (p[pos + 1 + 2 * i] << 8 |
				    p[pos + 2 + 2 * i]) : p[pos + 1 + i];
			*quality = quality_of_sum(sum);
		}
		pos += 1 + len;
	}
	return 0;
}
