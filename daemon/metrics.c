/*
 * metrics.c: the Prometheus text file (metrics.h). The loop copies the
 * counters; a thread of the pool counts the spool's folders and writes the
 * file (a temporary beside it, fsync, rename, fsync of the folder), so a
 * spool of many bundles never stalls the loop. Touches no upload.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "metrics.h"

const char *const metrics_codes[] = {
	"manifest_invalid",
	"service_unknown",
	"iin_invalid",
	"file_missing",
	"file_unlisted",
	"file_not_regular",
	"type_unsupported",
	"file_corrupt",
	"pdf_encrypted",
	"limit_exceeded",
	"blank_page",
	"resolution_too_low",
	"document_missing",
	"duplicate_application",
	"too_large",
	"processing_failed",
};
const int metrics_ncodes = sizeof(metrics_codes) / sizeof(*metrics_codes);

/* What one write shows: copied on the loop, written in the pool. */
struct snap {
	struct counters n;
	uint64_t worker_failures, worker_timeouts;
	int64_t budget;
	int inflight;
	bool http;
	long start;
	int dfd[SP_NDIRS]; /* borrowed from the daemon's spool */
	char path[4096];
	int result;
};

struct metrics {
	struct daemon *d;
	uv_timer_t timer;
	uv_work_t work;
	struct snap snap;
	bool busy, closing;
	long start;
};

void
counters_add_bundle(struct counters *n, const struct bundle *b)
{
	if (b->decision == DECIDE_ACCEPT) {
		n->accepted_in += (uint64_t)b->bytes_in;
		n->accepted_out += (uint64_t)b->bytes_out;
		n->bytes_out += (uint64_t)b->bytes_out;
	}
	n->bytes_in += (uint64_t)b->bytes_in;
	for (size_t i = 0; i < b->reasons.n; i++)
		for (int c = 0; c < metrics_ncodes; c++)
			if (strcmp(b->reasons.v[i].code, metrics_codes[c]) == 0)
				n->refused[c]++;
}

static void
take_snap(struct metrics *m)
{
	struct daemon *d = m->d;
	struct snap *s = &m->snap;

	s->n = d->n;
	/* the one counter a pool thread adds to (handoff.c) */
	s->n.handoff.delivered = __atomic_load_n(&d->n.handoff.delivered,
	    __ATOMIC_RELAXED);
	s->worker_failures = d->pool.failures;
	s->worker_timeouts = d->pool.timeouts;
	s->budget = d->conf->max_bundle_bytes;
	s->inflight = d->inflight;
	s->http = d->conf->handoff_http;
	s->start = m->start;
	memcpy(s->dfd, d->spool.dfd, sizeof(s->dfd));
	snprintf(s->path, sizeof(s->path), "%s", d->conf->metrics_file);
}

