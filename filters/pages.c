/*
 * pages.c: the raster engine shared by JPEG, PNG and TIFF. Each page is
 * decoded once (at the larger of keep's and the policy's top resolution:
 * at most --max-dpi, or a photo's 600x800), judged (colour.c), turned
 * grey once when it has no colour, resampled once per level, and every
 * variant of the menu is encoded from that, best rank first. With --menu
 * every variant's bytes are kept and written after keep; with --target
 * the ladder (menu.c) makes the best variant within the first page's
 * share of the target and the one above it.
 * Bilevel pages are CCITT G4 in every variant. A phone photo of a page
 * (flat.h), when the run asks for it and the sheet is found, is squared
 * and evened first, and its variants are of the page, not the frame
 * (their specs are flat: IDs ending in FLAT_SUFFIX); keep is then that
 * page at the top rung, and the frame is never offered.
 * SECURITY: runs on pixels decoded from uploads through the formats'
 * page sources; memory per page is bounded by the top resolution.
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "engine.h"
#include "filter.h"
#include "flat.h"
#include "jpegcodec.h"
#include "variants.h"
#include "pages.h"
#include "pdfwrite.h"
#include "raster.h"

#define MAX_SPECS MENU_MAX_SPECS
#define KEEP_DPI 300 /* TIFF pages in the keep PDF, at most */
#define KEEP_QUALITY 90
#define PHOTO_LOW 300 /* a photo's short side below this: lowres */

struct pjob {
	struct engine *e;
	const struct page_src *src;
	int single, photo;
	struct vspec specs[MAX_SPECS + 1]; /* the last one: keep */
	int nspecs;
	struct ladder ladder; /* [first, nmade): the specs every page
			       * has, fewer when --target stopped */
	double pixels;	      /* of every page, for each page's share */
	int want;	      /* the spec whose pages are written */
	int menu;	      /* --menu: every spec's pages are kept */
	/* per spec, per page: the encoded image's size and shape, and its
	 * data for spec `want` (and every spec with --menu) */
	struct pdf_page_img *meta;
	struct buf *data;
	double worst; /* dpi, or a photo's short side */
	int colour;
	int blank_page;	  /* the first uniform page (1-based), or 0 */
	int flat, evened; /* the sheet is flattened; its light evened */
	struct sheet sheet;
};

static double
page_res(const struct pjob *j, int w, int h)
{
	return j->photo ? (w < h ? w : h) : page_dpi(w, h);
}

static const struct buf *
page_icc(const struct pjob *j, int page)
{
	return j->src->page_icc ? j->src->page_icc(j->src->ctx, page) : NULL;
}

static int
record(struct pjob *j, int si, int page, struct buf *b, int w, int h, int ch,
    double dpi)
{
	size_t k = (size_t)si * (size_t)j->src->npages + (size_t)page;
	struct pdf_page_img *m = &j->meta[k];
	const struct buf *icc = !j->single && ch ? page_icc(j, page) : NULL;

	*m = (struct pdf_page_img){ .len = b->len,
		.w = w,
		.h = h,
		.ch = ch,
		.dpi = dpi };
	if (icc && icc_fits(icc->p, icc->len, ch))
		m->icc = icc->p, m->icclen = icc->len;
	if (si != j->want && !(j->menu && si < j->nspecs)) {
		buf_release(b);
		return 0;
	}
	j->data[k] = *b;
	m->data = b->p;
	*b = (struct buf){ 0 };
	return 0;
}

