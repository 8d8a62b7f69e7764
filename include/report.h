/*
 * report.h: what qujat-filter tells the daemon about one file, and how the
 * daemon starts it. This is the only thing the trusted side reads from a
 * worker, so it is small, line-based and size-checked.
 *
 * Invocation:  qujat-filter [options]
 *   fd 0  the upload, opened read-only by the daemon (a regular file)
 *   fd 1  the report (a pipe), at most REPORT_MAX bytes
 *   fd 2  diagnostics, one line each; the daemon logs them
 *   fd 3  the output file, empty and writable (absent with --probe-only)
 * Options (all limits are applied before any decoding; each limit and
 * the policy default to qujat.conf's defaults, defaults.h):
 *   --max-bytes N   --max-pixels N   --max-pages N   --max-objects N
 *   --max-stream-bytes N   --cpu-seconds N   --memory-mb N
 *   --probe-only    analyse only; write no output
 *   --photo         the file is a photograph (photo_3x4), not a page
 *   --max-dpi N  --min-dpi N  --low-dpi N  --quality-floor Q
 *                   the legibility policy
 *   --menu          also make the variants (the bundle is over budget):
 *                   each is written to fd 3 after keep, at the OFFSET its
 *                   variant line gives, so the daemon can publish any of
 *                   them without encoding again
 *   --target BYTES  with --menu: make only the variants near BYTES (the
 *                   file's share of the budget): the best one at most
 *                   BYTES and the one above it (the best alone when it
 *                   fits; the two smallest when none does); the report
 *                   then says "menu_partial 1" if the ladder has others
 *   --variant ID    write variant ID (from an earlier --menu report on
 *                   the same file and options) to fd 3 instead of "keep"
 *
 * Without --variant the worker writes the "keep" variant to fd 3: the file
 * as it is, minus what no viewer shows but a parser may act on (trailing
 * bytes, GPS and serials in EXIF), upright, in a format every case system
 * opens (a TIFF becomes a PDF). Variants are the engine's menu for fitting
 * the budget: a few resolutions and qualities, grey or colour as the
 * analysis says. Encoding is deterministic: a variant written later has
 * the size the menu said.
 *
 * Report: ASCII lines "key value", the first "qujat-filter 1", the last
 * "end". Keys may come in any order and unknown keys are ignored, so the
 * worker can grow; a value is printable ASCII without newlines.
 *   status     ok | unsupported | corrupt | encrypted | limit | blank |
 *              lowres (below --low-dpi: resolution_too_low)
 *   limit      bytes | pixels | pages | objects | stream  (status limit)
 *   type       the detected media type, e.g. image/jpeg (always)
 *   ext        jpg | png | tif | pdf: the real type's extension (status ok)
 *   width height  pixels of the first (or largest) image, 0 for a PDF
 *   pages      pages (1 for a single image)
 *   bytes_in   sha256_in    of fd 0 as read
 *   bytes_out  sha256_out   of what was written to fd 3
 *   out_type   media type of what was written to fd 3 (status ok)
 *   out_ext    its extension: jpg | png | pdf (status ok)
 *   dpi        effective dpi of the worst page (0 when unknown)
 *   color      1 when a page has meaningful colour (a stamp), else 0
 *   variant    "ID BYTES RANK" or "ID BYTES RANK OFFSET EXT", repeated,
 *              at most REPORT_MAX_VARIANTS, the first always "keep"; ID is
 *              [a-z0-9._-]{1,31}; RANK 0..100 is the legibility the
 *              variant keeps, comparable across files and formats (keep =
 *              100); listed from best to smallest. OFFSET (with --menu):
 *              where its bytes start in fd 3 (keep's is 0); EXT its
 *              extension (jpg | png | pdf)
 *   menu_partial  1 when --target cut the menu: variants above or below
 *              those listed were not made (without --target all are)
 *   page       with status blank, the uniform page (1-based) when the file
 *              has several
 *   incomplete 1 with status corrupt when the file ends before its
 *              picture does (an upload cut short): file_incomplete
 *   signed     1 for a PDF with a digital signature: never rewritten, so
 *              keep is its only variant
 *   transform  what was changed, e.g. "trailing data removed" (optional)
 *   detail     a short reason for the log (optional)
 *   ms         time spent in the worker, milliseconds
 * Exit status 0 whenever a report was written, whatever its status; any
 * other exit or a signal means the worker failed (retried by the daemon).
 */
