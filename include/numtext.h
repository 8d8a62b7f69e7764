/*
 * numtext.h: numbers as a parent reads them in each language
 * (spec/services.md, "Refusal texts"): sizes in Мбайт / МБ / MB (10^6
 * bytes) with a decimal comma in kk and ru, counts grouped by thousands
 * (a no-break space in kk and ru, a comma in en). Never a raw byte count.
 */
#ifndef QUJAT_NUMTEXT_H
#define QUJAT_NUMTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "catalogue.h"

/* "52,4 Мбайт", "0,06 МБ", "5 MB": three significant digits, the unit
 * after a no-break space. Writes at most len bytes to buf; returns buf. */
char *numtext_size(int64_t bytes, enum lang lang, char *buf, size_t len);

/* "100 000 000" (kk, ru; no-break spaces), "100,000,000" (en); numbers
 * under 10 000 are not grouped. Returns buf. */
char *numtext_count(int64_t n, enum lang lang, char *buf, size_t len);

#endif
