/*
 * menu.c: which variants a file is offered in, what they are called and
 * how legible each stays. A variant's ID says how to make it, so the
 * menu needs no state between runs: "d200q70g" is a page at 200 dpi,
 * JPEG quality 70, grey; "p600q85c" a photo with a 600-pixel short side;
 * "lossless" a lossless rewrite (PDF object streams, JPEG Huffman tables).
 * And which of them a ladder makes for the images of one variant when
 * --target cuts it: the stop (the best within the share, searched on the
 * first image from a cheap hint) and the one above it.
 * SECURITY: no uploaded bytes; IDs from the command line are parsed with
 * bounds.
 *
 * Rank (legibility kept, comparable across files): 99 * sqrt(r) * f(q),
 * where r is the variant's resolution relative to what the policy asks
 * (max_dpi for a page, a 600-pixel short side for a photo), at most 1,
 * and f(q) = 0.55 + 0.45 q / 100. The square root because legibility
 * falls slower than pixel count: a 150 dpi page at q85 (rank 79) reads
 * about as well as a 200 dpi page at q55 (rank 78).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "engine.h"
#include "filter.h"
#include "variants.h"

#define PHOTO_SHORT 600 /* pixels: a 3x4 photo's short side */
#define SECOND_DPI 150
/* With a second level, the top level goes no lower than this quality:
 * below it the second level at a higher quality ranks about the same
 * (d150q85 79, d200q55 78) and is as small or smaller on scans, so those
 * rungs cost an encode at the larger level and were seldom listed. */
#define TOP_LEVEL_MIN_Q 70

static const int menu_qualities[] = { 85, 70, 55 };

double
page_dpi(int w, int h)
{
	int s = w < h ? w : h, l = w < h ? h : w;
	double a = s / A4_SHORT_IN, b = l / A4_LONG_IN;

	return a < b ? a : b;
}

static int
iround(double v)
{
	return v < 1.0 ? 1 : (int)(v + 0.5);
}

void
level_dims(int w, int h, int photo, int level, int *tw, int *th)
{
	int s = w < h ? w : h, l = w < h ? h : w;
	double k;

	if (photo) {
		k = (double)level / s;
		if ((double)level * 4 / 3 / l > k)
			k = (double)level * 4 / 3 / l;
	} else
		k = level / page_dpi(w, h);
	if (k >= 1.0) {
		*tw = w, *th = h;
		return;
	}
	*tw = iround(w * k);
	*th = iround(h * k);
}

int
menu_levels(const struct filter_limits *lim, int photo, double dpi,
    int levels[2])
{
	int second = lim->min_dpi > SECOND_DPI ? lim->min_dpi : SECOND_DPI;

	if (photo) {
		levels[0] = PHOTO_SHORT;
		return 1;
	}
	levels[0] = lim->max_dpi;
	if (second < lim->max_dpi && dpi > second + 0.5) {
		levels[1] = second;
		return 2;
	}
	return 1;
}

int
vspec_rank(const struct filter_limits *lim, int photo, double res,
    const struct vspec *s)
{
	double want = photo ? PHOTO_SHORT : lim->max_dpi;
	double r = (res < s->level ? res : s->level) / want;
	double v;

	if (s->lossless)
		return 99;
	v = 99.0 * sqrt(r < 1.0 ? r : 1.0) * (0.55 + 0.45 * s->quality / 100.0);
	return v > 99 ? 99 : v < 0 ? 0 : (int)v;
}

void
vspec_name(struct vspec *s)
{
	if (s->lossless)
		snprintf(s->id, sizeof s->id, "lossless");
	else
		snprintf(s->id, sizeof s->id, "%c%dq%d%c%s",
		    s->photo ? 'p' : 'd', s->level, s->quality,
		    s->grey ? 'g' : 'c',
		    s->flat ? (const char[]){ FLAT_SUFFIX, '\0' } : "");
}

int
menu_specs(const struct filter_limits *lim, int photo, double dpi, int grey,
    struct vspec *out, int max)
{
	int levels[2], nl = menu_levels(lim, photo, dpi, levels), n = 0;
	int qs[8], nq = 0;

