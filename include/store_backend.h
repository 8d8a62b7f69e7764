/*
 * store_backend.h: what a back-end of store.h provides: one small table of
 * function pointers (as each of Redis's ae_*.c fills the aeApi* set), and
 * its open function. store.c picks the back-end from the store string and
 * hashes the IIN; a back-end sees only the hash (child), times in seconds
 * since the epoch, and a cutoff: a hold created at or before it has
 * expired.
 *
 * Tables (the same in both): qujat_hold (service, child_hmac,
 * application_id, institution, created), primary key (service,
 * child_hmac); qujat_outcome (application_id, service, outcome, decided),
 * primary key application_id; qujat_meta (name, value): key_check, the
 * site key's store_key_check(), set by the first opener and compared by
 * every other (a mismatch is refused with -EKEYREJECTED). An earlier version's
 * table (`holds` in SQLite, `qujat_holds` in PostgreSQL, with child_iin in
 * clear) is moved into qujat_hold, hashed, and dropped when the store is
 * opened.
 */
#ifndef QUJAT_STORE_BACKEND_H
#define QUJAT_STORE_BACKEND_H

#include <stdint.h>
#include "qerr.h"

struct store_key;

struct store_ops {
	const char *name;
	/* In one transaction: deletes the holds of service created at or
	 * before cutoff, inserts (service, child, application_id) unless
	 * the key is held, and sets *who to the holder afterwards
	 * (malloc'd: application_id when it was inserted or already ours).
	 * 0, or -EIO. store.c decides what the holder means. */
	int (*claim)(void *impl, const char *service, const char *child,
	    const char *application_id, const char *institution, int64_t now,
	    int64_t cutoff, char **who);
	/* *who: the holder of (service, child) created after cutoff, or
	 * NULL; 0 or -EIO. */
	int (*holder)(void *impl, const char *service, const char *child,
	    const char *application_id, int64_t cutoff, char **who);
	/* Deletes the row of (service, child) if application_id holds it;
	 * 0 (also when it did not) or -EIO. */
	int (*release)(void *impl, const char *service, const char *child,
	    const char *application_id);
	/* In one transaction: deletes application_id's hold and records
	 * outcome; 0, -ENOENT (neither a hold nor an outcome), or -EIO. */
	int (*decide)(void *impl, const char *application_id,
	    const char *outcome, int64_t now);
	/* Deletes the holds of service created at or before cutoff; how
	 * many, or -EIO. */
	int (*prune)(void *impl, const char *service, int64_t cutoff);
	void (*close)(void *impl);
};

/* Each opens its back-end from spec (a file path, a conninfo), upgrading
 * an earlier version's table with key; 0 or -errno with err set. */
int store_sqlite_open(const char *path, const struct store_key *key,
    int existing, void **impl, struct qerr *err);
int store_pg_open(const char *conninfo, const struct store_key *key,
    void **impl, struct qerr *err);

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

#endif
