/*
 * iin.c: the check digit of a Kazakhstan IIN (spec/services.md).
 * Reads manifest strings, so it assumes nothing about them but a NUL.
 */
#include <stddef.h>

#include "iin.h"

static const int iin_w1[11] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
static const int iin_w2[11] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2 };

static int
iin_sum(const char *s, const int *w)
{
	int i, sum = 0;

	for (i = 0; i < 11; i++)
		sum += (s[i] - '0') * w[i];
	return sum % 11;
}

bool
iin_valid(const char *s)
{
	int i, c;

	if (s == NULL)
		return false;
	for (i = 0; i < 12; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	if (s[12] != '\0')
		return false;
	c = iin_sum(s, iin_w1);
	if (c == 10)
		c = iin_sum(s, iin_w2);
	return c != 10 && s[11] - '0' == c;
}
