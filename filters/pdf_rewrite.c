/*
 * pdf_rewrite.c: the lossless PDF variant: QPDF rewrites the document
 * with object streams and every Flate stream decoded and compressed
 * again; pages, text, vectors and images are unchanged. A signed PDF
 * (/ByteRange anywhere) is never rewritten; an encrypted one (owner
 * password only) keeps its encryption and restrictions. Also
 * where the document ends: what follows its last %%EOF is no part of it;
 * and how every QPDF handle is opened (pdf_open_memory) and set up to write.
 * SECURITY: parses uploaded bytes through QPDF's C API (errors stay in
 * the handle); the output is made in memory.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <qpdf/qpdf-c.h>

#include "buf.h"
#include "pdfimg.h"

/* The end of the last byte range of the /ByteRange at p ([a b c d ...],
 * the largest start + length); 0 when it is not a list of integers. */
static uint64_t
byte_range_end(const unsigned char *p, const unsigned char *end)
{
	uint64_t v[2], max = 0;
	int k = 0, digits;

	p += 10;
	while (p < end && isspace(*p))
		p++;
	if (p >= end || *p++ != '[')
		return 0;
	for (;;) {
		while (p < end && isspace(*p))
			p++;
		if (p < end && *p == ']')
			return k == 0 ? max : 0;
		for (v[k] = 0, digits = 0;
		     p < end && isdigit(*p) && digits < 15; p++, digits++)
			v[k] = v[k] * 10 + (uint64_t)(*p - '0');
		if (digits == 0 || (p < end && isdigit(*p)))
			return 0;
		if (++k == 2) {
			max = v[0] + v[1] > max ? v[0] + v[1] : max;
			k = 0;
		}
	}
}

size_t
pdf_doc_len(const unsigned char *buf, size_t len)
{
	const unsigned char *p, *br;
	size_t end, i;

	for (i = len >= 5 ? len - 5 + 1 : 0; i > 0; i--)
		if (memcmp(buf + i - 1, "%%EOF", 5) == 0)
			break;
	if (i == 0)
		return len;
	end = i - 1 + 5;
	if (end < len && buf[end] == '\r')
		end++;
	if (end < len && buf[end] == '\n')
		end++; /* \r, \n or \r\n */
	if (end == len)
		return len;
	/* a signature's byte ranges are the bytes it signs: a cut inside
	 * them would break it, so such a file stays whole */
	for (p = buf; (br = memmem(p, end - (size_t)(p - buf), "/ByteRange",
			   10)) != NULL;
	     p = br + 10)
		if (byte_range_end(br, buf + end) > end)
			return len;
	return end;
}

int
pdf_may_rewrite(const unsigned char *buf, size_t len)
{
	return memmem(buf, len, "/ByteRange", 10) == NULL;
}

int
pdf_open_memory(const unsigned char *buf, size_t len, qpdf_data *q)
{
	if ((*q = qpdf_init()) == NULL)
		return -ENOMEM;
	qpdf_silence_errors(*q);
	qpdf_set_suppress_warnings(*q, QPDF_TRUE);
	if (qpdf_read_memory(*q, "upload", (const char *)buf, len, "") &
	    QPDF_ERRORS)
		return -EINVAL;
	return 0;
}

void
pdf_write_setup(qpdf_data q)
{
	qpdf_set_object_stream_mode(q, qpdf_o_generate);
	qpdf_set_compress_streams(q, QPDF_TRUE);
	/* An encrypted document (opened without a password: owner password
	 * only) is written with its own encryption, restrictions and /ID,
	 * as QPDF preserves them by default. Setting a decode level, even
	 * the default generalized one, counts as prefiltering and drops the
	 * encryption; a deterministic /ID cannot go with it either (the key
	 * derives from the first /ID). */
	if (qpdf_is_encrypted(q))
		return;
	qpdf_set_decode_level(q, qpdf_dl_generalized);
	qpdf_set_deterministic_ID(q, QPDF_TRUE);
}

int
pdf_rewrite(const unsigned char *buf, size_t len, struct buf *out)
{
	qpdf_data q;
	int rc;

	if ((rc = pdf_open_memory(buf, len, &q)) == -ENOMEM)
		return rc;
	if (rc == 0 && !(qpdf_init_write_memory(q) & QPDF_ERRORS)) {
		pdf_write_setup(q);
		rc = qpdf_write(q) & QPDF_ERRORS ?
		    -EINVAL :
		    buf_add(out, qpdf_get_buffer(q), qpdf_get_buffer_length(q));
	} else
		rc = -EINVAL;
	qpdf_cleanup(&q);
	return rc;
}
