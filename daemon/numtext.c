/*
 * numtext.c: sizes and counts for the refusal texts (numtext.h). Trusted
 * input: limits from qujat.conf, never a byte of an upload.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "numtext.h"

#define NBSP "\xc2\xa0"

static const char *const size_unit[LANG_COUNT] = { "Мбайт", "МБ", "MB" };
static const char *const group_sep[LANG_COUNT] = { NBSP, NBSP, "," };
static const char decimal_mark[LANG_COUNT] = { ',', ',', '.' };

/* The digits of v (>= 0), grouped by thousands with sep when v has five
 * digits or more. */
static size_t
put_grouped(uint64_t v, const char *sep, char *buf, size_t len)
{
	char digits[24];
	size_t n = (size_t)snprintf(digits, sizeof(digits), "%" PRIu64, v);
	size_t o = 0, seplen = strlen(sep);

	for (size_t i = 0; i < n && o + seplen + 2 < len; i++) {
		if (i > 0 && n > 4 && (n - i) % 3 == 0) {
			memcpy(buf + o, sep, seplen);
			o += seplen;
		}
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return o;
}

char *
numtext_count(int64_t n, enum lang lang, char *buf, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return buf;
	if (n < 0 && len > 1) {
		buf[o++] = '-';
		n = -n;
	}
	put_grouped((uint64_t)n, group_sep[lang], buf + o, len - o);
	return buf;
}

/* Decimals that give three significant digits (at most three). */
static int
decimals_for(double mb)
{
	if (mb >= 100)
		return 0;
	if (mb >= 10)
		return 1;
	if (mb >= 1)
		return 2;
	return 3;
}

char *
numtext_size(int64_t bytes, enum lang lang, char *buf, size_t len)
{
	double mb = (double)(bytes < 0 ? 0 : bytes) / 1e6;
	char num[48], *dot, *end;
	uint64_t ip = 0;
	size_t o;

	if (len == 0)
		return buf;
	snprintf(num, sizeof(num), "%.*f", decimals_for(mb), mb);
	if ((dot = strchr(num, '.')) != NULL) {
		for (end = num + strlen(num) - 1; *end == '0'; end--)
			*end = '\0';
		if (end == dot)
			dot = NULL; /* a whole number: no fraction */
	}
	sscanf(num, "%" SCNu64, &ip);
	o = put_grouped(ip, group_sep[lang], buf, len);
	if (dot != NULL && o + 1 < len) {
		buf[o++] = decimal_mark[lang];
		snprintf(buf + o, len - o, "%s", dot + 1);
		o += strlen(buf + o);
	}
	snprintf(buf + o, len - o, NBSP "%s", size_unit[lang]);
	return buf;
}
