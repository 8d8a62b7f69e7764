/*
 * handoff.c: POSTs the bundles of outbox/ to the case system (handoff.h)
 * with curl's multi interface on the daemon's loop: curl tells us which
 * sockets to watch (uv_poll) and when to wake it (uv_timer), the pattern
 * of curl's docs/examples/multi-uv.c. No thread and no blocking call per
 * bundle; the move to sent/ (rename and fsyncs) runs in libuv's pool.
 * Reads only what the daemon published; parses nothing it receives.
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

#include <curl/curl.h>

#include "conf.h"
#include "handoff.h"
#include "log.h"
#include "manifest.h"
#include "spool.h"

#define BACKOFF_BASE_MS 1000
#define MAX_PARTS 512

enum istate { I_WAITING, I_POSTING, I_MOVING };

struct item {
	struct item *next;
	struct handoff *h;
	char *name;    /* folder in outbox/ */
	char key[130]; /* the application id */
	enum istate state;
	bool seen;	   /* in the last scan of outbox/ */
	unsigned failures; /* attempts failed in a row */
	uint64_t due;	   /* uv_now() of the next attempt */
	uint64_t added;	   /* uv_hrtime() when first known */
	uint64_t t0;
	CURL *easy;
	curl_mime *mime;
	struct curl_slist *hdrs;
	char errbuf[CURL_ERROR_SIZE];
	uv_work_t work; /* the move to sent/ */
	int moved;	/* its result */
};

struct sock {
	uv_poll_t poll;
	struct handoff *h;
	curl_socket_t fd;
	struct sock *next;
};

struct handoff {
	uv_loop_t *loop;
	struct conf *conf;
	struct spool *sp;
	struct handoff_stats *st;
	CURLM *multi;
	uv_timer_t curl_timer, due_timer, scan_timer;
	uv_fs_t scan_req;
	bool scanning, closing;
	uint64_t scan_t0; /* uv_hrtime() of the scan's start */
	int posting;
	int refs; /* open handles, work and scans, owner */
	struct item *items;
	struct sock *socks;
	uint64_t rnd;
};

static void pump(struct handoff *h);
static void check_done(struct handoff *h);

static void
unref(struct handoff *h)
{
	struct item *it, *next;

	if (--h->refs > 0)
		return;
	for (it = h->items; it; it = next) {
		next = it->next;
		free(it->name);
		free(it);
	}
	conf_unref(h->conf);
	free(h);
}

static void
handle_closed(uv_handle_t *hd)
{
	unref(hd->data);
}

/* xorshift64: jitter needs no quality, only spread. */
static uint64_t
next_rand(struct handoff *h)
{
	h->rnd ^= h->rnd << 13;
	h->rnd ^= h->rnd >> 7;
	h->rnd ^= h->rnd << 17;
	return h->rnd;
}

/* 1 s doubling per failure up to the cap, then a random half off. */
static uint64_t
backoff_ms(struct handoff *h, unsigned failures)
{
	uint64_t cap = (uint64_t)h->conf->handoff_backoff_max_ms;
	uint64_t d = BACKOFF_BASE_MS;

	for (unsigned i = 1; i < failures && d < cap; i++)
		d *= 2;
	if (d > cap)
		d = cap;
	return d / 2 + next_rand(h) % (d / 2 + 1);
}

/* --- the items: bundles of outbox/ ---------------------------------------- */

static struct item *
find_item(struct handoff *h, const char *name)
{
	for (struct item *it = h->items; it; it = it->next)
		if (strcmp(it->name, name) == 0)
			return it;
	return NULL;
}

/* The application id of an outbox/ name ("<id>" or "<id>@<time>[.n]", a
 * copy set aside when the same id was published again), or -EINVAL. */
static int
name_key(const char *name, char *key, size_t len)
{
	size_t n = strcspn(name, "@");

	if (n == 0 || n >= len)
		return -EINVAL;
	memcpy(key, name, n);
	key[n] = '\0';
	return manifest_id_valid(key) ? 0 : -EINVAL;
}

static struct item *
add_item(struct handoff *h, const char *name)
{
	struct item *it, **pp;

	if ((it = find_item(h, name)) != NULL)
		return it;
	if ((it = calloc(1, sizeof(*it))) == NULL ||
	    (it->name = strdup(name)) == NULL) {
		free(it);
		return NULL;
	}
	if (name_key(name, it->key, sizeof(it->key)) < 0) {
		log_msg(LOG_ERR, name,
		    "outbox/ holds a folder whose name is no "
		    "application id; not delivered");
		free(it->name);
		free(it);
		return NULL;
	}
	it->h = h;
	it->due = uv_now(h->loop);
	it->added = uv_hrtime();
	for (pp = &h->items; *pp; pp = &(*pp)->next)
		;
	*pp = it;
	h->st->pending++;
	return it;
}

