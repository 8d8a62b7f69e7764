/*
 * pdf_write.c: a small PDF writer for pages that are one image each (a
 * TIFF's pages): JPEG pages as DCTDecode, bilevel pages as CCITT G4,
 * palette pages as Indexed Flate, each
 * image filling its page at its resolution, in its ICC profile when it
 * has one (ICCBased, one object per distinct profile). The same code
 * measures a PDF without its image data, so the menu knows a variant's
 * exact size.
 * SECURITY: writes encoded images made in this process; no parsing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "digest.h"
#include "pdfwrite.h"

struct pw {
	struct buf *out; /* NULL: measure only */
	size_t off;
	size_t *xref; /* object offsets, 1-based */
	int rc;
	/* distinct ICC profiles: pages[iccpage[k]] holds profile k, written
	 * as object iccobj + k */
	int *iccpage, nicc, iccobj;
};

static void
pw_add(struct pw *w, const void *p, size_t n)
{
	if (w->out && w->rc == 0 && p)
		w->rc = buf_add(w->out, p, n);
	w->off += n;
}

__attribute__((format(printf, 2, 3))) static void
pw_printf(struct pw *w, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp)
		w->rc = -EINVAL;
	else
		pw_add(w, tmp, (size_t)n);
}

static void
pw_obj(struct pw *w, int id)
{
	w->xref[id] = w->off;
	pw_printf(w, "%d 0 obj\n", id);
}

static int
same_icc(const struct pdf_page_img *a, const struct pdf_page_img *b)
{
	return a->icclen == b->icclen && a->ch == b->ch &&
	    memcmp(a->icc, b->icc, a->icclen) == 0;
}

/* The object of page p's profile (0 for none), numbering the distinct
 * ones as they come. */
static int
pw_icc_obj(struct pw *w, const struct pdf_page_img *pages, int p)
{
	int k;

	if (pages[p].icc == NULL || pages[p].ch == 0 || pages[p].palette)
		return 0;
	for (k = 0; k < w->nicc; k++)
		if (same_icc(&pages[w->iccpage[k]], &pages[p]))
			return w->iccobj + k;
	w->iccpage[w->nicc] = p;
	return w->iccobj + w->nicc++;
}

static void
pw_icc(struct pw *w, int id, const struct pdf_page_img *p)
{
	pw_obj(w, id);
	pw_printf(w, "<< /N %d /Alternate /%s /Length %zu >>\nstream\n", p->ch,
	    p->ch == 3 ? "DeviceRGB" : "DeviceGray", p->icclen);
	pw_add(w, p->icc, p->icclen);
	pw_printf(w, "\nendstream\nendobj\n");
}

/* An Indexed colour space's lookup table, as hex. */
static void
pw_palette(struct pw *w, const struct pdf_page_img *p)
{
	char line[2 * 16 + 1];

	pw_printf(w, "/ColorSpace [/Indexed /DeviceRGB %d <", p->ncolours - 1);
	for (int i = 0; i < p->ncolours * 3; i += 16) {
		int n = p->ncolours * 3 - i < 16 ? p->ncolours * 3 - i : 16;

		hex_encode(p->palette + i, (size_t)n, line);
		pw_add(w, line, (size_t)n * 2);
	}
	pw_printf(w, ">] ");
}

static void
pw_image(struct pw *w, int id, const struct pdf_page_img *p, int icc)
{
	pw_obj(w, id);
	pw_printf(w,
	    "<< /Type /XObject /Subtype /Image /Width %d /Height %d "
	    "/BitsPerComponent %d ",
	    p->w, p->h,
	    p->flate  ? p->bpc :
		p->ch ? 8 :
			1);
	if (p->flate && p->palette)
		pw_palette(w, p);
	else if (icc)
		pw_printf(w, "/ColorSpace [/ICCBased %d 0 R] ", icc);
	else
		pw_printf(w, "/ColorSpace /%s ",
		    p->ch == 3 ? "DeviceRGB" : "DeviceGray");
	if (p->flate)
		pw_printf(w, "/Filter /FlateDecode ");
	else if (p->ch)
		pw_printf(w, "/Filter /DCTDecode ");
	else
		pw_printf(w,
		    "/Filter /CCITTFaxDecode /DecodeParms << /K -1 "
		    "/Columns %d /Rows %d /BlackIs1 false >> ",
		    p->w, p->h);
	pw_printf(w, "/Length %zu >>\nstream\n", p->len);
	if (w->out && p->data == NULL)
		w->rc = -EINVAL;
	pw_add(w, p->data, p->len);
	pw_printf(w, "\nendstream\nendobj\n");
}

