/*
 * retention.c: prunes sent/, originals/ and rejected/ (retention.h). Runs
 * in the pool because a day's bundles are many files; removes with
 * spool.h's remove_tree_fd, by fd, never following a link, so a link
 * removes the link only. Touches no upload's content.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "retention.h"
#include "spool.h"

struct retention {
	struct daemon *d;
	uv_timer_t timer;
	uv_work_t work;
	struct conf *conf; /* the sweep's, one ref */
	bool busy, closing;
};

int
retention_sweep(int dfd, const char *folder, time_t cutoff, int keepfd)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), n = 0;
	struct dirent *de;
	struct stat st;
	DIR *dir;

	if (fd < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((de = readdir(dir)) != NULL) {
		const char *id = de->d_name;
		char sub[600];
		int r;
		if (id[0] == '.' ||
		    fstatat(dfd, id, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode) || st.st_mtime >= cutoff)
			continue;
		if (keepfd >= 0 &&
		    faccessat(keepfd, id, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			continue; /* its accepted bundle is still there */
		snprintf(sub, sizeof(sub), "%s/%s", id, BUNDLE_WORKDIR);
		if (keepfd >= 0 &&
		    faccessat(dfd, sub, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			continue; /* a publication not finished */
		if ((r = remove_tree_fd(dfd, id)) < 0)
			log_msg(LOG_ERR, id,
			    "retention: cannot remove %s/%s: %s", folder, id,
			    strerror(-r));
		else {
			log_msg(LOG_INFO, id,
			    "retention: removed from %s/ "
			    "after %lld days",
			    folder,
			    (long long)(time(NULL) - st.st_mtime) / 86400);
			n++;
		}
	}
	closedir(dir);
	if (n)
		fsync_dir(dfd);
	return n;
}

static void
sweep_work(uv_work_t *w)
{
	struct retention *rt = w->data;
	const struct spool *sp = &rt->d->spool;
	const struct conf *c = rt->conf;
	time_t now = time(NULL);

	if (c->retention_days > 0) {
		time_t cut = now - (time_t)c->retention_days * 86400;
		retention_sweep(sp->dfd[SP_SENT], "sent", cut, -1);
		retention_sweep(sp->dfd[SP_ORIGINALS], "originals", cut,
		    sp->dfd[SP_OUTBOX]);
	}
	if (c->rejected_retention_days > 0)
		retention_sweep(sp->dfd[SP_REJECTED], "rejected",
		    now - (time_t)c->rejected_retention_days * 86400, -1);
}

static void
closed_cb(uv_handle_t *h)
{
	free(h->data);
}

static void
sweep_after(uv_work_t *w, int status)
{
	struct retention *rt = w->data;

	(void)status;
	rt->busy = false;
	conf_unref(rt->conf);
	rt->conf = NULL;
	if (rt->closing)
		uv_close((uv_handle_t *)&rt->timer, closed_cb);
}

static void
tick(uv_timer_t *t)
{
	struct retention *rt = t->data;

	if (rt->busy || rt->closing)
		return;
	rt->busy = true;
	rt->conf = conf_ref(rt->d->conf);
	rt->work.data = rt;
	uv_queue_work(rt->d->loop, &rt->work, sweep_work, sweep_after);
}

struct retention *
retention_new(struct daemon *d)
{
	struct retention *rt = calloc(1, sizeof(*rt));

	if (rt == NULL) {
		log_msg(LOG_ERR, NULL, "out of memory: no retention");
		return NULL;
	}
	rt->d = d;
	uv_timer_init(d->loop, &rt->timer);
	rt->timer.data = rt;
	uv_timer_start(&rt->timer, tick, 0, RETENTION_INTERVAL_MS);
	return rt;
}

void
retention_close(struct retention *rt)
{
	if (rt == NULL || rt->closing)
		return;
	rt->closing = true;
	uv_timer_stop(&rt->timer);
	if (!rt->busy)
		uv_close((uv_handle_t *)&rt->timer, closed_cb);
}
