/* test_log.c: log lines never carry an IIN, not even in a file name or an
 * application id; other numbers are left as they are. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

/* The line log_msg writes for (id, "%s", text). */
static char *
logged(const char *id, const char *text)
{
	char path[] = "/tmp/qujat-test-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	char *buf = calloc(1, 4096);

	assert_true(fd >= 0 && saved >= 0 && buf != NULL);
	dup2(fd, STDERR_FILENO);
	log_msg(LOG_ERR, id, "%s", text);
	dup2(saved, STDERR_FILENO);
	close(saved);
	assert_true(pread(fd, buf, 4095, 0) > 0);
	close(fd);
	unlink(path);
	return buf;
}

static const struct {
	const char *id, *text, *want;
} cases[] = {
	{ "A-1", "cannot open '180512600157_vkk.jpg': no such file",
	    "[A-1] cannot open '********0157_vkk.jpg': no such file\n" },
	{ "KZ-180512600157", "child=180512600157 bytes_in=399246",
	    "[KZ-********0157] child=********0157 bytes_in=399246\n" },
	{ NULL, "13 digits 1805126001571, 11 digits 18051260015",
	    "13 digits *********1571, 11 digits 18051260015\n" },
	{ "KZ-EDU-2026-000123", "rejected/KZ@1764626400",
	    "[KZ-EDU-2026-000123] rejected/KZ@1764626400\n" },
};

static void
test_masked(void **state)
{
	int fails = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *line = logged(cases[i].id, cases[i].text);
		/* the message after its prefix: "<3>" for the journal, a
		 * timestamp and "error: " elsewhere (log.h) */
		const char *got = strstr(line, "error: ") ?
		    strstr(line, "error: ") + 7 :
		    line[0] == '<' ? strchr(line, '>') + 1 :
				     line;
		if (strcmp(got, cases[i].want) != 0) {
			printf("got  '%s'\nwant '%s'\n", got, cases[i].want);
			fails++;
		}
		free(line);
	}
	assert_int_equal(fails, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_masked),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
