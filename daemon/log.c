/*
 * log.c: one line per event on stderr, "<N>" prefixed for journald.
 * File names come from uploads, so control bytes are escaped, and any
 * run of twelve digits or more (an IIN, in a file name or an id) is
 * masked to its last four.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define IIN_DIGITS 12

static int log_level = LOG_INFO;	/* the one global of the log module */

void
log_set_level(int prio)
{
	log_level = prio;
}

/* Masks in place every run of IIN_DIGITS or more digits but its last
 * four: "180512600157_vkk.jpg" -> "********0157_vkk.jpg". */
static void
mask_iins(char *s)
{
	size_t run;

	for (; *s; s += run ? run : 1) {
		for (run = 0; s[run] >= '0' && s[run] <= '9'; run++)
			;
		if (run >= IIN_DIGITS)
			memset(s, '*', run - 4);
	}
}

static size_t
escape(char *dst, size_t cap, const char *src)
{
	size_t o = 0;

	for (; *src && o + 5 < cap; src++) {
		unsigned char c = (unsigned char)*src;
		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(dst + o, cap - o, "\\x%02x", c);
		else
			dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return o;
}

void
log_msg(int prio, const char *id, const char *fmt, ...)
{
	char raw[1024], idm[300], line[2048];
	va_list ap;
	int n;

	if (prio > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	mask_iins(raw);
	n = snprintf(line, sizeof(line), "<%d>", prio);
	if (id) {
		snprintf(idm, sizeof(idm), "%s", id);
		mask_iins(idm);
		line[n++] = '[';
		n += (int)escape(line + n, 300, idm);
		line[n++] = ']';
		line[n++] = ' ';
	}
	n += (int)escape(line + n, sizeof(line) - (size_t)n - 2, raw);
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;		/* nowhere left to report it */
}

const char *
log_iin(const char *iin, char *buf, size_t len)
{
	size_t n = iin ? strlen(iin) : 0;

	if (len < 13)
		return "";
	if (n < 4) {
		snprintf(buf, len, "****");
		return buf;
	}
	snprintf(buf, len, "********%s", iin + n - 4);
	return buf;
}
