/* test_pdf_place.c: where a PDF page draws its images (filters/pdf_place.c,
 * pdf_page_scan) and the resolution the job gives them (pdf_job_open), on
 * small PDFs written here and read by QPDF. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "filter.h"
#include "pdfimg.h"

/* One object: a dictionary or other value, or with data a stream whose
 * dictionary's entries are dict (its /Length added here). */
struct pobj {
	const char *dict;
	const char *data;
};

/* A PDF of objects 1..n (1 the catalogue) with a correct xref table. */
static void
pdf_build(struct buf *out, const struct pobj *o, int n)
{
	size_t off[64];

	assert_true(n < 64);
	out->len = 0;
	assert_int_equal(buf_printf(out, "%%PDF-1.4\n"), 0);
	for (int i = 0; i < n; i++) {
		off[i] = out->len;
		if (o[i].data) {
			/* buf_printf writes at most 512 bytes: data apart */
			assert_int_equal(buf_printf(out,
					     "%d 0 obj\n<< %s "
					     "/Length %zu >>\nstream\n",
					     i + 1, o[i].dict,
					     strlen(o[i].data)),
			    0);
			assert_int_equal(buf_add(out, o[i].data,
					     strlen(o[i].data)),
			    0);
			assert_int_equal(buf_printf(out,
					     "\nendstream\nendobj\n"),
			    0);
		} else
			assert_int_equal(buf_printf(out,
					     "%d 0 obj\n%s\nendobj\n", i + 1,
					     o[i].dict),
			    0);
	}
	off[n] = out->len;
	assert_int_equal(buf_printf(out, "xref\n0 %d\n0000000000 65535 f \n",
			     n + 1),
	    0);
	for (int i = 0; i < n; i++)
		assert_int_equal(buf_printf(out, "%010zu 00000 n \n", off[i]),
		    0);
	assert_int_equal(buf_printf(out,
			     "trailer\n<< /Size %d /Root 1 0 R >>\n"
			     "startxref\n%zu\n%%%%EOF\n",
			     n + 1, off[n]),
	    0);
}

static qpdf_data
pdf_open(const struct buf *b)
{
	qpdf_data q = qpdf_init();

	assert_non_null(q);
	qpdf_silence_errors(q);
	qpdf_set_suppress_warnings(q, QPDF_TRUE);
	assert_false(
	    qpdf_read_memory(q, "test", (const char *)b->p, b->len, "") &
	    QPDF_ERRORS);
	return q;
}

#define IM0 5 /* 100 x 80, drawn */
#define IM1 7 /* 2000 x 1000, named but maybe not drawn */
#define A4 "/MediaBox [0 0 595 842]"

struct use_want {
	int obj;
	double w, h;
	int guess, under;
};

