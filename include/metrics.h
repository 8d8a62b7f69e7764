/*
 * metrics.h: the daemon's metrics in Prometheus text format, written to
 * metrics_file for node_exporter's textfile collector: at start, every
 * METRICS_INTERVAL_MS and at stop, atomically (a temporary file, fsync,
 * rename). Folder counts are taken from the spool when written (in the
 * thread pool); the counters are the daemon's since start.
 */
#ifndef QUJAT_METRICS_H
#define QUJAT_METRICS_H

#include <stdint.h>

#define METRICS_INTERVAL_MS 15000

struct daemon;
struct counters;
struct bundle;
struct metrics;

/* The refusal codes of the contract, in the order metrics list them. */
extern const char *const metrics_codes[];
extern const int metrics_ncodes;

/* Adds a decided bundle (accepted or rejected) to the counters. */
void counters_add_bundle(struct counters *n, const struct bundle *b);

/* Starts writing d's metrics; NULL when out of memory (logged). */
struct metrics *metrics_new(struct daemon *d);

/* Writes a last time (blocking, on the loop) and closes; freed in the
 * last close callback. NULL is ignored. */
void metrics_close(struct metrics *m);

#endif
