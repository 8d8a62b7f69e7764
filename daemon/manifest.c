/*
 * manifest.c: reads manifest.json (spec/contract.md section 2).
 * SECURITY: the one producer-written file the trusted daemon parses. Its
 * size and nesting depth are bounded by a flat scanner before jansson (whose
 * parser recurses) sees it; every field is type-checked before use.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "iin.h"
#include "manifest.h"

#define DETAIL_MAX 64

static const char *const reserved_names[] = { "manifest.json", "report.json",
	"refusal.json", NULL };

/* ASCII only, whatever the locale */
static bool
ascii_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

int
manifest_id_valid(const char *id)
{
	size_t i;

	if (id == NULL || !ascii_alnum(id[0]))
		return 0;
	for (i = 1; id[i] != '\0'; i++)
		if (i > 127 ||
		    !(ascii_alnum(id[i]) || id[i] == '.' || id[i] == '_' ||
			id[i] == '-'))
			return 0;
	return 1;
}

int
manifest_file_name_valid(const char *name)
{
	json_t *probe;
	size_t i, len;

	if (name == NULL || name[0] == '\0' || name[0] == '.')
		return 0;
	if ((len = strlen(name)) > 255)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x20 || c == 0x7f || c == '/')
			return 0;
		/* C1 controls, U+0080..U+009F */
		if (c == 0xc2 && (unsigned char)name[i + 1] >= 0x80 &&
		    (unsigned char)name[i + 1] <= 0x9f)
			return 0;
	}
	/* jansson refuses a string that is not valid UTF-8 */
	if ((probe = json_string(name)) == NULL)
		return 0;
	json_decref(probe);
	return 1;
}

/* Nesting depth of JSON text, counted without recursion; strings skipped
 * so a bracket inside one does not count. Stops once over max. */
static size_t
json_depth(const unsigned char *buf, size_t len, size_t max)
{
	size_t i, depth = 0, deepest = 0;
	bool in_str = false;

	for (i = 0; i < len && deepest <= max; i++) {
		if (in_str) {
			if (buf[i] == '\\')
				i++;
			else if (buf[i] == '"')
				in_str = false;
		} else if (buf[i] == '"') {
			in_str = true;
		} else if (buf[i] == '{' || buf[i] == '[') {
			if (++depth > deepest)
				deepest = depth;
		} else if ((buf[i] == '}' || buf[i] == ']') && depth > 0) {
			depth--;
		}
	}
	return deepest;
}

/* Adds manifest_invalid for field with the text of key; a fault in one
 * document's entry gets the text that names its file. */
static void
bad(struct reasons *r, const char *key, const char *field, const char *file)
{
	if (file && strcmp(key, "manifest_invalid") == 0)
		key = "document_field_invalid";
	reasons_add(r, "manifest_invalid", key, file, NULL, field);
}

static const char *
get_str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static json_t *
load(const unsigned char *buf, size_t len, const struct manifest_limits *lim,
    struct reasons *r)
{
	json_error_t jerr;
	json_t *root;

	if (len > lim->max_bytes) {
		bad(r, "manifest_unreadable", "size", NULL);
		return NULL;
	}
	if (json_depth(buf, len, lim->max_depth) > lim->max_depth) {
		bad(r, "manifest_unreadable", "depth", NULL);
		return NULL;
	}
	root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES,
	    &jerr);
	if (root == NULL) {
		bad(r, "manifest_unreadable", "json", NULL);
		return NULL;
	}
	if (!json_is_object(root)) {
		bad(r, "manifest_unreadable", "json", NULL);
		json_decref(root);
		return NULL;
	}
	return root;
}