static const struct {
	const char *name;
	const char *pages_extra; /* in /Pages */
	const char *page_extra;	 /* in the page; NULL: A4 */
	const char *content;
	const char *form_matrix; /* NULL: none */
	const char *form_content;
	int undrawn; /* IM1 in the page's resources */
	int nuses;
	struct use_want want[4];
	int text, paint;
	double mw, mh;
} cases[] = {
	{ "a full page", "", NULL, "q 595 0 0 842 0 0 cm /Im0 Do Q", NULL, "",
	    0, 1, { { IM0, 595, 842, 0, 0 } }, 0, 0, 595, 842 },
	{ "cm nested in q", "", NULL,
	    "2 0 0 2 0 0 cm q 100 0 0 50 10 10 cm /Im0 Do Q", NULL, "", 0, 1,
	    { { IM0, 200, 100, 0, 0 } }, 0, 0, 595, 842 },
	{ "turned a quarter", "", NULL, "0 100 -50 0 300 0 cm /Im0 Do", NULL,
	    "", 0, 1, { { IM0, 100, 50, 0, 0 } }, 0, 0, 595, 842 },
	{ "Q restores", "", NULL,
	    "q 10 0 0 10 0 0 cm Q 100 0 0 80 0 0 cm /Im0 Do", NULL, "", 0, 1,
	    { { IM0, 100, 80, 0, 0 } }, 0, 0, 595, 842 },
	{ "a Q too many is ignored", "", NULL, "Q Q 100 0 0 80 0 0 cm /Im0 Do",
	    NULL, "", 0, 1, { { IM0, 100, 80, 0, 0 } }, 0, 0, 595, 842 },
	{ "drawn twice", "", NULL,
	    "q 100 0 0 80 0 0 cm /Im0 Do Q q 50 0 0 40 0 0 cm /Im0 Do Q", NULL,
	    "", 0, 2, { { IM0, 100, 80, 0, 0 }, { IM0, 50, 40, 0, 0 } }, 0, 0,
	    595, 842 },
	{ "a form's matrix", "", NULL, "q 1 0 0 1 50 50 cm /Fm0 Do Q",
	    "[0.5 0 0 0.5 0 0]", "200 0 0 300 0 0 cm /Im0 Do", 0, 1,
	    { { IM0, 100, 150, 0, 0 } }, 0, 0, 595, 842 },
	{ "a form's bad matrix is identity", "", NULL, "/Fm0 Do",
	    "[0.5 0 0 /x 0 0]", "200 0 0 300 0 0 cm /Im0 Do", 0, 1,
	    { { IM0, 100, 300, 0, 0 } }, 0, 0, 595, 842 },
	/* a form drawing itself: FORM_DEPTH levels, then taken as paint */
	{ "a form drawing itself", "", NULL, "/Fm0 Do", NULL,
	    "/Fm0 Do 10 0 0 10 0 0 cm /Im0 Do", 0, 3,
	    { { IM0, 10, 10, 0, 0 }, { IM0, 10, 10, 0, 0 },
		{ IM0, 10, 10, 0, 0 } },
	    0, 1, 595, 842 },
	/* the long side along the page's: a landscape image on a portrait
	 * page is placed turned */
	{ "an image named, not drawn", "", NULL, "100 0 0 80 0 0 cm /Im0 Do",
	    NULL, "", 1, 2, { { IM0, 100, 80, 0, 0 }, { IM1, 842, 595, 1, 0 } },
	    0, 0, 595, 842 },
	{ "drawn in a form is drawn", "", NULL, "/Fm0 Do", NULL,
	    "30 0 0 40 0 0 cm /Im1 Do", 1, 2,
	    { { IM1, 30, 40, 0, 0 }, { IM0, 842, 595, 1, 0 } }, 0, 0, 595,
	    842 },
	{ "text over an image", "", NULL,
	    "q 595 0 0 842 0 0 cm /Im0 Do Q BT /F1 12 Tf (hi) Tj ET", NULL, "",
	    0, 1, { { IM0, 595, 842, 0, 1 } }, 1, 0, 595, 842 },
	{ "an invisible OCR layer", "", NULL,
	    "q 595 0 0 842 0 0 cm /Im0 Do Q BT 3 Tr (hi) Tj [(a)] TJ ET", NULL,
	    "", 0, 1, { { IM0, 595, 842, 0, 0 } }, 1, 0, 595, 842 },
	{ "text under an image", "", NULL,
	    "BT (hi) Tj ET q 595 0 0 842 0 0 cm /Im0 Do Q", NULL, "", 0, 1,
	    { { IM0, 595, 842, 0, 0 } }, 1, 0, 595, 842 },
	/* from here on Im0 is named and not drawn: a guess */
	{ "a path paints", "", NULL, "0 0 m 10 10 l S", NULL, "", 0, 1,
	    { { IM0, 842, 595, 1, 0 } }, 0, 1, 595, 842 },
	{ "a shading paints", "", NULL, "/Sh0 sh", NULL, "", 0, 1,
	    { { IM0, 842, 595, 1, 0 } }, 0, 1, 595, 842 },
	{ "an inline image paints and is skipped", "", NULL,
	    "BI /W 4 /H 1 /BPC 8 /CS /G ID \001EI\002 EI 100 0 0 80 0 0 cm "
	    "/Im0 Do",
	    NULL, "", 0, 1, { { IM0, 100, 80, 0, 0 } }, 0, 1, 595, 842 },
	{ "strings, hex, dicts and comments hide operators", "", NULL,
	    "(q 9 0 0 9 0 0 cm \\) /Im0 Do) pop <2f496d3020446f> pop "
	    "<< /Im0 /Do >> pop % 5 0 0 5 0 0 cm /Im0 Do\n"
	    "100 0 0 80 0 0 cm /Im0 Do",
	    NULL, "", 0, 1, { { IM0, 100, 80, 0, 0 } }, 0, 0, 595, 842 },
	{ "cm short of numbers", "", NULL, "100 0 0 80 0 cm /Im0 Do", NULL, "",
	    0, 1, { { IM0, 1, 1, 0, 0 } }, 0, 0, 595, 842 },
	{ "a missing name", "", NULL, "/Nope Do /Im0 Do", NULL, "", 0, 1,
	    { { IM0, 1, 1, 0, 0 } }, 0, 0, 595, 842 },
	{ "annotations paint", "",
	    A4 " /Annots [<< /Type /Annot /Subtype "
	       "/Text /Rect [0 0 10 10] >>]",
	    "", NULL, "", 0, 1, { { IM0, 842, 595, 1, 0 } }, 0, 1, 595, 842 },
	/* the guess's long side along the page's long side */
	{ "an inherited MediaBox", "/MediaBox [0 0 842 595]", "", "", NULL, "",
	    0, 1, { { IM0, 842, 595, 1, 0 } }, 0, 0, 842, 595 },
	{ "a MediaBox not at 0", "", "/MediaBox [100 200 400 -100]", "", NULL,
	    "", 0, 1, { { IM0, 300, 300, 1, 0 } }, 0, 0, 300, 300 },
	{ "an empty MediaBox is A4", "", "/MediaBox [0 0 0 0]", "", NULL, "", 0,
	    1, { { IM0, 841.68, 595.44, 1, 0 } }, 0, 0, 595.44, 841.68 },
	{ "a short MediaBox is A4", "", "/MediaBox [0 0 100]", "", NULL, "", 0,
	    1, { { IM0, 841.68, 595.44, 1, 0 } }, 0, 0, 595.44, 841.68 },
};