#ifndef QUJAT_REPORT_H
#define QUJAT_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include "qerr.h"

#define REPORT_MAX 4096
#define REPORT_MAGIC "qujat-filter 1"
#define REPORT_MAX_VARIANTS 16

enum filter_status {
	FS_OK,
	FS_UNSUPPORTED,
	FS_CORRUPT,
	FS_ENCRYPTED,
	FS_LIMIT,
	FS_BLANK,
	FS_LOWRES
};

struct report_variant {
	char id[32];
	int64_t bytes;
	int rank;
	int64_t offset; /* in fd 3's output; -1 when not written */
	char ext[8];	/* "" when not given */
};

struct filter_report {
	enum filter_status status;
	char limit[16];
	char type[96];
	char ext[8];
	int64_t width, height, pages;
	int64_t bytes_in, bytes_out;
	char sha256_in[65], sha256_out[65];
	char out_type[96];
	char out_ext[8];
	int64_t dpi;
	int64_t color;
	struct report_variant variants[REPORT_MAX_VARIANTS];
	int nvariants;
	int64_t menu_partial;
	int64_t signed_pdf; /* "signed" */
	int64_t page;
	int64_t incomplete;
	char transform[160];
	char detail[200];
	int64_t ms;
};

/*
 * The protocol's one table (report_proto.c), compiled into both programs:
 * the worker formats a report from it (report_format, filters/report_out.c)
 * and the daemon parses with it (report_parse, daemon/report_parse.c);
 * tests/unit/test_report.c sends reports through both.
 */
enum report_key_id {
	RK_STATUS,
	RK_LIMIT,
	RK_TYPE,
	RK_EXT,
	RK_WIDTH,
	RK_HEIGHT,
	RK_PAGES,
	RK_BYTES_IN,
	RK_SHA_IN,
	RK_BYTES_OUT,
	RK_SHA_OUT,
	RK_TRANSFORM,
	RK_DETAIL,
	RK_MS,
	RK_OUT_TYPE,
	RK_OUT_EXT,
	RK_DPI,
	RK_COLOR,
	RK_VARIANT,
	RK_PARTIAL,
	RK_SIGNED,
	RK_PAGE,
	RK_INCOMPLETE,
	RK_COUNT
};

/* What a key's value is; numbers hold [0, max]. */
enum report_kind { R_STATUS, R_WORD, R_TEXT, R_NUM, R_SHA, R_VARIANT };

/* When the worker writes a key. */
enum report_when {
	RW_ALWAYS, /* in every report */
	RW_SET,	   /* when not empty (text) or not 0 (a number) */
	RW_OK_SET, /* with status ok, when not empty */
	RW_LIMIT,  /* with status limit */
};

struct report_key {
	const char *name;
	enum report_kind kind;
	size_t off;  /* into struct filter_report */
	size_t size; /* of the char field, or 0 */
	int64_t max; /* for numbers */
	enum report_when when;
};

#define REPORT_NSTATUS (FS_LOWRES + 1)
extern const struct report_key report_keys[RK_COUNT];
extern const char *const report_status_names[REPORT_NSTATUS];

/* Parses a report. Returns 0, or -EPROTO when it is malformed, truncated,
 * over REPORT_MAX or lacks a required key for its status (err says which). */
int report_parse(const char *buf, size_t len, struct filter_report *out,
    struct qerr *err);

/* The status keyword, e.g. "corrupt". */
const char *report_status_name(enum filter_status s);

#endif
