/*
 * store_pg.c: the one-child-one-application rule in PostgreSQL (libpq),
 * shared by several qujatd hosts (store_backend.h). The primary key
 * (service, child_hmac) decides; a claim is one transaction: DELETE the
 * service's expired holds, INSERT ... ON CONFLICT DO NOTHING, then SELECT
 * the holder (which, under READ COMMITTED, sees a concurrent winner once
 * its INSERT has waited for it). Calls block and come from libuv's thread
 * pool: one connection behind a mutex, reconnected when it breaks. The
 * conninfo (it may hold a password) is never logged.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "store_backend.h"
#include "store_key.h"

#define PG_CONNECT_TIMEOUT "10" /* seconds, unless conninfo says */

struct pg {
	pthread_mutex_t mx;
	PGconn *conn;
	char *conninfo;
	const struct store_key *key; /* the store's, for the upgrade */
	bool key_rejected;	     /* the tables hold another key's */
};

static const char pg_schema[] =
    "SET statement_timeout = 30000;"
    "CREATE TABLE IF NOT EXISTS qujat_hold ("
    " service text NOT NULL,"
    " child_hmac text NOT NULL,"
    " application_id text NOT NULL,"
    " institution text,"
    " created bigint NOT NULL,"
    " PRIMARY KEY (service, child_hmac));"
    "CREATE INDEX IF NOT EXISTS qujat_hold_application"
    " ON qujat_hold (application_id);"
    "CREATE TABLE IF NOT EXISTS qujat_outcome ("
    " application_id text PRIMARY KEY,"
    " service text NOT NULL,"
    " outcome text NOT NULL,"
    " decided bigint NOT NULL);"
    "CREATE TABLE IF NOT EXISTS qujat_meta ("
    " name text PRIMARY KEY,"
    " value text NOT NULL)";

/* PQerrorMessage without its trailing newline, into buf. */
static const char *
pg_error(PGconn *c, char *buf, size_t len)
{
	size_t n;

	snprintf(buf, len, "%s", c ? PQerrorMessage(c) : "out of memory");
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return buf;
}

