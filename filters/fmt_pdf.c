/*
 * fmt_pdf.c: PDF through QPDF's C API, read from memory: object and page
 * counts first, then every object parsed and every page's content decoded.
 * SECURITY: parses uploaded bytes. QPDF reports errors through its handle
 * (exceptions never cross the C API); nothing is written or decrypted
 * with a guessed password: an empty user password only.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <qpdf/qpdf-c.h>

#include "buf.h"
#include "engine.h"
#include "filter.h"
#include "variants.h"
#include "pdfimg.h"

/* The most a menu holds of its encodings (pdf_job.hold_max): enough for
 * every variant that fits a 5 MB bundle, so the daemon cuts those out
 * of fd 3; larger ones are measured and made again if chosen. */
#define MENU_HOLD ((size_t)16 << 20)

/* The lossless rewrite: its size, and its bytes only when keep may be
 * it (a polyglot, pdf_keep); else the menu writes it again into fd 3
 * when it lists it, so a long scan's rewrite is never held. */
struct lossless {
	size_t size;
	struct buf b;
};

/* The message of the pending error (or of the first warning), or NULL. */
static const char *
pdf_problem(qpdf_data q, enum qpdf_error_code_e *code)
{
	qpdf_error e = qpdf_has_error(q) ? qpdf_get_error(q) :
	    qpdf_more_warnings(q)	 ? qpdf_next_warning(q) :
					   NULL;

	if (e == NULL)
		return NULL;
	if (code)
		*code = qpdf_get_error_code(q, e);
	return qpdf_get_error_full_text(q, e);
}

static void pdf_corrupt(qpdf_data q, struct filter_report *rep,
    const char *what);

static long long
pdf_int_key(qpdf_data q, qpdf_oh dict, const char *key)
{
	qpdf_oh v = qpdf_oh_get_key(q, dict, key);
	long long n = 0;

	if (!qpdf_oh_get_value_as_longlong(q, v, &n))
		n = -1;
	qpdf_oh_release(q, v);
	return n;
}

/* Declared counts against the limits, before anything is decoded.
 * Returns 0, or -E2BIG with the status set (a limit). */
static int
pdf_check_counts(qpdf_data q, const struct filter_input *in,
    struct filter_report *rep)
{
	qpdf_oh trailer = qpdf_get_trailer(q), root = qpdf_get_root(q);
	qpdf_oh pages = qpdf_oh_get_key(q, root, "/Pages");
	long long objects = pdf_int_key(q, trailer, "/Size");
	long long count = pdf_int_key(q, pages, "/Count");

	qpdf_oh_release(q, pages);
	if (objects > 0 && (uint64_t)objects > in->lim->max_objects) {
		filter_set_limit(rep, "objects");
		return -E2BIG;
	}
	if (count > 0 && (uint64_t)count > in->lim->max_pages) {
		rep->pages = count;
		filter_set_limit(rep, "pages");
		return -E2BIG;
	}
	return 0;
}

/* Parses every object the xref names (generation 0) and bounds each
 * stream: its stored length, and what the lossless filters QPDF's
 * writer decodes make of it (counted within the limit, pdf_stream.c).
 * Returns 0, -E2BIG with the status set (the stream limit), or -ENOMEM. */
static int
pdf_walk_objects(qpdf_data q, const struct filter_input *in,
    struct filter_report *rep)
{
	long long size = pdf_int_key(q, qpdf_get_trailer(q), "/Size"), len;
	uint64_t limit = in->lim->max_stream_bytes;
	qpdf_oh obj, dict;
	int rc = 0, later;

	for (long long i = 1; i < size && !qpdf_has_error(q) && rc == 0; i++) {
		obj = qpdf_get_object_by_id(q, (int)i, 0);
		if (qpdf_oh_is_stream(q, obj)) {
			dict = qpdf_oh_get_dict(q, obj);
			len = pdf_int_key(q, dict, "/Length");
			/* the engine decodes a drawn Flate image anyway, and
			 * within the limit: inflated once, not twice */
			later = !in->lim->probe_only &&
			    pdf_flate_image(q, dict);
			qpdf_oh_release(q, dict);
			rc = len > 0 && (uint64_t)len > limit ? -E2BIG :
			    later			      ? 0 :
				    pdf_stream_decode(q, obj, limit, 1, NULL);
			if (rc != -E2BIG && rc != -ENOMEM)
				rc = 0; /* unreadable: QPDF copies it */
		}
		qpdf_oh_release(q, obj);
	}
	if (rc == -E2BIG)
		filter_set_limit(rep, "stream");
	return rc;
}

