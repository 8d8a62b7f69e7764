/*
 * report_out.c: the worker's side of report.h: filling a filter_report
 * and formatting it as the line-based text the daemon parses.
 * SECURITY: text that came from an upload or a decoder (libmagic's type,
 * library messages) is made printable ASCII here before it is reported.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "filter.h"

void
filter_sanitize(char *dst, size_t dstsz, const char *src)
{
	size_t i;

	if (dstsz == 0)
		return;
	for (i = 0; i + 1 < dstsz && src[i] != '\0'; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

void
filter_set_status(struct filter_report *rep, enum filter_status st,
    const char *fmt, ...)
{
	char tmp[sizeof rep->detail];
	va_list ap;

	rep->status = st;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	filter_sanitize(rep->detail, sizeof rep->detail, tmp);
}

void
filter_set_limit(struct filter_report *rep, const char *what)
{
	filter_set_status(rep, FS_LIMIT, "over the %s limit", what);
	snprintf(rep->limit, sizeof rep->limit, "%s", what);
}

int
filter_too_many_pixels(uint64_t w, uint64_t h, const struct filter_limits *lim)
{
	return h != 0 && w > lim->max_pixels / h;
}

/* Appends "key value\n" (or "key\n" when val is NULL) at off; returns
 * the new length, or -ENOSPC (also when off already is). */
static int
line(char *buf, size_t sz, int off, const char *key, const char *val)
{
	int n;

	if (off < 0)
		return off;
	n = snprintf(buf + off, sz - (size_t)off, "%s%s%s\n", key,
	    val ? " " : "", val ? val : "");
	return n < 0 || (size_t)n >= sz - (size_t)off ? -ENOSPC : off + n;
}

static int
line_i(char *buf, size_t sz, int off, const char *key, int64_t v)
{
	char num[24];

	snprintf(num, sizeof num, "%" PRId64, v);
	return line(buf, sz, off, key, num);
}

/* Whether rep has key k's value to report (report.h, report_when). */
static int
wanted(const struct filter_report *rep, const struct report_key *k)
{
	const char *p = (const char *)rep + k->off;
	int set = k->kind == R_NUM ? *(const int64_t *)(const void *)p != 0 :
	    k->kind == R_VARIANT   ? rep->nvariants > 0 :
				     p[0] != '\0';

	switch (k->when) {
	case RW_ALWAYS:
		return 1;
	case RW_SET:
		return set;
	case RW_OK_SET:
		return rep->status == FS_OK && set;
	case RW_LIMIT:
		return rep->status == FS_LIMIT;
	}
	return 0;
}

/* One key's line, as its kind says. */
static int format_key(const struct filter_report *rep,
    const struct report_key *k, char *buf, size_t sz, int off);

static int
format_variants(const struct filter_report *rep, char *buf, size_t sz, int off)
{
	char v[96];

	const struct report_variant *r;

	for (int i = 0; i < rep->nvariants && i < REPORT_MAX_VARIANTS; i++) {
		r = &rep->variants[i];
		/* OFFSET and EXT only for a variant whose bytes are in fd 3 */
		if (r->ext[0])
			snprintf(v, sizeof v,
			    "%s %" PRId64 " %d %" PRId64 " %s", r->id, r->bytes,
			    r->rank, r->offset, r->ext);
		else
			snprintf(v, sizeof v, "%s %" PRId64 " %d", r->id,
			    r->bytes, r->rank);
		off = line(buf, sz, off, "variant", v);
	}
	return off;
}

static int
format_key(const struct filter_report *rep, const struct report_key *k,
    char *buf, size_t sz, int off)
{
	const char *p = (const char *)rep + k->off;

	switch (k->kind) {
	case R_STATUS:
		return line(buf, sz, off, k->name,
		    report_status_names[rep->status]);
	case R_NUM:
		return line_i(buf, sz, off, k->name,
		    *(const int64_t *)(const void *)p);
	case R_VARIANT:
		return format_variants(rep, buf, sz, off);
	case R_WORD:
	case R_TEXT:
	case R_SHA:
		break;
	}
	return line(buf, sz, off, k->name, p);
}

int
report_format(const struct filter_report *rep, char *buf, size_t bufsz)
{
	int off = 0;

	if (bufsz > REPORT_MAX)
		bufsz = REPORT_MAX;
	off = line(buf, bufsz, off, REPORT_MAGIC, NULL);
	for (int i = 0; i < RK_COUNT; i++)
		if (wanted(rep, &report_keys[i]))
			off = format_key(rep, &report_keys[i], buf, bufsz, off);
	return line(buf, bufsz, off, "end", NULL);
}