static void
metric(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
one(FILE *f, const char *name, const char *type, const char *help,
    unsigned long long v)
{
	metric(f, name, type, help);
	fprintf(f, "%s %llu\n", name, v);
}

static void
write_folders(FILE *f, const struct snap *s)
{
	long n[SP_NDIRS], age[SP_NDIRS];

	for (int i = 0; i < SP_NDIRS; i++)
		spool_folder_stats(s->dfd[i], &n[i], &age[i]);
	metric(f, "qujat_bundles", "gauge", "Bundles in each spool folder.");
	for (int i = 0; i < SP_NDIRS; i++)
		fprintf(f, "qujat_bundles{folder=\"%s\"} %ld\n",
		    spool_dir_name[i], n[i]);
	metric(f, "qujat_oldest_bundle_age_seconds", "gauge",
	    "Age of the "
	    "oldest bundle in each spool folder (0 when empty).");
	for (int i = 0; i < SP_NDIRS; i++)
		fprintf(f,
		    "qujat_oldest_bundle_age_seconds{folder=\"%s\"} "
		    "%ld\n",
		    spool_dir_name[i], age[i]);
}

static void
write_counters(FILE *f, const struct snap *s)
{
	const struct counters *n = &s->n;

	one(f, "qujat_bundles_accepted_total", "counter", "Bundles accepted.",
	    n->accepted);
	one(f, "qujat_bundles_rejected_total", "counter", "Bundles refused.",
	    n->rejected);
	metric(f, "qujat_refusal_reasons_total", "counter",
	    "Reasons given "
	    "in refusals, by code (a bundle may have several).");
	for (int c = 0; c < metrics_ncodes; c++)
		fprintf(f, "qujat_refusal_reasons_total{code=\"%s\"} %llu\n",
		    metrics_codes[c], (unsigned long long)n->refused[c]);
	one(f, "qujat_bundles_retried_total", "counter",
	    "Bundles left in "
	    "active/ for a retry after a local failure.",
	    n->retried);
	one(f, "qujat_bundles_in_progress", "gauge",
	    "Bundles being "
	    "processed.",
	    (unsigned long long)s->inflight);
	one(f, "qujat_bytes_in_total", "counter",
	    "Bytes uploaded in "
	    "decided bundles.",
	    n->bytes_in);
	one(f, "qujat_bytes_out_total", "counter",
	    "Bytes of the documents "
	    "of accepted bundles as handed off.",
	    n->bytes_out);
	metric(f, "qujat_compression_ratio", "gauge",
	    "Bytes out over bytes "
	    "in of the bundles accepted since start.");
	fprintf(f, "qujat_compression_ratio %.4f\n",
	    n->accepted_in ? (double)n->accepted_out / (double)n->accepted_in :
			     1.0);
	one(f, "qujat_worker_failures_total", "counter",
	    "Workers that "
	    "crashed or failed.",
	    s->worker_failures);
	one(f, "qujat_worker_timeouts_total", "counter",
	    "Workers killed at "
	    "their deadline.",
	    s->worker_timeouts);
	one(f, "qujat_budget_bytes", "gauge",
	    "The budget of one bundle "
	    "(max_bundle_bytes).",
	    (unsigned long long)s->budget);
	one(f, "qujat_start_time_seconds", "gauge",
	    "When qujatd started "
	    "(Unix time).",
	    (unsigned long long)s->start);
}

static void
write_handoff(FILE *f, const struct snap *s)
{
	const struct handoff_stats *h = &s->n.handoff;

	one(f, "qujat_handoff_http", "gauge",
	    "1 when bundles are POSTed "
	    "(handoff = http), 0 for the outbox.",
	    s->http);
	one(f, "qujat_deliveries_attempted_total", "counter",
	    "POSTs of "
	    "bundles finished, whatever their result.",
	    h->attempts);
	one(f, "qujat_deliveries_failed_total", "counter",
	    "POSTs that did "
	    "not get a 2xx.",
	    h->failures);
	one(f, "qujat_deliveries_total", "counter",
	    "Bundles delivered and "
	    "moved to sent/.",
	    h->delivered);
	one(f, "qujat_delivered_bytes_total", "counter",
	    "Bytes sent in "
	    "delivered POSTs.",
	    h->bytes);
}

/* Writes s to s->path atomically. 0 or -errno. */
static int
write_file(struct snap *s)
{
	char tmp[4200], *slash;
	FILE *f;
	int fd, r = 0, dfd;

	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", s->path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return -errno;
	fchmod(fd, 0644); /* node_exporter runs as another user */
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(tmp);
		return -ENOMEM;
	}
	write_folders(f, s);
	write_counters(f, s);
	write_handoff(f, s);
	if (fflush(f) != 0 || fsync(fileno(f)) < 0)
		r = -errno;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, s->path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	if ((slash = strrchr(tmp, '/')) != NULL) {
		*slash = '\0';
		if ((dfd = open(tmp[0] ? tmp : "/",
			 O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
			r = fsync_dir(dfd);
			close(dfd);
		}
	}
	return r;
}

static void
write_work(uv_work_t *w)
{
	struct metrics *m = w->data;

	m->snap.result = write_file(&m->snap);
}

static void
closed_cb(uv_handle_t *h)
{
	free(h->data);
}

static void
finish_close(struct metrics *m)
{
	int r;

	take_snap(m);
	if ((r = write_file(&m->snap)) < 0)
		log_msg(LOG_ERR, NULL, "cannot write metrics to '%s': %s",
		    m->snap.path, strerror(-r));
	uv_close((uv_handle_t *)&m->timer, closed_cb);
}

static void
write_after(uv_work_t *w, int status)
{
	struct metrics *m = w->data;

	(void)status;
	m->busy = false;
	if (m->snap.result < 0)
		log_msg(LOG_ERR, NULL, "cannot write metrics to '%s': %s",
		    m->snap.path, strerror(-m->snap.result));
	if (m->closing)
		finish_close(m);
}

static void
tick(uv_timer_t *t)
{
	struct metrics *m = t->data;

	if (m->busy || m->closing)
		return;
	take_snap(m);
	m->busy = true;
	m->work.data = m;
	uv_queue_work(m->d->loop, &m->work, write_work, write_after);
}

struct metrics *
metrics_new(struct daemon *d)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (m == NULL) {
		log_msg(LOG_ERR, NULL, "out of memory: no metrics");
		return NULL;
	}
	m->d = d;
	m->start = (long)time(NULL);
	uv_timer_init(d->loop, &m->timer);
	m->timer.data = m;
	uv_timer_start(&m->timer, tick, 0, METRICS_INTERVAL_MS);
	return m;
}

void
metrics_close(struct metrics *m)
{
	if (m == NULL || m->closing)
		return;
	m->closing = true;
	uv_timer_stop(&m->timer);
	if (!m->busy)
		finish_close(m);
}