static void
drop_item(struct handoff *h, struct item *it)
{
	for (struct item **pp = &h->items; *pp; pp = &(*pp)->next) {
		if (*pp == it) {
			*pp = it->next;
			break;
		}
	}
	h->st->pending--;
	free(it->name);
	free(it);
}

/* --- building a POST -------------------------------------------------------
 */

static size_t
part_read(char *buf, size_t size, size_t n, void *arg)
{
	ssize_t r = read((int)(intptr_t)arg, buf, size * n);

	return r < 0 ? CURL_READFUNC_ABORT : (size_t)r;
}

static int
part_seek(void *arg, curl_off_t off, int origin)
{
	return lseek((int)(intptr_t)arg, (off_t)off, origin) < 0 ?
	    CURL_SEEKFUNC_FAIL :
	    CURL_SEEKFUNC_OK;
}

static void
part_free(void *arg)
{
	close((int)(intptr_t)arg);
}

static const char *
media_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".json", "application/json" },
		{ ".pdf", "application/pdf" },
		{ ".jpg", "image/jpeg" },
		{ ".jpeg", "image/jpeg" },
		{ ".png", "image/png" },
		{ ".tif", "image/tiff" },
		{ ".tiff", "image/tiff" },
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(*types); i++)
		if (strcasecmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

/* manifest.json, report.json, then the files by name. */
static int
part_order(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int rx = !strcmp(x, "manifest.json") ? 0 :
	    !strcmp(x, "report.json")	     ? 1 :
					       2;
	int ry = !strcmp(y, "manifest.json") ? 0 :
	    !strcmp(y, "report.json")	     ? 1 :
					       2;

	return rx != ry ? rx - ry : strcmp(x, y);
}

/* One part for the regular file dirfd/name (links are not followed). */
static int
add_part(curl_mime *mime, int dirfd, const char *name)
{
	struct stat st;
	curl_mimepart *p;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if ((p = curl_mime_addpart(mime)) == NULL ||
	    curl_mime_data_cb(p, (curl_off_t)st.st_size, part_read, part_seek,
		part_free, (void *)(intptr_t)fd) != CURLE_OK) {
		close(fd);
		return -ENOMEM;
	}
	if (curl_mime_name(p, name) != CURLE_OK ||
	    curl_mime_filename(p, name) != CURLE_OK ||
	    curl_mime_type(p, media_type(name)) != CURLE_OK)
		return -ENOMEM;
	return 0;
}

/* The names in folder fd, without dot names; sorted for the POST. */
static int
list_parts(int fd, char **names, size_t *n)
{
	DIR *dir;
	struct dirent *de;

	*n = 0;
	if ((dir = dir_list(fd)) == NULL)
		return -errno;
	while ((de = readdir(dir)) != NULL && *n < MAX_PARTS) {
		if (de->d_name[0] == '.')
			continue;
		if ((names[*n] = strdup(de->d_name)) == NULL)
			break;
		(*n)++;
	}
	closedir(dir);
	qsort(names, *n, sizeof(*names), part_order);
	return 0;
}

static int
build_mime(struct item *it, int bfd)
{
	char *names[MAX_PARTS];
	size_t n = 0;
	int r = list_parts(bfd, names, &n);

	if (r == 0 &&
	    (n < 2 || strcmp(names[0], "manifest.json") ||
		strcmp(names[1], "report.json")))
		r = -ENODATA; /* not (yet) a published bundle */
	if (r == 0 && (it->mime = curl_mime_init(it->easy)) == NULL)
		r = -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (r == 0)
			r = add_part(it->mime, bfd, names[i]);
		free(names[i]);
	}
	return r;
}

static size_t
discard(char *ptr, size_t size, size_t n, void *arg)
{
	(void)ptr;
	(void)arg;
	return size * n;
}

