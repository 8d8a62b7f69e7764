/*
 * png_engine.c: the PNG side of the engine. keep: the chunks up to IEND,
 * minus the ones that carry text and metadata (tEXt, zTXt, iTXt, eXIf);
 * nothing after IEND (png_orientation reads an eXIf's orientation first:
 * fmt_png.c then keeps the upright pixels instead). Pages: every PNG flavour
 * (palette, grey, 16-bit, alpha, interlaced) decoded to 8-bit grey or RGB,
 * alpha flattened onto white, straight through the area resampler to the target
 * size. SECURITY: parses uploaded bytes. Chunk lengths are checked against the
 * buffer; libpng errors longjmp to pngutil.h's guard; an interlaced image,
 * which must be held whole, is refused above PNG_INTERLACED_MAX bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exif.h"
#include "pngcodec.h"
#include "pngutil.h"
#include "raster.h"

#define PNG_INTERLACED_MAX (96u << 20)

static const char *const png_dropped[] = { "tEXt", "zTXt", "iTXt", "eXIf" };

static int
chunk_dropped(const unsigned char *type)
{
	for (size_t i = 0; i < sizeof png_dropped / sizeof *png_dropped; i++)
		if (memcmp(type, png_dropped[i], 4) == 0)
			return 1;
	return 0;
}

size_t
png_chunk_len(const unsigned char *b, size_t len, size_t pos)
{
	size_t n;

	if (pos > len || len - pos < 12)
		return SIZE_MAX;
	n = (size_t)b[pos] << 24 | (size_t)b[pos + 1] << 16 |
	    (size_t)b[pos + 2] << 8 | b[pos + 3];
	return n > len - pos - 12 ? SIZE_MAX : n;
}

int
png_orientation(const unsigned char *b, size_t len)
{
	struct exif_scrub ex = { .orientation = 1 };
	unsigned char *cp;
	size_t pos = 8, n;

	while ((n = png_chunk_len(b, len, pos)) != SIZE_MAX &&
	    memcmp(b + pos + 4, "IDAT", 4) != 0) {
		if (memcmp(b + pos + 4, "eXIf", 4) == 0) {
			/* exif_scrub reads an APP1 payload: "Exif\0\0" first */
			if ((cp = malloc(n + 6)) == NULL)
				return 1;
			memcpy(cp, "Exif\0\0", 6);
			memcpy(cp + 6, b + pos + 8, n);
			exif_scrub(cp, n + 6, 0, &ex);
			free(cp);
			return ex.orientation;
		}
		pos += n + 12;
	}
	return 1;
}

int
png_keep(const unsigned char *b, size_t len, struct buf *out, int *dropped,
    int *trailing)
{
	size_t pos = 8, n;
	int rc;

	*dropped = *trailing = 0;
	if (len < 8 || (rc = buf_add(out, b, 8)) < 0)
		return len < 8 ? -EINVAL : rc;
	while ((n = png_chunk_len(b, len, pos)) != SIZE_MAX) {
		if (chunk_dropped(b + pos + 4))
			*dropped = 1;
		else if ((rc = buf_add(out, b + pos, n + 12)) < 0)
			return rc;
		pos += n + 12;
		if (memcmp(b + pos - n - 8, "IEND", 4) == 0) {
			*trailing = pos < len;
			return 0;
		}
	}
	return -EINVAL;
}

struct pdec {
	png_structp png;
	png_infop info;
	struct pngsrc src;   /* the PNG, libpng's message */
	int tw, th, ch, pch; /* out channels; libpng's after transforms */
	struct raster *out;
	struct buf *icc;   /* the iCCP profile, or NULL: not wanted */
	png_row_sink sink; /* rows go here instead, when set */
	void *sink_ctx;
	struct resampler *rs;
	png_bytep row, flat, whole;
	int stopped; /* by the sink */
};

/* The iCCP chunk's profile (libpng inflated and checked it), if any. */
static void
pdec_icc(struct pdec *p)
{
	png_charp name;
	png_bytep prof;
	png_uint_32 n;
	int comp;

	if (p->icc != NULL &&
	    png_get_iCCP(p->png, p->info, &name, &comp, &prof, &n) ==
		PNG_INFO_iCCP &&
	    buf_add(p->icc, prof, n) < 0)
		png_error(p->png, "no memory for the ICC profile");
}

/* One decoded row to out's channels: alpha over white. */
static void
flatten(const struct pdec *p, const png_byte *s, png_byte *d, int w)
{
	int a, c, grey = p->ch == 1, alpha = p->pch == 2 || p->pch == 4;

	for (int x = 0; x < w; x++, s += p->pch, d += p->ch) {
		a = alpha ? s[p->pch - 1] : 255;
		for (c = 0; c < p->ch; c++)
			d[c] = (png_byte)((s[grey ? 0 : c] * a +
					      255 * (255 - a) + 127) /
			    255);
	}
}