static bool
exec_ok(PGconn *c, const char *sql)
{
	PGresult *res = PQexec(c, sql);
	ExecStatusType s = PQresultStatus(res);

	PQclear(res);
	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

/* Runs sql with n text parameters; the result (check and PQclear it). */
static PGresult *
pq(PGconn *c, const char *sql, int n, const char *const *params)
{
	return PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
}

/* Runs sql with n parameters, expecting no error; 0 or -EIO. */
static int
pq_ok(PGconn *c, const char *sql, int n, const char *const *params)
{
	PGresult *res = pq(c, sql, n, params);
	ExecStatusType s = PQresultStatus(res);

	PQclear(res);
	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? 0 : -EIO;
}

/* The first column of the first row into *out (malloc'd, NULL: none);
 * 0, -EIO or -ENOMEM. */
static int
pq_text(PGconn *c, const char *sql, int n, const char *const *params,
    char **out)
{
	PGresult *res = pq(c, sql, n, params);
	int r = 0;

	*out = NULL;
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		r = -EIO;
	else if (PQntuples(res) > 0 &&
	    (*out = strdup(PQgetvalue(res, 0, 0))) == NULL)
		r = -ENOMEM;
	PQclear(res);
	return r;
}

static int
end_tx(PGconn *c, int r)
{
	if (r == 0 && exec_ok(c, "COMMIT"))
		return 0;
	if (PQstatus(c) == CONNECTION_OK)
		exec_ok(c, "ROLLBACK");
	return r < 0 ? r : -EIO;
}

/* Copies the rows of res (an earlier version's qujat_holds) hashed. */
static int
migrate_rows(struct pg *p, PGresult *res)
{
	char hmac[STORE_HMAC_HEX];
	int r = 0, i;

	for (i = 0; r == 0 && i < PQntuples(res); i++) {
		const char *v[] = { PQgetvalue(res, i, 0), hmac,
			PQgetvalue(res, i, 2),
			PQgetisnull(res, i, 3) ? NULL : PQgetvalue(res, i, 3),
			PQgetvalue(res, i, 4) };
		store_key_hmac(p->key, PQgetvalue(res, i, 1), hmac);
		r = pq_ok(p->conn,
		    "INSERT INTO qujat_hold (service, "
		    "child_hmac, application_id, institution, created) VALUES "
		    "($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
		    5, v);
	}
	return r;
}

/* An earlier version's table, with IINs in clear, into qujat_hold, in
 * one transaction that locks it (two hosts starting at once: the second
 * finds it gone). Called with mx held. */
static int
migrate(struct pg *p)
{
	PGresult *res;
	char *legacy = NULL;
	int r;

	if (pq_text(p->conn, "SELECT to_regclass('qujat_holds')::text", 0, NULL,
		&legacy) < 0 ||
	    legacy == NULL || legacy[0] == '\0') {
		free(legacy);
		return 0;
	}
	free(legacy);
	if (!exec_ok(p->conn, "BEGIN") ||
	    !exec_ok(p->conn,
		"LOCK TABLE "
		"qujat_holds IN ACCESS EXCLUSIVE MODE"))
		return end_tx(p->conn, -EIO);
	res = PQexec(p->conn,
	    "SELECT service, child_iin, application_id, "
	    "institution, extract(epoch FROM created)::bigint FROM "
	    "qujat_holds");
	r = PQresultStatus(res) == PGRES_TUPLES_OK ? migrate_rows(p, res) :
						     -EIO;
	if (r == 0)
		log_msg(LOG_NOTICE, NULL,
		    "store: PostgreSQL table qujat_holds "
		    "upgraded: %d holds kept in qujat_hold, IINs replaced by "
		    "their keyed hash",
		    PQntuples(res));
	PQclear(res);
	if (r == 0 && !exec_ok(p->conn, "DROP TABLE qujat_holds"))
		r = -EIO;
	return end_tx(p->conn, r);
}

/* The site key is the one the tables were made with (every host sharing
 * them needs the same site.key). 0, -EKEYREJECTED or -EIO. */
static int
check_key(struct pg *p)
{
	char check[STORE_HMAC_HEX], *have = NULL;
	const char *v[] = { check };
	int r;

	store_key_check(p->key, check);
	if (pq_ok(p->conn,
		"INSERT INTO qujat_meta (name, value) VALUES "
		"('key_check', $1) ON CONFLICT DO NOTHING",
		1, v) < 0 ||
	    pq_text(p->conn,
		"SELECT value FROM qujat_meta WHERE name = "
		"'key_check'",
		0, NULL, &have) < 0 ||
	    have == NULL)
		r = -EIO;
	else
		r = strcmp(have, check) == 0 ? 0 : -EKEYREJECTED;
	free(have);
	p->key_rejected = r == -EKEYREJECTED;
	return r;
}

/* The server's notices ("relation already exists, skipping") are not
 * events worth a log line. */
static void
quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* A working connection, (re)made when needed. Called with mx held. */
static int
pg_connect(struct pg *p, const char *id)
{
	const char *const keys[] = { "connect_timeout", "dbname", NULL };
	const char *vals[] = { PG_CONNECT_TIMEOUT, p->conninfo, NULL };
	char msg[300];

	if (p->conn && PQstatus(p->conn) == CONNECTION_OK)
		return 0;
	PQfinish(p->conn);
	/* dbname expands the conninfo; its own words override ours. */
	p->conn = PQconnectdbParams(keys, vals, 1);
	if (p->conn == NULL || PQstatus(p->conn) != CONNECTION_OK) {
		log_msg(LOG_ERR, id, "store: cannot connect to PostgreSQL: %s",
		    pg_error(p->conn, msg, sizeof(msg)));
		return -EIO;
	}
	PQsetNoticeProcessor(p->conn, quiet, NULL);
	/* Two hosts creating the tables at once: one may fail; try again. */
	if ((!exec_ok(p->conn, pg_schema) && !exec_ok(p->conn, pg_schema)) ||
	    (migrate(p) < 0 && migrate(p) < 0)) {
		log_msg(LOG_ERR, id,
		    "store: cannot create or upgrade the "
		    "tables: %s",
		    pg_error(p->conn, msg, sizeof(msg)));
		PQfinish(p->conn);
		p->conn = NULL;
		return -EIO;
	}
	if (check_key(p) < 0) {
		log_msg(LOG_ERR, id, "store: %s",
		    p->key_rejected ?
			"the "
			"PostgreSQL tables were made with another site key than "
			"this host's: copy site.key from the state folder of the "
			"first host" :
			"cannot read qujat_meta");
		PQfinish(p->conn);
		p->conn = NULL;
		return -EIO;
	}
	return 0;
}

/* One claim transaction; *who gets the holder after it. 0 or -EIO. */
static int
claim_tx(PGconn *c, const char *const *v, char **who)
{
	int r;

	*who = NULL;
	if (!exec_ok(c, "BEGIN"))
		return -EIO;
	r = pq_ok(c,
	    "DELETE FROM qujat_hold WHERE service = $1 AND "
	    "created <= $2::bigint",
	    2, (const char *[]){ v[0], v[5] });
	if (r == 0)
		r = pq_ok(c,
		    "INSERT INTO qujat_hold (service, child_hmac, "
		    "application_id, institution, created) VALUES ($1, $2, $3, "
		    "$4, $5::bigint) ON CONFLICT DO NOTHING",
		    5, v);
	if (r == 0)
		r = pq_text(c,
		    "SELECT application_id FROM qujat_hold WHERE "
		    "service = $1 AND child_hmac = $2",
		    2, v, who);
	if (r == 0 && *who == NULL)
		r = -EIO; /* inserted or held: never neither */
	if ((r = end_tx(c, r)) < 0) {
		free(*who);
		*who = NULL;
	}
	return r;
}

static int
pg_claim(void *impl, const char *service, const char *child,
    const char *application_id, const char *institution, int64_t now,
    int64_t cutoff, char **who)
{
	struct pg *p = impl;
	char msg[300], nows[24], cuts[24];
	const char *v[] = { service, child, application_id, institution, nows,
		cuts };
	int r = -EIO;

	snprintf(nows, sizeof(nows), "%" PRId64, now);
	snprintf(cuts, sizeof(cuts), "%" PRId64, cutoff);
	*who = NULL;
	pthread_mutex_lock(&p->mx);
	/* A broken connection is remade once; then the bundle waits. */
	for (int tries = 0; tries < 2 && r == -EIO; tries++) {
		if (pg_connect(p, application_id) < 0)
			break;
		r = claim_tx(p->conn, v, who);
		if (r < 0)
			log_msg(LOG_ERR, application_id,
			    "store: claim failed: "
			    "%s",
			    pg_error(p->conn, msg, sizeof(msg)));
		if (r < 0 && PQstatus(p->conn) == CONNECTION_OK)
			break; /* not the connection: do not insist */
	}
	pthread_mutex_unlock(&p->mx);
	return r;
}

static int
pg_holder(void *impl, const char *service, const char *child,
    const char *application_id, int64_t cutoff, char **who)
{
	struct pg *p = impl;
	char cuts[24];
	const char *v[] = { service, child, cuts };
	int r = -EIO;

	snprintf(cuts, sizeof(cuts), "%" PRId64, cutoff);
	*who = NULL;
	pthread_mutex_lock(&p->mx);
	if (pg_connect(p, application_id) == 0)
		r = pq_text(p->conn,
		    "SELECT application_id FROM qujat_hold "
		    "WHERE service = $1 AND child_hmac = $2 AND created > "
		    "$3::bigint",
		    3, v, who);
	pthread_mutex_unlock(&p->mx);
	return r;
}

static int
pg_release(void *impl, const char *service, const char *child,
    const char *application_id)
{
	struct pg *p = impl;
	const char *v[] = { service, child, application_id };
	int r = -EIO;

	pthread_mutex_lock(&p->mx);
	if (pg_connect(p, application_id) == 0)
		r = pq_ok(p->conn,
		    "DELETE FROM qujat_hold WHERE service = $1 "
		    "AND child_hmac = $2 AND application_id = $3",
		    3, v);
	pthread_mutex_unlock(&p->mx);
	return r;
}

/* One decision transaction: 0, -ENOENT or -EIO. */
static int
decide_tx(PGconn *c, const char *const *v)
{
	char *service = NULL, *known = NULL;
	int r;

	if (!exec_ok(c, "BEGIN"))
		return -EIO;
	r = pq_text(c,
	    "DELETE FROM qujat_hold WHERE application_id = $1 "
	    "RETURNING service",
	    1, v, &service);
	if (r == 0 && service == NULL) { /* decided before? */
		r = pq_text(c,
		    "SELECT outcome FROM qujat_outcome WHERE "
		    "application_id = $1",
		    1, v, &known);
		r = r < 0 ? r : known ? 0 : -ENOENT;
	} else if (r == 0) {
		r = pq_ok(c,
		    "INSERT INTO qujat_outcome (application_id, "
		    "service, outcome, decided) VALUES ($1, $4, $2, $3::bigint) "
		    "ON CONFLICT (application_id) DO UPDATE SET outcome = "
		    "excluded.outcome, decided = excluded.decided",
		    4, (const char *[]){ v[0], v[1], v[2], service });
	}
	free(service);
	free(known);
	return end_tx(c, r);
}

static int
pg_decide(void *impl, const char *application_id, const char *outcome,
    int64_t now)
{
	struct pg *p = impl;
	char nows[24];
	const char *v[] = { application_id, outcome, nows };
	int r = -EIO;

	snprintf(nows, sizeof(nows), "%" PRId64, now);
	pthread_mutex_lock(&p->mx);
	if (pg_connect(p, application_id) == 0)
		r = decide_tx(p->conn, v);
	pthread_mutex_unlock(&p->mx);
	return r;
}

static int
pg_prune(void *impl, const char *service, int64_t cutoff)
{
	struct pg *p = impl;
	char cuts[24];
	const char *v[] = { service, cuts };
	PGresult *res;
	int r = -EIO;

	snprintf(cuts, sizeof(cuts), "%" PRId64, cutoff);
	pthread_mutex_lock(&p->mx);
	if (pg_connect(p, NULL) == 0) {
		res = pq(p->conn,
		    "DELETE FROM qujat_hold WHERE service = $1 "
		    "AND created <= $2::bigint",
		    2, v);
		if (PQresultStatus(res) == PGRES_COMMAND_OK)
			r = atoi(PQcmdTuples(res));
		PQclear(res);
	}
	pthread_mutex_unlock(&p->mx);
	return r;
}

static void
pg_close(void *impl)
{
	struct pg *p = impl;

	if (p == NULL)
		return;
	PQfinish(p->conn);
	pthread_mutex_destroy(&p->mx);
	free(p->conninfo);
	free(p);
}

int
store_pg_open(const char *conninfo, const struct store_key *key, void **out,
    struct qerr *err)
{
	PQconninfoOption *opts;
	struct pg *p;
	char *perr = NULL;

	*out = NULL;
	if ((opts = PQconninfoParse(conninfo, &perr)) == NULL) {
		qerr_set(err, -EINVAL,
		    "store: not a valid PostgreSQL "
		    "connection string: %s",
		    perr ? perr : "out of memory");
		PQfreemem(perr);
		return -EINVAL;
	}
	PQconninfoFree(opts);
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->conninfo = strdup(conninfo)) == NULL) {
		free(p);
		return qerr_set(err, -ENOMEM, "out of memory");
	}
	p->key = key;
	pthread_mutex_init(&p->mx, NULL);
	/* A server down at start is no reason not to start: claims retry.
	 * Another host's key is: this host would break the rule. */
	if (pg_connect(p, NULL) < 0 && p->key_rejected) {
		pg_close(p);
		return qerr_set(err, -EKEYREJECTED,
		    "store: the PostgreSQL "
		    "tables were made with another site key than this host's "
		    "(copy site.key from the state folder of the first host)");
	}
	if (p->conn == NULL)
		log_msg(LOG_WARNING, NULL,
		    "store: PostgreSQL unreachable at "
		    "start; bundles that need it wait in active/");
	*out = p;
	return 0;
}

const struct store_ops store_pg_ops = {
	.name = "postgresql",
	.claim = pg_claim,
	.holder = pg_holder,
	.release = pg_release,
	.decide = pg_decide,
	.prune = pg_prune,
	.close = pg_close,
};
