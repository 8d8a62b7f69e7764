/*
 * pdf_stream.c: a PDF stream's data decoded within a byte limit. QPDF
 * decodes a stream whole into memory, however far it inflates (a Flate
 * bomb of a few kilobytes is gigabytes), so the worker never asks it to:
 * it takes the raw data (qpdf_dl_none) and runs the lossless filters
 * (Flate, LZW, RunLength, ASCIIHex, ASCII85) itself, chunk by chunk,
 * stopping as soon as a stage passes the limit. A predictor (Flate or
 * LZW /DecodeParms) is undone here when it is PNG's (10 to 15), else
 * left to QPDF, on that one stage, once its size is known to be within
 * the limit (a predictor never makes data larger).
 * SECURITY: decodes uploaded bytes. Every stage's output is bounded by
 * the limit before it is stored; decoders never read past their input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <libdeflate.h>
#include <zlib.h>

#include "buf.h"
#include "filter.h"
#include "pdfimg.h"

#define MAX_FILTERS 8
#define CHUNK 65536

enum pfilter { PF_FLATE, PF_LZW, PF_RL, PF_AHX, PF_A85, PF_OTHER };

/* Output of one stage: stored in b (when not NULL), counted in n. */
struct sink {
	struct buf *b;
	uint64_t n, limit;
	size_t hint; /* the output's expected size, or 0 */
};

static int
sink_add(struct sink *s, const unsigned char *p, size_t n)
{
	if (n > s->limit - s->n)
		return -E2BIG;
	s->n += n;
	return s->b ? buf_add(s->b, p, n) : 0;
}

/* A zlib stream of about s->hint bytes decoded whole by libdeflate (about
 * twice zlib's speed, straight into the output: no chunk copied) when it
 * is complete, sound and within the hint; -EAGAIN for anything else (cut
 * short, corrupt, larger), which inflate_stage's zlib then decodes as it
 * always did. */
static int
inflate_whole(const unsigned char *in, size_t len, struct sink *s)
{
	size_t cap = s->hint + s->hint / 64 + 4096, used, got;
	struct libdeflate_decompressor *d;
	enum libdeflate_result r;
	unsigned char *p;

	cap = cap < s->limit - s->n ? cap : (size_t)(s->limit - s->n);
	if (s->b->len != 0 || (p = malloc(cap ? cap : 1)) == NULL)
		return -EAGAIN;
	if ((d = libdeflate_alloc_decompressor()) == NULL) {
		free(p);
		return -EAGAIN;
	}
	r = libdeflate_zlib_decompress_ex(d, in, len, p, cap, &used, &got);
	libdeflate_free_decompressor(d);
	if (r != LIBDEFLATE_SUCCESS) {
		free(p);
		/* no room up to the limit: past it, not worth a second try */
		return r == LIBDEFLATE_INSUFFICIENT_SPACE &&
			cap == s->limit - s->n ?
		    -E2BIG :
		    -EAGAIN;
	}
	buf_release(s->b);
	*s->b = (struct buf){ .p = p, .len = got, .cap = cap };
	s->n += got;
	return 0;
}

/* A zlib stream. Data cut short ends the output where it stops; corrupt
 * data is an error, as in QPDF. */
static int
inflate_stage(const unsigned char *in, size_t len, struct sink *s)
{
	static unsigned char chunk[CHUNK];
	z_stream z = { 0 };
	int zr = Z_OK, rc = 0;

	if (s->b && s->hint && (rc = inflate_whole(in, len, s)) != -EAGAIN)
		return rc;
	rc = 0;
	if (inflateInit(&z) != Z_OK)
		return -ENOMEM;
	z.next_in = (unsigned char *)in;
	while (rc == 0 && zr == Z_OK) {
		z.avail_in = len - (size_t)(z.next_in - in) > UINT32_MAX ?
		    UINT32_MAX :
		    (uInt)(len - (size_t)(z.next_in - in));
		z.next_out = chunk;
		z.avail_out = CHUNK;
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr == Z_MEM_ERROR)
			rc = -ENOMEM;
		else
			rc = sink_add(s, chunk, CHUNK - z.avail_out);
		if (zr == Z_BUF_ERROR && z.avail_out == CHUNK)
			break; /* no progress: the input ran out */
		if (zr == Z_BUF_ERROR)
			zr = Z_OK;
	}
	inflateEnd(&z);
	if (rc == 0 && zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
		rc = -EINVAL;
	return rc;
}

