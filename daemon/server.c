/*
 * server.c: qujatd's event loop. inotify on incoming/ only schedules a
 * rescan (libuv 1.44 drops IN_Q_OVERFLOW and network filesystems send no
 * events), and a timer rescans anyway: the scan is the truth. Bundles are
 * claimed while there is capacity; the rest wait in incoming/.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "conf.h"
#include "daemon.h"
#include "decisions.h"
#include "handoff.h"
#include "log.h"
#include "metrics.h"
#include "retention.h"
#include "store.h"
#include "take.h"

#define RETRY_MS 10000 /* a bundle that could not be finished waits this */

static void scan_start(struct daemon *d);
static void bundle_start(struct daemon *d, const char *name,
    enum bundle_origin origin);
static void daemon_close(struct daemon *d);
static void retry_cb(uv_timer_t *t);

static bool
take_paused(const struct daemon *d)
{
	return d->take_paused && uv_now(d->loop) < d->take_paused;
}

static void
daemon_status(struct daemon *d)
{
	sd_notifyf(0,
	    "STATUS=%s%s%s%s%d in progress, %d waiting in incoming; "
	    "%llu accepted, %llu rejected since start",
	    d->stopping ? "stopping: " : "",
	    d->disk_full ? "spool filesystem full, not claiming: " : "",
	    take_paused(d) ? d->take_error : "", take_paused(d) ? ": " : "",
	    d->inflight, d->waiting, (unsigned long long)d->n.accepted,
	    (unsigned long long)d->n.rejected);
}

static bool
in_flight(const struct daemon *d, const char *name)
{
	for (const struct bundle *b = d->bundles; b; b = b->next)
		if (strcmp(b->id, name) == 0)
			return true;
	return false;
}

static void
unlink_bundle(struct daemon *d, struct bundle *b)
{
	for (struct bundle **pp = &d->bundles; *pp; pp = &(*pp)->next) {
		if (*pp == b) {
			*pp = b->next;
			break;
		}
	}
	d->inflight--;
	bundle_free(b);
	if (d->stopping) {
		if (d->inflight == 0)
			daemon_close(d);
		return;
	}
	daemon_status(d);
	if (d->waiting > 0 || d->iresume < d->nresume)
		scan_start(d);
}

static void
log_final(struct bundle *b)
{
	char codes[512] = "", iin[16];
	size_t o = 0;

	for (size_t i = 0; i < b->reasons.n && o < sizeof(codes) - 40; i++)
		o += (size_t)snprintf(codes + o, sizeof(codes) - o, "%s%s",
		    i ? "," : "", b->reasons.v[i].code);
	log_msg(b->decision == DECIDE_ACCEPT ? LOG_INFO : LOG_NOTICE, b->id,
	    "%s%s%s service=%s child=%s files=%zu bytes_in=%lld "
	    "bytes_out=%lld ms=%llu",
	    b->decision == DECIDE_ACCEPT ? "accepted" : "rejected",
	    o ? " reasons=" : "", codes,
	    b->have_manifest && b->m.service ? b->m.service : "-",
	    b->have_manifest ? log_iin(b->m.child_iin, iin, sizeof(iin)) : "-",
	    b->nfiles, (long long)b->bytes_in, (long long)b->bytes_out,
	    (unsigned long long)(uv_hrtime() / 1000000 - b->t0));
}

static void
retry_later(struct daemon *d, struct bundle *b)
{
	const char *why = b->errmsg[0] ? b->errmsg : "cannot finish";

	d->n.retried++;
	if (d->stopping) {
		log_msg(LOG_ERR, b->id,
		    "%s; left in active/ for the next start", why);
		return;
	}
	/* one timer retries them all: say when it really fires */
	if (!uv_is_active((uv_handle_t *)&d->retry_timer))
		uv_timer_start(&d->retry_timer, retry_cb, RETRY_MS, 0);
	log_msg(LOG_ERR, b->id, "%s; left in active/, retried in %llu s", why,
	    (unsigned long long)(uv_timer_get_due_in(&d->retry_timer) + 999) /
		1000);
}

