/* test_manifest.c: manifest_parse on a valid manifest, each field made
 * wrong, and hostile input (depth bomb, size, duplicate keys, bad UTF-8).
 * Loads the shipped catalogue; run from the repository root. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "catalogue.h"
#include "manifest.h"

#define ID "KZ-EDU-2026-000123"
#define SHA_UP \
	"9F2C000000000000000000000000000000000000000000000000000000E1E1E1"
#define SHA_LOW \
	"9f2c000000000000000000000000000000000000000000000000000000e1e1e1"

static const char base_json[] =
    "{\"version\": 1, \"application_id\": \"" ID "\","
    " \"service\": \"home_schooling\","
    " \"submitted_at\": \"2026-11-24T09:15:00+05:00\", \"locale\": \"kk\","
    " \"child\": {\"iin\": \"180512600157\"},"
    " \"applicant\": {\"iin\": \"850101300124\"},"
    " \"institution\": {\"id\": \"000140001239\", \"name\": \"No. 12\"},"
    " \"documents\": ["
    "  {\"file\": \"vkk-page1.jpg\", \"type\": \"vkk_conclusion\","
    "   \"bytes\": 3912044, \"sha256\": \"" SHA_UP "\"},"
    "  {\"file\": \"vkk-page2.jpg\", \"type\": \"vkk_conclusion\"}],"
    " \"future_field\": {\"x\": [1, 2]}}";

static const struct manifest_limits lim = { 1048576, 32, 50 };

static int
setup(void **state)
{
	struct catalogue *cat;
	struct qerr err;

	if (catalogue_load("conf/services.conf", "conf/messages.conf", &cat,
		&err) != 0) {
		printf("catalogue_load: %s\n", err.msg);
		return -1;
	}
	*state = cat;
	return 0;
}

static int
teardown(void **state)
{
	catalogue_free(*state);
	return 0;
}

static int
parse(const struct catalogue *cat, const char *text, const char *dir_id,
    const struct manifest_limits *l, struct manifest *m, struct reasons *r)
{
	return manifest_parse((const unsigned char *)text, strlen(text), dir_id,
	    l, cat, m, r);
}

static void
print_reasons(const struct reasons *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		printf("    got reason %s/%s file=%s detail=%s\n", r->v[i].code,
		    r->v[i].msg_key, r->v[i].file ? r->v[i].file : "-",
		    r->v[i].detail ? r->v[i].detail : "-");
}

static bool
has_reason(const struct reasons *r, const char *code, const char *key,
    const char *detail)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i].code, code) == 0 &&
		    strcmp(r->v[i].msg_key, key) == 0 &&
		    (detail == NULL ||
			(r->v[i].detail &&
			    strcmp(r->v[i].detail, detail) == 0)))
			return true;
	return false;
}

static void
test_valid(void **state)
{
	struct manifest m;
	struct reasons r = { 0 };

	assert_int_equal(parse(*state, base_json, ID, &lim, &m, &r), 0);
	print_reasons(&r);
	assert_int_equal(r.n, 0);
	assert_string_equal(m.application_id, ID);
	assert_string_equal(m.service, "home_schooling");
	assert_string_equal(m.locale, "kk");
	assert_string_equal(m.child_iin, "180512600157");
	assert_string_equal(m.applicant_iin, "850101300124");
	assert_string_equal(m.institution_id, "000140001239");
	assert_int_equal(m.ndocs, 2);
	assert_string_equal(m.docs[0].file, "vkk-page1.jpg");
	assert_string_equal(m.docs[0].type, "vkk_conclusion");
	assert_int_equal(m.docs[0].bytes, 3912044);
	assert_string_equal(m.docs[0].sha256, SHA_LOW);
	assert_string_equal(json_string_value(
				json_object_get(m.docs[0].entry, "sha256")),
	    SHA_LOW);
	assert_int_equal(m.docs[1].bytes, -1);
	assert_null(m.docs[1].sha256);
	manifest_release(&m);
	/* outside the spool (qujat check) any folder name will do */
	assert_int_equal(parse(*state, base_json, NULL, &lim, &m, &r), 0);
	assert_int_equal(r.n, 0);
	manifest_release(&m);
}

