/* test_iin.c: iin_valid against services.md's examples and computed ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "iin.h"

static const struct {
	const char *iin;
	bool want;
} cases[] = {
	/* services.md */
	{ "180512600157", true }, { "850101300124", true },
	{ "190823500014", true }, { "180512600908", true }, /* second weights */
	{ "180512600158", false },			    /* check digit */
	{ "12345678901", false },			    /* 11 digits */
	/* computed: first weights, second weights */
	{ "301661318607", true }, { "913909960309", true },
	{ "526018159081", true }, { "231948757497", true },
	{ "752917034238", true }, { "526018159082", false },
	{ "231948757490", false },
	/* both weightings give 10: no check digit is valid */
	{ "786843353260", false }, { "786843353261", false },
	{ "786843353269", false },
	/* format */
	{ "", false }, { "1805126001570", false }, { "18051260015a", false },
	{ " 180512600157", false }, { "180512600157 ", false },
	{ "-80512600157", false },
	{ "１80512600157", false }, /* fullwidth digit */
};

static void
test_table(void **state)
{
	size_t i;
	int fails = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got = iin_valid(cases[i].iin);
		if (got != cases[i].want) {
			printf("iin_valid(\"%s\"): got %d, want %d\n",
			    cases[i].iin, got, cases[i].want);
			fails++;
		}
	}
	assert_int_equal(fails, 0);
	assert_false(iin_valid(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests_name("iin", tests, NULL, NULL);
}
