/*
 * jpeg_keep.c: the JPEG keep variant: the same picture, minus what no
 * viewer shows but a parser may act on. Header segments are walked and
 * copied one by one: JFIF, ICC profiles, Adobe's colour transform, the
 * tables and frames stay; EXIF is scrubbed (exif.c); XMP, comments, MPF
 * and other application segments go; the bytes after EOI go. An EXIF
 * orientation other than 1 is applied to the pixels (jpeg_rot.c, or a
 * re-encode when the MCU grid does not allow it), so the page is upright
 * in any viewer. Such a re-encode keeps the source's quantisation tables
 * (jpeg_quality.c) and chroma sampling, up to KEEP_QUALITY: the upright
 * copy costs about the upload's bytes, not 1.6 times them. Arithmetic
 * coding becomes Huffman, which every viewer decodes.
 * SECURITY: parses uploaded bytes. Every segment length is checked
 * against the buffer before a byte of it is read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exif.h"
#include "jpegcodec.h"
#include "raster.h"

#define KEEP_QUALITY 92

enum {
	M_SOF0 = 0xC0,
	M_SOF2 = 0xC2,
	M_SOF9 = 0xC9,
	M_SOF10 = 0xCA,
	M_DQT = 0xDB,
	M_SOI = 0xD8,
	M_EOI = 0xD9,
	M_SOS = 0xDA,
	M_APP0 = 0xE0,
	M_APP1 = 0xE1,
	M_APP2 = 0xE2,
	M_APP14 = 0xEE,
	M_COM = 0xFE
};

struct jwalk {
	const unsigned char *b;
	size_t len, pos;
	struct buf *out;
	int dropped;
	int junk;  /* bytes between segments, not copied */
	int arith; /* arithmetic-coded: most browsers show nothing */
	struct jpeg_upright up; /* what an upright copy is made with */
	struct exif_scrub ex;
};

static int
seg_has(const unsigned char *p, size_t n, const char *id, size_t idlen)
{
	return n >= idlen && memcmp(p, id, idlen) == 0;
}

/* Whether an application or comment segment stays. */
static int
seg_keep(int m, const unsigned char *p, size_t n)
{
	if (m == M_APP0)
		return seg_has(p, n, "JFIF\0", 5);
	if (m == M_APP2)
		return seg_has(p, n, "ICC_PROFILE\0", 12);
	if (m == M_APP14)
		return seg_has(p, n, "Adobe", 5);
	return !(m >= M_APP0 && m <= 0xEF) && m != M_COM;
}

/* An EXIF segment, scrubbed in a copy and appended. */
static int
seg_exif(struct jwalk *w, const unsigned char *seg, size_t n)
{
	unsigned char *cp;
	int rc;

	if (w->up.exif_seen++) {
		w->dropped = 1;
		return 0;
	}
	if ((cp = malloc(n + 4)) == NULL)
		return -ENOMEM;
	memcpy(cp, seg - 4, n + 4);
	exif_scrub(cp + 4, n, 1, &w->ex);
	w->up.exif_off = w->out->len + 4;
	w->up.exif_len = n;
	rc = buf_add(w->out, cp, n + 4);
	free(cp);
	return rc;
}

/* What a re-encode must match: the frame's chroma sampling and tables
 * (a SOF: precision, height, width, count, then id, HV, table per
 * component). */
static void
seg_frame(struct jwalk *w, const unsigned char *p, size_t n)
{
	if (n < 6 || n < 6 + 3 * (size_t)p[5])
		return;
	w->up.ncomp = p[5];
	for (int c = 0; c < p[5]; c++) {
		if (p[6 + 3 * c + 1] != p[6 + 1])
			w->up.subsampled = 1;
		if (c < 2)
			w->up.tq[c] = p[6 + 3 * c + 2] & 3;
	}
}

/* A JFIF segment's square density in dots per inch (units 1), or per
 * cm (units 2), for a re-encode to keep the page's printed size. */
