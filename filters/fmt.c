/*
 * fmt.c: the table of supported formats, keyed by libmagic's media type.
 * SECURITY: no uploaded bytes here; the type string was made by libmagic.
 */
#include <string.h>

#include "filter.h"

static const struct fmt_ops *const fmt_table[] = {
	&fmt_jpeg,
	&fmt_png,
	&fmt_tiff,
	&fmt_pdf,
};

const struct fmt_ops *
fmt_lookup(const char *mime)
{
	for (size_t i = 0; i < sizeof fmt_table / sizeof fmt_table[0]; i++)
		if (strcmp(fmt_table[i]->mime, mime) == 0)
			return fmt_table[i];
	return NULL;
}
