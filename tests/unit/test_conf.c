/* test_conf.c: conf/qujat.conf as shipped (run from the repository root),
 * and strictness on edited copies in a temporary folder. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <cmocka.h>

#include "catalogue.h"
#include "conf.h"

static char tmpdir[] = "/tmp/qujat-conf-XXXXXX";
static char tmpconf[PATH_MAX];

/* Writes a conf whose catalogue files are the repository's, plus body. */
static void
write_conf(const char *body)
{
	char cwd[PATH_MAX];
	FILE *f = fopen(tmpconf, "w");

	assert_non_null(f);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	fprintf(f, "services_file = \"%s/conf/services.conf\";\n"
	    "messages_file = \"%s/conf/messages.conf\";\n%s", cwd, cwd, body);
	fclose(f);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(tmpconf, sizeof(tmpconf), "%s/qujat.conf", tmpdir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(tmpconf);
	rmdir(tmpdir);
	return 0;
}

static void
test_shipped(void **state)
{
	struct conf *c;
	struct qerr err;

	(void)state;
	if (conf_load("conf/qujat.conf", NULL, &c, &err) != 0)
		printf("conf_load: %s\n", err.msg);
	assert_non_null(c);
	assert_string_equal(c->spool, "/var/spool/qujat");
	assert_string_equal(c->state_dir, "/var/spool/qujat/state");
	assert_string_equal(c->services_file, "conf/services.conf");
	assert_string_equal(c->messages_file, "conf/messages.conf");
	assert_non_null(c->filter);
	assert_int_equal(c->max_bundle_bytes, 5000000);
	assert_int_equal(c->workers, 0);
	assert_int_equal(c->worker_retries, 1);
	assert_int_equal(c->scan_interval_ms, 2000);
	assert_int_equal(c->stop_timeout_ms, 20000);
	assert_int_equal(c->log_level, LOG_INFO);
	assert_int_equal(c->limits.max_files, 50);
	assert_int_equal(c->limits.max_file_bytes, 52428800);
	assert_int_equal(c->limits.max_pixels, 100000000);
	assert_int_equal(c->limits.max_pages, 500);
	assert_int_equal(c->limits.max_pdf_objects, 1000000);
	assert_int_equal(c->limits.max_stream_bytes, 268435456);
	assert_int_equal(c->limits.max_manifest_bytes, 1048576);
	assert_int_equal(c->limits.max_manifest_depth, 32);
	assert_int_equal(c->limits.worker_cpu_seconds, 60);
	assert_int_equal(c->limits.worker_memory_mb, 1024);
	assert_int_equal(c->limits.file_timeout_ms, 60000);
	assert_int_equal(c->limits.bundle_timeout_ms, 600000);
	assert_true(catalogue_has_service(c->cat, "free_meals"));
	assert_true(conf_workers(c) >= 1);
	assert_ptr_equal(conf_ref(c), c);
	assert_int_equal(c->refs, 2);
	conf_unref(c);
	conf_unref(c);
}

/* An empty file gives the same defaults as the shipped one. */
static void
test_defaults(void **state)
{
	struct conf *c;
	struct qerr err;

	(void)state;
	write_conf("");
	assert_int_equal(conf_load(tmpconf, NULL, &c, &err), 0);
	assert_string_equal(c->spool, "/var/spool/qujat");
	assert_int_equal(c->limits.max_manifest_depth, 32);
	assert_int_equal(c->limits.bundle_timeout_ms, 600000);
	assert_int_equal(c->log_level, LOG_INFO);
	assert_int_equal(c->flatten, 0);
	conf_unref(c);
}

/* photo_pages: "flatten" or "keep", nothing else. */
static void
test_photo_pages(void **state)
{
	struct conf *c;
	struct qerr err;

	(void)state;
	write_conf("photo_pages = \"flatten\";\n");
	assert_int_equal(conf_load(tmpconf, NULL, &c, &err), 0);
	assert_int_equal(c->flatten, 1);
	conf_unref(c);
	write_conf("photo_pages = \"keep\";\n");
	assert_int_equal(conf_load(tmpconf, NULL, &c, &err), 0);
	assert_int_equal(c->flatten, 0);
	conf_unref(c);
	write_conf("photo_pages = \"flat\";\n");
	assert_int_equal(conf_load(tmpconf, NULL, &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "'photo_pages' must be"));
}

static void
test_spool(void **state)
{
	struct conf *c;

	(void)state;
	write_conf("spool = \"/srv/q\";\n");
	assert_int_equal(conf_load(tmpconf, NULL, &c, NULL), 0);
	assert_string_equal(c->spool, "/srv/q");
	assert_string_equal(c->state_dir, "/srv/q/state");
	conf_unref(c);
	assert_int_equal(conf_load(tmpconf, "/tmp/sp", &c, NULL), 0);
	assert_string_equal(c->spool, "/tmp/sp");
	assert_string_equal(c->state_dir, "/tmp/sp/state");
	conf_unref(c);
	write_conf("spool = \"/srv/q\";\nstate_dir = \"/var/lib/qujat\";\n"
	    "workers = 3;\nlog_level = \"debug\";\n");
	assert_int_equal(conf_load(tmpconf, "/tmp/sp", &c, NULL), 0);
	assert_string_equal(c->state_dir, "/var/lib/qujat");
	assert_int_equal(conf_workers(c), 3);
	assert_int_equal(c->log_level, LOG_DEBUG);
	conf_unref(c);
}

/* Relative catalogue names resolve against the conf's folder. */
static void
test_relative(void **state)
{
	struct conf *c;
	struct qerr err;
	FILE *f = fopen(tmpconf, "w");

	(void)state;
	assert_non_null(f);
	fputs("messages_file = \"nope.conf\";\n", f);
	fclose(f);
	assert_int_equal(conf_load(tmpconf, NULL, &c, &err), -ENOENT);
	assert_null(c);
	assert_non_null(strstr(err.msg, tmpdir));
	assert_non_null(strstr(err.msg, "/nope.conf'"));
}

static const struct {
	const char *name;
	const char *body;	/* after the two catalogue lines */
	int want_line;
	const char *want;
} bad[] = {
	{ "unknown key", "workers = 2;\nwokers = 2;\n", 4,
	    "qujat.conf:4: unknown key 'wokers'" },
	{ "unknown limit", "limits = {\n  max_files = 5;\n  max_flies = 5;\n"
	    "};\n", 5, "qujat.conf:5: unknown key 'max_flies'" },
	{ "string for int", "workers = \"2\";\n", 3,
	    "'workers' must be an integer" },
	{ "float for int", "workers = 2.0;\n", 3,
	    "'workers' must be an integer" },
	{ "int for string", "spool = 5;\n", 3,
	    "'spool' must be a non-empty string" },
	{ "empty string", "spool = \"\";\n", 3,
	    "'spool' must be a non-empty string" },
	{ "negative", "worker_retries = -1;\n", 3,
	    "'worker_retries' is -1, must be 0 to 10" },
	{ "too big", "limits = { max_manifest_depth = 5000; };\n", 3,
	    "'max_manifest_depth' is 5000" },
	{ "int64 too big", "max_bundle_bytes = 9000000000000000L;\n", 3,
	    "'max_bundle_bytes' is 9000000000000000" },
	{ "limits not a group", "limits = 5;\n", 3,
	    "'limits' must be a group" },
	{ "log level", "\nlog_level = \"loud\";\n", 4,
	    "'log_level' must be error, warning" },
	{ "syntax error", "workers = 2;\nworker_retries = = 1;\n", 4,
	    "syntax error" },
	{ "duplicate", "workers = 2;\nworkers = 3;\n", 4, "" },
};

static void
test_errors(void **state)
{
	struct conf *c;
	struct qerr err;
	size_t i;
	int rc, fails = 0;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_conf(bad[i].body);
		err.line = -1;
		err.msg[0] = '\0';
		rc = conf_load(tmpconf, NULL, &c, &err);
		if (rc != -EINVAL || c != NULL ||
		    err.line != bad[i].want_line ||
		    strstr(err.msg, bad[i].want) == NULL ||
		    strncmp(err.msg, tmpconf, strlen(tmpconf)) != 0) {
			printf("%s: got %d '%s' line %d, want %d '%s' line "
			    "%d\n", bad[i].name, rc, err.msg, err.line, -EINVAL,
			    bad[i].want, bad[i].want_line);
			fails++;
		}
	}
	assert_int_equal(fails, 0);
	assert_int_equal(conf_load("/nonexistent/qujat.conf", NULL, &c, &err),
	    -ENOENT);
	assert_non_null(strstr(err.msg, "cannot open"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_photo_pages),
		cmocka_unit_test(test_spool),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests_name("conf", tests, setup, teardown);
}
