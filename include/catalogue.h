/*
 * catalogue.h: the data an operator may change without a rebuild: document
 * types and their names in kk/ru/en, the service checklists
 * (conf/services.conf) and the refusal texts (conf/messages.conf), with
 * {file}, {document} and {detail} placeholders.
 */
#ifndef QUJAT_CATALOGUE_H
#define QUJAT_CATALOGUE_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "qerr.h"

enum lang { LANG_KK, LANG_RU, LANG_EN, LANG_COUNT };

extern const char *const lang_code[LANG_COUNT]; /* "kk", "ru", "en" */

struct catalogue;

/* Loads both files; every service's documents must be known types, every
 * refusal code must have a text in all three languages. */
int catalogue_load(const char *services_path, const char *messages_path,
    struct catalogue **out, struct qerr *err);
void catalogue_free(struct catalogue *cat);

bool catalogue_has_service(const struct catalogue *cat, const char *service);
bool catalogue_has_document(const struct catalogue *cat, const char *type);
/* True for a photo type (photo_3x4): judged as a photo, not a page. */
bool catalogue_is_photo(const struct catalogue *cat, const char *type);
/* True when service lists type as required, alternative, group or optional. */
bool catalogue_service_lists(const struct catalogue *cat, const char *service,
    const char *type);

/* One unmet requirement of a checklist. Both strings are borrowed from
 * the catalogue. */
struct missing {
	const char *msg_key;  /* "document_missing", or the group's key */
	const char *document; /* a type, "a|b" alternatives, or a group */
};

/* Checks the checklist of service against the document types present.
 * Fills out[] with up to max unmet requirements; returns how many. */
int catalogue_check(const struct catalogue *cat, const char *service,
    const char *const *types, size_t ntypes, struct missing *out, size_t max);

/* The name to put in {document} for code in lang, quoted as a name is in
 * a sentence («...» in kk and ru, “...” in en): a type's name; for "a|b"
 * one name or the other («A» немесе «B», «A» или «B», “A” or “B”); for a
 * group every member's name, joined with "; " and the last with "or".
 * Unknown codes render as themselves. Malloc'd. */
char *catalogue_document_names(const struct catalogue *cat, const char *code,
    enum lang lang);

/* Renders message key in lang with {file}, {document}, {detail} replaced
 * (NULL arguments render as empty); {size} and {count} are detail written
 * as a size or a count for people (numtext.h). Returns a malloc'd string,
 * or NULL when key is unknown. */
char *catalogue_render(const struct catalogue *cat, const char *key,
    enum lang lang, const char *file, const char *document, const char *detail);

/* The message object of a reason or warning: {"kk": ..., "ru": ...,
 * "en": ...}, document a type, "a|b" or group code (names are looked up)
 * or NULL. New reference. */
json_t *catalogue_message_json(const struct catalogue *cat, const char *key,
    const char *file, const char *document, const char *detail);

/* The code of service i of services.conf, NULL past the last. */
const char *catalogue_service_code(const struct catalogue *cat, size_t i);

/* How many days an accepted application of service holds the child's
 * place (services.conf hold_days; 365 when unset or unknown). */
int catalogue_hold_days(const struct catalogue *cat, const char *service);

/* The key of message i of messages.conf, NULL past the last. */
const char *catalogue_message_key(const struct catalogue *cat, size_t i);

/* True when messages.conf has a text for key. */
bool catalogue_has_message(const struct catalogue *cat, const char *key);

#endif