/* Each case replaces (or with value NULL removes) one member of the base
 * manifest, then expects one reason. */
static const struct {
	const char *key;
	const char *value; /* JSON text, or NULL to remove key */
	int want_rc;
	const char *code, *msg_key, *detail; /* code NULL: no reason */
} fields[] = {
	{ "version", NULL, 0, "manifest_invalid", "manifest_invalid",
	    "version" },
	{ "version", "\"1\"", 0, "manifest_invalid", "manifest_invalid",
	    "version" },
	{ "version", "2", 0, "manifest_invalid", "manifest_invalid",
	    "version" },
	{ "application_id", NULL, 0, "manifest_invalid", "manifest_invalid",
	    "application_id" },
	{ "application_id", "\"KZ-EDU-2026-000124\"", 0, "manifest_invalid",
	    "manifest_invalid", "application_id" },
	{ "application_id", "123", 0, "manifest_invalid", "manifest_invalid",
	    "application_id" },
	{ "service", NULL, 0, "manifest_invalid", "manifest_invalid",
	    "service" },
	{ "service", "[]", 0, "manifest_invalid", "manifest_invalid",
	    "service" },
	{ "service", "\"flying_lessons\"", 0, "service_unknown",
	    "service_unknown", "flying_lessons" },
	{ "submitted_at", NULL, 0, NULL, NULL, NULL },
	{ "submitted_at", "20261124", 0, "manifest_invalid", "manifest_invalid",
	    "submitted_at" },
	{ "locale", NULL, 0, "manifest_invalid", "manifest_invalid", "locale" },
	{ "locale", "\"de\"", 0, "manifest_invalid", "manifest_invalid",
	    "locale" },
	{ "locale", "\"ru\"", 0, NULL, NULL, NULL },
	{ "child", NULL, 0, "manifest_invalid", "manifest_invalid",
	    "child.iin" },
	{ "child", "{}", 0, "manifest_invalid", "manifest_invalid",
	    "child.iin" },
	{ "child", "{\"iin\": 180512600157}", 0, "manifest_invalid",
	    "manifest_invalid", "child.iin" },
	{ "child", "{\"iin\": \"180512600158\"}", 0, "iin_invalid",
	    "iin_invalid_child", "child.iin" },
	{ "child", "{\"iin\": \"12345678901\"}", 0, "iin_invalid",
	    "iin_invalid_child", "child.iin" },
	{ "applicant", NULL, 0, NULL, NULL, NULL },
	{ "applicant", "{}", 0, NULL, NULL, NULL },
	{ "applicant", "\"850101300124\"", 0, "manifest_invalid",
	    "manifest_invalid", "applicant" },
	{ "applicant", "{\"iin\": \"850101300125\"}", 0, "iin_invalid",
	    "iin_invalid_applicant", "applicant.iin" },
	{ "institution", NULL, 0, "manifest_invalid", "manifest_invalid",
	    "institution.id" },
	{ "institution", "{\"id\": 140001239}", 0, "manifest_invalid",
	    "manifest_invalid", "institution.id" },
	{ "institution", "{\"id\": \"\"}", 0, "manifest_invalid",
	    "manifest_invalid", "institution.id" },
	{ "documents", NULL, -EINVAL, "manifest_invalid", "manifest_invalid",
	    "documents" },
	{ "documents", "[]", -EINVAL, "manifest_invalid", "manifest_invalid",
	    "documents" },
	{ "documents", "{\"file\": \"a.jpg\"}", -EINVAL, "manifest_invalid",
	    "manifest_invalid", "documents" },
	{ "documents", "[\"a.jpg\"]", 0, "manifest_invalid", "manifest_invalid",
	    "documents[0]" },
	{ "documents", "[{\"type\": \"vkk_conclusion\"}]", 0,
	    "manifest_invalid", "manifest_invalid", "documents[0].file" },
	{ "documents", "[{\"file\": \".a.jpg\", \"type\": \"vkk_conclusion\"}]",
	    0, "manifest_invalid", "file_name_invalid", "documents[0].file" },
	{ "documents",
	    "[{\"file\": \"a/b.jpg\", \"type\": \"vkk_conclusion\"}]", 0,
	    "manifest_invalid", "file_name_invalid", "documents[0].file" },
	{ "documents",
	    "[{\"file\": \"report.json\", \"type\": "
	    "\"vkk_conclusion\"}]",
	    0, "manifest_invalid", "file_name_invalid", "documents[0].file" },
	{ "documents",
	    "[{\"file\": \"a\\u0001.jpg\", \"type\": "
	    "\"vkk_conclusion\"}]",
	    0, "manifest_invalid", "file_name_invalid", "documents[0].file" },
	{ "documents",
	    "[{\"file\": \"a.jpg\", \"type\": \"vkk_conclusion\"}, "
	    "{\"file\": \"a.jpg\", \"type\": \"vkk_conclusion\"}]",
	    0, "manifest_invalid", "file_listed_twice", "documents[1].file" },
	{ "documents", "[{\"file\": \"a.jpg\"}]", 0, "manifest_invalid",
	    "document_field_invalid", "documents[0].type" },
	{ "documents", "[{\"file\": \"a.jpg\", \"type\": \"passport\"}]", 0,
	    "manifest_invalid", "document_type_unknown", "passport" },
	{ "documents",
	    "[{\"file\": \"a.jpg\", \"type\": \"vkk_conclusion\", "
	    "\"bytes\": -1}]",
	    0, "manifest_invalid", "document_field_invalid",
	    "documents[0].bytes" },
	{ "documents",
	    "[{\"file\": \"a.jpg\", \"type\": \"vkk_conclusion\", "
	    "\"bytes\": 1.5}]",
	    0, "manifest_invalid", "document_field_invalid",
	    "documents[0].bytes" },
	{ "documents",
	    "[{\"file\": \"a.jpg\", \"type\": \"vkk_conclusion\", "
	    "\"sha256\": \"abc\"}]",
	    0, "manifest_invalid", "document_field_invalid",
	    "documents[0].sha256" },
	{ "documents",
	    "[{\"file\": \"a.jpg\", \"type\": \"vkk_conclusion\", "
	    "\"sha256\": \"" SHA_LOW "\", \"bytes\": 0}]",
	    0, NULL, NULL, NULL },
	{ "documents",
	    "[{\"file\": \"қағаз 1.jpg\", \"type\": "
	    "\"vkk_conclusion\"}]",
	    0, NULL, NULL, NULL },
};

