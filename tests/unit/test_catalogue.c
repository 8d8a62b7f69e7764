/* test_catalogue.c: conf/services.conf and conf/messages.conf as shipped
 * (run from the repository root), and load errors in edited copies. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "catalogue.h"

#define NBSP "\xc2\xa0"
#define SERVICES "conf/services.conf"
#define MESSAGES "conf/messages.conf"

/* iin_invalid has no text of its own: every IIN refused is the child's
 * or the applicant's (the finer keys below). */
static const char *const contract_codes[] = { "manifest_invalid",
	"service_unknown", "file_missing", "file_unlisted", "file_not_regular",
	"type_unsupported", "file_corrupt", "pdf_encrypted", "limit_exceeded",
	"blank_page", "resolution_too_low", "document_missing",
	"duplicate_application", "too_large", "processing_failed",
	/* finer keys */
	"limit_files", "limit_file_bytes", "limit_pixels", "limit_pages",
	"limit_objects", "file_size_mismatch", "file_checksum_mismatch",
	"document_missing_group", "iin_invalid_child", "iin_invalid_applicant",
	"document_not_in_checklist", "document_missing_alternative",
	"processing_failed_bundle", "limit_stream", "too_large_signed",
	"blank_page_in_document", NULL };

static const char *const g1[] = {
	"asp_certificate",
	"unemployed_certificate",
	"income_documents",
	"guardianship_decision",
	"collegial_decision",
};

/* services.md: the required entries, and one set that meets each. */
static const struct {
	const char *service;
	const char *req[4];
	const char *have[4];
} services[] = {
	{ "school_admission",
	    { "photo_3x4", "med_065u", "med_052_2u|med_026u3" },
	    { "photo_3x4", "med_065u", "med_052_2u" } },
	{ "free_transport", { "school_certificate" },
	    { "school_certificate" } },
	{ "free_meals", { "G1" }, { "income_documents" } },
	{ "summer_camp", { "G1", "medical_079u" },
	    { "asp_certificate", "medical_079u" } },
	{ "home_schooling", { "vkk_conclusion" }, { "vkk_conclusion" } },
	{ "special_education", { "pmpc_conclusion" }, { "pmpc_conclusion" } },
};

#define NSERVICES (sizeof(services) / sizeof(services[0]))

