/*
 * decide.c: from the workers' reports, the checklist, the budget and the
 * one-application rule to a decision, with every reason found.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "catalogue.h"
#include "conf.h"
#include "log.h"
#include "spool.h"
#include "store.h"

static const struct {
	const char *ext, *alias;
} ext_alias[] = {
	{ "jpg", "jpg" },
	{ "jpg", "jpeg" },
	{ "jpg", "jpe" },
	{ "png", "png" },
	{ "tif", "tif" },
	{ "tif", "tiff" },
	{ "pdf", "pdf" },
};

/* The file's extension (after the last dot), or NULL. */
static const char *
name_ext(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot && dot != name && dot[1] ? dot + 1 : NULL;
}

static bool
ext_matches(const char *have, const char *real)
{
	for (size_t i = 0; have && i < sizeof(ext_alias) / sizeof(*ext_alias);
	     i++)
		if (!strcmp(ext_alias[i].ext, real) &&
		    !strcasecmp(ext_alias[i].alias, have))
			return true;
	return false;
}

static bool
name_taken(const struct bundle *b, const char *name, size_t upto)
{
	for (size_t i = 0; i < upto; i++)
		if (b->files[i].out_name && !strcmp(b->files[i].out_name, name))
			return true;
	return !strcmp(name, "manifest.json") || !strcmp(name, "report.json");
}

/* The published name: the original's, its extension following the real
 * type; unique within the bundle. */
static char *
out_name(const struct bundle *b, size_t idx, const char *ext)
{
	const char *name = b->files[idx].doc->file, *have = name_ext(name);
	size_t stem = strlen(name);
	char *s = NULL;

	if (ext_matches(have, ext) && !name_taken(b, name, idx))
		return strdup(name);
	if (have && strlen(have) <= 5)
		stem = (size_t)(have - 1 - name);
	/* a 255-byte name given the real extension must still be a name:
	 * cut the stem, at a character's start (room for "-999.") */
	if (stem > NAME_MAX - 5 - strlen(ext)) {
		stem = NAME_MAX - 5 - strlen(ext);
		while (stem > 0 && ((unsigned char)name[stem] & 0xc0) == 0x80)
			stem--;
	}
	for (int n = 1; n < 1000; n++) {
		free(s);
		s = NULL;
		if (n == 1 && asprintf(&s, "%.*s.%s", (int)stem, name, ext) < 0)
			return NULL;
		if (n > 1 &&
		    asprintf(&s, "%.*s-%d.%s", (int)stem, name, n, ext) < 0)
			return NULL;
		if (!name_taken(b, s, idx))
			return s;
	}
	free(s);
	return NULL;
}

/* Whether mime is one of the types the contract accepts. */
static bool
type_supported(const char *mime)
{
	static const char *const types[] = { "image/jpeg", "image/png",
		"image/tiff", "application/pdf" };

	for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++)
		if (!strcmp(mime, types[i]))
			return true;
	return false;
}

/* The configured value of the limit a worker reported, as text. */
static const char *
limit_value(const struct conf *c, const char *which)
{
	static __thread char buf[32];
	int64_t v = -1;

	if (!strcmp(which, "pixels"))
		v = c->limits.max_pixels;
	else if (!strcmp(which, "pages"))
		v = c->limits.max_pages;
	else if (!strcmp(which, "objects"))
		v = c->limits.max_pdf_objects;
	else if (!strcmp(which, "bytes") || !strcmp(which, "file_bytes"))
		v = c->limits.max_file_bytes;
	else if (!strcmp(which, "stream"))
		v = c->limits.max_stream_bytes;
	if (v < 0)
		return NULL;
	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return buf;
}

