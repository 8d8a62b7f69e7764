/*
 * buf.h: a growable byte buffer, the worker's one way to hold the bytes
 * it makes (raster.c): appended to, resized, printed into, and released
 * by its owner.
 * SECURITY: holds bytes made from uploads; a length that would overflow
 * is refused (-ENOMEM) before it grows.
 */
#ifndef QUJAT_BUF_H
#define QUJAT_BUF_H

#include <stddef.h>

/* A growable byte buffer; owner calls buf_release. */
struct buf {
	unsigned char *p;
	size_t len, cap;
};
int buf_add(struct buf *b, const void *p, size_t n); /* 0 or -ENOMEM */
/* Sets the length to n, new bytes zeroed; 0 or -ENOMEM. */
int buf_resize(struct buf *b, size_t n);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_release(struct buf *b);

#endif