static int
setup(void **state)
{
	struct catalogue *cat;
	struct qerr err;

	if (catalogue_load(SERVICES, MESSAGES, &cat, &err) != 0) {
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

static size_t
count(const char *const *v)
{
	size_t n = 0;

	while (n < 4 && v[n] != NULL)
		n++;
	return n;
}

static void
test_complete(void **state)
{
	struct catalogue *cat = *state;
	struct missing miss[8];
	size_t i;
	int n, fails = 0;

	for (i = 0; i < NSERVICES; i++) {
		n = catalogue_check(cat, services[i].service, services[i].have,
		    count(services[i].have), miss, 8);
		if (n != 0) {
			printf("%s: got %d missing, want 0\n",
			    services[i].service, n);
			fails++;
		}
	}
	assert_int_equal(fails, 0);
	assert_int_equal(catalogue_check(cat, "no_such", NULL, 0, miss, 8),
	    -ENOENT);
}

/* Leaves out the document meeting entry j; only entry j is missing. */
static int
check_without(const struct catalogue *cat, size_t i, size_t j)
{
	const char *have[4];
	struct missing miss[8];
	size_t k, n = 0;
	int got;
	const char *want_key = strcmp(services[i].req[j], "G1") == 0 ?
	    "document_missing_group" :
	    strchr(services[i].req[j], '|') ? "document_missing_alternative" :
					      "document_missing";

	for (k = 0; k < count(services[i].have); k++)
		if (k != j)
			have[n++] = services[i].have[k];
	got = catalogue_check(cat, services[i].service, have, n, miss, 8);
	if (got != 1 || strcmp(miss[0].document, services[i].req[j]) != 0 ||
	    strcmp(miss[0].msg_key, want_key) != 0) {
		printf("%s without %s: got %d '%s' '%s', want 1 '%s' '%s'\n",
		    services[i].service, services[i].have[j], got,
		    got > 0 ? miss[0].document : "",
		    got > 0 ? miss[0].msg_key : "", services[i].req[j],
		    want_key);
		return 1;
	}
	return 0;
}

static void
test_each_missing(void **state)
{
	size_t i, j;
	int fails = 0;

	for (i = 0; i < NSERVICES; i++)
		for (j = 0; j < count(services[i].req); j++)
			fails += check_without(*state, i, j);
	assert_int_equal(fails, 0);
}

static void
test_alternatives_and_group(void **state)
{
	struct catalogue *cat = *state;
	const char *sa[] = { "photo_3x4", "med_065u", "med_026u3" };
	const char *none[] = { "birth_certificate" };
	struct missing miss[8];
	size_t i;

	assert_int_equal(catalogue_check(cat, "school_admission", sa, 3, miss,
			     8),
	    0);
	for (i = 0; i < 5; i++)
		assert_int_equal(catalogue_check(cat, "free_meals", &g1[i], 1,
				     miss, 8),
		    0);
	assert_int_equal(catalogue_check(cat, "school_admission", none, 1, miss,
			     8),
	    3);
	assert_string_equal(miss[2].document, "med_052_2u|med_026u3");
	assert_int_equal(catalogue_check(cat, "school_admission", none, 1, miss,
			     2),
	    2);
	assert_int_equal(catalogue_check(cat, "summer_camp", none, 1, miss, 8),
	    2);
	assert_string_equal(miss[0].document, "G1");
	assert_string_equal(miss[0].msg_key, "document_missing_group");
}

static void
test_lookups(void **state)
{
	struct catalogue *cat = *state;

	assert_true(catalogue_has_service(cat, "home_schooling"));
	assert_false(catalogue_has_service(cat, "G1"));
	assert_false(catalogue_has_service(cat, NULL));
	assert_true(catalogue_has_document(cat, "med_026u3"));
	assert_false(catalogue_has_document(cat, "G1"));
	assert_false(catalogue_has_document(cat, "med_052"));
	assert_true(catalogue_is_photo(cat, "photo_3x4"));
	assert_false(catalogue_is_photo(cat, "med_065u"));
	assert_true(
	    catalogue_service_lists(cat, "school_admission", "med_026u3"));
	assert_true(
	    catalogue_service_lists(cat, "school_admission", "migration_card"));
	assert_true(
	    catalogue_service_lists(cat, "summer_camp", "collegial_decision"));
	assert_false(
	    catalogue_service_lists(cat, "free_meals", "vkk_conclusion"));
	assert_false(catalogue_service_lists(cat, "school_admission", "med"));
}

static void
expect_names(const struct catalogue *cat, const char *code, enum lang l,
    const char *want)
{
	char *got = catalogue_document_names(cat, code, l);

	if (got == NULL || strcmp(got, want) != 0)
		printf("names(%s, %s): got '%s', want '%s'\n", code,
		    lang_code[l], got ? got : "(null)", want);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_names(void **state)
{
	struct catalogue *cat = *state;

	expect_names(cat, "vkk_conclusion", LANG_EN,
	    "“Conclusion of the medical advisory commission (VKK) "
	    "recommending home schooling”");
	expect_names(cat, "med_052_2u|med_026u3", LANG_RU,
	    "«Паспорт здоровья ребёнка ф." NBSP "№" NBSP "052-2/у» или "
	    "«Паспорт здоровья ребёнка ф." NBSP "№" NBSP "026/у-3»");
	expect_names(cat, "med_052_2u|med_026u3", LANG_KK,
	    "«Бала денсаулығының паспорты, №" NBSP "052-2/у нысаны» немесе "
	    "«Бала денсаулығының паспорты, №" NBSP "026/у-3 нысаны»");
	expect_names(cat, "G1", LANG_EN,
	    "“Certificate that the family receives state targeted social "
	    "assistance”; “Certificate of registration as unemployed”; "
	    "“Documents on the family’s income”; "
	    "“Decision of the authorised body on guardianship or foster "
	    "care” or “Decision of the school’s collegial governing body”");
	expect_names(cat, "photo_3x4", LANG_KK,
	    "«Баланың 3×4" NBSP "см цифрлық фотосуреті»");
	expect_names(cat, "no_such_type", LANG_KK, "«no_such_type»");
	expect_names(cat, "med_065u|nope|x", LANG_EN,
	    "“Health certificate, form 065/u”, “nope” or “x”");
}

static void
expect_render(const struct catalogue *cat, const char *key, enum lang l,
    const char *file, const char *doc, const char *detail, const char *want)
{
	char *got = catalogue_render(cat, key, l, file, doc, detail);

	if (got == NULL || strstr(got, want) == NULL)
		printf("render(%s, %s): got '%s', want it to hold '%s'\n", key,
		    lang_code[l], got ? got : "(null)", want);
	assert_non_null(got);
	assert_non_null(strstr(got, want));
	free(got);
}

static void
test_render(void **state)
{
	struct catalogue *cat = *state;

	expect_render(cat, "file_corrupt", LANG_KK, "scan1.jpg", NULL, NULL,
	    "«scan1.jpg» файлы");
	expect_render(cat, "file_corrupt", LANG_RU, "scan1.jpg", NULL, NULL,
	    "Файл «scan1.jpg» повреждён");
	expect_render(cat, "file_corrupt", LANG_EN, "scan1.jpg", NULL, NULL,
	    "The file “scan1.jpg” is damaged");
	expect_render(cat, "limit_files", LANG_EN, NULL, NULL, "50",
	    "at most 50 may");
	expect_render(cat, "limit_files", LANG_RU, NULL, NULL, "50",
	    "не более 50.");
	expect_render(cat, "limit_files", LANG_KK, NULL, NULL, "50",
	    "ең көбі 50 файл");
	expect_render(cat, "document_missing", LANG_RU, NULL, "Справка X", NULL,
	    "документ: Справка X.");
	/* a value is never expanded again */
	expect_render(cat, "file_missing", LANG_EN, "{detail}{file}.jpg", NULL,
	    "BAD", "“{detail}{file}.jpg”");
	/* NULL values render empty */
	expect_render(cat, "file_missing", LANG_RU, NULL, NULL, NULL,
	    "Файл «» указан");
	assert_null(
	    catalogue_render(cat, "no_such_key", LANG_EN, NULL, NULL, NULL));
}

static void
test_every_code(void **state)
{
	struct catalogue *cat = *state;
	const char *const *k;
	char *t;
	int l, fails = 0;

	for (k = contract_codes; *k != NULL; k++) {
		if (!catalogue_has_message(cat, *k)) {
			printf("no text for %s\n", *k);
			fails++;
			continue;
		}
		for (l = 0; l < LANG_COUNT; l++) {
			t = catalogue_render(cat, *k, (enum lang)l, "f.jpg",
			    "D", "9");
			if (t == NULL || strlen(t) < 40 || strchr(t, '{') ||
			    t[strlen(t) - 1] != '.') {
				printf("%s/%s: got '%s', want a whole "
				       "sentence\n",
				    *k, lang_code[l], t ? t : "(null)");
				fails++;
			}
			free(t);
		}
	}
	assert_int_equal(fails, 0);
}

/* --- the rules of spec/services.md "Refusal texts", over every text --- */

/* Keys whose {detail} is a field, a code or a page, shown as it is. */
static const char *const detail_keys[] = { "manifest_invalid",
	"document_field_invalid", "document_type_unknown", "service_unknown",
	"blank_page_in_document", NULL };

/* Not a fault the parent fixes by submitting again. */
static const char *const no_resubmit_keys[] = { "duplicate_application",
	"document_not_in_checklist", NULL };

static const char *const resubmit[LANG_COUNT] = { "өтінімді",
	"одайте заявление ещё раз", "submit the application again" };

static bool
listed(const char *const *v, const char *key)
{
	for (; *v != NULL; v++)
		if (strcmp(*v, key) == 0)
			return true;
	return false;
}

/* A digit, then a plain space, then unit: needs a no-break space. */
static bool
plain_space_before(const char *t, const char *unit)
{
	size_t n = strlen(unit);

	for (const char *p = strchr(t, ' '); p != NULL; p = strchr(p + 1, ' '))
		if (p > t && p[-1] >= '0' && p[-1] <= '9' &&
		    strncmp(p + 1, unit, n) == 0)
			return true;
	return strstr(t, "№ ") != NULL;
}

static bool
has_raw_number(const char *t)
{
	int run = 0;

	for (; *t; t++) {
		run = *t >= '0' && *t <= '9' ? run + 1 : 0;
		if (run >= 5)
			return true;
	}
	return false;
}

/* «өтініш» is the applicant only («өтініш беруші»); else «өтінім». */
static bool
kk_wrong_word(const char *t)
{
	static const char *const w[] = { "өтініш", "Өтініш" };

	for (int i = 0; i < 2; i++)
		for (const char *p = strstr(t, w[i]); p;
		     p = strstr(p + 1, w[i]))
			if (strncmp(p + strlen(w[i]), " беруш", 11) != 0)
				return true;
	return strstr(t, "сығу") || strstr(t, "болуы мүмкін") ||
	    (strstr(t, "байт") && !strstr(t, "Мбайт"));
}

/* The rule text breaks, or NULL. */
static const char *
rule_broken(const char *key, enum lang l, const char *t)
{
	if (strstr(t, " / "))
		return "\" / \" joins";
	if (!listed(detail_keys, key) && has_raw_number(t))
		return "a raw number";
	if (!listed(no_resubmit_keys, key) && !strstr(t, resubmit[l]) &&
	    !(l == LANG_KK && strstr(t, "Өтінімді")))
		return "no 'submit the application again'";
	if (l == LANG_KK && kk_wrong_word(t))
		return "«өтініш» without «беруші», «сығу», «болуы мүмкін» "
		       "or «байт»";
	if (l == LANG_KK && strstr(t, "қайта беріңіз") == NULL &&
	    !listed(no_resubmit_keys, key))
		return "no «қайта беріңіз»";
	if (l == LANG_RU &&
	    (strstr(t, "не читаются") || strstr(t, "через печать")))
		return "colloquial Russian";
	if (l == LANG_EN && (strchr(t, '\'') || strchr(t, '"')))
		return "straight quotes or apostrophes";
	if (plain_space_before(t, "dpi") || plain_space_before(t, "Мбайт") ||
	    plain_space_before(t, "МБ") || plain_space_before(t, "MB") ||
	    plain_space_before(t, "см") || plain_space_before(t, "cm"))
		return "a plain space where a no-break space belongs";
	return NULL;
}

static const char *
doc_for(const char *key)
{
	if (strcmp(key, "document_missing_alternative") == 0)
		return "med_052_2u|med_026u3";
	if (strcmp(key, "document_missing_group") == 0)
		return "G1";
	return "med_065u";
}

static void
test_text_rules(void **state)
{
	struct catalogue *cat = *state;
	const char *key, *why;
	size_t i, n = 0;
	int l, fails = 0;

	for (i = 0; (key = catalogue_message_key(cat, i)) != NULL; i++) {
		for (l = 0; l < LANG_COUNT; l++, n++) {
			char *doc = catalogue_document_names(cat, doc_for(key),
			    (enum lang)l);
			char *t = catalogue_render(cat, key, (enum lang)l,
			    "scan1.jpg", doc, "123456789");
			if ((why = rule_broken(key, (enum lang)l, t)) != NULL) {
				printf("%s/%s: %s: '%s'\n", key, lang_code[l],
				    why, t);
				fails++;
			}
			free(t);
			free(doc);
		}
	}
	printf("text rules: %zu texts of %zu keys\n", n, i);
	assert_true(i >= 35);
	assert_int_equal(fails, 0);
}

/* A rule the scan above must catch, so that it cannot pass blindly. */
static void
test_text_rules_catch(void **state)
{
	(void)state;
	assert_non_null(rule_broken("x", LANG_KK, "Өтінішті қайта беріңіз."));
	assert_null(rule_broken("x", LANG_KK,
	    "Өтініш берушінің ЖСН-і. "
	    "Өтінімді қайта беріңіз."));
	assert_non_null(rule_broken("x", LANG_RU,
	    "Файл больше 52428800 байт. "
	    "Подайте заявление ещё раз."));
	assert_non_null(rule_broken("x", LANG_EN,
	    "A / B. Please submit the "
	    "application again."));
	assert_non_null(rule_broken("x", LANG_EN, "Please attach it again."));
	assert_non_null(rule_broken("x", LANG_EN,
	    "The child's photo. Please "
	    "submit the application again."));
	assert_non_null(rule_broken("x", LANG_RU,
	    "Не более 5 МБ. Подайте "
	    "заявление ещё раз."));
}

static void
expect_text(const struct catalogue *cat, const char *key, enum lang l,
    const char *doc, const char *detail, const char *want)
{
	char *names = doc ? catalogue_document_names(cat, doc, l) : NULL;

	expect_render(cat, key, l, "f.jpg", names, detail, want);
	free(names);
}

/* Sizes in Мбайт / МБ / MB with a decimal comma in kk and ru, counts
 * grouped, either/or with немесе / или / or. */
static void
test_numbers_and_alternatives(void **state)
{
	struct catalogue *cat = *state;

	expect_text(cat, "limit_file_bytes", LANG_KK, NULL, "52428800",
	    "52,4" NBSP "Мбайт шегінен");
	expect_text(cat, "limit_file_bytes", LANG_RU, NULL, "52428800",
	    "превышает 52,4" NBSP "МБ.");
	expect_text(cat, "limit_file_bytes", LANG_EN, NULL, "52428800",
	    "over 52.4" NBSP "MB.");
	expect_text(cat, "too_large", LANG_KK, NULL, "5000000",
	    "рұқсат етілген 5" NBSP "Мбайт шегінен");
	expect_text(cat, "too_large", LANG_RU, NULL, "60000",
	    "допустимые 0,06" NBSP "МБ;");
	expect_text(cat, "limit_stream", LANG_EN, NULL, "268435456",
	    "permitted 268" NBSP "MB when");
	expect_text(cat, "limit_pixels", LANG_KK, NULL, "100000000",
	    "пиксель саны 100" NBSP "000" NBSP "000 шегінен");
	expect_text(cat, "limit_pixels", LANG_RU, NULL, "100000000",
	    "более 100" NBSP "000" NBSP "000 пикселей");
	expect_text(cat, "limit_pixels", LANG_EN, NULL, "100000000",
	    "more than 100,000,000 pixels");
	expect_text(cat, "limit_files", LANG_RU, NULL, "50", "не более 50.");
	expect_text(cat, "document_missing_alternative", LANG_EN,
	    "med_052_2u|med_026u3", NULL,
	    "missing, one of: “Child health "
	    "passport, form 052-2/u” or “Child health passport, form "
	    "026/u-3”. Please attach one of them");
	expect_text(cat, "document_missing_alternative", LANG_KK,
	    "med_052_2u|med_026u3", NULL, "052-2/у нысаны» немесе «Бала");
	expect_text(cat, "document_missing_group", LANG_RU, "G1", NULL,
	    "патронатного воспитания» или «Решение коллегиального");
}

/* --- load errors, on edited copies of the shipped files --- */

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Writes src with the first from replaced by to into path; returns the
 * line the replacement starts on. */
static int
write_edit(const char *src, const char *from, const char *to, const char *path)
{
	char *text = slurp(src), *at = strstr(text, from), *p;
	FILE *f = fopen(path, "w");
	int line = 1;

	assert_non_null(at);
	assert_non_null(f);
	for (p = text; p < at; p++)
		line += *p == '\n';
	fwrite(text, 1, (size_t)(at - text), f);
	fputs(to, f);
	fputs(at + strlen(from), f);
	fclose(f);
	free(text);
	return line;
}

static const struct {
	const char *name;
	int services; /* edit services.conf, else messages.conf */
	const char *from, *to;
	const char *want; /* in the error message */
	int line_of_edit; /* err.line is the edited line */
} bad_cases[] = {
	{ "unknown type in service", 1, "\"med_052_2u|med_026u3\"",
	    "\"med_052_2u|med_999\"",
	    "requires unknown document "
	    "'med_052_2u|med_999'",
	    0 },
	{ "unknown optional", 1, "\"migration_card\",", "\"passport\",",
	    "lists unknown document 'passport'", 0 },
	{ "unknown key in type", 1, "photo = true;", "foto = true;",
	    "unknown key 'foto'", 1 },
	{ "photo not bool", 1, "photo = true;", "photo = 1;",
	    "'photo' must be true or false", 1 },
	{ "no required", 1, "required = [ \"vkk_conclusion\" ];",
	    "optional = [ \"vkk_conclusion\" ];", "has no required", 0 },
	{ "unknown group member", 1, "\"income_documents\",", "\"incomes\",",
	    "group 'G1' lists unknown document 'incomes'", 0 },
	{ "syntax", 1, "free_meals = {", "free_meals = {{", "syntax error", 1 },
	{ "missing key", 0, "too_large = {", "too_larg = {",
	    "no text for 'too_large'", 0 },
	{ "missing language", 0, "  en = \"The service", "  fr = \"The service",
	    "unknown key 'fr'", 1 },
	{ "unknown placeholder", 0, "«{file}» файлы бүлінген",
	    "«{fiel}» файлы бүлінген", "unknown placeholder '{fiel}", 0 },
};

static void
test_load_errors(void **state)
{
	char dir[] = "/tmp/qujat-cat-XXXXXX", s[64], m[64];
	struct catalogue *cat;
	struct qerr err;
	size_t i;
	int line, rc, fails = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(s, sizeof(s), "%s/services.conf", dir);
	snprintf(m, sizeof(m), "%s/messages.conf", dir);
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const char *src = bad_cases[i].services ? SERVICES : MESSAGES;
		line = write_edit(src, bad_cases[i].from, bad_cases[i].to,
		    bad_cases[i].services ? s : m);
		write_edit(bad_cases[i].services ? MESSAGES : SERVICES, "#",
		    "#", bad_cases[i].services ? m : s);
		err.msg[0] = '\0';
		err.line = -1;
		rc = catalogue_load(s, m, &cat, &err);
		if (rc != -EINVAL || !strstr(err.msg, bad_cases[i].want) ||
		    (bad_cases[i].line_of_edit && err.line != line)) {
			printf("%s: got %d '%s' line %d, want %d '%s' line "
			       "%d\n",
			    bad_cases[i].name, rc, err.msg, err.line, -EINVAL,
			    bad_cases[i].want, line);
			fails++;
		}
	}
	unlink(s);
	unlink(m);
	rmdir(dir);
	assert_int_equal(fails, 0);
	assert_int_equal(catalogue_load("/nonexistent/s.conf", MESSAGES, &cat,
			     &err),
	    -ENOENT);
	assert_non_null(strstr(err.msg, "cannot open '/nonexistent/s.conf'"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_complete),
		cmocka_unit_test(test_each_missing),
		cmocka_unit_test(test_alternatives_and_group),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_text_rules),
		cmocka_unit_test(test_text_rules_catch),
		cmocka_unit_test(test_numbers_and_alternatives),
		cmocka_unit_test(test_every_code),
		cmocka_unit_test(test_load_errors),
	};

	return cmocka_run_group_tests_name("catalogue", tests, setup, teardown);
}
