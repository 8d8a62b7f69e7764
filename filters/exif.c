/*
 * exif.c: scrubbing an EXIF block in place: the GPS IFD, serial numbers,
 * the image unique ID, the owner's name and maker notes are zeroed (their
 * bytes, not only the links to them) and their entries removed; the
 * orientation is read and, on request, set to 1 with the thumbnail cut.
 * Editing in place keeps every other offset valid, so nothing is rebuilt.
 * SECURITY: parses uploaded bytes. Every offset and count is checked
 * against the block's length before it is used; IFDs are followed only
 * one level deep (IFD0, its Exif and GPS IFDs, IFD1), so no loops.
 */
#include <string.h>

#include "exif.h"

#define TAG_ORIENTATION 0x0112
#define TAG_EXIF_IFD 0x8769
#define TAG_GPS_IFD 0x8825
#define TAG_THUMB_OFF 0x0201
#define TAG_THUMB_LEN 0x0202

struct tiffblk {
	unsigned char *p; /* the TIFF header, after "Exif\0\0" */
	size_t len;
	int be; /* "MM": big-endian */
};

/* Tags removed wherever they appear: they identify the device or owner. */
static const unsigned scrub_tags[] = {
	0x927C, /* MakerNote */
	0xA420, /* ImageUniqueID */
	0xA430, /* CameraOwnerName */
	0xA431, /* BodySerialNumber */
	0xA435, /* LensSerialNumber */
	0xC62F, /* CameraSerialNumber (DNG) */
};

static int
in_bounds(const struct tiffblk *t, size_t off, size_t n)
{
	return off <= t->len && n <= t->len - off;
}

static unsigned
get16(const struct tiffblk *t, size_t off)
{
	const unsigned char *q = t->p + off;

	return t->be ? (unsigned)(q[0] << 8 | q[1]) :
		       (unsigned)(q[1] << 8 | q[0]);
}

static size_t
get32(const struct tiffblk *t, size_t off)
{
	const unsigned char *q = t->p + off;

	return t->be ?
	    (size_t)q[0] << 24 | (size_t)q[1] << 16 | (size_t)q[2] << 8 | q[3] :
	    (size_t)q[3] << 24 | (size_t)q[2] << 16 | (size_t)q[1] << 8 | q[0];
}

static void
put16(struct tiffblk *t, size_t off, unsigned v)
{
	t->p[off + (t->be ? 0 : 1)] = (unsigned char)(v >> 8);
	t->p[off + (t->be ? 1 : 0)] = (unsigned char)v;
}

/* The entry count of the IFD at off, or -1 when it does not fit. */
static int
ifd_count(const struct tiffblk *t, size_t off)
{
	unsigned n;

	if (off < 8 || !in_bounds(t, off, 2))
		return -1;
	n = get16(t, off);
	return in_bounds(t, off + 2, (size_t)n * 12 + 4) ? (int)n : -1;
}

static size_t
type_size(unsigned type)
{
	static const unsigned char sz[] = { 0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4,
		8, 4 };

	return type < sizeof sz ? sz[type] : 0;
}

/* Zeroes the out-of-line value of the entry at e, when it has one. */
static void
zero_value(struct tiffblk *t, size_t e)
{
	size_t n = type_size(get16(t, e + 2)), cnt = get32(t, e + 4), off;

	if (n == 0 || cnt > t->len / n || n * cnt <= 4)
		return;
	off = get32(t, e + 8);
	if (in_bounds(t, off, n * cnt))
		memset(t->p + off, 0, n * cnt);
}

/* Removes entry i of the IFD at off (count n): its value zeroed, the
 * entries after it and the next-IFD link moved up. */
static void
remove_entry(struct tiffblk *t, size_t off, int n, int i)
{
	size_t e = off + 2 + (size_t)i * 12;
	size_t tail = (size_t)(n - i - 1) * 12 + 4;

	zero_value(t, e);
	memmove(t->p + e, t->p + e + 12, tail);
	memset(t->p + e + tail, 0, 12);
	put16(t, off, (unsigned)(n - 1));
}

