/*
 * docs.c: the JSON documents the daemon publishes: refusal.json,
 * report.json and the outbox copy of manifest.json (spec/contract.md
 * section 3). File names from disk may not be UTF-8; they are made so.
 */
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "catalogue.h"
#include "conf.h"

/* A JSON string of s, invalid UTF-8 bytes replaced by U+FFFD. */
static json_t *
json_name(const char *s)
{
	json_t *j = json_string(s);
	char *buf;
	size_t o = 0, n = strlen(s);

	if (j)
		return j;
	if (!(buf = malloc(n * 3 + 1)))
		return json_string("?");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x80) {
			buf[o++] = (char)*p;
		} else {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
		}
	}
	buf[o] = '\0';
	j = json_string(buf);
	free(buf);
	return j;
}

static json_t *
reason_json(const struct catalogue *cat, const struct reason *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "code", json_string(r->code));
	if (r->document)
		json_object_set_new(o, "document", json_string(r->document));
	if (r->file)
		json_object_set_new(o, "file", json_name(r->file));
	json_object_set_new(o, "message",
	    catalogue_message_json(cat, r->msg_key, r->file, r->document,
		r->detail));
	return o;
}

json_t *
bundle_refusal_json(const struct bundle *b)
{
	json_t *o, *arr;

	if (b->decision != DECIDE_REJECT)
		return NULL;
	o = json_object();
	arr = json_array();
	json_object_set_new(o, "application_id", json_name(b->id));
	json_object_set_new(o, "decision", json_string("rejected"));
	for (size_t i = 0; i < b->reasons.n; i++)
		json_array_append_new(arr,
		    reason_json(b->conf->cat, &b->reasons.v[i]));
	json_object_set_new(o, "reasons", arr);
	if (json_array_size(b->warnings))
		json_object_set(o, "warnings", b->warnings);
	return o;
}

static const char *
action_of(const struct bfile *f)
{
	const struct filter_report *r = &f->job.report;

	if (f->variant)
		return "recompressed";
	if (r->transform[0])
		return "cleaned";
	return "passed";
}

static json_t *
file_report(const struct bfile *f)
{
	const struct filter_report *r = &f->job.report;
	json_t *o = json_object();

	json_object_set_new(o, "file",
	    json_name(f->out_name ? f->out_name : f->doc->file));
	json_object_set_new(o, "original_file", json_name(f->doc->file));
	json_object_set_new(o, "document", json_string(f->doc->type));
	json_object_set_new(o, "type", json_string(r->type));
	json_object_set_new(o, "media_type", json_string(r->out_type));
	json_object_set_new(o, "width", json_integer(r->width));
	json_object_set_new(o, "height", json_integer(r->height));
	json_object_set_new(o, "pages", json_integer(r->pages));
	json_object_set_new(o, "dpi", json_integer(r->dpi));
	json_object_set_new(o, "color", json_boolean(r->color));
	json_object_set_new(o, "action", json_string(action_of(f)));
	json_object_set_new(o, "variant",
	    json_string(f->variant ? f->variant : "keep"));
	json_object_set_new(o, "legibility", json_integer(f->rank));
	if (r->transform[0])
		json_object_set_new(o, "transform", json_string(r->transform));
	json_object_set_new(o, "bytes_in", json_integer(r->bytes_in));
	json_object_set_new(o, "bytes_out", json_integer(r->bytes_out));
	json_object_set_new(o, "ms", json_integer(r->ms));
	json_object_set_new(o, "tries", json_integer(f->tries));
	return o;
}

json_t *
bundle_report_json(const struct bundle *b)
{
	json_t *o = json_object(), *files = json_array();
	uint64_t now = uv_hrtime() / 1000000;

	json_object_set_new(o, "application_id", json_name(b->id));
	json_object_set_new(o, "decision",
	    json_string(
		b->decision == DECIDE_ACCEPT ? "accepted" : "rejected"));
	json_object_set_new(o, "budget",
	    json_integer(b->conf->max_bundle_bytes));
	json_object_set_new(o, "bytes_in", json_integer(b->bytes_in));
	json_object_set_new(o, "bytes_out", json_integer(b->bytes_out));
	json_object_set_new(o, "ms", json_integer((json_int_t)(now - b->t0)));
	for (size_t i = 0; i < b->nfiles; i++)
		if (b->files[i].processed)
			json_array_append_new(files, file_report(&b->files[i]));
	json_object_set_new(o, "files", files);
	json_object_set(o, "warnings", b->warnings);
	return o;
}

static const struct bfile *
file_of(const struct bundle *b, const struct document *d)
{
	for (size_t i = 0; i < b->nfiles; i++)
		if (b->files[i].doc == d)
			return &b->files[i];
	return NULL;
}

/* The producer's manifest, each document extended (contract section 3). */
json_t *
bundle_outbox_manifest(const struct bundle *b)
{
	json_t *root = json_deep_copy(b->m.root);
	json_t *docs = json_object_get(root, "documents");

	for (size_t i = 0; i < b->m.ndocs; i++) {
		const struct bfile *f = file_of(b, &b->m.docs[i]);
		const struct filter_report *r = f ? &f->job.report : NULL;
		json_t *e = json_array_get(docs, i);
		if (!r || !e ||
		    !json_equal(json_object_get(e, "file"),
			json_object_get(b->m.docs[i].entry, "file")))
			continue;
		json_object_set_new(e, "file", json_name(f->out_name));
		json_object_set_new(e, "original_file",
		    json_name(f->doc->file));
		json_object_set_new(e, "media_type", json_string(r->out_type));
		json_object_set_new(e, "bytes", json_integer(r->bytes_out));
		json_object_set_new(e, "sha256", json_string(r->sha256_out));
		if (r->transform[0])
			json_object_set_new(e, "transform",
			    json_string(r->transform));
	}
	return root;
}
