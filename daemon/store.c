/*
 * store.c: the one-child-one-application store (store.h) in front of its
 * two back-ends: SQLite in the state folder (one host) and PostgreSQL
 * (several hosts sharing the rule). It turns each IIN into its keyed hash
 * before a back-end sees it, and hold_days into a cutoff. Trusted input
 * only: the operator's store string and ids the manifest parser
 * validated.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "store.h"
#include "store_backend.h"
#include "store_key.h"

struct store {
	const struct store_ops *ops;
	void *impl;
	struct store_key key;
};

int
store_is_pg(const char *spec)
{
	return spec != NULL &&
	    (strncmp(spec, "postgresql://", 13) == 0 ||
		strncmp(spec, "postgres://", 11) == 0 ||
		strchr(spec, '=') != NULL);
}

int
store_open(const char *spec, const struct store_key *key, bool existing,
    struct store **out, struct qerr *err)
{
	struct store *st = calloc(1, sizeof(*st));
	int r;

	*out = NULL;
	if (st == NULL)
		return qerr_set(err, -ENOMEM, "out of memory");
	st->key = *key;
	if (store_is_pg(spec)) {
		st->ops = &store_pg_ops;
		r = store_pg_open(spec, &st->key, &st->impl, err);
	} else {
		st->ops = &store_sqlite_ops;
		r = store_sqlite_open(spec, &st->key, existing, &st->impl, err);
	}
	if (r < 0) {
		free(st);
		return r;
	}
	*out = st;
	return 0;
}

int
store_open_conf(const struct conf *c, bool daemon, struct store **out,
    struct qerr *err)
{
	struct store_key key;
	char path[4096], kpath[4096];
	int r;

	*out = NULL;
	store_key_path(c->state_dir, kpath, sizeof(kpath));
	if ((r = store_key_load(kpath, daemon, &key, err)) < 0)
		return r;
	if (c->store && strcmp(c->store, "sqlite") != 0)
		snprintf(path, sizeof(path), "%s", c->store);
	else
		snprintf(path, sizeof(path), "%s/store.sqlite", c->state_dir);
	r = store_open(path, &key, !daemon, out, err);
	memset(&key, 0, sizeof(key));
	return r;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	st->ops->close(st->impl);
	memset(&st->key, 0, sizeof(st->key));
	free(st);
}

const char *
store_kind(const struct store *st)
{
	return st->ops->name;
}

/* Holds created at or before this have expired. */
static int64_t
cutoff_of(int64_t now, int hold_days)
{
	return now - (int64_t)hold_days * 86400;
}

int
store_claim(struct store *st, const char *service, const char *child_iin,
    const char *application_id, const char *institution, int hold_days,
    char **holder)
{
	char child[STORE_HMAC_HEX], *who = NULL;
	int64_t now = (int64_t)time(NULL);
	int r;

	store_key_hmac(&st->key, child_iin, child);
	r = st->ops->claim(st->impl, service, child, application_id,
	    institution, now, cutoff_of(now, hold_days), &who);
	if (r < 0 || who == NULL) {
		free(who);
		return -EIO; /* inserted or held: never neither */
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
    const char *child_iin, const char *application_id, int hold_days)
{
	char child[STORE_HMAC_HEX], *who = NULL;
	int held;

	store_key_hmac(&st->key, child_iin, child);
	if (st->ops->holder(st->impl, service, child, application_id,
		cutoff_of((int64_t)time(NULL), hold_days), &who) < 0)
		return 0;
	held = who != NULL && strcmp(who, application_id) != 0;
	free(who);
	return held;
}

int
store_release(struct store *st, const char *service, const char *child_iin,
    const char *application_id)
{
	char child[STORE_HMAC_HEX];

	store_key_hmac(&st->key, child_iin, child);
	return st->ops->release(st->impl, service, child, application_id);
}

int
store_decide(struct store *st, const char *application_id, const char *outcome)
{
	return st->ops->decide(st->impl, application_id, outcome,
	    (int64_t)time(NULL));
}

int
store_prune(struct store *st, const char *service, int hold_days)
{
	return st->ops->prune(st->impl, service,
	    cutoff_of((int64_t)time(NULL), hold_days));
}
