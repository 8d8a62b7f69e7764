/*
 * engine_report.c: the report fields that say what the engine wrote
 * (report.h): the transform's notes and a variant's description, the
 * output's type, a blank page's refusal, and --variant lossless's output.
 * The engine itself is pages.c (the raster pipeline) and menu.c (the
 * variants, the ladder, fd 3), run through each format's emit().
 * SECURITY: the text noted here, made from uploaded bytes, is made
 * printable before it is reported.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "engine.h"
#include "filter.h"
#include "variants.h"

void
engine_note(struct engine *e, const char *what)
{
	char *t = e->rep->transform;
	size_t l = strlen(t), tsz = sizeof e->rep->transform;
	char clean[sizeof e->rep->transform];

	if (what == NULL || what[0] == '\0')
		return;
	filter_sanitize(clean, sizeof clean, what);
	snprintf(t + l, tsz - l, "%s%s", l ? ", " : "", clean);
}

int
engine_emit_lossless(struct engine *e, struct buf *lossless, const char *fmt)
{
	struct vspec s = { .id = "lossless", .lossless = 1 };

	if (lossless->len == 0) {
		filter_set_status(e->rep, FS_UNSUPPORTED, "unknown variant");
		return 0;
	}
	buf_release(&e->out);
	e->out = *lossless;
	*lossless = (struct buf){ 0 };
	engine_describe(e, fmt, &s, 0);
	return 0;
}

void
engine_blank(struct engine *e, int page, int npages)
{
	if (npages > 1) {
		filter_set_status(e->rep, FS_BLANK, "page %d: no content",
		    page);
		e->rep->page = page;
	} else
		filter_set_status(e->rep, FS_BLANK, "no content");
}

void
engine_out_type(struct engine *e, const char *mime, const char *ext)
{
	snprintf(e->rep->out_type, sizeof e->rep->out_type, "%s", mime);
	snprintf(e->rep->out_ext, sizeof e->rep->out_ext, "%s", ext);
}

/* What a variant did, for the manifest's transform. */
void
engine_describe(struct engine *e, const char *fmt, const struct vspec *s,
    int grey)
{
	char t[96];

	e->rep->transform[0] = '\0';
	if (s->lossless)
		snprintf(t, sizeof t, "%s lossless rewrite", fmt);
	else if (s->photo)
		snprintf(t, sizeof t, "%s q%d %dx%d photo", fmt, s->quality,
		    s->level, s->level * 4 / 3);
	else
		snprintf(t, sizeof t, "%s q%d %ddpi %s", fmt, s->quality,
		    s->level, grey ? "gray" : "color");
	engine_note(e, t);
}
