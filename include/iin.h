/*
 * iin.h: Kazakhstan's individual identification number (services.md).
 * Only the format and the check digit decide validity.
 */
#ifndef QUJAT_IIN_H
#define QUJAT_IIN_H

#include <stdbool.h>

/* True when s is exactly 12 ASCII digits whose twelfth is the check digit
 * computed with the first weights, or the second when the first give 10. */
bool iin_valid(const char *s);

#endif
