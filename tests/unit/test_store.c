/* test_store.c: the one-child-one-application store, SQLite back-end:
 * claims, decisions, expiry, the upgrade of an earlier version's table,
 * and no IIN in the files. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "store.h"
#include "store_key.h"

#define IIN "180512600157"
#define DAYS 365

static const struct store_key key = { { 1, 2, 3, 4, 5, 6, 7, 8 } };

static void
tmp_path(char *path, size_t len)
{
	int fd;

	snprintf(path, len, "/tmp/qujat-test-store-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
}

static struct store *
open_at(const char *path)
{
	struct store *st = NULL;
	struct qerr err = { 0 };

	if (store_open(path, &key, false, &st, &err) != 0)
		printf("store_open: %s\n", err.msg);
	assert_non_null(st);
	return st;
}

static void
remove_db(const char *path)
{
	char p[80];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

/* True when the bytes of s are anywhere in the file at path. */
static int
file_holds(const char *path, const char *s)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n, k = strlen(s);
	int found = 0;

	if (f == NULL)
		return 0;
	buf = malloc(1 << 22);
	assert_non_null(buf);
	n = fread(buf, 1, 1 << 22, f);
	fclose(f);
	for (size_t i = 0; !found && i + k <= n; i++)
		found = memcmp(buf + i, s, k) == 0;
	free(buf);
	return found;
}

static void
test_claim_release(void **state)
{
	char path[64], *holder = NULL;
	struct store *st;

	(void)state;
	tmp_path(path, sizeof(path));
	st = open_at(path);
	assert_int_equal(store_claim(st, "free_meals", IIN, "A-1",
			     "000140001239", DAYS, NULL),
	    0);
	/* A resumed bundle claims again: still ours. */
	assert_int_equal(store_claim(st, "free_meals", IIN, "A-1",
			     "000140001239", DAYS, NULL),
	    0);
	assert_int_equal(store_claim(st, "free_meals", IIN, "B-2",
			     "000140001239", DAYS, &holder),
	    -EEXIST);
	assert_string_equal(holder, "A-1");
	free(holder);
	assert_true(store_held_by_other(st, "free_meals", IIN, "B-2", DAYS));
	assert_false(store_held_by_other(st, "free_meals", IIN, "A-1", DAYS));
	/* Another service for the same child is another place. */
	assert_int_equal(store_claim(st, "summer_camp", IIN, "B-2",
			     "000140001239", DAYS, NULL),
	    0);
	/* Releasing what B-2 does not hold changes nothing. */
	assert_int_equal(store_release(st, "free_meals", IIN, "B-2"), 0);
	assert_true(store_held_by_other(st, "free_meals", IIN, "B-2", DAYS));
	/* A refused A-1 holds nothing: C-3 may now claim. */
	assert_int_equal(store_release(st, "free_meals", IIN, "A-1"), 0);
	assert_int_equal(store_claim(st, "free_meals", IIN, "C-3",
			     "000140001239", DAYS, NULL),
	    0);
	store_close(st);
	assert_false(file_holds(path, IIN));
	remove_db(path);
}

static void
test_decide(void **state)
{
	char path[64];
	struct store *st;

	(void)state;
	tmp_path(path, sizeof(path));
	st = open_at(path);
	assert_int_equal(store_claim(st, "free_meals", IIN, "A-1", NULL, DAYS,
			     NULL),
	    0);
	assert_int_equal(store_claim(st, "free_meals", IIN, "B-2", NULL, DAYS,
			     NULL),
	    -EEXIST);
	assert_int_equal(store_decide(st, "A-1", "enrolled"), 0);
	/* again: already decided, still fine */
	assert_int_equal(store_decide(st, "A-1", "enrolled"), 0);
	assert_int_equal(store_decide(st, "NO-SUCH", "refused"), -ENOENT);
	assert_int_equal(store_claim(st, "free_meals", IIN, "B-2", NULL, DAYS,
			     NULL),
	    0);
	store_close(st);
	remove_db(path);
}

