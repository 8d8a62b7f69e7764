/*
 * pdfwrite.h: a PDF made of page images (pdf_write.c), one image a page
 * filling it, for the raster pipeline (pages.c) and a TIFF's images as
 * it holds them (tiff_source.c); an uploaded PDF's own images are
 * pdfimg.h's.
 * SECURITY: writes only, from images the engine made or checked.
 */
#ifndef QUJAT_PDFWRITE_H
#define QUJAT_PDFWRITE_H

#include <stddef.h>
#include "buf.h"

/* A PDF made of page images (pdf_write.c). */
struct pdf_page_img {
	const unsigned char *data;
	size_t len;
	int w, h, ch; /* ch 1 grey, 3 RGB, 0 bilevel (G4) */
	/* Flate samples of bpc bits instead (ch 1), indexes into palette
	 * (ncolours RGB triples) when it is not NULL: a TIFF's palette or
	 * bilevel page as it was */
	int flate, bpc, ncolours;
	const unsigned char *palette;
	double dpi;  /* for the page size: across the image's rows */
	double ydpi; /* down its columns, when not dpi (a fax's
		      * coarse rows); 0: dpi */
	int orient;  /* stored turned: drawn upright by this EXIF
		      * orientation (2..8); 0 or 1: as it is */
	const unsigned char *icc; /* a profile for these pixels, or
				   * NULL: ICCBased (one object per
				   * distinct profile) */
	size_t icclen;
};
/* Writes a PDF of n pages, one image each, filling the page, to out;
 * with out NULL only measures (data may then be NULL). *size, when not
 * NULL, gets the PDF's size. 0 or -ENOMEM. */
int pdf_write_pages(const struct pdf_page_img *pages, int n, struct buf *out,
    size_t *size);

#endif