static void
publish_work(uv_work_t *w)
{
	struct bundle *b = w->data;

	bundle_decide(b);
	if ((b->decision == DECIDE_ACCEPT || b->decision == DECIDE_REJECT) &&
	    bundle_publish(b) < 0)
		b->decision = DECIDE_RETRY;
}

static void
publish_after(uv_work_t *w, int status)
{
	struct bundle *b = w->data;
	struct daemon *d = b->data;

	(void)status;
	if (b->decision == DECIDE_ACCEPT || b->decision == DECIDE_REJECT) {
		log_final(b);
		counters_add_bundle(&d->n, b);
		if (b->decision == DECIDE_ACCEPT) {
			d->n.accepted++;
			handoff_kick(d->handoff, b->id);
		} else
			d->n.rejected++;
	} else if (b->decision == DECIDE_RETRY) {
		retry_later(d, b);
	} else {
		log_msg(LOG_NOTICE, b->id,
		    "left in active/ for the next start");
	}
	unlink_bundle(d, b);
}

static void
run_done(struct bundle *b)
{
	struct daemon *d = b->data;

	b->work.data = b;
	uv_queue_work(d->loop, &b->work, publish_work, publish_after);
}

static void
prepare_work(uv_work_t *w)
{
	bundle_prepare(w->data);
}

static bool
is_ignored(const struct daemon *d, const char *name)
{
	for (size_t i = 0; i < d->nignored; i++)
		if (strcmp(d->ignored[i], name) == 0)
			return true;
	return false;
}

/* A non-folder in incoming/ is no bundle: one log line while it stays. */
static void
ignore_entry(struct daemon *d, const char *name)
{
	char **v;

	if (is_ignored(d, name))
		return;
	log_msg(LOG_WARNING, name,
	    "'incoming/%s' is not a folder: ignored "
	    "(a bundle is a folder; its producer may remove it)",
	    name);
	if ((v = realloc(d->ignored, (d->nignored + 1) * sizeof(*v)))) {
		d->ignored = v;
		if ((v[d->nignored] = strdup(name)))
			d->nignored++;
	}
}

/* A bundle that could not be taken in for want of fds, memory, room or
 * I/O stays in incoming/: nothing is taken for RETRY_MS, said once. */
static void
take_later(struct daemon *d, struct bundle *b)
{
	log_msg(LOG_ERR, b->id,
	    "%s; left in incoming/, taking bundles again "
	    "in %d s",
	    b->errmsg, RETRY_MS / 1000);
	snprintf(d->take_error, sizeof(d->take_error),
	    "cannot take bundles "
	    "in (%s), retrying",
	    strerror(-b->error));
	d->take_paused = uv_now(d->loop) + RETRY_MS;
	d->n.retried++;
	if (!uv_is_active((uv_handle_t *)&d->retry_timer) && !d->stopping)
		uv_timer_start(&d->retry_timer, retry_cb, RETRY_MS, 0);
}

/* Whether prepare ended the bundle's turn (then it is unlinked). */
static bool
prepare_failed(struct daemon *d, struct bundle *b)
{
	if (b->error == 0)
		return false;
	if (b->error == -ENOTDIR)
		ignore_entry(d, b->id);
	else if (b->error == -EPERM) /* not ours: left alone, said once */
		log_msg(LOG_WARNING, b->id, "'active/%s' is %s: not resumed",
		    b->id, b->errmsg);
	else if (b->error != -ENOENT && b->error != -EEXIST &&
	    b->origin == FROM_INCOMING)
		take_later(d, b);
	else if (b->error != -ENOENT && b->error != -EEXIST)
		retry_later(d, b);
	unlink_bundle(d, b);
	return true;
}

static void
prepare_after(uv_work_t *w, int status)
{
	struct bundle *b = w->data;
	struct daemon *d = b->data;
	char iin[16];

	(void)status;
	if (prepare_failed(d, b))
		return;
	log_msg(LOG_INFO, b->id,
	    "claimed: service=%s child=%s files=%zu%s"
	    " copied=%lld take_ms=%.1f",
	    b->have_manifest && b->m.service ? b->m.service : "-",
	    b->have_manifest ? log_iin(b->m.child_iin, iin, sizeof(iin)) : "-",
	    b->nfiles, b->origin == FROM_ACTIVE ? " (resumed)" : "",
	    (long long)b->take_bytes, (double)b->take_us / 1000.0);
	if (d->stopping) { /* not started: the next start resumes it */
		log_msg(LOG_NOTICE, b->id,
		    "left in active/ for the next start");
		unlink_bundle(d, b);
		return;
	}
	b->done = run_done;
	bundle_run(b, &d->pool, b->conf->filter);
}

