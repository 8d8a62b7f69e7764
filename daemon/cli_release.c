/*
 * cli_release.c: `qujat release ID`: an operator releases the hold of an
 * application, as the case system's decision does (spec/contract.md
 * section 5), in the store of the configuration (SQLite in the state
 * folder, or PostgreSQL for every host that shares it). The outcome is
 * recorded as "released". Needs the site key (store_key.h): run it as
 * the daemon's user or root.
 */
#include <errno.h>
#include <stdio.h>

#include "cli.h"
#include "conf.h"
#include "log.h"
#include "manifest.h"
#include "store.h"

int
cli_release(const struct cli_opts *o)
{
	struct conf *c = NULL;
	struct store *st = NULL;
	struct qerr err = { 0 };
	const char *id = o->nargs == 1 ? o->args[0] : NULL;
	int r;

	if (id == NULL || !manifest_id_valid(id)) {
		fprintf(stderr,
		    "usage: qujat release APPLICATION_ID "
		    "[--spool DIR] [-c FILE]\n");
		return 2;
	}
	log_set_level(LOG_WARNING);
	if (conf_load(o->conf, o->spool, &c, &err) < 0 ||
	    store_open_conf(c, false, &st, &err) < 0) {
		fprintf(stderr, "qujat: %s\n", err.msg);
		conf_unref(c);
		return 1;
	}
	r = store_decide(st, id, "released");
	if (r == 0)
		printf("qujat: the hold of '%s' is released (%s store)\n", id,
		    store_kind(st));
	else if (r == -ENOENT)
		fprintf(stderr, "qujat: no application '%s' holds a place\n",
		    id);
	else
		fprintf(stderr, "qujat: the store failed; nothing released\n");
	store_close(st);
	conf_unref(c);
	return r == 0 ? 0 : 1;
}