static void
parse_header(struct manifest *m, const char *dir_id,
    const struct catalogue *cat, struct reasons *r)
{
	json_t *v = json_object_get(m->root, "version");
	json_t *at = json_object_get(m->root, "submitted_at");
	const char *s;

	if (!json_is_integer(v) || json_integer_value(v) != 1)
		bad(r, "manifest_invalid", "version", NULL);
	s = get_str(m->root, "application_id");
	/* dir_id NULL: a folder outside the spool (qujat check), any name */
	if (s == NULL || !manifest_id_valid(s) ||
	    (dir_id != NULL && strcmp(s, dir_id) != 0))
		bad(r, "manifest_invalid", "application_id", NULL);
	else
		m->application_id = s;
	if (at != NULL && !json_is_string(at))
		bad(r, "manifest_invalid", "submitted_at", NULL);
	if ((m->service = get_str(m->root, "service")) == NULL)
		bad(r, "manifest_invalid", "service", NULL);
	else if (!catalogue_has_service(cat, m->service))
		reasons_add(r, "service_unknown", NULL, NULL, NULL, m->service);
	s = get_str(m->root, "locale");
	if (s != NULL &&
	    (strcmp(s, "kk") == 0 || strcmp(s, "ru") == 0 ||
		strcmp(s, "en") == 0))
		m->locale = s;
	else
		bad(r, "manifest_invalid", "locale", NULL);
}

/* An IIN inside the object at key; field is "key.iin". */
static const char *
parse_iin(json_t *root, const char *key, bool required, const char *msg_key,
    struct reasons *r)
{
	json_t *o = json_object_get(root, key);
	char field[32];
	const char *s;

	snprintf(field, sizeof(field), "%s.iin", key);
	if (o == NULL && !required)
		return NULL;
	if (!json_is_object(o)) {
		bad(r, "manifest_invalid", o == NULL ? field : key, NULL);
		return NULL;
	}
	if ((s = get_str(o, "iin")) == NULL) {
		if (required || json_object_get(o, "iin") != NULL)
			bad(r, "manifest_invalid", field, NULL);
		return NULL;
	}
	if (!iin_valid(s)) {
		reasons_add(r, "iin_invalid", msg_key, NULL, NULL, field);
		return NULL;
	}
	return s;
}

static void
parse_people(struct manifest *m, struct reasons *r)
{
	json_t *inst = json_object_get(m->root, "institution");
	const char *id = json_is_object(inst) ? get_str(inst, "id") : NULL;

	m->child_iin = parse_iin(m->root, "child", true, "iin_invalid_child",
	    r);
	m->applicant_iin = parse_iin(m->root, "applicant", false,
	    "iin_invalid_applicant", r);
	if (id == NULL || id[0] == '\0')
		bad(r, "manifest_invalid", "institution.id", NULL);
	else
		m->institution_id = id;
}

static bool
name_reserved(const char *name)
{
	const char *const *p;

	for (p = reserved_names; *p != NULL; p++)
		if (strcmp(*p, name) == 0)
			return true;
	return false;
}

static bool
listed_before(const struct manifest *m, const char *file)
{
	size_t i;

	for (i = 0; i < m->ndocs; i++)
		if (strcmp(m->docs[i].file, file) == 0)
			return true;
	return false;
}

/* sha256 as 64 hex digits, replaced in the entry by its lowercase form. */
static int
parse_sha(json_t *e, const char **out)
{
	json_t *v = json_object_get(e, "sha256");
	const char *s = json_string_value(v);
	char low[65];
	size_t i;

	*out = NULL;
	if (v == NULL)
		return 0;
	if (s == NULL || strlen(s) != 64)
		return -1;
	for (i = 0; i < 64; i++) {
		if (!ascii_alnum(s[i]) ||
		    strchr("0123456789abcdefABCDEF", s[i]) == NULL)
			return -1;
		low[i] = (s[i] >= 'A' && s[i] <= 'F') ? (char)(s[i] + 32) :
							s[i];
	}
	low[64] = '\0';
	if (json_object_set_new(e, "sha256", json_string(low)) < 0)
		return -1;
	*out = get_str(e, "sha256");
	return 0;
}

static int64_t
parse_bytes(json_t *e, bool *ok)
{
	json_t *v = json_object_get(e, "bytes");

	*ok = true;
	if (v == NULL)
		return -1;
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		*ok = false;
		return -1;
	}
	return json_integer_value(v);
}

/* "documents[i]" or "documents[i].sub": the field named in {detail}. */
static const char *
doc_field(char *buf, size_t size, size_t i, const char *sub)
{
	snprintf(buf, size, "documents[%zu]%s%s", i, sub ? "." : "",
	    sub ? sub : "");
	return buf;
}

