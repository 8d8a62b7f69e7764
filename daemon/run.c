/*
 * run.c: the daemon's dialogue with qujat-filter over each file of a
 * bundle, through the worker pool: keep and, when the bundle may be over
 * budget, a menu cut at the file's target; then the plan, which asks
 * again only the files whose menus bind it (file_state in bundle.h). A
 * crash or timeout is retried, then becomes processing_failed.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bundle.h"
#include "catalogue.h"
#include "conf.h"
#include "log.h"
#include "plan.h"
#include "spool.h"

/* Appends "opt value"; the value's text lives in the next free argbuf. */
static void
add_arg(struct bfile *f, int *n, const char *opt, int64_t v)
{
	int k = f->nargbuf++;

	assert(k < ARGBUFS && *n + 2 < ARGVS);
	f->argv[(*n)++] = (char *)opt;
	snprintf(f->argbuf[k], sizeof(f->argbuf[k]), "%lld", (long long)v);
	f->argv[(*n)++] = f->argbuf[k];
}

static void
build_argv(struct bfile *f, const char *filter)
{
	const struct limits *l = &f->b->conf->limits;
	int n = 1;

	f->nargbuf = 0;

	f->argv[0] = (char *)filter;
	add_arg(f, &n, "--max-bytes", l->max_file_bytes);
	add_arg(f, &n, "--max-pixels", l->max_pixels);
	add_arg(f, &n, "--max-pages", l->max_pages);
	add_arg(f, &n, "--max-objects", l->max_pdf_objects);
	add_arg(f, &n, "--max-stream-bytes", l->max_stream_bytes);
	add_arg(f, &n, "--cpu-seconds", l->worker_cpu_seconds);
	add_arg(f, &n, "--memory-mb", l->worker_memory_mb);
	add_arg(f, &n, "--max-dpi", f->b->conf->max_dpi);
	add_arg(f, &n, "--min-dpi", f->b->conf->min_dpi);
	add_arg(f, &n, "--low-dpi", f->b->conf->low_dpi);
	add_arg(f, &n, "--quality-floor", f->b->conf->quality_floor);
	if (f->out_fd < 0)
		f->argv[n++] = "--probe-only";
	if (catalogue_is_photo(f->b->conf->cat, f->doc->type))
		f->argv[n++] = "--photo";
	else if (f->b->conf->flatten)
		f->argv[n++] = "--flatten";
	if (f->state == CHOSEN) {
		f->argv[n++] = "--variant";
		f->argv[n++] = (char *)f->variant;
	} else if (f->target >= 0) {
		f->argv[n++] = "--menu";
		if (f->target > 0)
			add_arg(f, &n, "--target", f->target);
	}
	f->argv[n] = NULL;
}

/* Menus are asked from the first pass once the uploads come this near
 * the budget (percent): a rotated JPEG's upright copy or a TIFF's PDF
 * may outgrow its upload, and a pass for keep alone would be followed
 * by a second for the menu. Below it, keep's pass is all a bundle takes. */
#define MENU_NEAR 90

/* Past this many percent of the budget a bundle of several files asks
 * each for its whole menu from the first pass. The worker cuts a menu to
 * keep and the ladder's run around its target (the first variant within
 * it and the one above), and a plan over files that shrink unlike each
 * other lands outside their runs: the variants missing on either side
 * may change it (plan_binding) and each file takes a second pass. The
 * whole ladder costs less than that pass: 1.8 s for a 10-page 300 dpi
 * scan against 0.5 s cut and 1.8 s again, 0.33 s for a 12 MP photo
 * against 0.30 s. Within it a cut menu is worth its risk: its target
 * brings the lossless JPEG rewrite, offered only to a keep at most 12%
 * over it (fmt_jpeg.c), and a file alone has nothing to trade: its run
 * around the budget holds its plan. */
#define MENU_FAR 112

/* The --target of a cut menu for a file of weight w among weights summing
 * to total: its share of the budget, at least 1. */
static int64_t
menu_target(const struct bundle *b, int64_t w, int64_t total)
{
	double budget = (double)b->conf->max_bundle_bytes;
	double share = budget * (double)w / (double)(total > 0 ? total : 1);

	return share >= 1 ? (int64_t)share : 1;
}

static void bfile_submit(struct bfile *f);
static void bundle_plan(struct bundle *b);

/* A variant's report replaces the keep report's output fields only. */
static void
merge_variant(struct bfile *f)
{
	struct filter_report v = f->job.report;
	struct filter_report *r = &f->job.report;

	*r = f->first;
	memcpy(r->out_type, v.out_type, sizeof(r->out_type));
	memcpy(r->out_ext, v.out_ext, sizeof(r->out_ext));
	memcpy(r->sha256_out, v.sha256_out, sizeof(r->sha256_out));
	memcpy(r->transform, v.transform, sizeof(r->transform));
	r->bytes_out = v.bytes_out;
	r->ms += v.ms;
	if (v.status != FS_OK) {
		r->status = v.status;
		memcpy(r->limit, v.limit, sizeof(r->limit));
	}
}

