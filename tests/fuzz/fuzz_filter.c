/*
 * fuzz_filter.c: libFuzzer harness for the worker's decoders, in-process
 * and without the sandbox. Built once per format with -DFUZZ_FMT=fmt_jpeg
 * (fmt_png, fmt_tiff, fmt_pdf): the input goes straight to that format's
 * probe(); or with -DFUZZ_DETECT: libmagic decides the type first and the
 * matching probe runs, as qujat-filter's main() does. What the probe
 * passes goes through the engine twice: keep, then the menu with a
 * --target.
 * The limits are the daemon's defaults except pixels (4 megapixels, so
 * one run stays fast; the header check is the same code), memory
 * (256 MB: libjpeg's pool and libtiff's allocation cap follow it) and
 * low_dpi (below).
 * For PNG (-DFUZZ_FIX_PNG_CRC) every chunk's CRC is made right first:
 * otherwise nearly every mutation dies at libpng's CRC check and the
 * decoders behind it are never reached.
 * SECURITY: test-only; runs hostile bytes through the real decoders.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "buf.h"
#include "defaults.h"
#include "engine.h"
#include "filter.h"
#include "fuzz.h"
#include "pngcodec.h"

static const struct filter_limits fuzz_limits = {
	.max_bytes = DEFAULT_MAX_FILE_BYTES,
	.max_pixels = 4000000,
	.max_pages = DEFAULT_MAX_PAGES,
	.max_objects = DEFAULT_MAX_PDF_OBJECTS,
	.max_stream_bytes = DEFAULT_MAX_STREAM_BYTES,
	.cpu_seconds = DEFAULT_WORKER_CPU_SECONDS,
	.memory_mb = 256,
	/* low_dpi 1: the seeds are tiny (48x32 on an A4 page is 6 dpi), and
	 * at the daemon's 100 they would all stop at lowres before a pixel
	 * is decoded */
	.max_dpi = DEFAULT_MAX_DPI,
	.min_dpi = DEFAULT_MIN_DPI,
	.low_dpi = 1,
	.quality_floor = DEFAULT_QUALITY_FLOOR,
};

/* The report must stay what report_format() can write. */
static void
check(const struct filter_report *rep)
{
	char buf[REPORT_MAX];

	if (memchr(rep->detail, 0, sizeof(rep->detail)) == NULL ||
	    memchr(rep->type, 0, sizeof(rep->type)) == NULL || rep->width < 0 ||
	    rep->height < 0 || rep->pages < 0)
		abort();
	if (report_format(rep, buf, sizeof(buf)) < 0)
		abort();
}

/* The engine's menu on what the probe passed, with a --target (from the
 * input's length, so the ladder stops at different rungs, and a JPEG
 * just over it makes its progressive variant): the daemon asks for it
 * when a bundle is over budget. */
static void
run_menu(const struct fmt_ops *fmt, const struct filter_input *in,
    const struct filter_report *probed)
{
	struct filter_limits lim = *in->lim;
	struct filter_input mi = { in->buf, in->len, &lim };
	struct filter_report rep = *probed;
	struct engine e = { .in = &mi, .rep = &rep, .fmt = fmt, .fd = -1 };

	lim.menu = 1;
	/* half the menus look for a sheet to flatten (flat.h) */
	lim.flatten = (in->len >> 2) % 2;
	lim.target = in->len % 4 == 3 ? in->len - in->len / 20 :
	    in->len % 4		      ? in->len / (in->len % 4 + 1) :
					0;
	fmt->emit(&e);
	check(&rep);
	if (!e.out_borrowed)
		buf_release(&e.out);
	buf_release(&e.menu);
}

/* probe(), then emit() on what it passed, as qujat-filter's main():
 * keep, then the menu. */
static void
run(const struct fmt_ops *fmt, const struct filter_input *in,
    struct filter_report *rep)
{
	struct filter_limits lim = *in->lim;
	struct filter_input ki = { in->buf, in->len, &lim };
	struct engine e = { .in = &ki, .rep = rep, .fmt = fmt, .fd = -1 };
	struct filter_report probed;

	/* the other half look for a sheet in the first run, with no menu:
	 * a found one is that run's output (flat.h) */
	lim.flatten = !((in->len >> 2) % 2);
	if (fmt->probe(in, rep) < 0 || rep->status != FS_OK)
		return;
	probed = *rep;
	fmt->emit(&e);
	if (!e.out_borrowed)
		buf_release(&e.out);
	if (rep->status == FS_OK)
		run_menu(fmt, in, &probed);
}

#ifdef FUZZ_DETECT
static struct magic_set *ms;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((ms = detect_open()) == NULL) {
		fprintf(stderr, "fuzz_detect: cannot load libmagic\n");
		abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct filter_input in = { data, size, &fuzz_limits };
	struct filter_report rep = { .status = FS_OK };
	const struct fmt_ops *fmt;

	detect_type(ms, data, size, rep.type, sizeof(rep.type));
	if ((fmt = fmt_lookup(rep.type)) != NULL)
		run(fmt, &in, &rep);
	check(&rep);
	return 0;
}
#else
#ifdef FUZZ_FIX_PNG_CRC
/* Rewrites each chunk's CRC (after the signature, up to the data's end). */
static void
fix_png_crcs(uint8_t *b, size_t len)
{
	size_t pos = 8, n;
	uLong crc;

	while ((n = png_chunk_len(b, len, pos)) != SIZE_MAX) {
		crc = crc32(0L, b + pos + 4, (uInt)(n + 4));
		b[pos + 8 + n] = (uint8_t)(crc >> 24);
		b[pos + 9 + n] = (uint8_t)(crc >> 16);
		b[pos + 10 + n] = (uint8_t)(crc >> 8);
		b[pos + 11 + n] = (uint8_t)crc;
		pos += n + 12;
	}
}
#endif

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct filter_input in = { data, size, &fuzz_limits };
	struct filter_report rep = { .status = FS_OK };
#ifdef FUZZ_FIX_PNG_CRC
	uint8_t *copy = malloc(size ? size : 1);

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	fix_png_crcs(copy, size);
	in.buf = copy;
#endif
	snprintf(rep.type, sizeof(rep.type), "%s", FUZZ_FMT.mime);
	run(&FUZZ_FMT, &in, &rep);
	check(&rep);
#ifdef FUZZ_FIX_PNG_CRC
	free(copy);
#endif
	return 0;
}
#endif
