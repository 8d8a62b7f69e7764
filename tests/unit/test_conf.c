/* test_conf.c: conf/qujat.conf as shipped (run from the repository root),
 * whose numbers are defaults.h's, and strictness on edited copies in a
 * temporary folder. */
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
#include "defaults.h"

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
	fprintf(f,
	    "services_file = \"%s/conf/services.conf\";\n"
	    "messages_file = \"%s/conf/messages.conf\";\n%s",
	    cwd, cwd, body);
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
	assert_int_equal(c->max_bundle_bytes, DEFAULT_MAX_BUNDLE_BYTES);
	assert_int_equal(c->workers, DEFAULT_WORKERS);
	assert_int_equal(c->worker_retries, DEFAULT_WORKER_RETRIES);
	assert_int_equal(c->scan_interval_ms, DEFAULT_SCAN_INTERVAL_MS);
	assert_int_equal(c->stop_timeout_ms, DEFAULT_STOP_TIMEOUT_MS);
	assert_int_equal(c->log_level, LOG_INFO);
	assert_int_equal(c->limits.max_files, DEFAULT_MAX_FILES);
	assert_int_equal(c->limits.max_file_bytes, DEFAULT_MAX_FILE_BYTES);
	assert_int_equal(c->limits.max_pixels, DEFAULT_MAX_PIXELS);
	assert_int_equal(c->limits.max_pages, DEFAULT_MAX_PAGES);
	assert_int_equal(c->limits.max_pdf_objects, DEFAULT_MAX_PDF_OBJECTS);
	assert_int_equal(c->limits.max_stream_bytes, DEFAULT_MAX_STREAM_BYTES);
	assert_int_equal(c->limits.max_manifest_bytes,
	    DEFAULT_MAX_MANIFEST_BYTES);
	assert_int_equal(c->limits.max_manifest_depth,
	    DEFAULT_MAX_MANIFEST_DEPTH);
	assert_int_equal(c->limits.worker_cpu_seconds,
	    DEFAULT_WORKER_CPU_SECONDS);
	assert_int_equal(c->limits.worker_memory_mb, DEFAULT_WORKER_MEMORY_MB);
	assert_int_equal(c->limits.file_timeout_ms, DEFAULT_FILE_TIMEOUT_MS);
	assert_int_equal(c->limits.bundle_timeout_ms,
	    DEFAULT_BUNDLE_TIMEOUT_MS);
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
	assert_int_equal(c->flatten, 1); /* photo_pages = "flatten" */
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

/* An integer over 2^31 is read whole whichever way it is written: libconfig
 * 1.5 keeps the low 32 bits of one without L (4294968320 -> 1024). */
static void
test_int64(void **state)
{
	static const struct {
		const char *body;
		long long budget, pixels;
	} cases[] = {
		{ "max_bundle_bytes = 4294968320;\n", 4294968320LL, 100000000 },
		{ "max_bundle_bytes = 1099511627776;\n", 1099511627776LL,
		    100000000 },
		{ "max_bundle_bytes = 4294968320L;\n", 4294968320LL,
		    100000000 },
		{ "max_bundle_bytes = 0x100000400;\n", 4294968320LL,
		    100000000 },
		{ "workers = 2; max_bundle_bytes = 6000000000; # 6 GB\n",
		    6000000000LL, 100000000 },
		{ "limits = { max_files = 5; max_pixels = 8589934592; };\n",
		    5000000, 8589934592LL },
	};
	struct conf *c;
	struct qerr err;
	int fails = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_conf(cases[i].body);
		c = NULL;
		if (conf_load(tmpconf, NULL, &c, &err) != 0 ||
		    c->max_bundle_bytes != cases[i].budget ||
		    c->limits.max_pixels != cases[i].pixels) {
			printf("%s: got %lld %lld (%s), want %lld %lld\n",
			    cases[i].body,
			    c ? (long long)c->max_bundle_bytes : 0,
			    c ? (long long)c->limits.max_pixels : 0,
			    c ? "" : err.msg, cases[i].budget, cases[i].pixels);
			fails++;
		}
		conf_unref(c);
	}
	assert_int_equal(fails, 0);
}

/* store is sqlite or PostgreSQL; anything else is refused, not made an
 * SQLite file of that name. */
static void
test_store(void **state)
{
	static const char *ok[] = { "sqlite", "postgresql://q@db/q",
		"postgres://db/q", "host=/run/postgresql dbname=qujat" };
	struct conf *c;
	struct qerr err;
	char body[200];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(body, sizeof(body), "store = \"%s\";\n", ok[i]);
		write_conf(body);
		assert_int_equal(conf_load(tmpconf, NULL, &c, &err), 0);
		conf_unref(c);
	}
	write_conf("store = \"mysql\";\n");
	assert_int_equal(conf_load(tmpconf, NULL, &c, &err), -EINVAL);
	assert_null(c);
	assert_non_null(strstr(err.msg, "'store' must be \"sqlite\""));
	assert_non_null(strstr(err.msg, "not 'mysql'"));
}