static void
seg_density(struct jwalk *w, const unsigned char *p, size_t n)
{
	int x, y;

	if (n < 12 || (p[7] != 1 && p[7] != 2))
		return;
	x = p[8] << 8 | p[9], y = p[10] << 8 | p[11];
	if (x == y && x > 0)
		w->up.dpi = p[7] == 1 ? x : (int)(x * 2.54 + 0.5);
}

static int
seg_copy(struct jwalk *w, int m, size_t n)
{
	const unsigned char *p = w->b + w->pos + 4;

	if (m == M_APP0 && seg_has(p, n, "JFIF\0", 5))
		seg_density(w, p, n);
	if (m == M_DQT && jpeg_dqt_read(p, n, &w->up.qt) < 0)
		return -EINVAL;
	if ((m >= M_SOF0 && m <= M_SOF2) || (m >= M_SOF9 && m <= M_SOF10))
		seg_frame(w, p, n);
	w->arith |= m >= M_SOF9 && m <= M_SOF10;

	if (m == M_APP1 && seg_has(p, n, "Exif\0\0", 6))
		return seg_exif(w, p, n);
	if (!seg_keep(m, p, n)) {
		w->dropped = 1;
		return 0;
	}
	return buf_add(w->out, w->b + w->pos, n + 4);
}

/* The header up to SOS; 0, or -EINVAL when malformed. */
static int
walk_header(struct jwalk *w)
{
	size_t n;
	int m, rc;

	if (w->len < 4 || w->b[0] != 0xFF || w->b[1] != M_SOI)
		return -EINVAL;
	if ((rc = buf_add(w->out, w->b, 2)) < 0)
		return rc;
	for (w->pos = 2; w->pos + 4 <= w->len; w->pos += n + 4) {
		if (w->b[w->pos] != 0xFF || w->b[w->pos + 1] == 0x00) {
			/* junk where a marker is due: skipped, as libjpeg
			 * skips it ("extraneous bytes before marker") */
			w->junk = 1;
			n = w->b[w->pos] == 0xFF ? (size_t)-2 : (size_t)-3;
			continue;
		}
		m = w->b[w->pos + 1];
		if (m == 0xFF) { /* fill byte */
			n = (size_t)-3;
			continue;
		}
		if (m == M_SOS)
			return 0;
		n = (size_t)(w->b[w->pos + 2] << 8 | w->b[w->pos + 3]);
		if (n < 2 || n - 2 > w->len - w->pos - 4)
			return -EINVAL;
		n -= 2;
		if ((rc = seg_copy(w, m, n)) < 0)
			return rc;
	}
	return -EINVAL;
}

/* The end of the image: just past the EOI that ends the scans. */
static size_t
find_eoi(const unsigned char *b, size_t len, size_t pos)
{
	size_t n;
	int m;

	while (pos + 1 < len) {
		if (b[pos] != 0xFF) {
			pos++;
			continue;
		}
		m = b[pos + 1];
		if (m == 0x00 || m == 0xFF || (m >= 0xD0 && m <= 0xD7)) {
			pos += m == 0xFF ? 1 : 2;
			continue;
		}
		if (m == M_EOI)
			return pos + 2;
		/* a segment between scans: DHT, DQT, SOS, DRI, ... */
		if (pos + 4 > len)
			return 0;
		n = (size_t)(b[pos + 2] << 8 | b[pos + 3]);
		if (n < 2 || n > len - pos - 2)
			return 0;
		pos += 2 + n;
	}
	return 0;
}

static void
note(char *t, size_t tsz, const char *what)
{
	size_t l = strlen(t);

	snprintf(t + l, tsz - l, "%s%s", l ? ", " : "", what);
}

/* The re-encode's quantisation: a grey or YCbCr source's own tables,
 * transposed when the rotation swaps the axes, so that every frequency
 * is quantised as before; else its luma table's quality (a CMYK source,
 * whose tables are not luma and chroma), at most KEEP_QUALITY. */
