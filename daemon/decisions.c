/*
 * decisions.c: decisions/ from the case system (decisions.h). The files
 * come from another party: each is opened without following links,
 * bounded to DECISION_MAX_BYTES and checked (its name is its id, the
 * outcome one of three words) before the store is touched.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "catalogue.h"
#include "conf.h"
#include "daemon.h"
#include "decisions.h"
#include "fdio.h"
#include "log.h"
#include "manifest.h"
#include "spool.h"
#include "store.h"

struct decisions {
	struct daemon *d;
	int dfd, badfd;
	uv_fs_event_t watch;
	uv_timer_t timer;
	uv_work_t work;
	struct conf *conf;  /* the sweep's, one ref */
	uint64_t pruned_ms; /* uv_now of the last prune; 0: never */
	bool prune, busy, again, closing;
	int open_handles;
};

static const char *const outcomes[] = { "enrolled", "refused", "withdrawn",
	NULL };

const char *
decision_parse(const char *id, const char *buf, size_t len, char *outcome,
    size_t outlen)
{
	json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	const char *a, *o, *why = NULL;
	size_t i;

	if (!json_is_object(j))
		why = "not a JSON object";
	else if (!(a = json_string_value(
		       json_object_get(j, "application_id"))) ||
	    strcmp(a, id) != 0)
		why = "its application_id is not its file name's";
	else if (!(o = json_string_value(json_object_get(j, "outcome"))))
		why = "no outcome";
	for (i = 0; why == NULL && outcomes[i] && strcmp(outcomes[i], o); i++)
		;
	if (why == NULL && outcomes[i] == NULL)
		why = "the outcome is not enrolled, refused or withdrawn";
	if (why == NULL)
		snprintf(outcome, outlen, "%s", o);
	json_decref(j);
	return why;
}

/* Reads dfd/name, a regular file of at most DECISION_MAX_BYTES, into buf;
 * its length, or -1 with *why set. */
