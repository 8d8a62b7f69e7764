/*
 * run.c: one qujat-filter per file of a bundle, through the worker pool;
 * a crash or timeout is retried, then becomes processing_failed.
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
	/* Sizing the menu costs encodes: a bundle over budget needs it, and
	 * one whose keeps outgrew the budget (ask_menus). */
	if (f->b->menus && !f->variant) {
		f->argv[n++] = "--menu";
		if (!f->full_menu)	/* this file's share of the budget */
			add_arg(f, &n, "--target", (int64_t)((double)
			    f->b->conf->max_bundle_bytes * (double)f->weight /
			    (double)(f->b->weight_total ? f->b->weight_total :
			    1)));
	}
	if (f->variant) {
		f->argv[n++] = "--variant";
		f->argv[n++] = (char *)f->variant;
	}
	f->argv[n] = NULL;
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

static void
bundle_step_done(struct bundle *b)
{
	if (--b->pending > 0)
		return;
	if (b->planned || b->abandon || b->error || b->reasons.n)
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

static void
bfile_done(struct job *j)
{
	struct bfile *f = j->data;
	struct bundle *b = f->b;
	int retries = (int)b->conf->worker_retries;

	if (j->result == JOB_OK) {
		f->processed = true;
		if (f->variant)
			merge_variant(f);
	} else if (b->abandon || j->result == JOB_CANCELLED) {
		b->abandon = true;
	} else if (j->result == JOB_SPAWN) {
		log_msg(LOG_ERR, b->id, "'%s': %s", f->doc->file, j->why);
		snprintf(b->errmsg, sizeof(b->errmsg), "%s", j->why);
		b->error = -ENOEXEC;
	} else if (j->result == JOB_FAILED && disk_short(f)) {
		log_msg(LOG_ERR, b->id, "worker for '%s' %s: the spool's "
		    "filesystem is full", f->doc->file, j->why);
		snprintf(b->errmsg, sizeof(b->errmsg), "no room for the output "
		    "of '%s': the spool's filesystem is full", f->doc->file);
		b->error = -ENOSPC;
	} else if (f->tries <= retries) {
		log_msg(LOG_WARNING, b->id, "worker for '%s' %s; trying again",
		    f->doc->file, j->why);
		bfile_submit(f);
		return;
	} else {
		/* the bundle's own time ran out: one reason for the bundle */
		bool late = uv_hrtime() / 1000000 >= b->deadline;
		log_msg(LOG_ERR, b->id, "worker for '%s' %s after %d tries%s",
		    f->doc->file, j->why, f->tries, late ? " (the bundle's time "
		    "is up)" : "");
		reasons_add(&b->reasons, "processing_failed", late ?
		    "processing_failed_bundle" : NULL, late ? NULL :
		    f->doc->file, late ? NULL : f->doc->type, NULL);
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
		f->job.timeout_ms = 1;	/* out of time: fails at once */
	pool_submit(b->pool, &f->job);
}

static void
submit_file(struct bundle *b, struct bfile *f)
{
	if (bfile_open(f, true) < 0) {	/* out of fds: the bundle waits */
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
	f->tries = 0;
	bfile_submit(f);
}

/* Runs the workers again for the files that want(f) says, after
 * prepare(f) for each (unless prepare is NULL): false when there is
 * none. */
static bool
ask_again(struct bundle *b, bool (*want)(const struct bfile *),
    void (*prepare)(struct bfile *))
{
	int n = 0;

	for (size_t i = 0; i < b->nfiles; i++)
		n += want(&b->files[i]);
	if (n == 0)
		return false;
	b->planned = false;
	b->pending = 1;
	for (size_t i = 0; i < b->nfiles; i++) {
		struct bfile *f = &b->files[i];
		if (!want(f))
			continue;
		if (prepare)
			prepare(f);
		b->pending++;
		submit_file(b, f);
	}
	bundle_step_done(b);
	return true;
}

static bool
menu_partial(const struct bfile *f)
{
	return f->job.report.menu_partial != 0;
}

static void
menu_make_full(struct bfile *f)
{
	f->full_menu = true;
}

/* Some menus stopped at their file's share, and nothing fits or the plan
 * was held back by them: ask those files for their whole menu, once. */
static bool
ask_full_menus(struct bundle *b)
{
	if (b->asked_full)
		return false;
	b->asked_full = true;
	return ask_again(b, menu_partial, menu_make_full);
}

static bool
menu_missing(const struct bfile *f)
{
	return f->job.report.nvariants <= 1 && !f->full_menu;
}

/* The inputs fit but their keeps do not (an EXIF rotation re-encoded
 * off the MCU grid): ask every file without a menu for one, each with
 * its share of the budget by keep's size, once. */
static bool
ask_menus(struct bundle *b)
{
	if (b->menus)		/* asked already, or from the start */
		return false;
	b->menus = true;
	b->weight_total = 0;
	for (size_t i = 0; i < b->nfiles; i++) {
		struct bfile *f = &b->files[i];
		f->weight = f->job.report.bytes_out;
		b->weight_total += f->weight;
	}
	return ask_again(b, menu_missing, NULL);
}

/* Applies the plan: a variant already written in the output is cut out
 * of it at publication; one that is not is encoded again. */
static void
apply_plan(struct bundle *b, const struct plan_file *pf)
{
	b->pending = 1;
	for (size_t i = 0; i < b->nfiles; i++) {
		struct bfile *f = &b->files[i];
		const struct report_variant *v = &pf[i].v[pf[i].chosen];
		f->trim = f->job.report.nvariants > 1;
		if (pf[i].chosen == 0)
			continue;
		f->rank = v->rank;
		f->variant = v->id;
		if (v->offset >= 0 && v->ext[0]) {
			f->extract = v;
			continue;
		}
		f->first = f->job.report;
		f->variant = f->first.variants[pf[i].chosen].id;
		f->trim = false;	/* the worker writes only the variant */
		b->pending++;
		submit_file(b, f);
	}
	bundle_step_done(b);
}

/* At debug: what the planner chose for each file, and why. */
static void
log_plan(const struct bundle *b, const struct plan_file *pf)
{
	int worst = plan_worst(pf, b->nfiles);

	log_msg(LOG_DEBUG, b->id, "plan: %lld of %lld bytes, the least "
	    "legible file at rank %d, the most any plan that fits allows",
	    (long long)plan_total(pf, b->nfiles),
	    (long long)b->conf->max_bundle_bytes, worst);
	for (size_t i = 0; i < b->nfiles; i++) {
		const struct report_variant *v = &pf[i].v[pf[i].chosen];
		log_msg(LOG_DEBUG, b->id, "plan: '%s': %s, %lld bytes, rank %d "
		    "(variant %d of %d): %s", b->files[i].doc->file,
		    pf[i].chosen ? v->id : "keep", (long long)v->bytes, v->rank,
		    pf[i].chosen + 1, pf[i].n, pf[i].chosen == 0 ? "as uploaded, "
		    "the total fits with it" : v->rank == worst ? "the least "
		    "legible file: its most legible variant that lets the total "
		    "fit" : "above the least legible: stepped back up while the "
		    "total fits");
	}
}

/* The keep variants do not fit: choose one variant per file. */
static void
bundle_plan(struct bundle *b)
{
	struct plan_file *pf = calloc(b->nfiles + 1, sizeof(*pf));
	struct report_variant *keep = calloc(b->nfiles + 1, sizeof(*keep));
	int64_t total = 0;

	b->planned = true;
	for (size_t i = 0; i < b->nfiles; i++)
		total += b->files[i].job.report.bytes_out;
	if (total <= b->conf->max_bundle_bytes || !pf || !keep) {
		log_msg(LOG_DEBUG, b->id, "plan: every file as uploaded: %lld "
		    "of %lld bytes fit the budget", (long long)total,
		    (long long)b->conf->max_bundle_bytes);
		for (size_t i = 0; i < b->nfiles; i++)
			b->files[i].trim = b->files[i].job.report.nvariants > 1;
		goto out;
	}
	for (size_t i = 0; i < b->nfiles; i++) {
		struct filter_report *r = &b->files[i].job.report;
		keep[i].bytes = r->bytes_out;
		keep[i].rank = 100;
		pf[i].v = r->nvariants ? r->variants : &keep[i];
		pf[i].n = r->nvariants ? r->nvariants : 1;
		pf[i].partial = r->menu_partial;
	}
	if (plan_choose(pf, b->nfiles, b->conf->max_bundle_bytes) < 0) {
		if (ask_menus(b) || ask_full_menus(b))
			goto done;
		log_msg(LOG_DEBUG, b->id, "plan: the smallest variant of every "
		    "file, %lld bytes, does not fit the %lld-byte budget",
		    (long long)plan_total(pf, b->nfiles),
		    (long long)b->conf->max_bundle_bytes);
		for (size_t i = 0; i < b->nfiles; i++)
			b->files[i].trim = b->files[i].job.report.nvariants > 1;
		goto out;	/* nothing legible fits: too_large */
	}
	/* a menu cut at its share kept a file above the worst: with the
	 * whole menus the worst page can be more legible */
	if (plan_held_back(pf, b->nfiles) && ask_full_menus(b))
		goto done;
	log_plan(b, pf);
	apply_plan(b, pf);
done:
	free(pf);
	free(keep);
	return;
out:
	free(pf);
	free(keep);
	b->done(b);
}

void
bundle_run(struct bundle *b, struct pool *pool, const char *filter)
{
	b->pool = pool;
	b->filter = filter;
	b->pending = (int)b->nfiles + 1;	/* +1 until all are queued */
	b->menus = b->bytes_in > b->conf->max_bundle_bytes;
	b->weight_total = b->bytes_in;
	for (size_t i = 0; i < b->nfiles; i++) {
		struct bfile *f = &b->files[i];
		f->rank = 100;
		f->weight = f->size;
		submit_file(b, f);
	}
	bundle_step_done(b);
}

