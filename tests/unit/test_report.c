/* test_report.c: report_parse on good, truncated, oversize and bad reports. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "filter.h"
#include "report.h"

#define SHA_A "9f2c000000000000000000000000000000000000000000000000000000e1e1e1"
#define SHA_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

#define OK_HEAD \
	"qujat-filter 1\nstatus ok\ntype image/jpeg\next jpg\n" \
	"width 2480\nheight 3508\npages 1\nbytes_in 3912044\n" \
	"sha256_in " SHA_A "\n"

static const struct {
	const char *name;
	const char *text;
	int want;	 /* 0 or -EPROTO */
	const char *why; /* a word of the error message */
} cases[] = {
	{ "ok with output",
	    OK_HEAD "bytes_out 812345\nsha256_out " SHA_B
		    "\ntransform jpeg q72 200dpi gray\nms 412\nend\n",
	    0, NULL },
	{ "ok probe only", OK_HEAD "end\n", 0, NULL },
	{ "ok without final newline", OK_HEAD "end", 0, NULL },
	{ "keys in any order",
	    "qujat-filter 1\nsha256_in " SHA_A "\npages 3\n"
	    "bytes_in 10\nheight 0\nwidth 0\next pdf\ntype application/pdf\n"
	    "status ok\nend\n",
	    0, NULL },
	{ "unknown key ignored", OK_HEAD "colour_pages 2\nend\n", 0, NULL },
	{ "corrupt",
	    "qujat-filter 1\nstatus corrupt\ntype image/png\n"
	    "detail crc error in IDAT\nend\n",
	    0, NULL },
	{ "limit",
	    "qujat-filter 1\nstatus limit\nlimit pixels\n"
	    "type image/jpeg\nend\n",
	    0, NULL },
	{ "unsupported",
	    "qujat-filter 1\nstatus unsupported\n"
	    "type application/zip\nend\n",
	    0, NULL },
	{ "engine fields",
	    OK_HEAD
	    "out_type application/pdf\nout_ext pdf\n"
	    "dpi 150\ncolor 1\nvariant keep 900000 100\n"
	    "variant j200q75c 400000 80\nvariant j150q40g 90000 30\nend\n",
	    0, NULL },
	{ "menu with offsets",
	    OK_HEAD
	    "variant keep 900 100 0 jpg\n"
	    "variant d200q70c 400 85 900 jpg\nvariant lossless 300 80 1300 pdf\n"
	    "menu_partial 1\nend\n",
	    0, NULL },
	{ "signed past 1", OK_HEAD "signed 2\nend\n", -EPROTO, "signed" },
	{ "color past 1", OK_HEAD "color 2\nend\n", -EPROTO, "color" },
	{ "variant offset without ext", OK_HEAD "variant keep 9 100 0\nend\n",
	    -EPROTO, "variant" },
	{ "variant bad ext", OK_HEAD "variant keep 9 100 0 exe\nend\n", -EPROTO,
	    "variant" },
	{ "variant extra field", OK_HEAD "variant keep 9 100 0 jpg x\nend\n",
	    -EPROTO, "variant" },
	{ "variant double space", OK_HEAD "variant keep  9 100\nend\n", -EPROTO,
	    "variant" },
	{ "lowres", "qujat-filter 1\nstatus lowres\ntype image/jpeg\nend\n", 0,
	    NULL },
	{ "variants out of order",
	    OK_HEAD "variant keep 9 100\n"
		    "variant a 5 100\nend\n",
	    -EPROTO, "best" },
	{ "variant bad id", OK_HEAD "variant Keep 9 100\nend\n", -EPROTO,
	    "variant" },
	{ "variant rank over 100", OK_HEAD "variant keep 9 101\nend\n", -EPROTO,
	    "variant" },
	{ "variant missing rank", OK_HEAD "variant keep 9\nend\n", -EPROTO,
	    "variant" },
	{ "out_ext unknown", OK_HEAD "out_type x/y\nout_ext exe\nend\n",
	    -EPROTO, "out_ext" },
	{ "out_ext without out_type", OK_HEAD "out_ext pdf\nend\n", -EPROTO,
	    "out_type" },
	{ "empty", "", -EPROTO, "empty" },
	{ "no magic", "status ok\nend\n", -EPROTO, "start" },
	{ "wrong version",
	    "qujat-filter 2\nstatus blank\ntype image/png\n"
	    "end\n",
	    -EPROTO, "start" },
	{ "truncated", OK_HEAD "bytes_out 8123", -EPROTO, "truncated" },
	{ "truncated after magic", "qujat-filter 1\n", -EPROTO, "truncated" },
	{ "data after end", OK_HEAD "end\nstatus ok\n", -EPROTO, "after" },
	{ "no status", "qujat-filter 1\ntype image/png\nend\n", -EPROTO,
	    "status" },
	{ "no type", "qujat-filter 1\nstatus blank\nend\n", -EPROTO, "type" },
	{ "ok without ext",
	    "qujat-filter 1\nstatus ok\ntype image/jpeg\n"
	    "width 1\nheight 1\npages 1\nbytes_in 1\nsha256_in " SHA_A
	    "\nend\n",
	    -EPROTO, "ext" },
	{ "ok without sha256_in",
	    "qujat-filter 1\nstatus ok\ntype image/jpeg\n"
	    "ext jpg\nwidth 1\nheight 1\npages 1\nbytes_in 1\nend\n",
	    -EPROTO, "sha256_in" },
	{ "limit without which",
	    "qujat-filter 1\nstatus limit\n"
	    "type image/jpeg\nend\n",
	    -EPROTO, "limit" },
	{ "limit unknown",
	    "qujat-filter 1\nstatus limit\nlimit ram\n"
	    "type image/jpeg\nend\n",
	    -EPROTO, "limit" },
	{ "bytes_out without sha", OK_HEAD "bytes_out 5\nend\n", -EPROTO,
	    "sha256_out" },
	{ "bad status", "qujat-filter 1\nstatus fine\ntype x\nend\n", -EPROTO,
	    "status" },
	{ "ext unknown",
	    "qujat-filter 1\nstatus ok\ntype image/gif\next gif\n"
	    "width 1\nheight 1\npages 1\nbytes_in 1\nsha256_in " SHA_A
	    "\nend\n",
	    -EPROTO, "ext" },
	{ "uppercase hex",
	    OK_HEAD
	    "bytes_out 5\nsha256_out "
	    "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"
	    "\nend\n",
	    -EPROTO, "sha256_out" },
	{ "short hex", OK_HEAD "bytes_out 5\nsha256_out abc\nend\n", -EPROTO,
	    "sha256_out" },
	{ "non-hex",
	    OK_HEAD
	    "bytes_out 5\nsha256_out "
	    "g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	    "\nend\n",
	    -EPROTO, "sha256_out" },
	{ "negative", OK_HEAD "ms -1\nend\n", -EPROTO, "ms" },
	{ "number with sign", OK_HEAD "ms +1\nend\n", -EPROTO, "ms" },
	{ "number overflow", OK_HEAD "ms 99999999999999999999\nend\n", -EPROTO,
	    "ms" },
	{ "width out of range",
	    "qujat-filter 1\nstatus ok\ntype image/png\n"
	    "ext png\nwidth 4294967296\nheight 1\npages 1\nbytes_in 1\n"
	    "sha256_in " SHA_A "\nend\n",
	    -EPROTO, "width" },
	{ "empty number", OK_HEAD "ms \nend\n", -EPROTO, "ms" },
	{ "duplicate key", OK_HEAD "status corrupt\nend\n", -EPROTO, "twice" },
	{ "no space", OK_HEAD "garbage\nend\n", -EPROTO, "key value" },
	{ "empty line", OK_HEAD "\nend\n", -EPROTO, "key value" },
	{ "control byte", OK_HEAD "detail a\tb\nend\n", -EPROTO, "printable" },
	{ "carriage return", "qujat-filter 1\r\nstatus blank\ntype x\nend\n",
	    -EPROTO, "printable" },
	{ "type too long",
	    "qujat-filter 1\nstatus blank\ntype "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nend\n",
	    -EPROTO, "type" },
};