static bool
bundle_chosen(const struct bundle *b)
{
	for (size_t i = 0; i < b->nfiles; i++)
		if (b->files[i].state != CHOSEN)
			return false;
	return true;
}

static void
bundle_step_done(struct bundle *b)
{
	if (--b->pending > 0)
		return;
	if (bundle_chosen(b) || b->abandon || b->error || b->reasons.n)
		b->done(b);
	else
		bundle_plan(b);
}

/* Whether the spool's filesystem lacks the room a worker's output may
 * take (RLIMIT_FSIZE: about twice the input): a worker that failed then
 * failed for the disk, not for the file, and the bundle waits in active/
 * for the retry instead of being refused with processing_failed. */
static bool
disk_short(const struct bfile *f)
{
	int64_t avail;

	if (f->b->workfd < 0)
		return false;
	avail = spool_free_bytes(f->b->workfd);
	return avail >= 0 && avail < 2 * f->size + SPOOL_RESERVE_BYTES;
}

/* The worker answered the pass f asked for: the state says what f now
 * holds. */
static void
file_reported(struct bfile *f)
{
	const struct filter_report *r = &f->job.report;

	if (f->state == CHOSEN)
		merge_variant(f); /* out holds the variant alone */
	else if (f->target < 0)
		f->state = FILE_PROBED;
	else /* a whole menu is whole, whatever the worker says */
		f->state = f->target > 0 && r->menu_partial ? MENU_CUT :
							      MENU_FULL;
	if (f->state == CHOSEN)
		log_msg(LOG_DEBUG, f->b->id, "'%s': pass %d: variant %s",
		    f->doc->file, f->tries, f->variant);
	else if (f->target < 0)
		log_msg(LOG_DEBUG, f->b->id, "'%s': pass %d: keep, %lld bytes",
		    f->doc->file, f->tries, (long long)r->bytes_out);
	else
		log_msg(LOG_DEBUG, f->b->id,
		    "'%s': pass %d: %s menu of %d, "
		    "keep %lld bytes, the last %lld",
		    f->doc->file, f->tries,
		    f->state == MENU_CUT ? "a cut" : "the whole", r->nvariants,
		    (long long)r->bytes_out,
		    (long long)(r->nvariants ?
			    r->variants[r->nvariants - 1].bytes :
			    r->bytes_out));
}

static void
bfile_done(struct job *j)
{
	struct bfile *f = j->data;
	struct bundle *b = f->b;
	int retries = (int)b->conf->worker_retries;

	if (j->result == JOB_OK) {
		f->processed = true;
		file_reported(f);
	} else if (b->abandon || j->result == JOB_CANCELLED) {
		b->abandon = true;
	} else if (j->result == JOB_SPAWN) {
		log_msg(LOG_ERR, b->id, "'%s': %s", f->doc->file, j->why);
		snprintf(b->errmsg, sizeof(b->errmsg), "%s", j->why);
		b->error = -ENOEXEC;
	} else if (j->result == JOB_FAILED && disk_short(f)) {
		log_msg(LOG_ERR, b->id,
		    "worker for '%s' %s: the spool's "
		    "filesystem is full",
		    f->doc->file, j->why);
		snprintf(b->errmsg, sizeof(b->errmsg),
		    "no room for the output "
		    "of '%s': the spool's filesystem is full",
		    f->doc->file);
		b->error = -ENOSPC;
	} else if (f->retries < retries) {
		log_msg(LOG_WARNING, b->id, "worker for '%s' %s; trying again",
		    f->doc->file, j->why);
		f->retries++;
		bfile_submit(f);
		return;
	} else {
		/* the bundle's own time ran out: one reason for the bundle */
		bool late = uv_hrtime() / 1000000 >= b->deadline;
		log_msg(LOG_ERR, b->id, "worker for '%s' %s after %d tries%s",
		    f->doc->file, j->why, f->retries + 1,
		    late ? " (the "
			   "bundle's time is up)" :
			   "");
		reasons_add(&b->reasons, "processing_failed",
		    late ? "processing_failed_bundle" : NULL,
		    late ? NULL : f->doc->file, late ? NULL : f->doc->type,
		    NULL);
	}
	bfile_close(f);
	bundle_step_done(b);
}

