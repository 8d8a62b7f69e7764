/* test_exif.c: the EXIF scrubber (filters/exif.c, exif_scrub) on blocks
 * built here, in both byte orders: what identifies the device or the
 * place goes, the orientation is read, malformed blocks are left safely. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "exif.h"

/* Offsets in the TIFF block, after "Exif\0\0". */
#define IFD0 8
#define EXIF_IFD 100
#define GPS_IFD 160
#define IFD1 200
#define EXPOSURE 300
#define MAKERNOTE 320
#define SERIAL 340
#define GPS_LAT 360
#define THUMB 400
#define MAKE 420
#define TIFF_LEN 440
#define BLK_LEN (6 + TIFF_LEN)

#define T_ASCII 2
#define T_SHORT 3
#define T_LONG 4
#define T_RATIONAL 5
#define T_UNDEFINED 7

static const unsigned char makernote[16] = "MAKERNOTESECRET!";
static const unsigned char serial[13] = "SN1234567890";
static const unsigned char thumb[16] = "\xff\xd8THUMBNAILDA\xff\xd9";

struct blk {
	unsigned char p[BLK_LEN];
	int be;
};

static void
w16(struct blk *b, size_t off, unsigned v)
{
	unsigned char *q = b->p + 6 + off;

	q[b->be ? 0 : 1] = (unsigned char)(v >> 8);
	q[b->be ? 1 : 0] = (unsigned char)v;
}

static void
w32(struct blk *b, size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b->p[6 + off + (size_t)(b->be ? 3 - i : i)] =
		    (unsigned char)(v >> (8 * i));
}

static unsigned
r16(const struct blk *b, size_t off)
{
	const unsigned char *q = b->p + 6 + off;

	return b->be ? (unsigned)(q[0] << 8 | q[1]) :
		       (unsigned)(q[1] << 8 | q[0]);
}

static uint32_t
r32(const struct blk *b, size_t off)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v |= (uint32_t)b->p[6 + off + (size_t)(b->be ? 3 - i : i)]
		    << (8 * i);
	return v;
}

/* Writes n entries of {tag, type, count, value} at ifd, then its link. */
static void
ifd(struct blk *b, size_t off, const uint32_t (*e)[4], int n, uint32_t link)
{
	w16(b, off, (unsigned)n);
	for (int i = 0; i < n; i++) {
		size_t at = off + 2 + (size_t)i * 12;

		w16(b, at, e[i][0]);
		w16(b, at + 2, e[i][1]);
		w32(b, at + 4, e[i][2]);
		if (e[i][1] == T_SHORT && e[i][2] == 1)
			w16(b, at + 8, e[i][3]);
		else
			w32(b, at + 8, e[i][3]);
	}
	w32(b, off + 2 + (size_t)n * 12, link);
}

/* A camera's block: IFD0 (orientation, make, the Exif and GPS IFDs),
 * the Exif IFD (exposure, maker note, serial, unique ID), the GPS IFD
 * and IFD1 (the thumbnail). orient < 0: no orientation tag. */
static void
build(struct blk *b, int be, int orient)
{
	const uint32_t ifd0[][4] = {
		{ 0x0112, T_SHORT, 1, (uint32_t)orient },
		{ 0x010F, T_ASCII, 6, MAKE },
		{ 0x8769, T_LONG, 1, EXIF_IFD },
		{ 0x8825, T_LONG, 1, GPS_IFD },
	};
	static const uint32_t exif[][4] = {
		{ 0x829A, T_RATIONAL, 1, EXPOSURE },
		{ 0x927C, T_UNDEFINED, sizeof makernote, MAKERNOTE },
		{ 0xA431, T_ASCII, sizeof serial, SERIAL },
		{ 0xA420, T_ASCII, 4, 0 }, /* "abc", inline */
	};
	static const uint32_t gps[][4] = {
		{ 0x0001, T_ASCII, 2, 'N' },
		{ 0x0002, T_RATIONAL, 3, GPS_LAT },
	};
	static const uint32_t ifd1[][4] = {
		{ 0x0201, T_LONG, 1, THUMB },
		{ 0x0202, T_LONG, 1, sizeof thumb },
	};
	static const uint32_t lat[6] = { 43, 1, 15, 1, 3021, 100 };

	memset(b, 0, sizeof *b);
	b->be = be;
	memcpy(b->p, "Exif\0\0", 6);
	memcpy(b->p + 6, be ? "MM\0*" : "II*\0", 4);
	w32(b, 4, IFD0);
	ifd(b, IFD0, orient < 0 ? ifd0 + 1 : ifd0, orient < 0 ? 3 : 4, IFD1);
	ifd(b, EXIF_IFD, exif, 4, 0);
	memcpy(b->p + 6 + EXIF_IFD + 2 + 3 * 12 + 8, "abc", 4);
	ifd(b, GPS_IFD, gps, 2, 0);
	ifd(b, IFD1, ifd1, 2, 0);
	w32(b, EXPOSURE, 1), w32(b, EXPOSURE + 4, 125);
	memcpy(b->p + 6 + MAKERNOTE, makernote, sizeof makernote);
	memcpy(b->p + 6 + SERIAL, serial, sizeof serial);
	for (int i = 0; i < 6; i++)
		w32(b, GPS_LAT + 4 * (size_t)i, lat[i]);
	memcpy(b->p + 6 + THUMB, thumb, sizeof thumb);
	memcpy(b->p + 6 + MAKE, "Canon", 6);
}

