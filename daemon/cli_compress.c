/*
 * cli_compress.c: `qujat compress FILE... -o DIR`: the daemon's engine in
 * one shot, the files taken as one bundle under the budget: the same
 * sandboxed workers, the same menu and planner. Prints what it did per
 * file. For trying settings, and for `make bench`.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "catalogue.h"
#include "cli.h"
#include "conf.h"
#include "daemon.h"

static void
compress_done(struct bundle *b)
{
	(void)b; /* the loop ends when the last worker is gone */
}

/* Renames each output to its published name; removes the rest. */
static int
publish_outputs(struct bundle *b)
{
	int rc = 0;

	for (size_t i = 0; i < b->nfiles; i++) {
		struct bfile *f = &b->files[i];
		if (f->processed && f->out_name && b->reasons.n == 0 &&
		    renameat2(b->workfd, f->tmpname, b->workfd, f->out_name,
			RENAME_NOREPLACE) == 0)
			continue;
		if (f->processed && f->out_name && b->reasons.n == 0) {
			fprintf(stderr, "qujat: cannot write '%s': %s\n",
			    f->out_name, strerror(errno));
			rc = 1;
		}
		unlinkat(b->workfd, f->tmpname, 0);
	}
	return rc;
}

static void
print_table(const struct bundle *b)
{
	printf("%-28s %11s %5s %5s %-14s %10s %10s %7s\n", "file", "pixels",
	    "dpi", "color", "variant", "bytes in", "bytes out", "ms");
	for (size_t i = 0; i < b->nfiles; i++) {
		const struct bfile *f = &b->files[i];
		const struct filter_report *r = &f->job.report;
		char px[32];
		/* a PDF has pages, each with its own images, not one size */
		if (r->width > 0)
			snprintf(px, sizeof(px), "%lldx%lld",
			    (long long)r->width, (long long)r->height);
		else
			snprintf(px, sizeof(px), "%lld page%s",
			    (long long)r->pages, r->pages == 1 ? "" : "s");
		printf("%-28.28s %11s %5lld %5s %-14.14s %10lld %10lld %7lld\n",
		    f->out_name ? f->out_name : f->doc->file, px,
		    (long long)r->dpi, r->color ? "yes" : "no",
		    f->variant ? f->variant : "keep", (long long)r->bytes_in,
		    (long long)r->bytes_out, (long long)r->ms);
		if (r->transform[0]) /* what was done, under its row */
			printf("  %s\n", r->transform);
	}
	printf("total %lld -> %lld bytes (budget %lld)\n",
	    (long long)b->bytes_in, (long long)b->bytes_out,
	    (long long)b->conf->max_bundle_bytes);
}

static void
print_reasons(const struct bundle *b)
{
	for (size_t i = 0; i < b->reasons.n; i++) {
		const struct reason *r = &b->reasons.v[i];
		char *doc = r->document ? catalogue_document_names(b->conf->cat,
					      r->document, LANG_EN) :
					  NULL;
		char *t = catalogue_render(b->conf->cat, r->msg_key, LANG_EN,
		    r->file, doc, r->detail);
		fprintf(stderr, "qujat: %s: %s\n", r->code, t ? t : "");
		free(t);
		free(doc);
	}
}

static int
run(struct conf *c, const struct cli_opts *o, int outdir)
{
	struct bundle *b = bundle_new(c, NULL, NULL, "compress", FROM_FOLDER);
	char **env = daemon_worker_env();
	struct pool pool;
	int rc;

	if (!b ||
	    bundle_prepare_files(b, o->args, (size_t)o->nargs, outdir,
		o->photo) < 0) {
		fprintf(stderr, "qujat: %s\n", b ? b->errmsg : "out of memory");
		rc = 1;
		goto out;
	}
	pool_init(&pool, uv_default_loop(), conf_workers(c), env);
	b->done = compress_done;
	bundle_run(b, &pool, c->filter);
	uv_run(uv_default_loop(), UV_RUN_DEFAULT);
	pool_close(&pool);
	uv_run(uv_default_loop(), UV_RUN_DEFAULT);
	bundle_judge(b);
	rc = publish_outputs(b) || b->reasons.n || b->error;
	b->decision = rc ? DECIDE_REJECT : DECIDE_ACCEPT;
	if (o->json) {
		json_t *rep = bundle_report_json(b);
		json_dumpf(rep, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(rep);
	} else {
		print_table(b);
	}
	print_reasons(b);
out:
	bundle_free(b);
	for (char **e = env; e && *e; e++)
		free(*e);
	free(env);
	uv_loop_close(uv_default_loop());
	return rc;
}

int
cli_compress(const struct cli_opts *o)
{
	struct conf *c = NULL;
	struct qerr err = { 0 };
	int outdir, rc;

	if (o->nargs < 1 || !o->outdir)
		return fprintf(stderr,
			   "usage: qujat compress FILE... -o DIR "
			   "[--budget SIZE] [--photo] [--photo-pages flatten|keep] "
			   "[--json]\n"),
		       2;
	if (conf_load(o->conf, NULL, &c, &err) < 0)
		return fprintf(stderr, "qujat: %s\n", err.msg), 1;
	if (o->budget > 0)
		c->max_bundle_bytes = o->budget;
	if (o->photo_pages)
		c->flatten = strcmp(o->photo_pages, "flatten") == 0;
	mkdir(o->outdir, 0755);
	outdir = open(o->outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (outdir < 0) {
		fprintf(stderr, "qujat: cannot open '%s': %s\n", o->outdir,
		    strerror(errno));
		conf_unref(c);
		return 1;
	}
	rc = run(c, o, outdir);
	close(outdir);
	conf_unref(c);
	return rc;
}
