/*
 * catalogue.c: the operator's data beside qujat.conf (catalogue.h): the
 * document types, service checklists (services.conf) and refusal texts
 * (messages.conf). Trusted input, but checked strictly at load so a typo
 * fails `qujatd -t`, not a parent's application.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libconfig.h>

#include "catalogue.h"
#include "cfgfile.h"
#include "numtext.h"

const char *const lang_code[LANG_COUNT] = { "kk", "ru", "en" };

/* Every text the daemon may render: the contract codes, then the finer
 * keys a code uses where one sentence does not fit all cases. */
static const char *const needed_keys[] = { "manifest_invalid",
	"service_unknown", "file_missing", "file_unlisted", "file_not_regular",
	"type_unsupported", "file_corrupt", "pdf_encrypted", "limit_exceeded",
	"blank_page", "resolution_too_low", "document_missing",
	"duplicate_application", "too_large", "processing_failed",
	"manifest_unreadable", "file_name_invalid", "file_listed_twice",
	"document_type_unknown", "iin_invalid_child", "iin_invalid_applicant",
	"document_missing_alternative", "limit_files", "limit_file_bytes",
	"limit_pixels", "limit_pages", "limit_objects", "limit_stream",
	"file_size_mismatch", "file_checksum_mismatch",
	"document_missing_group", "document_not_in_checklist",
	"processing_failed_bundle", "too_large_signed",
	"blank_page_in_document", NULL };

/* {size} and {count} are {detail} read as a number and written for
 * people (numtext.h): a limit in bytes, a limit in units. */
enum { PH_FILE, PH_DOCUMENT, PH_DETAIL, PH_SIZE, PH_COUNT };
static const char *const placeholders[] = { "{file}", "{document}", "{detail}",
	"{size}", "{count}", NULL };

/* Quotes around a document's name in a sentence, per language. */
static const char *const quote_open[LANG_COUNT] = { "«", "«", "“" };
static const char *const quote_close[LANG_COUNT] = { "»", "»", "”" };
/* "a or b" in each language. */
static const char *const word_or[LANG_COUNT] = { "немесе", "или", "or" };

#define HOLD_DAYS_DEFAULT 365
#define HOLD_DAYS_MAX 36500

struct doctype {
	const char *code;
	const char *name[LANG_COUNT];
	bool photo;
};

struct group {
	const char *code;
	const char *msg_key;
	const char **members;
	size_t n;
};

struct service {
	const char *code;
	const char **req, **opt;
	size_t nreq, nopt;
	int hold_days; /* how long an accepted application holds */
};

struct message {
	const char *key;
	const char *text[LANG_COUNT];
};

/* Strings are borrowed from the two parsed files, kept for that reason. */
struct catalogue {
	config_t scfg, mcfg;
	const char *spath, *mpath;
	struct doctype *types;
	struct group *groups;
	struct service *svcs;
	struct message *msgs;
	size_t ntypes, ngroups, nsvcs, nmsgs;
};

/* Rejects a member of group s not named in allowed. */
static int
only_keys(const config_setting_t *s, const char *const *allowed,
    const char *path, struct qerr *err)
{
	const char *const *a;
	int i, n = config_setting_length(s);

	for (i = 0; i < n; i++) {
		config_setting_t *c = config_setting_get_elem(s, (unsigned)i);
		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, config_setting_name(c)) == 0)
				break;
		if (*a == NULL)
			return cfg_fault(err, path, c, "unknown key '%s'",
			    config_setting_name(c));
	}
	return 0;
}

/* The group named name inside s; NULL with err set when absent. */
static config_setting_t *
need_group(const config_setting_t *s, const char *name, const char *path,
    struct qerr *err)
{
	config_setting_t *g = config_setting_get_member(s, name);

	if (g == NULL || !config_setting_is_group(g)) {
		cfg_fault(err, path, g ? g : s, "'%s' must be a group", name);
		return NULL;
	}
	return g;
}

/* A non-empty, valid UTF-8 string member; NULL with err set otherwise. */
static const char *
need_text(const config_setting_t *s, const char *name, const char *path,
    struct qerr *err)
{
	config_setting_t *m = config_setting_get_member(s, name);
	const char *v = m ? config_setting_get_string(m) : NULL;
	json_t *probe;