/* Encodes page i (native w x h) for spec si from its top raster. */
static int
encode_spec(struct pjob *j, int si, int i, int w, int h,
    const struct raster *top, struct raster *lv)
{
	const struct vspec *s = &j->specs[si];
	/* Standard Huffman tables: a page's ladder is encoded in a third of
	 * the time for 5-10% more bytes (the planner sees the real sizes). */
	struct jpeg_enc_opts o = { .quality = s->quality,
		.subsample = j->photo,
		.fast = 1 };
	const struct buf *icc = j->single ? page_icc(j, i) : NULL;
	const struct raster *use;
	struct buf b = { 0 };
	int tw, th, rc;

	if (icc)
		o.icc = icc->p, o.icclen = icc->len;
	level_dims(w, h, j->photo, s->level, &tw, &th);
	/* the dpi the transform says when the page was brought to it */
	o.dpi = j->photo ? 0 : tw < w ? s->level : (int)lround(page_dpi(w, h));
	if ((rc = raster_level(top, tw, th, lv, &use)) == 0 &&
	    (rc = jpeg_encode(use, &o, &b)) == 0)
		rc = record(j, si, i, &b, use->w, use->h, use->ch,
		    page_dpi(w, h) * use->w / w);
	buf_release(&b);
	return rc;
}

/* Records b, page i's image img as the file holds it (src->source_img),
 * for spec si: the image fills the page of w x h (upright, square
 * pixels), whatever its pixels' aspect and orientation. */
static int
record_source(struct pjob *j, int si, int i, int w, int h, struct buf *b,
    const struct pdf_page_img *img)
{
	struct pdf_page_img
	    *m = &j->meta[(size_t)si * (size_t)j->src->npages + (size_t)i];
	int uw = img->orient >= 5 ? img->h : img->w;
	int uh = img->orient >= 5 ? img->w : img->h;
	/* its resolution across and down the page, then along its rows */
	double dpi = page_dpi(w, h), across = dpi * uw / w, down = dpi * uh / h;
	int rc = record(j, si, i, b, img->w, img->h, img->ch,
	    img->orient >= 5 ? down : across);

	m->flate = img->flate, m->bpc = img->bpc, m->palette = img->palette;
	m->ncolours = img->ncolours, m->orient = img->orient;
	if (img->palette)
		m->icc = NULL, m->icclen = 0;
	if ((double)uh * w != (double)h * uw) /* a fax's coarse rows */
		m->ydpi = img->orient >= 5 ? across : down;
	return rc;
}

/* Page i's image as the file holds it into b and img, when there is one
 * of at most limit bytes; r: the page decoded, which it must show, or
 * NULL for a bilevel page. 0 or -ENOENT. */
static int
source_img(struct pjob *j, int i, const struct raster *r, size_t limit,
    struct buf *b, struct pdf_page_img *img)
{
	*img = (struct pdf_page_img){ 0 };
	if (j->src->source_img == NULL ||
	    j->src->source_img(j->src->ctx, i, r, b, img) < 0 ||
	    b->len > limit) {
		buf_release(b);
		return -ENOENT;
	}
	return 0;
}

/* A bilevel page of pw x ph (square pixels): its G4 image, whose pixels
 * may be coarser on one axis (a fax), fills the page; or its bits as
 * they are (Flate) when those are smaller (a dithered picture). */
static int
bilevel_page(struct pjob *j, int i, int pw, int ph)
{
	struct pdf_page_img img = { .ch = 0 }, flat;
	struct buf b = { 0 }, f = { 0 };
	int rc;

	if ((rc = j->src->g4(j->src->ctx, i, &b, &img.w, &img.h)) < 0) {
		buf_release(&b);
		if (rc != -ENOMEM)
			filter_set_status(j->e->rep, FS_CORRUPT,
			    "page %d: cannot decode", i + 1);
		return rc == -ENOMEM ? rc : -EINVAL;
	}
	/* the source offers its bits only when they were not a fax's */
	if (source_img(j, i, NULL, b.len, &f, &flat) == 0) {
		buf_release(&b);
		b = f, img = flat;
	}
	for (int s = 0; s <= j->nspecs && rc == 0; s++) {
		struct buf c = { 0 };

		if ((rc = buf_add(&c, b.p, b.len)) == 0)
			rc = record_source(j, s, i, pw, ph, &c, &img);
		buf_release(&c);
	}
	buf_release(&b);
	return rc;
}

/* Whether this run writes keep as a PDF of pages (not a single image,
 * whose keep the format wrote). */
static int
wants_keep_pdf(const struct pjob *j)
{
	return !j->single && j->want == j->nspecs;
}