static void
test_table(void **state)
{
	struct filter_report rep;
	struct qerr err;
	size_t i;
	int fails = 0, got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err.msg[0] = '\0';
		got = report_parse(cases[i].text, strlen(cases[i].text), &rep,
		    &err);
		if (got != cases[i].want ||
		    (cases[i].why && strstr(err.msg, cases[i].why) == NULL)) {
			printf("%s: got %d '%s', want %d '%s'\n", cases[i].name,
			    got, err.msg, cases[i].want,
			    cases[i].why ? cases[i].why : "");
			fails++;
		}
	}
	assert_int_equal(fails, 0);
}

static void
test_values(void **state)
{
	static const char text[] = OK_HEAD
	    "bytes_out 812345\nsha256_out " SHA_B
	    "\ntransform trailing data removed\nms 412\nend\n";
	struct filter_report rep;

	(void)state;
	assert_int_equal(report_parse(text, sizeof(text) - 1, &rep, NULL), 0);
	assert_int_equal(rep.status, FS_OK);
	assert_string_equal(rep.type, "image/jpeg");
	assert_string_equal(rep.ext, "jpg");
	assert_int_equal(rep.width, 2480);
	assert_int_equal(rep.height, 3508);
	assert_int_equal(rep.pages, 1);
	assert_int_equal(rep.bytes_in, 3912044);
	assert_int_equal(rep.bytes_out, 812345);
	assert_string_equal(rep.sha256_in, SHA_A);
	assert_string_equal(rep.sha256_out, SHA_B);
	assert_string_equal(rep.transform, "trailing data removed");
	assert_int_equal(rep.ms, 412);
	assert_string_equal(report_status_name(FS_ENCRYPTED), "encrypted");
	assert_string_equal(report_status_name(FS_LIMIT), "limit");
}