/* The entry of tag in the IFD at off, or 0. */
static size_t
entry(const struct blk *b, size_t off, unsigned tag)
{
	unsigned n = r16(b, off);

	for (unsigned i = 0; i < n; i++)
		if (r16(b, off + 2 + (size_t)i * 12) == tag)
			return off + 2 + (size_t)i * 12;
	return 0;
}

static int
all_zero(const struct blk *b, size_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b->p[6 + off + i])
			return 0;
	return 1;
}

static int
found(const struct blk *b, const void *s, size_t n)
{
	return memmem(b->p, sizeof b->p, s, n) != NULL;
}

static void
test_gps_gone(void **state)
{
	struct exif_scrub res;
	struct blk b;
	size_t e;

	(void)state;
	for (int be = 0; be < 2; be++) {
		build(&b, be, 1);
		exif_scrub(b.p, sizeof b.p, 0, &res);
		assert_int_equal(res.gps, 1);
		assert_int_equal(entry(&b, IFD0, 0x8825), 0);
		assert_int_equal(r16(&b, IFD0), 3);
		/* the GPS IFD and its values zeroed, not only unlinked */
		assert_true(all_zero(&b, GPS_IFD, 30));
		assert_true(all_zero(&b, GPS_LAT, 24));
		/* the rest kept, the link to IFD1 moved up with the entries */
		assert_int_not_equal(e = entry(&b, IFD0, 0x010F), 0);
		assert_int_equal(r32(&b, e + 8), MAKE);
		assert_true(found(&b, "Canon", 6));
		assert_int_equal(r32(&b, IFD0 + 2 + 3 * 12), IFD1);
		assert_true(all_zero(&b, IFD0 + 2 + 4 * 12, 4));
	}
}

static void
test_maker_notes_gone(void **state)
{
	struct exif_scrub res;
	struct blk b;
	size_t e;

	(void)state;
	for (int be = 0; be < 2; be++) {
		build(&b, be, 1);
		exif_scrub(b.p, sizeof b.p, 0, &res);
		assert_int_equal(res.serial, 1);
		assert_false(found(&b, makernote, sizeof makernote));
		assert_false(found(&b, serial, sizeof serial));
		assert_false(found(&b, "abc", 3));
		assert_int_equal(entry(&b, EXIF_IFD, 0x927C), 0);
		assert_int_equal(entry(&b, EXIF_IFD, 0xA431), 0);
		assert_int_equal(entry(&b, EXIF_IFD, 0xA420), 0);
		assert_int_equal(r16(&b, EXIF_IFD), 1);
		assert_int_not_equal(e = entry(&b, EXIF_IFD, 0x829A), 0);
		assert_int_equal(r32(&b, e + 8), EXPOSURE);
		assert_int_equal(r32(&b, EXPOSURE + 4), 125);
		/* nothing left to remove: a second scrub changes nothing */
		{
			struct blk again = b;

			exif_scrub(again.p, sizeof again.p, 0, &res);
			assert_memory_equal(again.p, b.p, sizeof b.p);
			assert_int_equal(res.gps, 0);
			assert_int_equal(res.serial, 0);
		}
	}
}

static void
test_orientation_read(void **state)
{
	struct exif_scrub res;
	struct blk b;
	int bad = 0;

	(void)state;
	for (int be = 0; be < 2; be++)
		for (int o = -1; o <= 10; o++) {
			build(&b, be, o);
			exif_scrub(b.p, sizeof b.p, 0, &res);
			if (res.tag != (o < 0 ? -1 : o) ||
			    res.orientation != (o >= 1 && o <= 8 ? o : 1)) {
				printf("%s orientation %d: got tag %d "
				       "orientation %d\n",
				    be ? "MM" : "II", o, res.tag,
				    res.orientation);
				bad++;
			}
			/* read, not changed, without set_upright */
			if (o >= 0 &&
			    r16(&b, entry(&b, IFD0, 0x0112) + 8) != (unsigned)o)
				bad++;
		}
	assert_int_equal(bad, 0);
	/* the tag as a LONG is not the orientation */
	build(&b, 0, 6);
	w16(&b, IFD0 + 2 + 2, T_LONG);
	exif_scrub(b.p, sizeof b.p, 0, &res);
	assert_int_equal(res.tag, -1);
	assert_int_equal(res.orientation, 1);
}

