/*
 * store_sqlite.c: the one-child-one-application rule in SQLite, for one
 * host (store_backend.h). The primary key (service, child_hmac) makes the
 * database, not the daemon, decide who holds a child's place; a claim is
 * one transaction. secure_delete zeroes what is deleted, and the upgrade
 * from an earlier version's table (IINs in clear) ends with VACUUM and a
 * truncated WAL, so no file of the store keeps an IIN.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "log.h"
#include "store_backend.h"
#include "store_key.h"

struct sq {
	sqlite3 *db;
};

static const char schema[] = "PRAGMA journal_mode=WAL;"
			     "PRAGMA synchronous=FULL;"
			     "PRAGMA secure_delete=ON;"
			     "CREATE TABLE IF NOT EXISTS qujat_hold ("
			     " service TEXT NOT NULL,"
			     " child_hmac TEXT NOT NULL,"
			     " application_id TEXT NOT NULL,"
			     " institution TEXT,"
			     " created INTEGER NOT NULL,"
			     " PRIMARY KEY (service, child_hmac));"
			     "CREATE INDEX IF NOT EXISTS qujat_hold_application"
			     " ON qujat_hold (application_id);"
			     "CREATE TABLE IF NOT EXISTS qujat_outcome ("
			     " application_id TEXT PRIMARY KEY,"
			     " service TEXT NOT NULL,"
			     " outcome TEXT NOT NULL,"
			     " decided INTEGER NOT NULL);"
			     "CREATE TABLE IF NOT EXISTS qujat_meta ("
			     " name TEXT PRIMARY KEY,"
			     " value TEXT NOT NULL);";

static void sq_close(void *impl);

/* Prepares sql and binds the nt texts of t, then the nv integers of v;
 * NULL on failure (logged). */
static sqlite3_stmt *
prep(struct sq *st, const char *sql, const char *const *t, int nt,
    const int64_t *v, int nv)
{
	sqlite3_stmt *q;
	int i;

	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK) {
		log_msg(LOG_ERR, NULL, "store: %s", sqlite3_errmsg(st->db));
		return NULL;
	}
	for (i = 0; i < nt; i++)
		sqlite3_bind_text(q, i + 1, t[i], -1, SQLITE_STATIC);
	for (i = 0; i < nv; i++)
		sqlite3_bind_int64(q, nt + i + 1, v[i]);
	return q;
}

/* Runs a statement that returns no row; 0 or -EIO. */
static int
run(struct sq *st, const char *sql, const char *const *t, int nt,
    const int64_t *v, int nv)
{
	sqlite3_stmt *q = prep(st, sql, t, nt, v, nv);
	int rc;

	if (q == NULL)
		return -EIO;
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		log_msg(LOG_ERR, NULL, "store: %s", sqlite3_errmsg(st->db));
		return -EIO;
	}
	return 0;
}

/* The first column of the first row, malloc'd, or NULL. */
static char *
first_text(struct sq *st, const char *sql, const char *const *t, int nt,
    const int64_t *v, int nv)
{
	sqlite3_stmt *q = prep(st, sql, t, nt, v, nv);
	char *s = NULL;

	if (q != NULL && sqlite3_step(q) == SQLITE_ROW)
		s = strdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return s;
}

/* One transaction, the connection's mutex held from tx_begin to
 * tx_end (other threads share the connection): tx_begin returns 0 or
 * -errno (nothing then held); tx_end(st, r) commits when r is 0, else
 * rolls back, and returns r or -EIO. */
static int
tx_begin(struct sq *st)
{
	int r;

	sqlite3_mutex_enter(sqlite3_db_mutex(st->db));
	if ((r = run(st, "BEGIN IMMEDIATE", NULL, 0, NULL, 0)) < 0)
		sqlite3_mutex_leave(sqlite3_db_mutex(st->db));
	return r;
}

static int
tx_end(struct sq *st, int r)
{
	if (r != 0 || run(st, "COMMIT", NULL, 0, NULL, 0) != 0) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		r = r < 0 ? r : -EIO;
	}
	sqlite3_mutex_leave(sqlite3_db_mutex(st->db));
	return r;
}