/* The engine's keys land in their fields; color is a full int64. */
static void
test_engine_values(void **state)
{
	static const char text[] = OK_HEAD
	    "out_type application/pdf\n"
	    "out_ext pdf\ndpi 150\ncolor 1\nvariant keep 900 100 0 pdf\n"
	    "variant d150q55g 400 68 900 pdf\nvariant d150q40g 300 62\n"
	    "menu_partial 1\nsigned 1\npage 2\nend\n";
	struct filter_report rep;

	(void)state;
	assert_int_equal(report_parse(text, sizeof(text) - 1, &rep, NULL), 0);
	assert_string_equal(rep.out_type, "application/pdf");
	assert_string_equal(rep.out_ext, "pdf");
	assert_int_equal(rep.dpi, 150);
	assert_int_equal(rep.color, 1);
	assert_int_equal(rep.nvariants, 3);
	assert_string_equal(rep.variants[1].id, "d150q55g");
	assert_int_equal(rep.variants[1].bytes, 400);
	assert_int_equal(rep.variants[1].rank, 68);
	assert_int_equal(rep.variants[1].offset, 900);
	assert_string_equal(rep.variants[1].ext, "pdf");
	assert_int_equal(rep.variants[2].offset, -1);
	assert_string_equal(rep.variants[2].ext, "");
	assert_int_equal(rep.menu_partial, 1);
	assert_int_equal(rep.signed_pdf, 1);
	assert_int_equal(rep.page, 2);
}

