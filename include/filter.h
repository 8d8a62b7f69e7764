/*
 * filter.h: the inside of qujat-filter. One small table of function
 * pointers per supported format (filters/fmt_*.c), as each Redis ae_*.c
 * backend fills the same aeApi* set, plus the helpers they share.
 * SECURITY: everything declared here runs on uploaded bytes, inside the
 * sandbox (sandbox.h): no file, socket or program may be touched.
 *
 * Contract of a format's probe():
 *  - reads only in->buf[0..in->len); never writes into it;
 *  - checks the header first and refuses with status limit before any
 *    decoding when width*height > max_pixels, pages > max_pages or
 *    objects > max_objects (filter_set_limit);
 *  - then decodes everything (all scanlines, all pages) and sets
 *    rep->status to FS_OK, FS_CORRUPT, FS_ENCRYPTED, FS_LIMIT or FS_BLANK,
 *    with width, height, pages and, when useful, a detail; a format whose
 *    emit() decodes every pixel anyway and judges corruption as strictly
 *    may skip this decode unless lim->probe_only (JPEG does);
 *  - never lets a library exit, print to stdout or keep global state:
 *    per-handle error hooks, setjmp only in tiny functions;
 *  - returns 0 when rep->status is decided (whatever it is), or a
 *    negative errno-style code on an internal failure (the worker then
 *    exits nonzero and the daemon retries).
 *
 * Errors in filters/, as in the daemon (qerr.h): a function that can
 * fail returns 0 or a negative errno-style code (-EINVAL unreadable,
 * -ENOTSUP a kind not handled, -E2BIG over a limit, -ENOMEM...); the
 * message goes into a buffer the caller gives (msg, msgsz) or, for a
 * refusal of the file, into the report (filter_set_status,
 * filter_set_limit). What is not an error keeps its own value, said in
 * its comment: a predicate's 0 or 1, a count, an offset or -1 (none),
 * pdf_offer's 1 (--target met: stop), and a library guard's -1 (the
 * library failed, jpegutil.h and pngutil.h), which every exported
 * function turns into an errno code.
 */
#ifndef QUJAT_FILTER_H
#define QUJAT_FILTER_H

#include <stddef.h>
#include <stdint.h>
#include "fdio.h"
#include "report.h"

struct filter_limits {
	uint64_t max_bytes;
	uint64_t max_pixels;
	uint64_t max_pages;
	uint64_t max_objects;
	uint64_t max_stream_bytes;
	uint64_t cpu_seconds;
	uint64_t memory_mb;
	int probe_only;
	int photo;
	int flatten; /* --flatten: a photographed page's menu is
		      * of its sheet, found, squared and evened
		      * (flat.h) */
	/* the legibility policy and what to write (report.h) */
	int max_dpi, min_dpi, low_dpi, quality_floor;
	int menu;
	uint64_t target;  /* --target: stop the menu at this size; 0 */
	char variant[32]; /* "" for keep */
};

struct filter_input {
	const unsigned char *buf;
	size_t len;
	const struct filter_limits *lim;
};

struct engine;

struct fmt_ops {
	const char *mime; /* libmagic's MAGIC_MIME_TYPE answer */
	const char *ext;  /* the report's ext for this type */
	int (*probe)(const struct filter_input *in, struct filter_report *rep);
	/* After an ok probe: analyses the file and writes the keep variant,
	 * the menu or one variant (engine.h). 0 with rep->status decided,
	 * or a negative errno-style code on an internal failure. */
	int (*emit)(struct engine *e);
};

extern const struct fmt_ops fmt_jpeg, fmt_png, fmt_tiff, fmt_pdf;

/* The format that handles media type `mime`, or NULL (unsupported). */
const struct fmt_ops *fmt_lookup(const char *mime);

/* Sets rep->status FS_LIMIT and rep->limit to `what` ("pixels", ...). */
void filter_set_limit(struct filter_report *rep, const char *what);

/* Sets rep->status and a printf-style detail (made printable ASCII). */
void filter_set_status(struct filter_report *rep, enum filter_status st,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Whether w*h exceeds lim->max_pixels (without overflowing). */
int filter_too_many_pixels(uint64_t w, uint64_t h,
    const struct filter_limits *lim);

/* Copies src into dst (size dstsz), every byte outside printable ASCII
 * replaced by '?'; always NUL-terminates. */
void filter_sanitize(char *dst, size_t dstsz, const char *src);

/* Exact uniformity of an image, fed one decoded row at a time: blank
 * stays 1 while every pixel equals the first one seen. */
struct uniform {
	unsigned char first[16];
	size_t pixel; /* bytes per pixel, at most sizeof first */
	int seen, blank;
};
void uniform_init(struct uniform *u, size_t pixel);
void uniform_row(struct uniform *u, const unsigned char *row, size_t len);

/* libmagic: opens and loads the database (before the sandbox), and
 * detects a buffer's media type (after it). detect_open returns NULL on
 * failure; detect_type writes a sanitised type into out: a PDF whose
 * header follows other bytes, as far as viewers look for it, is a PDF.
 * pdf_header_at: where "%PDF-" starts within the first 1024 bytes (as
 * poppler and Acrobat search), or -1. */
struct magic_set *detect_open(void);
void detect_type(struct magic_set *ms, const unsigned char *buf, size_t len,
    char *out, size_t outsz);
void detect_close(struct magic_set *ms);
long pdf_header_at(const unsigned char *buf, size_t len);

/* The upload from fd (io.c): read_all reads fd to EOF into a new buffer
 * (caller frees), at most max bytes: returns 0; -EFBIG when the input is
 * larger than max, with the head read so far in *out (caller frees); or
 * -errno with nothing to free. Writes to the worker's fds go through
 * fdio.h's write_all. */
int read_all(int fd, uint64_t max, unsigned char **out, size_t *outlen);

/* Formats rep as the report text of report.h into buf; returns the
 * length, or -ENOSPC when it does not fit. */
int report_format(const struct filter_report *rep, char *buf, size_t bufsz);

#endif