static void
keep_quant(struct jpeg_upright *w, struct jpeg_enc_opts *o)
{
	int q = w->qt.have >> w->tq[0] & 1 ?
	    jpeg_qtable_quality(w->qt.t[w->tq[0]]) :
	    KEEP_QUALITY;

	o->quality = q < KEEP_QUALITY ? q : KEEP_QUALITY;
	if ((w->ncomp != 1 && w->ncomp != 3) || q > KEEP_QUALITY ||
	    !(w->qt.have >> w->tq[0] & 1) ||
	    (w->ncomp == 3 && !(w->qt.have >> w->tq[1] & 1)))
		return;
	if (w->orientation >= 5)
		jpeg_qtables_transpose(&w->qt);
	o->quant[0] = w->qt.t[w->tq[0]];
	if (w->ncomp == 3)
		o->quant[1] = w->qt.t[w->tq[1]];
}

/* Re-encodes the cleaned JPEG upright, when no lossless way exists; the
 * upright pixels are left in r (the menu starts from them). */
static int
reencode_upright(struct jpeg_upright *w, const struct buf *clean,
    uint64_t memory_mb, struct buf *out, struct raster *r)
{
	struct jpeg_head h;
	struct buf icc = { 0 };
	/* standard Huffman tables, as every encode of the engine: optimised
	 * ones cost 2.7 times the encode for 7% fewer bytes */
	struct jpeg_enc_opts o = { .subsample = w->subsampled,
		.fast = 1,
		.dpi = w->dpi };
	char msg[160];
	int rc;

	/* the whole profile (all its chunks); jpeg_encode leaves out one
	 * that does not fit the pixels (CMYK) */
	if ((rc = jpeg_read_head(clean->p, clean->len, &h, &icc, msg,
		 sizeof msg)) == 0 &&
	    (rc = jpeg_decode_to(clean->p, clean->len, h.w, h.h, memory_mb, r,
		 msg, sizeof msg)) == 0 &&
	    (rc = raster_orient(r, w->orientation)) == 0) {
		o.icc = icc.p, o.icclen = icc.len;
		keep_quant(w, &o);
		if (w->exif_seen) {
			o.exif = clean->p + w->exif_off;
			o.exiflen = w->exif_len;
		}
		rc = jpeg_encode(r, &o, out);
	}
	buf_release(&icc);
	if (rc < 0)
		raster_release(r);
	return rc;
}

/* After a rewrite of clean into made that returned rc: made replaces
 * clean when rc is 0, else made is released. rc. */
static int
replace(struct buf *clean, struct buf *made, int rc)
{
	if (rc < 0) {
		buf_release(made);
		return rc;
	}
	buf_release(clean);
	*clean = *made;
	*made = (struct buf){ 0 };
	return 0;
}

/* A JPEG whose data ends before its EOI, rewritten from what libjpeg
 * reads of it (jpeg_rewrite): the picture djpeg shows, in a whole file.
 * -ENODATA, with t saying why, when that is not the picture. */
static int
complete(struct buf *clean, uint64_t memory_mb, char *t, size_t tsz)
{
	struct buf fixed = { 0 };
	char msg[200]; /* libjpeg's messages are shorter */
	int missing, rc;

	rc = jpeg_rewrite(clean->p, clean->len, memory_mb, &fixed, &missing,
	    msg, sizeof msg);
	if ((rc = replace(clean, &fixed, rc)) < 0) {
		if (rc == -ENODATA || rc == -EINVAL)
			snprintf(t, tsz, "%s", msg);
		return rc;
	}
	if (missing < 0)
		note(t, tsz, "end of file rebuilt");
	else if (missing == 0) /* a progressive JPEG's last refinements */
		note(t, tsz, "file incomplete: last rows less sharp");
	else {
		snprintf(msg, sizeof msg,
		    "file incomplete: last %d.%d%% of "
		    "rows missing",
		    missing / 10, missing % 10);
		note(t, tsz, msg);
	}
	return 0;
}

