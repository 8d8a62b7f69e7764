/*
 * pngcodec.h: PNG in the engine: the keep variant, the orientation of an
 * eXIf chunk, the decoder to a target size or row by row (png_engine.c)
 * and the smaller lossless PNG (png_lossless.c). The libpng plumbing
 * under them is pngutil.h; no libpng type is declared here.
 * SECURITY: parses uploaded bytes through pngutil.h's reader, with its
 * limits and per-handle hooks.
 */
#ifndef QUJAT_PNGCODEC_H
#define QUJAT_PNGCODEC_H

#include <stddef.h>
#include "buf.h"
#include "raster.h"

/* PNG (png_engine.c). png_keep copies the chunks up to IEND minus text
 * and EXIF chunks into out: 0, or -EINVAL when a chunk overruns.
 * png_decode_to decodes to exactly tw x th (<= the image), grey or RGB,
 * alpha over white, and appends its iCCP profile to icc (unless NULL):
 * 0, or -EINVAL with msg. */
int png_keep(const unsigned char *b, size_t len, struct buf *out, int *dropped,
    int *trailing);
/* The EXIF orientation (1..8) of an eXIf chunk before IDAT, which the
 * browsers apply (Chrome, Safari); 1 without one. An eXIf after IDAT
 * (ImageMagick 6 writes it there) and an orientation in a text chunk
 * ("Raw profile type exif") no viewer applies: they are dropped as they
 * are. */
int png_orientation(const unsigned char *b, size_t len);
/* r (grey or RGB) as a PNG with buf's colour chunks (gAMA, cHRM, sRGB,
 * iCCP, pHYs), into out: 0 or -ENOMEM. */
int png_encode_like(const unsigned char *buf, size_t len,
    const struct raster *r, struct buf *out);
/* The data length of the chunk at pos, when its length, type, data and
 * CRC all lie within len; else SIZE_MAX. */
size_t png_chunk_len(const unsigned char *b, size_t len, size_t pos);
/* The same pixels (alpha over white) as a smaller PNG when they allow one
 * (png_lossless.c): a palette for at most 256 colours, 8-bit RGB for at
 * most 4096 in long runs; nothing for a photo, a scan or a 16-bit image.
 * Its iCCP profile is appended to icc. When the image was decoded whole
 * for that, *pixels gets it (the caller releases it), so the engine
 * need not decode it again; else *pixels stays empty. 0 (out empty when
 * there is no smaller PNG) or -ENOMEM. */
int png_lossless(const unsigned char *buf, size_t len, struct buf *out,
    struct raster *pixels, struct buf *icc);
int png_decode_to(const unsigned char *buf, size_t len, int tw, int th,
    struct raster *out, struct buf *icc, char *msg, size_t msgsz);
/* The same decode at the image's own size, each row (grey or RGB, alpha
 * over white) passed to sink as it comes; a sink returning < 0 stops it.
 * The iCCP profile is appended to icc (unless NULL). 0, -ECANCELED
 * (stopped) or -EINVAL (corrupt). */
typedef int (*png_row_sink)(void *ctx, int y, int w, int h, int ch,
    const unsigned char *row);
int png_rows(const unsigned char *buf, size_t len, struct buf *icc,
    png_row_sink sink, void *ctx);

#endif
