/*
 * store.h: the one-child-one-application rule (spec/services.md, rule 1):
 * which application holds each (service, child IIN). The database enforces
 * uniqueness (a primary key and one transaction per claim), never a
 * read-then-write. Embedded SQLite in the state folder; safe to call from
 * libuv's thread pool (one serialized connection).
 */
#ifndef QUJAT_STORE_H
#define QUJAT_STORE_H

#include "qerr.h"

struct store;

/* Opens (creating) the store at path. Returns 0 or -errno/-EIO. */
int store_open(const char *path, struct store **out, struct qerr *err);
void store_close(struct store *st);

/* Claims (service, child_iin) for application_id. Returns 0 when it now
 * holds it (also when it already did: a resumed bundle claims again),
 * -EEXIST when another application holds it (*holder, when not NULL, gets
 * its id, malloc'd), or -EIO. */
int store_claim(struct store *st, const char *service, const char *child_iin,
    const char *application_id, const char *institution, char **holder);

/* True (1) when another application holds (service, child_iin). */
int store_held_by_other(struct store *st, const char *service,
    const char *child_iin, const char *application_id);

#endif