/* A document's file name; NULL (with a reason) when it cannot be used. */
static const char *
doc_file(const struct manifest *m, json_t *e, size_t i, struct reasons *r)
{
	const char *file = get_str(e, "file");
	char field[DETAIL_MAX];

	doc_field(field, sizeof(field), i, "file");
	if (file == NULL)
		bad(r, "manifest_invalid", field, NULL);
	else if (!manifest_file_name_valid(file) || name_reserved(file))
		bad(r, "file_name_invalid", field, file);
	else if (listed_before(m, file))
		bad(r, "file_listed_twice", field, file);
	else
		return file;
	return NULL;
}

static void
parse_doc(struct manifest *m, json_t *e, size_t i, const struct catalogue *cat,
    struct reasons *r)
{
	struct document *d = &m->docs[m->ndocs];
	char field[DETAIL_MAX];
	bool bytes_ok;

	if (!json_is_object(e)) {
		bad(r, "manifest_invalid",
		    doc_field(field, sizeof(field), i, NULL), NULL);
		return;
	}
	if ((d->file = doc_file(m, e, i, r)) == NULL)
		return;
	d->entry = e;
	if ((d->type = get_str(e, "type")) == NULL) {
		bad(r, "manifest_invalid",
		    doc_field(field, sizeof(field), i, "type"), d->file);
		d->type = "";
	} else if (!catalogue_has_document(cat, d->type)) {
		reasons_add(r, "manifest_invalid", "document_type_unknown",
		    d->file, d->type, d->type);
	}
	d->bytes = parse_bytes(e, &bytes_ok);
	if (!bytes_ok)
		bad(r, "manifest_invalid",
		    doc_field(field, sizeof(field), i, "bytes"), d->file);
	if (parse_sha(e, &d->sha256) < 0)
		bad(r, "manifest_invalid",
		    doc_field(field, sizeof(field), i, "sha256"), d->file);
	m->ndocs++;
}

/* Fills m->docs with the entries whose file name can be used (so a file
 * on disk is matched to its entry even when the entry has other faults);
 * type is "" when absent, or a code the catalogue may not know, each with
 * its reason added. Over the limit, entries past twice the limit are not
 * examined: the refusal already says there are too many, and checking
 * each name against the others (and each reason against the others) is
 * quadratic: a 1 MB manifest of 65,000 entries took 30 s of CPU. */
static int
parse_docs(struct manifest *m, const struct manifest_limits *lim,
    const struct catalogue *cat, struct reasons *r)
{
	json_t *a = json_object_get(m->root, "documents");
	size_t i, n = json_array_size(a);
	char max[32];

	if (!json_is_array(a) || n == 0) {
		bad(r, "manifest_invalid", "documents", NULL);
		return -EINVAL;
	}
	if (n > lim->max_documents) {
		snprintf(max, sizeof(max), "%zu", lim->max_documents);
		reasons_add(r, "limit_exceeded", "limit_files", NULL, NULL,
		    max);
		if (n / 2 > lim->max_documents)
			n = 2 * lim->max_documents;
	}
	if ((m->docs = calloc(n, sizeof(*m->docs))) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		parse_doc(m, json_array_get(a, i), i, cat, r);
	return 0;
}

int
manifest_parse(const unsigned char *buf, size_t len, const char *dir_id,
    const struct manifest_limits *lim, const struct catalogue *cat,
    struct manifest *m, struct reasons *r)
{
	int rc;

	memset(m, 0, sizeof(*m));
	if ((m->root = load(buf, len, lim, r)) == NULL)
		return -EINVAL;
	parse_header(m, dir_id, cat, r);
	parse_people(m, r);
	if ((rc = parse_docs(m, lim, cat, r)) < 0) {
		manifest_release(m);
		return rc == -ENOMEM ? rc : -EINVAL;
	}
	return 0;
}

void
manifest_release(struct manifest *m)
{
	free(m->docs);
	json_decref(m->root);
	memset(m, 0, sizeof(*m));
}
