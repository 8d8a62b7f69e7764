/*
 * pdf_images.c: a PDF's page images, re-encoded. Every image a page
 * draws is classified from its dictionary: 8-bit DeviceGray, DeviceRGB
 * or ICCBased (N 1 or 3), without masks or /Decode, stored as DCT or
 * with lossless filters, or Indexed over one of those (2 to 8 bits,
 * lossless filters; expanded through its lookup table, re-encoded in the
 * base colour space), is decoded straight to each level its specs ask
 * for (from its placed size: DCT scaling does most of it), judged
 * (colour.c) at the lowest level and encoded as a JPEG per spec the
 * ladder makes (menu.c: with --target, the first image searches for its
 * stop, the rest make the stop and the spec above); CMYK only when stored as
 * DCT with an Adobe marker (re-encoded as CMYK the same way); anything else
 * (other CMYK, bilevel, 16-bit, JPX, JBIG2, CCITT, masked) is left exactly as
 * it is. Then each spec's document is written by QPDF with the smaller images
 * swapped in. SECURITY: decodes uploaded image streams. Pixel counts and
 * decoded sizes are checked against --max-pixels and --max-stream-bytes from
 * the dictionary before decoding, and the decoded length is checked against
 * them after (a stream may lie); one image is held at a time.
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "filter.h"
#include "jpegcodec.h"
#include "variants.h"
#include "pdfimg.h"
#include "raster.h"

#define MIN_PLACED 36.0	  /* points: smaller drawings are left alone */
#define SCANNED_SHARE 0.5 /* of the MediaBox: the page is a scan */

static long long
int_key(qpdf_data q, qpdf_oh dict, const char *key)
{
	qpdf_oh v = qpdf_oh_get_key(q, dict, key);
	long long n = -1;

	if (qpdf_oh_is_integer(q, v))
		qpdf_oh_get_value_as_longlong(q, v, &n);
	qpdf_oh_release(q, v);
	return n;
}

static int
has_key(qpdf_data q, qpdf_oh dict, const char *key)
{
	qpdf_oh v = qpdf_oh_get_key(q, dict, key);
	int r = !qpdf_oh_is_null(q, v);

	qpdf_oh_release(q, v);
	return r;
}

/* Components of a colour space we re-encode: 1, 3 or 4, else 0. */
static int
cs_components(qpdf_data q, qpdf_oh cs)
{
	qpdf_oh kind, icc, dict;
	long long n = 0;

	if (qpdf_oh_is_name_and_equals(q, cs, "/DeviceGray"))
		return 1;
	if (qpdf_oh_is_name_and_equals(q, cs, "/DeviceRGB"))
		return 3;
	if (qpdf_oh_is_name_and_equals(q, cs, "/DeviceCMYK"))
		return 4;
	if (!qpdf_oh_is_array(q, cs) || qpdf_oh_get_array_n_items(q, cs) != 2)
		return 0;
	kind = qpdf_oh_get_array_item(q, cs, 0);
	icc = qpdf_oh_get_array_item(q, cs, 1);
	dict = qpdf_oh_get_dict(q, icc);
	if (qpdf_oh_is_name_and_equals(q, kind, "/ICCBased") &&
	    qpdf_oh_is_stream(q, icc))
		n = int_key(q, dict, "/N");
	qpdf_oh_release(q, dict);
	qpdf_oh_release(q, icc);
	qpdf_oh_release(q, kind);
	return n == 1 || n == 3 || n == 4 ? (int)n : 0;
}

/* An Indexed lookup table (a string, or a stream read within a small
 * limit) into im->lut: 0 when it holds hival + 1 colours of n bytes. */
static int
read_lut(struct pdf_job *j, struct pdf_img *im, qpdf_oh lookup)
{
	size_t need = (size_t)(im->hival + 1) * (size_t)im->n, len = 0;
	struct buf b = { 0 };
	const char *p = NULL;
	int rc = -EINVAL;

	if (qpdf_oh_is_string(j->q, lookup))
		p = qpdf_oh_get_binary_string_value(j->q, lookup, &len);
	else if (qpdf_oh_is_stream(j->q, lookup) &&
	    pdf_stream_decode(j->q, lookup, sizeof im->lut, 0, &b) == 0)
		p = (const char *)b.p, len = b.len;
	if (p != NULL && len >= need) {
		memcpy(im->lut, p, need);
		rc = 0;
	}
	buf_release(&b);
	return rc;
}