/* The keep page of a PDF from its decoded page r: native up to KEEP_DPI,
 * quality KEEP_QUALITY, standard Huffman tables like the menu's; or the
 * image the file holds, when that is not larger. */
static int
keep_page(struct pjob *j, int i, int w, int h, const struct raster *r,
    const struct raster *full)
{
	struct jpeg_enc_opts o = { .quality = KEEP_QUALITY, .fast = 1 };
	struct buf b = { 0 };
	int rc;

	struct pdf_page_img img;
	struct buf sb = { 0 };

	if ((rc = jpeg_encode(r, &o, &b)) < 0)
		;
	else if (source_img(j, i, full, b.len, &sb, &img) == 0)
		rc = record_source(j, j->nspecs, i, w, h, &sb, &img);
	else
		rc = record(j, j->nspecs, i, &b, r->w, r->h, r->ch,
		    page_dpi(w, h) * r->w / w);
	buf_release(&sb);
	buf_release(&b);
	return rc;
}

/* *dst is src when it is w x h already, else src resampled into own. */
static int
derive(const struct raster *src, int w, int h, struct raster *own,
    const struct raster **dst)
{
	*dst = src;
	if (src->w == w && src->h == h)
		return 0;
	*dst = own;
	return raster_resample(src, w, h, own);
}

/* Decodes page i once into top (tw x th) and, when keep is a PDF of
 * pages, encodes keep's page from the same decode. */
static int
decode_page(struct pjob *j, int i, int w, int h, int tw, int th,
    struct raster *top)
{
	struct raster full, kr = { 0 };
	const struct raster *use;
	char msg[160];
	int kw = tw, kh = th, rc;

	if (wants_keep_pdf(j))
		level_dims(w, h, 0, j->specs[j->nspecs].level, &kw, &kh);
	if ((rc = j->src->decode(j->src->ctx, i, kw > tw ? kw : tw,
		 kh > th ? kh : th, &full, msg, sizeof msg)) < 0) {
		filter_set_status(j->e->rep, FS_CORRUPT, "%s", msg);
		return rc;
	}
	if (wants_keep_pdf(j) && (rc = derive(&full, kw, kh, &kr, &use)) == 0)
		rc = keep_page(j, i, w, h, use, &full);
	raster_release(&kr);
	if (rc == 0 && full.w == tw && full.h == th) {
		*top = full;
		return 0;
	}
	if (rc == 0)
		rc = raster_resample(&full, tw, th, top);
	raster_release(&full);
	return rc;
}

/* One page being encoded spec by spec (ladder_run). */
struct page_rung {
	struct pjob *j;
	int i, w, h;
	const struct raster *top;
	struct raster lv;
};

static int
page_rung(void *arg, int s, uint64_t *bytes)
{
	struct page_rung *r = arg;
	int rc = encode_spec(r->j, s, r->i, r->w, r->h, r->top, &r->lv);

	*bytes =
	    r->j->meta[(size_t)s * (size_t)r->j->src->npages + (size_t)r->i]
		.len;
	return rc;
}

/* Encodes page i's specs best first; with --menu and --target, up to its
 * share of the target by pixels (a variant is every page at one spec). */
static int
encode_specs(struct pjob *j, int i, int w, int h, const struct raster *top)
{
	struct page_rung r = { .j = j, .i = i, .w = w, .h = h, .top = top };
	uint64_t share = j->menu ?
	    ladder_share(j->e->in->lim->target, (double)w * h, j->pixels) :
	    0;
	/* this page's part of the upload's bytes */
	double stored = (double)j->e->in->len * ((double)w * h / j->pixels);
	int rc;

	if (share && !j->ladder.searched)
		j->ladder.hint = j->flat ?
		    menu_hint(j->specs, j->nspecs) :
		    menu_guess(j->specs, j->nspecs, page_res(j, w, h),
			(double)share / stored);
	rc = ladder_run(&j->ladder, share, page_rung, &r);

	raster_release(&r.lv);
	return rc;
}