static int
near(double a, double b)
{
	return fabs(a - b) < 1e-6;
}

/* Case i's PDF: catalogue, pages, page, content, Im0, Fm0, Im1. */
static void
case_pdf(size_t i, struct buf *b)
{
	char pages[256], page[512], form[256];
	const struct pobj o[] = {
		{ "<< /Type /Catalog /Pages 2 0 R >>", NULL },
		{ pages, NULL },
		{ page, NULL },
		{ "", cases[i].content },
		{ "/Type /XObject /Subtype /Image /Width 100 /Height 80 "
		  "/ColorSpace /DeviceGray /BitsPerComponent 8",
		    "x" },
		{ form, cases[i].form_content },
		{ "/Type /XObject /Subtype /Image /Width 2000 /Height 1000 "
		  "/ColorSpace /DeviceGray /BitsPerComponent 8",
		    "x" },
	};

	snprintf(pages, sizeof pages,
	    "<< /Type /Pages /Kids [3 0 R] /Count 1 "
	    "%s >>",
	    cases[i].pages_extra);
	snprintf(page, sizeof page,
	    "<< /Type /Page /Parent 2 0 R %s "
	    "/Resources << /XObject << /Im0 5 0 R /Fm0 6 0 R %s >> >> "
	    "/Contents 4 0 R >>",
	    cases[i].page_extra ? cases[i].page_extra : A4,
	    cases[i].undrawn ? "/Im1 7 0 R" : "");
	snprintf(form, sizeof form,
	    "/Type /XObject /Subtype /Form "
	    "/BBox [0 0 1000 1000] %s%s /Resources << /XObject << /Im0 5 0 R "
	    "/Im1 7 0 R /Fm0 6 0 R >> >>",
	    cases[i].form_matrix ? "/Matrix " : "",
	    cases[i].form_matrix ? cases[i].form_matrix : "");
	pdf_build(b, o, 7);
}

