/*
 * pngutil.h: libpng plumbing shared by the PNG probe (fmt_png.c), the
 * engine's decoder (png_engine.c) and the lossless writer
 * (png_lossless.c), as jpegutil.h is libjpeg's: per-handle error hooks
 * that keep libpng's message and longjmp to the png_struct's own jmp_buf,
 * never print and never exit; a reader of a buffer in memory with the
 * limits on; and png_guard, the only setjmp of these files. What the
 * engine calls is pngcodec.h.
 * SECURITY: the readers parse uploaded bytes; the hooks see messages made
 * from them and only format them into a bounded buffer.
 */
#ifndef QUJAT_PNGUTIL_H
#define QUJAT_PNGUTIL_H

#include <stddef.h>
#include <png.h>

#define PNG_CHUNK_CACHE_MAX 1000	/* ancillary chunks kept */
#define PNG_CHUNK_MALLOC_MAX (8u << 20) /* one ancillary chunk, bytes */

/* What a reader reads, and what libpng said when it failed. */
struct pngsrc {
	const unsigned char *buf;
	size_t len, off;
	char msg[160]; /* libpng's error, without a "png: " */
};

/* A reader of src's bytes (*png, with its *info): libpng's errors go
 * into src->msg and longjmp, and so does its warning about an ancillary
 * chunk over PNG_CHUNK_MALLOC_MAX (which it would allocate anyway); the
 * image's size is left to max_pixels (libpng's per-side limits are
 * lifted), ancillary chunks are capped. 0, or -ENOMEM; either way the
 * caller frees what is set with png_destroy_read_struct(png, info, NULL). */
int png_reader_new(struct pngsrc *src, png_structp *png, png_infop *info);

/* A writer whose errors longjmp (no message kept); NULL when out of
 * memory. The caller frees it with png_destroy_write_struct. */
png_structp png_writer_new(void);

/* Runs step(arg) with png's jmp_buf set: step's return value, or -1 when
 * libpng failed or a caller's callback longjmp'd (png_longjmp). No local
 * of step's caller changes after the setjmp. */
int png_guard(png_structp png, int (*step)(void *), void *arg);

#endif
