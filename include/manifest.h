/*
 * manifest.h: manifest.json (spec/contract.md section 2), parsed with
 * jansson after its size and nesting depth are checked, since it is the one
 * producer-written file the trusted daemon reads. Problems become reasons
 * (manifest_invalid, service_unknown, iin_invalid), all of them, not only
 * the first.
 */
#ifndef QUJAT_MANIFEST_H
#define QUJAT_MANIFEST_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "reasons.h"

struct catalogue;

struct document {
	const char *file; /* borrowed from root */
	const char *type;
	int64_t bytes;	    /* -1 when absent */
	const char *sha256; /* lowercase hex, or NULL when absent */
	json_t *entry;	    /* the object, to extend in the outbox copy */
};

struct manifest {
	json_t *root; /* owns every string above */
	const char *application_id;
	const char *service;
	const char *locale; /* "kk", "ru" or "en"; NULL when invalid */
	const char *child_iin;
	const char *applicant_iin; /* NULL when absent */
	const char *institution_id;
	struct document *docs;
	size_t ndocs;
};

struct manifest_limits {
	size_t max_bytes;
	size_t max_depth;
	size_t max_documents;
};

/* True when id matches ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$. */
int manifest_id_valid(const char *id);

/* True when name is a valid bundle file name: not empty, no '/', no NUL,
 * no leading '.', at most 255 bytes, valid UTF-8, no control characters. */
int manifest_file_name_valid(const char *name);

/* Parses buf (not NUL-terminated) for the bundle in folder dir_id.
 * Returns 0 when the manifest could be used to go on (m filled, maybe with
 * reasons added, e.g. iin_invalid); -EINVAL when it cannot (m empty,
 * manifest_invalid added). Either way the caller calls manifest_release. */
int manifest_parse(const unsigned char *buf, size_t len, const char *dir_id,
    const struct manifest_limits *lim, const struct catalogue *cat,
    struct manifest *m, struct reasons *r);

void manifest_release(struct manifest *m);

#endif
