/*
 * fmt_jpeg.c: JPEG through libjpeg-turbo: header limits, then, with
 * --probe-only, a full decode of every scanline to tell decodable from
 * corrupt. When the engine will decode the page, its own DCT-scaled
 * decode (jpeg_dec.c) is that check instead: one decode, not two. A
 * rotated photo that may be a page (--flatten) is turned upright only
 * once no sheet was found in it (jsrc_settle): a flattened page needs
 * small turned copies, not a whole upright frame.
 * SECURITY: parses uploaded bytes. Errors longjmp to jpegutil.h's
 * per-handle guard (jerr_guard); memory and progressive scans are capped.
 */
#include <errno.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

#include "buf.h"
#include "engine.h"
#include "filter.h"
#include "jpegcodec.h"
#include "jpegutil.h"
#include "variants.h"
#include "pages.h"
#include "raster.h"

/* A progressive JPEG may have thousands of tiny scans, each a full pass
 * over the coefficients (libjpeg-turbo's own advice is to cap them). */
#define JPEG_MAX_SCANS 1000

struct jctx {
	struct jpeg_decompress_struct d;
	struct jerr err; /* msg, and what the warnings said (watch) */
	struct jpeg_progress_mgr progress;
	const struct filter_input *in;
	struct uniform uni;
};

#define JCTX(c) ((struct jctx *)(void *)((char *)(c)-offsetof(struct jctx, d)))

static void
jctx_progress(j_common_ptr c)
{
	struct jctx *ctx = JCTX(c);

	if (ctx->d.input_scan_number > JPEG_MAX_SCANS) {
		snprintf(ctx->err.msg, sizeof ctx->err.msg,
		    "more than %d scans", JPEG_MAX_SCANS);
		longjmp(ctx->err.jb, 1);
	}
}

static int
jpeg_header(void *arg)
{
	struct jctx *ctx = arg;

	jpeg_mem_src(&ctx->d, ctx->in->buf, (unsigned long)ctx->in->len);
	return jpeg_read_header(&ctx->d, TRUE) == JPEG_HEADER_OK ? 0 : -1;
}

static int
jpeg_decode(void *arg)
{
	struct jctx *ctx = arg;
	JSAMPARRAY row;
	size_t rowlen;

	ctx->d.dct_method = JDCT_ISLOW;
	jpeg_start_decompress(&ctx->d);
	rowlen = (size_t)ctx->d.output_width * ctx->d.output_components;
	row = ctx->d.mem->alloc_sarray((j_common_ptr)&ctx->d, JPOOL_IMAGE,
	    (JDIMENSION)rowlen, 1);
	uniform_init(&ctx->uni, (size_t)ctx->d.output_components);
	while (ctx->d.output_scanline < ctx->d.output_height) {
		if (jpeg_read_scanlines(&ctx->d, row, 1) != 1 ||
		    ctx->err.watch.damaged)
			break;
		uniform_row(&ctx->uni, row[0], rowlen);
	}
	if (jwatch_verdict(&ctx->err.watch, &ctx->d, ctx->err.msg,
		sizeof ctx->err.msg) < 0)
		return -1;
	jpeg_finish_decompress(&ctx->d);
	return 0;
}

static void
jctx_init(struct jctx *ctx, const struct filter_input *in)
{
	ctx->in = in;
	ctx->d.err = jerr_init(&ctx->err);
	jpeg_create_decompress(&ctx->d);
	ctx->d.mem->max_memory_to_use = (long)(in->lim->memory_mb * 1024 *
	    1024 / 2);
	ctx->progress.progress_monitor = jctx_progress;
	ctx->d.progress = &ctx->progress;
}

/* A well-formed JPEG of a kind libjpeg-turbo 2.1 cannot decode (12-bit
 * samples, the lossless process), which djpeg cannot show either: not
 * damaged, unsupported. */
static int
jpeg_kind_unsupported(int code)
{
	return code == JERR_BAD_PRECISION || code == JERR_SOF_UNSUPPORTED;
}

