/*
 * pages.h: the raster pipeline shared by JPEG, PNG and TIFF (pages.c): a
 * format's page source run into the keep variant, the menu or one
 * variant, as JPEGs of a single image or as a PDF of pages; and what a
 * single image's source holds besides its decoder (struct image_src).
 * SECURITY: runs on pages decoded from uploads; every page's size is
 * judged before a pixel of it is decoded.
 */
#ifndef QUJAT_PAGES_H
#define QUJAT_PAGES_H

#include <stddef.h>
#include "buf.h"
#include "filter.h"
#include "raster.h"

struct engine;

/* The raster pipeline shared by JPEG, PNG and TIFF (pages.c). */
struct pdf_page_img;
struct page_src {
	int npages;
	void *ctx;
	/* native size; bilevel pages are never turned into greys */
	int (*info)(void *ctx, int page, int *w, int *h, int *bilevel);
	/* decodes a page to exactly tw x th (<= native), upright */
	int (*decode)(void *ctx, int page, int tw, int th, struct raster *out,
	    char *msg, size_t msgsz);
	/* a bilevel page as CCITT G4 (K -1, BlackIs1 false), its size */
	int (*g4)(void *ctx, int page, struct buf *out, int *w, int *h);
	/* a page's ICC profile once the page was decoded, or NULL; its
	 * variants carry it (in the JPEG of a single image, as ICCBased in
	 * a PDF of pages). The hook may be NULL. */
	const struct buf *(*page_icc)(void *ctx, int page);
	/* a page's image as the file holds it (its JPEG strips, its
	 * palette), showing what r (the page decoded, upright) shows, or
	 * with r NULL a bilevel page's bits: appended to data, img's w, h,
	 * ch, flate, bpc, palette, ncolours and orient set (palette points
	 * into ctx); keep takes it when it is not larger than its re-encode
	 * (a bilevel page, than its G4). 0 or -ENOENT (none); may be NULL */
	int (*source_img)(void *ctx, int page, const struct raster *r,
	    struct buf *data, struct pdf_page_img *img);
	/* a single image rewritten losslessly, smaller than keep, or NULL:
	 * offered as "lossless" (rank 99), its extension lossless_ext */
	const struct buf *lossless;
	const char *lossless_ext;
	/* a single image's frame is its page (no sheet was found in it):
	 * keep is made final now if it was left unfinished (a JPEG's
	 * orientation, jpeg_keep's later), before anything is encoded from
	 * it or written. 0 or a negative errno; may be NULL */
	int (*settle)(void *ctx);
};
/* Analyses every page, fills dpi/color/status and, as asked by the
 * limits, the menu or one variant into e->out. single: one page whose
 * variants are plain JPEGs; else a PDF of pages. When e->lim asks for
 * keep only, `keep` (already in e->out, or NULL to build it as a PDF of
 * native pages) is measured and listed. 0 or negative errno. */
int pages_run(struct engine *e, const struct page_src *src, int single);
/* What the page source of a single image (JPEG, PNG) holds besides its
 * decoder: the first member of its context. */
struct image_src {
	struct raster pixels; /* decoded whole already (upright), or empty */
	struct buf icc;	      /* its ICC profile, for the variants */
	struct buf lossless;  /* the same pixels, smaller than keep, or
			       * empty */
};
/* A decode served from s->pixels (which the caller checked is there):
 * 0, or -ENOMEM with msg. */
int image_src_resample(const struct image_src *s, int tw, int th,
    struct raster *out, char *msg, size_t msgsz);
/* Runs src, whose ctx starts with s: --variant lossless's output (fmt
 * names it in the transform), else pages_run; then releases s. */
int image_src_run(struct engine *e, struct image_src *s, struct page_src *src,
    const char *fmt);
void image_src_release(struct image_src *s);
/* Whether a single w x h image is refused lowres by pages_run before it
 * decodes a pixel. */
int pages_lowres(const struct filter_limits *lim, int w, int h);

#endif