static int
set_options(struct item *it)
{
	const struct conf *c = it->h->conf;
	long t = (long)c->handoff_timeout_ms;
	char hdr[160];
	CURL *e = it->easy;

	snprintf(hdr, sizeof(hdr), "Idempotency-Key: %s", it->key);
	if ((it->hdrs = curl_slist_append(NULL, hdr)) == NULL)
		return -ENOMEM;
	/* No "Expect: 100-continue" wait: the receiver reads the body. */
	it->hdrs = curl_slist_append(it->hdrs, "Expect:");
	curl_easy_setopt(e, CURLOPT_URL, c->handoff_url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_MIMEPOST, it->mime);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, it->hdrs);
	curl_easy_setopt(e, CURLOPT_PRIVATE, it);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, it->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, t);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, t < 10000 ? t : 10000L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "qujatd");
	if (c->handoff_ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->handoff_ca_file);
	if (c->handoff_client_cert) {
		curl_easy_setopt(e, CURLOPT_SSLCERT, c->handoff_client_cert);
		curl_easy_setopt(e, CURLOPT_SSLKEY, c->handoff_client_key);
	}
	return 0;
}

static void
free_post(struct item *it)
{
	curl_easy_cleanup(it->easy);
	curl_mime_free(it->mime); /* closes the parts' files */
	curl_slist_free_all(it->hdrs);
	it->easy = NULL;
	it->mime = NULL;
	it->hdrs = NULL;
}

/* Starts a POST of it; 0, -ENOENT when the bundle left outbox/, or
 * another -errno (the attempt counts as failed). */
static int
start_post(struct handoff *h, struct item *it)
{
	int bfd, r;

	bfd = openat(h->sp->dfd[SP_OUTBOX], it->name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (bfd < 0)
		return -errno;
	it->errbuf[0] = '\0';
	if ((it->easy = curl_easy_init()) == NULL)
		r = -ENOMEM;
	else if ((r = build_mime(it, bfd)) == 0)
		r = set_options(it);
	close(bfd);
	if (r == 0 && curl_multi_add_handle(h->multi, it->easy) != CURLM_OK)
		r = -EIO;
	if (r < 0) {
		free_post(it);
		return r;
	}
	it->state = I_POSTING;
	it->t0 = uv_now(h->loop);
	h->posting++;
	return 0;
}

/* --- results ----------------------------------------------------------------
 */

static void
retry_later(struct handoff *h, struct item *it, const char *why)
{
	uint64_t wait;

	it->failures++;
	wait = backoff_ms(h, it->failures);
	it->due = uv_now(h->loop) + wait;
	it->state = I_WAITING;
	log_msg(LOG_WARNING, it->key,
	    "delivery attempt %u failed: %s; next "
	    "attempt in %llu ms",
	    it->failures, why, (unsigned long long)wait);
}

static void
move_work(uv_work_t *w)
{
	struct item *it = w->data;

	/* Counted before sent/<id> exists, and taken back if the move
	 * fails: whoever sees sent/<id> sees it counted, even a stop that
	 * writes the last metrics before move_after() runs (metrics.c reads
	 * the counter atomically). */
	__atomic_add_fetch(&it->h->st->delivered, 1, __ATOMIC_RELAXED);
	it->moved = spool_move_replace(it->h->sp, SP_OUTBOX, it->name, SP_SENT);
	if (it->moved != 0)
		__atomic_sub_fetch(&it->h->st->delivered, 1, __ATOMIC_RELAXED);
}

static void
move_after(uv_work_t *w, int status)
{
	struct item *it = w->data;
	struct handoff *h = it->h;

	(void)status;
	if (it->moved == 0 || it->moved == -ENOENT) {
		if (it->moved == -ENOENT)
			log_msg(LOG_WARNING, it->key,
			    "delivered, but gone from "
			    "outbox/ before the move to sent/");
		drop_item(h, it);
	} else {
		/* Delivered, not moved: it will be POSTed again (at least
		 * once; the Idempotency-Key makes that harmless). */
		log_msg(LOG_ERR, it->key, "cannot move outbox/%s to sent/: %s",
		    it->name, strerror(-it->moved));
		retry_later(h, it, "the move to sent/ failed");
	}
	if (!h->closing)
		pump(h);
	unref(h);
}

static void
post_done(struct handoff *h, struct item *it, CURLcode rc)
{
	long code = 0;
	curl_off_t up = 0;
	char why[CURL_ERROR_SIZE + 64];

	curl_easy_getinfo(it->easy, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(it->easy, CURLINFO_SIZE_UPLOAD_T, &up);
	curl_multi_remove_handle(h->multi, it->easy);
	free_post(it);
	h->posting--;
	h->st->attempts++;
	if (rc == CURLE_OK && code >= 200 && code < 300) {
		log_msg(LOG_INFO, it->key,
		    "delivered: HTTP %ld, %lld bytes in "
		    "%llu ms, attempt %u",
		    code, (long long)up,
		    (unsigned long long)(uv_now(h->loop) - it->t0),
		    it->failures + 1);
		h->st->bytes += (uint64_t)up;
		it->state = I_MOVING;
		it->work.data = it;
		h->refs++;
		uv_queue_work(h->loop, &it->work, move_work, move_after);
		return;
	}
	h->st->failures++;
	if (rc != CURLE_OK)
		snprintf(why, sizeof(why), "%s",
		    it->errbuf[0] ? it->errbuf : curl_easy_strerror(rc));
	else
		snprintf(why, sizeof(why), "HTTP %ld", code);
	retry_later(h, it, why);
}

static void
check_done(struct handoff *h)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
		struct item *it = NULL;
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &it);
		post_done(h, it, m->data.result);
	}
	if (!h->closing)
		pump(h);
}