static char *
edited(const char *key, const char *value)
{
	json_t *root = json_loads(base_json, 0, NULL);
	char *text;

	assert_non_null(root);
	if (value == NULL)
		json_object_del(root, key);
	else
		json_object_set_new(root, key,
		    json_loads(value, JSON_DECODE_ANY, NULL));
	text = json_dumps(root, 0);
	json_decref(root);
	assert_non_null(text);
	return text;
}

static void
test_fields(void **state)
{
	struct manifest m;
	size_t i;
	int rc, fails = 0;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		struct reasons r = { 0 };
		char *text = edited(fields[i].key, fields[i].value);
		rc = parse(*state, text, ID, &lim, &m, &r);
		if (rc != fields[i].want_rc ||
		    (fields[i].code == NULL ?
			    r.n != 0 :
			    (r.n != 1 ||
				!has_reason(&r, fields[i].code,
				    fields[i].msg_key, fields[i].detail)))) {
			printf("%s = %s: got %d, %zu reasons; want %d, %s/%s "
			       "detail=%s\n",
			    fields[i].key,
			    fields[i].value ? fields[i].value : "(removed)", rc,
			    r.n, fields[i].want_rc, fields[i].code,
			    fields[i].msg_key, fields[i].detail);
			print_reasons(&r);
			fails++;
		}
		if (rc == -EINVAL && (m.root != NULL || m.ndocs != 0))
			fails++;
		manifest_release(&m);
		reasons_release(&r);
		free(text);
	}
	assert_int_equal(fails, 0);
}

