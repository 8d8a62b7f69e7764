/*
 * fmt_pdf.c: PDF through QPDF's C API, read from memory: object and page
 * counts first, then every object parsed and every page's content decoded.
 * SECURITY: parses uploaded bytes. QPDF reports errors through its handle
 * (exceptions never cross the C API); nothing is written or decrypted
 * with a guessed password: an empty user password only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <qpdf/qpdf-c.h>

#include "engine.h"
#include "filter.h"
#include "pdfimg.h"

/* The message of the pending error (or of the first warning), or NULL. */
static const char *pdf_problem(qpdf_data q, enum qpdf_error_code_e *code)
{
	qpdf_error e = qpdf_has_error(q) ? qpdf_get_error(q) :
	    qpdf_more_warnings(q) ? qpdf_next_warning(q) : NULL;

	if (e == NULL)
		return NULL;
	if (code)
		*code = qpdf_get_error_code(q, e);
	return qpdf_get_error_full_text(q, e);
}

static long long pdf_int_key(qpdf_data q, qpdf_oh dict, const char *key)
{
	qpdf_oh v = qpdf_oh_get_key(q, dict, key);
	long long n = 0;

	if (!qpdf_oh_get_value_as_longlong(q, v, &n))
		n = -1;
	qpdf_oh_release(q, v);
	return n;
}

/* Declared counts against the limits, before anything is decoded.
 * Returns 0, or -1 with the status set. */
static int pdf_check_counts(qpdf_data q, const struct filter_input *in,
    struct filter_report *rep)
{
	qpdf_oh trailer = qpdf_get_trailer(q), root = qpdf_get_root(q);
	qpdf_oh pages = qpdf_oh_get_key(q, root, "/Pages");
	long long objects = pdf_int_key(q, trailer, "/Size");
	long long count = pdf_int_key(q, pages, "/Count");

	qpdf_oh_release(q, pages);
	if (objects > 0 && (uint64_t)objects > in->lim->max_objects) {
		filter_set_limit(rep, "objects");
		return -1;
	}
	if (count > 0 && (uint64_t)count > in->lim->max_pages) {
		rep->pages = count;
		filter_set_limit(rep, "pages");
		return -1;
	}
	return 0;
}

/* Parses every object the xref names (generation 0) and bounds each
 * stream's stored length. Returns 0, or -1 with the status set. */
static int pdf_walk_objects(qpdf_data q, const struct filter_input *in,
    struct filter_report *rep)
{
	long long size = pdf_int_key(q, qpdf_get_trailer(q), "/Size"), len;
	qpdf_oh obj, dict;

	for (long long i = 1; i < size && !qpdf_has_error(q); i++) {
		obj = qpdf_get_object_by_id(q, (int)i, 0);
		if (qpdf_oh_is_stream(q, obj)) {
			dict = qpdf_oh_get_dict(q, obj);
			len = pdf_int_key(q, dict, "/Length");
			if (len > 0 && (uint64_t)len > in->lim->max_stream_bytes) {
				filter_set_limit(rep, "stream");
				return -1;
			}
			qpdf_oh_release(q, dict);
		}
		qpdf_oh_release(q, obj);
	}
	return 0;
}

/* Decodes every page's content streams. Returns 0 or -1. */
static int pdf_decode_pages(qpdf_data q, int n)
{
	unsigned char *data;
	size_t len;
	qpdf_oh page;

	for (int i = 0; i < n; i++) {
		page = qpdf_get_page_n(q, (size_t)i);
		data = NULL;
		if (qpdf_oh_get_page_content_data(q, page, &data, &len) &
		    QPDF_ERRORS) {
			free(data);
			return -1;
		}
		free(data);
		qpdf_oh_release(q, page);
	}
	return qpdf_has_error(q) ? -1 : 0;
}

static void pdf_corrupt(qpdf_data q, struct filter_report *rep,
    const char *what)
{
	const char *msg = pdf_problem(q, NULL);

	filter_set_status(rep, FS_CORRUPT, "pdf: %s%s%s", what,
	    msg ? ": " : "", msg ? msg : "");
}

static void pdf_verdict(qpdf_data q, const struct filter_input *in,
    struct filter_report *rep)
{
	int n;