static void
pdec_transforms(struct pdec *p)
{
	png_structp png = p->png;
	int ct;

	png_set_expand(png);
	png_set_strip_16(png);
	png_set_interlace_handling(png);
	png_read_update_info(png, p->info);
	ct = png_get_color_type(png, p->info);
	p->pch = png_get_channels(png, p->info);
	p->ch = ct == PNG_COLOR_TYPE_GRAY || ct == PNG_COLOR_TYPE_GRAY_ALPHA ?
	    1 :
	    3;
}

/* Flattens source row y and passes it on: to the sink, or into the
 * resampler. */
static void
pdec_emit(struct pdec *p, const png_byte *row, int y, int w, int h)
{
	flatten(p, row, p->flat, w);
	if (p->sink == NULL)
		resampler_row(p->rs, p->flat);
	else if (p->sink(p->sink_ctx, y, w, h, p->ch, p->flat) < 0) {
		snprintf(p->src.msg, sizeof p->src.msg, "stopped");
		p->stopped = 1;
		png_longjmp(p->png, 1);
	}
}

static void
pdec_rows(struct pdec *p, int w, int h)
{
	size_t rb = png_get_rowbytes(p->png, p->info);

	if (png_get_interlace_type(p->png, p->info) != PNG_INTERLACE_NONE) {
		if ((size_t)h > PNG_INTERLACED_MAX / rb)
			png_error(p->png, "interlaced image too large");
		png_bytep *rows = png_malloc(p->png, (size_t)h * sizeof *rows);

		p->whole = png_malloc(p->png, (size_t)h * rb);
		for (int y = 0; y < h; y++)
			rows[y] = p->whole + (size_t)y * rb;
		png_read_image(p->png, rows);
		png_free(p->png, rows);
		for (int y = 0; y < h; y++)
			pdec_emit(p, p->whole + (size_t)y * rb, y, w, h);
		return;
	}
	for (int y = 0; y < h; y++) {
		png_read_row(p->png, p->row, NULL);
		pdec_emit(p, p->row, y, w, h);
	}
}

/* The decode, under png_guard: libpng's errors longjmp out of it. */
static int
pdec_run(void *arg)
{
	struct pdec *p = arg;
	int w, h;

	png_read_info(p->png, p->info);
	pdec_icc(p);
	pdec_transforms(p);
	w = (int)png_get_image_width(p->png, p->info);
	h = (int)png_get_image_height(p->png, p->info);
	if (p->sink == NULL &&
	    (p->tw > w || p->th > h ||
		raster_init(p->out, p->tw, p->th, p->ch) < 0 ||
		resampler_new(&p->rs, w, h, p->out) < 0))
		png_error(p->png, "cannot allocate the page");
	p->row = png_malloc(p->png, png_get_rowbytes(p->png, p->info));
	p->flat = png_malloc(p->png, (size_t)w * 3);
	pdec_rows(p, w, h);
	png_read_end(p->png, NULL); /* the chunks after, to IEND */
	return 0;
}

/* Runs p (set up by a caller below) and frees libpng's side of it. */
static int
pdec_do(struct pdec *p)
{
	int rc = -1;

	if (png_reader_new(&p->src, &p->png, &p->info) == 0)
		rc = png_guard(p->png, pdec_run, p);
	if (rc < 0 && !p->src.msg[0])
		snprintf(p->src.msg, sizeof p->src.msg, "no memory");
	if (p->png) {
		png_free(p->png, p->row);
		png_free(p->png, p->flat);
		png_free(p->png, p->whole);
		png_destroy_read_struct(&p->png, &p->info, NULL);
	}
	resampler_free(p->rs);
	return rc;
}

int
png_decode_to(const unsigned char *buf, size_t len, int tw, int th,
    struct raster *out, struct buf *icc, char *msg, size_t msgsz)
{
	struct pdec p = { .src = { .buf = buf, .len = len },
		.tw = tw,
		.th = th,
		.out = out,
		.icc = icc };

	*out = (struct raster){ 0 };
	if (pdec_do(&p) == 0)
		return 0;
	snprintf(msg, msgsz, "png: %s", p.src.msg);
	raster_release(out);
	return -EINVAL;
}

int
png_rows(const unsigned char *buf, size_t len, struct buf *icc,
    png_row_sink sink, void *ctx)
{
	struct pdec p = { .src = { .buf = buf, .len = len },
		.icc = icc,
		.sink = sink,
		.sink_ctx = ctx };

	if (pdec_do(&p) == 0)
		return 0;
	return p.stopped ? -ECANCELED : -EINVAL;
}