/* Expects rc -EINVAL with the single reason manifest_unreadable/detail. */
static void
expect_unreadable(const struct catalogue *cat, const char *text, size_t len,
    const char *detail)
{
	struct manifest m;
	struct reasons r = { 0 };
	int rc = manifest_parse((const unsigned char *)text, len, ID, &lim, cat,
	    &m, &r);

	if (rc != -EINVAL || r.n != 1 ||
	    !has_reason(&r, "manifest_invalid", "manifest_unreadable",
		detail)) {
		printf("got %d, %zu reasons; want %d manifest_unreadable %s\n",
		    rc, r.n, -EINVAL, detail);
		print_reasons(&r);
	}
	assert_int_equal(rc, -EINVAL);
	assert_true(
	    has_reason(&r, "manifest_invalid", "manifest_unreadable", detail));
	assert_null(m.root);
	manifest_release(&m);
	reasons_release(&r);
}

static void
test_depth_bomb(void **state)
{
	size_t n = 10000, i;
	char *text = malloc(2 * n + 1);

	assert_non_null(text);
	for (i = 0; i < n; i++) {
		text[i] = '[';
		text[2 * n - 1 - i] = ']';
	}
	text[2 * n] = '\0';
	expect_unreadable(*state, text, 2 * n, "depth");
	memset(text, '{', 2 * n); /* unbalanced too */
	expect_unreadable(*state, text, 2 * n, "depth");
	free(text);
}