static void
bfile_submit(struct bfile *f)
{
	struct bundle *b = f->b;
	uint64_t now = uv_hrtime() / 1000000;
	uint64_t left = b->deadline > now ? b->deadline - now : 0;
	uint64_t per = (uint64_t)b->conf->limits.file_timeout_ms;

	f->tries++;
	f->job.timeout_ms = left < per ? left : per;
	if (f->job.timeout_ms == 0)
		f->job.timeout_ms = 1; /* out of time: fails at once */
	pool_submit(b->pool, &f->job);
}

/* Starts one pass over f, as its state and target say; b->pending counts
 * it. */
static void
submit_file(struct bundle *b, struct bfile *f)
{
	b->pending++;
	if (bfile_open(f, true) < 0) { /* out of fds: the bundle waits */
		log_msg(LOG_ERR, b->id, "'%s': %s", f->doc->file, b->errmsg);
		bfile_close(f);
		bundle_step_done(b);
		return;
	}
	build_argv(f, b->filter);
	snprintf(f->tag, sizeof(f->tag), "[%s] '%s'", b->id, f->doc->file);
	f->job.argv = f->argv;
	f->job.in_fd = f->in_fd;
	f->job.out_fd = f->out_fd;
	f->job.tag = f->tag;
	f->job.done = bfile_done;
	f->job.data = f;
	f->retries = 0;
	bfile_submit(f);
}

/* FILE_NEW: the first pass, keep alone or with a menu cut at target
 * (0: the whole menu, -1: none). */
static void
file_ask(struct bundle *b, struct bfile *f, int64_t target)
{
	assert(f->state == FILE_NEW);
	f->rank = 100;
	f->target = target;
	submit_file(b, f);
}

/* FILE_PROBED or MENU_CUT, whose menu binds the plan: asked again, with a
 * menu cut at target or (0) the whole of it. */
static void
file_reask(struct bundle *b, struct bfile *f, int64_t target)
{
	assert(
	    f->state == FILE_PROBED || (f->state == MENU_CUT && target == 0));
	f->target = target;
	submit_file(b, f);
}

/* Keep is f's choice: cut out of out at publication when a menu follows
 * it there (bfile_extract). */
static void
file_keep(struct bfile *f)
{
	assert(f->state != FILE_NEW && f->state != CHOSEN);
	f->state = CHOSEN;
}

/* The plan chose pf's variant for f: keep, or one in out at its offset,
 * is cut out of it at publication (bfile_extract); one listed without its
 * bytes is written alone by a --variant pass. */
static void
file_choose(struct bundle *b, struct bfile *f, const struct plan_file *pf)
{
	const struct report_variant *v = &pf->v[pf->chosen];

	file_keep(f);
	if (pf->chosen == 0)
		return;
	f->rank = v->rank;
	f->variant = v->id;
	if (v->offset >= 0 && v->ext[0]) {
		f->extract = v;
		return;
	}
	f->first = f->job.report;
	f->variant = f->first.variants[pf->chosen].id;
	submit_file(b, f);
}

/* The menus of the files pf says bind are asked for again: the whole of
 * a cut one, and for one of keep alone a menu cut at its share of the
 * budget by keep's size (its upload fit, its keep did not). */
static void
ask_binding(struct bundle *b, const struct plan_file *pf)
{
	int64_t keeps = 0;

	for (size_t i = 0; i < b->nfiles; i++)
		keeps += b->files[i].job.report.bytes_out;
	for (size_t i = 0; i < b->nfiles; i++) {
		struct bfile *f = &b->files[i];
		if (!pf[i].binds)
			continue;
		log_msg(LOG_DEBUG, b->id, "plan: '%s': %s", f->doc->file,
		    f->state == MENU_CUT ?
			"its menu was cut above the plan's "
			"least legible rank: asked for the whole of it" :
			"keep "
			"alone was asked for: asked for its menu");
		file_reask(b, f,
		    f->state == MENU_CUT ?
			0 :
			menu_target(b, f->job.report.bytes_out, keeps));
	}
}

/* Applies the plan: each file's chosen variant. */
static void
apply_plan(struct bundle *b, const struct plan_file *pf)
{
	for (size_t i = 0; i < b->nfiles; i++)
		file_choose(b, &b->files[i], &pf[i]);
}

/* At debug: what the planner chose for each file, and why. */
static void
log_plan(const struct bundle *b, const struct plan_file *pf)
{
	int worst = plan_worst(pf, b->nfiles);

	log_msg(LOG_DEBUG, b->id,
	    "plan: %lld of %lld bytes, the least "
	    "legible file at rank %d, the most any plan that fits allows",
	    (long long)plan_total(pf, b->nfiles),
	    (long long)b->conf->max_bundle_bytes, worst);
	for (size_t i = 0; i < b->nfiles; i++) {
		const struct report_variant *v = &pf[i].v[pf[i].chosen];
		log_msg(LOG_DEBUG, b->id,
		    "plan: '%s': %s, %lld bytes, rank %d "
		    "(variant %d of %d): %s",
		    b->files[i].doc->file, pf[i].chosen ? v->id : "keep",
		    (long long)v->bytes, v->rank, pf[i].chosen + 1, pf[i].n,
		    pf[i].chosen == 0 ?
			"as uploaded, "
			"the total fits with it" :
			v->rank == worst ?
			"the least "
			"legible file: its most legible variant that lets the total "
			"fit" :
			"above the least legible: stepped back up while the "
			"total fits");
	}
}