/* The matrix that draws the unit square of an image stored turned by
 * EXIF orientation o upright on a W x H page: (u, v) -> (a u + c v + e,
 * b u + d v + f). */
static void
pw_orient(int o, double W, double H, double m[6])
{
	static const signed char t[9][6] = {
		{ 1, 0, 0, 1, 0, 0 },
		{ 1, 0, 0, 1, 0, 0 },
		{ -1, 0, 0, 1, 1, 0 },
		{ -1, 0, 0, -1, 1, 1 },
		{ 1, 0, 0, -1, 0, 1 },
		{ 0, -1, -1, 0, 1, 1 },
		{ 0, -1, 1, 0, 0, 1 },
		{ 0, 1, 1, 0, 0, 0 },
		{ 0, 1, -1, 0, 1, 0 },
	};
	const signed char *r = t[o >= 1 && o <= 8 ? o : 1];

	m[0] = r[0] * W, m[1] = r[1] * H, m[2] = r[2] * W;
	m[3] = r[3] * H, m[4] = r[4] * W, m[5] = r[5] * H;
}

static void
pw_page(struct pw *w, int id, const struct pdf_page_img *p, int icc)
{
	double dpi = p->dpi > 1 ? p->dpi : 72, m[6];
	double iw = p->w * 72.0 / dpi;
	double ih = p->h * 72.0 / (p->ydpi > 1 ? p->ydpi : dpi);
	double pw_ = p->orient >= 5 ? ih : iw, ph = p->orient >= 5 ? iw : ih;
	char content[160];
	int n;

	pw_orient(p->orient, pw_, ph, m);
	n = snprintf(content, sizeof content,
	    "q %.2f %.2f %.2f %.2f %.2f %.2f cm /Im0 Do Q\n", m[0], m[1], m[2],
	    m[3], m[4], m[5]);
	pw_obj(w, id);
	pw_printf(w,
	    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] "
	    "/Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R "
	    ">>\nendobj\n",
	    pw_, ph, id + 1, id + 2);
	pw_image(w, id + 1, p, icc);
	pw_obj(w, id + 2);
	pw_printf(w, "<< /Length %d >>\nstream\n%sendstream\nendobj\n", n,
	    content);
}

static void
pw_tree(struct pw *w, int n)
{
	pw_add(w, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", 15);
	pw_obj(w, 1);
	pw_printf(w, "<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
	pw_obj(w, 2);
	pw_printf(w, "<< /Type /Pages /Count %d /Kids [", n);
	for (int i = 0; i < n; i++)
		pw_printf(w, "%s%d 0 R", i ? " " : "", 3 + 3 * i);
	pw_printf(w, "] >>\nendobj\n");
}

static void
pw_xref(struct pw *w, int nobj)
{
	size_t start = w->off;

	pw_printf(w, "xref\n0 %d\n0000000000 65535 f \n", nobj + 1);
	for (int i = 1; i <= nobj; i++)
		pw_printf(w, "%010zu 00000 n \n", w->xref[i]);
	pw_printf(w,
	    "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%zu\n"
	    "%%%%EOF\n",
	    nobj + 1, start);
}

int
pdf_write_pages(const struct pdf_page_img *pages, int n, struct buf *out,
    size_t *size)
{
	struct pw w = { .out = out, .iccobj = 3 + 3 * n };
	int nobj = 2 + 3 * n;

	if (n <= 0)
		return -EINVAL;
	w.xref = calloc((size_t)(nobj + n) + 1, sizeof *w.xref);
	w.iccpage = calloc((size_t)n, sizeof *w.iccpage);
	if (w.xref == NULL || w.iccpage == NULL) {
		free(w.xref);
		free(w.iccpage);
		return -ENOMEM;
	}
	pw_tree(&w, n);
	for (int i = 0; i < n; i++)
		pw_page(&w, 3 + 3 * i, &pages[i], pw_icc_obj(&w, pages, i));
	for (int k = 0; k < w.nicc; k++)
		pw_icc(&w, w.iccobj + k, &pages[w.iccpage[k]]);
	pw_xref(&w, nobj + w.nicc);
	free(w.xref);
	free(w.iccpage);
	if (size)
		*size = w.off;
	return w.rc;
}