/* The found sheet of the frame (native w x h) squared into top: the
 * frame decoded at about the page's scale, then warped, and turned when
 * a landscape sheet's text runs down it (a page lying sideways). */
static int
flat_page(struct pjob *j, int w, int h, struct raster *top)
{
	/* a single image's source starts with its image_src (pages.h) */
	struct image_src *is = j->src->ctx;
	struct raster frame = { 0 };
	const struct raster *use = &frame;
	char msg[160];
	int tw, th, rc, turn;

	sheet_decode_dims(w, h, &j->sheet, &tw, &th);
	if (is->pixels.px && tw == is->pixels.w && th == is->pixels.h)
		use = &is->pixels; /* held upright already, at scale */
	else if ((rc = j->src->decode(j->src->ctx, 0, tw, th, &frame, msg,
		      sizeof msg)) < 0) {
		filter_set_status(j->e->rep, FS_CORRUPT, "%s", msg);
		return rc;
	}
	rc = sheet_warp(use, w, h, &j->sheet, top);
	raster_release(&frame);
	/* the frame is done with (its one page is warped): its pixels go
	 * now, not after the evening and every encode */
	raster_release(&is->pixels);
	if (rc == 0 && j->sheet.w > j->sheet.h && (turn = flat_turn(top))) {
		if ((rc = raster_orient(top, turn)) == 0)
			j->sheet.w = top->w, j->sheet.h = top->h;
	}
	return rc;
}

/* Decodes page i's top raster: the frame at the policy's top level, or
 * the flattened sheet, whose size then is the page's (*w x *h). */
static int
top_page(struct pjob *j, int i, int *w, int *h, struct raster *top)
{
	int tw, th, rc, levels[2];

	if (j->flat) {
		if ((rc = flat_page(j, *w, *h, top)) == 0)
			*w = j->sheet.w, *h = j->sheet.h;
		return rc;
	}
	menu_levels(j->e->in->lim, j->photo, page_res(j, *w, *h), levels);
	level_dims(*w, *h, j->photo, levels[0], &tw, &th);
	return decode_page(j, i, *w, *h, tw, th, top);
}

static int
contone_page(struct pjob *j, int i, int w, int h)
{
	struct raster top;
	struct page_look look;
	int rc;

	if ((rc = top_page(j, i, &w, &h, &top)) < 0)
		return rc;
	page_analyse(&top, &look);
	look.colour |= j->photo && top.ch == 3;
	j->colour |= look.colour;
	if (look.blank && j->blank_page == 0)
		j->blank_page = i + 1;
	/* grey once, before any resampling, for every spec of the page */
	if (j->nspecs > 0 &&
	    (!look.colour || menu_all_grey(j->specs, j->nspecs)))
		raster_to_grey(&top);
	if (j->flat && (rc = flat_even(&top)) < 0 && rc != -ENODATA) {
		raster_release(&top);
		return rc;
	}
	j->evened = j->flat && rc == 0;
	rc = encode_specs(j, i, w, h, &top);
	/* the spec written is made whatever the ladder made (a menu's
	 * keep when it is the found sheet's top rung) */
	if (rc == 0 && j->want < j->nspecs &&
	    j->meta[(size_t)j->want * (size_t)j->src->npages + (size_t)i]
		    .data == NULL) {
		struct raster lv = { 0 };

		rc = encode_spec(j, j->want, i, w, h, &top, &lv);
		raster_release(&lv);
	}
	raster_release(&top);
	return rc;
}

static int
run_pages(struct pjob *j)
{
	int w, h, bilevel, rc = 0;

	for (int i = 0; i < j->src->npages && rc == 0; i++) {
		if ((rc = j->src->info(j->src->ctx, i, &w, &h, &bilevel)) < 0)
			break;
		if (bilevel && !j->single)
			rc = bilevel_page(j, i, w, h); /* not judged blank */
		else
			rc = contone_page(j, i, w, h);
	}
	return rc;
}

/* The worst page's resolution, before anything is decoded: 0, or
 * -EINVAL when a page's header cannot be read. */