/* PDF LZW (MSB first, 9 to 12 bits, 256 clear, 257 end), as QPDF's
 * Pl_LZWDecoder reads it. */
static int
lzw_stage(const unsigned char *in, size_t len, int early, struct sink *s)
{
	uint16_t *prefix = malloc(4096 * sizeof *prefix);
	uint16_t *slen = malloc(4096 * sizeof *slen);
	unsigned char *last = malloc(4096), *first = malloc(4096), str[4096];
	unsigned size = 9, next = 258, code, prev = 256, c, k;
	size_t bitpos = 0;
	int rc = 0;

	if (!prefix || !slen || !last || !first) {
		rc = -ENOMEM;
		goto out;
	}
	for (c = 0; c < 256; c++)
		prefix[c] = 0, slen[c] = 1,
		last[c] = first[c] = (unsigned char)c;
	while (rc == 0 && bitpos + size <= (uint64_t)len * 8) {
		code = 0;
		for (k = 0; k < size; k++, bitpos++)
			code = code << 1 |
			    ((in[bitpos >> 3] >> (7 - (bitpos & 7))) & 1);
		if (code == 256) {
			next = 258, size = 9, prev = 256;
			continue;
		}
		if (code == 257)
			break;
		if ((code > 257 && code > next) ||
		    (code == next && prev == 256) ||
		    (prev != 256 && next >= 4096)) {
			rc = -EINVAL; /* a bad code, the table full */
			break;
		}
		if (prev != 256) {
			c = first[code == next ? prev : code];
			prefix[next] = (uint16_t)prev;
			slen[next] = (uint16_t)(slen[prev] + 1);
			last[next] = (unsigned char)c;
			first[next] = first[prev];
			next++;
			k = next + (early ? 1 : 0) - 1;
			if ((k == 511 || k == 1023 || k == 2047) && size < 12)
				size++;
		}
		for (k = slen[code], c = code; k > 0; c = prefix[c])
			str[--k] = last[c];
		rc = sink_add(s, str, slen[code]);
		prev = code;
	}
out:
	free(prefix);
	free(slen);
	free(last);
	free(first);
	return rc;
}

static int
rl_stage(const unsigned char *in, size_t len, struct sink *s)
{
	unsigned char run[128];
	size_t i = 0;
	int rc = 0;

	while (rc == 0 && i < len && in[i] != 128) {
		if (in[i] < 128) {
			size_t n = (size_t)in[i] + 1;

			if (n > len - i - 1)
				n = len - i - 1;
			rc = sink_add(s, in + i + 1, n);
			i += n + 1;
		} else if (i + 1 < len) {
			memset(run, in[i + 1], sizeof run);
			rc = sink_add(s, run, 257 - (size_t)in[i]);
			i += 2;
		} else
			break;
	}
	return rc;
}

static int
hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' :
	    c >= 'a' && c <= 'f'    ? c - 'a' + 10 :
	    c >= 'A' && c <= 'F'    ? c - 'A' + 10 :
				      -1;
}

static int
is_space(int c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' ||
	    c == 0;
}

static int
ahx_stage(const unsigned char *in, size_t len, struct sink *s)
{
	unsigned char b[CHUNK];
	size_t n = 0;
	int hi = -1, v, rc = 0;

	for (size_t i = 0; i < len && rc == 0 && in[i] != '>'; i++) {
		if (is_space(in[i]))
			continue;
		if ((v = hexval(in[i])) < 0)
			return -EINVAL;
		if (hi < 0) {
			hi = v;
			continue;
		}
		b[n++] = (unsigned char)(hi << 4 | v);
		hi = -1;
		if (n == sizeof b)
			rc = sink_add(s, b, n), n = 0;
	}
	if (rc == 0 && hi >= 0)
		b[n++] = (unsigned char)(hi << 4);
	return rc ? rc : sink_add(s, b, n);
}