static void
bundle_start(struct daemon *d, const char *name, enum bundle_origin origin)
{
	struct bundle *b = bundle_new(d->conf, &d->spool, d->store, name,
	    origin);

	if (!b)
		return;
	b->data = d;
	b->next = d->bundles;
	d->bundles = b;
	d->inflight++;
	b->work.data = b;
	uv_queue_work(d->loop, &b->work, prepare_work, prepare_after);
}

static bool
is_candidate(const uv_dirent_t *e)
{
	size_t n = strlen(e->name);

	return e->name[0] != '.' &&
	    !(n > 4 && !strcmp(e->name + n - 4, ".tmp"));
}

/* For a filesystem that gives no entry types: one lstat. */
static bool
is_dir_at(const struct daemon *d, const char *name)
{
	struct stat st;

	if (fstatat(d->spool.dfd[SP_INCOMING], name, &st, AT_SYMLINK_NOFOLLOW) <
	    0)
		return true; /* the take will say */
	return S_ISDIR(st.st_mode);
}

/* Forgets the ignored non-folders that are gone from incoming/. */
static void
prune_ignored(struct daemon *d)
{
	size_t k = 0;

	for (size_t i = 0; i < d->nignored; i++) {
		if (spool_exists(&d->spool, SP_INCOMING, d->ignored[i]))
			d->ignored[k++] = d->ignored[i];
		else
			free(d->ignored[i]);
	}
	d->nignored = k;
}

static void
start_resumed(struct daemon *d)
{
	while (d->iresume < d->nresume && d->inflight < d->max_inflight) {
		char *name = d->resume[d->iresume++];
		if (!in_flight(d, name))
			bundle_start(d, name, FROM_ACTIVE);
	}
}

/* Whether the spool's filesystem is full (SPOOL_RESERVE_BYTES), logging
 * each change. While it is, nothing is claimed or resumed: each bundle
 * would only fail for want of room and wait in active/; the scans go on
 * and claiming resumes when space returns. */
static bool
check_disk(struct daemon *d)
{
	int64_t avail = spool_free_bytes(d->spool.rootfd);
	bool full = avail >= 0 && avail < SPOOL_RESERVE_BYTES;

	if (full && !d->disk_full)
		log_msg(LOG_ERR, NULL,
		    "the spool's filesystem is full (%lld "
		    "bytes free): not claiming bundles until space returns",
		    (long long)avail);
	else if (!full && d->disk_full)
		log_msg(LOG_NOTICE, NULL,
		    "the spool's filesystem has room "
		    "again (%lld bytes free): claiming bundles",
		    (long long)avail);
	d->disk_full = full;
	return full;
}

static void
scan_cb(uv_fs_t *req)
{
	struct daemon *d = req->data;
	uv_dirent_t e;
	bool full = check_disk(d);

	d->scanning = false;
	d->waiting = 0;
	prune_ignored(d);
	if (!full)
		start_resumed(d);
	while (req->result >= 0 && uv_fs_scandir_next(req, &e) != UV_EOF) {
		if (!is_candidate(&e) || in_flight(d, e.name))
			continue;
		if (e.type != UV_DIRENT_DIR && !is_dir_at(d, e.name)) {
			ignore_entry(d, e.name);
			continue;
		}
		if (full || d->stopping || d->inflight >= d->max_inflight ||
		    d->iresume < d->nresume || take_paused(d))
			d->waiting++;
		else
			bundle_start(d, e.name, FROM_INCOMING);
	}
	if (req->result < 0)
		log_msg(LOG_ERR, NULL, "cannot scan '%s/incoming': %s",
		    d->spool.root, uv_strerror((int)req->result));
	uv_fs_req_cleanup(req);
	daemon_status(d);
	if (!d->ready) {
		d->ready = true;
		sd_notify(0, "READY=1");
		log_msg(LOG_INFO, NULL, "ready: spool '%s', %d workers",
		    d->spool.root, d->pool.limit);
	}
	if (d->rescan && !d->stopping) {
		d->rescan = false;
		scan_start(d);
	}
}