static ssize_t
read_decision(int dfd, const char *name, char *buf, const char **why)
{
	struct stat st;
	ssize_t n = -1;
	int fd = openat(dfd, name,
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		*why = "not a regular file";
	else if (st.st_size > DECISION_MAX_BYTES)
		*why = "larger than 4096 bytes";
	else if ((n = read_full(fd, buf, DECISION_MAX_BYTES)) < 0)
		*why = "cannot be read";
	if (fd >= 0)
		close(fd);
	return *why ? -1 : n;
}

static void
move_bad(int dfd, int badfd, const char *name, const char *id, const char *why)
{
	int r = rename_durable_aside(dfd, name, badfd, name);

	log_msg(LOG_WARNING, id, "decision '%s' %s: %s", name,
	    r == 0 ? "moved to decisions/bad/" :
		     "left in decisions/ (cannot move it "
		     "aside)",
	    why);
}

/* The application id of a decision file's name ("<id>.json"), or NULL. */
static char *
id_of(const char *name, char *buf, size_t len)
{
	size_t n = strlen(name);

	if (n <= 5 || n - 5 >= len || strcmp(name + n - 5, ".json") != 0)
		return NULL;
	memcpy(buf, name, n - 5);
	buf[n - 5] = '\0';
	return manifest_id_valid(buf) ? buf : NULL;
}

/* 1 when it released a hold, 0 otherwise. */
static int
decide_one(int dfd, int badfd, const char *name, struct store *st)
{
	char buf[DECISION_MAX_BYTES], idbuf[256], outcome[16];
	const char *why = NULL, *id = id_of(name, idbuf, sizeof(idbuf));
	ssize_t n;
	int r;

	if (id == NULL) {
		move_bad(dfd, badfd, name, NULL,
		    "not named "
		    "<application_id>.json");
		return 0;
	}
	if ((n = read_decision(dfd, name, buf, &why)) < 0 ||
	    (why = decision_parse(id, buf, (size_t)n, outcome,
		 sizeof(outcome))) != NULL) {
		move_bad(dfd, badfd, name, id, why);
		return 0;
	}
	if ((r = store_decide(st, id, outcome)) == -ENOENT) {
		move_bad(dfd, badfd, name, id,
		    "no such application holds a "
		    "place (unknown id, or its hold expired)");
		return 0;
	}
	if (r < 0) {
		log_msg(LOG_ERR, id,
		    "decision '%s': the store failed; "
		    "retried at the next sweep",
		    outcome);
		return 0;
	}
	/* said before the file goes, so that its absence means it was said */
	log_msg(LOG_NOTICE, id, "decision '%s': hold released", outcome);
	unlinkat(dfd, name, 0);
	fsync_dir(dfd);
	return 1;
}

static bool
skipped(const char *name)
{
	size_t n = strlen(name);

	return name[0] == '.' || (n > 4 && !strcmp(name + n - 4, ".tmp")) ||
	    !strcmp(name, "bad");
}

int
decisions_sweep(int dfd, int badfd, struct store *st)
{
	int n = 0;
	struct dirent *de;
	DIR *dir;

	if ((dir = dir_list(dfd)) == NULL)
		return 0;
	while ((de = readdir(dir)) != NULL)
		if (!skipped(de->d_name))
			n += decide_one(dfd, badfd, de->d_name, st);
	closedir(dir);
	return n;
}

/* Removes every service's expired holds. */
static void
prune_all(const struct conf *c, struct store *st)
{
	const char *svc;
	int r;

	for (size_t i = 0; (svc = catalogue_service_code(c->cat, i)); i++)
		if ((r = store_prune(st, svc,
			 catalogue_hold_days(c->cat, svc))) > 0)
			log_msg(LOG_NOTICE, NULL,
			    "store: %d holds of %s "
			    "expired after %d days, removed",
			    r, svc, catalogue_hold_days(c->cat, svc));
}

static void
sweep_work(uv_work_t *w)
{
	struct decisions *ds = w->data;

	decisions_sweep(ds->dfd, ds->badfd, ds->d->store);
	if (ds->prune)
		prune_all(ds->conf, ds->d->store);
}

static void
closed_cb(uv_handle_t *h)
{
	struct decisions *ds = h->data;

	if (--ds->open_handles > 0)
		return;
	close(ds->dfd);
	close(ds->badfd);
	free(ds);
}

static void
close_handles(struct decisions *ds)
{
	uv_close((uv_handle_t *)&ds->watch, closed_cb);
	uv_close((uv_handle_t *)&ds->timer, closed_cb);
}

static void kick(struct decisions *ds);

static void
sweep_after(uv_work_t *w, int status)
{
	struct decisions *ds = w->data;

	(void)status;
	ds->busy = false;
	conf_unref(ds->conf);
	ds->conf = NULL;
	if (ds->closing)
		close_handles(ds);
	else if (ds->again)
		kick(ds);
}

static void
kick(struct decisions *ds)
{
	uint64_t now = uv_now(ds->d->loop);

	if (ds->closing)
		return;
	if (ds->busy) {
		ds->again = true;
		return;
	}
	ds->busy = true;
	ds->again = false;
	ds->prune = ds->pruned_ms == 0 ||
	    now - ds->pruned_ms >= DECISIONS_PRUNE_MS;
	if (ds->prune)
		ds->pruned_ms = now ? now : 1;
	ds->conf = conf_ref(ds->d->conf);
	ds->work.data = ds;
	uv_queue_work(ds->d->loop, &ds->work, sweep_work, sweep_after);
}

static void
tick(uv_timer_t *t)
{
	kick(t->data);
}

static void
watch_cb(uv_fs_event_t *h, const char *name, int events, int status)
{
	(void)name;
	(void)events;
	(void)status;
	kick(h->data);
}

/* decisions/ (made and given its rights by spool_open) and
 * decisions/bad/, made when missing, opened. */
static int
open_folders(struct decisions *ds, const struct spool *sp, struct qerr *err)
{
	const char *what = "decisions";

	if ((ds->dfd = fcntl(sp->dfd[SP_DECISIONS], F_DUPFD_CLOEXEC, 0)) < 0)
		goto fail;
	what = "decisions/bad";
	if ((mkdirat(ds->dfd, "bad", 0750) < 0 && errno != EEXIST) ||
	    (ds->badfd = openat(ds->dfd, "bad",
		 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		goto fail;
	return 0;
fail:
	return qerr_set(err, -errno, "cannot open '%s/%s': %s", sp->root, what,
	    strerror(errno));
}

int
decisions_new(struct daemon *d, struct decisions **out, struct qerr *err)
{
	struct decisions *ds = calloc(1, sizeof(*ds));
	char path[4096];
	int r;

	*out = NULL;
	if (ds == NULL)
		return qerr_set(err, -ENOMEM, "out of memory");
	ds->d = d;
	ds->dfd = ds->badfd = -1;
	if ((r = open_folders(ds, &d->spool, err)) < 0) {
		if (ds->dfd >= 0)
			close(ds->dfd);
		free(ds);
		return r;
	}
	uv_fs_event_init(d->loop, &ds->watch);
	uv_timer_init(d->loop, &ds->timer);
	ds->watch.data = ds->timer.data = ds;
	ds->open_handles = 2;
	snprintf(path, sizeof(path), "%s/decisions", d->spool.root);
	if ((r = uv_fs_event_start(&ds->watch, watch_cb, path, 0)) < 0)
		log_msg(LOG_WARNING, NULL,
		    "cannot watch '%s' (%s): relying on "
		    "the sweep every %lld ms",
		    path, uv_strerror(r), (long long)d->conf->scan_interval_ms);
	uv_timer_start(&ds->timer, tick, 0,
	    (uint64_t)d->conf->scan_interval_ms);
	*out = ds;
	return 0;
}

void
decisions_close(struct decisions *ds)
{
	if (ds == NULL || ds->closing)
		return;
	ds->closing = true;
	uv_fs_event_stop(&ds->watch);
	uv_timer_stop(&ds->timer);
	if (!ds->busy)
		close_handles(ds);
}