/* [/Indexed base hival lookup] over a base we re-encode: fills im's n,
 * hival and lut; 0, -ENOTSUP for any other colour space, or -EINVAL for
 * a lookup table short of its colours (read_lut). The image's pixels are
 * then the base's colours, re-encoded in the base. */
static int
indexed(struct pdf_job *j, struct pdf_img *im, qpdf_oh cs)
{
	qpdf_data q = j->q;
	qpdf_oh kind, base, hi, lookup;
	long long hival = -1;
	int rc = -ENOTSUP;

	if (!qpdf_oh_is_array(q, cs) || qpdf_oh_get_array_n_items(q, cs) != 4)
		return -ENOTSUP;
	kind = qpdf_oh_get_array_item(q, cs, 0);
	base = qpdf_oh_get_array_item(q, cs, 1);
	hi = qpdf_oh_get_array_item(q, cs, 2);
	lookup = qpdf_oh_get_array_item(q, cs, 3);
	if (qpdf_oh_is_integer(q, hi))
		qpdf_oh_get_value_as_longlong(q, hi, &hival);
	if ((qpdf_oh_is_name_and_equals(q, kind, "/Indexed") ||
		qpdf_oh_is_name_and_equals(q, kind, "/I")) &&
	    hival >= 0 && hival <= 255 &&
	    ((im->n = cs_components(q, base)) == 1 || im->n == 3)) {
		im->hival = (int)hival;
		rc = read_lut(j, im, lookup);
	}
	qpdf_oh_release(q, lookup);
	qpdf_oh_release(q, hi);
	qpdf_oh_release(q, base);
	qpdf_oh_release(q, kind);
	if (rc < 0) /* not one we expand: left as it is */
		im->n = 0, im->hival = -1;
	return rc;
}

/* The filters: 1 for a lone DCTDecode, 0 for lossless filters QPDF
 * decodes, -1 for anything else. */
static int
filter_kind(qpdf_data q, qpdf_oh dict)
{
	static const char *const lossless[] = { "/FlateDecode", "/LZWDecode",
		"/ASCII85Decode", "/ASCIIHexDecode", "/RunLengthDecode" };
	qpdf_oh f = qpdf_oh_get_key(q, dict, "/Filter"), one;
	int n = 1, kind = 0, known;

	if (qpdf_oh_is_array(q, f))
		n = qpdf_oh_get_array_n_items(q, f);
	else if (qpdf_oh_is_null(q, f))
		n = 0;
	for (int i = 0; i < n && kind >= 0; i++) {
		one = qpdf_oh_is_array(q, f) ? qpdf_oh_get_array_item(q, f, i) :
					       qpdf_oh_new_object(q, f);
		known = 0;
		for (size_t k = 0; k < sizeof lossless / sizeof *lossless; k++)
			known |= qpdf_oh_is_name_and_equals(q, one,
			    lossless[k]);
		if (n == 1 && qpdf_oh_is_name_and_equals(q, one, "/DCTDecode"))
			kind = 1;
		else if (!known)
			kind = -1;
		qpdf_oh_release(q, one);
	}
	qpdf_oh_release(q, f);
	return kind;
}

/* Whether DCT parameters ask for something libjpeg would not do. */
static int
dct_odd(qpdf_data q, qpdf_oh dict)
{
	qpdf_oh p = qpdf_oh_get_key(q, dict, "/DecodeParms");
	int odd = qpdf_oh_is_array(q, p) ||
	    (qpdf_oh_is_dictionary(q, p) && has_key(q, p, "/ColorTransform"));

	qpdf_oh_release(q, p);
	return odd;
}

/* The stream's stored bytes as QPDF reads them: in a damaged file the
 * /Length may lie or name a lost object (QPDF recovers the real length
 * from endstream), and an encoding is kept only when smaller than this.
 * 0 when unreadable. */
static size_t
stored_len(qpdf_data q, qpdf_oh obj)
{
	unsigned char *data = NULL;
	size_t len = 0;

	if (qpdf_oh_get_stream_data(q, obj, qpdf_dl_none, NULL, &data, &len) &
	    QPDF_ERRORS)
		len = 0;
	free(data);
	while (qpdf_has_error(q))
		qpdf_get_error(q);
	return len;
}