/* Decodes every page's content streams within the limit. Returns 0;
 * -E2BIG (the stream limit) or -EINVAL (unreadable) with the status set;
 * or -ENOMEM. */
static int
pdf_decode_pages(qpdf_data q, int n, const struct filter_input *in,
    struct filter_report *rep)
{
	struct buf data = { 0 };
	qpdf_oh page;
	int rc = 0;

	for (int i = 0; i < n && rc == 0; i++) {
		page = qpdf_get_page_n(q, (size_t)i);
		rc = pdf_page_content(q, page, in->lim->max_stream_bytes,
		    &data);
		buf_release(&data);
		qpdf_oh_release(q, page);
	}
	if (rc == -E2BIG)
		filter_set_limit(rep, "stream");
	else if (rc != -ENOMEM && (rc < 0 || qpdf_has_error(q))) {
		pdf_corrupt(q, rep, "unreadable page content");
		rc = -EINVAL;
	}
	return rc;
}

static void
pdf_corrupt(qpdf_data q, struct filter_report *rep, const char *what)
{
	const char *msg = pdf_problem(q, NULL);

	filter_set_status(rep, FS_CORRUPT, "pdf: %s%s%s", what, msg ? ": " : "",
	    msg ? msg : "");
}

/* 0 with the status set, or -ENOMEM. */
static int
pdf_verdict(qpdf_data q, const struct filter_input *in,
    struct filter_report *rep)
{
	int n, rc;

	if (pdf_check_counts(q, in, rep) < 0)
		return 0;
	n = qpdf_get_num_pages(q);
	rep->pages = n > 0 ? n : 0;
	if (qpdf_has_error(q) || n <= 0) {
		pdf_corrupt(q, rep, "no readable pages");
		return 0;
	}
	if ((uint64_t)n > in->lim->max_pages) {
		filter_set_limit(rep, "pages");
		return 0;
	}
	if ((rc = pdf_walk_objects(q, in, rep)) < 0)
		return rc == -ENOMEM ? rc : 0;
	if (qpdf_has_error(q)) {
		pdf_corrupt(q, rep, "unreadable object");
		return 0;
	}
	if ((rc = pdf_decode_pages(q, n, in, rep)) < 0)
		return rc == -ENOMEM ? rc : 0;
	rep->status = FS_OK;
	if (qpdf_is_encrypted(q))
		filter_set_status(rep, FS_OK, "pdf: owner password only");
	return 0;
}

static void
pdf_open_failed(qpdf_data q, struct filter_report *rep)
{
	enum qpdf_error_code_e code = qpdf_e_success;
	const char *msg = pdf_problem(q, &code);

	if (code == qpdf_e_password)
		filter_set_status(rep, FS_ENCRYPTED, "pdf: needs a password");
	else
		filter_set_status(rep, FS_CORRUPT, "pdf: %s",
		    msg ? msg : "cannot open");
}

/* The document within the upload, into doc: from its header (viewers
 * look for it in the first 1024 bytes, detect.c) up to its last %%EOF.
 * Returns what was cut: 1 bytes before it, 2 bytes after, or both. */
static int
pdf_doc(const struct filter_input *in, struct filter_input *doc)
{
	long at = pdf_header_at(in->buf, in->len);
	size_t start = at > 0 ? (size_t)at : 0;

	*doc = *in;
	doc->buf = in->buf + start;
	doc->len = pdf_doc_len(doc->buf, in->len - start);
	return (start > 0) | (doc->len < in->len - start) << 1;
}

static int
pdf_probe(const struct filter_input *in, struct filter_report *rep)
{
	struct filter_input doc;
	qpdf_data q;
	int rc;

	pdf_doc(in, &doc);
	if ((rc = pdf_open_memory(doc.buf, doc.len, &q)) == -ENOMEM)
		return rc;
	if (rc < 0) {
		pdf_open_failed(q, rep);
		rc = 0;
	} else
		rc = pdf_verdict(q, &doc, rep);
	qpdf_cleanup(&q);
	return rc;
}

/* Resolution and blankness first: a scan below --low-dpi is refused
 * before anything is encoded. */
