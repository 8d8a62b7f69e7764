/*
 * store.c: the one-child-one-application store (store.h) in front of its
 * two back-ends: SQLite in the state folder (one host) and PostgreSQL
 * (several hosts sharing the rule). Trusted input only: the operator's
 * store string and ids the manifest parser validated.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_backend.h"

struct store {
	const struct store_ops *ops;
	void *impl;
};

int
store_is_pg(const char *spec)
{
	return spec != NULL && (strncmp(spec, "postgresql://", 13) == 0 ||
	    strncmp(spec, "postgres://", 11) == 0 || strchr(spec, '=') != NULL);
}

int
store_open(const char *spec, struct store **out, struct qerr *err)
{
	struct store *st = calloc(1, sizeof(*st));
	int r;

	*out = NULL;
	if (st == NULL)
		return qerr_set(err, -ENOMEM, "out of memory");
	if (store_is_pg(spec)) {
		st->ops = &store_pg_ops;
		r = store_pg_open(spec, &st->impl, err);
	} else {
		st->ops = &store_sqlite_ops;
		r = store_sqlite_open(spec, &st->impl, err);
	}
	if (r < 0) {
		free(st);
		return r;
	}
	*out = st;
	return 0;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	st->ops->close(st->impl);
	free(st);
}

const char *
store_kind(const struct store *st)
{
	return st->ops->name;
}

int
store_claim(struct store *st, const char *service, const char *child_iin,
    const char *application_id, const char *institution, char **holder)
{
	char *who = NULL;
	int r;

	r = st->ops->claim(st->impl, service, child_iin, application_id,
	    institution, &who);
	if (r < 0 || who == NULL) {
		free(who);
		return -EIO;	/* inserted or held: never neither */
	}
	/* Ours also when a resumed bundle claims again. */
	if (strcmp(who, application_id) == 0) {
		free(who);
		return 0;
	}
	if (holder)
		*holder = who;
	else
		free(who);
	return -EEXIST;
}

int
store_held_by_other(struct store *st, const char *service,
    const char *child_iin, const char *application_id)
{
	char *who = NULL;
	int held;

	if (st->ops->holder(st->impl, service, child_iin, application_id,
	    &who) < 0)
		return 0;
	held = who != NULL && strcmp(who, application_id) != 0;
	free(who);
	return held;
}

int
store_release(struct store *st, const char *service, const char *child_iin,
    const char *application_id)
{
	return st->ops->release(st->impl, service, child_iin, application_id);
}
