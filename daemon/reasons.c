/*
 * reasons.c: the refusal reasons of one bundle (reasons.h). The values
 * may come from a manifest; they are only copied here, never interpreted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reasons.h"

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static char *
str_dup(const char *s, int *fail)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*fail = 1;
	return d;
}

static void
reason_release(struct reason *x)
{
	free(x->code);
	free(x->msg_key);
	free(x->file);
	free(x->document);
	free(x->detail);
}

static int
reasons_listed(const struct reasons *r, const struct reason *x)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct reason *y = &r->v[i];
		if (str_eq(x->code, y->code) &&
		    str_eq(x->msg_key, y->msg_key) &&
		    str_eq(x->file, y->file) &&
		    str_eq(x->document, y->document) &&
		    str_eq(x->detail, y->detail))
			return 1;
	}
	return 0;
}

static int
reasons_grow(struct reasons *r)
{
	struct reason *v;
	size_t cap;

	if (r->n < r->cap)
		return 0;
	cap = r->cap ? r->cap * 2 : 8;
	if ((v = reallocarray(r->v, cap, sizeof(*v))) == NULL)
		return -ENOMEM;
	r->v = v;
	r->cap = cap;
	return 0;
}

int
reasons_add(struct reasons *r, const char *code, const char *msg_key,
    const char *file, const char *document, const char *detail)
{
	struct reason x = { 0 };
	int fail = 0, rc = 0;

	x.code = str_dup(code, &fail);
	x.msg_key = str_dup(msg_key ? msg_key : code, &fail);
	x.file = str_dup(file, &fail);
	x.document = str_dup(document, &fail);
	x.detail = str_dup(detail, &fail);
	if (fail)
		rc = -ENOMEM;
	else if (!reasons_listed(r, &x) && (rc = reasons_grow(r)) == 0) {
		r->v[r->n++] = x;
		return 0;
	}
	reason_release(&x);
	return rc;
}

int
reasons_has(const struct reasons *r, const char *code)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i].code, code) == 0)
			return 1;
	return 0;
}

void
reasons_release(struct reasons *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		reason_release(&r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}
