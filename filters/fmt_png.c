/*
 * fmt_png.c: PNG through libpng: header limits, then a full decode of
 * every row (all interlace passes) and the chunks up to IEND, here when
 * only probing, else by the engine (png_engine.c), which reads as much.
 * An eXIf orientation before IDAT, which browsers apply, is applied.
 * SECURITY: parses uploaded bytes through pngutil.h's reader: errors
 * longjmp to the png_struct's own jmp_buf from png_guard; chunk count and
 * chunk size are capped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "engine.h"
#include "filter.h"
#include "pages.h"
#include "pngcodec.h"
#include "pngutil.h"
#include "raster.h"

struct pctx {
	png_structp png;
	png_infop info;
	const struct filter_input *in;
	struct pngsrc src; /* in's bytes, libpng's message */
	png_bytep row;
	struct uniform uni;
};

static int
png_header(void *arg)
{
	struct pctx *ctx = arg;

	png_read_info(ctx->png, ctx->info);
	return 0;
}

static int
png_decode(void *arg)
{
	struct pctx *ctx = arg;
	png_structp png = ctx->png;
	png_uint_32 y, h = png_get_image_height(png, ctx->info);
	int pass, passes = png_set_interlace_handling(png);
	size_t rowlen, pixel;

	png_set_packing(png); /* one byte per sample, for uniform_row */
	png_read_update_info(png, ctx->info);
	rowlen = png_get_rowbytes(png, ctx->info);
	if ((ctx->row = calloc(1, rowlen)) == NULL)
		png_error(png, "out of memory for a row");
	/* Interlaced passes fill a row piecemeal: judge only plain images. */
	pixel = passes > 1 ? 0 : rowlen / png_get_image_width(png, ctx->info);
	uniform_init(&ctx->uni, pixel);
	for (pass = 0; pass < passes; pass++)
		for (y = 0; y < h; y++) {
			png_read_row(png, ctx->row, NULL);
			uniform_row(&ctx->uni, ctx->row, rowlen);
		}
	png_read_end(png, NULL);
	return 0;
}

static void
png_verdict(struct pctx *ctx, struct filter_report *rep)
{
	rep->pages = 1;
	if (png_guard(ctx->png, png_header, ctx) < 0) {
		filter_set_status(rep, FS_CORRUPT, "png: %s", ctx->src.msg);
		return;
	}
	rep->width = png_get_image_width(ctx->png, ctx->info);
	rep->height = png_get_image_height(ctx->png, ctx->info);
	if (filter_too_many_pixels((uint64_t)rep->width, (uint64_t)rep->height,
		ctx->in->lim))
		filter_set_limit(rep, "pixels");
	else if (!ctx->in->lim->probe_only &&
	    !pages_lowres(ctx->in->lim, (int)rep->width, (int)rep->height))
		rep->status = FS_OK; /* the engine's decode judges the rest */
	else if (png_guard(ctx->png, png_decode, ctx) < 0)
		filter_set_status(rep, FS_CORRUPT, "png: %s", ctx->src.msg);
	else if (ctx->uni.blank)
		filter_set_status(rep, FS_BLANK, "png: one flat colour");
	else
		rep->status = FS_OK;
}

static int
png_probe(const struct filter_input *in, struct filter_report *rep)
{
	struct pctx ctx = { .in = in,
		.src = { .buf = in->buf, .len = in->len } };
	int rc;

	if ((rc = png_reader_new(&ctx.src, &ctx.png, &ctx.info)) == 0)
		png_verdict(&ctx, rep);
	if (ctx.png != NULL)
		png_destroy_read_struct(&ctx.png, &ctx.info, NULL);
	free(ctx.row);
	return rc;
}

/* The page source of a PNG: its one image. */
struct psrc {
	struct image_src img; /* pixels: decoded whole by png_lossless */
	const struct filter_input *in;
	int w, h;
};

static int
psrc_info(void *ctx, int page, int *w, int *h, int *bilevel)
{
	struct psrc *s = ctx;

	(void)page;
	*w = s->w, *h = s->h, *bilevel = 0;
	return 0;
}

static int
psrc_decode(void *ctx, int page, int tw, int th, struct raster *out, char *msg,
    size_t msgsz)
{
	struct psrc *s = ctx;

	(void)page;
	if (s->img.pixels.px != NULL) /* no second decode */
		return image_src_resample(&s->img, tw, th, out, msg, msgsz);
	buf_release(&s->img.icc); /* a page decoded again reads it again */
	return png_decode_to(s->in->buf, s->in->len, tw, th, out, &s->img.icc,
	    msg, msgsz);
}

/* A PNG whose eXIf orientation is not 1: keep becomes the upright pixels
 * (which the engine starts from) as a PNG, as a browser shows it. 0,
 * -EINVAL (corrupt) or -ENOMEM. */
static int
png_upright(struct engine *e, struct psrc *s, int orientation)
{
	char msg[160];
	int rc;

	if ((rc = png_decode_to(e->in->buf, e->in->len, s->w, s->h,
		 &s->img.pixels, &s->img.icc, msg, sizeof msg)) < 0)
		return rc;
	if ((rc = raster_orient(&s->img.pixels, orientation)) < 0)
		return rc;
	s->w = s->img.pixels.w, s->h = s->img.pixels.h;
	e->rep->width = s->w, e->rep->height = s->h;
	buf_release(&e->out);
	if ((rc = png_encode_like(e->in->buf, e->in->len, &s->img.pixels,
		 &e->out)) == 0)
		engine_note(e, "rotated upright");
	return rc;
}

static int
png_emit(struct engine *e)
{
	const struct filter_limits *lim = e->in->lim;
	struct psrc s = { .in = e->in,
		.w = (int)e->rep->width,
		.h = (int)e->rep->height };
	struct page_src src = { .npages = 1,
		.ctx = &s,
		.info = psrc_info,
		.decode = psrc_decode,
		.lossless_ext = "png" };
	int dropped, trailing, rc;
	int orientation = png_orientation(e->in->buf, e->in->len);

	if ((rc = png_keep(e->in->buf, e->in->len, &e->out, &dropped,
		 &trailing)) == 0 &&
	    orientation != 1)
		rc = png_upright(e, &s, orientation);
	if (rc == -EINVAL) {
		image_src_release(&s.img);
		filter_set_status(e->rep, FS_CORRUPT, "png: bad chunk");
		return 0;
	}
	/* an upright keep is its own lossless rewrite */
	if (rc == 0 && orientation == 1 &&
	    (lim->menu || strcmp(lim->variant, "lossless") == 0))
		rc = png_lossless(e->in->buf, e->in->len, &s.img.lossless,
		    &s.img.pixels, &s.img.icc);
	if (rc < 0) {
		image_src_release(&s.img);
		return rc;
	}
	if (trailing)
		engine_note(e, "trailing data removed");
	if (dropped)
		engine_note(e, "metadata removed");
	engine_out_type(e, "image/png", "png");
	return image_src_run(e, &s.img, &src, "png");
}

const struct fmt_ops fmt_png = {
	.mime = "image/png",
	.ext = "png",
	.probe = png_probe,
	.emit = png_emit,
};