	for (size_t i = 0; i < sizeof menu_qualities / sizeof *menu_qualities;
	     i++)
		if (menu_qualities[i] > lim->quality_floor)
			qs[nq++] = menu_qualities[i];
	qs[nq++] = lim->quality_floor;
	for (int l = 0; l < nl; l++)
		for (int q = 0; q < nq && n < max; q++) {
			if (l == 0 && nl > 1 && qs[q] < TOP_LEVEL_MIN_Q)
				continue;
			out[n] = (struct vspec){ .level = levels[l],
				.quality = qs[q],
				.grey = grey,
				.photo = photo };
			vspec_name(&out[n++]);
		}
	return n;
}

int
vspec_parse(const char *id, struct vspec *out)
{
	char kind, col, flat = '\0', tail;
	int level, q, n;

	memset(out, 0, sizeof *out);
	if (strcmp(id, "lossless") == 0) {
		out->lossless = 1;
		vspec_name(out);
		return 0;
	}
	n = sscanf(id, "%c%dq%d%c%c%c", &kind, &level, &q, &col, &flat, &tail);
	if ((n != 4 && n != 5) || (n == 5 && flat != FLAT_SUFFIX) ||
	    (kind != 'd' && kind != 'p') || (col != 'g' && col != 'c') ||
	    level < 10 || level > 10000 || q < 1 || q > 100)
		return -EINVAL;
	*out = (struct vspec){ .level = level,
		.quality = q,
		.grey = col == 'g',
		.photo = kind == 'p',
		.flat = n == 5 };
	vspec_name(out);
	/* one spelling: "d0150q70c" or "d150q+70c" name no variant */
	return strcmp(out->id, id) == 0 ? 0 : -EINVAL;
}

void
menu_sort(const struct filter_limits *lim, int photo, double res,
    struct vspec *specs, int n)
{
	int rank[MENU_MAX_SPECS], r, k;
	struct vspec t;

	/* insertion sort: stable, and n is tiny */
	for (int s = 0; s < n && s < MENU_MAX_SPECS; s++) {
		t = specs[s];
		r = vspec_rank(lim, photo, res, &t);
		for (k = s; k > 0 && rank[k - 1] < r; k--) {
			specs[k] = specs[k - 1];
			rank[k] = rank[k - 1];
		}
		specs[k] = t;
		rank[k] = r;
	}
}

int
menu_all_grey(const struct vspec *specs, int n)
{
	for (int s = 0; s < n; s++)
		if (!specs[s].grey)
			return 0;
	return n > 0;
}

/* A spec's size over its source's stored bytes, as a scan at q75 makes
 * it: the pixels kept, times what the quality costs per pixel (measured
 * on 300 dpi q75 scans: d200q85 0.78 of the upload, d150q70 0.36). */
static double
guess_size(const struct vspec *s, double res)
{
	static const struct {
		int q;
		double per_px;
	} cost[] = {
		{ 40, 1.08 },
		{ 55, 1.20 },
		{ 70, 1.28 },
		{ 85, 1.75 },
		{ 100, 3.0 },
	};
	double k = res > 0 && s->level < res ? s->level / res : 1.0, c;
	size_t i = 1;

	while (i + 1 < sizeof cost / sizeof *cost && s->quality > cost[i].q)
		i++;
	c = cost[i - 1].per_px +
	    (cost[i].per_px - cost[i - 1].per_px) *
		(s->quality - cost[i - 1].q) /
		(double)(cost[i].q - cost[i - 1].q);
	return k * k * (c > cost[0].per_px ? c : cost[0].per_px);
}

int
menu_hint(const struct vspec *specs, int n)
{
	int s = n - 1;

	while (s > 0 && specs[s - 1].level == specs[n - 1].level)
		s--;
	return s + 1 < n ? s + 1 : s < 0 ? 0 : s;
}

int
menu_guess(const struct vspec *specs, int n, double res, double ratio)
{
	int s = 0;

	while (s + 1 < n && guess_size(&specs[s], res) > ratio)
		s++;
	return s;
}

void
ladder_init(struct ladder *l, int nspecs)
{
	*l = (struct ladder){ .nspecs = nspecs, .nmade = nspecs };
}

uint64_t
ladder_share(uint64_t target, double part, double whole)
{
	uint64_t share;

	if (target == 0 || whole <= 0)
		return 0;
	share = (uint64_t)((double)target * (part / whole));
	return share ? share : 1;
}

