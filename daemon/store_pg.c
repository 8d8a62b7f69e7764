/*
 * store_pg.c: the one-child-one-application rule in PostgreSQL (libpq),
 * shared by several qujatd hosts (store_backend.h). The primary key
 * (service, child_iin) decides; a claim is one transaction: INSERT ... ON
 * CONFLICT DO NOTHING, then SELECT the holder (which, under READ
 * COMMITTED, sees a concurrent winner once its INSERT has waited for it).
 * Calls block and come from libuv's thread pool: one connection behind a
 * mutex, reconnected when it breaks. The conninfo (it may hold a
 * password) is never logged.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "store_backend.h"

#define PG_CONNECT_TIMEOUT "10"		/* seconds, unless conninfo says */

struct pg {
	pthread_mutex_t mx;
	PGconn *conn;
	char *conninfo;
};

static const char pg_schema[] =
	"SET statement_timeout = 30000;"
	"CREATE TABLE IF NOT EXISTS qujat_holds ("
	" service text NOT NULL,"
	" child_iin text NOT NULL,"
	" application_id text NOT NULL,"
	" institution text,"
	" created timestamptz NOT NULL DEFAULT now(),"
	" PRIMARY KEY (service, child_iin))";

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
	/* Two hosts creating the table at once: one may fail; try again. */
	if (!exec_ok(p->conn, pg_schema) && !exec_ok(p->conn, pg_schema)) {
		log_msg(LOG_ERR, id, "store: cannot create table qujat_holds: "
		    "%s", pg_error(p->conn, msg, sizeof(msg)));
		PQfinish(p->conn);
		p->conn = NULL;
		return -EIO;
	}
	return 0;
}

/* The holder of (service, iin) into *who (malloc'd, NULL: none); 0 or
 * -EIO. */
static int
select_holder(PGconn *c, const char *service, const char *iin, char **who)
{
	const char *params[] = { service, iin };
	PGresult *res = PQexecParams(c, "SELECT application_id FROM "
	    "qujat_holds WHERE service = $1 AND child_iin = $2", 2, NULL,
	    params, NULL, NULL, 0);
	int r = 0;

	*who = NULL;
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		r = -EIO;
	else if (PQntuples(res) > 0 &&
	    (*who = strdup(PQgetvalue(res, 0, 0))) == NULL)
		r = -ENOMEM;
	PQclear(res);
	return r;
}

/* One claim transaction; *who gets the holder after it. 0 or -EIO. */
static int
claim_tx(PGconn *c, const char *service, const char *iin, const char *id,
    const char *institution, char **who)
{
	const char *params[] = { service, iin, id, institution };
	PGresult *res;
	int r;

	*who = NULL;
	if (!exec_ok(c, "BEGIN"))
		return -EIO;
	res = PQexecParams(c, "INSERT INTO qujat_holds (service, child_iin, "
	    "application_id, institution) VALUES ($1, $2, $3, $4) "
	    "ON CONFLICT DO NOTHING", 4, NULL, params, NULL, NULL, 0);
	r = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -EIO;
	PQclear(res);
	if (r == 0)
		r = select_holder(c, service, iin, who);
	if (r == 0 && *who == NULL)
		r = -EIO;	/* inserted or held: never neither */
	if (r == 0 && !exec_ok(c, "COMMIT"))
		r = -EIO;
	if (r < 0) {
		if (PQstatus(c) == CONNECTION_OK)
			exec_ok(c, "ROLLBACK");
		free(*who);
		*who = NULL;
	}
	return r;
}

static int
pg_claim(void *impl, const char *service, const char *child_iin,
    const char *application_id, const char *institution, char **who)
{
	struct pg *p = impl;
	char msg[300];
	int r = -EIO;

	*who = NULL;
	pthread_mutex_lock(&p->mx);
	/* A broken connection is remade once; then the bundle waits. */
	for (int tries = 0; tries < 2 && r == -EIO; tries++) {
		if (pg_connect(p, application_id) < 0)
			break;
		r = claim_tx(p->conn, service, child_iin, application_id,
		    institution, who);
		if (r < 0)
			log_msg(LOG_ERR, application_id, "store: claim failed: "
			    "%s", pg_error(p->conn, msg, sizeof(msg)));
		if (r < 0 && PQstatus(p->conn) == CONNECTION_OK)
			break;	/* not the connection: do not insist */
	}
	pthread_mutex_unlock(&p->mx);
	return r;
}

static int
pg_holder(void *impl, const char *service, const char *child_iin,
    const char *application_id, char **who)
{
	struct pg *p = impl;
	int r = -EIO;

	*who = NULL;
	pthread_mutex_lock(&p->mx);
	if (pg_connect(p, application_id) == 0)
		r = select_holder(p->conn, service, child_iin, who);
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
store_pg_open(const char *conninfo, void **out, struct qerr *err)
{
	PQconninfoOption *opts;
	struct pg *p;
	char *perr = NULL;

	*out = NULL;
	if ((opts = PQconninfoParse(conninfo, &perr)) == NULL) {
		qerr_set(err, -EINVAL, "store: not a valid PostgreSQL "
		    "connection string: %s", perr ? perr : "out of memory");
		PQfreemem(perr);
		return -EINVAL;
	}
	PQconninfoFree(opts);
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->conninfo = strdup(conninfo)) == NULL) {
		free(p);
		return qerr_set(err, -ENOMEM, "out of memory");
	}
	pthread_mutex_init(&p->mx, NULL);
	/* A server down at start is no reason not to start: claims retry. */
	if (pg_connect(p, NULL) < 0)
		log_msg(LOG_WARNING, NULL, "store: PostgreSQL unreachable at "
		    "start; bundles that need it wait in active/");
	*out = p;
	return 0;
}

static int
pg_release(void *impl, const char *service, const char *child_iin,
    const char *application_id)
{
	struct pg *p = impl;
	const char *params[] = { service, child_iin, application_id };
	PGresult *res;
	int r = -EIO;

	pthread_mutex_lock(&p->mx);
	if (pg_connect(p, application_id) == 0) {
		res = PQexecParams(p->conn, "DELETE FROM qujat_holds WHERE "
		    "service = $1 AND child_iin = $2 AND application_id = $3",
		    3, NULL, params, NULL, NULL, 0);
		r = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -EIO;
		PQclear(res);
	}
	pthread_mutex_unlock(&p->mx);
	return r;
}

const struct store_ops store_pg_ops = {
	.name = "postgresql",
	.claim = pg_claim,
	.holder = pg_holder,
	.release = pg_release,
	.close = pg_close,
};