	if (v == NULL || v[0] == '\0') {
		cfg_fault(err, path, m ? m : s,
		    "'%s' needs a non-empty string "
		    "'%s'",
		    config_setting_name(s), name);
		return NULL;
	}
	if ((probe = json_string(v)) == NULL) {
		cfg_fault(err, path, m, "'%s' is not valid UTF-8", name);
		return NULL;
	}
	json_decref(probe);
	return v;
}

/* Placeholder at p, or -1. */
static int
placeholder_at(const char *p)
{
	int i;

	for (i = 0; placeholders[i] != NULL; i++)
		if (strncmp(p, placeholders[i], strlen(placeholders[i])) == 0)
			return i;
	return -1;
}

static int
check_template(const char *t, const config_setting_t *s, const char *path,
    struct qerr *err)
{
	const char *p;

	for (p = strchr(t, '{'); p != NULL; p = strchr(p + 1, '{'))
		if (placeholder_at(p) < 0)
			return cfg_fault(err, path, s,
			    "unknown placeholder "
			    "'%.12s' in '%s'",
			    p, config_setting_name(s));
	return 0;
}

static int
load_message(struct catalogue *cat, config_setting_t *s, struct qerr *err)
{
	static const char *const keys[] = { "kk", "ru", "en", NULL };
	struct message *m = &cat->msgs[cat->nmsgs];
	int l;

	if (!config_setting_is_group(s))
		return cfg_fault(err, cat->mpath, s,
		    "message '%s' must be a "
		    "group of kk, ru and en",
		    config_setting_name(s));
	if (only_keys(s, keys, cat->mpath, err) < 0)
		return -EINVAL;
	m->key = config_setting_name(s);
	for (l = 0; l < LANG_COUNT; l++) {
		m->text[l] = need_text(s, lang_code[l], cat->mpath, err);
		if (m->text[l] == NULL ||
		    check_template(m->text[l], s, cat->mpath, err) < 0)
			return -EINVAL;
	}
	cat->nmsgs++;
	return 0;
}

static int
load_messages(struct catalogue *cat, struct qerr *err)
{
	config_setting_t *root = config_root_setting(&cat->mcfg);
	int i, n = config_setting_length(root);

	if ((cat->msgs = calloc((size_t)n + 1, sizeof(*cat->msgs))) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (load_message(cat,
			config_setting_get_elem(root, (unsigned)i), err) < 0)
			return -EINVAL;
	return 0;
}

static const struct message *
find_message(const struct catalogue *cat, const char *key)
{
	size_t i;

	for (i = 0; i < cat->nmsgs; i++)
		if (strcmp(cat->msgs[i].key, key) == 0)
			return &cat->msgs[i];
	return NULL;
}

static const struct doctype *
find_type(const struct catalogue *cat, const char *code, size_t len)
{
	size_t i;

	for (i = 0; i < cat->ntypes; i++)
		if (strlen(cat->types[i].code) == len &&
		    strncmp(cat->types[i].code, code, len) == 0)
			return &cat->types[i];
	return NULL;
}

static const struct group *
find_group(const struct catalogue *cat, const char *code)
{
	size_t i;

	for (i = 0; i < cat->ngroups; i++)
		if (strcmp(cat->groups[i].code, code) == 0)
			return &cat->groups[i];
	return NULL;
}

static const struct service *
find_service(const struct catalogue *cat, const char *code)
{
	size_t i;

	if (code == NULL)
		return NULL;
	for (i = 0; i < cat->nsvcs; i++)
		if (strcmp(cat->svcs[i].code, code) == 0)
			return &cat->svcs[i];
	return NULL;
}

static int
load_type(struct catalogue *cat, config_setting_t *s, struct qerr *err)
{
	static const char *const keys[] = { "kk", "ru", "en", "photo", NULL };
	struct doctype *t = &cat->types[cat->ntypes];
	config_setting_t *photo;
	int l;

	if (!config_setting_is_group(s))
		return cfg_fault(err, cat->spath, s,
		    "document '%s' must be a "
		    "group",
		    config_setting_name(s));
	if (only_keys(s, keys, cat->spath, err) < 0)
		return -EINVAL;
	t->code = config_setting_name(s);
	for (l = 0; l < LANG_COUNT; l++)
		if ((t->name[l] = need_text(s, lang_code[l], cat->spath,
			 err)) == NULL)
			return -EINVAL;
	if ((photo = config_setting_get_member(s, "photo")) != NULL) {
		if (config_setting_type(photo) != CONFIG_TYPE_BOOL)
			return cfg_fault(err, cat->spath, photo,
			    "'photo' must "
			    "be true or false");
		t->photo = config_setting_get_bool(photo);
	}
	cat->ntypes++;
	return 0;
}

/* The strings of array or list s (which may be NULL: none). */
static int
load_list(struct catalogue *cat, const config_setting_t *s, const char ***out,
    size_t *n, struct qerr *err)
{
	int i, len = s ? config_setting_length(s) : 0;

	*n = 0;
	if (s != NULL && !config_setting_is_aggregate(s))
		return cfg_fault(err, cat->spath, s,
		    "'%s' must be a list of "
		    "strings",
		    config_setting_name(s));
	if ((*out = calloc((size_t)len + 1, sizeof(**out))) == NULL)
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v = config_setting_get_string(e);
		if (v == NULL || v[0] == '\0')
			return cfg_fault(err, cat->spath, e,
			    "'%s' must hold "
			    "non-empty strings",
			    config_setting_name(s));
		(*out)[(*n)++] = v;
	}
	return 0;
}