/* Fills what the dictionary says and whether the image may be
 * re-encoded. */
static void
classify(struct pdf_job *j, struct pdf_img *im, qpdf_oh obj)
{
	qpdf_data q = j->q;
	const struct filter_limits *lim = j->in->lim;
	qpdf_oh dict = qpdf_oh_get_dict(q, obj);
	qpdf_oh cs = qpdf_oh_get_key(q, dict, "/ColorSpace");
	qpdf_oh mask = qpdf_oh_get_key(q, dict, "/ImageMask");
	long long w = int_key(q, dict, "/Width");
	long long h = int_key(q, dict, "/Height");
	long long bpc = int_key(q, dict, "/BitsPerComponent");
	int kind = filter_kind(q, dict);
	QPDF_BOOL stencil = QPDF_FALSE;

	im->w = w > 0 && w <= 65500 ? (int)w : 0;
	im->h = h > 0 && h <= 65500 ? (int)h : 0;
	im->n = cs_components(q, cs);
	im->hival = -1;
	im->bpc = (int)bpc;
	im->dct = kind == 1;
	im->flate = pdf_flate_image(q, dict);
	im->stored = kind >= 0 ? stored_len(q, obj) : 0;
	qpdf_oh_get_value_as_bool(q, mask, &stencil);
	/* an Indexed image stored losslessly, 2 to 8 bits an index (with 1
	 * bit it is bilevel: crisp as it is, and small) */
	if (im->n == 0 && kind == 0 && (bpc == 2 || bpc == 4 || bpc == 8) &&
	    indexed(j, im, cs) == 0)
		bpc = 8; /* expanded to the base's 8-bit samples */
	/* CMYK only as a DCT stream, re-encoded as it is stored (see
	 * decode_dct): raw CMYK would need a convention of our own. Its
	 * samples are kept as they are, so a /Decode (Adobe's inverted CMYK
	 * is often [1 0 1 0 1 0 1 0]) still applies to them unchanged. */
	im->ok = im->w && im->h && im->n && bpc == 8 && kind >= 0 &&
	    (im->n != 4 || im->dct) && im->stored && !stencil &&
	    !has_key(q, dict, "/SMask") && !has_key(q, dict, "/Mask") &&
	    (im->n == 4 || !has_key(q, dict, "/Decode")) &&
	    !has_key(q, dict, "/SMaskInData") &&
	    !(im->dct && dct_odd(q, dict)) &&
	    !filter_too_many_pixels((uint64_t)im->w, (uint64_t)im->h, lim) &&
	    (uint64_t)im->w * (uint64_t)im->h * (uint64_t)im->n <=
		lim->max_stream_bytes;
	qpdf_oh_release(q, mask);
	qpdf_oh_release(q, cs);
	qpdf_oh_release(q, dict);
}

static int
cmp_use(const void *a, const void *b)
{
	const struct pdf_use *x = a, *y = b;

	if (x->obj != y->obj)
		return x->obj < y->obj ? -1 : 1;
	if (x->gen != y->gen)
		return x->gen < y->gen ? -1 : 1;
	return x->page < y->page ? -1 : x->page > y->page;
}

static int
cmp_img(const void *a, const void *b)
{
	const struct pdf_img *x = a, *y = b;

	if (x->obj != y->obj)
		return x->obj < y->obj ? -1 : 1;
	return x->gen < y->gen ? -1 : x->gen > y->gen;
}

static struct pdf_img *
find_img(struct pdf_job *j, int obj, int gen)
{
	struct pdf_img key = { .obj = obj, .gen = gen };

	return j->nimg ?
	    bsearch(&key, j->img, j->nimg, sizeof *j->img, cmp_img) :
	    NULL;
}

static int
covers_page(const struct pdf_job *j, const struct pdf_use *u)
{
	const struct pdf_page_info *p = &j->pages[u->page];

	return u->w * u->h >= SCANNED_SHARE * p->mw * p->mh;
}

/* An image's resolution in one drawing. A drawing that covers its page
 * is a scanned page: when its page is larger than A4 the resolution is
 * taken as on A4 (a scan whose tool wrote 72 dpi is not a poster). */
