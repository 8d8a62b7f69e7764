/*
 * store.h: the one-child-one-application rule (spec/services.md, rule 1):
 * which application holds each (service, child). The database enforces
 * uniqueness (a primary key and one transaction per claim), never a
 * read-then-write. A hold lasts until the case system's decision releases
 * it (contract section 5), an operator does (`qujat release`), or
 * hold_days pass; expired holds are pruned. The child is kept as
 * HMAC-SHA-256 of its IIN under the site key (store_key.h), never the
 * number. Two back-ends (store_backend.h): embedded SQLite in the state
 * folder for one host, PostgreSQL (libpq) shared by several hosts. A
 * store made by an earlier version (IINs in clear) is upgraded when
 * opened, keeping every hold. Calls block; they are made from libuv's
 * thread pool and are safe there (each back-end serializes its one
 * connection).
 */
#ifndef QUJAT_STORE_H
#define QUJAT_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include "qerr.h"

struct conf;
struct store;
struct store_key;

/* Opens the store spec names: a libpq conninfo ("postgresql://...",
 * "postgres://..." or key=value words) opens PostgreSQL, creating the
 * tables when missing (an unreachable server is retried at each call);
 * anything else is the path of the SQLite file, created when missing
 * unless existing is set. key is copied. Returns 0 or -errno/-EIO with
 * err set. */
int store_open(const char *spec, const struct store_key *key, bool existing,
    struct store **out, struct qerr *err);

/* The store of configuration c: its `store` (or <state_dir>/store.sqlite)
 * with the site key of <state_dir>/site.key. daemon: create what is
 * missing (the key, the SQLite file), as qujatd does; an operator's tool
 * opens only what exists. */
int store_open_conf(const struct conf *c, bool daemon, struct store **out,
    struct qerr *err);
void store_close(struct store *st);

/* True when spec names PostgreSQL rather than a SQLite file. */
int store_is_pg(const char *spec);

/* "sqlite" or "postgresql", for the logs. */
const char *store_kind(const struct store *st);

/* Claims (service, child_iin) for application_id, for hold_days from now
 * (an older hold of that service than hold_days is expired: pruned, not
 * an obstacle). Returns 0 when it now holds it (also when it already did:
 * a resumed bundle claims again), -EEXIST when another application holds
 * it (*holder, when not NULL, gets its id, malloc'd), or -EIO (the store
 * failed: the caller retries later; the failure is logged with the
 * application id). */
int store_claim(struct store *st, const char *service, const char *child_iin,
    const char *application_id, const char *institution, int hold_days,
    char **holder);

/* True (1) when another application holds (service, child_iin) and its
 * hold has not expired; 0 also when the store cannot say. */
int store_held_by_other(struct store *st, const char *service,
    const char *child_iin, const char *application_id, int hold_days);

/* Gives up (service, child_iin) if application_id holds it: a refused
 * bundle holds nothing, also when an earlier try had claimed before its
 * publication failed. 0 (also when it held nothing) or -EIO. */
int store_release(struct store *st, const char *service, const char *child_iin,
    const char *application_id);

/* The case system decided application_id (outcome "enrolled", "refused",
 * "withdrawn", or "released" by an operator): its hold is released and
 * the outcome recorded. 0 (also when it was decided before), -ENOENT when
 * the store knows no such application (never held, or expired), -EIO. */
int store_decide(struct store *st, const char *application_id,
    const char *outcome);

/* Removes the holds of service older than hold_days; how many, or -EIO. */
int store_prune(struct store *st, const char *service, int hold_days);

#endif