static int
load_group(struct catalogue *cat, config_setting_t *s, struct qerr *err)
{
	static const char *const keys[] = { "documents", "message", NULL };
	struct group *g = &cat->groups[cat->ngroups];
	size_t i;

	if (!config_setting_is_group(s))
		return cfg_fault(err, cat->spath, s,
		    "group '%s' must be a "
		    "group",
		    config_setting_name(s));
	if (only_keys(s, keys, cat->spath, err) < 0)
		return -EINVAL;
	g->code = config_setting_name(s);
	cat->ngroups++;
	if (find_type(cat, g->code, strlen(g->code)) != NULL)
		return cfg_fault(err, cat->spath, s,
		    "group '%s' has the name "
		    "of a document type",
		    g->code);
	if ((g->msg_key = need_text(s, "message", cat->spath, err)) == NULL ||
	    load_list(cat, config_setting_get_member(s, "documents"),
		&g->members, &g->n, err) < 0)
		return -EINVAL;
	if (g->n == 0)
		return cfg_fault(err, cat->spath, s,
		    "group '%s' has no "
		    "documents",
		    g->code);
	for (i = 0; i < g->n; i++)
		if (find_type(cat, g->members[i], strlen(g->members[i])) ==
		    NULL)
			return cfg_fault(err, cat->spath, s,
			    "group '%s' lists "
			    "unknown document '%s'",
			    g->code, g->members[i]);
	return 0;
}

/* A required entry: a type, "a|b" alternatives, or a group. */
static bool
entry_known(const struct catalogue *cat, const char *e)
{
	const char *p = e, *bar;

	if (find_group(cat, e) != NULL)
		return true;
	for (;;) {
		bar = strchr(p, '|');
		if (find_type(cat, p, bar ? (size_t)(bar - p) : strlen(p)) ==
		    NULL)
			return false;
		if (bar == NULL)
			return true;
		p = bar + 1;
	}
}

/* hold_days of service s: an integer 0..HOLD_DAYS_MAX, default 365. */
static int
load_hold_days(struct catalogue *cat, config_setting_t *s, int *out,
    struct qerr *err)
{
	config_setting_t *h = config_setting_get_member(s, "hold_days");
	long long v;

	*out = HOLD_DAYS_DEFAULT;
	if (h == NULL)
		return 0;
	if (config_setting_type(h) != CONFIG_TYPE_INT &&
	    config_setting_type(h) != CONFIG_TYPE_INT64)
		return cfg_fault(err, cat->spath, h,
		    "'hold_days' must be an "
		    "integer");
	v = config_setting_get_int64(h);
	if (v < 0 || v > HOLD_DAYS_MAX)
		return cfg_fault(err, cat->spath, h,
		    "'hold_days' is %lld, must "
		    "be 0 to %d",
		    v, HOLD_DAYS_MAX);
	*out = (int)v;
	return 0;
}