	if (pdf_check_counts(q, in, rep) < 0)
		return;
	n = qpdf_get_num_pages(q);
	rep->pages = n > 0 ? n : 0;
	if (qpdf_has_error(q) || n <= 0)
		return pdf_corrupt(q, rep, "no readable pages");
	if ((uint64_t)n > in->lim->max_pages)
		return filter_set_limit(rep, "pages");
	if (pdf_walk_objects(q, in, rep) < 0)
		return;
	if (qpdf_has_error(q))
		return pdf_corrupt(q, rep, "unreadable object");
	if (pdf_decode_pages(q, n) < 0)
		return pdf_corrupt(q, rep, "unreadable page content");
	rep->status = FS_OK;
	if (qpdf_is_encrypted(q))
		filter_set_status(rep, FS_OK, "pdf: owner password only");
}

static void pdf_open_failed(qpdf_data q, struct filter_report *rep)
{
	enum qpdf_error_code_e code = qpdf_e_success;
	const char *msg = pdf_problem(q, &code);

	if (code == qpdf_e_password)
		filter_set_status(rep, FS_ENCRYPTED, "pdf: needs a password");
	else
		filter_set_status(rep, FS_CORRUPT, "pdf: %s",
		    msg ? msg : "cannot open");
}

static int pdf_probe(const struct filter_input *in,
    struct filter_report *rep)
{
	qpdf_data q = qpdf_init();

	if (q == NULL)
		return -ENOMEM;
	qpdf_silence_errors(q);
	qpdf_set_suppress_warnings(q, QPDF_TRUE);
	if (qpdf_read_memory(q, "upload", (const char *)in->buf, in->len,
	    "") & QPDF_ERRORS)
		pdf_open_failed(q, rep);
	else
		pdf_verdict(q, in, rep);
	qpdf_cleanup(&q);
	return 0;
}

/* Resolution and blankness first: a scan below --low-dpi is refused
 * before anything is encoded. */
static void pdf_judge(struct engine *e, const struct pdf_job *j)
{
	const struct filter_limits *lim = e->in->lim;
	struct filter_report *rep = e->rep;

	rep->dpi = (int64_t)(j->dpi + 0.5);
	if (j->dpi > 0 && j->dpi < lim->low_dpi)
		filter_set_status(rep, FS_LOWRES, "%d dpi is below %d",
		    (int)rep->dpi, lim->low_dpi);
}

static int has_recompressible(const struct pdf_job *j)
{
	for (size_t i = 0; i < j->nimg; i++)
		if (j->img[i].ok)
			return 1;
	return 0;
}

/* The specs to encode: the menu's, or the one --variant names. A signed
 * or encrypted PDF has none. -EINVAL for an unknown variant. */
static int pdf_plan(struct engine *e, struct pdf_job *j, int rewrite)
{
	const struct filter_limits *lim = e->in->lim;
	const char *v = lim->variant;

	if (v[0] && strcmp(v, "keep") != 0 && strcmp(v, "lossless") != 0) {
		if (!rewrite || vspec_parse(v, &j->specs[0]) < 0 ||
		    v[0] != 'd')
			return -EINVAL;
		j->nspecs = 1;
	} else if (lim->menu && rewrite && has_recompressible(j))
		j->nspecs = menu_specs(lim, 0, j->res, 0, j->specs,
		    PDF_MAX_SPECS);
	return 0;
}

/* The menu after keep: the lossless rewrite (sized before the images
 * were encoded, so its buffers and theirs are never held together) and
 * each spec's document, each written in memory for its exact size. */
static int pdf_menu(struct engine *e, struct pdf_job *j, size_t lossless)
{
	struct report_variant v[PDF_MAX_SPECS + 1];
	struct vspec *sp;
	size_t size;
	int n = 0, rc;

	if (lossless)
		v[n++] = (struct report_variant){ .id = "lossless",
		    .bytes = (int64_t)lossless, .rank = 99, .offset = -1 };
	for (int s = 0; s < j->nspecs; s++) {
		sp = &j->specs[s];
		rc = pdf_job_write(j, s, NULL, &size);
		pdf_job_drop(j, s);
		if (rc == -ENOMEM)
			return rc;
		if (rc < 0 || j->replaced == 0)
			continue;	/* the lossless rewrite, or nothing */
		if (!j->colour)
			sp->id[strlen(sp->id) - 1] = 'g';
		v[n] = (struct report_variant){ .bytes = (int64_t)size,
		    .rank = vspec_rank(e->in->lim, 0, j->res, sp),
		    .offset = -1 };
		snprintf(v[n++].id, sizeof v->id, "%s", sp->id);
	}
	menu_publish(e->rep, v, n);
	return 0;
}