static int
scan_geometry(struct pjob *j)
{
	int w, h, bilevel;
	double r;

	j->worst = 1e9;
	for (int i = 0; i < j->src->npages; i++) {
		if (j->src->info(j->src->ctx, i, &w, &h, &bilevel) < 0)
			return -EINVAL;
		r = page_res(j, w, h);
		j->worst = r < j->worst ? r : j->worst;
		j->pixels += (double)w * h;
	}
	return 0;
}

static int
plan(struct pjob *j)
{
	const struct filter_limits *lim = j->e->in->lim;

	if (lim->variant[0] && strcmp(lim->variant, "keep") != 0) {
		struct vspec *s = &j->specs[0];

		/* a flattened page's ID names the sheet find_sheet found:
		 * without it, no bytes may go out under that name */
		if (vspec_parse(lim->variant, s) < 0 || s->lossless ||
		    (s->flat && !j->flat))
			return -EINVAL;
		j->nspecs = 1;
		j->want = 0;
	} else {
		j->nspecs = lim->menu || j->flat ?
		    menu_specs(lim, j->photo, j->worst, 0, j->specs,
			MAX_SPECS) :
		    0;
		j->want = j->nspecs; /* keep */
		j->menu = lim->menu;
		menu_sort(lim, j->photo, j->worst, j->specs, j->nspecs);
		/* a found sheet: its page at the top rung is keep, the output
		 * with no menu and the menu's first, not the frame */
		if (j->flat && j->nspecs > 0) {
			j->want = 0;
			j->nspecs = lim->menu ? j->nspecs : 1;
		}
	}
	ladder_init(&j->ladder, j->nspecs);
	j->specs[j->nspecs] = (struct vspec){ .id = "keep",
		.level = KEEP_DPI,
		.quality = KEEP_QUALITY };
	j->meta = calloc((size_t)j->src->npages * (size_t)(j->nspecs + 1),
	    sizeof *j->meta);
	j->data = calloc((size_t)j->src->npages * (size_t)(j->nspecs + 1),
	    sizeof *j->data);
	return j->meta && j->data ? 0 : -ENOMEM;
}

/* The transform of a flattened variant: what was done to the sheet, then
 * how it was encoded. */
static void
describe_flat(struct pjob *j)
{
	struct engine *e = j->e;
	char t[sizeof e->rep->transform];

	memcpy(t, e->rep->transform, sizeof t);
	e->rep->transform[0] = '\0';
	engine_note(e,
	    j->evened ? "page found, flattened, background evened" :
			"page found, flattened");
	engine_note(e, t);
}

/* The output: the wanted spec's pages as one JPEG or one PDF. */
static int
assemble(struct pjob *j)
{
	struct engine *e = j->e;
	struct pdf_page_img
	    *m = &j->meta[(size_t)j->want * (size_t)j->src->npages];

	if (j->single && j->want == j->nspecs)
		return 0; /* keep: the format wrote it already */
	buf_release(&e->out);
	if (j->want != j->nspecs)
		engine_describe(e, j->single ? "jpeg" : "pdf jpeg",
		    &j->specs[j->want], j->specs[j->want].grey || !j->colour);
	if (j->flat)
		describe_flat(j);
	if (j->single) {
		engine_out_type(e, "image/jpeg", "jpg");
		return buf_add(&e->out, m->data, m->len);
	}
	engine_out_type(e, "application/pdf", "pdf");
	return pdf_write_pages(m, j->src->npages, &e->out, NULL);
}

/* Writes a published variant's bytes after keep (report.h). */
static int
write_variant(struct pjob *j, struct report_variant *v)
{
	struct pdf_page_img *m;
	struct buf b = { 0 };
	int s, rc;

	if (strcmp(v->id, "lossless") == 0)
		return engine_menu_add(j->e, v, j->src->lossless->p,
		    j->src->lossless->len, j->src->lossless_ext);
	for (s = j->ladder.first;
	     s < j->ladder.nmade && strcmp(j->specs[s].id, v->id); s++)
		;
	assert(s < j->ladder.nmade);
	m = &j->meta[(size_t)s * (size_t)j->src->npages];
	if (j->single)
		return engine_menu_add(j->e, v, m->data, m->len, "jpg");
	if ((rc = pdf_write_pages(m, j->src->npages, &b, NULL)) == 0)
		rc = engine_menu_add(j->e, v, b.p, b.len, "pdf");
	buf_release(&b);
	return rc;
}

