/*
 * png_err.c: the libpng error hooks, reader and guard of pngutil.h.
 * SECURITY: the reader hands uploaded bytes to libpng from a bounded
 * buffer; the hooks format libpng's messages into a bounded buffer and
 * longjmp; nothing reaches stdout or stderr.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "pngutil.h"

static void
png_hook_error(png_structp png, png_const_charp msg)
{
	struct pngsrc *src = png_get_error_ptr(png);

	if (src != NULL)
		snprintf(src->msg, sizeof src->msg, "%s", msg);
	png_longjmp(png, 1);
}

/* Benign, the decode decides; but libpng only warns about a chunk over
 * png_set_chunk_malloc_max, and then allocates it anyway. */
static void
png_hook_warning(png_structp png, png_const_charp msg)
{
	if (msg != NULL && strstr(msg, "chunk data is too large") != NULL)
		png_hook_error(png, msg);
}

static void
png_read_mem(png_structp png, png_bytep out, size_t len)
{
	struct pngsrc *src = png_get_io_ptr(png);

	if (len > src->len - src->off)
		png_error(png, "unexpected end of file");
	memcpy(out, src->buf + src->off, len);
	src->off += len;
}

int
png_reader_new(struct pngsrc *src, png_structp *png, png_infop *info)
{
	*info = NULL;
	*png = png_create_read_struct(PNG_LIBPNG_VER_STRING, src,
	    png_hook_error, png_hook_warning);
	if (*png == NULL || (*info = png_create_info_struct(*png)) == NULL)
		return -ENOMEM;
	/* Dimensions are judged by max_pixels, not by libpng's per-side
	 * defaults; chunks are bounded here. */
	png_set_user_limits(*png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
	png_set_chunk_cache_max(*png, PNG_CHUNK_CACHE_MAX);
	png_set_chunk_malloc_max(*png, PNG_CHUNK_MALLOC_MAX);
	png_set_read_fn(*png, src, png_read_mem);
	return 0;
}

png_structp
png_writer_new(void)
{
	return png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
	    png_hook_error, png_hook_warning);
}

int
png_guard(png_structp png, int (*step)(void *), void *arg)
{
	if (setjmp(png_jmpbuf(png)))
		return -1;
	return step(arg);
}
