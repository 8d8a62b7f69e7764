/*
 * cli_status.c: `qujat status`: how many bundles each spool folder holds
 * and how long the oldest has been there (the age that alerts matter on).
 */
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "conf.h"
#include "spool.h"

static void
folder_stats(int dfd, long *count, long *oldest_s)
{
	DIR *d = fdopendir(dup(dfd));
	struct dirent *de;
	time_t now = time(NULL), min = now;
	struct stat st;

	*count = 0;
	while (d && (de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (de->d_name[0] == '.' ||
		    (n > 4 && !strcmp(de->d_name + n - 4, ".tmp")))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		(*count)++;
		if (st.st_ctime < min)	/* a rename into the folder sets ctime */
			min = st.st_ctime;
	}
	if (d)
		closedir(d);
	*oldest_s = *count ? (long)(now - min) : 0;
}

int
cli_status(const struct cli_opts *o)
{
	struct conf *c = NULL;
	struct qerr err = { 0 };
	struct spool sp;

	if (conf_load(o->conf, o->spool, &c, &err) < 0 ||
	    spool_open(&sp, c->spool, &err) < 0) {
		fprintf(stderr, "qujat: %s\n", err.msg);
		conf_unref(c);
		return 1;
	}
	printf("spool %s\n%-10s %8s %12s\n", sp.root, "folder", "bundles",
	    "oldest (s)");
	for (int i = 0; i < SP_NDIRS; i++) {
		long n, age;
		folder_stats(sp.dfd[i], &n, &age);
		printf("%-10s %8ld %12ld\n", spool_dir_name[i], n, age);
	}
	spool_close(&sp);
	conf_unref(c);
	return 0;
}
