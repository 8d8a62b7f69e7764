/*
 * reasons.h: the list of refusal reasons found for one bundle. Every reason
 * is collected, not only the first, so a parent can fix all in one go.
 * A reason holds a contract code (spec/contract.md section 3), the key of
 * its text in messages.conf, and the values of the text's placeholders.
 */
#ifndef QUJAT_REASONS_H
#define QUJAT_REASONS_H

#include <stddef.h>

struct reason {
	char *code;	/* contract code, e.g. "file_corrupt" */
	char *msg_key;	/* messages.conf key, e.g. "limit_pixels" */
	char *file;	/* file name concerned, or NULL */
	char *document; /* document type code concerned, or NULL */
	char *detail;	/* {detail}: the limit passed, the field at fault */
};

struct reasons {
	struct reason *v;
	size_t n, cap;
};

/* Appends a reason; strings are copied. msg_key NULL means code. Returns 0
 * or -ENOMEM. A reason identical to one already listed is not repeated. */
int reasons_add(struct reasons *r, const char *code, const char *msg_key,
    const char *file, const char *document, const char *detail);

/* True when a reason with this code is listed. */
int reasons_has(const struct reasons *r, const char *code);

void reasons_release(struct reasons *r);

#endif