/* The site key is the one the store was made with. */
static int
check_key(struct sq *st, const struct store_key *key, struct qerr *err)
{
	char check[STORE_HMAC_HEX], *have;
	const char *t[] = { check };
	int r;

	store_key_check(key, check);
	if (run(st,
		"INSERT INTO qujat_meta (name, value) VALUES "
		"('key_check', ?1) ON CONFLICT DO NOTHING",
		t, 1, NULL, 0) < 0 ||
	    (have = first_text(st,
		 "SELECT value FROM qujat_meta WHERE name = "
		 "'key_check'",
		 NULL, 0, NULL, 0)) == NULL)
		return -EIO;
	r = strcmp(have, check) == 0 ?
	    0 :
	    qerr_set(err, -EKEYREJECTED,
		"the store was made with another site key than this one: its "
		"holds would not be recognised (restore the state folder's "
		"site.key)");
	free(have);
	return r;
}

/* Copies the rows of an earlier version's `holds`, hashed; drops it. */
static int
migrate_rows(struct sq *st, const struct store_key *key, int *n)
{
	sqlite3_stmt *q = prep(st,
	    "SELECT service, child_iin, "
	    "application_id, institution, created FROM holds",
	    NULL, 0, NULL, 0);
	char hmac[STORE_HMAC_HEX];
	int r = q ? 0 : -EIO;

	while (r == 0 && sqlite3_step(q) == SQLITE_ROW) {
		const char *t[4] = { (const char *)sqlite3_column_text(q, 0),
			hmac, (const char *)sqlite3_column_text(q, 2),
			(const char *)sqlite3_column_text(q, 3) };
		int64_t created = sqlite3_column_int64(q, 4);
		store_key_hmac(key, (const char *)sqlite3_column_text(q, 1),
		    hmac);
		r = run(st,
		    "INSERT INTO qujat_hold (service, child_hmac, "
		    "application_id, institution, created) VALUES (?1, ?2, ?3, "
		    "?4, ?5) ON CONFLICT DO NOTHING",
		    t, 4, &created, 1);
		(*n)++;
	}
	sqlite3_finalize(q);
	return r == 0 ? run(st, "DROP TABLE holds", NULL, 0, NULL, 0) : r;
}

/* An earlier version's table, with IINs in clear, into qujat_hold. */
static int
migrate(struct sq *st, const struct store_key *key, const char *path)
{
	char *legacy = first_text(st,
	    "SELECT name FROM sqlite_master WHERE "
	    "type = 'table' AND name = 'holds'",
	    NULL, 0, NULL, 0);
	int n = 0, r;

	if (legacy == NULL)
		return 0;
	free(legacy);
	if ((r = tx_begin(st)) < 0 ||
	    (r = tx_end(st, migrate_rows(st, key, &n))) < 0)
		return r;
	/* the pages and WAL frames that held the numbers, rewritten */
	if (sqlite3_exec(st->db, "VACUUM; PRAGMA wal_checkpoint(TRUNCATE);",
		NULL, NULL, NULL) != SQLITE_OK)
		return -EIO;
	log_msg(LOG_NOTICE, NULL,
	    "store: '%s' upgraded: %d holds kept, IINs "
	    "replaced by their keyed hash",
	    path, n);
	return 0;
}

