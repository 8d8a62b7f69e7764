/*
 * store_backend.h: what a back-end of store.h provides: one small table of
 * function pointers (as each of Redis's ae_*.c fills the aeApi* set), and
 * its open function. store.c picks the back-end from the store string.
 */
#ifndef QUJAT_STORE_BACKEND_H
#define QUJAT_STORE_BACKEND_H

#include "qerr.h"

struct store_ops {
	const char *name;
	/* Inserts (service, child_iin, application_id) unless the key is
	 * held, in one transaction, and sets *who to the holder afterwards
	 * (malloc'd: application_id when it was inserted or already ours).
	 * 0, or -EIO. store.c decides what the holder means. */
	int (*claim)(void *impl, const char *service, const char *child_iin,
	    const char *application_id, const char *institution, char **who);
	/* *who: the holder of (service, child_iin), or NULL; 0 or -EIO. */
	int (*holder)(void *impl, const char *service, const char *child_iin,
	    const char *application_id, char **who);
	/* Deletes the row of (service, child_iin) if application_id holds
	 * it; 0 (also when it did not) or -EIO. */
	int (*release)(void *impl, const char *service, const char *child_iin,
	    const char *application_id);
	void (*close)(void *impl);
};

/* Each opens its back-end from spec (a file path, a conninfo); 0 or
 * -errno with err set. */
int store_sqlite_open(const char *path, void **impl, struct qerr *err);
int store_pg_open(const char *conninfo, void **impl, struct qerr *err);

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

#endif
