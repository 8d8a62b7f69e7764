/*
 * handoff.h: the HTTP hand-off of accepted bundles (spec/contract.md,
 * section 4), on the daemon's event loop (curl multi driven by libuv).
 * Every bundle in outbox/ is POSTed to handoff_url as multipart/form-data
 * (manifest.json, report.json, then each file; every part is named by its
 * file) with "Idempotency-Key: <application_id>"; a 2xx answer moves
 * outbox/<id> to sent/<id> durably, anything else is retried with
 * exponential backoff and jitter up to handoff_backoff_max_ms, forever.
 * The spool is the state: outbox/ is scanned at start and every
 * HANDOFF_SCAN_MS, so a restart resumes every delivery (at least once).
 * Reads only bundles the daemon itself published; parses nothing.
 */
#ifndef QUJAT_HANDOFF_H
#define QUJAT_HANDOFF_H

#include <stdint.h>
#include <uv.h>
#include "qerr.h"

#define HANDOFF_SCAN_MS 30000

struct conf;
struct spool;
struct handoff;

/* Counted since start; the caller owns them (metrics read them). */
struct handoff_stats {
	uint64_t attempts;  /* POSTs finished, whatever their result */
	uint64_t failures;  /* ... that were not a 2xx */
	uint64_t delivered; /* bundles moved to sent/ */
	uint64_t bytes;	    /* bytes sent in delivered POSTs */
	int pending;	    /* bundles known in outbox/, not yet sent */
};

/* Starts the hand-off on loop: takes a ref on conf (which must have
 * handoff_http set), borrows sp and stats (both must outlive it), and
 * schedules the first scan of outbox/. 0, or -errno with err set. */
int handoff_new(uv_loop_t *loop, struct conf *conf, struct spool *sp,
    struct handoff_stats *stats, struct handoff **out, struct qerr *err);

/* outbox/<name> was just published: deliver it now (when a slot is free). */
void handoff_kick(struct handoff *h, const char *name);

/* A reloaded configuration: the next attempts use its URL, TLS files,
 * timeout, concurrency and cap. Takes a ref on conf, drops the old one. */
void handoff_set_conf(struct handoff *h, struct conf *conf);

/* Stops: POSTs in flight are abandoned (the bundles stay in outbox/ and
 * are delivered at the next start), handles are closed; h is freed in the
 * last close callback. NULL is ignored. */
void handoff_close(struct handoff *h);

#endif
