/*
 * tiff_source.c: a TIFF page's image as the file holds it, for the keep
 * PDF when that is smaller than a re-encode (pages.h, source_img): its
 * JPEG strips joined into one JPEG as tiff2pdf does (and checked against
 * libtiff's decode), its palette indexes or its bilevel bits deflated.
 * SECURITY: parses uploaded bytes (JPEG markers in the strips, bounds
 * checked) through libtiff with the page source's error hooks.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "buf.h"
#include "jpegcodec.h"
#include "pdfwrite.h"
#include "raster.h"
#include "tiffutil.h"

/* The current page's rows as stored, packed, every strip whole: 0,
 * -ENOENT (damage: the engine's decode reports it) or -ENOMEM. */
static int
stored_rows(struct tsrc *s, uint32_t h, size_t rowb, struct buf *out)
{
	tmsize_t ssz = TIFFStripSize(s->tif), got;
	uint32_t rps = 0, y = 0;

	TIFFGetFieldDefaulted(s->tif, TIFFTAG_ROWSPERSTRIP, &rps);
	if (ssz <= 0 || rps == 0 || (uint64_t)rowb * h > SIZE_MAX / 2 ||
	    buf_resize(out, rowb * h + (size_t)ssz) < 0)
		return -ENOMEM;
	for (uint32_t k = 0; y < h; k++, y += rps) {
		got = TIFFReadEncodedStrip(s->tif, k, out->p + (size_t)y * rowb,
		    ssz);
		if (got < 0 || s->ctx.failed ||
		    (size_t)got < rowb * (h - y < rps ? h - y : rps))
			return -ENOENT;
	}
	out->len = rowb * h;
	return 0;
}

/* Packed samples of bits each (1, 2, 4 or 8) turned by an orientation:
 * unpacked to a byte each, turned, packed again. *w, *h become the
 * turned size. 0 or -ENOMEM. */
static int
turn_packed(struct buf *b, int bits, int *w, int *h, int orient)
{
	size_t rowb = ((size_t)*w * (size_t)bits + 7) / 8, nrowb;
	unsigned mask = (1u << bits) - 1;
	struct raster r;
	int rc;

	if (orient == 1)
		return 0;
	if ((rc = raster_init(&r, *w, *h, 1)) < 0)
		return rc;
	for (int y = 0; y < *h; y++)
		for (int x = 0; x < *w; x++) {
			size_t bit = (size_t)x * (size_t)bits;
			unsigned char v = b->p[(size_t)y * rowb + bit / 8];

			r.px[(size_t)y * (size_t)*w + (size_t)x] =
			    (unsigned char)(v >> (8 - bits - bit % 8) & mask);
		}
	if ((rc = raster_orient(&r, orient)) == 0) {
		nrowb = ((size_t)r.w * (size_t)bits + 7) / 8;
		if ((rc = buf_resize(b, nrowb * (size_t)r.h)) == 0)
			memset(b->p, 0, b->len);
		for (int y = 0; y < r.h && rc == 0; y++)
			for (int x = 0; x < r.w; x++) {
				size_t bit = (size_t)x * (size_t)bits;

				b->p[(size_t)y * nrowb + bit / 8] |=
				    (unsigned char)(r.px[(size_t)y *
							    (size_t)r.w +
							(size_t)x]
					<< (8 - bits - bit % 8));
			}
		*w = r.w, *h = r.h;
	}
	raster_release(&r);
	return rc;
}

/* src deflated into out. 0 or -ENOMEM. */
static int
deflate_buf(const struct buf *src, struct buf *out)
{
	uLongf n = compressBound((uLong)src->len);

	if (buf_resize(out, (size_t)n) < 0 ||
	    compress2(out->p, &n, src->p, (uLong)src->len, 9) != Z_OK)
		return -ENOMEM;
	out->len = (size_t)n;
	return 0;
}

/* A palette page as it is: its indexes deflated, its colour map (16-bit,
 * or 8-bit as some writers store it, as libtiff's RGBA reader guesses). */
static int
palette_img(struct tsrc *s, int page, const struct tiff_geo *g,
    struct buf *data, struct pdf_page_img *img)
{
	uint16_t bps = 8, *cm[3];
	struct buf rows = { 0 };
	int n, wide = 0, w = (int)g->w, h = (int)g->h, rc;