static void
pdf_judge(struct engine *e, const struct pdf_job *j)
{
	const struct filter_limits *lim = e->in->lim;
	struct filter_report *rep = e->rep;

	rep->dpi = (int64_t)(j->dpi + 0.5);
	if (j->dpi > 0 && j->dpi < lim->low_dpi)
		filter_set_status(rep, FS_LOWRES, "%d dpi is below %d",
		    (int)rep->dpi, lim->low_dpi);
}

static int
has_recompressible(const struct pdf_job *j)
{
	for (size_t i = 0; i < j->nimg; i++)
		if (j->img[i].ok)
			return 1;
	return 0;
}

/* The specs to encode: the menu's, or the one --variant names. A signed
 * PDF has none. -EINVAL for an unknown variant. */
static int
pdf_plan(struct engine *e, struct pdf_job *j, int rewrite)
{
	const struct filter_limits *lim = e->in->lim;
	const char *v = lim->variant;

	if (v[0] && strcmp(v, "keep") != 0 && strcmp(v, "lossless") != 0) {
		if (!rewrite || vspec_parse(v, &j->specs[0]) < 0 ||
		    j->specs[0].photo || j->specs[0].flat)
			return -EINVAL;
		j->nspecs = 1;
	} else if (lim->menu && rewrite && has_recompressible(j)) {
		j->nspecs = menu_specs(lim, 0, j->res, 0, j->specs,
		    PDF_MAX_SPECS);
		menu_sort(lim, 0, j->res, j->specs, j->nspecs);
	}
	return 0;
}

static int
menu_sink(void *ctx, const unsigned char *p, size_t len)
{
	return engine_menu_put(ctx, p, len);
}

/* Spec s's document after keep, as QPDF writes it (its size is known:
 * it was measured). */
static int
pdf_put_spec(struct engine *e, struct pdf_job *j, int s,
    struct report_variant *v)
{
	struct pdf_sink sink = { menu_sink, e };
	size_t size;
	int rc;

	if ((rc = engine_menu_open(e, v)) < 0 ||
	    (rc = pdf_job_write(j, s, &sink, &size)) < 0)
		return rc;
	assert((int64_t)size == v->bytes);
	snprintf(v->ext, sizeof v->ext, "pdf");
	return 0;
}

/* Lists variant v when the menu takes it, with its bytes after keep
 * (the lossless rewrite, s -1, or spec s's document) unless the spec
 * was dropped (pdf_job.dropped): then without an offset, and the
 * daemon asks for it with --variant (report.h). Returns 1 when
 * --target is met (stop), 0, or a negative errno. */
static int
pdf_offer(struct engine *e, struct pdf_job *j, int s, struct report_variant *v,
    const struct lossless *lb)
{
	struct filter_report *rep = e->rep;
	uint64_t target = e->in->lim->target;
	int rc = 0;

	if (!menu_takes(rep, v))
		return 0;
	v->offset = -1;
	if (s < 0 && lb->b.len)
		rc = engine_menu_add(e, v, lb->b.p, lb->b.len, "pdf");
	else if (s < 0 || !j->dropped[s])
		rc = pdf_put_spec(e, j, s, v);
	if (rc < 0)
		return rc;
	rep->variants[rep->nvariants++] = *v;
	return target && (uint64_t)v->bytes <= target;
}

/* The menu after keep, best rank first (report.h): the lossless rewrite
 * (measured before the images were encoded, lb), then each spec's document,
 * one at a time, measured first and written only when listed. With
 * --target it stops at the first variant that small. */
static int
pdf_menu(struct engine *e, struct pdf_job *j, struct lossless *lb)
{
	struct report_variant v;
	struct vspec *sp;
	size_t size;
	int s = 0, rc = 0;

	if (lb->size) {
		v = (struct report_variant){ .id = "lossless",
			.bytes = (int64_t)lb->size,
			.rank = 99 };
		rc = pdf_offer(e, j, -1, &v, lb);
	}
	buf_release(&lb->b);
	for (s = j->ladder.first; s < j->ladder.nmade && rc == 0; s++) {
		sp = &j->specs[s];
		rc = pdf_job_write(j, s, NULL, &size);
		if (rc == 0 && j->replaced > 0) {
			/* no image had colour: every one went grey */
			if (!j->colour && !sp->grey) {
				sp->grey = 1;
				vspec_name(sp);
			}
			v = (struct report_variant){ .bytes = (int64_t)size,
				.rank = vspec_rank(e->in->lim, 0, j->res, sp) };
			snprintf(v.id, sizeof v.id, "%s", sp->id);
			rc = pdf_offer(e, j, s, &v, NULL);
		} else if (rc != -ENOMEM)
			rc = 0; /* the lossless rewrite, or nothing */
		pdf_job_drop(j, s);
	}
	if ((rc == 1 && s < j->nspecs) || ladder_partial(&j->ladder))
		e->rep->menu_partial = 1;
	return rc < 0 ? rc : 0;
}