int
store_sqlite_open(const char *path, const struct store_key *key, int existing,
    void **out, struct qerr *err)
{
	struct sq *st = calloc(1, sizeof(*st));
	char *msg = NULL;
	int rc;

	if (!st)
		return qerr_set(err, -ENOMEM, "out of memory");
	rc = sqlite3_open_v2(path, &st->db,
	    SQLITE_OPEN_READWRITE | (existing ? 0 : SQLITE_OPEN_CREATE) |
		SQLITE_OPEN_FULLMUTEX,
	    NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_busy_timeout(st->db, 10000);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(st->db, schema, NULL, NULL, &msg);
	if (rc == SQLITE_OK && (rc = check_key(st, key, err)) < 0) {
		sq_close(st);
		return rc == -EKEYREJECTED ? rc :
					     qerr_set(err, rc,
						 "cannot "
						 "open store '%s'",
						 path);
	}
	if (rc == SQLITE_OK && migrate(st, key, path) < 0)
		rc = SQLITE_ERROR;
	if (rc != SQLITE_OK) {
		qerr_set(err, -EIO, "cannot open store '%s': %s", path,
		    msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		sq_close(st);
		return -EIO;
	}
	*out = st;
	return 0;
}

static void
sq_close(void *impl)
{
	struct sq *st = impl;

	if (!st)
		return;
	sqlite3_close(st->db);
	free(st);
}

static char *
holder_of(struct sq *st, const char *service, const char *child, int64_t cutoff)
{
	const char *t[] = { service, child };

	return first_text(st,
	    "SELECT application_id FROM qujat_hold WHERE "
	    "service = ?1 AND child_hmac = ?2 AND created > ?3",
	    t, 2, &cutoff, 1);
}

static int
claim_tx(struct sq *st, const char *service, const char *child,
    const char *application_id, const char *institution, int64_t now,
    int64_t cutoff, char **who)
{
	const char *t[] = { service, child, application_id, institution };
	int r;

	if ((r = run(st,
		 "DELETE FROM qujat_hold WHERE service = ?1 AND "
		 "created <= ?2",
		 t, 1, &cutoff, 1)) < 0 ||
	    (r = run(st,
		 "INSERT INTO qujat_hold (service, child_hmac, "
		 "application_id, institution, created) VALUES (?1, ?2, ?3, ?4, "
		 "?5) ON CONFLICT DO NOTHING",
		 t, 4, &now, 1)) < 0)
		return r;
	*who = sqlite3_changes(st->db) == 1 ?
	    strdup(application_id) :
	    holder_of(st, service, child, cutoff);
	return *who ? 0 : -EIO;
}

static int
sq_claim(void *impl, const char *service, const char *child,
    const char *application_id, const char *institution, int64_t now,
    int64_t cutoff, char **who)
{
	struct sq *st = impl;
	int r;

	*who = NULL;
	/* sqlite3_changes() must see our own INSERT, not another thread's */
	if ((r = tx_begin(st)) == 0)
		r = tx_end(st,
		    claim_tx(st, service, child, application_id, institution,
			now, cutoff, who));
	if (r < 0) {
		free(*who);
		*who = NULL;
		log_msg(LOG_ERR, application_id, "store: claim failed");
	}
	return r;
}

static int
sq_holder(void *impl, const char *service, const char *child,
    const char *application_id, int64_t cutoff, char **who)
{
	(void)application_id;
	*who = holder_of(impl, service, child, cutoff);
	return 0;
}

static int
sq_release(void *impl, const char *service, const char *child,
    const char *application_id)
{
	const char *t[] = { service, child, application_id };

	return run(impl,
	    "DELETE FROM qujat_hold WHERE service = ?1 AND "
	    "child_hmac = ?2 AND application_id = ?3",
	    t, 3, NULL, 0);
}

static int
decide_tx(struct sq *st, const char *application_id, const char *outcome,
    int64_t now)
{
	const char *t[] = { application_id, NULL, outcome };
	char *service = first_text(st,
	    "DELETE FROM qujat_hold WHERE "
	    "application_id = ?1 RETURNING service",
	    t, 1, NULL, 0);
	char *known;
	int r;

	if (service == NULL) { /* decided before, or never held */
		known = first_text(st,
		    "SELECT outcome FROM qujat_outcome "
		    "WHERE application_id = ?1",
		    t, 1, NULL, 0);
		free(known);
		return known ? 0 : -ENOENT;
	}
	t[1] = service;
	r = run(st,
	    "INSERT INTO qujat_outcome (application_id, service, "
	    "outcome, decided) VALUES (?1, ?2, ?3, ?4) ON CONFLICT "
	    "(application_id) DO UPDATE SET outcome = excluded.outcome, "
	    "decided = excluded.decided",
	    t, 3, &now, 1);
	free(service);
	return r;
}

static int
sq_decide(void *impl, const char *application_id, const char *outcome,
    int64_t now)
{
	struct sq *st = impl;
	int r;

	if ((r = tx_begin(st)) == 0)
		r = tx_end(st, decide_tx(st, application_id, outcome, now));
	return r;
}

static int
sq_prune(void *impl, const char *service, int64_t cutoff)
{
	struct sq *st = impl;
	sqlite3_mutex *mx = sqlite3_db_mutex(st->db);
	int r;

	sqlite3_mutex_enter(mx);
	r = run(st,
	    "DELETE FROM qujat_hold WHERE service = ?1 AND "
	    "created <= ?2",
	    &service, 1, &cutoff, 1);
	if (r == 0)
		r = sqlite3_changes(st->db);
	sqlite3_mutex_leave(mx);
	return r;
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.claim = sq_claim,
	.holder = sq_holder,
	.release = sq_release,
	.decide = sq_decide,
	.prune = sq_prune,
	.close = sq_close,
};