	TIFFGetFieldDefaulted(s->tif, TIFFTAG_BITSPERSAMPLE, &bps);
	if ((bps != 1 && bps != 2 && bps != 4 && bps != 8) ||
	    !TIFFGetField(s->tif, TIFFTAG_COLORMAP, &cm[0], &cm[1], &cm[2]))
		return -ENOENT;
	n = 1 << bps;
	for (int i = 0; i < n; i++)
		for (int c = 0; c < 3; c++)
			wide |= cm[c][i] > 255;
	for (int i = 0; i < n; i++)
		for (int c = 0; c < 3; c++)
			s->pal[page][3 * i + c] = (unsigned char)(wide ?
				cm[c][i] >> 8 :
				cm[c][i]);
	rc = stored_rows(s, g->h, ((size_t)w * bps + 7) / 8, &rows);
	if (rc == 0)
		rc = turn_packed(&rows, bps, &w, &h, g->orient);
	if (rc == 0)
		rc = deflate_buf(&rows, data);
	buf_release(&rows);
	*img = (struct pdf_page_img){ .w = w,
		.h = h,
		.ch = 1,
		.flate = 1,
		.bpc = bps,
		.palette = s->pal[page],
		.ncolours = n };
	return rc < 0 ? -ENOENT : 0;
}

/* Where a JPEG strip's frame and scan are (after its SOI and tables). */
struct jstrip {
	size_t sof, soflen, sos, soslen, data, end;
	int rows, cols, comps, hmax, vmax;
};

static unsigned
be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* 0, or -ENOENT when b is not one baseline frame and scan ending in EOI
 * (its own restart interval included: that would not join). */
static int
jstrip_parse(const unsigned char *b, size_t n, struct jstrip *j)
{
	size_t i = 2, len;
	unsigned m;

	*j = (struct jstrip){ .end = n - 2 };
	if (n < 8 || be16(b) != 0xffd8 || be16(b + n - 2) != 0xffd9)
		return -ENOENT;
	for (; i + 4 <= n && b[i] == 0xff; i += 2 + len) {
		m = b[i + 1], len = be16(b + i + 2);
		if (len < 2 || len > n - i - 2 || m == 0xdd ||
		    (m >= 0xc2 && m <= 0xcf && m != 0xc4 && m != 0xcc))
			return -ENOENT;
		if ((m == 0xc0 || m == 0xc1) && len >= 8 &&
		    len >= 8 + 3 * (size_t)b[i + 9]) {
			j->sof = i, j->soflen = 2 + len;
			j->rows = (int)be16(b + i + 5);
			j->cols = (int)be16(b + i + 7);
			j->comps = b[i + 9];
			for (int c = 0; c < j->comps; c++) {
				int f = b[i + 11 + 3 * c];

				j->hmax = f >> 4 > j->hmax ? f >> 4 : j->hmax;
				j->vmax = (f & 15) > j->vmax ? f & 15 : j->vmax;
			}
		}
		if (m == 0xda) {
			j->sos = i, j->soslen = 2 + len, j->data = i + 2 + len;
			return j->sof && j->hmax && j->vmax &&
				j->data <= j->end ?
			    0 :
			    -ENOENT;
		}
	}
	return -ENOENT;
}

/* Strip k's raw bytes into b. 0 or -ENOENT. */
static int
raw_strip(struct tsrc *s, uint32_t k, struct buf *b)
{
	uint64_t *cnt = NULL;

	b->len = 0;
	if (!TIFFGetField(s->tif, TIFFTAG_STRIPBYTECOUNTS, &cnt) || !cnt ||
	    cnt[k] == 0 || cnt[k] > s->ctx.in->len ||
	    buf_resize(b, (size_t)cnt[k]) < 0 ||
	    TIFFReadRawStrip(s->tif, k, b->p, (tmsize_t)cnt[k]) !=
		(tmsize_t)cnt[k] ||
	    s->ctx.failed)
		return -ENOENT;
	return 0;
}

/* Strip k joined onto out, the JPEG being made of a page's strips, as
 * tiff2pdf does: the first strip's frame (its height the page's) and
 * scan, then each next strip's entropy-coded data after a restart
 * marker, the restart interval being one strip's MCUs. */