/* Brackets inside strings do not count towards the depth. */
static void
test_depth_strings(void **state)
{
	char *text = edited("note",
	    "\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	    "[[[[[[[[ \\\" [[[[\"");
	struct manifest m;
	struct reasons r = { 0 };

	assert_int_equal(parse(*state, text, ID, &lim, &m, &r), 0);
	assert_int_equal(r.n, 0);
	manifest_release(&m);
	free(text);
}

static void
test_big(void **state)
{
	size_t big = 2 << 20, len;
	char *text = malloc(big + 64);

	assert_non_null(text);
	len = (size_t)snprintf(text, 64, "{\"pad\": \"");
	memset(text + len, 'a', big);
	strcpy(text + len + big, "\"}");
	expect_unreadable(*state, text, strlen(text), "size");
	free(text);
}

static void
test_bad_json(void **state)
{
	static const char dup[] = "{\"version\": 1, \"version\": 1}";
	static const char utf8[] = "{\"version\": 1, \"x\": \"\xc3\x28\"}";
	static const char overlong[] = "{\"x\": \"\xc0\xaf\"}";
	static const char nul[] = "{\"x\": \"a\\u0000b\"}";
	static const char trailing[] = "{\"version\": 1} {}";

	expect_unreadable(*state, dup, sizeof(dup) - 1, "json");
	expect_unreadable(*state, utf8, sizeof(utf8) - 1, "json");
	expect_unreadable(*state, overlong, sizeof(overlong) - 1, "json");
	expect_unreadable(*state, nul, sizeof(nul) - 1, "json");
	expect_unreadable(*state, trailing, sizeof(trailing) - 1, "json");
	expect_unreadable(*state, "[1]", 3, "json");
	expect_unreadable(*state, "", 0, "json");
	expect_unreadable(*state, "{\"a\":", 5, "json");
}

/* One manifest, many faults: every one is listed. */
static void
test_all_reasons(void **state)
{
	static const char text[] =
	    "{\"version\": 2, \"application_id\": \"OTHER\","
	    " \"service\": \"flying\", \"locale\": \"fr\","
	    " \"child\": {\"iin\": \"180512600158\"},"
	    " \"applicant\": {\"iin\": \"1\"},"
	    " \"documents\": ["
	    "  {\"file\": \".x\", \"type\": \"vkk_conclusion\"},"
	    "  {\"file\": \"a.jpg\", \"type\": \"passport\"},"
	    "  {\"file\": \"a.jpg\", \"type\": \"vkk_conclusion\"},"
	    "  {\"file\": \"b.jpg\", \"type\": \"vkk_conclusion\","
	    "   \"bytes\": \"5\"}]}";
	static const struct manifest_limits small = { 4096, 8, 3 };
	struct manifest m;
	struct reasons r = { 0 };

	assert_int_equal(parse(*state, text, ID, &small, &m, &r), 0);
	if (r.n != 12)
		print_reasons(&r);
	assert_true(
	    has_reason(&r, "manifest_invalid", "manifest_invalid", "version"));
	assert_true(has_reason(&r, "manifest_invalid", "manifest_invalid",
	    "application_id"));
	assert_true(
	    has_reason(&r, "service_unknown", "service_unknown", "flying"));
	assert_true(
	    has_reason(&r, "manifest_invalid", "manifest_invalid", "locale"));
	assert_true(has_reason(&r, "iin_invalid", "iin_invalid_child", NULL));
	assert_true(
	    has_reason(&r, "iin_invalid", "iin_invalid_applicant", NULL));
	assert_true(has_reason(&r, "manifest_invalid", "manifest_invalid",
	    "institution.id"));
	assert_true(
	    has_reason(&r, "manifest_invalid", "file_name_invalid", NULL));
	assert_true(has_reason(&r, "manifest_invalid", "document_type_unknown",
	    "passport"));
	assert_true(
	    has_reason(&r, "manifest_invalid", "file_listed_twice", NULL));
	assert_true(has_reason(&r, "manifest_invalid", "document_field_invalid",
	    "documents[3].bytes"));
	assert_true(has_reason(&r, "limit_exceeded", "limit_files", "3"));
	assert_int_equal(r.n, 12);
	assert_int_equal(m.ndocs, 2); /* a.jpg and b.jpg */
	assert_null(m.locale);
	assert_null(m.application_id);
	assert_null(m.child_iin);
	manifest_release(&m);
	reasons_release(&r);
}

static void
test_names(void **state)
{
	static const struct {
		const char *s;
		int id, file;
	} names[] = {
		{ "KZ-EDU-2026-000123", 1, 1 }, { "a", 1, 1 },
		{ "a.b_c-d", 1, 1 }, { "-a", 0, 1 }, { ".a", 0, 0 },
		{ "", 0, 0 }, { "a b", 0, 1 }, { "a/b", 0, 0 },
		{ "скан.jpg", 0, 1 }, { "a\x7f", 0, 0 }, { "a\n", 0, 0 },
		{ "a\xc2\x85", 0, 0 },	   /* NEL, a C1 control */
		{ "a\xc3\x28", 0, 0 },	   /* invalid UTF-8 */
		{ "a\xed\xa0\x80", 0, 0 }, /* a surrogate */
	};
	char long_id[130], long_name[257];
	size_t i;
	int fails = 0;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (manifest_id_valid(names[i].s) != names[i].id ||
		    manifest_file_name_valid(names[i].s) != names[i].file) {
			printf("'%s': got id %d file %d, want %d %d\n",
			    names[i].s, manifest_id_valid(names[i].s),
			    manifest_file_name_valid(names[i].s), names[i].id,
			    names[i].file);
			fails++;
		}
	assert_int_equal(fails, 0);
	memset(long_id, 'a', sizeof(long_id));
	long_id[128] = '\0';
	assert_true(manifest_id_valid(long_id));
	long_id[128] = 'a';
	long_id[129] = '\0';
	assert_false(manifest_id_valid(long_id));
	memset(long_name, 'a', sizeof(long_name));
	long_name[255] = '\0';
	assert_true(manifest_file_name_valid(long_name));
	long_name[255] = 'a';
	long_name[256] = '\0';
	assert_false(manifest_file_name_valid(long_name));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_depth_bomb),
		cmocka_unit_test(test_depth_strings),
		cmocka_unit_test(test_big),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_all_reasons),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("manifest", tests, setup, teardown);
}