static double
use_dpi(const struct pdf_job *j, const struct pdf_img *im,
    const struct pdf_use *u)
{
	double d = fmin(im->w * 72.0 / u->w, im->h * 72.0 / u->h);

	return covers_page(j, u) ? fmax(d, page_dpi(im->w, im->h)) : d;
}

static struct pdf_img *find_img(struct pdf_job *j, int obj, int gen);

/* Every Flate image the engine will not decode (drawn or not), inflated
 * within the limit and not kept: the probe left them to us
 * (pdf_flate_image), as it walks the xref (generation 0). 0, -E2BIG or
 * -ENOMEM. */
static int
check_flate(struct pdf_job *j)
{
	uint64_t limit = j->in->lim->max_stream_bytes;
	long long size = int_key(j->q, qpdf_get_trailer(j->q), "/Size");
	struct pdf_img *im;
	qpdf_oh obj, dict;
	int rc = 0;

	for (long long i = 1; i < size && rc == 0; i++) {
		im = find_img(j, (int)i, 0);
		if (im && im->ok)
			continue; /* decoded within the limit */
		obj = qpdf_get_object_by_id(j->q, (int)i, 0);
		dict = qpdf_oh_is_stream(j->q, obj) ?
		    qpdf_oh_get_dict(j->q, obj) :
		    qpdf_oh_new_null(j->q);
		if (pdf_flate_image(j->q, dict))
			rc = pdf_stream_decode(j->q, obj, limit, 1, NULL);
		qpdf_oh_release(j->q, dict);
		qpdf_oh_release(j->q, obj);
		while (qpdf_has_error(j->q))
			qpdf_get_error(j->q);
		rc = rc == -E2BIG || rc == -ENOMEM ? rc : 0;
	}
	return rc;
}

/* One pdf_img per distinct image drawn; its resolution is that of its
 * largest drawing (the one that asks most pixels of it). */
static int
collect(struct pdf_job *j)
{
	struct pdf_uses *u = &j->uses;
	struct pdf_img *im = NULL;
	qpdf_oh obj;
	double d;

	if (u->n == 0) /* no image drawn (qsort of NULL is undefined) */
		return check_flate(j);
	qsort(u->v, u->n, sizeof *u->v, cmp_use);
	if (u->n && (j->img = calloc(u->n, sizeof *j->img)) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < u->n; i++) {
		if (!im || im->obj != u->v[i].obj || im->gen != u->v[i].gen) {
			im = &j->img[j->nimg++];
			im->obj = u->v[i].obj, im->gen = u->v[i].gen;
			obj = qpdf_get_object_by_id(j->q, im->obj, im->gen);
			classify(j, im, obj);
			qpdf_oh_release(j->q, obj);
		}
		if (!im->w || u->v[i].w < MIN_PLACED || u->v[i].h < MIN_PLACED)
			continue;
		d = use_dpi(j, im, &u->v[i]);
		im->dpi = im->dpi == 0 || d < im->dpi ? d : im->dpi;
	}
	for (size_t i = 0; i < j->nimg; i++)
		if (j->img[i].dpi <= 0)
			j->img[i].ok = 0; /* only drawn tiny */
	return check_flate(j);
}

/* A page's resolution is its scan's: the sharpest drawing that covers
 * half its MediaBox (a scanner's mixed-raster page lays a 600 ppi text
 * mask over a low-resolution background, both covering it). A page with
 * no such drawing (text, vectors, a logo) has no resolution to judge;
 * neither do a guess (an image no Do draws) nor an image with visible
 * text shown over it (a certificate's background; an OCR layer is
 * invisible, so a scan under one is judged). j->dpi is the
 * worst scanned page's, 0 when none; j->res the one ranks use (the
 * worst drawing's when no page is a scan). */