static int
join_strip(struct tsrc *s, uint32_t k, uint32_t nk, const struct tiff_geo *g,
    uint32_t rps, struct jstrip *first, struct buf *b, struct buf *out)
{
	struct jstrip j;
	uint32_t rows = g->h - k * rps < rps ? g->h - k * rps : rps;
	unsigned char dri[6] = { 0xff, 0xdd, 0, 4, 0, 0 }, rst[2] = { 0xff, 0 };
	size_t at, mcus;

	if (raw_strip(s, k, b) < 0 || jstrip_parse(b->p, b->len, &j) < 0 ||
	    j.cols != (int)g->w || j.rows != (int)rows)
		return -ENOENT;
	if (k == 0) {
		*first = j;
		mcus = (size_t)(rps / (8u * (unsigned)j.vmax)) *
		    (((size_t)g->w + 8u * (size_t)j.hmax - 1) /
			(8u * (size_t)j.hmax));
		if (nk > 1 && (rps % (8u * (unsigned)j.vmax) || mcus > 65535))
			return -ENOENT;
		at = out->len + j.sof - 2;
		dri[4] = (unsigned char)(mcus >> 8),
		dri[5] = (unsigned char)mcus;
		if (buf_add(out, b->p + 2, j.sos - 2) < 0 ||
		    (nk > 1 && buf_add(out, dri, sizeof dri) < 0) ||
		    buf_add(out, b->p + j.sos, j.end - j.sos) < 0)
			return -ENOENT;
		out->p[at + 5] = (unsigned char)(g->h >> 8);
		out->p[at + 6] = (unsigned char)g->h;
		return 0;
	}
	/* a frame and scan like the first's (the decode check below has
	 * the last word) */
	if (j.soslen != first->soslen || j.soflen != first->soflen ||
	    j.comps != first->comps || j.hmax != first->hmax ||
	    j.vmax != first->vmax)
		return -ENOENT;
	rst[1] = (unsigned char)(0xd0 + ((k - 1) & 7));
	return buf_add(out, rst, 2) < 0 ||
		buf_add(out, b->p + j.data, j.end - j.data) < 0 ?
	    -ENOENT :
	    0;
}

#define DIFF_BAND 16 /* rows: a strip or an MCU row decoded wrong shows */

/* The largest mean absolute difference of two rasters of one shape over
 * a band of DIFF_BAND rows (a whole-page mean would let one wrong strip
 * of fifty pass); 255 when they differ in shape. */
static double
raster_diff(const struct raster *a, const struct raster *b)
{
	size_t row = (size_t)a->w * (size_t)a->ch, n;
	double worst = 0, d;
	uint64_t sum;

	if (a->w != b->w || a->h != b->h || a->ch != b->ch || row == 0 ||
	    a->h == 0)
		return 255;
	for (int y = 0; y < a->h; y += DIFF_BAND) {
		n = row * (size_t)(a->h - y < DIFF_BAND ? a->h - y : DIFF_BAND);
		sum = 0;
		for (size_t i = (size_t)y * row; i < (size_t)y * row + n; i++)
			sum += (uint64_t)abs(a->px[i] - b->px[i]);
		d = (double)sum / (double)n;
		worst = d > worst ? d : worst;
	}
	return worst;
}

/* A JPEG-compressed page as it is: its strips joined into one JPEG (and
 * its tables), drawn turned by the page when it has an orientation,
 * kept only when libjpeg-turbo decodes it to what libtiff decoded (r),
 * band by band. */
static int
dct_img(struct tsrc *s, const struct tiff_geo *g, const struct raster *r,
    struct buf *data, struct pdf_page_img *img)
{
	uint16_t photo = 0, spp = 1, bps = 8;
	uint32_t rps = 0, nk = TIFFNumberOfStrips(s->tif), tlen = 0;
	struct buf b = { 0 };
	struct raster chk = { 0 };
	struct jstrip first = { 0 };
	struct jpeg_head head = { 0 };
	void *tables = NULL;
	char msg[160];
	int tw, th, rc = 0;