static void
jpeg_verdict(struct jctx *ctx, const struct filter_input *in,
    struct filter_report *rep)
{
	rep->pages = 1;
	if (jerr_guard(&ctx->err, jpeg_header, ctx) < 0)
		filter_set_status(rep,
		    jpeg_kind_unsupported(ctx->err.pub.msg_code) ?
			FS_UNSUPPORTED :
			FS_CORRUPT,
		    "jpeg: %s", ctx->err.msg);
	else if (filter_too_many_pixels(ctx->d.image_width, ctx->d.image_height,
		     in->lim))
		filter_set_limit(rep, "pixels");
	else if (!in->lim->probe_only &&
	    !pages_lowres(in->lim, (int)ctx->d.image_width,
		(int)ctx->d.image_height))
		rep->status = FS_OK; /* the engine's decode judges the rest */
	else if (jerr_guard(&ctx->err, jpeg_decode, ctx) < 0) {
		filter_set_status(rep, FS_CORRUPT, "jpeg: %s", ctx->err.msg);
		rep->incomplete = ctx->err.watch.incomplete;
	} else if (ctx->uni.blank)
		filter_set_status(rep, FS_BLANK, "jpeg: one flat colour");
	else
		rep->status = FS_OK;
	rep->width = ctx->d.image_width;
	rep->height = ctx->d.image_height;
}

static int
jpeg_probe(const struct filter_input *in, struct filter_report *rep)
{
	struct jctx *ctx;

	if ((ctx = calloc(1, sizeof *ctx)) == NULL)
		return -ENOMEM;
	jctx_init(ctx, in);
	jpeg_verdict(ctx, in, rep);
	jpeg_destroy_decompress(&ctx->d);
	free(ctx);
	return 0;
}

/* The page source of a JPEG: its keep bytes, already upright, or the
 * upright pixels keep was re-encoded from (no second decode, and no
 * generation of loss). */
struct jsrc {
	struct image_src img; /* pixels: keep's upright pixels when keep
			       * was re-encoded from them; lossless: keep
			       * rewritten progressive */
	struct engine *e;     /* e->out: keep */
	uint64_t memory_mb;
	struct jpeg_head head; /* keep's, as stored */
	/* an orientation keep still needs (1: none): left by jpeg_keep
	 * when a flattened page may replace the frame (later), with the
	 * lossless rewrite, for jsrc_settle */
	struct jpeg_upright up;
	int later;
};

/* How far over its share of --target keep may be for the progressive
 * rewrite to be tried, in percent: it saves 8-9% of a camera's baseline
 * JPEG but costs about twice the whole menu (191 ms for 3.2 MB), so only
 * a file it could bring within its share gets it. */
#define LOSSLESS_REACH 112

/* The lossless variant: keep's coefficients written progressive, when
 * --variant asks for it or keep is just over its share. Kept only when
 * smaller than keep. 0 or -ENOMEM. */
static int
jpeg_lossless(struct engine *e, int asked, struct buf *out)
{
	const struct filter_limits *lim = e->in->lim;
	uint64_t keep = e->out.len;
	int rc;

	if (!asked &&
	    !(lim->menu && lim->target && keep > lim->target &&
		keep * 100 <= lim->target * LOSSLESS_REACH))
		return 0;
	rc = jpeg_progressive(e->out.p, e->out.len, lim->memory_mb, out);
	if (rc == -EINVAL || out->len >= keep) {
		buf_release(out); /* no lossless variant, no harm */
		rc = 0;
	}
	return rc;
}

static int
jsrc_info(void *ctx, int page, int *w, int *h, int *bilevel)
{
	struct jsrc *s = ctx;
	int turn = s->up.orientation >= 5;

	(void)page;
	*w = turn ? s->head.h : s->head.w;
	*h = turn ? s->head.w : s->head.h;
	*bilevel = 0;
	return 0;
}

/* keep decoded to tw x th; while its orientation waits (s->up), decoded
 * as stored to the size that is tw x th once turned, then turned: a
 * small copy costs a small decode (DCT scaling), not an upright frame. */