static int
geometry(struct pdf_job *j)
{
	double *dpi = calloc((size_t)j->npages, sizeof *dpi), d, worst = 0;
	struct pdf_img *im;
	struct pdf_use *u;

	if (dpi == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < j->uses.n; i++) {
		u = &j->uses.v[i];
		im = find_img(j, u->obj, u->gen);
		if (!im || !im->w || u->guess || u->under ||
		    u->w < MIN_PLACED || u->h < MIN_PLACED)
			continue;
		d = use_dpi(j, im, u);
		if (covers_page(j, u) && d > dpi[u->page])
			dpi[u->page] = d;
		worst = worst == 0 || d < worst ? d : worst;
	}
	j->dpi = 0;
	for (int p = 0; p < j->npages; p++)
		if (dpi[p] > 0 && (j->dpi == 0 || dpi[p] < j->dpi))
			j->dpi = dpi[p];
	j->res = j->dpi ? j->dpi : worst ? worst : j->in->lim->max_dpi;
	free(dpi);
	return 0;
}

int
pdf_job_open(struct pdf_job *j, const struct filter_input *in)
{
	qpdf_oh page;
	int rc = 0;

	*j = (struct pdf_job){ .in = in, .hold_max = SIZE_MAX };
	if ((rc = pdf_open_memory(in->buf, in->len, &j->q)) < 0)
		return rc;
	if ((j->npages = qpdf_get_num_pages(j->q)) <= 0)
		return -EINVAL;
	if ((j->pages = calloc((size_t)j->npages, sizeof *j->pages)) == NULL)
		return -ENOMEM;
	for (int i = 0; i < j->npages && rc == 0; i++) {
		page = qpdf_get_page_n(j->q, (size_t)i);
		rc = pdf_page_scan(j->q, page, i, in->lim->max_stream_bytes,
		    &j->uses, &j->pages[i]);
		qpdf_oh_release(j->q, page);
	}
	if (rc == 0 && (rc = collect(j)) == 0)
		rc = geometry(j);
	return rc;
}

/* The pixel size of im at `level` dpi, never larger than stored. */
static void
img_dims(const struct pdf_img *im, int level, int *tw, int *th)
{
	double k = level / im->dpi;

	*tw = im->w, *th = im->h;
	if (k >= 1.0)
		return;
	*tw = (int)(im->w * k + 0.5);
	*th = (int)(im->h * k + 0.5);
	*tw = *tw < 1 ? 1 : *tw > im->w ? im->w : *tw;
	*th = *th < 1 ? 1 : *th > im->h ? im->h : *th;
}

/* A lone DCT stream: libjpeg decodes it straight to tw x th (DCT-domain
 * scaling first), when its header agrees with the dictionary. CMYK stays
 * CMYK exactly as stored, and only with an Adobe marker: the re-encode
 * then carries the same marker and transform (CMYK or YCCK), so every
 * viewer reads it as it read the original, whatever it assumes about
 * Adobe's inverted CMYK. */
static int
decode_dct(struct pdf_job *j, struct pdf_img *im, qpdf_oh obj, int tw, int th,
    struct raster *top)
{
	unsigned char *data = NULL;
	size_t len = 0;
	struct jpeg_head head;
	char msg[160];
	int rc = -EINVAL;

	if (!(qpdf_oh_get_stream_data(j->q, obj, qpdf_dl_none, NULL, &data,
		  &len) &
		QPDF_ERRORS) &&
	    jpeg_read_head(data, len, &head, NULL, msg, sizeof msg) == 0 &&
	    head.comps == im->n && head.w == im->w && head.h == im->h &&
	    head.cmyk == (im->n == 4) && (!head.cmyk || head.adobe)) {
		im->ycck = head.ycck;
		rc = jpeg_decode_raw_to(data, len, tw, th,
		    j->in->lim->memory_mb, top, msg, sizeof msg);
	}
	free(data);
	return rc;
}

/* An Indexed image's rows of packed indexes (bpc bits, rows padded to a
 * byte) turned into the base's samples through the lookup table; an
 * index past hival takes hival's colour (PDF 1.7, 8.6.6.3). */
static int
expand_indexed(const struct pdf_img *im, const unsigned char *src,
    struct raster *out)
{
	size_t stride = ((size_t)im->w * (size_t)im->bpc + 7) / 8;
	unsigned mask = (1u << im->bpc) - 1, v;
	unsigned char *d;
	int rc;