static int
publish(struct pjob *j)
{
	struct report_variant v[MAX_SPECS + 1];
	struct filter_report *rep = j->e->rep;
	struct pdf_page_img *m;
	const struct buf *lb = j->src->lossless;
	size_t size;
	int rc = 0, n = 0;

	if (!j->menu)
		return 0; /* --variant, or one output */
	rep->variants[0] = (struct report_variant){ .id = "keep",
		.bytes = (int64_t)j->e->out.len,
		.rank = 100 };
	rep->nvariants = 1;
	for (int s = j->ladder.first; s < j->ladder.nmade; s++) {
		/* no page had colour: every one went grey */
		j->specs[s].grey |= !j->colour && !j->photo;
		j->specs[s].flat = j->flat;
		vspec_name(&j->specs[s]);
		m = &j->meta[(size_t)s * (size_t)j->src->npages];
		size = m->len;
		if (!j->single)
			pdf_write_pages(m, j->src->npages, NULL, &size);
		v[n] = (struct report_variant){ .bytes = (int64_t)size,
			.rank = vspec_rank(j->e->in->lim, j->photo, j->worst,
			    &j->specs[s]) };
		snprintf(v[n++].id, sizeof v[0].id, "%s", j->specs[s].id);
	}
	/* the frame rewritten is not offered for a found sheet */
	if (lb && lb->len && lb->len < j->e->out.len && !j->flat)
		v[n++] = (struct report_variant){ .id = "lossless",
			.bytes = (int64_t)lb->len,
			.rank = 99 };
	menu_publish(rep, v, n);
	rep->menu_partial = ladder_partial(&j->ladder);
	for (int k = 1; k < rep->nvariants && rc == 0; k++)
		rc = write_variant(j, &rep->variants[k]);
	return rc;
}

static int
too_low(const struct filter_limits *lim, int photo, double res)
{
	return photo ? res < PHOTO_LOW : res < lim->low_dpi;
}

int
pages_lowres(const struct filter_limits *lim, int w, int h)
{
	return too_low(lim, lim->photo,
	    lim->photo ? (w < h ? w : h) : page_dpi(w, h));
}

static void
judge(struct pjob *j)
{
	const struct filter_limits *lim = j->e->in->lim;
	struct filter_report *rep = j->e->rep;

	rep->dpi = (int64_t)(j->photo ? j->worst * 2.54 / 3.0 : j->worst);
	if (too_low(lim, j->photo, j->worst))
		filter_set_status(rep, FS_LOWRES, "%d dpi is below %d",
		    (int)rep->dpi, lim->low_dpi);
}

/* Whether this run flattens a photographed page: with --flatten (its
 * menu, or with no menu its one output), a --variant when its ID says
 * so. Never a --photo, never a document of pages (TIFF scans). */
static int
wants_flat(const struct pjob *j)
{
	const struct filter_limits *lim = j->e->in->lim;
	size_t n = strlen(lim->variant);
	struct vspec s;

	if (!j->single || j->photo)
		return 0;
	if (n && strcmp(lim->variant, "keep") != 0)
		return vspec_parse(lim->variant, &s) == 0 && s.flat;
	return lim->flatten;
}

/* Whether a w x h frame has A4's proportions (within 1%): a scanner's or
 * an export's page, or a page a phone app already squared, never a photo
 * of a sheet on a table (cameras take 4:3, 3:2, 16:9). */
static int
a4_frame(int w, int h)
{
	double r = w < h ? (double)h / w : (double)w / h;

	return fabs(r / (A4_LONG_IN / A4_SHORT_IN) - 1) < 0.01;
}