static int
jsrc_decode(void *ctx, int page, int tw, int th, struct raster *out, char *msg,
    size_t msgsz)
{
	struct jsrc *s = ctx;
	struct buf clean = { 0 };
	int o = s->up.orientation, junk, missing, rc;

	(void)page;
	if (s->img.pixels.px != NULL)
		return image_src_resample(&s->img, tw, th, out, msg, msgsz);
	rc = jpeg_decode_junk(s->e->out.p, s->e->out.len, o >= 5 ? th : tw,
	    o >= 5 ? tw : th, s->memory_mb, out, &junk, msg, msgsz);
	if (rc == 0 && o != 1 && (rc = raster_orient(out, o)) < 0) {
		raster_release(out);
		snprintf(msg, msgsz, "out of memory");
	}
	if (rc < 0 || !junk)
		return rc;
	/* junk between the scans no viewer shows: keep is rewritten (the
	 * same coefficients) before anything is published */
	if ((rc = jpeg_rewrite(s->e->out.p, s->e->out.len, s->memory_mb, &clean,
		 &missing, msg, msgsz)) == 0) {
		buf_release(&s->e->out);
		s->e->out = clean;
		s->up.exif_seen = 0; /* its offset was in the old keep */
		engine_note(s->e, "junk in the scans removed");
		return 0;
	}
	buf_release(&clean);
	raster_release(out);
	return rc == -ENOMEM ? rc : -EINVAL;
}

/* The frame is the page: keep turned upright now if jpeg_keep left it
 * (its transform noted), and its lossless rewrite. */
static int
jsrc_settle(void *ctx)
{
	struct jsrc *s = ctx;
	char t[sizeof s->e->rep->transform], msg[160];
	int rc = 0;

	if (!s->later)
		return 0; /* keep is final already */
	if (s->up.orientation != 1) {
		rc = jpeg_keep_upright(&s->up, &s->e->out, s->memory_mb, t,
		    sizeof t, &s->img.pixels);
		if (rc == 0)
			rc = jpeg_read_head(s->e->out.p, s->e->out.len,
			    &s->head, NULL, msg, sizeof msg);
		if (rc == 0)
			engine_note(s->e, t);
	}
	if (rc == -EINVAL) {
		filter_set_status(s->e->rep, FS_CORRUPT,
		    "jpeg: cannot rewrite");
		return 0;
	}
	return rc == 0 ? jpeg_lossless(s->e, 0, &s->img.lossless) : rc;
}

/* Whether a flattened page may replace the frame, so that turning the
 * frame upright can wait (jsrc_settle): the worker looks for a sheet. */
static int
may_flatten(const struct filter_limits *lim)
{
	struct vspec v;

	if (lim->photo || strcmp(lim->variant, "lossless") == 0)
		return 0;
	if (lim->variant[0] && strcmp(lim->variant, "keep") != 0)
		return vspec_parse(lim->variant, &v) == 0 && v.flat;
	return lim->flatten;
}

static int
jpeg_emit(struct engine *e)
{
	struct jsrc s = { .e = e,
		.memory_mb = e->in->lim->memory_mb,
		.up = { .orientation = 1 } };
	struct page_src src = { .npages = 1,
		.ctx = &s,
		.info = jsrc_info,
		.decode = jsrc_decode,
		.lossless_ext = "jpg",
		.settle = jsrc_settle };
	int asked = strcmp(e->in->lim->variant, "lossless") == 0;
	char t[sizeof e->rep->transform], msg[160];
	int orientation, rc;

	s.later = may_flatten(e->in->lim);
	rc = jpeg_keep(e->in->buf, e->in->len, e->in->lim->memory_mb, &e->out,
	    t, sizeof t, &orientation, &s.img.pixels, s.later ? &s.up : NULL);
	if (rc == 0)
		rc = jpeg_read_head(e->out.p, e->out.len, &s.head, &s.img.icc,
		    msg, sizeof msg);
	if (rc == 0 && !s.later)
		rc = jpeg_lossless(e, asked, &s.img.lossless);
	if (rc == 0) {
		engine_note(e, t);
		engine_out_type(e, "image/jpeg", "jpg");
		return image_src_run(e, &s.img, &src, "jpeg");
	}
	image_src_release(&s.img);
	if (rc == -ENODATA) { /* cut short: more than its last rows */
		filter_set_status(e->rep, FS_CORRUPT, "jpeg: %s", t);
		e->rep->incomplete = 1;
	} else if (rc == -EINVAL)
		filter_set_status(e->rep, FS_CORRUPT, "jpeg: cannot rewrite");
	return rc == -ENODATA || rc == -EINVAL ? 0 : rc;
}

const struct fmt_ops fmt_jpeg = {
	.mime = "image/jpeg",
	.ext = "jpg",
	.probe = jpeg_probe,
	.emit = jpeg_emit,
};