static int
apply_orientation(struct jpeg_upright *w, struct buf *clean, uint64_t memory_mb,
    char *t, size_t tsz, struct raster *upright)
{
	struct buf rot = { 0 };
	int rc;

	rc = jpeg_rotate_lossless(clean->p, clean->len, w->orientation,
	    memory_mb, &rot);
	if (rc == -ERANGE || rc == -ENOMEM) {
		buf_release(&rot);
		rc = reencode_upright(w, clean, memory_mb, &rot, upright);
	}
	if ((rc = replace(clean, &rot, rc)) == 0)
		note(t, tsz, "rotated upright");
	return rc;
}

/* An arithmetic-coded JPEG (which Chrome, Firefox and most case-system
 * viewers cannot show, though libjpeg-turbo can) as the same
 * coefficients with Huffman codes, progressive: every pixel as it was. */
static int
huffman_coded(struct buf *clean, uint64_t memory_mb, char *t, size_t tsz)
{
	struct buf h = { 0 };
	int rc = jpeg_progressive(clean->p, clean->len, memory_mb, &h);

	if ((rc = replace(clean, &h, rc)) == 0)
		note(t, tsz, "arithmetic coding rewritten as Huffman");
	return rc;
}

int
jpeg_keep_upright(struct jpeg_upright *up, struct buf *keep, uint64_t memory_mb,
    char *t, size_t tsz, struct raster *upright)
{
	int rc = 0;

	t[0] = '\0';
	*upright = (struct raster){ 0 };
	if (up->orientation != 1)
		rc = apply_orientation(up, keep, memory_mb, t, tsz, upright);
	up->orientation = 1;
	return rc;
}

int
jpeg_keep(const unsigned char *buf, size_t len, uint64_t memory_mb,
    struct buf *out, char *t, size_t tsz, int *orientation,
    struct raster *upright, struct jpeg_upright *later)
{
	struct jwalk w = { .b = buf,
		.len = len,
		.out = out,
		.ex = { .orientation = 1, .tag = -1 } };
	size_t end;
	int rc, cut;

	t[0] = '\0';
	*upright = (struct raster){ 0 };
	if (later)
		later->orientation = 1;
	if ((rc = walk_header(&w)) < 0)
		return rc;
	/* the upload ends early: complete(); an upload cut short is often
	 * padded with zeros to its size, which libjpeg would read as codes
	 * (a smear where the picture stopped): they go first */
	if ((cut = (end = find_eoi(buf, len, w.pos)) == 0))
		for (end = len; end > w.pos && buf[end - 1] == 0x00; end--)
			;
	if ((rc = buf_add(out, buf + w.pos, end - w.pos)) < 0)
		return rc;
	if (end < len)
		note(t, tsz, "trailing data removed");
	if (w.ex.gps)
		note(t, tsz, "GPS removed");
	if (w.ex.serial)
		note(t, tsz, "device serials removed");
	if (w.dropped)
		note(t, tsz, "metadata removed");
	if (w.junk)
		note(t, tsz, "junk between segments removed");
	if (cut && (rc = complete(out, memory_mb, t, tsz)) < 0)
		return rc;
	*orientation = w.ex.orientation;
	w.up.orientation = w.ex.orientation;
	if (w.ex.orientation != 1 && later) { /* the caller may need none */
		*later = w.up;
		return 0;
	}
	if (w.ex.orientation != 1) /* both ways write Huffman codes */
		return apply_orientation(&w.up, out, memory_mb, t, tsz,
		    upright);
	if (w.arith && (rc = huffman_coded(out, memory_mb, t, tsz)) < 0)
		return rc;
	if (w.ex.tag > 1 || w.ex.tag == 0)
		note(t, tsz, "invalid orientation reset");
	return 0;
}
