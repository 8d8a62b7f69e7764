/*
 * worker.h: running qujat-filter processes from the event loop. One
 * process per file (uv_spawn), at most `limit` at once (the rest queue),
 * each with a wall-clock deadline after which it is killed. The pool reads
 * the worker's report (size-checked, see report.h) and its diagnostics;
 * it parses nothing else.
 */
#ifndef QUJAT_WORKER_H
#define QUJAT_WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>
#include "report.h"

struct job;
typedef void (*job_done_cb)(struct job *job);

enum job_result {
	JOB_OK,	       /* a report was parsed into job->report */
	JOB_CRASHED,   /* killed by a signal (seccomp, rlimit, abort) */
	JOB_FAILED,    /* exited nonzero, or its report was malformed */
	JOB_TIMEOUT,   /* killed at its deadline */
	JOB_CANCELLED, /* killed or dropped by pool_cancel */
	JOB_SPAWN,     /* could not be started */
};

struct pool {
	uv_loop_t *loop;
	int limit;
	int running;
	struct job *head, *tail;     /* queued, not started */
	struct job *live;	     /* started, not yet finished */
	uv_timer_t kick;	     /* delivers cancellations of queued jobs */
	char **env;		     /* the workers' environment */
	uint64_t failures, timeouts; /* jobs crashed or failed, timed out */
};

struct job {
	/* set by the caller before pool_submit */
	char **argv; /* NULL-terminated; owned by the caller */
	int in_fd;   /* the upload; rewound before each start */
	int out_fd;  /* output file, or -1 for --probe-only */
	uint64_t timeout_ms;
	const char *tag; /* "<id> '<file>'" for log lines */
	job_done_cb done;
	void *data;
	/* results */
	enum job_result result;
	struct filter_report report;
	int64_t exit_status;
	int term_signal;
	uint64_t ms;
	char why[160]; /* what went wrong, for the log */
	/* private */
	struct pool *pool;
	struct job *next, *lnext;
	uv_process_t proc;
	uv_pipe_t out, err;
	uv_timer_t timer;
	int open_handles;
	bool exited, timed_out, cancelled;
	uint64_t started;
	size_t len, errlen;
	char buf[REPORT_MAX + 1];
	char errbuf[512];
};

/* env: the environment for workers (NULL-terminated, borrowed). */
void pool_init(struct pool *p, uv_loop_t *loop, int limit, char **env);
/* Closes the pool's own handle; call once no job is queued or running. */
void pool_close(struct pool *p);
void pool_set_limit(struct pool *p, int limit);

/* Queues job; its done callback runs on the loop once the process is gone
 * and every handle closed, after which the pool no longer touches job. */
void pool_submit(struct pool *p, struct job *job);

/* Kills (SIGKILL) or dequeues every job whose data is data (NULL: all);
 * they finish with JOB_CANCELLED. */
void pool_cancel(struct pool *p, void *data);

/* Jobs queued and running. */
int pool_queued(const struct pool *p);

#endif