static int
a85_group(struct sink *s, const unsigned char *g, int k)
{
	uint64_t v = 0;
	unsigned char o[4];

	for (int i = 0; i < 5; i++)
		v = v * 85 + (uint64_t)(i < k ? g[i] - '!' : 'u' - '!');
	if (v > UINT32_MAX)
		return -EINVAL;
	for (int i = 0; i < 4; i++)
		o[i] = (unsigned char)(v >> (24 - 8 * i));
	return sink_add(s, o, (size_t)k - 1);
}

static int
a85_stage(const unsigned char *in, size_t len, struct sink *s)
{
	static const unsigned char zero[4];
	unsigned char g[5];
	int k = 0, rc = 0;

	for (size_t i = 0; i < len && rc == 0 && in[i] != '~'; i++) {
		if (is_space(in[i]))
			continue;
		if (in[i] == 'z' && k == 0)
			rc = sink_add(s, zero, 4);
		else if (in[i] >= '!' && in[i] <= 'u') {
			g[k++] = in[i];
			if (k == 5)
				rc = a85_group(s, g, 5), k = 0;
		} else
			return -EINVAL;
	}
	if (rc == 0 && k > 1)
		rc = a85_group(s, g, k);
	return rc;
}

static enum pfilter
filter_of(qpdf_data q, qpdf_oh name)
{
	static const struct {
		const char *n;
		enum pfilter f;
	} names[] = {
		{ "/FlateDecode", PF_FLATE },
		{ "/Fl", PF_FLATE },
		{ "/LZWDecode", PF_LZW },
		{ "/LZW", PF_LZW },
		{ "/RunLengthDecode", PF_RL },
		{ "/RL", PF_RL },
		{ "/ASCIIHexDecode", PF_AHX },
		{ "/AHx", PF_AHX },
		{ "/ASCII85Decode", PF_A85 },
		{ "/A85", PF_A85 },
	};

	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (qpdf_oh_is_name_and_equals(q, name, names[i].n))
			return names[i].f;
	return PF_OTHER;
}

static long long
parm_int(qpdf_data q, qpdf_oh parms, const char *key, long long dflt)
{
	qpdf_oh v;
	long long n = dflt;

	if (!qpdf_oh_is_dictionary(q, parms))
		return dflt;
	v = qpdf_oh_get_key(q, parms, key);
	if (qpdf_oh_is_integer(q, v))
		qpdf_oh_get_value_as_longlong(q, v, &n);
	qpdf_oh_release(q, v);
	return n;
}

static inline int
paeth(int a, int b, int c)
{
	int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);

	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

#ifdef __SSE2__
static inline __m128i
abs16(__m128i v)
{
	return _mm_max_epi16(v, _mm_sub_epi16(_mm_setzero_si128(), v));
}

static inline __m128i
pick(__m128i mask, __m128i yes, __m128i no)
{
	return _mm_or_si128(_mm_and_si128(mask, yes),
	    _mm_andnot_si128(mask, no));
}

/* Paeth on 3-byte pixels, a pixel's three bytes at once (as libpng's
 * SSE2 filter does): the pixels left are what it could not load 4 bytes
 * of (x is returned). Loads before it stores, so src may overlap dst as
 * png_row allows. */