static void
scan_start(struct daemon *d)
{
	char path[4096];

	if (d->stopping)
		return;
	if (d->scanning) {
		d->rescan = true;
		return;
	}
	d->scanning = true;
	d->scan_req.data = d;
	snprintf(path, sizeof(path), "%s/incoming", d->spool.root);
	if (uv_fs_scandir(d->loop, &d->scan_req, path, 0, scan_cb) < 0)
		d->scanning = false;
}

static void
watch_cb(uv_fs_event_t *h, const char *name, int events, int status)
{
	(void)name;
	(void)events;
	(void)status;
	scan_start(h->data);
}

static void
scan_timer_cb(uv_timer_t *t)
{
	scan_start(t->data);
}

static void
watchdog_cb(uv_timer_t *t)
{
	(void)t;
	sd_notify(0, "WATCHDOG=1");
}

/* Lists active/ (bundles a crash or a failed step left there). */
static void
list_active(struct daemon *d)
{
	uv_fs_t req;
	uv_dirent_t e;
	char path[4096];

	snprintf(path, sizeof(path), "%s/active", d->spool.root);
	if (uv_fs_scandir(NULL, &req, path, 0, NULL) < 0)
		return;
	for (size_t i = 0; i < d->nresume; i++)
		free(d->resume[i]);
	free(d->resume);
	d->resume = calloc((size_t)req.result + 1, sizeof(char *));
	d->nresume = d->iresume = 0;
	while (d->resume && uv_fs_scandir_next(&req, &e) != UV_EOF) {
		if (e.name[0] != '.' && !in_flight(d, e.name) &&
		    !is_ignored(d, e.name))
			d->resume[d->nresume++] = strdup(e.name);
	}
	uv_fs_req_cleanup(&req);
}

static void
retry_cb(uv_timer_t *t)
{
	struct daemon *d = t->data;

	/* an accept whose outbox/ rename failed waits in originals/ */
	if (bundle_resume_published(&d->spool) < 0)
		log_msg(LOG_ERR, NULL, "cannot read '%s/originals'",
		    d->spool.root);
	list_active(d);
	scan_start(d);
}

static bool
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static void
reload(struct daemon *d)
{
	struct timespec ts;
	struct conf *nc = NULL;
	struct qerr err = { 0 };

	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
		(unsigned long long)ts.tv_nsec / 1000);
	if (conf_load(d->conf_path, d->spool_override, &nc, &err) == 0 &&
	    (strcmp(nc->spool, d->conf->spool) != 0 ||
		strcmp(nc->state_dir, d->conf->state_dir) != 0 ||
		nc->handoff_http != d->conf->handoff_http ||
		!same_str(nc->store, d->conf->store)))
		qerr_set(&err, -EINVAL,
		    "%s: spool, state_dir, store and "
		    "handoff cannot change on reload; restart qujatd for that",
		    d->conf_path);
	if (nc != NULL && !err.msg[0])
		conf_check_files(nc, &err);
	if (err.msg[0]) {
		log_msg(LOG_ERR, NULL,
		    "reload refused, keeping the running "
		    "configuration: %s",
		    err.msg);
		sd_notifyf(0, "READY=1\nSTATUS=reload refused: %s", err.msg);
		conf_unref(nc);
		return;
	}
	conf_unref(d->conf);
	d->conf = nc;
	handoff_set_conf(d->handoff, nc);
	log_set_level(nc->log_level);
	pool_set_limit(&d->pool, conf_workers(nc));
	d->max_inflight = 2 * conf_workers(nc);
	uv_timer_set_repeat(&d->scan_timer, (uint64_t)nc->scan_interval_ms);
	log_msg(LOG_NOTICE, NULL, "configuration reloaded from '%s'",
	    d->conf_path);
	sd_notify(0, "READY=1");
	daemon_status(d);
	scan_start(d);
}

