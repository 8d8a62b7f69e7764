/*
 * png_lossless.c: a smaller PNG with exactly the same pixels, for the
 * few-colour images people make on a computer (a certificate saved from a
 * website, a screenshot of a form): when the image, alpha flattened onto
 * white as everywhere in the engine, has at most 256 colours, it is
 * rewritten as a palette PNG at the fewest bits per pixel; with up to
 * 4096 (antialiased coloured text) as 8-bit RGB. A photo or a scan (many
 * colours, or a new colour at nearly every pixel) gets nothing here: its
 * JPEG variants are what make it small. The colour chunks that say how
 * to show the pixels (gAMA, cHRM, sRGB, iCCP) and the resolution (pHYs)
 * are copied as they are. 16-bit images are not offered: their pixels
 * would not survive.
 * SECURITY: decodes uploaded bytes through png_rows (libpng with its
 * limits); the colour chunks are copied by length within the checked
 * buffer, never parsed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pngcodec.h"
#include "pngutil.h"
#include "raster.h"

#define MAX_COLOURS 256	 /* a palette */
#define FEW_COLOURS 4096 /* born-digital, not a photo or a scan */
#define MAX_RUN_SHARE 4	 /* runs per pixel: at most a quarter */
#define SLOTS 16384	 /* open addressing, a quarter full at most */
#define EMPTY UINT32_MAX

/* The image's colours, in order of first use (up to FEW_COLOURS). */
struct palette {
	uint32_t slot[SLOTS]; /* colour, or EMPTY */
	uint16_t at[SLOTS];   /* its index */
	uint32_t colour[FEW_COLOURS];
	int n;
};