/* --- scheduling --------------------------------------------------------------
 */

static void
due_cb(uv_timer_t *t)
{
	pump(t->data);
}

/* Starts what is due while slots are free; arms the timer for the rest. */
static void
pump(struct handoff *h)
{
	uint64_t now = uv_now(h->loop), next = UINT64_MAX;
	struct item *it, *nx;
	int r;

	for (it = h->items; it; it = nx) {
		nx = it->next;
		if (it->state != I_WAITING)
			continue;
		if (it->due > now ||
		    h->posting >= h->conf->handoff_concurrency) {
			if (it->due < next)
				next = it->due;
			continue;
		}
		if ((r = start_post(h, it)) == -ENOENT) {
			drop_item(h, it); /* taken out of outbox/ */
		} else if (r < 0) {
			h->st->attempts++;
			h->st->failures++;
			retry_later(h, it, strerror(-r));
			if (it->due < next)
				next = it->due;
		}
	}
	if (h->posting >= h->conf->handoff_concurrency || next == UINT64_MAX)
		uv_timer_stop(&h->due_timer);
	else
		uv_timer_start(&h->due_timer, due_cb,
		    next > now ? next - now : 0, 0);
}

static void
scan_cb(uv_fs_t *req)
{
	struct handoff *h = req->data;
	struct item *it, *nx;
	uv_dirent_t e;

	h->scanning = false;
	if (req->result < 0 && !h->closing)
		log_msg(LOG_ERR, NULL, "cannot scan '%s/outbox': %s",
		    h->sp->root, uv_strerror((int)req->result));
	for (it = h->items; it; it = it->next)
		it->seen = false;
	while (req->result >= 0 && uv_fs_scandir_next(req, &e) != UV_EOF) {
		if (e.name[0] == '.' ||
		    (e.type != UV_DIRENT_DIR && e.type != UV_DIRENT_UNKNOWN))
			continue;
		if ((it = add_item(h, e.name)) != NULL)
			it->seen = true;
	}
	/* Gone from outbox/ (the operator took it): forget it. One kicked
	 * after the listing began is not in it, and stays. */
	for (it = h->items; req->result >= 0 && it; it = nx) {
		nx = it->next;
		if (!it->seen && it->state == I_WAITING &&
		    it->added < h->scan_t0)
			drop_item(h, it);
	}
	uv_fs_req_cleanup(req);
	if (!h->closing)
		pump(h);
	unref(h);
}

static void
scan_start(uv_timer_t *t)
{
	struct handoff *h = t->data;
	char path[4096];

	if (h->scanning || h->closing)
		return;
	snprintf(path, sizeof(path), "%s/outbox", h->sp->root);
	h->scan_req.data = h;
	h->scan_t0 = uv_hrtime();
	if (uv_fs_scandir(h->loop, &h->scan_req, path, 0, scan_cb) == 0) {
		h->scanning = true;
		h->refs++;
	}
}

/* --- curl's callbacks: sockets and the timer ---------------------------------
 */

static void
sock_closed(uv_handle_t *hd)
{
	struct sock *s = hd->data;
	struct handoff *h = s->h;

	free(s);
	unref(h);
}