static size_t
paeth3(const unsigned char *src, unsigned char *dst, const unsigned char *prev,
    size_t n)
{
	__m128i z = _mm_setzero_si128(), a = z, c = z, b, d, pa, pb, pc, m;
	uint32_t v;
	size_t x;

	for (x = 0; x + 4 <= n; x += 3) {
		memcpy(&v, prev + x, 4);
		b = _mm_unpacklo_epi8(_mm_cvtsi32_si128((int)v), z);
		memcpy(&v, src + x, 4);
		d = _mm_unpacklo_epi8(_mm_cvtsi32_si128((int)v), z);
		pa = _mm_sub_epi16(b, c); /* |p - a| = |b - c| */
		pb = _mm_sub_epi16(a, c); /* |p - b| = |a - c| */
		pc = abs16(_mm_add_epi16(pa, pb));
		pa = abs16(pa), pb = abs16(pb);
		m = _mm_min_epi16(pc, _mm_min_epi16(pa, pb));
		m = pick(_mm_cmpeq_epi16(pa, m), a,
		    pick(_mm_cmpeq_epi16(pb, m), b, c));
		d = _mm_and_si128(_mm_add_epi16(d, m), _mm_set1_epi16(0xff));
		v = (uint32_t)_mm_cvtsi128_si32(_mm_packus_epi16(d, d));
		memcpy(dst + x, &v, 3);
		a = d, c = b;
	}
	return x;
}
#endif

/* One PNG row (its filter type first) into dst; prev is the row above,
 * already decoded, or NULL (the first row: as if zeros). src and dst
 * may overlap, src not before dst: each byte is read before any byte
 * after it is written. One loop per type: this runs on every byte of
 * a lossless scan. */
static int
png_row(const unsigned char *src, unsigned char *dst, const unsigned char *prev,
    size_t n, size_t bpp)
{
	int type = *src++;
	size_t x;

	if (prev == NULL && (type == 2 || type == 4))
		type = type == 2 ? 0 : 1; /* b = c = 0: Up is None,
					   * Paeth is Sub */
	switch (type) {
	case 0:
		memmove(dst, src, n);
		return 0;
	case 1:
		for (x = 0; x < n && x < bpp; x++)
			dst[x] = src[x];
		for (; x < n; x++)
			dst[x] = (unsigned char)(src[x] + dst[x - bpp]);
		return 0;
	case 2:
		for (x = 0; x < n; x++)
			dst[x] = (unsigned char)(src[x] + prev[x]);
		return 0;
	case 3:
		for (x = 0; x < n && x < bpp; x++)
			dst[x] = (unsigned char)(src[x] +
			    (prev ? prev[x] : 0) / 2);
		for (; x < n; x++)
			dst[x] = (unsigned char)(src[x] +
			    (dst[x - bpp] + (prev ? prev[x] : 0)) / 2);
		return 0;
	case 4:
		x = 0;
#ifdef __SSE2__
		if (bpp == 3)
			x = paeth3(src, dst, prev, n);
#endif
		for (; x < n && x < bpp; x++)
			dst[x] = (unsigned char)(src[x] + prev[x]);
		for (; x < n; x++)
			dst[x] = (unsigned char)(src[x] +
			    paeth(dst[x - bpp], prev[x], prev[x - bpp]));
		return 0;
	}
	return -EINVAL;
}

/* PNG predictors (/Predictor 10 to 15) undone in place, here rather
 * than by QPDF, which would inflate the whole stream a second time:
 * a Flate scan's pages are most of its CPU. Complete rows only, as
 * QPDF's Pl_PNGFilter gives them. 0 or -EINVAL. */
static int
png_unpredict(qpdf_data q, qpdf_oh parms, struct buf *b)
{
	long long colors = parm_int(q, parms, "/Colors", 1);
	long long bpc = parm_int(q, parms, "/BitsPerComponent", 8);
	long long cols = parm_int(q, parms, "/Columns", 1);
	size_t row, bpp, rows;
	int rc = 0;

	if (colors < 1 || colors > 32 ||
	    (bpc != 1 && bpc != 2 && bpc != 4 && bpc != 8 && bpc != 16) ||
	    cols < 1 || cols > 1 << 24)
		return -EINVAL;
	row = ((size_t)(colors * bpc * cols) + 7) / 8;
	bpp = (size_t)(colors * bpc + 7) / 8;
	rows = b->len / (row + 1);
	for (size_t y = 0; y < rows && rc == 0; y++)
		rc = png_row(b->p + y * (row + 1), b->p + y * row,
		    y ? b->p + (y - 1) * row : NULL, row, bpp);
	b->len = rows * row;
	return rc;
}

