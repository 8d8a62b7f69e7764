/*
 * pages.c: the raster engine shared by JPEG, PNG and TIFF. Each page is
 * decoded once at the policy's top resolution (at most --max-dpi, or a
 * photo's 600x800), judged (colour.c), and every variant of the menu is
 * encoded from that one raster, so only sizes are kept in menu mode and
 * only the chosen variant's pages with --variant. Bilevel pages are
 * CCITT G4 in every variant.
 * SECURITY: runs on pixels decoded from uploads through the formats'
 * page sources; memory per page is bounded by the top resolution.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

#define MAX_SPECS 15
#define KEEP_DPI 300		/* TIFF pages in the keep PDF, at most */
#define KEEP_QUALITY 90
#define PHOTO_LOW 300		/* a photo's short side below this: lowres */

struct pjob {
	struct engine *e;
	const struct page_src *src;
	int single, photo;
	struct vspec specs[MAX_SPECS + 1];	/* the last one: keep */
	int nspecs;
	int want;		/* the spec whose pages are kept */
	/* per spec, per page: the encoded image's size and shape (its
	 * data only for spec `want`) */
	struct pdf_page_img *meta;
	struct buf *data;		/* one per page, of spec `want` */
	double worst;		/* dpi, or a photo's short side */
	int colour, blank;
};

static double page_res(const struct pjob *j, int w, int h)
{
	return j->photo ? (w < h ? w : h) : page_dpi(w, h);
}

/* Encodes one page raster for spec s (grey unless the page has colour). */
static int encode_page(struct pjob *j, const struct raster *top, int w,
    int h, const struct vspec *s, int colour, struct buf *out)
{
	struct raster r = { 0 }, g = { 0 };
	struct jpeg_enc_opts o = { .quality = s->quality,
	    .subsample = j->photo };
	const struct raster *use = top;
	int tw, th, rc = 0;

	level_dims(w, h, j->photo, s->level, &tw, &th);
	if (tw < top->w || th < top->h) {
		if ((rc = raster_resample(top, tw, th, &r)) < 0)
			return rc;
		use = &r;
	}
	if (use->ch == 3 && (s->grey || !colour)) {
		if ((rc = raster_init(&g, use->w, use->h, 3)) == 0) {
			memcpy(g.px, use->px, (size_t)use->w * use->h * 3);
			raster_to_grey(&g);
			use = &g;
		}
	}
	if (rc == 0)
		rc = jpeg_encode(use, &o, out);
	raster_release(&r);
	raster_release(&g);
	return rc;
}

static int record(struct pjob *j, int si, int page, struct buf *b, int w,
    int h, int ch, double dpi)
{
	struct pdf_page_img *m = &j->meta[si * j->src->npages + page];

	*m = (struct pdf_page_img){ .len = b->len, .w = w, .h = h, .ch = ch,
	    .dpi = dpi };
	if (si != j->want) {
		buf_release(b);
		return 0;
	}
	j->data[page] = *b;
	m->data = b->p;
	*b = (struct buf){ 0 };
	return 0;
}

static int bilevel_page(struct pjob *j, int i)
{
	struct buf b = { 0 };
	int w, h, rc;

	if ((rc = j->src->g4(j->src->ctx, i, &b, &w, &h)) < 0)
		return rc;
	for (int s = 0; s <= j->nspecs && rc == 0; s++) {
		struct buf c = { 0 };

		if ((rc = buf_add(&c, b.p, b.len)) == 0)
			rc = record(j, s, i, &c, w, h, 0, page_dpi(w, h));
		buf_release(&c);
	}
	buf_release(&b);
	return rc;
}

/* The keep page of a PDF: native up to KEEP_DPI, quality KEEP_QUALITY. */
static int keep_page(struct pjob *j, int i, int w, int h)
{
	struct vspec *k = &j->specs[j->nspecs];
	struct jpeg_enc_opts o = { .quality = KEEP_QUALITY };
	struct raster r;
	struct buf b = { 0 };
	char msg[160];
	int tw, th, rc;

	if (j->single || j->want != j->nspecs)
		return 0;
	level_dims(w, h, 0, k->level, &tw, &th);
	if ((rc = j->src->decode(j->src->ctx, i, tw, th, &r, msg,
	    sizeof msg)) < 0)
		return rc;
	if ((rc = jpeg_encode(&r, &o, &b)) == 0)
		rc = record(j, j->nspecs, i, &b, r.w, r.h, r.ch,
		    page_dpi(w, h) * r.w / w);
	buf_release(&b);
	raster_release(&r);
	return rc;
}

static int contone_page(struct pjob *j, int i, int w, int h)
{
	struct raster top;
	struct page_look look;
	struct buf b = { 0 };
	char msg[160];
	int tw, th, rc, levels[2];

	menu_levels(j->e->in->lim, j->photo, page_res(j, w, h), levels);
	level_dims(w, h, j->photo, levels[0], &tw, &th);
	if ((rc = j->src->decode(j->src->ctx, i, tw, th, &top, msg,
	    sizeof msg)) < 0) {
		filter_set_status(j->e->rep, FS_CORRUPT, "%s", msg);
		return rc;
	}
	page_analyse(&top, &look);
	look.colour |= j->photo && top.ch == 3;
	j->colour |= look.colour;
	j->blank &= look.blank;
	for (int s = 0; s < j->nspecs && rc == 0; s++) {
		int sw, sh;

		level_dims(w, h, j->photo, j->specs[s].level, &sw, &sh);
		if ((rc = encode_page(j, &top, w, h, &j->specs[s], look.colour,
		    &b)) == 0)
			rc = record(j, s, i, &b, sw, sh, look.colour ? 3 : 1,
			    page_dpi(w, h) * sw / w);
		buf_release(&b);
	}
	raster_release(&top);
	return rc == 0 ? keep_page(j, i, w, h) : rc;
}