/* The number of things wrong in case i, each printed. */
static int
check_case(size_t i, const struct pdf_uses *u, const struct pdf_page_info *in)
{
	const struct use_want *w = cases[i].want;
	int bad = 0;

	if ((int)u->n != cases[i].nuses) {
		printf("%s: got %zu uses, want %d\n", cases[i].name, u->n,
		    cases[i].nuses);
		return 1;
	}
	for (size_t k = 0; k < u->n; k++)
		if (u->v[k].obj != w[k].obj || u->v[k].page != 0 ||
		    !near(u->v[k].w, w[k].w) || !near(u->v[k].h, w[k].h) ||
		    u->v[k].guess != w[k].guess ||
		    u->v[k].under != w[k].under) {
			printf(
			    "%s: use %zu got obj %d %gx%g guess %d under %d, "
			    "want obj %d %gx%g guess %d under %d\n",
			    cases[i].name, k, u->v[k].obj, u->v[k].w, u->v[k].h,
			    u->v[k].guess, u->v[k].under, w[k].obj, w[k].w,
			    w[k].h, w[k].guess, w[k].under);
			bad++;
		}
	if (in->text != cases[i].text || in->paint != cases[i].paint ||
	    !near(in->mw, cases[i].mw) || !near(in->mh, cases[i].mh)) {
		printf("%s: got text %d paint %d %gx%g pt, want text %d paint "
		       "%d %gx%g\n",
		    cases[i].name, in->text, in->paint, in->mw, in->mh,
		    cases[i].text, cases[i].paint, cases[i].mw, cases[i].mh);
		bad++;
	}
	return bad;
}

static void
test_page_scan(void **state)
{
	struct buf b = { 0 };
	struct pdf_uses u;
	struct pdf_page_info info;
	qpdf_data q;
	qpdf_oh page;
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		case_pdf(i, &b);
		q = pdf_open(&b);
		page = qpdf_get_page_n(q, 0);
		u = (struct pdf_uses){ 0 };
		assert_int_equal(pdf_page_scan(q, page, 0, 1 << 20, &u, &info),
		    0);
		bad += check_case(i, &u, &info);
		free(u.v);
		qpdf_oh_release(q, page);
		qpdf_cleanup(&q);
	}
	buf_release(&b);
	assert_int_equal(bad, 0);
}

/* q nested past CTM_DEPTH (64): the deeper q and their Q are ignored, so
 * the state after every Q is the page's again. A content stream over the
 * limit is unknown: taken as text and paint, never blank. */
static void
test_deep_and_over_limit(void **state)
{
	struct buf content = { 0 }, b = { 0 };
	struct pdf_uses u = { 0 };
	struct pdf_page_info info;
	struct pobj o[] = {
		{ "<< /Type /Catalog /Pages 2 0 R >>", NULL },
		{ "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", NULL },
		{ "<< /Type /Page /Parent 2 0 R " A4 " /Resources << /XObject "
		  "<< /Im0 5 0 R >> >> /Contents 4 0 R >>",
		    NULL },
		{ "", NULL },
		{ "/Type /XObject /Subtype /Image /Width 100 /Height 80 "
		  "/ColorSpace /DeviceGray /BitsPerComponent 8",
		    "x" },
	};
	qpdf_data q;
	qpdf_oh page;

	(void)state;
	for (int i = 0; i < 70; i++)
		assert_int_equal(buf_printf(&content, "q 2 0 0 2 0 0 cm "), 0);
	for (int i = 0; i < 70; i++)
		assert_int_equal(buf_printf(&content, "Q "), 0);
	assert_int_equal(buf_printf(&content, "100 0 0 80 0 0 cm /Im0 Do"), 0);
	assert_int_equal(buf_add(&content, "", 1), 0); /* a C string */
	o[3].data = (const char *)content.p;
	pdf_build(&b, o, 5);
	q = pdf_open(&b);
	page = qpdf_get_page_n(q, 0);
	assert_int_equal(pdf_page_scan(q, page, 0, 1 << 20, &u, &info), 0);
	assert_int_equal(u.n, 1);
	assert_true(near(u.v[0].w, 100) && near(u.v[0].h, 80));
	assert_int_equal(info.text + info.paint, 0);
	/* the same page read within fewer bytes than its content */
	u.n = 0;
	assert_int_equal(pdf_page_scan(q, page, 0, 100, &u, &info), 0);
	assert_int_equal(info.text, 1);
	assert_int_equal(info.paint, 1);
	assert_int_equal(u.n, 1); /* Im0 named: a guess */
	assert_int_equal(u.v[0].guess, 1);
	free(u.v);
	qpdf_oh_release(q, page);
	qpdf_cleanup(&q);
	buf_release(&b);
	buf_release(&content);
}