static int
pdf_lossless(struct engine *e, int rewrite)
{
	int rc;

	if (!rewrite) {
		filter_set_status(e->rep, FS_UNSUPPORTED, "unknown variant");
		return 0;
	}
	if ((rc = pdf_rewrite(e->in->buf, e->in->len, &e->out)) == -EINVAL)
		filter_set_status(e->rep, FS_CORRUPT, "pdf: cannot rewrite");
	else
		engine_note(e, "pdf lossless rewrite");
	return rc == -EINVAL ? 0 : rc;
}

static int
pdf_lossy(struct engine *e, struct pdf_job *j)
{
	struct pdf_sink sink = { pdf_sink_buf, &e->out };
	char note[64];
	size_t size;
	int rc;

	if ((rc = pdf_job_write(j, 0, &sink, &size)) == -EINVAL) {
		filter_set_status(e->rep, FS_CORRUPT, "pdf: cannot rewrite");
		return 0;
	}
	engine_describe(e, "pdf jpeg", &j->specs[0],
	    j->specs[0].grey || !j->colour);
	snprintf(note, sizeof note, "%d of %zu images recompressed",
	    j->replaced, j->nimg);
	engine_note(e, note);
	return rc;
}

/* Keep: the document as it is, incremental updates included, from its
 * header to its last %%EOF (e->in is already cut there; cut says where,
 * pdf_doc). A polyglot (data was cut) that may be rewritten is kept as
 * its lossless rewrite when that is not larger: QPDF writes only the
 * objects the document uses, so a payload hidden in an unreferenced
 * object goes too, and the offsets are right whatever the bytes before
 * the header did to them. */
static int
pdf_keep(struct engine *e, struct pdf_job *j, struct lossless *lb, int cut)
{
	if (cut & 1)
		engine_note(e, "leading data removed");
	if (cut & 2)
		engine_note(e, "trailing data removed");
	if (cut && lb->b.len && lb->b.len <= e->in->len) {
		engine_note(e, "pdf lossless rewrite");
		e->out = lb->b;
		*lb = (struct lossless){ 0 };
	} else { /* the upload itself: not copied */
		e->out = (struct buf){ .p = (unsigned char *)e->in->buf,
			.len = e->in->len };
		e->out_borrowed = 1;
	}
	e->rep->variants[0] = (struct report_variant){ .id = "keep",
		.bytes = (int64_t)e->out.len,
		.rank = 100 };
	e->rep->nvariants = 1;
	return e->in->lim->menu ? pdf_menu(e, j, lb) : 0;
}

/* Whether --target rules the lossless rewrite out before it is made: it
 * copies DCT images and images stored with Flate alone as they are, so
 * it is at least as large as they are (a 10 MB scan's rewrite costs
 * about 40 ms, a 27 MB Flate scan's 150). The menu is not called
 * partial for it: menu_partial asks the daemon for variants that may fit
 * (report.h), and one larger than the target fits less than those listed
 * (the planner may then keep the file as it is, but not step up to
 * its rewrite). */
static int
pdf_lossless_too_large(struct engine *e, const struct pdf_job *j)
{
	uint64_t target = e->in->lim->target, kept = 0;

	for (size_t i = 0; i < j->nimg; i++)
		if (j->img[i].dct || j->img[i].flate)
			kept += j->img[i].stored;
	return e->in->lim->menu && target && kept > target;
}

/* The lossless rewrite measured into lb when the menu will list it, or
 * made when keep may be it (cut: a polyglot). */
static int
pdf_lossless_make(struct engine *e, struct pdf_job *j, int rewrite, int cut,
    struct lossless *lb)
{
	struct pdf_sink sink = { pdf_sink_buf, &lb->b };
	const char *v = e->in->lim->variant;
	size_t size;
	int rc;