/* Looks for the sheet on a small copy of the frame; found, the page's
 * resolution, pixels and dpi are the sheet's. A sheet below low_dpi is
 * left alone: found, it would be refused where its frame is not. */
static int
find_sheet(struct pjob *j)
{
	const struct filter_limits *lim = j->e->in->lim;
	struct raster s;
	char msg[160];
	int w, h, bilevel, tw, th, rc;
	double k;

	if (!wants_flat(j) ||
	    j->src->info(j->src->ctx, 0, &w, &h, &bilevel) < 0 || bilevel ||
	    a4_frame(w, h))
		return 0;
	flat_quiet();
	k = (double)DETECT_LONG / (w > h ? w : h);
	tw = k < 1 ? (int)(w * k + 0.5) : w,
	th = k < 1 ? (int)(h * k + 0.5) : h;
	if ((rc = j->src->decode(j->src->ctx, 0, tw, th, &s, msg, sizeof msg)) <
	    0)
		return rc == -ENOMEM ? rc : 0; /* the page's decode says */
	rc = sheet_find(&s, w, h, lim->max_dpi, &j->sheet);
	raster_release(&s);
	if (rc == 0 && j->sheet.dpi >= lim->low_dpi) {
		j->flat = 1;
		j->worst = j->sheet.dpi;
		j->pixels = (double)j->sheet.w * j->sheet.h;
		j->e->rep->dpi = (int64_t)j->sheet.dpi;
	}
	return rc == -ENOENT ? 0 : rc;
}

static void
pjob_release(struct pjob *j)
{
	for (int i = 0; j->data && i < j->src->npages * (j->nspecs + 1); i++)
		buf_release(&j->data[i]);
	free(j->data);
	free(j->meta);
}

int
pages_run(struct engine *e, const struct page_src *src, int single)
{
	struct pjob j = { .e = e,
		.src = src,
		.single = single,
		.photo = e->in->lim->photo && single };
	int rc;

	if (scan_geometry(&j) < 0) {
		filter_set_status(e->rep, FS_CORRUPT, "unreadable page");
		return 0;
	}
	judge(&j);
	if (e->rep->status != FS_OK)
		return 0;
	if ((rc = find_sheet(&j)) < 0)
		return rc;
	/* the frame is the page: keep made final before it is used */
	if (!j.flat && src->settle && (rc = src->settle(src->ctx)) < 0)
		return rc;
	if (e->rep->status != FS_OK)
		return 0;
	if ((rc = plan(&j)) == -EINVAL)
		filter_set_status(e->rep, FS_UNSUPPORTED, "unknown variant");
	if (rc == 0 && (rc = run_pages(&j)) == 0) {
		e->rep->color = j.colour;
		if (j.blank_page)
			engine_blank(e, j.blank_page, src->npages);
		else
			rc = assemble(&j);
	}
	if (rc == 0 && e->rep->status == FS_OK)
		rc = publish(&j);
	pjob_release(&j);
	return rc == -EINVAL ? 0 : rc;
}

static const struct buf *
image_src_icc(void *ctx, int page)
{
	const struct image_src *s = ctx;

	(void)page;
	return s->icc.len ? &s->icc : NULL;
}

int
image_src_resample(const struct image_src *s, int tw, int th,
    struct raster *out, char *msg, size_t msgsz)
{
	if (raster_resample(&s->pixels, tw, th, out) == 0)
		return 0;
	snprintf(msg, msgsz, "out of memory");
	return -ENOMEM;
}

void
image_src_release(struct image_src *s)
{
	raster_release(&s->pixels);
	buf_release(&s->icc);
	buf_release(&s->lossless);
}

int
image_src_run(struct engine *e, struct image_src *s, struct page_src *src,
    const char *fmt)
{
	int rc;

	src->page_icc = image_src_icc;
	src->lossless = &s->lossless;
	rc = strcmp(e->in->lim->variant, "lossless") == 0 ?
	    engine_emit_lossless(e, &s->lossless, fmt) :
	    pages_run(e, src, 1);
	image_src_release(s);
	return rc;
}