static void
sock_release(struct handoff *h, struct sock *s)
{
	for (struct sock **pp = &h->socks; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	uv_poll_stop(&s->poll);
	uv_close((uv_handle_t *)&s->poll, sock_closed);
}

static void
poll_cb(uv_poll_t *p, int status, int events)
{
	struct sock *s = p->data;
	struct handoff *h = s->h;
	int flags = 0, running;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	/* s may be released inside: not touched after this call. */
	curl_multi_socket_action(h->multi, s->fd, flags, &running);
	check_done(h);
}

static struct sock *
sock_new(struct handoff *h, curl_socket_t fd)
{
	struct sock *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	if (uv_poll_init_socket(h->loop, &s->poll, fd) < 0) {
		free(s);
		return NULL;
	}
	s->poll.data = s;
	s->h = h;
	s->fd = fd;
	s->next = h->socks;
	h->socks = s;
	h->refs++;
	curl_multi_assign(h->multi, fd, s);
	return s;
}

static int
socket_cb(CURL *e, curl_socket_t fd, int what, void *userp, void *sockp)
{
	struct handoff *h = userp;
	struct sock *s = sockp;
	int ev = 0;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (s) {
			curl_multi_assign(h->multi, fd, NULL);
			sock_release(h, s);
		}
		return 0;
	}
	if (s == NULL && (s = sock_new(h, fd)) == NULL)
		return -1;
	if (what & CURL_POLL_IN)
		ev |= UV_READABLE;
	if (what & CURL_POLL_OUT)
		ev |= UV_WRITABLE;
	uv_poll_start(&s->poll, ev, poll_cb);
	return 0;
}

static void
curl_timer_cb(uv_timer_t *t)
{
	struct handoff *h = t->data;
	int running;

	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(h);
}

static int
timer_cb(CURLM *m, long ms, void *userp)
{
	struct handoff *h = userp;

	(void)m;
	if (h->closing)
		return 0;
	if (ms < 0)
		uv_timer_stop(&h->curl_timer);
	else
		uv_timer_start(&h->curl_timer, curl_timer_cb, (uint64_t)ms, 0);
	return 0;
}

/* --- life cycle
 * ----------------------------------------------------------------- */

int
handoff_new(uv_loop_t *loop, struct conf *conf, struct spool *sp,
    struct handoff_stats *stats, struct handoff **out, struct qerr *err)
{
	struct handoff *h;
	uv_timer_t *ts[3];

	*out = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return qerr_set(err, -EIO, "cannot initialise libcurl");
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->multi = curl_multi_init()) == NULL) {
		free(h);
		return qerr_set(err, -ENOMEM, "out of memory");
	}
	h->loop = loop;
	h->conf = conf_ref(conf);
	h->sp = sp;
	h->st = stats;
	h->rnd = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b9;
	h->refs = 1;
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	ts[0] = &h->curl_timer;
	ts[1] = &h->due_timer;
	ts[2] = &h->scan_timer;
	for (int i = 0; i < 3; i++) {
		uv_timer_init(loop, ts[i]);
		ts[i]->data = h;
		h->refs++;
	}
	uv_timer_start(&h->scan_timer, scan_start, 0, HANDOFF_SCAN_MS);
	log_msg(LOG_INFO, NULL, "hand-off: POST to '%s', %lld at once",
	    conf->handoff_url, (long long)conf->handoff_concurrency);
	*out = h;
	return 0;
}

void
handoff_kick(struct handoff *h, const char *name)
{
	struct item *it;

	if (h == NULL || h->closing || (it = add_item(h, name)) == NULL)
		return;
	if (it->state == I_WAITING)
		it->due = uv_now(h->loop);
	pump(h);
}

void
handoff_set_conf(struct handoff *h, struct conf *conf)
{
	if (h == NULL)
		return;
	conf_ref(conf);
	conf_unref(h->conf);
	h->conf = conf;
	pump(h);
}

void
handoff_close(struct handoff *h)
{
	struct item *it;
	int abandoned = 0;

	if (h == NULL || h->closing)
		return;
	h->closing = true;
	for (it = h->items; it; it = it->next) {
		if (it->state != I_POSTING)
			continue;
		curl_multi_remove_handle(h->multi, it->easy);
		free_post(it);
		it->state = I_WAITING;
		abandoned++;
	}
	curl_multi_cleanup(h->multi);
	while (h->socks)
		sock_release(h, h->socks);
	uv_close((uv_handle_t *)&h->curl_timer, handle_closed);
	uv_close((uv_handle_t *)&h->due_timer, handle_closed);
	uv_close((uv_handle_t *)&h->scan_timer, handle_closed);
	if (abandoned)
		log_msg(LOG_NOTICE, NULL,
		    "hand-off stopped: %d deliveries in "
		    "flight abandoned, left in outbox/ for the next start",
		    abandoned);
	unref(h);
}
