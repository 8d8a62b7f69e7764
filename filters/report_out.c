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

static const char *const status_names[] = {
	[FS_OK] = "ok", [FS_UNSUPPORTED] = "unsupported",
	[FS_CORRUPT] = "corrupt", [FS_ENCRYPTED] = "encrypted",
	[FS_LIMIT] = "limit", [FS_BLANK] = "blank", [FS_LOWRES] = "lowres",
};

void filter_sanitize(char *dst, size_t dstsz, const char *src)
{
	size_t i;

	if (dstsz == 0)
		return;
	for (i = 0; i + 1 < dstsz && src[i] != '\0'; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

void filter_set_status(struct filter_report *rep, enum filter_status st,
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

void filter_set_limit(struct filter_report *rep, const char *what)
{
	filter_set_status(rep, FS_LIMIT, "over the %s limit", what);
	snprintf(rep->limit, sizeof rep->limit, "%s", what);
}

int filter_too_many_pixels(uint64_t w, uint64_t h,
    const struct filter_limits *lim)
{
	return h != 0 && w > lim->max_pixels / h;
}

/* Appends "key value\n" (or "key\n" when val is NULL) at off; returns
 * the new length, or -ENOSPC (also when off already is). */
static int line(char *buf, size_t sz, int off, const char *key,
    const char *val)
{
	int n;

	if (off < 0)
		return off;
	n = snprintf(buf + off, sz - (size_t)off, "%s%s%s\n", key,
	    val ? " " : "", val ? val : "");
	return n < 0 || (size_t)n >= sz - (size_t)off ? -ENOSPC : off + n;
}

static int line_i(char *buf, size_t sz, int off, const char *key, int64_t v)
{
	char num[24];

	snprintf(num, sizeof num, "%" PRId64, v);
	return line(buf, sz, off, key, num);
}

static int format_optional(const struct filter_report *rep, char *buf,
    size_t sz, int off)
{
	if (rep->status == FS_LIMIT)
		off = line(buf, sz, off, "limit", rep->limit);
	if (rep->status == FS_OK && rep->ext[0])
		off = line(buf, sz, off, "ext", rep->ext);
	if (rep->status == FS_OK && rep->out_type[0]) {
		off = line(buf, sz, off, "out_type", rep->out_type);
		off = line(buf, sz, off, "out_ext", rep->out_ext);
	}
	if (rep->transform[0])
		off = line(buf, sz, off, "transform", rep->transform);
	if (rep->detail[0])
		off = line(buf, sz, off, "detail", rep->detail);
	return off;
}

static int format_variants(const struct filter_report *rep, char *buf,
    size_t sz, int off)
{
	char v[96];

	const struct report_variant *r;

	for (int i = 0; i < rep->nvariants && i < REPORT_MAX_VARIANTS; i++) {
		r = &rep->variants[i];
		/* OFFSET and EXT only for a variant whose bytes are in fd 3 */
		if (r->ext[0])
			snprintf(v, sizeof v, "%s %" PRId64 " %d %" PRId64 " %s",
			    r->id, r->bytes, r->rank, r->offset, r->ext);
		else
			snprintf(v, sizeof v, "%s %" PRId64 " %d", r->id,
			    r->bytes, r->rank);
		off = line(buf, sz, off, "variant", v);
	}
	return off;
}

int report_format(const struct filter_report *rep, char *buf, size_t bufsz)
{
	int off = 0;

	if (bufsz > REPORT_MAX)
		bufsz = REPORT_MAX;
	off = line(buf, bufsz, off, REPORT_MAGIC, NULL);
	off = line(buf, bufsz, off, "status", status_names[rep->status]);
	off = line(buf, bufsz, off, "type", rep->type);
	off = format_optional(rep, buf, bufsz, off);
	off = line_i(buf, bufsz, off, "width", rep->width);
	off = line_i(buf, bufsz, off, "height", rep->height);
	off = line_i(buf, bufsz, off, "pages", rep->pages);
	off = line_i(buf, bufsz, off, "bytes_in", rep->bytes_in);
	off = line(buf, bufsz, off, "sha256_in", rep->sha256_in);
	off = line_i(buf, bufsz, off, "bytes_out", rep->bytes_out);
	off = line(buf, bufsz, off, "sha256_out", rep->sha256_out);
	off = line_i(buf, bufsz, off, "dpi", rep->dpi);
	off = line_i(buf, bufsz, off, "color", rep->color);
	off = format_variants(rep, buf, bufsz, off);
	if (rep->menu_partial)
		off = line_i(buf, bufsz, off, "menu_partial", rep->menu_partial);
	if (rep->page)
		off = line_i(buf, bufsz, off, "page", rep->page);
	if (rep->signed_pdf)
		off = line_i(buf, bufsz, off, "signed", rep->signed_pdf);
	if (rep->incomplete)
		off = line_i(buf, bufsz, off, "incomplete", rep->incomplete);
	off = line_i(buf, bufsz, off, "ms", rep->ms);
	return line(buf, bufsz, off, "end", NULL);
}