/* The first image's search for its stop: the best spec within share.
 * From the hint, up while the spec above still fits, or down until one
 * fits; sizes fall with rank, so the stop is the one a walk from the top
 * would find, in fewer encodes. The specs every later image makes are
 * the stop and the one above it (the planner's room). */
static int
ladder_search(struct ladder *l, uint64_t share,
    int (*encode)(void *ctx, int s, uint64_t *bytes), void *ctx)
{
	int s = l->hint < 0	 ? 0 :
	    l->hint >= l->nspecs ? l->nspecs - 1 :
				   l->hint,
	    stop, rc;
	unsigned made = 1u << s;
	uint64_t bytes;

	if ((rc = encode(ctx, s, &bytes)) < 0)
		return rc;
	if (bytes <= share) {
		for (stop = s; stop > 0; stop--) {
			made |= 1u << (stop - 1);
			if ((rc = encode(ctx, stop - 1, &bytes)) < 0)
				return rc;
			if (bytes > share)
				break;
		}
	} else {
		for (stop = s + 1; stop < l->nspecs; stop++) {
			made |= 1u << stop;
			if ((rc = encode(ctx, stop, &bytes)) < 0)
				return rc;
			if (bytes <= share)
				break;
		}
		if (stop == l->nspecs) /* none fits: the two smallest */
			stop = l->nspecs - 1;
	}
	l->first = stop > 0 ? stop - 1 : 0;
	l->nmade = stop + 1;
	l->searched = 1;
	/* the one above the stop, when the search came from below it */
	for (s = l->first; s < l->nmade; s++)
		if (!(made & 1u << s) && (rc = encode(ctx, s, &bytes)) < 0)
			return rc;
	return 0;
}

int
ladder_run(struct ladder *l, uint64_t share,
    int (*encode)(void *ctx, int s, uint64_t *bytes), void *ctx)
{
	uint64_t bytes;
	int rc = 0;

	if (l->nspecs == 0)
		return 0;
	if (share && !l->searched)
		return ladder_search(l, share, encode, ctx);
	for (int s = l->first; s < l->nmade && rc >= 0; s++)
		rc = encode(ctx, s, &bytes);
	return rc < 0 ? rc : 0;
}

int
ladder_partial(const struct ladder *l)
{
	return l->first > 0 || l->nmade < l->nspecs;
}

static int
cmp_variant(const void *a, const void *b)
{
	const struct report_variant *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank > y->rank ? -1 : 1;
	return x->bytes < y->bytes ? -1 : x->bytes > y->bytes;
}

int
menu_takes(const struct filter_report *rep, const struct report_variant *v)
{
	const struct report_variant *last;

	if (rep->nvariants >= REPORT_MAX_VARIANTS)
		return 0;
	last = rep->nvariants ? &rep->variants[rep->nvariants - 1] : NULL;
	return !last || (v->rank < last->rank && v->bytes < last->bytes);
}

void
menu_publish(struct filter_report *rep, struct report_variant *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_variant);
	for (int i = 0; i < n; i++)
		if (menu_takes(rep, &v[i]))
			rep->variants[rep->nvariants++] = v[i];
}

static int
engine_write(struct engine *e, const unsigned char *p, size_t len)
{
	int rc = write_all(e->fd, p, len);

	if (rc == 0)
		e->streamed += len;
	return rc;
}

int
engine_menu_open(struct engine *e, struct report_variant *v)
{
	int rc = 0;

	if (e->fd < 0)
		v->offset = (int64_t)(e->out.len + e->menu.len);
	else {
		if (e->streamed == 0) /* keep first, once complete */
			rc = engine_write(e, e->out.p, e->out.len);
		v->offset = (int64_t)e->streamed;
	}
	return rc;
}

int
engine_menu_put(struct engine *e, const unsigned char *p, size_t len)
{
	return e->fd < 0 ? buf_add(&e->menu, p, len) : engine_write(e, p, len);
}

int
engine_menu_add(struct engine *e, struct report_variant *v,
    const unsigned char *p, size_t len, const char *ext)
{
	int rc;

	if ((rc = engine_menu_open(e, v)) < 0 ||
	    (rc = engine_menu_put(e, p, len)) < 0)
		return rc;
	v->bytes = (int64_t)len;
	snprintf(v->ext, sizeof v->ext, "%s", ext);
	return 0;
}