/* Whether f's menu may go on past its last variant: it was cut at its
 * target, or keep alone was asked for (a signed PDF has no other). */
static bool
menu_open(const struct bfile *f)
{
	return f->state == MENU_CUT ||
	    (f->state == FILE_PROBED && !f->job.report.signed_pdf);
}

/* Whether a worker refused a file (corrupt, unsupported, ...): its
 * reason refuses the bundle whatever the plan (bundle_judge), and no menu
 * is worth asking for. */
static bool
refused_file(const struct bundle *b)
{
	for (size_t i = 0; i < b->nfiles; i++)
		if (b->files[i].job.report.status != FS_OK)
			return true;
	return false;
}

/* The menus are in: the keeps fit, or one variant per file is chosen so
 * that they do, or the menus that bind the plan are asked for again, or
 * nothing legible fits (keep for each: bundle_judge says too_large).
 * Holds b->pending while it submits. */
static void
bundle_plan(struct bundle *b)
{
	struct plan_file *pf = calloc(b->nfiles + 1, sizeof(*pf));
	struct report_variant *keep = calloc(b->nfiles + 1, sizeof(*keep));
	int64_t total = 0, budget = b->conf->max_bundle_bytes;
	int rc;

	b->pending++;
	for (size_t i = 0; i < b->nfiles; i++)
		total += b->files[i].job.report.bytes_out;
	if (refused_file(b)) {
		log_msg(LOG_DEBUG, b->id, "plan: none: a file is refused");
		for (size_t i = 0; i < b->nfiles; i++)
			file_keep(&b->files[i]);
		goto out;
	}
	if (total <= budget || !pf || !keep) {
		log_msg(LOG_DEBUG, b->id,
		    "plan: every file as uploaded: %lld "
		    "of %lld bytes fit the budget",
		    (long long)total, (long long)budget);
		for (size_t i = 0; i < b->nfiles; i++)
			file_keep(&b->files[i]);
		goto out;
	}
	for (size_t i = 0; i < b->nfiles; i++) {
		struct filter_report *r = &b->files[i].job.report;
		keep[i].bytes = r->bytes_out;
		keep[i].rank = 100;
		pf[i].v = r->nvariants ? r->variants : &keep[i];
		pf[i].n = r->nvariants ? r->nvariants : 1;
		pf[i].partial = menu_open(&b->files[i]);
	}
	rc = plan_choose(pf, b->nfiles, budget);
	if (plan_binding(pf, b->nfiles, budget, rc) > 0)
		ask_binding(b, pf);
	else if (rc < 0) {
		log_msg(LOG_DEBUG, b->id,
		    "plan: the smallest variant of every "
		    "file, %lld bytes, does not fit the %lld-byte budget",
		    (long long)plan_total(pf, b->nfiles), (long long)budget);
		for (size_t i = 0; i < b->nfiles; i++) /* too_large */
			file_keep(&b->files[i]);
	} else {
		log_plan(b, pf);
		apply_plan(b, pf);
	}
out:
	free(pf);
	free(keep);
	bundle_step_done(b);
}

/* The next file to ask after prev (NULL: the first), the largest first:
 * the longest worker starts first, and the workers end nearer together. */
static struct bfile *
next_largest(struct bundle *b, const struct bfile *prev)
{
	struct bfile *best = NULL;

	for (size_t i = 0; i < b->nfiles; i++) {
		struct bfile *f = &b->files[i];
		if (prev &&
		    (f->size > prev->size ||
			(f->size == prev->size && f <= prev)))
			continue;
		if (!best || f->size > best->size)
			best = f;
	}
	return best;
}

void
bundle_run(struct bundle *b, struct pool *pool, const char *filter)
{
	int64_t budget = b->conf->max_bundle_bytes;
	bool menus = b->bytes_in * 100 > budget * MENU_NEAR;
	bool whole = b->nfiles > 1 && b->bytes_in * 100 > budget * MENU_FAR;

	b->pool = pool;
	b->filter = filter;
	b->pending = 1; /* until all are queued */
	for (struct bfile *f = next_largest(b, NULL); f; f = next_largest(b, f))
		file_ask(b, f,
		    !menus    ? -1 :
			whole ? 0 :
				menu_target(b, f->size, b->bytes_in));
	bundle_step_done(b);
}