static void
test_set_upright(void **state)
{
	struct exif_scrub res;
	struct blk b;

	(void)state;
	for (int be = 0; be < 2; be++) {
		build(&b, be, 6);
		exif_scrub(b.p, sizeof b.p, 1, &res);
		assert_int_equal(res.orientation, 6);
		assert_int_equal(r16(&b, entry(&b, IFD0, 0x0112) + 8), 1);
		/* the thumbnail would stay sideways: cut, IFD1 and its link */
		assert_false(found(&b, thumb, sizeof thumb));
		assert_true(all_zero(&b, IFD1, 30));
		assert_true(all_zero(&b, IFD0 + 2 + 3 * 12, 4));
		exif_scrub(b.p, sizeof b.p, 1, &res);
		assert_int_equal(res.tag, 1);
		/* upright already, or not asked: the thumbnail stays */
		build(&b, be, 1);
		exif_scrub(b.p, sizeof b.p, 1, &res);
		assert_true(found(&b, thumb, sizeof thumb));
		build(&b, be, 6);
		exif_scrub(b.p, sizeof b.p, 0, &res);
		assert_true(found(&b, thumb, sizeof thumb));
		assert_int_equal(r16(&b, entry(&b, IFD0, 0x0112) + 8), 6);
	}
}

/* A block with nothing to remove is left byte for byte. */
static void
test_clean_untouched(void **state)
{
	static const uint32_t ifd0[][4] = {
		{ 0x0112, T_SHORT, 1, 3 },
		{ 0x010F, T_ASCII, 6, MAKE },
	};
	struct exif_scrub res;
	struct blk b, orig;

	(void)state;
	build(&b, 1, 3);
	ifd(&b, IFD0, ifd0, 2, 0);
	orig = b;
	exif_scrub(b.p, sizeof b.p, 0, &res);
	assert_memory_equal(b.p, orig.p, sizeof b.p);
	assert_int_equal(res.gps, 0);
	assert_int_equal(res.serial, 0);
	assert_int_equal(res.orientation, 3);
}

/* Runs exif_scrub on p[0..len) copied between guard bytes, and copies it
 * back: whatever the block, nothing outside it is written, and res stays
 * in its range. The number of things wrong. */
static int
scrub_guarded(unsigned char *p, size_t len, int upright, struct exif_scrub *res)
{
	enum { G = 64 };
	unsigned char *m = malloc(len + 2 * G);
	int bad = 0;

	assert_non_null(m);
	memset(m, 0xA5, len + 2 * G);
	if (len)
		memcpy(m + G, p, len);
	exif_scrub(m + G, len, upright, res);
	if (len)
		memcpy(p, m + G, len);
	for (size_t i = 0; i < G; i++)
		bad += m[i] != 0xA5 || m[G + len + i] != 0xA5;
	bad += res->orientation < 1 || res->orientation > 8;
	bad += res->tag < -1 || res->tag > 0xFFFF;
	bad += (res->gps != 0 && res->gps != 1) ||
	    (res->serial != 0 && res->serial != 1);
	free(m);
	return bad;
}

/* Breakage made on a good block: a 16- or 32-bit value at a TIFF offset. */
static const struct {
	const char *name;
	size_t off;
	int bits;
	uint32_t v;
	int refused; /* left as it is, nothing read */
} breaks[] = {
	{ "byte order", 0, 16, 0x5858, 1 },
	{ "magic", 2, 16, 0x2B, 1 },
	{ "IFD0 past the end", 4, 32, TIFF_LEN, 1 },
	{ "IFD0 far past the end", 4, 32, 0xFFFFFFF0, 1 },
	{ "IFD0 in the header", 4, 32, 4, 1 },
	{ "IFD0 at the last bytes", 4, 32, TIFF_LEN - 2, 1 },
	{ "IFD0 entries past the end", IFD0, 16, 0xFFFF, 1 },
	{ "entry type unknown", IFD0 + 2 + 12 + 2, 16, 0xFFFF, 0 },
	{ "Exif IFD past the end", IFD0 + 2 + 24 + 8, 32, 0xFFFFFFFF, 0 },
	{ "Exif IFD is IFD0", IFD0 + 2 + 24 + 8, 32, IFD0, 0 },
	{ "Exif IFD is the GPS IFD", IFD0 + 2 + 24 + 8, 32, GPS_IFD, 0 },
	{ "GPS IFD past the end", IFD0 + 2 + 36 + 8, 32, 0xFFFFFFF0, 0 },
	{ "GPS IFD at the end", IFD0 + 2 + 36 + 8, 32, TIFF_LEN - 6, 0 },
	{ "GPS IFD count huge", GPS_IFD, 16, 0xFFFF, 0 },
	{ "maker note count huge", EXIF_IFD + 2 + 12 + 4, 32, 0xFFFFFFFF, 0 },
	{ "maker note past the end", EXIF_IFD + 2 + 12 + 8, 32, TIFF_LEN - 8,
	    0 },
	{ "maker note offset wraps", EXIF_IFD + 2 + 12 + 8, 32, 0xFFFFFFFC, 0 },
	{ "GPS value count huge", GPS_IFD + 2 + 12 + 4, 32, 0x20000000, 0 },
	{ "IFD1 past the end", IFD0 + 2 + 48, 32, 0xFFFFFFFF, 0 },
	{ "IFD1 is IFD0", IFD0 + 2 + 48, 32, IFD0, 0 },
	{ "thumbnail past the end", IFD1 + 2 + 8, 32, TIFF_LEN - 4, 0 },
	{ "thumbnail length huge", IFD1 + 2 + 12 + 8, 32, 0xFFFFFFFF, 0 },
};

