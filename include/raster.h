/*
 * raster.h: decoded pixels and what the engine does to them: a raster's
 * allocation, levels, area resample, luma and EXIF orientation
 * (raster.c), the streaming area resampler (resample.c), and what a page
 * looks like (colour.c). Pixels are 8-bit grey (ch 1) or RGB (ch 3),
 * CMYK (ch 4) only where a JPEG is re-encoded as it was stored.
 * SECURITY: runs on pixels decoded from uploads, whose sizes were checked
 * against --max-pixels; raster_init refuses a size that overflows.
 */
#ifndef QUJAT_RASTER_H
#define QUJAT_RASTER_H

/* A decoded page: w x h pixels of ch bytes, rows packed. */
struct raster {
	int w, h, ch;
	unsigned char *px;
};
/* Allocates px (released by raster_release); 0 or -ENOMEM / -E2BIG. */
int raster_init(struct raster *r, int w, int h, int ch);
void raster_release(struct raster *r);
/* The raster a w x h variant is encoded from: top itself when it is not
 * larger, else top resampled into lv, which is kept for the next call of
 * the same size (lv starts empty; the caller releases it). 0 or -ENOMEM. */
int raster_level(const struct raster *top, int w, int h, struct raster *lv,
    const struct raster **use);
/* Area-average resample of src into a new dst of w x h (w <= src->w,
 * h <= src->h); 0 or -ENOMEM. */
int raster_resample(const struct raster *src, int w, int h, struct raster *dst);
/* Replaces r's pixels by their luma (ch 1). 0 or -ENOMEM. */
int raster_to_grey(struct raster *r);
/* Applies an EXIF orientation (2..8) to the pixels so the picture is
 * upright; 1 and invalid values leave it as is. 0 or -ENOMEM. */
int raster_orient(struct raster *r, int orientation);

/* Streaming area resampler: rows of sw pixels of dst->ch bytes in, the
 * rows of dst (already allocated, smaller or equal) filled out. */
struct resampler;
int resampler_new(struct resampler **out, int sw, int sh, struct raster *dst);
int resampler_row(struct resampler *rs, const unsigned char *row);
void resampler_free(struct resampler *rs);

/* What a page looks like (colour.c), judged on its top raster. */
struct page_look {
	int colour; /* meaningful colour: a stamp, a signature */
	int blank;  /* uniform but for scanner noise */
	int photo;  /* continuous tone rather than text on paper */
};
void page_analyse(const struct raster *r, struct page_look *look);

#endif
