/*
 * detect.c: the real type of an upload from its content (libmagic), never
 * from its name. The database is loaded before the sandbox is up.
 * SECURITY: libmagic parses uploaded bytes; its expensive and
 * decompressing checks are off and its own limits are set low.
 */
#include <stddef.h>
#include <string.h>
#include <magic.h>

#include "filter.h"

#define PDF_HEADER_SEARCH 1024 /* poppler's PDFDoc::checkHeader */

#define DETECT_FLAGS \
	(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_TAR | \
	    MAGIC_NO_CHECK_ELF | MAGIC_NO_CHECK_CDF | \
	    MAGIC_NO_CHECK_ENCODING | MAGIC_NO_CHECK_APPTYPE | \
	    MAGIC_NO_CHECK_CSV | MAGIC_NO_CHECK_JSON | MAGIC_NO_CHECK_TOKENS | \
	    MAGIC_NO_COMPRESS_FORK | MAGIC_ERROR)

static const struct {
	int param;
	size_t value;
} detect_params[] = {
	{ MAGIC_PARAM_INDIR_MAX, 4 },
	{ MAGIC_PARAM_NAME_MAX, 16 },
	{ MAGIC_PARAM_REGEX_MAX, 4096 },
	{ MAGIC_PARAM_BYTES_MAX, 256 * 1024 }, /* the head is enough */
	{ MAGIC_PARAM_ELF_PHNUM_MAX, 16 },
	{ MAGIC_PARAM_ELF_SHNUM_MAX, 16 },
	{ MAGIC_PARAM_ELF_NOTES_MAX, 16 },
	{ MAGIC_PARAM_ENCODING_MAX, 4096 },
};

struct magic_set *
detect_open(void)
{
	magic_t ms;
	size_t i;

	if ((ms = magic_open(DETECT_FLAGS)) == NULL)
		return NULL;
	for (i = 0; i < sizeof detect_params / sizeof detect_params[0]; i++)
		if (magic_setparam(ms, detect_params[i].param,
			&detect_params[i].value) == -1)
			break;
	if (i < sizeof detect_params / sizeof detect_params[0] ||
	    magic_load(ms, NULL) == -1) {
		magic_close(ms);
		return NULL;
	}
	return ms;
}

long
pdf_header_at(const unsigned char *buf, size_t len)
{
	size_t n = len < PDF_HEADER_SEARCH ? len : PDF_HEADER_SEARCH;
	const unsigned char *p = n > 0 ? memmem(buf, n, "%PDF-", 5) : NULL;

	/* poppler compares at each i < 1024 - 5 */
	if (p == NULL || (size_t)(p - buf) >= PDF_HEADER_SEARCH - 5)
		return -1;
	return (long)(p - buf);
}

void
detect_type(struct magic_set *ms, const unsigned char *buf, size_t len,
    char *out, size_t outsz)
{
	const char *t = magic_buffer(ms, buf, len);

	filter_sanitize(out, outsz, t ? t : "application/octet-stream");
	/* A media type never holds a space; keep the report's value one word.
	 */
	out[strcspn(out, " ;")] = '\0';
	/* libmagic wants %PDF- at offset 0; viewers accept a mail header or
	 * a scanner's junk before it. A JPEG, PNG or TIFF stays what it is. */
	if (fmt_lookup(out) == NULL && pdf_header_at(buf, len) >= 0)
		filter_sanitize(out, outsz, "application/pdf");
}

void
detect_close(struct magic_set *ms)
{
	magic_close(ms);
}