	if ((rc = raster_init(out, im->w, im->h, im->n)) < 0)
		return rc;
	d = out->px;
	for (int y = 0; y < im->h; y++, src += stride)
		for (int x = 0; x < im->w; x++, d += im->n) {
			size_t bit = (size_t)x * (size_t)im->bpc;
			v = (unsigned)(src[bit / 8] >>
				(8 - im->bpc - (int)(bit % 8))) &
			    mask;
			v = v > (unsigned)im->hival ? (unsigned)im->hival : v;
			memcpy(d, im->lut + v * (unsigned)im->n, (size_t)im->n);
		}
	return 0;
}

/* Lossless filters (predictors included), decoded within
 * --max-stream-bytes (pdf_stream.c); the data must hold every pixel the
 * dictionary claims. */
static int
decode_plain(struct pdf_job *j, struct pdf_img *im, qpdf_oh obj, int tw, int th,
    struct raster *top)
{
	size_t need = im->hival >= 0 ?
	    ((size_t)im->w * (size_t)im->bpc + 7) / 8 * (size_t)im->h :
	    (size_t)im->w * (size_t)im->h * (size_t)im->n;
	struct buf data = { 0 };
	struct raster full;
	int rc;

	/* the rows, and a PNG predictor's byte a row */
	rc = pdf_stream_decode_hint(j->q, obj, j->in->lim->max_stream_bytes, 0,
	    need + (size_t)im->h, &data);
	if (rc < 0 || data.len < need) {
		buf_release(&data);
		return rc == -ENOMEM || rc == -E2BIG ? rc : -EINVAL;
	}
	if (im->hival >= 0) {
		rc = expand_indexed(im, data.p, &full);
		buf_release(&data);
		if (rc < 0)
			return rc;
	} else
		full = (struct raster){ .w = im->w,
			.h = im->h,
			.ch = im->n,
			.px = data.p };
	if (tw == im->w && th == im->h) {
		*top = full;
		return 0;
	}
	rc = raster_resample(&full, tw, th, top);
	raster_release(&full);
	return rc;
}

/* Past j->hold_max, the best specs still held give their bytes up, one
 * whole spec at a time (their sizes stay: the menu measures them). */
static void
hold_trim(struct pdf_job *j)
{
	for (int s = 0; s < j->nspecs && j->held > j->hold_max; s++) {
		if (j->dropped[s])
			continue;
		j->dropped[s] = 1;
		for (size_t i = 0; i < j->nimg; i++) {
			j->held -= j->img[i].enc[s].data.len;
			buf_release(&j->img[i].enc[s].data);
		}
	}
}

/* One spec's encoding of an image, kept only when smaller than what is
 * stored; its size, or the stored size, in *bytes. 4:4:4 chroma, so thin
 * coloured strokes keep their colour; libjpeg's standard Huffman tables,
 * as for pages (pages.c): the ladder costs a third. */
static int
encode_spec(struct pdf_job *j, struct pdf_img *im, const struct raster *top,
    struct raster *lv, int s, uint64_t *bytes)
{
	const struct vspec *sp = &j->specs[s];
	struct jpeg_enc_opts o = { .quality = sp->quality,
		.subsample = 0,
		.fast = 1,
		.ycck = im->ycck };
	const struct raster *use;
	struct buf b = { 0 };
	int tw, th, rc;

	*bytes = im->stored;
	img_dims(im, sp->level, &tw, &th);
	if ((rc = raster_level(top, tw, th, lv, &use)) < 0)
		return rc;
	if ((rc = jpeg_encode(use, &o, &b)) == 0 && b.len < im->stored) {
		*bytes = b.len;
		im->enc[s] = (struct pdf_enc){ .len = b.len,
			.w = use->w,
			.h = use->h,
			.ch = use->ch };
		if (!j->dropped[s]) {
			im->enc[s].data = b;
			j->held += b.len;
			b = (struct buf){ 0 };
			hold_trim(j);
		}
	}
	buf_release(&b);
	return rc == -EIO ? 0 : rc;
}

/* One image being encoded spec by spec (ladder_run). A DCT image's
 * spec is made from the image decoded straight to the spec's level (DCT
 * scaling does most of it, cheaply), decoded again when a spec of
 * another level comes (levels fall with rank: at most once per level);
 * any other image is decoded once at the policy's top level (inflating
 * costs the same at any level) and each spec resampled from that. Either
 * way a --variant run makes the same pixels the menu did. */