/* Zeroes a whole IFD: its values, entries, count and link. */
static void
zero_ifd(struct tiffblk *t, size_t off)
{
	int n = ifd_count(t, off);

	if (n < 0)
		return;
	for (int i = 0; i < n; i++)
		zero_value(t, off + 2 + (size_t)i * 12);
	memset(t->p + off, 0, 2 + (size_t)n * 12 + 4);
}

static int
is_scrub_tag(unsigned tag)
{
	for (size_t i = 0; i < sizeof scrub_tags / sizeof scrub_tags[0]; i++)
		if (scrub_tags[i] == tag)
			return 1;
	return 0;
}

/* Scrubs one IFD; returns the offsets of its Exif and GPS sub-IFDs. */
static void
scrub_ifd(struct tiffblk *t, size_t off, size_t *exif_ifd,
    struct exif_scrub *res)
{
	int n = ifd_count(t, off), i = 0;
	size_t e;
	unsigned tag;

	while (n > 0 && i < n) {
		e = off + 2 + (size_t)i * 12;
		tag = get16(t, e);
		if (tag == TAG_EXIF_IFD && exif_ifd)
			*exif_ifd = get32(t, e + 8);
		if (tag == TAG_ORIENTATION && get16(t, e + 2) == 3)
			res->tag = (int)get16(t, e + 8);
		if (tag == TAG_GPS_IFD) {
			zero_ifd(t, get32(t, e + 8));
			res->gps = 1;
		} else if (is_scrub_tag(tag))
			res->serial = 1;
		if (tag == TAG_GPS_IFD || is_scrub_tag(tag))
			remove_entry(t, off, n--, i);
		else
			i++;
	}
}

static void
set_orientation_1(struct tiffblk *t, size_t ifd0)
{
	int n = ifd_count(t, ifd0);
	size_t e;

	for (int i = 0; i < n; i++) {
		e = ifd0 + 2 + (size_t)i * 12;
		if (get16(t, e) == TAG_ORIENTATION && get16(t, e + 2) == 3)
			put16(t, e + 8, 1);
	}
}

/* Cuts IFD1 (the thumbnail, which would stay sideways) and its JPEG. */
static void
cut_thumbnail(struct tiffblk *t, size_t ifd0)
{
	int n = ifd_count(t, ifd0), m;
	size_t link = ifd0 + 2 + (size_t)n * 12, ifd1, e, toff = 0, tlen = 0;

	if (n < 0 || (m = ifd_count(t, ifd1 = get32(t, link))) < 0)
		return;
	for (int i = 0; i < m; i++) {
		e = ifd1 + 2 + (size_t)i * 12;
		if (get16(t, e) == TAG_THUMB_OFF)
			toff = get32(t, e + 8);
		if (get16(t, e) == TAG_THUMB_LEN)
			tlen = get32(t, e + 8);
	}
	if (tlen && in_bounds(t, toff, tlen))
		memset(t->p + toff, 0, tlen);
	zero_ifd(t, ifd1);
	memset(t->p + link, 0, 4);
}

void
exif_scrub(unsigned char *p, size_t len, int set_upright,
    struct exif_scrub *res)
{
	struct tiffblk t;
	size_t ifd0, sub = 0;

	*res = (struct exif_scrub){ .orientation = 1, .tag = -1 };
	if (len < 14 || memcmp(p, "Exif\0\0", 6) != 0)
		return;
	t = (struct tiffblk){ .p = p + 6, .len = len - 6, .be = p[6] == 'M' };
	if (memcmp(t.p, t.be ? "MM\0*" : "II*\0", 4) != 0)
		return;
	ifd0 = get32(&t, 4);
	scrub_ifd(&t, ifd0, &sub, res);
	if (sub != 0 && sub != ifd0)
		scrub_ifd(&t, sub, NULL, res);
	if (res->tag >= 1 && res->tag <= 8)
		res->orientation = res->tag;
	if (set_upright && res->tag >= 0 && res->tag != 1) {
		set_orientation_1(&t, ifd0);
		cut_thumbnail(&t, ifd0);
	}
}