/* The resolution of a document's images and pages (pdf_job_open). */
struct job_page {
	const char *mediabox;
	const char *content; /* draws /Im0 (and /Im1) */
};

static const struct {
	const char *name;
	int npages;
	struct job_page pages[2];
	int w[2], h[2]; /* Im0, Im1 (0: none) */
	double want_dpi, want_res;
	double img_dpi[2];
} jobs[] = {
	{ "an A4 scan at 200 dpi", 1, { { A4, "595 0 0 842 0 0 cm /Im0 Do" } },
	    { 1654 }, { 2339 }, 200, 200, { 200 } },
	{ "an A4 scan at 300 dpi", 1, { { A4, "595 0 0 842 0 0 cm /Im0 Do" } },
	    { 2480 }, { 3508 }, 300, 300, { 300 } },
	/* the same pixels on an A3 page are 141 dpi as placed, but a scan
	 * whose page is larger than A4 is taken as on A4 */
	{ "a scan on a page larger than A4", 1,
	    { { "/MediaBox [0 0 842 1191]", "842 0 0 1191 0 0 cm /Im0 Do" } },
	    { 1654 }, { 2339 }, 200, 200, { 200 } },
	/* the least of its two axes' resolutions */
	{ "stretched", 1, { { A4, "297.5 0 0 421 0 0 cm /Im0 Do" } }, { 1654 },
	    { 585 }, 0, 100, { 100 } },
	/* a covering scan's pixels are taken as on A4 at the least */
	{ "stretched over the page", 1,
	    { { A4, "595 0 0 842 0 0 cm /Im0 Do" } }, { 1654 }, { 1170 }, 141.4,
	    141.4, { 141.4 } },
	/* a quarter of the page: not a scan, so the page has no
	 * resolution; ranks use the worst drawing's */
	{ "an image on a quarter of the page", 1,
	    { { A4, "297.5 0 0 421 0 0 cm /Im0 Do" } }, { 1654 }, { 2339 }, 0,
	    400, { 400 } },
	{ "half the page is a scan", 1,
	    { { A4, "595 0 0 421 0 0 cm /Im0 Do" } }, { 1654 }, { 1170 }, 200,
	    200, { 200 } },
	/* a mixed-raster page: its scan is the sharpest cover */
	{ "a mask over a background", 1,
	    { { A4,
		"q 595 0 0 842 0 0 cm /Im0 Do Q 595 0 0 842 0 0 cm "
		"/Im1 Do" } },
	    { 1240, 4960 }, { 1754, 7016 }, 600, 600, { 150, 600 } },
	/* the document's resolution is its worst scanned page's */
	{ "two pages", 2,
	    { { A4, "595 0 0 842 0 0 cm /Im0 Do" },
		{ A4, "595 0 0 842 0 0 cm /Im1 Do" } },
	    { 2480, 1240 }, { 3508, 1754 }, 150, 150, { 300, 150 } },
	/* an image drawn at two sizes has the resolution of the larger */
	{ "one image drawn twice", 2,
	    { { A4, "595 0 0 842 0 0 cm /Im0 Do" },
		{ A4, "297.5 0 0 421 0 0 cm /Im0 Do" } },
	    { 1654 }, { 2339 }, 200, 200, { 200 } },
	/* a certificate's background: text over it, not the page's scan */
	{ "text over the image", 1,
	    { { A4, "q 595 0 0 842 0 0 cm /Im0 Do Q BT (x) Tj ET" } }, { 1654 },
	    { 2339 }, 0, 200, { 200 } },
	{ "an OCR layer over a scan", 1,
	    { { A4, "q 595 0 0 842 0 0 cm /Im0 Do Q BT 3 Tr (x) Tj ET" } },
	    { 827 }, { 1170 }, 100, 100, { 100 } },
	/* under MIN_PLACED (36 pt): left alone */
	{ "drawn tiny", 1, { { A4, "30 0 0 30 0 0 cm /Im0 Do" } }, { 1654 },
	    { 2339 }, 0, 200, { 0 } },
	/* named, never drawn: a guess sizes its encoding only */
	{ "a guess", 1, { { A4, "" } }, { 2480 }, { 3508 }, 0, 200, { 300 } },
};

