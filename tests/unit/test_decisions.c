/* test_decisions.c: what a decision file from the case system must hold
 * (contract section 5), table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "decisions.h"

static const struct {
	const char *id, *json;
	const char *why; /* NULL: valid */
	const char *outcome;
} cases[] = {
	{ "A-1", "{\"application_id\": \"A-1\", \"outcome\": \"enrolled\"}",
	    NULL, "enrolled" },
	{ "A-1",
	    "{\"application_id\": \"A-1\", \"outcome\": \"withdrawn\", "
	    "\"note\": 1}",
	    NULL, "withdrawn" },
	{ "A-1", "{\"application_id\": \"A-2\", \"outcome\": \"refused\"}",
	    "its application_id is not its file name's", NULL },
	{ "A-1", "{\"application_id\": \"A-1\", \"outcome\": \"admitted\"}",
	    "the outcome is not enrolled, refused or withdrawn", NULL },
	{ "A-1", "{\"application_id\": \"A-1\"}", "no outcome", NULL },
	{ "A-1", "{\"application_id\": \"A-1\", \"outcome\": 3}", "no outcome",
	    NULL },
	{ "A-1",
	    "{\"application_id\": \"A-1\", \"outcome\": \"refused\", "
	    "\"outcome\": \"enrolled\"}",
	    "not a JSON object", NULL },
	{ "A-1", "[\"A-1\"]", "not a JSON object", NULL },
	{ "A-1", "{\"application_id\": ", "not a JSON object", NULL },
	{ "A-1", "", "not a JSON object", NULL },
};

static void
test_parse(void **state)
{
	char outcome[16];
	const char *why;
	int fails = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		outcome[0] = '\0';
		why = decision_parse(cases[i].id, cases[i].json,
		    strlen(cases[i].json), outcome, sizeof(outcome));
		if ((why == NULL) != (cases[i].why == NULL) ||
		    (why && strcmp(why, cases[i].why) != 0) ||
		    (!why && strcmp(outcome, cases[i].outcome) != 0)) {
			printf("%s: got '%s' '%s', want '%s' '%s'\n",
			    cases[i].json, why ? why : "(valid)", outcome,
			    cases[i].why ? cases[i].why : "(valid)",
			    cases[i].outcome ? cases[i].outcome : "");
			fails++;
		}
	}
	assert_int_equal(fails, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests_name("decisions", tests, NULL, NULL);
}
