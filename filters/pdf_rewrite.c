/*
 * pdf_rewrite.c: the lossless PDF variant: QPDF rewrites the document
 * with object streams and every Flate stream decoded and compressed
 * again; pages, text, vectors and images are unchanged. A signed PDF
 * (/ByteRange anywhere) or an encrypted one is never rewritten.
 * SECURITY: parses uploaded bytes through QPDF's C API (errors stay in
 * the handle); the output is made in memory.
 */
#include <errno.h>
#include <string.h>
#include <qpdf/qpdf-c.h>

#include "engine.h"

int pdf_may_rewrite(const unsigned char *buf, size_t len)
{
	return memmem(buf, len, "/ByteRange", 10) == NULL &&
	    memmem(buf, len, "/Encrypt", 8) == NULL;
}

int pdf_rewrite(const unsigned char *buf, size_t len, struct buf *out)
{
	qpdf_data q = qpdf_init();
	int rc = -EINVAL;

	if (q == NULL)
		return -ENOMEM;
	qpdf_silence_errors(q);
	qpdf_set_suppress_warnings(q, QPDF_TRUE);
	if (!(qpdf_read_memory(q, "upload", (const char *)buf, len, "") &
	    QPDF_ERRORS) && !(qpdf_init_write_memory(q) & QPDF_ERRORS)) {
		qpdf_set_object_stream_mode(q, qpdf_o_generate);
		qpdf_set_compress_streams(q, QPDF_TRUE);
		qpdf_set_decode_level(q, qpdf_dl_generalized);
		qpdf_set_deterministic_ID(q, QPDF_TRUE);
		if (!(qpdf_write(q) & QPDF_ERRORS))
			rc = buf_add(out, qpdf_get_buffer(q),
			    qpdf_get_buffer_length(q));
	}
	qpdf_cleanup(&q);
	return rc;
}