/* Over REPORT_MAX, a NUL inside, a long detail (cut, not refused). */
static void
test_sizes(void **state)
{
	size_t big = REPORT_MAX + 1;
	char *buf = malloc(big), text[600];
	struct filter_report rep;
	struct qerr err;
	int n;

	(void)state;
	assert_non_null(buf);
	memset(buf, 'a', big);
	memcpy(buf, OK_HEAD, strlen(OK_HEAD));
	memcpy(buf + big - 4, "end\n", 4);
	assert_int_equal(report_parse(buf, big, &rep, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "too large"));
	free(buf);

	n = snprintf(text, sizeof(text), OK_HEAD "end\n");
	text[20] = '\0';
	assert_int_equal(report_parse(text, (size_t)n, &rep, &err), -EPROTO);

	n = snprintf(text, sizeof(text),
	    "qujat-filter 1\nstatus corrupt\n"
	    "type image/png\ndetail %0300d\nend\n",
	    7);
	assert_int_equal(report_parse(text, (size_t)n, &rep, &err), 0);
	assert_int_equal(strlen(rep.detail), sizeof(rep.detail) - 1);
}

/* One report of each status through the worker's report_format and the
 * daemon's report_parse: every field the table names comes back as sent. */
static void
test_round_trip(void **state)
{
	struct filter_report in, out;
	char buf[REPORT_MAX];
	struct qerr err = { 0 };
	int n;

	(void)state;
	for (int st = 0; st < REPORT_NSTATUS; st++) {
		memset(&in, 0, sizeof(in));
		in.status = (enum filter_status)st;
		snprintf(in.type, sizeof(in.type), "image/jpeg");
		if (st == FS_LIMIT)
			snprintf(in.limit, sizeof(in.limit), "pixels");
		if (st == FS_OK) {
			snprintf(in.ext, sizeof(in.ext), "jpg");
			snprintf(in.out_type, sizeof(in.out_type),
			    "application/pdf");
			snprintf(in.out_ext, sizeof(in.out_ext), "pdf");
		}
		in.width = 2480, in.height = 3508, in.pages = 2;
		in.bytes_in = 3912044, in.bytes_out = 812345;
		snprintf(in.sha256_in, sizeof(in.sha256_in), "%s", SHA_A);
		snprintf(in.sha256_out, sizeof(in.sha256_out), "%s", SHA_B);
		in.dpi = 200, in.color = 1, in.menu_partial = 1, in.page = 2;
		in.signed_pdf = 1, in.ms = 412;
		snprintf(in.transform, sizeof(in.transform), "jpeg q72 200dpi");
		snprintf(in.detail, sizeof(in.detail), "a detail");
		in.nvariants = 2;
		in.variants[0] = (struct report_variant){ "keep", 812345, 100,
			0, "pdf" };
		in.variants[1] = (struct report_variant){ "d150q60g", 400000,
			80, -1, "" };
		n = report_format(&in, buf, sizeof(buf));
		assert_true(n > 0);
		if (report_parse(buf, (size_t)n, &out, &err) < 0)
			fail_msg("status %d: %s\n%s", st, err.msg, buf);
		for (int k = 0; k < RK_COUNT; k++) {
			const struct report_key *key = &report_keys[k];
			const char *a = (const char *)&in + key->off;
			const char *b = (const char *)&out + key->off;
			if (key->kind == R_VARIANT ||
			    (key->when == RW_OK_SET && st != FS_OK) ||
			    (key->when == RW_LIMIT && st != FS_LIMIT))
				continue;
			if (key->kind == R_NUM)
				assert_int_equal(
				    *(const int64_t *)(const void *)a,
				    *(const int64_t *)(const void *)b);
			else if (key->kind != R_STATUS)
				assert_string_equal(a, b);
		}
		assert_int_equal(out.status, in.status);
		assert_int_equal(out.nvariants, 2);
		assert_string_equal(out.variants[1].id, "d150q60g");
		assert_int_equal(out.variants[0].offset, 0);
		assert_int_equal(out.variants[1].offset, -1);
		assert_string_equal(out.variants[0].ext, "pdf");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_engine_values),
		cmocka_unit_test(test_sizes),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