static void
abandon_all(uv_timer_t *t)
{
	struct daemon *d = t->data;

	log_msg(LOG_WARNING, NULL,
	    "stop timeout: leaving %d bundles in "
	    "active/ for the next start",
	    d->inflight);
	for (struct bundle *b = d->bundles; b; b = b->next)
		b->abandon = true;
	pool_cancel(&d->pool, NULL);
}

static void
stop(struct daemon *d)
{
	if (d->stopping)
		return;
	d->stopping = true;
	sd_notify(0, "STOPPING=1");
	log_msg(LOG_NOTICE, NULL, "stopping: %d bundles in progress",
	    d->inflight);
	uv_fs_event_stop(&d->watch);
	uv_timer_stop(&d->scan_timer);
	uv_timer_stop(&d->retry_timer);
	daemon_status(d);
	if (d->inflight == 0) {
		daemon_close(d);
		return;
	}
	uv_timer_start(&d->stop_timer, abandon_all,
	    (uint64_t)d->conf->stop_timeout_ms, 0);
}

static void
signal_cb(uv_signal_t *h, int signum)
{
	struct daemon *d = h->data;

	if (signum == SIGHUP && !d->stopping)
		reload(d);
	else if (signum == SIGTERM || signum == SIGINT)
		stop(d);
}

static void
daemon_close(struct daemon *d)
{
	uv_handle_t *hs[] = {
		(uv_handle_t *)&d->watch,
		(uv_handle_t *)&d->scan_timer,
		(uv_handle_t *)&d->watchdog,
		(uv_handle_t *)&d->stop_timer,
		(uv_handle_t *)&d->retry_timer,
		(uv_handle_t *)&d->sig_hup,
		(uv_handle_t *)&d->sig_term,
		(uv_handle_t *)&d->sig_int,
	};

	if (d->closing)
		return;
	d->closing = true;
	for (size_t i = 0; i < sizeof(hs) / sizeof(*hs); i++)
		uv_close(hs[i], NULL);
	pool_close(&d->pool);
	handoff_close(d->handoff);
	d->handoff = NULL;
	retention_close(d->retention);
	decisions_close(d->decisions);
	metrics_close(d->metrics);
	log_msg(LOG_NOTICE, NULL, "stopped");
}

static void
start_handles(struct daemon *d)
{
	char path[4096];
	uint64_t usec = 0;
	int r;

	uv_signal_start(&d->sig_hup, signal_cb, SIGHUP);
	uv_signal_start(&d->sig_term, signal_cb, SIGTERM);
	uv_signal_start(&d->sig_int, signal_cb, SIGINT);
	snprintf(path, sizeof(path), "%s/incoming", d->spool.root);
	if ((r = uv_fs_event_start(&d->watch, watch_cb, path, 0)) < 0)
		log_msg(LOG_WARNING, NULL,
		    "cannot watch '%s' (%s): relying on "
		    "the rescan every %lld ms",
		    path, uv_strerror(r), (long long)d->conf->scan_interval_ms);
	uv_timer_start(&d->scan_timer, scan_timer_cb,
	    (uint64_t)d->conf->scan_interval_ms,
	    (uint64_t)d->conf->scan_interval_ms);
	if (sd_watchdog_enabled(0, &usec) > 0 && usec >= 2000)
		uv_timer_start(&d->watchdog, watchdog_cb, usec / 2000,
		    usec / 2000);
}

static void
init_handles(struct daemon *d)
{
	uv_fs_event_init(d->loop, &d->watch);
	uv_timer_init(d->loop, &d->scan_timer);
	uv_timer_init(d->loop, &d->watchdog);
	uv_timer_init(d->loop, &d->stop_timer);
	uv_timer_init(d->loop, &d->retry_timer);
	uv_signal_init(d->loop, &d->sig_hup);
	uv_signal_init(d->loop, &d->sig_term);
	uv_signal_init(d->loop, &d->sig_int);
	d->watch.data = d->scan_timer.data = d->watchdog.data = d;
	d->stop_timer.data = d->retry_timer.data = d;
	d->sig_hup.data = d->sig_term.data = d->sig_int.data = d;
}

