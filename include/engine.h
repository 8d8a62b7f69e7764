/*
 * engine.h: the compression engine inside qujat-filter: the keep variant,
 * the menu of variants and one variant on demand (report.h), built from
 * decoded pages held at most at the policy's top resolution. Here, one
 * run of the engine (struct engine), its writes to fd 3 (menu.c) and
 * what the report says it wrote (engine_report.c); its parts have their
 * own headers: buf.h (bytes), raster.h (pixels), variants.h (the variants),
 * pages.h (the raster pipeline), jpegcodec.h, pngcodec.h, exif.h,
 * tiffutil.h, pdfimg.h and pdfwrite.h (the formats).
 * SECURITY: everything declared here runs on uploaded bytes or on pixels
 * decoded from them, inside the sandbox: every size is bounded by the
 * caller's limits before memory is taken for it.
 *
 * Contract: a variant is named by an ID that says how to make it
 * (menu.c), so `--variant ID` re-runs exactly the code the menu ran and
 * writes the same bytes. Pixels are 8-bit grey (ch 1) or RGB (ch 3).
 */
#ifndef QUJAT_ENGINE_H
#define QUJAT_ENGINE_H

#include <stddef.h>
#include "buf.h"
#include "filter.h"

struct vspec;

/* One run of the engine on one file. */
struct engine {
	const struct filter_input *in;
	struct filter_report *rep;
	const struct fmt_ops *fmt;
	struct buf out;	 /* what goes to fd 3: keep, or --variant's */
	struct buf menu; /* with --menu, what follows it in fd 3 */
	/* fd 3 when the menu streams: keep, then each variant as it is
	 * published, so no variant is held once written (a 50 MB PDF's
	 * menu is several times its size); -1: all kept in e->menu */
	int fd;
	size_t streamed;  /* bytes already written to fd */
	int out_borrowed; /* out is e->in's bytes (keep is the upload):
			   * not the engine's to free */
};
/* With --menu, once keep is complete in e->out: sets v->offset (where
 * the variant's bytes start in fd 3) and v->ext, and writes them (after
 * keep, the first time) to e->fd, or appends them to e->menu. 0,
 * -ENOMEM or -EIO. */
int engine_menu_add(struct engine *e, struct report_variant *v,
    const unsigned char *p, size_t len, const char *ext);
/* The same in pieces, for a variant written as it is made: open sets
 * v->offset (the caller then sets bytes and ext), put appends its
 * bytes. 0, -ENOMEM or -EIO. */
int engine_menu_open(struct engine *e, struct report_variant *v);
int engine_menu_put(struct engine *e, const unsigned char *p, size_t len);
/* What the report says the engine wrote (engine_report.c). */
/* Adds a transform note ("a, b") to the report. */
void engine_note(struct engine *e, const char *what);
/* Sets out_type/out_ext in the report. */
void engine_out_type(struct engine *e, const char *mime, const char *ext);
/* --variant lossless: lossless (moved into e->out) is the output, or the
 * file is refused "unknown variant" when there is none. 0. */
int engine_emit_lossless(struct engine *e, struct buf *lossless,
    const char *fmt);
/* Refuses the file blank: page (1-based) of npages has no content; the
 * report names the page when there are several. */
void engine_blank(struct engine *e, int page, int npages);
/* Replaces the transform by what variant s did ("jpeg q70 200dpi gray"). */
void engine_describe(struct engine *e, const char *fmt, const struct vspec *s,
    int grey);

#endif