/* QPDF applies one stage's filter with its predictor, on data whose
 * decoded size is known to be within the limit: the result replaces
 * out. */
static int
qpdf_stage(qpdf_data q, const unsigned char *in, size_t len, qpdf_oh name,
    qpdf_oh parms, struct buf *out)
{
	qpdf_oh tmp = qpdf_oh_new_stream(q);
	unsigned char *data = NULL;
	size_t dlen = 0;
	QPDF_BOOL filtered = QPDF_FALSE;
	int rc = -EINVAL;

	qpdf_oh_replace_stream_data(q, tmp, in, len, name, parms);
	if (!(qpdf_oh_get_stream_data(q, tmp, qpdf_dl_generalized, &filtered,
		  &data, &dlen) &
		QPDF_ERRORS) &&
	    filtered && dlen <= out->len) {
		out->len = 0;
		rc = buf_add(out, data, dlen);
	}
	free(data);
	qpdf_oh_release(q, tmp);
	while (qpdf_has_error(q))
		qpdf_get_error(q);
	return rc;
}

static int
run_stage(qpdf_data q, enum pfilter f, qpdf_oh name, qpdf_oh parms,
    const unsigned char *in, size_t len, struct sink *s)
{
	long long pred = parm_int(q, parms, "/Predictor", 1);
	int rc;

	switch (f) {
	case PF_FLATE:
		rc = inflate_stage(in, len, s);
		break;
	case PF_LZW:
		rc = lzw_stage(in, len,
		    parm_int(q, parms, "/EarlyChange", 1) != 0, s);
		break;
	case PF_RL:
		return rl_stage(in, len, s);
	case PF_AHX:
		return ahx_stage(in, len, s);
	case PF_A85:
		return a85_stage(in, len, s);
	default:
		return -ENOTSUP;
	}
	if (rc == 0 && pred >= 10 && s->b)
		rc = png_unpredict(q, parms, s->b);
	else if (rc == 0 && pred > 1 && s->b) /* TIFF's, and unknown */
		rc = qpdf_stage(q, in, len, name, parms, s->b);
	return rc;
}

/* The filters and their parameters, at most MAX_FILTERS; -EINVAL when
 * they are not names. Handles are released by the caller. */
static int
filter_list(qpdf_data q, qpdf_oh dict, qpdf_oh *names, qpdf_oh *parms, int *n)
{
	qpdf_oh f = qpdf_oh_get_key(q, dict, "/Filter");
	qpdf_oh p = qpdf_oh_get_key(q, dict, "/DecodeParms");
	int arr = qpdf_oh_is_array(q, f), rc = 0;

	*n = arr		  ? qpdf_oh_get_array_n_items(q, f) :
	    qpdf_oh_is_null(q, f) ? 0 :
				    1;
	if (*n > MAX_FILTERS)
		*n = 0, rc = -ENOTSUP;
	for (int i = 0; i < *n; i++) {
		names[i] = arr ? qpdf_oh_get_array_item(q, f, i) :
				 qpdf_oh_new_object(q, f);
		parms[i] = qpdf_oh_is_array(q, p) ?
		    qpdf_oh_get_array_item(q, p, i) :
		    i == 0 && !arr ? qpdf_oh_new_object(q, p) :
				     qpdf_oh_new_null(q);
		if (!qpdf_oh_is_name(q, names[i]))
			rc = -EINVAL;
	}
	qpdf_oh_release(q, f);
	qpdf_oh_release(q, p);
	return rc;
}