	TIFFGetField(s->tif, TIFFTAG_PHOTOMETRIC, &photo);
	TIFFGetFieldDefaulted(s->tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
	TIFFGetFieldDefaulted(s->tif, TIFFTAG_BITSPERSAMPLE, &bps);
	TIFFGetFieldDefaulted(s->tif, TIFFTAG_ROWSPERSTRIP, &rps);
	if (bps != 8 || rps == 0 || nk == 0 ||
	    !((photo == PHOTOMETRIC_YCBCR && spp == 3) ||
		(photo == PHOTOMETRIC_MINISBLACK && spp == 1)))
		return -ENOENT;
	rps = rps > g->h ? g->h : rps;
	if (TIFFGetField(s->tif, TIFFTAG_JPEGTABLES, &tlen, &tables) &&
	    tables && tlen >= 4)
		rc = buf_add(data, tables, tlen - 2); /* SOI, tables */
	else
		rc = buf_add(data, "\xff\xd8", 2);
	for (uint32_t k = 0; k < nk && rc == 0; k++)
		rc = join_strip(s, k, nk, g, rps, &first, &b, data);
	if (rc == 0)
		rc = buf_add(data, "\xff\xd9", 2);
	/* drawn turned by the PDF page (no pixel moves), so the check turns
	 * libjpeg-turbo's decode */
	tw = g->orient >= 5 ? r->h : r->w, th = g->orient >= 5 ? r->w : r->h;
	if (rc == 0 &&
	    (jpeg_read_head(data->p, data->len, &head, NULL, msg, sizeof msg) <
		    0 ||
		jpeg_decode_to(data->p, data->len, tw, th,
		    s->ctx.in->lim->memory_mb, &chk, msg, sizeof msg) < 0 ||
		raster_orient(&chk, g->orient) < 0 ||
		raster_diff(&chk, r) > 2.0))
		rc = -ENOENT;
	*img = (struct pdf_page_img){ .w = head.w,
		.h = head.h,
		.ch = spp == 1 ? 1 : 3,
		.orient = g->orient };
	raster_release(&chk);
	buf_release(&b);
	return rc < 0 ? -ENOENT : 0;
}

/* A bilevel page's bits as they are, deflated, as two colours. */
static int
bilevel_img(struct tsrc *s, int page, const struct tiff_geo *g, uint16_t photo,
    struct buf *data, struct pdf_page_img *img)
{
	struct buf rows = { 0 };
	int w = (int)g->w, h = (int)g->h, rc;
	unsigned char ink = photo == PHOTOMETRIC_MINISBLACK ? 255 : 0;

	memset(s->pal[page], 255 - ink, 3);
	memset(s->pal[page] + 3, ink, 3);
	rc = stored_rows(s, g->h, ((size_t)w + 7) / 8, &rows);
	if (rc == 0)
		rc = turn_packed(&rows, 1, &w, &h, g->orient);
	if (rc == 0)
		rc = deflate_buf(&rows, data);
	buf_release(&rows);
	*img = (struct pdf_page_img){ .w = w,
		.h = h,
		.ch = 1,
		.flate = 1,
		.bpc = 1,
		.palette = s->pal[page],
		.ncolours = 2 };
	return rc < 0 ? -ENOENT : 0;
}

int
tsrc_source(void *arg, int page, const struct raster *r, struct buf *data,
    struct pdf_page_img *img)
{
	struct tsrc *s = arg;
	struct tiff_geo g;
	uint16_t photo = 0, spp = 1, planar = PLANARCONFIG_CONTIG, comp = 0;

	if (tsrc_page(s, page) < 0 || tiff_geometry(s->tif, &g) < 0 ||
	    s->pal == NULL || TIFFIsTiled(s->tif))
		return -ENOENT;
	TIFFGetField(s->tif, TIFFTAG_PHOTOMETRIC, &photo);
	TIFFGetFieldDefaulted(s->tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
	TIFFGetFieldDefaulted(s->tif, TIFFTAG_PLANARCONFIG, &planar);
	TIFFGetFieldDefaulted(s->tif, TIFFTAG_COMPRESSION, &comp);
	/* a G3 or G4 page stays G4: the coding made for it */
	if (r == NULL)
		return comp == COMPRESSION_CCITTFAX3 ||
			comp == COMPRESSION_CCITTFAX4 ||
			comp == COMPRESSION_CCITTRLE ||
			comp == COMPRESSION_CCITTRLEW ?
		    -ENOENT :
		    bilevel_img(s, page, &g, photo, data, img);
	if (photo == PHOTOMETRIC_PALETTE && spp == 1)
		return palette_img(s, page, &g, data, img);
	if (comp == COMPRESSION_JPEG && planar == PLANARCONFIG_CONTIG)
		return dct_img(s, &g, r, data, img);
	return -ENOENT;
}
