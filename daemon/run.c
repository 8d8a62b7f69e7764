/*
 * run.c: one qujat-filter per file of a bundle, through the worker pool;
 * a crash or timeout is retried, then becomes processing_failed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bundle.h"
#include "catalogue.h"
#include "conf.h"
#include "log.h"

static void
add_arg(struct bfile *f, int *n, const char *opt, int64_t v)
{
	int k = *n / 2;

	f->argv[(*n)++] = (char *)opt;
	snprintf(f->argbuf[k], sizeof(f->argbuf[k]), "%lld", (long long)v);
	f->argv[(*n)++] = f->argbuf[k];
}

static void
build_argv(struct bfile *f, const char *filter)
{
	const struct limits *l = &f->b->conf->limits;
	int n = 1;

	f->argv[0] = (char *)filter;
	add_arg(f, &n, "--max-bytes", l->max_file_bytes);
	add_arg(f, &n, "--max-pixels", l->max_pixels);
	add_arg(f, &n, "--max-pages", l->max_pages);
	add_arg(f, &n, "--max-objects", l->max_pdf_objects);
	add_arg(f, &n, "--max-stream-bytes", l->max_stream_bytes);
	add_arg(f, &n, "--cpu-seconds", l->worker_cpu_seconds);
	add_arg(f, &n, "--memory-mb", l->worker_memory_mb);
	if (f->out_fd < 0)
		f->argv[n++] = "--probe-only";
	if (catalogue_is_photo(f->b->conf->cat, f->doc->type))
		f->argv[n++] = "--photo";
	f->argv[n] = NULL;
}

static void bfile_submit(struct bfile *f);

static void
bfile_done(struct job *j)
{
	struct bfile *f = j->data;
	struct bundle *b = f->b;
	int retries = (int)b->conf->worker_retries;

	if (j->result == JOB_OK) {
		f->processed = true;
	} else if (b->abandon || j->result == JOB_CANCELLED) {
		b->abandon = true;
	} else if (j->result == JOB_SPAWN) {
		log_msg(LOG_ERR, b->id, "'%s': %s", f->doc->file, j->why);
		snprintf(b->errmsg, sizeof(b->errmsg), "%s", j->why);
		b->error = -ENOEXEC;
	} else if (f->tries <= retries) {
		log_msg(LOG_WARNING, b->id, "worker for '%s' %s; trying again",
		    f->doc->file, j->why);
		bfile_submit(f);
		return;
	} else {
		log_msg(LOG_ERR, b->id, "worker for '%s' %s after %d tries",
		    f->doc->file, j->why, f->tries);
		reasons_add(&b->reasons, "processing_failed", NULL,
		    f->doc->file, f->doc->type, NULL);
	}
	if (--b->pending == 0)
		b->done(b);
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

void
bundle_run(struct bundle *b, struct pool *pool, const char *filter)
{
	b->pool = pool;
	b->pending = (int)b->nfiles + 1;	/* +1 until all are queued */
	for (size_t i = 0; i < b->nfiles; i++) {
		struct bfile *f = &b->files[i];
		build_argv(f, filter);
		snprintf(f->tag, sizeof(f->tag), "[%s] '%s'", b->id,
		    f->doc->file);
		f->job.argv = f->argv;
		f->job.in_fd = f->in_fd;
		f->job.out_fd = f->out_fd;
		f->job.tag = f->tag;
		f->job.done = bfile_done;
		f->job.data = f;
		bfile_submit(f);
	}
	if (--b->pending == 0)
		b->done(b);
}