static uint32_t
rgb_at(const unsigned char *p, int ch)
{
	return ch == 1 ? (uint32_t)p[0] * 0x010101u :
			 (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* Index of colour c, added when new; -1 past FEW_COLOURS. */
static int
palette_index(struct palette *pl, uint32_t c)
{
	uint32_t h = (c * 2654435761u) >> 18; /* 14 bits: SLOTS */

	while (pl->slot[h] != EMPTY && pl->slot[h] != c)
		h = (h + 1) & (SLOTS - 1);
	if (pl->slot[h] == c)
		return pl->at[h];
	if (pl->n == FEW_COLOURS)
		return -1;
	pl->slot[h] = c;
	pl->at[h] = (uint16_t)pl->n;
	pl->colour[pl->n] = c;
	return pl->n++;
}

/* The image as it is decoded: its pixels, their colours and, while
 * there are at most MAX_COLOURS, each pixel's index; the runs of one
 * colour so far (a pixel unlike the one before starts one). */
struct census {
	struct raster r;
	struct palette pl;
	uint8_t *idx;
	uint32_t last;
	long long runs, max_runs;
};

/* png_rows' sink: stops as soon as the image is plainly not made on a
 * computer (too many colours, or too many runs: a scan's noise or a
 * photo's gradients change colour at nearly every pixel; 0.9 runs per
 * pixel on a scan, 0.05 on a certificate made on a computer). A run
 * costs one comparison a pixel. 0, or -ECANCELED (stop: not made on a
 * computer) or -ENOMEM, either of which stops png_rows. */
static int
census_row(void *ctx, int y, int w, int h, int ch, const unsigned char *row)
{
	struct census *c = ctx;
	uint8_t *idx;
	uint32_t v;
	int at = 0;

	if (y == 0) {
		if (raster_init(&c->r, w, h, ch) < 0 ||
		    (c->idx = malloc((size_t)w * (size_t)h)) == NULL)
			return -ENOMEM;
		c->max_runs = (long long)w * h / MAX_RUN_SHARE;
	}
	memcpy(c->r.px + (size_t)y * (size_t)w * (size_t)ch, row,
	    (size_t)w * (size_t)ch);
	idx = c->idx + (size_t)y * (size_t)w;
	for (int x = 0; x < w; x++, row += ch) {
		v = rgb_at(row, ch);
		if (v != c->last) {
			if ((at = palette_index(&c->pl, v)) < 0 ||
			    ++c->runs > c->max_runs)
				return -ECANCELED;
			c->last = v;
		}
		if (c->pl.n <= MAX_COLOURS)
			idx[x] = (uint8_t)at;
	}
	/* a scan is dense from its first text lines: do not wait for the
	 * whole image to say so (a made page stays under 0.3) */
	if (y >= h / 32 && c->runs * 2 > (long long)(y + 1) * w)
		return -ECANCELED;
	return 0;
}

static int
bits_for(int colours)
{
	return colours <= 2 ? 1 : colours <= 4 ? 2 : colours <= 16 ? 4 : 8;
}

/* Row y of idx packed at `bits` per pixel, most significant first. */
static void
pack_row(const uint8_t *idx, int w, int bits, png_byte *row)
{
	int per = 8 / bits;

	if (bits == 8) {
		memcpy(row, idx, (size_t)w);
		return;
	}
	memset(row, 0, ((size_t)w * (size_t)bits + 7) / 8);
	for (int x = 0; x < w; x++)
		row[x / per] |= (png_byte)(idx[x]
		    << (8 - bits * (x % per + 1)));
}

struct pwrite {
	png_structp png;
	png_infop info;
	struct buf *out;
	int failed;
	const struct raster *r;	  /* the image: */
	const struct palette *pl; /* its palette and indexes, or NULL */
	const uint8_t *idx;
	png_byte *row; /* a row of packed indexes */
};

static void
pw_write(png_structp png, png_bytep p, size_t n)
{
	struct pwrite *w = png_get_io_ptr(png);

	if (buf_add(w->out, p, n) < 0)
		png_error(png, "no memory");
}

static void
pw_flush(png_structp png)
{
	(void)png;
}

/* Writes w's image (palette pl with indexes idx, or r's own grey or RGB
 * pixels when pl is NULL) as a PNG into out, under png_guard: libpng's
 * errors longjmp out of it. */
static int
pw_body(void *arg)
{
	struct pwrite *w = arg;
	const struct raster *r = w->r;
	const struct palette *pl = w->pl;
	const uint8_t *idx = w->idx;
	png_byte *row = w->row;
	png_color pal[MAX_COLOURS];
	int bits = pl ? bits_for(pl->n) : 8;

	png_set_write_fn(w->png, w, pw_write, pw_flush);
	png_set_compression_level(w->png, 6);
	png_set_IHDR(w->png, w->info, (png_uint_32)r->w, (png_uint_32)r->h,
	    bits,
	    pl		   ? PNG_COLOR_TYPE_PALETTE :
		r->ch == 1 ? PNG_COLOR_TYPE_GRAY :
			     PNG_COLOR_TYPE_RGB,
	    PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	    PNG_FILTER_TYPE_DEFAULT);
	if (pl) {
		for (int i = 0; i < pl->n; i++)
			pal[i] = (png_color){ .red = pl->colour[i] >> 16 & 255,
				.green = pl->colour[i] >> 8 & 255,
				.blue = pl->colour[i] & 255 };
		png_set_PLTE(w->png, w->info, pal, pl->n);
		/* palette data compresses best unfiltered */
		png_set_filter(w->png, 0, PNG_FILTER_NONE);
	}
	png_write_info(w->png, w->info);
	for (int y = 0; y < r->h; y++) {
		if (pl)
			pack_row(idx + (size_t)y * (size_t)r->w, r->w, bits,
			    row);
		png_write_row(w->png,
		    pl ? row :
			 r->px + (size_t)y * (size_t)r->w * (size_t)r->ch);
	}
	png_write_end(w->png, NULL);
	return 0;
}

static int
png_write_mem(const struct raster *r, const struct palette *pl,
    const uint8_t *idx, struct buf *out)
{
	struct pwrite w = { .out = out,
		.r = r,
		.pl = pl,
		.idx = idx,
		.row = malloc((size_t)r->w) };
	int rc = -ENOMEM;

	w.png = png_writer_new();
	if (w.row && w.png && (w.info = png_create_info_struct(w.png)) != NULL)
		rc = png_guard(w.png, pw_body, &w) < 0 ? -ENOMEM : 0;
	if (w.png)
		png_destroy_write_struct(&w.png, &w.info);
	free(w.row);
	return rc;
}

/* Copies the source's colour and resolution chunks after out's IHDR. */
static int
splice_chunks(const unsigned char *b, size_t len, struct buf *out)
{
	static const char *const kept[] = { "gAMA", "cHRM", "sRGB", "iCCP",
		"pHYs" };
	struct buf o = { 0 };
	size_t pos = 8, n, ihdr = 8 + 12 + 13;
	int rc = buf_add(&o, out->p, ihdr);

	while (rc == 0 && (n = png_chunk_len(b, len, pos)) != SIZE_MAX &&
	    memcmp(b + pos + 4, "IDAT", 4) != 0) {
		for (size_t k = 0; k < sizeof kept / sizeof *kept; k++)
			if (memcmp(b + pos + 4, kept[k], 4) == 0)
				rc = buf_add(&o, b + pos, n + 12);
		pos += n + 12;
	}
	if (rc == 0)
		rc = buf_add(&o, out->p + ihdr, out->len - ihdr);
	buf_release(out);
	*out = o;
	return rc;
}

int
png_encode_like(const unsigned char *buf, size_t len, const struct raster *r,
    struct buf *out)
{
	int rc = png_write_mem(r, NULL, NULL, out);

	if (rc == 0)
		rc = splice_chunks(buf, len, out);
	if (rc < 0)
		buf_release(out);
	return rc;
}

int
png_lossless(const unsigned char *buf, size_t len, struct buf *out,
    struct raster *pixels, struct buf *icc)
{
	struct census *c;
	int rc;

	*pixels = (struct raster){ 0 };
	/* IHDR comes first (png_keep and libpng hold the file to that) */
	if (len < 33 || memcmp(buf + 12, "IHDR", 4) != 0 || buf[24] > 8)
		return 0;
	if ((c = calloc(1, sizeof *c)) == NULL)
		return -ENOMEM;
	for (int i = 0; i < SLOTS; i++)
		c->pl.slot[i] = EMPTY;
	c->last = EMPTY;
	/* stopped, or corrupt (the engine's own decode reports it): none */
	rc = png_rows(buf, len, icc, census_row, c) == 0 ?
	    png_write_mem(&c->r, c->pl.n <= MAX_COLOURS ? &c->pl : NULL, c->idx,
		out) :
	    -ECANCELED;
	if (rc == 0 && out->len)
		rc = splice_chunks(buf, len, out);
	if (rc == 0) { /* decoded whole: the engine starts there */
		*pixels = c->r;
		c->r = (struct raster){ 0 };
	}
	if (rc < 0)
		buf_release(out);
	rc = rc == -ECANCELED ? 0 : rc;
	raster_release(&c->r);
	free(c->idx);
	free(c);
	return rc;
}
