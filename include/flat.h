/*
 * flat.h: a phone photo of a page made a page, as a flatbed would have
 * scanned it: the sheet found in the frame (sheet.c), squared to its own
 * shape and evened (flatten.c). Leptonica does the morphology, the
 * connected components, the projective coefficients and the background
 * normalisation; the decisions (is this a page, where are its corners,
 * how sure) are ours.
 * SECURITY: runs on pixels decoded from uploads, inside the sandbox; the
 * detection works on a copy about DETECT_LONG pixels long and the warp
 * writes straight to the page's target size, so memory stays a few times
 * the page's own.
 *
 * Contract: everything here is deterministic (no time, no randomness, no
 * threads), so `--variant ID` of a flattened variant re-runs exactly
 * what the menu ran and writes the same bytes.
 */
#ifndef QUJAT_FLAT_H
#define QUJAT_FLAT_H

#include "raster.h"

#define DETECT_LONG 512 /* the detection copy's long side */

/* A sheet found in a frame, in the frame's (upright) pixel coordinates. */
struct sheet {
	double x[4], y[4]; /* corners: top left, top right, bottom
			    * right, bottom left */
	double dpi;	   /* the sheet's own resolution in the frame */
	int w, h;	   /* the flattened page: A4 or as measured, at
			    * min(dpi, max_dpi) */
	int a4;		   /* w x h has A4's proportions */
	char why[64];	   /* when not found: why, for the report */
};

/* Finds the sheet in s, a small copy of a fw x fh frame (grey or RGB),
 * and sizes its page for max_dpi. 0 (found, *out filled), -ENOENT (no
 * sheet to trust: out->why says why), or -ENOMEM. */
int sheet_find(const struct raster *s, int fw, int fh, int max_dpi,
    struct sheet *out);

/* The sheet sh of src, a copy of its fw x fh frame scaled to src's size,
 * warped (projective, bilinear) to a new sh->w x sh->h raster out. 0 or
 * -ENOMEM. */
int sheet_warp(const struct raster *src, int fw, int fh, const struct sheet *sh,
    struct raster *out);

/* The frame size (<= fw x fh) to decode for warping sh: the sheet then
 * has about as many pixels as its page (area-averaged to it: a bilinear
 * warp from the whole frame keeps its noise, a third more bytes). */
void sheet_decode_dims(int fw, int fh, const struct sheet *sh, int *tw,
    int *th);

/* Evens the light of a page in place: the paper's background (measured
 * on a half-size copy) divided out (shadows, vignetting, tint), paper
 * pushed to white and ink to black in the same pass, colour kept on
 * RGB. 0, -ENODATA (left as it was: a page of a
 * few tiles) or -ENOMEM. */
int flat_even(struct raster *r);

/* Whether the text of a page lies sideways (its lines run down the
 * page) and which way up it reads, by the side its lines are aligned on
 * (they start together, end ragged): the EXIF orientation (6 or 8)
 * raster_orient turns it upright with, or 0 (upright, or not sure which
 * way: justified text). */
int flat_turn(const struct raster *r);

/* Silences Leptonica: the worker never prints (its errors are returns). */
void flat_quiet(void);

#endif
