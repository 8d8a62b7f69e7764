/* test_retention.c: retention_sweep removes only what is old enough, keeps
 * an original whose bundle still waits in outbox/ or whose publication is
 * unfinished, and never follows a link out of a bundle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "retention.h"

static char root[64];

static void
mk(const char *rel, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (text == NULL) {
		assert_int_equal(mkdir(p, 0755), 0);
		return;
	}
	assert_non_null(f = fopen(p, "w"));
	fputs(text, f);
	fclose(f);
}

static int
exists(const char *rel)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return lstat(p, &st) == 0;
}

static int
dirfd_of(const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return open(p, O_RDONLY | O_DIRECTORY);
}

static int
setup(void **state)
{
	char p[256];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/qujat-ret-XXXXXX");
	assert_non_null(mkdtemp(root));
	mk("sent", NULL);
	mk("originals", NULL);
	mk("outbox", NULL);
	mk("outside", "keep me\n");
	mk("sent/A-1", NULL);
	mk("sent/A-1/scan.jpg", "x");
	mk("sent/A-1/manifest.json", "{}");
	mk("sent/A-1/sub", NULL);
	mk("sent/A-1/sub/deeper", "y");
	/* deeper than any fixed bound, and the daemon's own work folder */
	{
		char deep[512] = "sent/A-1";
		for (int i = 0; i < 12; i++) {
			strcat(deep, "/d");
			mk(deep, NULL);
		}
		strcat(deep, "/f");
		mk(deep, "z");
	}
	mk("sent/A-1/.qujat-out", NULL);
	mk("sent/A-1/.qujat-out/p1.png", "w");
	snprintf(p, sizeof(p), "%s/outside", root);
	snprintf(p, sizeof(p), "%s/sent/A-1/link", root);
	{
		char target[256];
		snprintf(target, sizeof(target), "%s/outside", root);
		assert_int_equal(symlink(target, p), 0);
	}
	mk("sent/.A-2", NULL);	   /* a dot name is not a bundle */
	mk("originals/B-1", NULL); /* its bundle still in outbox/ */
	mk("originals/B-1/x.jpg", "x");
	mk("outbox/B-1", NULL);
	mk("originals/B-2", NULL); /* publication unfinished */
	mk("originals/B-2/.qujat-out", NULL);
	mk("originals/B-3", NULL); /* done: removable */
	mk("originals/B-3/x.jpg", "x");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static void
test_too_young(void **state)
{
	int fd = dirfd_of("sent");

	(void)state;
	/* The cutoff an hour ago: everything here is newer. */
	assert_int_equal(retention_sweep(fd, "sent", time(NULL) - 3600, -1), 0);
	assert_true(exists("sent/A-1/scan.jpg"));
	close(fd);
}

static void
test_removed_links_not_followed(void **state)
{
	int fd = dirfd_of("sent");

	(void)state;
	assert_int_equal(retention_sweep(fd, "sent", time(NULL) + 10, -1), 1);
	assert_false(exists("sent/A-1"));
	assert_true(exists("sent/.A-2"));
	assert_true(exists("outside"));
	close(fd);
}

static void
test_originals_kept_while_unfinished(void **state)
{
	int fd = dirfd_of("originals"), ob = dirfd_of("outbox");

	(void)state;
	assert_int_equal(retention_sweep(fd, "originals", time(NULL) + 10, ob),
	    1);
	assert_true(exists("originals/B-1/x.jpg"));
	assert_true(exists("originals/B-2/.qujat-out"));
	assert_false(exists("originals/B-3"));
	close(fd);
	close(ob);
}

/* Sets rel's mtime to days ago (its ctime stays now). */
static void
age(const char *rel, int days)
{
	struct timespec t[2] = { { 0, UTIME_OMIT },
		{ time(NULL) - (time_t)days * 86400, 0 } };
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(utimensat(AT_FDCWD, p, t, 0), 0);
}

/* The age is the folder's mtime (when the daemon moved it there), not its
 * ctime, which nobody can set: both folders here have a ctime of now. */
static void
test_age_is_mtime(void **state)
{
	int fd;

	(void)state;
	mk("rejected", NULL);
	mk("rejected/R-old", NULL);
	mk("rejected/R-old/refusal.json", "{}");
	mk("rejected/R-young", NULL);
	age("rejected/R-old", 100);
	age("rejected/R-young", 80);
	fd = dirfd_of("rejected");
	assert_int_equal(retention_sweep(fd, "rejected",
			     time(NULL) - 90 * 86400, -1),
	    1);
	assert_false(exists("rejected/R-old"));
	assert_true(exists("rejected/R-young"));
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_too_young),
		cmocka_unit_test(test_removed_links_not_followed),
		cmocka_unit_test(test_originals_kept_while_unfinished),
		cmocka_unit_test(test_age_is_mtime),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
