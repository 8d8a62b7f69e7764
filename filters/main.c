/*
 * main.c: qujat-filter, the sandboxed worker (report.h). It narrows itself
 * (sandbox.h) before it reads a byte of fd 0, then detects the real type,
 * probes and decodes with the format's own library (fmt_*.c), writes the
 * output to fd 3 and the report to fd 1.
 * SECURITY: runs on uploaded bytes; trusted only by being walled in.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "defaults.h"
#include "digest.h"
#include "engine.h"
#include "filter.h"
#include "sandbox.h"

#define MIB (1024ull * 1024ull)

/* One line on fd 2, then exit nonzero. Not dprintf(): it fstat()s the
 * fd, which the sandbox forbids. */
__attribute__((noreturn, format(printf, 1, 2))) static void
fatal(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	n = snprintf(msg, sizeof msg, "qujat-filter: ");
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof msg - (size_t)n - 1, fmt, ap);
	va_end(ap);
	n = (int)strlen(msg);
	msg[n++] = '\n';
	write_all(2, (const unsigned char *)msg, (size_t)n);
	_exit(1);
}

static const struct option long_opts[] = {
	{ "max-bytes", required_argument, NULL, 'b' },
	{ "max-pixels", required_argument, NULL, 'x' },
	{ "max-pages", required_argument, NULL, 'p' },
	{ "max-objects", required_argument, NULL, 'o' },
	{ "max-stream-bytes", required_argument, NULL, 's' },
	{ "cpu-seconds", required_argument, NULL, 'c' },
	{ "memory-mb", required_argument, NULL, 'm' },
	{ "probe-only", no_argument, NULL, 'P' },
	{ "photo", no_argument, NULL, 'F' },
	{ "flatten", no_argument, NULL, 'f' },
	{ "max-dpi", required_argument, NULL, 'D' },
	{ "min-dpi", required_argument, NULL, 'd' },
	{ "low-dpi", required_argument, NULL, 'L' },
	{ "quality-floor", required_argument, NULL, 'Q' },
	{ "menu", no_argument, NULL, 'M' },
	{ "target", required_argument, NULL, 'T' },
	{ "variant", required_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static uint64_t
parse_u64(const char *name, const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end != '\0' || s[0] == '-' || v == 0)
		fatal("invalid value '%s' for --%s", s, name);
	return v;
}

static uint64_t *
limit_field(struct filter_limits *lim, int c)
{
	switch (c) {
	case 'b':
		return &lim->max_bytes;
	case 'x':
		return &lim->max_pixels;
	case 'p':
		return &lim->max_pages;
	case 'o':
		return &lim->max_objects;
	case 's':
		return &lim->max_stream_bytes;
	case 'c':
		return &lim->cpu_seconds;
	case 'm':
		return &lim->memory_mb;
	case 'T':
		return &lim->target;
	default:
		return NULL;
	}
}

static int *
policy_field(struct filter_limits *lim, int c)
{
	switch (c) {
	case 'D':
		return &lim->max_dpi;
	case 'd':
		return &lim->min_dpi;
	case 'L':
		return &lim->low_dpi;
	case 'Q':
		return &lim->quality_floor;
	default:
		return NULL;
	}
}

/* A dpi or a quality: 1..10000. */
static int
parse_policy(const char *name, const char *s)
{
	uint64_t v = parse_u64(name, s);

	if (v > 10000)
		fatal("invalid value '%s' for --%s", s, name);
	return (int)v;
}

static void
parse_variant(struct filter_limits *lim, const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n >= sizeof lim->variant ||
	    strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789._-") != n)
		fatal("invalid variant '%s'", id);
	memcpy(lim->variant, id, n + 1);
}

static void
parse_options(int argc, char **argv, struct filter_limits *lim)
{
	uint64_t *field;
	int *pfield;
	int c, idx;

	/* the daemon's defaults, which it passes unless configured */
	*lim = (struct filter_limits){
		.max_bytes = DEFAULT_MAX_FILE_BYTES,
		.max_pixels = DEFAULT_MAX_PIXELS,
		.max_pages = DEFAULT_MAX_PAGES,
		.max_objects = DEFAULT_MAX_PDF_OBJECTS,
		.max_stream_bytes = DEFAULT_MAX_STREAM_BYTES,
		.cpu_seconds = DEFAULT_WORKER_CPU_SECONDS,
		.memory_mb = DEFAULT_WORKER_MEMORY_MB,
		.max_dpi = DEFAULT_MAX_DPI,
		.min_dpi = DEFAULT_MIN_DPI,
		.low_dpi = DEFAULT_LOW_DPI,
		.quality_floor = DEFAULT_QUALITY_FLOOR,
	};
	while ((c = getopt_long(argc, argv, "", long_opts, &idx)) != -1) {
		if (c == 'P')
			lim->probe_only = 1;
		else if (c == 'F')
			lim->photo = 1;
		else if (c == 'f')
			lim->flatten = 1;
		else if (c == 'M')
			lim->menu = 1;
		else if (c == 'V')
			parse_variant(lim, optarg);
		else if ((pfield = policy_field(lim, c)) != NULL)
			*pfield = parse_policy(long_opts[idx].name, optarg);
		else if ((field = limit_field(lim, c)) != NULL)
			*field = parse_u64(long_opts[idx].name, optarg);
		else
			fatal(
			    "usage: qujat-filter [--max-bytes N] "
			    "[--max-pixels N] [--max-pages N] [--max-objects N] "
			    "[--max-stream-bytes N] [--cpu-seconds N] "
			    "[--memory-mb N] [--probe-only] [--photo] [--flatten] "
			    "[--max-dpi N] [--min-dpi N] [--low-dpi N] "
			    "[--quality-floor Q] [--menu] [--target BYTES] "
			    "[--variant ID]");
	}
	if (optind != argc)
		fatal("unexpected argument '%s'", argv[optind]);
	if (lim->quality_floor > 100 || lim->min_dpi > lim->max_dpi)
		fatal("inconsistent policy: quality floor %d, dpi %d..%d",
		    lim->quality_floor, lim->min_dpi, lim->max_dpi);
}

/* Everything that needs open() happens here, then the wall goes up. */
static struct magic_set *
narrow(const struct filter_limits *lim)
{
	struct sandbox_limits sl = {
		.cpu_seconds = lim->cpu_seconds,
		.memory_bytes = lim->memory_mb * MIB,
		/* room for a recompressed output up to twice the input, and
		 * with --menu for the variants after it, each smaller */
		.output_bytes = (lim->menu ? REPORT_MAX_VARIANTS : 1) *
		    (2 * lim->max_bytes + MIB),
	};
	struct magic_set *ms;
	int rc, abi;

	/* Inherited fds beyond 0-3 are none of the worker's business. */
	close_range(4, ~0u, 0);
	/* Pages and variants take tens of MB each, one after another: keep
	 * freed memory in the heap for the next one rather than give it back
	 * and fault it in again (the address space is capped anyway). */
	mallopt(M_MMAP_THRESHOLD, 256 << 20);
	mallopt(M_TRIM_THRESHOLD, 512 << 20);
	if ((rc = sandbox_limit(&sl)) < 0)
		fatal("cannot set resource limits: %s", strerror(-rc));
	if ((ms = detect_open()) == NULL)
		fatal("cannot load the libmagic database");
	if ((rc = sandbox_landlock(&abi)) < 0)
		fatal("cannot enter landlock: %s", strerror(-rc));
	if ((rc = sandbox_seccomp()) < 0)
		fatal("cannot load the seccomp filter: %s", strerror(-rc));
	return ms;
}

static void
probe(struct magic_set *ms, const struct filter_input *in,
    struct filter_report *rep, struct engine *e)
{
	const struct fmt_ops *fmt;
	int rc;

	detect_type(ms, in->buf, in->len, rep->type, sizeof rep->type);
	if ((fmt = fmt_lookup(rep->type)) == NULL) {
		filter_set_status(rep, FS_UNSUPPORTED,
		    "content is not jpeg, png, tiff or pdf");
		return;
	}
	if ((rc = fmt->probe(in, rep)) < 0)
		fatal("cannot probe the %s: %s", fmt->ext, strerror(-rc));
	if (rep->status != FS_OK)
		return;
	snprintf(rep->ext, sizeof rep->ext, "%s", fmt->ext);
	*e = (struct engine){ .in = in, .rep = rep, .fmt = fmt, .fd = 3 };
	if ((rc = fmt->emit(e)) < 0)
		fatal("cannot write the %s: %s", fmt->ext, strerror(-rc));
}

static void
output(const struct filter_input *in, struct filter_report *rep,
    struct engine *e)
{
	int rc;

	sha256_hex(NULL, 0, rep->sha256_out);
	if (rep->status != FS_OK || in->lim->probe_only)
		return;
	/* a streamed menu wrote keep and its variants already */
	if (!e->streamed &&
	    ((rc = write_all(3, e->out.p, e->out.len)) < 0 ||
		(rc = write_all(3, e->menu.p, e->menu.len)) < 0))
		fatal("cannot write the output: %s", strerror(-rc));
	/* keep's line says where it is too, when the variants follow it */
	if (in->lim->menu && rep->nvariants > 0) {
		rep->variants[0].offset = 0;
		snprintf(rep->variants[0].ext, sizeof rep->variants[0].ext,
		    "%s", rep->out_ext);
	}
	rep->bytes_out = (int64_t)e->out.len;
	/* keep is often the input itself (a scanned PDF, a clean JPEG):
	 * comparing is several times cheaper than hashing again */
	if (e->out.len == in->len && memcmp(e->out.p, in->buf, in->len) == 0)
		memcpy(rep->sha256_out, rep->sha256_in, sizeof rep->sha256_out);
	else
		sha256_hex(e->out.p, e->out.len, rep->sha256_out);
}

static int64_t
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (int64_t)(t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void
report(struct filter_report *rep, const struct timespec *t0)
{
	char buf[REPORT_MAX];
	int len;

	rep->ms = ms_since(t0);
	if ((len = report_format(rep, buf, sizeof buf)) < 0)
		fatal("report does not fit in %d bytes", REPORT_MAX);
	if (write_all(1, (const unsigned char *)buf, (size_t)len) < 0)
		fatal("cannot write the report: %s", strerror(errno));
}

int
main(int argc, char **argv)
{
	struct filter_limits lim;
	struct filter_report rep = { .status = FS_OK };
	struct filter_input in = { .lim = &lim };
	struct engine e = { .fd = -1 };
	struct magic_set *ms;
	struct timespec t0;
	unsigned char *buf = NULL;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	parse_options(argc, argv, &lim);
	ms = narrow(&lim);
	rc = read_all(0, lim.max_bytes, &buf, &in.len);
	if (rc < 0 && rc != -EFBIG)
		fatal("cannot read the upload: %s", strerror(-rc));
	in.buf = buf;
	rep.bytes_in = (int64_t)in.len;
	sha256_hex(in.buf, in.len, rep.sha256_in);
	if (rc == -EFBIG) {
		detect_type(ms, in.buf, in.len, rep.type, sizeof rep.type);
		filter_set_limit(&rep, "bytes");
	} else
		probe(ms, &in, &rep, &e);
	output(&in, &rep, &e);
	report(&rep, &t0);
	if (!e.out_borrowed)
		buf_release(&e.out);
	buf_release(&e.menu);
	free(buf);
	detect_close(ms);
	return 0;
}