static int run_pages(struct pjob *j)
{
	int w, h, bilevel, rc = 0;

	for (int i = 0; i < j->src->npages && rc == 0; i++) {
		if ((rc = j->src->info(j->src->ctx, i, &w, &h, &bilevel)) < 0)
			break;
		if (bilevel && !j->single) {
			j->blank = 0;	/* judged by its pixels: not yet */
			rc = bilevel_page(j, i);
		}
		else
			rc = contone_page(j, i, w, h);
	}
	return rc;
}

/* The worst page's resolution, before anything is decoded; -1 when a
 * page's header cannot be read. */
static int scan_geometry(struct pjob *j)
{
	int w, h, bilevel;
	double r;

	j->worst = 1e9;
	for (int i = 0; i < j->src->npages; i++) {
		if (j->src->info(j->src->ctx, i, &w, &h, &bilevel) < 0)
			return -1;
		r = page_res(j, w, h);
		j->worst = r < j->worst ? r : j->worst;
	}
	return 0;
}

static int plan(struct pjob *j)
{
	const struct filter_limits *lim = j->e->in->lim;

	if (lim->variant[0] && strcmp(lim->variant, "keep") != 0) {
		if (vspec_parse(lim->variant, &j->specs[0]) < 0 ||
		    j->specs[0].lossless)
			return -EINVAL;
		j->nspecs = 1;
		j->want = 0;
	} else {
		j->nspecs = lim->menu ? menu_specs(lim, j->photo, j->worst, 0,
		    j->specs, MAX_SPECS) : 0;
		j->want = j->nspecs;	/* keep */
	}
	j->specs[j->nspecs] = (struct vspec){ .id = "keep", .level = KEEP_DPI,
	    .quality = KEEP_QUALITY };
	j->meta = calloc((size_t)j->src->npages * (size_t)(j->nspecs + 1),
	    sizeof *j->meta);
	j->data = calloc((size_t)j->src->npages, sizeof *j->data);
	return j->meta && j->data ? 0 : -ENOMEM;
}

/* The output: the wanted spec's pages as one JPEG or one PDF. */
static int assemble(struct pjob *j)
{
	struct engine *e = j->e;
	struct pdf_page_img *m = &j->meta[j->want * j->src->npages];

	if (j->single && j->want == j->nspecs)
		return 0;	/* keep: the format wrote it already */
	buf_release(&e->out);
	if (j->want != j->nspecs)
		engine_describe(e, j->single ? "jpeg" : "pdf jpeg",
		    &j->specs[j->want], j->specs[j->want].grey || !j->colour);
	if (j->single) {
		engine_out_type(e, "image/jpeg", "jpg");
		return buf_add(&e->out, m->data, m->len);
	}
	engine_out_type(e, "application/pdf", "pdf");
	return pdf_write_pages(m, j->src->npages, &e->out, NULL);
}

static void publish(struct pjob *j)
{
	struct report_variant v[MAX_SPECS];
	struct filter_report *rep = j->e->rep;
	struct pdf_page_img *m;
	size_t size;

	if (j->want != j->nspecs)
		return;		/* --variant: no menu */
	rep->variants[0] = (struct report_variant){ .id = "keep",
	    .bytes = (int64_t)j->e->out.len, .rank = 100 };
	rep->nvariants = 1;
	for (int s = 0; s < j->nspecs; s++) {
		if (j->specs[s].grey == 0 && !j->colour && !j->photo)
			j->specs[s].id[strlen(j->specs[s].id) - 1] = 'g';
		m = &j->meta[s * j->src->npages];
		size = m->len;
		if (!j->single)
			pdf_write_pages(m, j->src->npages, NULL, &size);
		v[s] = (struct report_variant){ .bytes = (int64_t)size,
		    .rank = vspec_rank(j->e->in->lim, j->photo, j->worst,
		    &j->specs[s]) };
		snprintf(v[s].id, sizeof v[s].id, "%s", j->specs[s].id);
	}
	menu_publish(rep, v, j->nspecs);
}

static void judge(struct pjob *j)
{
	const struct filter_limits *lim = j->e->in->lim;
	struct filter_report *rep = j->e->rep;

	rep->dpi = (int64_t)(j->photo ? j->worst * 2.54 / 3.0 : j->worst);
	if (j->photo ? j->worst < PHOTO_LOW : j->worst < lim->low_dpi)
		filter_set_status(rep, FS_LOWRES, "%d dpi is below %d",
		    (int)rep->dpi, lim->low_dpi);
}

static void pjob_release(struct pjob *j)
{
	for (int i = 0; j->data && i < j->src->npages; i++)
		buf_release(&j->data[i]);
	free(j->data);
	free(j->meta);
}

int pages_run(struct engine *e, const struct page_src *src, int single)
{
	struct pjob j = { .e = e, .src = src, .single = single,
	    .photo = e->in->lim->photo && single, .blank = 1 };
	int rc;

	if (scan_geometry(&j) < 0) {
		filter_set_status(e->rep, FS_CORRUPT, "unreadable page");
		return 0;
	}
	judge(&j);
	if (e->rep->status != FS_OK)
		return 0;
	if ((rc = plan(&j)) == -EINVAL)
		filter_set_status(e->rep, FS_UNSUPPORTED, "unknown variant");
	if (rc == 0 && (rc = run_pages(&j)) == 0) {
		e->rep->color = j.colour;
		if (j.blank)
			filter_set_status(e->rep, FS_BLANK, "no content");
		else
			rc = assemble(&j);
	}
	if (rc == 0 && e->rep->status == FS_OK)
		publish(&j);
	pjob_release(&j);
	return rc == -EINVAL ? 0 : rc;
}
