/*
 * cli_check.c: `qujat check DIR`: the daemon's own steps (manifest,
 * listing, sandboxed workers, checklist, budget) on a folder outside any
 * spool, printing the decision and its reasons; nothing is written.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "catalogue.h"
#include "cli.h"
#include "conf.h"
#include "daemon.h"

static void
check_done(struct bundle *b)
{
	(void)b; /* the loop ends when the last worker is gone */
}

static enum lang
lang_of(const char *s)
{
	for (int l = 0; l < LANG_COUNT; l++)
		if (!strcmp(s, lang_code[l]))
			return (enum lang)l;
	return LANG_EN;
}

static void
print_human(struct bundle *b, enum lang lang)
{
	json_t *ref = bundle_refusal_json(b), *e, *w;
	size_t i;

	if (!ref) {
		printf("accepted: %zu files, %lld of %lld bytes\n", b->nfiles,
		    (long long)b->bytes_out,
		    (long long)b->conf->max_bundle_bytes);
	} else {
		printf("rejected: %zu reasons\n",
		    json_array_size(json_object_get(ref, "reasons")));
		json_array_foreach(json_object_get(ref, "reasons"), i, e)
		    printf("  %s: %s\n",
			json_string_value(json_object_get(e, "code")),
			json_string_value(
			    json_object_get(json_object_get(e, "message"),
				lang_code[lang])));
	}
	json_array_foreach(b->warnings, i, w) printf("  warning: %s '%s'\n",
	    json_string_value(json_object_get(w, "code")),
	    json_string_value(json_object_get(w, "document")));
	printf("  (the one-application-per-child rule is checked by qujatd "
	       "only)\n");
	json_decref(ref);
}

static void
print_json(struct bundle *b)
{
	json_t *o = b->decision == DECIDE_REJECT ? bundle_refusal_json(b) :
						   bundle_report_json(b);

	json_dumpf(o, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(o);
}

/* Moves into DIR's parent and gives DIR's own name in name, so that the
 * bundle is judged by its folder's name, as qujatd does in the spool. */
static int
enter_parent(const char *dir, char *name, size_t len)
{
	char path[PATH_MAX], *slash;
	struct stat st;

	if (stat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (realpath(dir, path) == NULL)
		return -errno;
	slash = strrchr(path, '/');
	if (slash[1] == '\0')
		return -EINVAL; /* "/" itself */
	snprintf(name, len, "%s", slash + 1);
	*slash = '\0';
	return chdir(slash == path ? "/" : path) < 0 ? -errno : 0;
}

int
cli_check(const struct cli_opts *o)
{
	char conf[PATH_MAX], name[NAME_MAX + 1];
	struct conf *c = NULL;
	struct qerr err = { 0 };
	struct bundle *b;
	struct pool pool;
	char **env;
	int rc;

	if (o->nargs != 1)
		return fprintf(stderr,
			   "usage: qujat check DIR [--json] "
			   "[--lang kk|ru|en] [-c FILE]\n"),
		       2;
	/* the configuration's relative paths stay right after the chdir */
	if (realpath(o->conf, conf) == NULL)
		snprintf(conf, sizeof(conf), "%s", o->conf);
	if (conf_load(conf, NULL, &c, &err) < 0)
		return fprintf(stderr, "qujat: %s\n", err.msg), 1;
	if ((rc = enter_parent(o->args[0], name, sizeof(name))) < 0) {
		fprintf(stderr, "qujat: cannot check '%s': %s\n", o->args[0],
		    rc == -ENOTDIR ? "not a folder (a bundle is a folder named "
				     "by its application id)" :
			rc == -EINVAL ? "not a bundle" :
					strerror(-rc));
		conf_unref(c);
		return 1;
	}
	b = bundle_new(c, NULL, NULL, name, FROM_FOLDER);
	if (!b || bundle_prepare(b) < 0) {
		fprintf(stderr, "qujat: cannot check '%s': %s\n", o->args[0],
		    !b		     ? "out of memory" :
			b->errmsg[0] ? b->errmsg :
				       strerror(-b->error));
		bundle_free(b);
		conf_unref(c);
		return 1;
	}
	env = daemon_worker_env();
	pool_init(&pool, uv_default_loop(), conf_workers(c), env);
	b->done = check_done;
	bundle_run(b, &pool, c->filter);
	uv_run(uv_default_loop(), UV_RUN_DEFAULT);
	pool_close(&pool);
	uv_run(uv_default_loop(), UV_RUN_DEFAULT);
	bundle_decide(b);
	if (b->decision == DECIDE_RETRY) {
		fprintf(stderr, "qujat: cannot check '%s': %s\n", o->args[0],
		    b->errmsg);
		rc = 1;
	} else {
		if (o->json)
			print_json(b);
		else
			print_human(b, lang_of(o->lang));
		rc = b->decision == DECIDE_ACCEPT ? 0 : 1;
	}
	bundle_free(b);
	conf_unref(c);
	for (char **e = env; e && *e; e++)
		free(*e);
	free(env);
	uv_loop_close(uv_default_loop());
	return rc;
}