	if (!rewrite || (!e->in->lim->menu && !cut) ||
	    (v[0] && strcmp(v, "keep")) ||
	    (!cut && pdf_lossless_too_large(e, j)))
		return 0;
	rc = pdf_job_write(j, -1, cut ? &sink : NULL, &size);
	if (rc < 0)
		buf_release(&lb->b);
	else
		lb->size = size;
	return rc == -ENOMEM ? rc : 0;
}

/* With --target, a lossless rewrite that small ends the menu there: the
 * images need no encoding (they are still decoded and judged). */
static void
pdf_target_lossless(struct engine *e, struct pdf_job *j,
    const struct lossless *lb, int cut)
{
	uint64_t target = e->in->lim->target;

	/* listed: smaller than keep, which a polyglot's rewrite is */
	if (e->in->lim->menu && target && !cut && lb->size &&
	    lb->size < e->in->len && lb->size <= target && j->nspecs) {
		e->rep->menu_partial = 1;
		j->nspecs = 0;
	}
}

/* With --target, each image's ladder stops at its share of what the
 * document's images may take: the target less the rest of the document
 * (as the lossless rewrite writes it, when made). */
static void
pdf_target_images(struct engine *e, struct pdf_job *j,
    const struct lossless *lb)
{
	size_t rest = lb->size ? lb->size : e->in->len;

	if (!e->in->lim->menu || e->in->lim->target == 0)
		return;
	for (size_t i = 0; i < j->nimg; i++)
		if (j->img[i].ok) {
			rest -= rest > j->img[i].stored ? j->img[i].stored :
							  rest;
			j->pixels += (double)j->img[i].w * j->img[i].h;
		}
	j->target = e->in->lim->target;
	j->other = rest;
}

/* Analyses the pages, then writes keep (and the menu), the lossless
 * rewrite or one lossy variant. A signed PDF is only ever kept (an
 * encrypted one, opened without a password, is rewritten with its
 * encryption). Everything works on the document from its header to its
 * last %%EOF. */
static int
pdf_emit(struct engine *e)
{
	const struct filter_input *orig = e->in;
	struct filter_input doc;
	const char *v = orig->lim->variant;
	struct pdf_job j;
	struct lossless lb = { 0 };
	int rc, rewrite, cut;

	cut = pdf_doc(orig, &doc);
	e->in = &doc;
	engine_out_type(e, "application/pdf", "pdf");
	/* --variant holds its one spec: the variant the daemon chose */
	if ((rc = pdf_job_open(&j, &doc)) == 0 && orig->lim->menu && !v[0])
		j.hold_max = MENU_HOLD;
	if (rc == -E2BIG)
		goto over;
	if (rc < 0) {
		if (rc == -EINVAL)
			filter_set_status(e->rep, FS_CORRUPT,
			    "pdf: cannot read");
		goto out;
	}
	rewrite = pdf_may_rewrite(doc.buf, doc.len) && !pdf_has_signature(j.q);
	e->rep->signed_pdf = !rewrite;
	pdf_judge(e, &j);
	if (e->rep->status != FS_OK)
		goto out;
	if (pdf_plan(e, &j, rewrite) < 0) {
		filter_set_status(e->rep, FS_UNSUPPORTED, "unknown variant");
		goto out;
	}
	if ((rc = pdf_lossless_make(e, &j, rewrite, cut, &lb)) < 0)
		goto out;
	pdf_target_lossless(e, &j, &lb, cut);
	pdf_target_images(e, &j, &lb);
	if ((rc = pdf_job_encode(&j)) == -E2BIG)
		goto over;
	if (rc < 0)
		goto out;
	e->rep->color = j.colour;
	if (j.blank_page)
		engine_blank(e, j.blank_page, j.npages);
	else if (j.nspecs && v[0])
		rc = pdf_lossy(e, &j);
	else if (strcmp(v, "lossless") == 0)
		rc = pdf_lossless(e, rewrite);
	else
		rc = pdf_keep(e, &j, &lb, cut);
	goto out;
over: /* a drawn Flate image past the limit (pdf_flate_image) */
	filter_set_limit(e->rep, "stream");
	rc = 0;
out:
	buf_release(&lb.b);
	pdf_job_release(&j);
	e->in = orig;
	return rc == -EINVAL ? 0 : rc;
}

const struct fmt_ops fmt_pdf = {
	.mime = "application/pdf",
	.ext = "pdf",
	.probe = pdf_probe,
	.emit = pdf_emit,
};
