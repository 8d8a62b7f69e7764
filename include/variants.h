/*
 * variants.h: the variants (menu.c): a variant's spec and its ID, the specs a
 * page's menu offers and their legibility rank, the ladder that makes
 * them image by image within a share of --target, and the menu the
 * report lists.
 * SECURITY: computes on sizes, ranks and the limits; reads no uploaded
 * byte.
 *
 * Contract: a variant is named by an ID that says how to make it, so
 * `--variant ID` re-runs exactly the code the menu ran (engine.h).
 */
#ifndef QUJAT_VARIANTS_H
#define QUJAT_VARIANTS_H

#include <stdint.h>
#include "filter.h"

/* Variants (menu.c). */
#define MENU_MAX_SPECS 15 /* lossy specs on a menu, at most */
struct vspec {
	char id[32]; /* vspec_name() of the fields below */
	int level;   /* target dpi; for a photo the target short
		      * side in pixels */
	int quality; /* JPEG quality */
	int grey;
	int lossless; /* a lossless rewrite (PDF, JPEG Huffman) */
	int photo;    /* level is a photo's short side ('p') */
	int flat;     /* of the found sheet (flat.h), FLAT_SUFFIX */
};
#define FLAT_SUFFIX 'f' /* "d200q70gf": d200q70g of the found sheet */
#define A4_SHORT_IN 8.27
#define A4_LONG_IN 11.69
/* The effective dpi of a w x h page (A4 unless the pixels say landscape). */
double page_dpi(int w, int h);
/* The pixel size of a w x h page at spec level `level` (never larger than
 * the page). */
void level_dims(int w, int h, int photo, int level, int *tw, int *th);
/* The resolution levels for a page of dpi (or a photo): 1 or 2. */
int menu_levels(const struct filter_limits *lim, int photo, double dpi,
    int levels[2]);
/* The lossy specs, at most max: each level at qualities 85, 70, 55 and
 * the floor, but the top of two levels only down to 70. */
int menu_specs(const struct filter_limits *lim, int photo, double dpi, int grey,
    struct vspec *out, int max);
/* Parses a variant ID into its fields (vspec_name of them gives it back);
 * 0 or -EINVAL. */
int vspec_parse(const char *id, struct vspec *out);
/* s->id from its fields: "lossless", or kind, level, quality, colour and
 * the sheet's suffix ("p600q70c", "d150q55gf"). */
void vspec_name(struct vspec *s);
/* Legibility kept, 0..99, comparable across files; res is the page's
 * dpi, or a photo's short side in pixels. */
int vspec_rank(const struct filter_limits *lim, int photo, double res,
    const struct vspec *s);
/* Sorts specs best rank first (stable), the order a menu is made and
 * --target stops it in. */
void menu_sort(const struct filter_limits *lim, int photo, double res,
    struct vspec *specs, int n);
/* Whether every one of n specs asks for grey (a --variant "...g"). */
int menu_all_grey(const struct vspec *specs, int n);

/* One variant made of several images (a document's pages, a PDF's page
 * images), each encoded spec by spec. With a share of --target, the
 * first image searches for its stop, the best spec within its share,
 * from spec hint (set it before the first run: a spec whose level is
 * cheap to decode, near where the stop is expected); every later image
 * makes the specs [first, nmade): the stop and the one above it. With
 * no share every image makes every spec. */
struct ladder {
	int nspecs, hint, searched;
	int first, nmade; /* the specs every image has */
};
void ladder_init(struct ladder *l, int nspecs);
/* Where a search of n sorted specs starts: the first spec guessed to be
 * within ratio (the share over the source's stored bytes) for a source
 * of resolution res (dpi, a photo's short side): from the pixels each
 * keeps and a per-pixel cost by quality. A guess costs at most a few
 * encodes more when it is wrong (the search walks from it). */
int menu_guess(const struct vspec *specs, int n, double res, double ratio);
/* Where a search starts when the source's bytes say nothing of its
 * variants' (a flattened sheet: paper evened white): the lowest level's
 * second quality (q70). */
int menu_hint(const struct vspec *specs, int n);
/* part's share of target, by part/whole, at least 1; 0 (no stop)
 * without target. */
uint64_t ladder_share(uint64_t target, double part, double whole);
/* Runs encode(ctx, s, &bytes) for the specs this image makes (see struct
 * ladder); 0 or encode's negative return. */
int ladder_run(struct ladder *l, uint64_t share,
    int (*encode)(void *ctx, int s, uint64_t *bytes), void *ctx);
/* Whether some spec is not made by every image (the menu is cut). */
int ladder_partial(const struct ladder *l);

/* Whether rep's menu takes v after what it lists: there is room and v is
 * strictly below the last one listed in rank and in size (a variant not
 * smaller than a better one is useless). */
int menu_takes(const struct filter_report *rep, const struct report_variant *v);
/* Sorts the measured variants v by rank and appends to rep's menu those
 * it takes (menu_takes). rep's keep comes first. */
void menu_publish(struct filter_report *rep, struct report_variant *v, int n);

#endif
