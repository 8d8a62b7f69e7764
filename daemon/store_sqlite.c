/*
 * store_sqlite.c: the one-child-one-application rule in SQLite, for one
 * host (store_backend.h). The primary key (service, child_iin) makes the
 * database, not the daemon, decide who holds a child's place; a claim is
 * one INSERT in one transaction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>

#include "log.h"
#include "store_backend.h"

struct sq {
	sqlite3 *db;
};

static const char schema[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=FULL;"
	"CREATE TABLE IF NOT EXISTS holds ("
	" service TEXT NOT NULL,"
	" child_iin TEXT NOT NULL,"
	" application_id TEXT NOT NULL,"
	" institution TEXT,"
	" created INTEGER NOT NULL,"
	" PRIMARY KEY (service, child_iin));";

static void sq_close(void *impl);

int
store_sqlite_open(const char *path, void **out, struct qerr *err)
{
	struct sq *st = calloc(1, sizeof(*st));
	char *msg = NULL;
	int rc;

	if (!st)
		return qerr_set(err, -ENOMEM, "out of memory");
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_busy_timeout(st->db, 10000);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(st->db, schema, NULL, NULL, &msg);
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

/* The application holding (service, iin), malloc'd, or NULL. */
static char *
store_holder(struct sq *st, const char *service, const char *iin)
{
	sqlite3_stmt *q;
	char *id = NULL;

	if (sqlite3_prepare_v2(st->db, "SELECT application_id FROM holds "
	    "WHERE service = ?1 AND child_iin = ?2", -1, &q, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(q, 1, service, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, iin, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		id = strdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return id;
}

static int store_claim_locked(struct sq *st, const char *service,
    const char *child_iin, const char *application_id,
    const char *institution, char **who);

static int
sq_claim(void *impl, const char *service, const char *child_iin,
    const char *application_id, const char *institution, char **who)
{
	struct sq *st = impl;
	sqlite3_mutex *mx = sqlite3_db_mutex(st->db);
	int r;

	/* sqlite3_changes() must see our own INSERT, not another thread's. */
	sqlite3_mutex_enter(mx);
	r = store_claim_locked(st, service, child_iin, application_id,
	    institution, who);
	sqlite3_mutex_leave(mx);
	return r;
}

static int
store_claim_locked(struct sq *st, const char *service,
    const char *child_iin, const char *application_id,
    const char *institution, char **who)
{
	sqlite3_stmt *q;
	int rc;

	*who = NULL;
	rc = sqlite3_prepare_v2(st->db, "INSERT INTO holds (service, "
	    "child_iin, application_id, institution, created) VALUES "
	    "(?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING", -1, &q, NULL);
	if (rc != SQLITE_OK) {
		log_msg(LOG_ERR, application_id, "store: %s",
		    sqlite3_errmsg(st->db));
		return -EIO;
	}
	sqlite3_bind_text(q, 1, service, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, child_iin, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, application_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, institution, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		log_msg(LOG_ERR, application_id, "store: %s",
		    sqlite3_errmsg(st->db));
		return -EIO;
	}
	*who = sqlite3_changes(st->db) == 1 ? strdup(application_id) :
	    store_holder(st, service, child_iin);
	return *who ? 0 : -EIO;
}

static int
sq_holder(void *impl, const char *service, const char *child_iin,
    const char *application_id, char **who)
{
	(void)application_id;
	*who = store_holder(impl, service, child_iin);
	return 0;
}

static int
sq_release(void *impl, const char *service, const char *child_iin,
    const char *application_id)
{
	struct sq *st = impl;
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(st->db, "DELETE FROM holds WHERE service = ?1 "
	    "AND child_iin = ?2 AND application_id = ?3", -1, &q, NULL) !=
	    SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(q, 1, service, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, child_iin, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, application_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.claim = sq_claim,
	.holder = sq_holder,
	.release = sq_release,
	.close = sq_close,
};