static void
judge_report(struct bundle *b, size_t idx)
{
	struct bfile *f = &b->files[idx];
	const struct filter_report *r = &f->job.report;
	const struct document *d = f->doc;
	char key[32], page[24];

	switch (r->status) {
	case FS_OK:
		break;
	case FS_UNSUPPORTED:
		/* a JPEG, TIFF or PDF of a kind no decoder here reads (12-bit
		 * samples, lossless JPEG): saying "not JPEG" would be untrue */
		reasons_add(&b->reasons, "type_unsupported",
		    type_supported(r->type) &&
			    catalogue_has_message(b->conf->cat,
				"type_unsupported_kind") ?
			"type_unsupported_kind" :
			NULL,
		    d->file, d->type, r->type);
		return;
	case FS_CORRUPT:
		/* cut short: say so, and that sending it again helps */
		reasons_add(&b->reasons, "file_corrupt",
		    r->incomplete &&
			    catalogue_has_message(b->conf->cat,
				"file_incomplete") ?
			"file_incomplete" :
			NULL,
		    d->file, d->type, NULL);
		return;
	case FS_ENCRYPTED:
		reasons_add(&b->reasons, "pdf_encrypted", NULL, d->file,
		    d->type, NULL);
		return;
	case FS_LOWRES:
		reasons_add(&b->reasons, "resolution_too_low", NULL, d->file,
		    d->type, NULL);
		return;
	case FS_BLANK:
		/* one uniform page among several: say which */
		snprintf(page, sizeof(page), "%lld", (long long)r->page);
		reasons_add(&b->reasons, "blank_page",
		    r->page > 0 ? "blank_page_in_document" : NULL, d->file,
		    d->type, r->page > 0 ? page : NULL);
		return;
	case FS_LIMIT:
		snprintf(key, sizeof(key), "limit_%s",
		    strcmp(r->limit, "bytes") ? r->limit : "file_bytes");
		reasons_add(&b->reasons, "limit_exceeded",
		    catalogue_has_message(b->conf->cat, key) ? key : NULL,
		    d->file, d->type, limit_value(b->conf, r->limit));
		return;
	}
	/* the daemon's own measures of its copy, not the worker's word */
	if (d->bytes >= 0 && d->bytes != f->size)
		reasons_add(&b->reasons, "file_corrupt", "file_size_mismatch",
		    d->file, d->type, NULL);
	else if (d->sha256 && strcmp(d->sha256, f->sha_in) != 0)
		reasons_add(&b->reasons, "file_corrupt",
		    "file_checksum_mismatch", d->file, d->type, NULL);
	f->out_name = out_name(b, idx, r->out_ext);
	b->bytes_out += r->bytes_out;
}

static void
warn_unlisted_types(struct bundle *b)
{
	const struct catalogue *cat = b->conf->cat;

	for (size_t i = 0; i < b->m.ndocs; i++) {
		const char *t = b->m.docs[i].type;
		if (catalogue_service_lists(cat, b->m.service, t))
			continue;
		/* support staff read it to the parent: it has its text */
		json_array_append_new(b->warnings,
		    json_pack("{s:s, s:s, s:s, "
			      "s:o}",
			"code", "document_not_in_checklist", "document", t,
			"file", b->m.docs[i].file, "message",
			catalogue_message_json(cat, "document_not_in_checklist",
			    b->m.docs[i].file, t, NULL)));
	}
}

static void
check_list(struct bundle *b)
{
	const char **types;
	struct missing miss[32];
	int n;

	if (!b->have_manifest ||
	    !catalogue_has_service(b->conf->cat, b->m.service))
		return;
	if (!(types = calloc(b->m.ndocs + 1, sizeof(*types))))
		return;
	for (size_t i = 0; i < b->m.ndocs; i++)
		types[i] = b->m.docs[i].type;
	n = catalogue_check(b->conf->cat, b->m.service, types, b->m.ndocs, miss,
	    32);
	for (int i = 0; i < n; i++)
		reasons_add(&b->reasons, "document_missing", miss[i].msg_key,
		    NULL, miss[i].document, NULL);
	free(types);
	warn_unlisted_types(b);
}

/* The file that takes most room even at its smallest legible variant:
 * the one a parent should rescan first when nothing fits. */
static const struct bfile *
largest_at_best(const struct bundle *b)
{
	const struct bfile *best = NULL;
	int64_t most = -1, least;

	for (size_t i = 0; i < b->nfiles; i++) {
		const struct filter_report *r = &b->files[i].job.report;

		least = r->bytes_out;
		for (int k = 0; k < r->nvariants; k++)
			if (r->variants[k].bytes < least)
				least = r->variants[k].bytes;
		if (least > most)
			most = least, best = &b->files[i];
	}
	return best;
}

