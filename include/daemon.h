/*
 * daemon.h: qujatd's event loop: watches incoming/, claims bundles up to
 * its capacity, runs them through bundle.h's steps, and speaks the
 * systemd notify protocol. The spool is the state: nothing here survives
 * a restart, and nothing needs to.
 */
#ifndef QUJAT_DAEMON_H
#define QUJAT_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>
#include "handoff.h"
#include "spool.h"
#include "worker.h"

struct conf;
struct store;
struct bundle;
struct metrics;
struct retention;
struct decisions;

#define COUNTERS_NCODES 32

/* Since start; the metrics file shows them (metrics.h). */
struct counters {
	uint64_t accepted, rejected, retried, worker_failures;
	uint64_t refused[COUNTERS_NCODES];  /* reasons, by metrics_codes */
	uint64_t bytes_in, bytes_out;	    /* decided bundles */
	uint64_t accepted_in, accepted_out; /* accepted bundles */
	struct handoff_stats handoff;	    /* the HTTP hand-off's */
};

struct daemon {
	uv_loop_t *loop;
	struct conf *conf;
	const char *conf_path;
	const char *spool_override; /* --spool, kept for reloads */
	struct spool spool;
	struct store *store;
	struct handoff *handoff; /* NULL: hand-off is outbox/ */
	struct metrics *metrics;
	struct retention *retention;
	struct decisions *decisions; /* decisions/ from the case system */
	struct pool pool;
	char **worker_env;

	uv_fs_event_t watch;
	uv_timer_t scan_timer, watchdog, stop_timer, retry_timer;
	uv_signal_t sig_hup, sig_term, sig_int;
	uv_fs_t scan_req;

	bool scanning, rescan, ready, stopping, closing;
	bool disk_full; /* the spool's filesystem: no claims */
	int inflight, max_inflight;
	int waiting;		/* seen in incoming/, not yet claimed */
	struct bundle *bundles; /* in flight */
	char **resume;		/* active/ names to resume */
	char **ignored;		/* non-folders in incoming/, logged */
	size_t nignored;
	uint64_t take_paused; /* no take before (uv_now ms) */
	char take_error[300]; /* why, for STATUS= */
	size_t nresume, iresume;
	struct counters n;
	int exit_code;
};

/* Sets up everything before the loop runs: spool, lock, store, resume of
 * interrupted publications. fatal-worthy errors are returned (err says). */
int daemon_init(struct daemon *d, const char *conf_path, const char *spool,
    struct qerr *err);

/* Runs the loop until SIGTERM/SIGINT and the stop is complete; returns
 * the process exit code. */
int daemon_run(struct daemon *d);
/* Blocks (SIG_BLOCK) or unblocks (SIG_UNBLOCK) SIGTERM, SIGINT and SIGHUP:
 * main() blocks them before daemon_init(), so that a stop or reload asked
 * for during start-up waits for the loop's handlers; daemon_run() unblocks
 * them once those are up. */
void daemon_stop_signals(int how);

void daemon_release(struct daemon *d);

/* A minimal environment for workers (PATH, LC_ALL=C, and sanitizer
 * options when set). NULL-terminated, malloc'd. */
char **daemon_worker_env(void);

/* The configuration file to use without -c: $QUJAT_CONF, else
 * SYSCONFDIR/qujat.conf, else conf/qujat.conf of the source tree the
 * program was built in. Malloc'd. */
char *default_conf_path(void);

#endif
