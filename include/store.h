/*
 * store.h: the one-child-one-application rule (spec/services.md, rule 1):
 * which application holds each (service, child IIN). The database enforces
 * uniqueness (a primary key and one transaction per claim), never a
 * read-then-write. Two back-ends (store_backend.h): embedded SQLite in the
 * state folder for one host, PostgreSQL (libpq) shared by several hosts.
 * Calls block; they are made from libuv's thread pool and are safe there
 * (each back-end serializes its one connection).
 */
#ifndef QUJAT_STORE_H
#define QUJAT_STORE_H

#include "qerr.h"

struct store;

/* Opens the store spec names: a libpq conninfo ("postgresql://...",
 * "postgres://..." or key=value words) opens PostgreSQL, creating the table
 * when missing (an unreachable server is retried at each claim); anything
 * else is the path of the SQLite file, created when missing. Returns 0 or
 * -errno/-EIO with err set. */
int store_open(const char *spec, struct store **out, struct qerr *err);
void store_close(struct store *st);

/* True when spec names PostgreSQL rather than a SQLite file. */
int store_is_pg(const char *spec);

/* "sqlite" or "postgresql", for the logs. */
const char *store_kind(const struct store *st);

/* Claims (service, child_iin) for application_id. Returns 0 when it now
 * holds it (also when it already did: a resumed bundle claims again),
 * -EEXIST when another application holds it (*holder, when not NULL, gets
 * its id, malloc'd), or -EIO (the store failed: the caller retries later;
 * the failure is logged with the application id). */
int store_claim(struct store *st, const char *service, const char *child_iin,
    const char *application_id, const char *institution, char **holder);

/* True (1) when another application holds (service, child_iin); 0 also
 * when the store cannot say. */
int store_held_by_other(struct store *st, const char *service,
    const char *child_iin, const char *application_id);

/* Gives up (service, child_iin) if application_id holds it: a refused
 * bundle holds nothing, also when an earlier try had claimed before its
 * publication failed. 0 (also when it held nothing) or -EIO. */
int store_release(struct store *st, const char *service,
    const char *child_iin, const char *application_id);

#endif
