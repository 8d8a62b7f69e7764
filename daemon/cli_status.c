/*
 * cli_status.c: `qujat status`: how many bundles each spool folder holds
 * and how long the oldest has been there (the age that alerts matter on),
 * then the daemon's counters as its metrics file shows them (metrics.h).
 * Reads only the spool's names and the daemon's own file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "conf.h"
#include "spool.h"

/* Shown from the spool itself, so skipped in the metrics file. */
static int
is_folder_metric(const char *line)
{
	return strncmp(line, "qujat_bundles{", 14) == 0 ||
	    strncmp(line, "qujat_oldest_bundle_age_seconds{", 32) == 0;
}

/* The counters of the metrics file as a table: "name{labels} value". */
static void
print_counters(const char *path)
{
	char line[512], *sp;
	struct stat st;
	FILE *f = fopen(path, "re");

	if (f == NULL || fstat(fileno(f), &st) < 0) {
		printf("\nno metrics in '%s' (is qujatd running?)\n", path);
		if (f)
			fclose(f);
		return;
	}
	printf("\ncounters from '%s', written %lld s ago\n%-62s %14s\n", path,
	    (long long)(time(NULL) - st.st_mtime), "metric", "value");
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0' || is_folder_metric(line))
			continue;
		if ((sp = strrchr(line, ' ')) == NULL)
			continue;
		*sp = '\0';
		printf("%-62s %14s\n", line, sp + 1);
	}
	fclose(f);
}

int
cli_spool_open(struct spool *sp, const char *root, const char *conf,
    struct qerr *err)
{
	struct stat st;
	char path[4096];
	int e;

	for (int i = -1; i < SP_NDIRS; i++) {
		snprintf(path, sizeof(path), "%s%s%s", root, i < 0 ? "" : "/",
		    i < 0 ? "" : spool_dir_name[i]);
		if (stat(path, &st) < 0)
			e = errno;
		else if (!S_ISDIR(st.st_mode))
			e = ENOTDIR;
		else
			continue;
		return qerr_set(err, -e,
		    "no spool at '%s': '%s' %s; qujatd makes "
		    "the spool when it starts: is --spool (or 'spool' in '%s') "
		    "right?",
		    root, path, e == ENOENT ? "does not exist" : strerror(e),
		    conf);
	}
	return spool_open(sp, root, err);
}

int
cli_status(const struct cli_opts *o)
{
	struct conf *c = NULL;
	struct qerr err = { 0 };
	struct spool sp;

	if (conf_load(o->conf, o->spool, &c, &err) < 0 ||
	    cli_spool_open(&sp, c->spool, o->conf, &err) < 0) {
		fprintf(stderr, "qujat: %s\n", err.msg);
		conf_unref(c);
		return 1;
	}
	printf("spool %s\n%-10s %8s %12s\n", sp.root, "folder", "bundles",
	    "oldest (s)");
	for (int i = 0; i < SP_NDIRS; i++) {
		long n, age;
		spool_folder_stats(sp.dfd[i], &n, &age);
		printf("%-10s %8ld %12ld\n", spool_dir_name[i], n, age);
	}
	print_counters(c->metrics_file);
	spool_close(&sp);
	conf_unref(c);
	return 0;
}
