/* test_store.c: the one-child-one-application store, SQLite back-end. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "store.h"

static struct store *
open_tmp(char *path, size_t len)
{
	struct store *st = NULL;
	struct qerr err = { 0 };
	int fd;

	snprintf(path, len, "/tmp/qujat-test-store-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(store_open(path, &st, &err), 0);
	return st;
}

static void
test_claim_release(void **state)
{
	char path[64], *holder = NULL;
	struct store *st = open_tmp(path, sizeof(path));

	(void)state;
	assert_int_equal(store_claim(st, "free_meals", "180512600157", "A-1",
	    "000140001239", NULL), 0);
	/* A resumed bundle claims again: still ours. */
	assert_int_equal(store_claim(st, "free_meals", "180512600157", "A-1",
	    "000140001239", NULL), 0);
	assert_int_equal(store_claim(st, "free_meals", "180512600157", "B-2",
	    "000140001239", &holder), -EEXIST);
	assert_string_equal(holder, "A-1");
	free(holder);
	assert_true(store_held_by_other(st, "free_meals", "180512600157",
	    "B-2"));
	assert_false(store_held_by_other(st, "free_meals", "180512600157",
	    "A-1"));
	/* Another service for the same child is another place. */
	assert_int_equal(store_claim(st, "summer_camp", "180512600157", "B-2",
	    "000140001239", NULL), 0);
	/* Releasing what B-2 does not hold changes nothing. */
	assert_int_equal(store_release(st, "free_meals", "180512600157",
	    "B-2"), 0);
	assert_true(store_held_by_other(st, "free_meals", "180512600157",
	    "B-2"));
	/* A refused A-1 holds nothing: B-2 may now claim. */
	assert_int_equal(store_release(st, "free_meals", "180512600157",
	    "A-1"), 0);
	assert_int_equal(store_claim(st, "free_meals", "180512600157", "B-2",
	    "000140001239", NULL), 0);
	store_close(st);
	unlink(path);
	strcat(path, "-wal");
	unlink(path);
	strcpy(path + strlen(path) - 4, "-shm");
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claim_release),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