static void
test_malformed(void **state)
{
	struct exif_scrub res;
	struct blk b, orig;
	int bad = 0, rc;

	(void)state;
	for (size_t i = 0; i < sizeof breaks / sizeof *breaks; i++)
		for (int k = 0; k < 4; k++) {
			build(&b, k & 1, 6);
			if (breaks[i].bits == 16)
				w16(&b, breaks[i].off, (unsigned)breaks[i].v);
			else
				w32(&b, breaks[i].off, breaks[i].v);
			orig = b;
			rc = scrub_guarded(b.p, sizeof b.p, k >> 1, &res);
			if (breaks[i].refused)
				rc += res.tag != -1 || res.orientation != 1 ||
				    res.gps || res.serial ||
				    memcmp(b.p, orig.p, sizeof b.p) != 0;
			if (rc) {
				printf("%s (%s, upright %d): %d wrong\n",
				    breaks[i].name, k & 1 ? "MM" : "II", k >> 1,
				    rc);
				bad++;
			}
		}
	assert_int_equal(bad, 0);
}

/* Not an EXIF block at all: nothing read, nothing written. */
static void
test_not_exif(void **state)
{
	static const struct {
		const char *name;
		const char *p;
		size_t len;
	} cases[] = {
		{ "empty", "", 0 },
		{ "shorter than a header", "Exif\0\0II*\0\x08\0\0", 13 },
		{ "not Exif", "Exig\0\0II*\0\x08\0\0\0\0\0", 16 },
		{ "no NULs", "Exif  II*\0\x08\0\0\0\0\0", 16 },
		{ "XMP", "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>", 40 },
	};
	unsigned char m[64];
	struct exif_scrub res;
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		memcpy(m, cases[i].p, cases[i].len);
		if (scrub_guarded(m, cases[i].len, 1, &res) != 0 ||
		    memcmp(m, cases[i].p, cases[i].len) != 0 || res.tag != -1 ||
		    res.orientation != 1 || res.gps || res.serial) {
			printf(
			    "%s: got tag %d orientation %d gps %d serial %d\n",
			    cases[i].name, res.tag, res.orientation, res.gps,
			    res.serial);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Every prefix of a good block, and random bytes changed in it, in both
 * byte orders and both modes: never a write outside the block. */
static void
test_cut_and_flipped(void **state)
{
	struct exif_scrub res;
	struct blk b;
	unsigned seed = 17;
	int bad = 0;

	(void)state;
	for (int k = 0; k < 4; k++) {
		build(&b, k & 1, 8);
		for (size_t len = 0; len <= sizeof b.p; len++)
			bad += scrub_guarded(b.p, len, k >> 1, &res);
	}
	for (int round = 0; round < 20000; round++) {
		build(&b, round & 1, 6);
		for (int n = 1 + (int)(rand_r(&seed) % 8); n > 0; n--)
			b.p[6 + rand_r(&seed) % TIFF_LEN] = (unsigned char)
			    rand_r(&seed);
		bad += scrub_guarded(b.p, 6 + rand_r(&seed) % TIFF_LEN,
		    (round >> 1) & 1, &res);
	}
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gps_gone),
		cmocka_unit_test(test_maker_notes_gone),
		cmocka_unit_test(test_orientation_read),
		cmocka_unit_test(test_set_upright),
		cmocka_unit_test(test_clean_untouched),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_not_exif),
		cmocka_unit_test(test_cut_and_flipped),
	};

	return cmocka_run_group_tests_name("exif", tests, NULL, NULL);
}
