/*
 * uniform.c: whether a decoded image is one flat colour (a blank page).
 * SECURITY: reads decoded rows of uploaded images, within their bounds.
 */
#include <string.h>

#include "filter.h"

void
uniform_init(struct uniform *u, size_t pixel)
{
	memset(u, 0, sizeof *u);
	u->pixel = pixel > 0 && pixel <= sizeof u->first ? pixel : 0;
	u->blank = u->pixel != 0;
}

void
uniform_row(struct uniform *u, const unsigned char *row, size_t len)
{
	size_t i;

	if (!u->blank || len < u->pixel)
		return;
	if (!u->seen) {
		memcpy(u->first, row, u->pixel);
		u->seen = 1;
	}
	for (i = 0; i + u->pixel <= len && u->blank; i += u->pixel)
		if (memcmp(row + i, u->first, u->pixel) != 0)
			u->blank = 0;
}