/* Job i's PDF: catalogue, pages, then per page its page and content,
 * then Im0 and Im1. */
static void
job_pdf(size_t i, struct buf *b)
{
	char kids[64], page[2][512], img[2][256];
	struct pobj o[10];
	int n = 0, np = jobs[i].npages, im = 2 + 2 * np + 1;

	snprintf(kids, sizeof kids,
	    "<< /Type /Pages /Kids [3 0 R%s] "
	    "/Count %d >>",
	    np == 2 ? " 5 0 R" : "", np);
	o[n++] = (struct pobj){ "<< /Type /Catalog /Pages 2 0 R >>", NULL };
	o[n++] = (struct pobj){ kids, NULL };
	for (int p = 0; p < np; p++) {
		snprintf(page[p], sizeof page[p],
		    "<< /Type /Page /Parent 2 0 R "
		    "%s /Resources << /XObject << /Im0 %d 0 R%s >> >> "
		    "/Contents %d 0 R >>",
		    jobs[i].pages[p].mediabox, im,
		    jobs[i].w[1] ? (np == 2 ? " /Im1 8 0 R" : " /Im1 6 0 R") :
				   "",
		    n + 2);
		o[n++] = (struct pobj){ page[p], NULL };
		o[n++] = (struct pobj){ "", jobs[i].pages[p].content };
	}
	for (int k = 0; k < 2 && jobs[i].w[k]; k++) {
		snprintf(img[k], sizeof img[k],
		    "/Type /XObject /Subtype /Image "
		    "/Width %d /Height %d /ColorSpace /DeviceGray "
		    "/BitsPerComponent 8",
		    jobs[i].w[k], jobs[i].h[k]);
		o[n++] = (struct pobj){ img[k], "x" };
	}
	pdf_build(b, o, n);
}

static void
test_job_dpi(void **state)
{
	struct filter_limits lim = { .max_stream_bytes = 1u << 30,
		.max_pixels = 1u << 30,
		.max_dpi = 200,
		.min_dpi = 150 };
	struct filter_input in = { .lim = &lim };
	struct buf b = { 0 };
	struct pdf_job j;
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof jobs / sizeof *jobs; i++) {
		job_pdf(i, &b);
		in.buf = b.p, in.len = b.len;
		assert_int_equal(pdf_job_open(&j, &in), 0);
		assert_int_equal(j.npages, jobs[i].npages);
		assert_int_equal(j.nimg, jobs[i].w[1] ? 2 : 1);
		if (fabs(j.dpi - jobs[i].want_dpi) > 0.5 ||
		    fabs(j.res - jobs[i].want_res) > 0.5) {
			printf("%s: got dpi %g res %g, want %g %g\n",
			    jobs[i].name, j.dpi, j.res, jobs[i].want_dpi,
			    jobs[i].want_res);
			bad++;
		}
		for (size_t k = 0; k < j.nimg; k++)
			if (fabs(j.img[k].dpi - jobs[i].img_dpi[k]) > 0.5) {
				printf(
				    "%s: image %zu (obj %d) got %g dpi, want "
				    "%g\n",
				    jobs[i].name, k, j.img[k].obj, j.img[k].dpi,
				    jobs[i].img_dpi[k]);
				bad++;
			}
		pdf_job_release(&j);
	}
	buf_release(&b);
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_scan),
		cmocka_unit_test(test_deep_and_over_limit),
		cmocka_unit_test(test_job_dpi),
	};

	return cmocka_run_group_tests_name("pdf_place", tests, NULL, NULL);
}