/* hold_days 0: a hold expires at once, and is pruned. */
static void
test_expiry(void **state)
{
	char path[64];
	struct store *st;

	(void)state;
	tmp_path(path, sizeof(path));
	st = open_at(path);
	assert_int_equal(store_claim(st, "free_meals", IIN, "A-1", NULL, 0,
			     NULL),
	    0);
	assert_false(store_held_by_other(st, "free_meals", IIN, "B-2", 0));
	assert_true(store_held_by_other(st, "free_meals", IIN, "B-2", DAYS));
	assert_int_equal(store_claim(st, "free_meals", IIN, "B-2", NULL, 0,
			     NULL),
	    0);
	assert_int_equal(store_prune(st, "free_meals", DAYS), 0);
	assert_int_equal(store_prune(st, "free_meals", 0), 1);
	assert_int_equal(store_decide(st, "B-2", "refused"), -ENOENT);
	store_close(st);
	remove_db(path);
}

/* The table and rows an earlier qujat made: IINs in clear. */
static void
make_legacy(const char *path)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db,
		"PRAGMA journal_mode=WAL;"
		"CREATE TABLE holds (service TEXT NOT NULL, child_iin TEXT NOT "
		"NULL, application_id TEXT NOT NULL, institution TEXT, created "
		"INTEGER NOT NULL, PRIMARY KEY (service, child_iin));"
		"INSERT INTO holds VALUES ('free_meals', '" IIN "', 'OLD-1', "
		"'000140001239', strftime('%s','now'));"
		"INSERT INTO holds VALUES ('summer_camp', '850101300124', "
		"'OLD-2', NULL, strftime('%s','now'));",
		NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_true(file_holds(path, IIN));
}

static void
test_upgrade(void **state)
{
	char path[64], wal[80], *holder = NULL;
	struct store *st;

	(void)state;
	tmp_path(path, sizeof(path));
	make_legacy(path);
	st = open_at(path);
	/* every hold kept */
	assert_int_equal(store_claim(st, "free_meals", IIN, "NEW-1", NULL, DAYS,
			     &holder),
	    -EEXIST);
	assert_string_equal(holder, "OLD-1");
	free(holder);
	assert_true(store_held_by_other(st, "summer_camp", "850101300124",
	    "NEW-2", DAYS));
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_false(file_holds(path, IIN));
	assert_false(file_holds(wal, IIN));
	assert_false(file_holds(path, "850101300124"));
	store_close(st);
	/* opened again: nothing more to upgrade, holds still there */
	st = open_at(path);
	assert_true(store_held_by_other(st, "free_meals", IIN, "NEW-1", DAYS));
	store_close(st);
	assert_false(file_holds(path, IIN));
	remove_db(path);
}

/* The key file: made once, 0400, read back the same; a key others can
 * read is refused. */
static void
test_key(void **state)
{
	char dir[] = "/tmp/qujat-key-XXXXXX", path[64], a[STORE_HMAC_HEX],
	     b[STORE_HMAC_HEX];
	struct store_key k1, k2;
	struct qerr err = { 0 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	store_key_path(dir, path, sizeof(path));
	assert_int_equal(store_key_load(path, false, &k1, &err), -ENOENT);
	assert_int_equal(store_key_load(path, true, &k1, &err), 0);
	assert_int_equal(store_key_load(path, true, &k2, &err), 0);
	assert_memory_equal(k1.k, k2.k, sizeof(k1.k));
	store_key_hmac(&k1, IIN, a);
	store_key_hmac(&key, IIN, b);
	assert_int_equal(strlen(a), 64);
	assert_string_not_equal(a, b);
	assert_null(strstr(a, IIN));
	chmod(path, 0444);
	assert_int_equal(store_key_load(path, false, &k2, &err), -EPERM);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claim_release),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_upgrade),
		cmocka_unit_test(test_key),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