/* The paths the file names are taken beside it (spool too); --spool as
 * given. */
static void
test_relative_paths(void **state)
{
	struct conf *c;
	char want[PATH_MAX + 40];

	(void)state;
	write_conf("spool = \"sp\";\nmetrics_file = \"m/q.prom\";\n"
		   "filter = \"bin/qf\";\n");
	assert_int_equal(conf_load(tmpconf, NULL, &c, NULL), 0);
	snprintf(want, sizeof(want), "%s/sp", tmpdir);
	assert_string_equal(c->spool, want);
	snprintf(want, sizeof(want), "%s/sp/state", tmpdir);
	assert_string_equal(c->state_dir, want);
	snprintf(want, sizeof(want), "%s/m/q.prom", tmpdir);
	assert_string_equal(c->metrics_file, want);
	snprintf(want, sizeof(want), "%s/bin/qf", tmpdir);
	assert_string_equal(c->filter, want);
	conf_unref(c);
	write_conf("state_dir = \"st\";\n");
	assert_int_equal(conf_load(tmpconf, "rel/spool", &c, NULL), 0);
	assert_string_equal(c->spool, "rel/spool");
	snprintf(want, sizeof(want), "%s/st", tmpdir);
	assert_string_equal(c->state_dir, want);
	conf_unref(c);
}

/* conf_check_files names what the configuration needs and is not there. */
static void
test_check_files(void **state)
{
	static const struct {
		const char *body, *want;
	} cases[] = {
		{ "filter = \"/nonexistent/qujat-filter\";\n",
		    "cannot run '/nonexistent/qujat-filter' (filter): No such" },
		{ "filter = \"/etc/passwd\";\n",
		    "cannot run '/etc/passwd' (filter): Permission denied" },
		{ "handoff_ca_file = \"/nonexistent/ca.pem\";\n",
		    "cannot read '/nonexistent/ca.pem' (handoff_ca_file)" },
		{ "handoff_client_cert = \"c.pem\";\n"
		  "handoff_client_key = \"/etc/passwd\";\n",
		    "/c.pem' (handoff_client_cert)" },
		{ "metrics_file = \"/nonexistent/textfile/q.prom\";\n",
		    "cannot write into '/nonexistent/textfile' (metrics_file)" },
	};
	struct conf *c;
	struct qerr err;
	int fails = 0;

	(void)state;
	write_conf(
	    "filter = \"/bin/true\";\nmetrics_file = \"/tmp/q.prom\";\n");
	assert_int_equal(conf_load(tmpconf, NULL, &c, &err), 0);
	assert_int_equal(conf_check_files(c, &err), 0);
	conf_unref(c);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char body[300];
		snprintf(body, sizeof(body), "%s%s",
		    strstr(cases[i].body, "filter") ?
			"" :
			"filter = \"/bin/true\";\n",
		    cases[i].body);
		write_conf(body);
		err.msg[0] = '\0';
		assert_int_equal(conf_load(tmpconf, NULL, &c, &err), 0);
		if (conf_check_files(c, &err) >= 0 ||
		    strstr(err.msg, cases[i].want) == NULL) {
			printf("%s: got '%s', want '%s'\n", cases[i].body,
			    err.msg, cases[i].want);
			fails++;
		}
		conf_unref(c);
	}
	assert_int_equal(fails, 0);
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
	const char *body; /* after the two catalogue lines */
	int want_line;
	const char *want;
} bad[] = {
	{ "unknown key", "workers = 2;\nwokers = 2;\n", 4,
	    "qujat.conf:4: unknown key 'wokers'" },
	{ "unknown limit",
	    "limits = {\n  max_files = 5;\n  max_flies = 5;\n"
	    "};\n",
	    5, "qujat.conf:5: unknown key 'max_flies'" },
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
	{ "over 64 bits",
	    "limits = {\n max_pixels = 99999999999999999999;\n"
	    "};\n",
	    4,
	    "'max_pixels' is 99999999999999999999, which does not "
	    "fit in 64 bits" },
	{ "over 1 TiB without L", "max_bundle_bytes = 1099511628800;\n", 3,
	    "'max_bundle_bytes' is 1099511628800, must be 1024 to "
	    "1099511627776" },
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
			       "%d\n",
			    bad[i].name, rc, err.msg, err.line, -EINVAL,
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
		cmocka_unit_test(test_int64),
		cmocka_unit_test(test_store),
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_check_files),
	};

	return cmocka_run_group_tests_name("conf", tests, setup, teardown);
}