int
pdf_flate_image(qpdf_data q, qpdf_oh dict)
{
	qpdf_oh f = qpdf_oh_get_key(q, dict, "/Filter");
	qpdf_oh t = qpdf_oh_get_key(q, dict, "/Subtype");
	int yes = qpdf_oh_is_name_and_equals(q, t, "/Image") &&
	    (qpdf_oh_is_name_and_equals(q, f, "/FlateDecode") ||
		qpdf_oh_is_name_and_equals(q, f, "/Fl"));

	qpdf_oh_release(q, f);
	qpdf_oh_release(q, t);
	return yes;
}

int
pdf_stream_decode(qpdf_data q, qpdf_oh stream, uint64_t limit, int check,
    struct buf *out)
{
	return pdf_stream_decode_hint(q, stream, limit, check, 0, out);
}

int
pdf_stream_decode_hint(qpdf_data q, qpdf_oh stream, uint64_t limit, int check,
    size_t hint, struct buf *out)
{
	qpdf_oh dict, names[MAX_FILTERS], parms[MAX_FILTERS];
	unsigned char *raw = NULL;
	size_t rawlen = 0;
	struct buf cur = { 0 }, nxt;
	struct sink s;
	enum pfilter f;
	int n = 0, rc, last;

	if (!qpdf_oh_is_stream(q, stream))
		return -EINVAL;
	dict = qpdf_oh_get_dict(q, stream);
	rc = filter_list(q, dict, names, parms, &n);
	qpdf_oh_release(q, dict);
	if (rc == 0 &&
	    qpdf_oh_get_stream_data(q, stream, qpdf_dl_none, NULL, &raw,
		&rawlen) &
		QPDF_ERRORS)
		rc = -EINVAL;
	while (qpdf_has_error(q))
		qpdf_get_error(q);
	if (rc == 0 && rawlen > limit)
		rc = -E2BIG;
	if (rc == 0)
		cur = (struct buf){ .p = raw, .len = rawlen, .cap = rawlen };
	else
		free(raw);
	/* check: the lossless filters QPDF would run, the last output
	 * counted, not kept */
	for (int i = 0; i < n && rc == 0; i++) {
		f = filter_of(q, names[i]);
		if (f == PF_OTHER) {
			rc = check ? 0 : -ENOTSUP;
			break;
		}
		last = i + 1 == n || filter_of(q, names[i + 1]) == PF_OTHER;
		nxt = (struct buf){ 0 };
		s = (struct sink){ .b = check && last ? NULL : &nxt,
			.limit = limit,
			.hint = n == 1 ? hint : 0 };
		rc = run_stage(q, f, names[i], parms[i], cur.p, cur.len, &s);
		buf_release(&cur);
		cur = nxt;
	}
	for (int i = 0; i < n; i++) {
		qpdf_oh_release(q, names[i]);
		qpdf_oh_release(q, parms[i]);
	}
	if (rc == 0 && out && !check && out->p == NULL) {
		*out = cur; /* the decoded data itself, not a copy */
		return 0;
	}
	if (rc == 0 && out && !check)
		rc = buf_add(out, cur.p, cur.len);
	buf_release(&cur);
	return rc;
}

int
pdf_page_content(qpdf_data q, qpdf_oh page, uint64_t limit, struct buf *out)
{
	qpdf_oh c = qpdf_oh_get_key(q, page, "/Contents"), one;
	int arr = qpdf_oh_is_array(q, c), rc = 0;
	int n = arr ? qpdf_oh_get_array_n_items(q, c) : 1;
	size_t from = out->len, used;

	for (int i = 0; i < n && rc == 0; i++) {
		one = arr ? qpdf_oh_get_array_item(q, c, i) :
			    qpdf_oh_new_object(q, c);
		used = out->len - from;
		if (qpdf_oh_is_stream(q, one) &&
		    (rc = pdf_stream_decode(q, one,
			 used < limit ? limit - used : 0, 0, out)) == 0)
			rc = buf_add(out, "\n", 1);
		qpdf_oh_release(q, one);
	}
	qpdf_oh_release(q, c);
	return rc;
}