/* Each worker holds a few fds while it runs and libuv some per bundle:
 * the soft limit goes up to the hard one (the unit's LimitNOFILE). */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_msg(LOG_WARNING, NULL,
			    "cannot raise the open files "
			    "limit: %s",
			    strerror(errno));
	}
}

/* A party's group by name, or -1 (the daemon's own) when there is none:
 * one user running everything, as `make run` does. */
static int
party_gid(const char *name, const char *dflt)
{
	struct group *g = getgrnam(name ? name : dflt);

	if (g)
		return (int)g->gr_gid;
	if (name)
		log_msg(LOG_WARNING, NULL, "group '%s' does not exist", name);
	else
		log_msg(LOG_NOTICE, NULL,
		    "no group '%s': its folders get the "
		    "daemon's own group",
		    dflt);
	return -1;
}

static int
spool_rights(struct daemon *d, struct qerr *err)
{
	int gid[PARTY_N] = { -1, -1, -1 };

	gid[PARTY_SUBMIT] = party_gid(d->conf->submit_group, "qujat-submit");
	gid[PARTY_RECEIVE] = party_gid(d->conf->receive_group, "qujat-receive");
	return spool_set_rights(&d->spool, gid, err);
}

int
daemon_init(struct daemon *d, const char *conf_path, const char *spool,
    struct qerr *err)
{
	int r;

	memset(d, 0, sizeof(*d));
	d->conf_path = conf_path;
	d->spool_override = spool;
	d->spool.rootfd = d->spool.lockfd = -1;
	for (int i = 0; i < SP_NDIRS; i++)
		d->spool.dfd[i] = -1;
	if ((r = conf_load(conf_path, spool, &d->conf, err)) < 0 ||
	    (r = conf_check_files(d->conf, err)) < 0)
		return r;
	log_set_level(d->conf->log_level);
	raise_nofile();
	if ((r = spool_open(&d->spool, d->conf->spool, err)) < 0 ||
	    (r = spool_lock(&d->spool, err)) < 0 ||
	    (r = spool_rights(d, err)) < 0)
		return r;
	take_clean(&d->spool);
	if ((r = mkdir_p(d->conf->state_dir, 0750)) < 0)
		return qerr_set(err, r, "cannot create state folder '%s': %s",
		    d->conf->state_dir, strerror(-r));
	if ((r = store_open_conf(d->conf, true, &d->store, err)) < 0)
		return r;
	d->worker_env = daemon_worker_env();
	d->loop = uv_default_loop();
	pool_init(&d->pool, d->loop, conf_workers(d->conf), d->worker_env);
	d->max_inflight = 2 * conf_workers(d->conf);
	init_handles(d);
	if ((r = bundle_resume_published(&d->spool)) < 0)
		return qerr_set(err, r, "cannot read '%s/originals': %s",
		    d->spool.root, strerror(-r));
	list_active(d);
	if (d->nresume)
		log_msg(LOG_NOTICE, NULL,
		    "resuming %zu bundles left in active/", d->nresume);
	if (d->conf->handoff_http &&
	    (r = handoff_new(d->loop, d->conf, &d->spool, &d->n.handoff,
		 &d->handoff, err)) < 0)
		return r;
	d->metrics = metrics_new(d);
	d->retention = retention_new(d);
	if ((r = decisions_new(d, &d->decisions, err)) < 0)
		return r;
	return 0;
}

void
daemon_stop_signals(int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(how, &set, NULL);
}

int
daemon_run(struct daemon *d)
{
	start_handles(d);
	daemon_stop_signals(SIG_UNBLOCK);
	scan_start(d);
	uv_run(d->loop, UV_RUN_DEFAULT);
	return d->exit_code;
}

void
daemon_release(struct daemon *d)
{
	if (d->loop)
		uv_loop_close(d->loop);
	for (size_t i = 0; i < d->nresume; i++)
		free(d->resume[i]);
	free(d->resume);
	for (size_t i = 0; i < d->nignored; i++)
		free(d->ignored[i]);
	free(d->ignored);
	store_close(d->store);
	spool_close(&d->spool);
	if (d->worker_env) {
		for (char **e = d->worker_env; *e; e++)
			free(*e);
		free(d->worker_env);
	}
	conf_unref(d->conf);
}