static int
load_service(struct catalogue *cat, config_setting_t *s, struct qerr *err)
{
	static const char *const keys[] = { "required", "optional", "hold_days",
		NULL };
	struct service *v = &cat->svcs[cat->nsvcs];
	size_t i;

	if (!config_setting_is_group(s))
		return cfg_fault(err, cat->spath, s,
		    "service '%s' must be a "
		    "group",
		    config_setting_name(s));
	if (only_keys(s, keys, cat->spath, err) < 0)
		return -EINVAL;
	v->code = config_setting_name(s);
	cat->nsvcs++;
	if (load_hold_days(cat, s, &v->hold_days, err) < 0)
		return -EINVAL;
	if (load_list(cat, config_setting_get_member(s, "required"), &v->req,
		&v->nreq, err) < 0 ||
	    load_list(cat, config_setting_get_member(s, "optional"), &v->opt,
		&v->nopt, err) < 0)
		return -EINVAL;
	if (v->nreq == 0)
		return cfg_fault(err, cat->spath, s,
		    "service '%s' has no "
		    "required documents",
		    v->code);
	for (i = 0; i < v->nreq; i++)
		if (!entry_known(cat, v->req[i]))
			return cfg_fault(err, cat->spath, s,
			    "service '%s' "
			    "requires unknown document '%s'",
			    v->code, v->req[i]);
	for (i = 0; i < v->nopt; i++)
		if (find_type(cat, v->opt[i], strlen(v->opt[i])) == NULL)
			return cfg_fault(err, cat->spath, s,
			    "service '%s' lists "
			    "unknown document '%s'",
			    v->code, v->opt[i]);
	return 0;
}

typedef int (*load_fn)(struct catalogue *, config_setting_t *, struct qerr *);