static void
check_budget(struct bundle *b)
{
	const struct bfile *f;
	char s[64];

	if (b->bytes_out <= b->conf->max_bundle_bytes)
		return;
	/* bytes: the text writes them as a size ({size}) */
	snprintf(s, sizeof(s), "%lld", (long long)b->conf->max_bundle_bytes);
	f = largest_at_best(b);
	/* a signed PDF cannot shrink at all: the parent must hear why */
	reasons_add(&b->reasons, "too_large",
	    f && f->job.report.signed_pdf ? "too_large_signed" : NULL,
	    f ? f->doc->file : NULL, NULL, s);
}

/* The same application id accepted before, or the child already held. */
static void
check_duplicate(struct bundle *b)
{
	const struct manifest *m = &b->m;
	int days, r;

	if (!b->have_manifest || !m->child_iin || !m->service ||
	    !m->application_id)
		return;
	if (b->sp &&
	    (spool_exists(b->sp, SP_ORIGINALS, b->id) ||
		spool_exists(b->sp, SP_OUTBOX, b->id) ||
		spool_exists(b->sp, SP_SENT, b->id))) {
		reasons_add(&b->reasons, "duplicate_application", NULL, NULL,
		    NULL, b->id);
		return;
	}
	if (!b->store)
		return;
	days = catalogue_hold_days(b->conf->cat, m->service);
	if (b->reasons.n) {
		if (store_held_by_other(b->store, m->service, m->child_iin,
			m->application_id, days))
			reasons_add(&b->reasons, "duplicate_application", NULL,
			    NULL, NULL, NULL);
		else if (store_release(b->store, m->service, m->child_iin,
			     m->application_id) < 0)
			log_msg(LOG_WARNING, b->id,
			    "cannot release its hold "
			    "in the store");
		return;
	}
	r = store_claim(b->store, m->service, m->child_iin, m->application_id,
	    m->institution_id, days, &b->holder);
	if (r == -EEXIST)
		reasons_add(&b->reasons, "duplicate_application", NULL, NULL,
		    NULL, NULL);
	else if (r < 0) {
		b->error = r;
		snprintf(b->errmsg, sizeof(b->errmsg), "the store failed");
	}
}

static void
judge_all(struct bundle *b)
{
	for (size_t i = 0; i < b->nfiles; i++) {
		struct bfile *f = &b->files[i];
		int r;
		if (!f->processed)
			continue;
		if ((r = bfile_open(f, false)) < 0 ||
		    (r = bfile_extract(f)) == -EIO) {
			f->processed = false;
			if (r == -EIO) /* the worker's offsets lied */
				reasons_add(&b->reasons, "processing_failed",
				    NULL, f->doc->file, f->doc->type, NULL);
		}
		if (r == 0)
			r = bfile_measure(f);
		bfile_close(f);
		if (r < 0 && r != -EIO) { /* the machine's fault: retry */
			b->error = r;
			snprintf(b->errmsg, sizeof(b->errmsg),
			    "cannot measure "
			    "the output of '%s': %s",
			    f->doc->file, strerror(-r));
			return;
		}
		if (r == 0)
			judge_report(b, i);
	}
}

void
bundle_judge(struct bundle *b)
{
	judge_all(b);
	if (b->reasons.n == 0)
		check_budget(b);
}

void
bundle_decide(struct bundle *b)
{
	if (b->abandon) {
		b->decision = DECIDE_NONE;
		return;
	}
	if (b->error) {
		b->decision = DECIDE_RETRY;
		return;
	}
	judge_all(b);
	if (b->error) {
		b->decision = DECIDE_RETRY;
		return;
	}
	check_list(b);
	if (b->reasons.n == 0) /* otherwise nothing was planned yet */
		check_budget(b);
	check_duplicate(b);
	if (b->error)
		b->decision = DECIDE_RETRY;
	else
		b->decision = b->reasons.n ? DECIDE_REJECT : DECIDE_ACCEPT;
}