struct img_rung {
	struct pdf_job *j;
	struct pdf_img *im;
	int level; /* top's level, 0: not decoded */
	struct raster top, lv;
	/* the first decode (judge_level), kept while another level's is
	 * top: the specs of its level come back to it, not to a third */
	int low_level;
	struct raster low;
};

/* Judges the image (colour, blank) from its decode at judge_level,
 * whatever spec is made: the same verdict in every run. CMYK is
 * not judged (its ink is not the colours colour.c reads): kept in
 * colour, never blank. */
static void
judge(struct pdf_job *j, struct pdf_img *im, struct raster *top)
{
	if (top->ch == 4)
		im->look = (struct page_look){ .colour = 1 };
	else
		page_analyse(top, &im->look);
	im->analysed = 1;
	j->colour |= im->look.colour;
}

/* Grey once, before any resampling, when no spec needs its colour. */
static int
grey_wanted(const struct pdf_job *j, const struct pdf_img *im,
    const struct raster *top)
{
	return top->ch == 3 &&
	    (!im->look.colour || menu_all_grey(j->specs, j->nspecs));
}

/* top decoded at `level`; an image that does not decode is left as it
 * is (-ENOENT). */
static int
rung_top(struct img_rung *r, int level)
{
	struct pdf_job *j = r->j;
	struct pdf_img *im = r->im;
	qpdf_oh obj;
	int tw, th, rc;

	if (r->level == level)
		return 0;
	raster_release(&r->lv);
	if (r->low_level == 0 && r->level) { /* keep the first one */
		r->low = r->top, r->low_level = r->level;
		r->top = (struct raster){ 0 };
	} else
		raster_release(&r->top);
	r->level = 0;
	if (level == r->low_level) { /* swap back to the kept one */
		struct raster t = r->top;

		r->top = r->low, r->low = t;
		r->low_level = 0;
		r->level = level;
		return 0;
	}
	obj = qpdf_get_object_by_id(j->q, im->obj, im->gen);
	img_dims(im, level, &tw, &th);
	rc = im->dct ? decode_dct(j, im, obj, tw, th, &r->top) :
		       decode_plain(j, im, obj, tw, th, &r->top);
	qpdf_oh_release(j->q, obj);
	while (qpdf_has_error(j->q))
		qpdf_get_error(j->q);
	if (rc < 0)
		return rc == -ENOMEM || rc == -E2BIG ? rc : -ENOENT;
	if (!im->analysed)
		judge(j, im, &r->top);
	if (grey_wanted(j, im, &r->top) && (rc = raster_to_grey(&r->top)) < 0)
		return rc;
	r->level = level;
	return 0;
}

static int
img_rung(void *arg, int s, uint64_t *bytes)
{
	struct img_rung *r = arg;
	int rc = rung_top(r, r->im->dct ? r->j->specs[s].level : r->level);

	return rc < 0 ? rc :
			encode_spec(r->j, r->im, &r->top, &r->lv, s, bytes);
}

/* The level an image is judged at, in every run: a DCT image's at the
 * policy's lowest level (menu_levels), any other at the top one, the
 * decode every spec of it is resampled from. */
static int
judge_level(const struct pdf_job *j, const struct pdf_img *im)
{
	int levels[2], n = menu_levels(j->in->lim, 0, j->res, levels);

	return im->dct ? levels[n - 1] : j->in->lim->max_dpi;
}

/* Drops the first image's encodings the search made outside the specs
 * every image has. */
static void
trim_search(struct pdf_job *j, struct pdf_img *im)
{
	for (int s = 0; s < j->nspecs; s++)
		if (s < j->ladder.first || s >= j->ladder.nmade) {
			j->held -= im->enc[s].data.len;
			buf_release(&im->enc[s].data);
			im->enc[s] = (struct pdf_enc){ 0 };
		}
}

/* Decodes im, judges it and encodes its specs; with --target up to its
 * share of what the images may take, by pixels among the images
 * re-encoded. An image that does not decode is left as it is. */
