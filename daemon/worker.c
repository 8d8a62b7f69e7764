/*
 * worker.c: spawns qujat-filter processes, bounds them in number and in
 * wall-clock time, and collects their reports. SECURITY: what a worker
 * writes is untrusted; only REPORT_MAX bytes are kept and report_parse
 * checks them.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"

static void pool_pump(struct pool *p);

static void
kick_cb(uv_timer_t *t)
{
	struct pool *p = t->data;
	struct job **pp = &p->head, *j;

	p->tail = NULL;
	while ((j = *pp) != NULL) {
		if (!j->cancelled) {
			p->tail = j;
			pp = &j->next;
			continue;
		}
		*pp = j->next;
		j->result = JOB_CANCELLED;
		snprintf(j->why, sizeof(j->why), "cancelled before it started");
		j->done(j);
	}
	pool_pump(p);
}

void
pool_init(struct pool *p, uv_loop_t *loop, int limit, char **env)
{
	memset(p, 0, sizeof(*p));
	p->loop = loop;
	p->limit = limit > 0 ? limit : 1;
	p->env = env;
	uv_timer_init(loop, &p->kick);
	p->kick.data = p;
}

void
pool_close(struct pool *p)
{
	uv_close((uv_handle_t *)&p->kick, NULL);
}

void
pool_set_limit(struct pool *p, int limit)
{
	p->limit = limit > 0 ? limit : 1;
	pool_pump(p);
}

int
pool_queued(const struct pool *p)
{
	int n = p->running;

	for (const struct job *j = p->head; j; j = j->next)
		n++;
	return n;
}

static void
job_finish(struct job *j)
{
	struct pool *p = j->pool;
	struct qerr err;

	j->ms = (uv_hrtime() - j->started) / 1000000;
	if (j->result != JOB_SPAWN) {
		if (j->cancelled)
			j->result = JOB_CANCELLED;
		else if (j->timed_out)
			j->result = JOB_TIMEOUT;
		else if (j->term_signal)
			j->result = JOB_CRASHED;
		else if (j->exit_status != 0)
			j->result = JOB_FAILED;
		else if (report_parse(j->buf, j->len, &j->report, &err) < 0) {
			j->result = JOB_FAILED;
			snprintf(j->why, sizeof(j->why), "bad report: %.140s",
			    err.msg);
		} else
			j->result = JOB_OK;
	}
	if (j->result == JOB_CRASHED || j->result == JOB_FAILED)
		p->failures++;
	else if (j->result == JOB_TIMEOUT)
		p->timeouts++;
	if (j->result == JOB_CRASHED)
		snprintf(j->why, sizeof(j->why), "killed by signal %d (%s)",
		    j->term_signal, strsignal(j->term_signal));
	else if (j->result == JOB_TIMEOUT)
		snprintf(j->why, sizeof(j->why), "no answer within %llu ms",
		    (unsigned long long)j->timeout_ms);
	else if (j->result == JOB_FAILED && !j->why[0])
		snprintf(j->why, sizeof(j->why), "exited with status %lld",
		    (long long)j->exit_status);
	for (struct job **pp = &p->live; *pp; pp = &(*pp)->lnext) {
		if (*pp == j) {
			*pp = j->lnext;
			break;
		}
	}
	p->running--;
	j->done(j);
	pool_pump(p);
}

static void
handle_closed(uv_handle_t *h)
{
	struct job *j = h->data;

	if (--j->open_handles == 0)
		job_finish(j);
}

static void
job_close(uv_handle_t *h)
{
	if (!uv_is_closing(h))
		uv_close(h, handle_closed);
}

static void
alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	static char
	    sink[4096]; /* read-only scratch for overflow; never parsed */
	struct job *j = h->data;
	(void)hint;

	if ((uv_pipe_t *)h == &j->out && j->len < REPORT_MAX + 1)
		*buf = uv_buf_init(j->buf + j->len,
		    (unsigned)(REPORT_MAX + 1 - j->len));
	else if ((uv_pipe_t *)h == &j->err && j->errlen < sizeof(j->errbuf) - 1)
		*buf = uv_buf_init(j->errbuf + j->errlen,
		    (unsigned)(sizeof(j->errbuf) - 1 - j->errlen));
	else
		*buf = uv_buf_init(sink, sizeof(sink));
}

static void
log_errlines(struct job *j)
{
	char *s = j->errbuf, *nl;

	j->errbuf[j->errlen] = '\0';
	while (*s) {
		if ((nl = strchr(s, '\n')) != NULL)
			*nl = '\0';
		if (*s)
			log_msg(LOG_WARNING, NULL, "%s: worker: %s", j->tag, s);
		if (!nl)
			break;
		s = nl + 1;
	}
	j->errlen = 0;
}

static void
read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct job *j = s->data;

	if (n > 0 && (uv_pipe_t *)s == &j->out && buf->base == j->buf + j->len)
		j->len += (size_t)n;
	else if (n > 0 && (uv_pipe_t *)s == &j->err &&
	    buf->base == j->errbuf + j->errlen)
		j->errlen += (size_t)n;
	if (n < 0) {
		if ((uv_pipe_t *)s == &j->err)
			log_errlines(j);
		job_close((uv_handle_t *)s);
	}
}