static int pdf_lossless(struct engine *e, int rewrite)
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

static int pdf_lossy(struct engine *e, struct pdf_job *j)
{
	char note[64];
	size_t size;
	int rc;

	if ((rc = pdf_job_write(j, 0, &e->out, &size)) == -EINVAL) {
		filter_set_status(e->rep, FS_CORRUPT, "pdf: cannot rewrite");
		return 0;
	}
	engine_describe(e, "pdf jpeg", &j->specs[0], j->specs[0].grey ||
	    !j->colour);
	snprintf(note, sizeof note, "%d of %zu images recompressed",
	    j->replaced, j->nimg);
	engine_note(e, note);
	return rc;
}

/* Keep: the PDF as it is, incremental updates included. */
static int pdf_keep(struct engine *e, struct pdf_job *j, size_t lossless)
{
	int rc;

	e->rep->variants[0] = (struct report_variant){ .id = "keep",
	    .bytes = (int64_t)e->in->len, .rank = 100 };
	e->rep->nvariants = 1;
	if ((rc = buf_add(&e->out, e->in->buf, e->in->len)) < 0)
		return rc;
	return e->in->lim->menu ? pdf_menu(e, j, lossless) : 0;
}

/* The lossless rewrite's size when the menu will list it, else 0. */
static int pdf_lossless_size(struct engine *e, struct pdf_job *j,
    int rewrite, size_t *size)
{
	const char *v = e->in->lim->variant;
	int rc;

	*size = 0;
	if (!rewrite || !e->in->lim->menu || (v[0] && strcmp(v, "keep")))
		return 0;
	rc = pdf_job_write(j, -1, NULL, size);
	if (rc < 0)
		*size = 0;
	return rc == -ENOMEM ? rc : 0;
}

/* Analyses the pages, then writes keep (and sizes the menu), the
 * lossless rewrite or one lossy variant. A signed or encrypted PDF is
 * only ever kept. */
static int pdf_emit(struct engine *e)
{
	const char *v = e->in->lim->variant;
	struct pdf_job j;
	size_t lossless = 0;
	int rc, rewrite;

	engine_out_type(e, "application/pdf", "pdf");
	if ((rc = pdf_job_open(&j, e->in)) < 0) {
		if (rc == -EINVAL)
			filter_set_status(e->rep, FS_CORRUPT,
			    "pdf: cannot read");
		goto out;
	}
	rewrite = pdf_may_rewrite(e->in->buf, e->in->len) &&
	    !qpdf_is_encrypted(j.q) && !pdf_has_signature(j.q);
	pdf_judge(e, &j);
	if (e->rep->status != FS_OK)
		goto out;
	if (pdf_plan(e, &j, rewrite) < 0) {
		filter_set_status(e->rep, FS_UNSUPPORTED, "unknown variant");
		goto out;
	}
	if ((rc = pdf_lossless_size(e, &j, rewrite, &lossless)) < 0 ||
	    (rc = pdf_job_encode(&j)) < 0)
		goto out;
	e->rep->color = j.colour;
	if (j.blank)
		filter_set_status(e->rep, FS_BLANK, "no content");
	else if (j.nspecs && v[0])
		rc = pdf_lossy(e, &j);
	else if (strcmp(v, "lossless") == 0)
		rc = pdf_lossless(e, rewrite);
	else
		rc = pdf_keep(e, &j, lossless);
out:
	pdf_job_release(&j);
	return rc == -EINVAL ? 0 : rc;
}

const struct fmt_ops fmt_pdf = {
	.mime = "application/pdf", .ext = "pdf", .probe = pdf_probe,
	.emit = pdf_emit,
};