static int
process(struct pdf_job *j, struct pdf_img *im)
{
	struct img_rung r = { .j = j, .im = im };
	int searching = !j->ladder.searched, rc;
	uint64_t share = 0;

	if ((rc = rung_top(&r, judge_level(j, im))) == 0) {
		/* nothing left for the images: the ladder's smallest two */
		if (j->target)
			share = ladder_share(j->target > j->other ?
				j->target - j->other :
				1,
			    (double)im->w * im->h, j->pixels);
		if (share && !j->ladder.searched && im->stored)
			j->ladder.hint = menu_guess(j->specs, j->nspecs,
			    im->dpi, (double)share / (double)im->stored);
		rc = ladder_run(&j->ladder, share, img_rung, &r);
		if (rc == 0 && searching && j->ladder.searched)
			trim_search(j, im);
	}
	raster_release(&r.top);
	raster_release(&r.low);
	raster_release(&r.lv);
	if (rc == -ENOENT) { /* left as it is: nothing of it is held */
		im->ok = 0;
		for (int s = 0; s < j->nspecs; s++) {
			j->held -= im->enc[s].data.len;
			buf_release(&im->enc[s].data);
			im->enc[s] = (struct pdf_enc){ 0 };
		}
	}
	return rc == -ENOENT ? 0 : rc;
}

/* The first page (1-based) drawn by images alone, no text and no other
 * paint, each image judged blank; 0 when none. A page with an image not
 * judged (left as it is), or with nothing drawn, is not called blank. */
static int
first_blank_page(struct pdf_job *j)
{
	struct pdf_img *im;
	int *state = calloc((size_t)j->npages, sizeof *state), page = 0;
	struct pdf_use *u;

	if (state == NULL)
		return 0;
	for (size_t i = 0; i < j->uses.n; i++) { /* 1 blank, -1 not */
		u = &j->uses.v[i];
		im = find_img(j, u->obj, u->gen);
		if (!im || !im->analysed || !im->look.blank)
			state[u->page] = -1;
		else if (state[u->page] == 0)
			state[u->page] = 1;
	}
	for (int p = 0; p < j->npages && page == 0; p++)
		if (state[p] == 1 && !j->pages[p].text && !j->pages[p].paint)
			page = p + 1;
	free(state);
	return page;
}

int
pdf_job_encode(struct pdf_job *j)
{
	int rc = 0;

	j->colour = 0;
	ladder_init(&j->ladder, j->nspecs);
	for (size_t i = 0; i < j->nimg && rc == 0; i++)
		if (j->img[i].ok)
			rc = process(j, &j->img[i]);
	j->blank_page = rc == 0 ? first_blank_page(j) : 0;
	qpdf_cleanup(&j->q); /* each write reads the upload again */
	return rc;
}

int
pdf_sink_buf(void *ctx, const unsigned char *p, size_t len)
{
	return buf_add(ctx, p, len);
}

int
pdf_job_write(struct pdf_job *j, int s, const struct pdf_sink *out,
    size_t *size)
{
	struct pdf_swap *sw = calloc(j->nimg ? j->nimg : 1, sizeof *sw);
	const struct pdf_img *im;
	uint64_t n = 0;
	size_t k = 0;
	int rc;

	if (sw == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < j->nimg && s >= 0; i++) {
		im = &j->img[i];
		if (im->enc[s].len == 0)
			continue;
		assert(out == NULL || im->enc[s].data.len == im->enc[s].len);
		sw[k++] = (struct pdf_swap){ .obj = im->obj,
			.gen = im->gen,
			.w = im->enc[s].w,
			.h = im->enc[s].h,
			.grey = im->enc[s].ch != im->n,
			.base = im->enc[s].ch == im->n && im->hival >= 0,
			.data = im->enc[s].data.p,
			.len = im->enc[s].len };
	}
	j->replaced = (int)k;
	rc = pdf_lazy_write(j->in->buf, j->in->len, sw, k, out, &n);
	free(sw);
	*size = (size_t)n;
	return rc;
}

void
pdf_job_drop(struct pdf_job *j, int s)
{
	for (size_t i = 0; i < j->nimg; i++) {
		j->held -= j->img[i].enc[s].data.len;
		buf_release(&j->img[i].enc[s].data);
	}
}

void
pdf_job_release(struct pdf_job *j)
{
	for (int s = 0; s < PDF_MAX_SPECS; s++)
		pdf_job_drop(j, s);
	free(j->img);
	free(j->uses.v);
	free(j->pages);
	if (j->q)
		qpdf_cleanup(&j->q);
	*j = (struct pdf_job){ 0 };
}