static void
exit_cb(uv_process_t *proc, int64_t status, int sig)
{
	struct job *j = proc->data;

	j->exited = true;
	j->exit_status = status;
	j->term_signal = sig;
	uv_timer_stop(&j->timer);
	job_close((uv_handle_t *)&j->timer);
	job_close((uv_handle_t *)proc);
}

static void
timer_cb(uv_timer_t *t)
{
	struct job *j = t->data;

	j->timed_out = true;
	if (!j->exited)
		uv_process_kill(&j->proc, SIGKILL);
}

static void
job_init_handles(struct job *j)
{
	uv_pipe_init(j->pool->loop, &j->out, 0);
	uv_pipe_init(j->pool->loop, &j->err, 0);
	uv_timer_init(j->pool->loop, &j->timer);
	j->out.data = j->err.data = j->timer.data = j->proc.data = j;
	j->open_handles = 4;
}

static int
job_spawn(struct job *j)
{
	uv_stdio_container_t io[4];
	uv_process_options_t o = { 0 };

	io[0].flags = UV_INHERIT_FD;
	io[0].data.fd = j->in_fd;
	io[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	io[1].data.stream = (uv_stream_t *)&j->out;
	io[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	io[2].data.stream = (uv_stream_t *)&j->err;
	io[3].flags = UV_INHERIT_FD;
	io[3].data.fd = j->out_fd;
	o.file = j->argv[0];
	o.args = j->argv;
	o.env = j->pool->env;
	o.exit_cb = exit_cb;
	o.stdio = io;
	o.stdio_count = j->out_fd >= 0 ? 4 : 3;
	return uv_spawn(j->pool->loop, &j->proc, &o);
}

static void
job_start(struct job *j)
{
	int r;

	j->started = uv_hrtime();
	if (lseek(j->in_fd, 0, SEEK_SET) < 0 ||
	    (j->out_fd >= 0 &&
		(ftruncate(j->out_fd, 0) < 0 ||
		    lseek(j->out_fd, 0, SEEK_SET) < 0))) {
		r = -errno;
		goto fail;
	}
	job_init_handles(j);
	if ((r = job_spawn(j)) < 0) {
		j->result = JOB_SPAWN;
		snprintf(j->why, sizeof(j->why), "cannot start '%s': %s",
		    j->argv[0], uv_strerror(r));
		uv_close((uv_handle_t *)&j->proc, handle_closed);
		uv_close((uv_handle_t *)&j->out, handle_closed);
		uv_close((uv_handle_t *)&j->err, handle_closed);
		uv_close((uv_handle_t *)&j->timer, handle_closed);
		return;
	}
	uv_read_start((uv_stream_t *)&j->out, alloc_cb, read_cb);
	uv_read_start((uv_stream_t *)&j->err, alloc_cb, read_cb);
	uv_timer_start(&j->timer, timer_cb, j->timeout_ms, 0);
	return;
fail:
	j->result = JOB_SPAWN;
	snprintf(j->why, sizeof(j->why), "cannot rewind the file: %s",
	    strerror(-r));
	uv_timer_init(j->pool->loop, &j->timer);
	j->timer.data = j;
	j->open_handles = 1;
	uv_close((uv_handle_t *)&j->timer, handle_closed);
}

static void
pool_pump(struct pool *p)
{
	struct job *j;

	while (p->running < p->limit && (j = p->head) != NULL) {
		p->head = j->next;
		if (!p->head)
			p->tail = NULL;
		if (j->cancelled) { /* kick_cb has not run yet */
			j->result = JOB_CANCELLED;
			snprintf(j->why, sizeof(j->why),
			    "cancelled before it "
			    "started");
			j->done(j);
			continue;
		}
		p->running++;
		j->lnext = p->live;
		p->live = j;
		job_start(j);
	}
}

void
pool_submit(struct pool *p, struct job *j)
{
	j->pool = p;
	j->next = NULL;
	j->len = j->errlen = 0;
	j->exited = j->timed_out = j->cancelled = false;
	j->exit_status = 0;
	j->term_signal = 0;
	j->why[0] = '\0';
	j->result = JOB_OK;
	memset(&j->report, 0, sizeof(j->report));
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	pool_pump(p);
}

void
pool_cancel(struct pool *p, void *data)
{
	bool queued = false;

	for (struct job *j = p->head; j; j = j->next) {
		if (data == NULL || j->data == data) {
			j->cancelled = true;
			queued = true;
		}
	}
	if (queued)
		uv_timer_start(&p->kick, kick_cb, 0, 0);
	for (struct job *j = p->live; j; j = j->lnext) {
		if (data != NULL && j->data != data)
			continue;
		j->cancelled = true;
		if (!j->exited && j->result != JOB_SPAWN && j->proc.pid > 0)
			uv_process_kill(&j->proc, SIGKILL);
	}
}