/* Calls fn on every member of the group name, after sizing *arr. */
static int
load_each(struct catalogue *cat, const char *name, void **arr, size_t size,
    load_fn fn, struct qerr *err)
{
	config_setting_t *g = need_group(config_root_setting(&cat->scfg), name,
	    cat->spath, err);
	int i, n;

	if (g == NULL)
		return -EINVAL;
	n = config_setting_length(g);
	if ((*arr = calloc((size_t)n + 1, size)) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (fn(cat, config_setting_get_elem(g, (unsigned)i), err) < 0)
			return -EINVAL;
	return 0;
}

static int
load_services(struct catalogue *cat, struct qerr *err)
{
	static const char *const keys[] = { "documents", "groups", "services",
		NULL };

	if (only_keys(config_root_setting(&cat->scfg), keys, cat->spath, err) <
	    0)
		return -EINVAL;
	if (load_each(cat, "documents", (void **)&cat->types,
		sizeof(*cat->types), load_type, err) < 0 ||
	    load_each(cat, "groups", (void **)&cat->groups,
		sizeof(*cat->groups), load_group, err) < 0 ||
	    load_each(cat, "services", (void **)&cat->svcs, sizeof(*cat->svcs),
		load_service, err) < 0)
		return -EINVAL;
	if (cat->nsvcs == 0)
		return cfg_fault(err, cat->spath, NULL, "no services");
	return 0;
}

static int
check_keys(const struct catalogue *cat, struct qerr *err)
{
	config_setting_t *root = config_root_setting(&cat->mcfg);
	const char *const *k;
	size_t i;

	for (k = needed_keys; *k != NULL; k++)
		if (find_message(cat, *k) == NULL)
			return cfg_fault(err, cat->mpath, root,
			    "no text for "
			    "'%s'",
			    *k);
	for (i = 0; i < cat->ngroups; i++)
		if (find_message(cat, cat->groups[i].msg_key) == NULL)
			return cfg_fault(err, cat->spath, NULL,
			    "group '%s': no "
			    "text for '%s' in '%s'",
			    cat->groups[i].code, cat->groups[i].msg_key,
			    cat->mpath);
	return 0;
}

int
catalogue_load(const char *services_path, const char *messages_path,
    struct catalogue **out, struct qerr *err)
{
	struct catalogue *cat;
	int rc;

	*out = NULL;
	if ((cat = calloc(1, sizeof(*cat))) == NULL)
		return qerr_set(err, -ENOMEM, "out of memory");
	config_init(&cat->scfg);
	config_init(&cat->mcfg);
	cat->spath = services_path;
	cat->mpath = messages_path;
	if ((rc = cfg_read(&cat->mcfg, messages_path, err)) == 0 &&
	    (rc = cfg_read(&cat->scfg, services_path, err)) == 0 &&
	    (rc = load_messages(cat, err)) == 0 &&
	    (rc = load_services(cat, err)) == 0)
		rc = check_keys(cat, err);
	cat->spath = cat->mpath = NULL; /* the caller's strings */
	if (rc < 0) {
		if (rc == -ENOMEM)
			qerr_set(err, rc, "out of memory");
		catalogue_free(cat);
		return rc;
	}
	*out = cat;
	return 0;
}

void
catalogue_free(struct catalogue *cat)
{
	size_t i;

	if (cat == NULL)
		return;
	for (i = 0; i < cat->ngroups; i++)
		free(cat->groups[i].members);
	for (i = 0; i < cat->nsvcs; i++) {
		free(cat->svcs[i].req);
		free(cat->svcs[i].opt);
	}
	free(cat->types);
	free(cat->groups);
	free(cat->svcs);
	free(cat->msgs);
	config_destroy(&cat->scfg);
	config_destroy(&cat->mcfg);
	free(cat);
}

bool
catalogue_has_service(const struct catalogue *cat, const char *service)
{
	return find_service(cat, service) != NULL;
}

bool
catalogue_has_document(const struct catalogue *cat, const char *type)
{
	return type != NULL && find_type(cat, type, strlen(type)) != NULL;
}

bool
catalogue_is_photo(const struct catalogue *cat, const char *type)
{
	const struct doctype *t = type ? find_type(cat, type, strlen(type)) :
					 NULL;

	return t != NULL && t->photo;
}

const char *
catalogue_message_key(const struct catalogue *cat, size_t i)
{
	return i < cat->nmsgs ? cat->msgs[i].key : NULL;
}

bool
catalogue_has_message(const struct catalogue *cat, const char *key)
{
	return key != NULL && find_message(cat, key) != NULL;
}

static bool
has_type(const char *const *types, size_t ntypes, const char *t, size_t len)
{
	size_t i;

	for (i = 0; i < ntypes; i++)
		if (types[i] != NULL && strlen(types[i]) == len &&
		    strncmp(types[i], t, len) == 0)
			return true;
	return false;
}

/* True when entry (a group, or "a|b" alternatives) names one of types. */
static bool
entry_met(const struct catalogue *cat, const char *entry,
    const char *const *types, size_t ntypes)
{
	const struct group *g = find_group(cat, entry);
	const char *p = entry, *bar;
	size_t i;

	if (g != NULL) {
		for (i = 0; i < g->n; i++)
			if (has_type(types, ntypes, g->members[i],
				strlen(g->members[i])))
				return true;
		return false;
	}
	for (;; p = bar + 1) {
		bar = strchr(p, '|');
		if (has_type(types, ntypes, p,
			bar ? (size_t)(bar - p) : strlen(p)))
			return true;
		if (bar == NULL)
			return false;
	}
}

bool
catalogue_service_lists(const struct catalogue *cat, const char *service,
    const char *type)
{
	const struct service *v = find_service(cat, service);
	size_t i;

	if (v == NULL || type == NULL)
		return false;
	for (i = 0; i < v->nreq; i++)
		if (entry_met(cat, v->req[i], &type, 1))
			return true;
	for (i = 0; i < v->nopt; i++)
		if (strcmp(v->opt[i], type) == 0)
			return true;
	return false;
}

int
catalogue_check(const struct catalogue *cat, const char *service,
    const char *const *types, size_t ntypes, struct missing *out, size_t max)
{
	const struct service *v = find_service(cat, service);
	const struct group *g;
	size_t i, n = 0;

	if (v == NULL)
		return -ENOENT;
	for (i = 0; i < v->nreq && n < max; i++) {
		if (entry_met(cat, v->req[i], types, ntypes))
			continue;
		g = find_group(cat, v->req[i]);
		out[n].msg_key = g	   ? g->msg_key :
		    strchr(v->req[i], '|') ? "document_missing_alternative" :
					     "document_missing";
		out[n].document = v->req[i];
		n++;
	}
	return (int)n;
}

/* One document's name, quoted as a name mid-sentence. */
static void
put_name(FILE *f, const struct catalogue *cat, const char *code, size_t len,
    enum lang lang)
{
	const struct doctype *t = find_type(cat, code, len);

	fputs(quote_open[lang], f);
	if (t != NULL)
		fputs(t->name[lang], f);
	else
		fwrite(code, 1, len, f);
	fputs(quote_close[lang], f);
}

/* Before name i of n: nothing, the list's separator, or "or". */
static void
put_joint(FILE *f, size_t i, size_t n, const char *sep, enum lang lang)
{
	if (i == 0)
		return;
	if (i + 1 == n)
		fprintf(f, " %s ", word_or[lang]);
	else
		fputs(sep, f);
}

static size_t
count_alternatives(const char *code)
{
	size_t n = 1;

	for (; *code; code++)
		n += *code == '|';
	return n;
}

char *
catalogue_document_names(const struct catalogue *cat, const char *code,
    enum lang lang)
{
	const struct group *g = find_group(cat, code);
	const char *p = code, *bar;
	char *buf = NULL;
	size_t i, n, len;
	FILE *f;

	if ((unsigned)lang >= LANG_COUNT ||
	    (f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	/* a group's names hold commas: "; " between them */
	for (i = 0; g != NULL && i < g->n; i++) {
		put_joint(f, i, g->n, "; ", lang);
		put_name(f, cat, g->members[i], strlen(g->members[i]), lang);
	}
	n = count_alternatives(code);
	for (i = 0; g == NULL; p = bar + 1, i++) {
		bar = strchr(p, '|');
		put_joint(f, i, n, ", ", lang);
		put_name(f, cat, p, bar ? (size_t)(bar - p) : strlen(p), lang);
		if (bar == NULL)
			break;
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

const char *
catalogue_service_code(const struct catalogue *cat, size_t i)
{
	return i < cat->nsvcs ? cat->svcs[i].code : NULL;
}

int
catalogue_hold_days(const struct catalogue *cat, const char *service)
{
	const struct service *v = find_service(cat, service);

	return v ? v->hold_days : HOLD_DAYS_DEFAULT;
}

/* Writes the value of placeholder ph: {size} and {count} read detail as
 * a number, and show it as it is when it is not one. */
static void
put_value(FILE *f, int ph, const char *const *values, enum lang lang)
{
	const char *v = values[ph <= PH_DETAIL ? ph : PH_DETAIL];
	char buf[64], *end;
	long long n;

	if (v == NULL)
		return;
	if (ph == PH_SIZE || ph == PH_COUNT) {
		n = strtoll(v, &end, 10);
		if (end != v && *end == '\0') {
			fputs(ph == PH_SIZE ?
				numtext_size(n, lang, buf, sizeof(buf)) :
				numtext_count(n, lang, buf, sizeof(buf)),
			    f);
			return;
		}
	}
	fputs(v, f);
}

char *
catalogue_render(const struct catalogue *cat, const char *key, enum lang lang,
    const char *file, const char *document, const char *detail)
{
	const struct message *m = key ? find_message(cat, key) : NULL;
	const char *values[] = { file, document, detail };
	const char *p;
	char *buf = NULL;
	size_t len;
	FILE *f;
	int ph;

	if (m == NULL || (unsigned)lang >= LANG_COUNT ||
	    (f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	/* one pass over the template: a value is written, never rescanned */
	for (p = m->text[lang]; *p != '\0'; p++) {
		if (*p == '{' && (ph = placeholder_at(p)) >= 0) {
			put_value(f, ph, values, lang);
			p += strlen(placeholders[ph]) - 1;
		} else {
			fputc(*p, f);
		}
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

json_t *
catalogue_message_json(const struct catalogue *cat, const char *key,
    const char *file, const char *document, const char *detail)
{
	json_t *msg = json_object();

	for (int l = 0; msg != NULL && l < LANG_COUNT; l++) {
		char *doc = document ?
		    catalogue_document_names(cat, document, (enum lang)l) :
		    NULL;
		char *t = catalogue_render(cat, key, (enum lang)l, file, doc,
		    detail);
		json_t *s = t ? json_string(t) : NULL;

		/* text from a file name that is not UTF-8: the key, at least */
		json_object_set_new(msg, lang_code[l],
		    s ? s : json_string(key));
		free(t);
		free(doc);
	}
	return msg;
}
