/*
 * conf.c: reads qujat.conf (conf.h) strictly: every key is known, typed
 * and in range, or the load fails naming the file and line. Operator
 * input, trusted, but a typo must fail `qujatd -t`, not a running daemon.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <libconfig.h>

#include "buildconf.h"
#include "catalogue.h"
#include "cfgfile.h"
#include "conf.h"
#include "defaults.h"

enum ckind { C_STR, C_INT, C_LEVEL, C_LIMITS };

struct ckey {
	const char *name;
	enum ckind kind;
	size_t off; /* into struct conf (or struct limits) */
	int64_t min, max;
};

#define CO(m) offsetof(struct conf, m)
#define LO(m) offsetof(struct limits, m)
#define GIB (INT64_C(1) << 30)

static const struct ckey top_keys[] = { { "spool", C_STR, CO(spool), 0, 0 },
	{ "state_dir", C_STR, CO(state_dir), 0, 0 },
	{ "filter", C_STR, CO(filter), 0, 0 },
	{ "services_file", C_STR, CO(services_file), 0, 0 },
	{ "messages_file", C_STR, CO(messages_file), 0, 0 },
	{ "max_bundle_bytes", C_INT, CO(max_bundle_bytes), 1024, 1024 * GIB },
	{ "workers", C_INT, CO(workers), 0, 1024 },
	{ "worker_retries", C_INT, CO(worker_retries), 0, 10 },
	{ "scan_interval_ms", C_INT, CO(scan_interval_ms), 100, 3600000 },
	{ "stop_timeout_ms", C_INT, CO(stop_timeout_ms), 0, 3600000 },
	{ "log_level", C_LEVEL, CO(log_level), 0, 0 },
	{ "max_dpi", C_INT, CO(max_dpi), 50, 1200 },
	{ "min_dpi", C_INT, CO(min_dpi), 50, 1200 },
	{ "low_dpi", C_INT, CO(low_dpi), 10, 1200 },
	{ "quality_floor", C_INT, CO(quality_floor), 10, 95 },
	{ "photo_pages", C_STR, CO(photo_pages), 0, 0 },
	{ "store", C_STR, CO(store), 0, 0 },
	{ "handoff", C_STR, CO(handoff), 0, 0 },
	{ "handoff_url", C_STR, CO(handoff_url), 0, 0 },
	{ "handoff_ca_file", C_STR, CO(handoff_ca_file), 0, 0 },
	{ "handoff_client_cert", C_STR, CO(handoff_client_cert), 0, 0 },
	{ "handoff_client_key", C_STR, CO(handoff_client_key), 0, 0 },
	{ "handoff_concurrency", C_INT, CO(handoff_concurrency), 1, 256 },
	{ "handoff_timeout_ms", C_INT, CO(handoff_timeout_ms), 100, 3600000 },
	{ "handoff_backoff_max_ms", C_INT, CO(handoff_backoff_max_ms), 10,
	    86400000 },
	{ "retention_days", C_INT, CO(retention_days), 0, 36500 },
	{ "rejected_retention_days", C_INT, CO(rejected_retention_days), 0,
	    36500 },
	{ "metrics_file", C_STR, CO(metrics_file), 0, 0 },
	{ "submit_group", C_STR, CO(submit_group), 0, 0 },
	{ "receive_group", C_STR, CO(receive_group), 0, 0 },
	{ "limits", C_LIMITS, CO(limits), 0, 0 }, { NULL, 0, 0, 0, 0 } };

static const struct ckey limit_keys[] = { { "max_files", C_INT, LO(max_files),
					      1, 100000 },
	{ "max_file_bytes", C_INT, LO(max_file_bytes), 1024, 1024 * GIB },
	{ "max_pixels", C_INT, LO(max_pixels), 1, INT64_C(1) << 40 },
	{ "max_pages", C_INT, LO(max_pages), 1, 1000000 },
	{ "max_pdf_objects", C_INT, LO(max_pdf_objects), 1, 1000000000 },
	{ "max_stream_bytes", C_INT, LO(max_stream_bytes), 1024, 1024 * GIB },
	{ "max_manifest_bytes", C_INT, LO(max_manifest_bytes), 1024, 64 << 20 },
	/* 3 is the depth of a manifest itself; jansson stops at 2048 */
	{ "max_manifest_depth", C_INT, LO(max_manifest_depth), 3, 1000 },
	{ "worker_cpu_seconds", C_INT, LO(worker_cpu_seconds), 1, 86400 },
	{ "worker_memory_mb", C_INT, LO(worker_memory_mb), 16, 1 << 20 },
	{ "file_timeout_ms", C_INT, LO(file_timeout_ms), 100, 86400000 },
	{ "bundle_timeout_ms", C_INT, LO(bundle_timeout_ms), 100,
	    7 * INT64_C(86400000) },
	{ NULL, 0, 0, 0, 0 } };

static const struct {
	const char *name;
	int level;
} levels[] = {
	{ "error", LOG_ERR },
	{ "warning", LOG_WARNING },
	{ "notice", LOG_NOTICE },
	{ "info", LOG_INFO },
	{ "debug", LOG_DEBUG },
};

static const struct limits default_limits = {
	.max_files = DEFAULT_MAX_FILES,
	.max_file_bytes = DEFAULT_MAX_FILE_BYTES,
	.max_pixels = DEFAULT_MAX_PIXELS,
	.max_pages = DEFAULT_MAX_PAGES,
	.max_pdf_objects = DEFAULT_MAX_PDF_OBJECTS,
	.max_stream_bytes = DEFAULT_MAX_STREAM_BYTES,
	.max_manifest_bytes = DEFAULT_MAX_MANIFEST_BYTES,
	.max_manifest_depth = DEFAULT_MAX_MANIFEST_DEPTH,
	.worker_cpu_seconds = DEFAULT_WORKER_CPU_SECONDS,
	.worker_memory_mb = DEFAULT_WORKER_MEMORY_MB,
	.file_timeout_ms = DEFAULT_FILE_TIMEOUT_MS,
	.bundle_timeout_ms = DEFAULT_BUNDLE_TIMEOUT_MS,
};

/* The numbers from defaults.h, the one table. */
static void
set_defaults(struct conf *c)
{
	c->max_bundle_bytes = DEFAULT_MAX_BUNDLE_BYTES;
	c->workers = DEFAULT_WORKERS;
	c->worker_retries = DEFAULT_WORKER_RETRIES;
	c->scan_interval_ms = DEFAULT_SCAN_INTERVAL_MS;
	c->stop_timeout_ms = DEFAULT_STOP_TIMEOUT_MS;
	c->log_level = LOG_INFO;
	c->max_dpi = DEFAULT_MAX_DPI;
	c->min_dpi = DEFAULT_MIN_DPI;
	c->low_dpi = DEFAULT_LOW_DPI;
	c->quality_floor = DEFAULT_QUALITY_FLOOR;
	c->handoff_concurrency = DEFAULT_HANDOFF_CONCURRENCY;
	c->handoff_timeout_ms = DEFAULT_HANDOFF_TIMEOUT_MS;
	c->handoff_backoff_max_ms = DEFAULT_HANDOFF_BACKOFF_MAX_MS;
	c->retention_days = DEFAULT_RETENTION_DAYS;
	c->rejected_retention_days = DEFAULT_REJECTED_RETENTION_DAYS;
	c->limits = default_limits;
}

static const struct ckey *
find_key(const struct ckey *keys, const char *name)
{
	for (; keys->name != NULL; keys++)
		if (strcmp(keys->name, name) == 0)
			return keys;
	return NULL;
}

static int
set_int(const struct ckey *k, const config_setting_t *s, void *base,
    const char *path, struct qerr *err)
{
	int t = config_setting_type(s);
	long long v;

	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
		return cfg_fault(err, path, s, "'%s' must be an integer",
		    k->name);
	if (cfg_get_int64(path, s, &v, err) < 0)
		return -EINVAL;
	if (v < k->min || v > k->max)
		return cfg_fault(err, path, s,
		    "'%s' is %lld, must be %lld to "
		    "%lld",
		    k->name, v, (long long)k->min, (long long)k->max);
	*(int64_t *)(void *)((char *)base + k->off) = v;
	return 0;
}

static int
set_str(const struct ckey *k, const config_setting_t *s, void *base,
    const char *path, struct qerr *err)
{
	const char *v = config_setting_get_string(s);
	char **dst = (char **)(void *)((char *)base + k->off);

	if (config_setting_type(s) != CONFIG_TYPE_STRING || v[0] == '\0')
		return cfg_fault(err, path, s,
		    "'%s' must be a non-empty string", k->name);
	free(*dst);
	if ((*dst = strdup(v)) == NULL)
		return qerr_set(err, -ENOMEM, "out of memory");
	return 0;
}

static int
set_level(const config_setting_t *s, struct conf *c, const char *path,
    struct qerr *err)
{
	const char *v = config_setting_get_string(s);
	size_t i;

	for (i = 0; v != NULL && i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strcmp(levels[i].name, v) == 0) {
			c->log_level = levels[i].level;
			return 0;
		}
	return cfg_fault(err, path, s,
	    "'log_level' must be error, warning, "
	    "notice, info or debug");
}

static int set_group(const config_setting_t *, const struct ckey *, void *,
    struct conf *, struct qerr *);

static int
set_one(const struct ckey *k, const config_setting_t *s, void *base,
    struct conf *c, struct qerr *err)
{
	switch (k->kind) {
	case C_STR:
		return set_str(k, s, base, c->path, err);
	case C_INT:
		return set_int(k, s, base, c->path, err);
	case C_LEVEL:
		return set_level(s, c, c->path, err);
	case C_LIMITS:
		if (!config_setting_is_group(s))
			return cfg_fault(err, c->path, s,
			    "'%s' must be a group", k->name);
		return set_group(s, limit_keys, &c->limits, c, err);
	}
	return -EINVAL;
}

/* Applies every member of group g, each of which must be in keys. */
static int
set_group(const config_setting_t *g, const struct ckey *keys, void *base,
    struct conf *c, struct qerr *err)
{
	const struct ckey *k;
	int i, n = config_setting_length(g), rc;

	for (i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		if ((k = find_key(keys, config_setting_name(s))) == NULL)
			return cfg_fault(err, c->path, s, "unknown key '%s'",
			    config_setting_name(s));
		if ((rc = set_one(k, s, base, c, err)) < 0)
			return rc;
	}
	return 0;
}

/* name joined to the folder of the conf file, unless it is absolute. */
static char *
beside(const char *conf_path, const char *name)
{
	const char *slash = strrchr(conf_path, '/');
	char *out;

	if (name[0] == '/' || slash == NULL)
		return strdup(name);
	if (asprintf(&out, "%.*s/%s", (int)(slash - conf_path), conf_path,
		name) < 0)
		return NULL;
	return out;
}

/* qujat-filter beside the running program, else the installed one. */
static char *
default_filter(void)
{
	char exe[PATH_MAX], *slash, *out;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL &&
		    asprintf(&out, "%.*s/qujat-filter", (int)(slash - exe),
			exe) >= 0) {
			if (access(out, X_OK) == 0)
				return out;
			free(out);
		}
	}
	return strdup(LIBEXECDIR "/qujat-filter");
}

/* *p resolved beside the conf file, when set. */
static int
resolve(const char *conf_path, char **p)
{
	char *r;

	if (*p == NULL)
		return 0;
	if ((r = beside(conf_path, *p)) == NULL)
		return -ENOMEM;
	free(*p);
	*p = r;
	return 0;
}

/* handoff is "outbox" or "http"; http needs an http(s) URL. */
static int
finish_handoff(struct conf *c, struct qerr *err)
{
	const char *u = c->handoff_url;

	if (c->handoff != NULL && strcmp(c->handoff, "outbox") != 0 &&
	    strcmp(c->handoff, "http") != 0)
		return qerr_set(err, -EINVAL,
		    "%s: 'handoff' must be \"outbox\" "
		    "or \"http\", not '%s'",
		    c->path, c->handoff);
	c->handoff_http = c->handoff != NULL && !strcmp(c->handoff, "http");
	if (c->handoff_http &&
	    (u == NULL ||
		(strncmp(u, "http://", 7) != 0 &&
		    strncmp(u, "https://", 8) != 0)))
		return qerr_set(err, -EINVAL,
		    "%s: handoff = \"http\" needs "
		    "'handoff_url' = \"http://...\" or \"https://...\"",
		    c->path);
	if ((c->handoff_client_key != NULL) != (c->handoff_client_cert != NULL))
		return qerr_set(err, -EINVAL,
		    "%s: 'handoff_client_cert' and "
		    "'handoff_client_key' go together",
		    c->path);
	if (resolve(c->path, &c->handoff_ca_file) < 0 ||
	    resolve(c->path, &c->handoff_client_cert) < 0 ||
	    resolve(c->path, &c->handoff_client_key) < 0)
		return qerr_set(err, -ENOMEM, "out of memory");
	return 0;
}

/* store is "sqlite", a postgresql:// or postgres:// URI, or libpq
 * key=value words (store.c tells them apart the same way). */
static int
check_store(const struct conf *c, struct qerr *err)
{
	const char *s = c->store;

	if (s == NULL || strcmp(s, "sqlite") == 0 ||
	    strncmp(s, "postgresql://", 13) == 0 ||
	    strncmp(s, "postgres://", 11) == 0 || strchr(s, '=') != NULL)
		return 0;
	return qerr_set(err, -EINVAL,
	    "%s: 'store' must be \"sqlite\", a "
	    "\"postgresql://...\" URI or libpq \"key=value\" words, not '%s'",
	    c->path, s);
}

/* Fills what the file left unset and resolves relative names: every path
 * the file gives is taken beside the file; --spool as given (it is the
 * caller's, relative to its current folder). */
static int
finish(struct conf *c, const char *spool, struct qerr *err)
{
	char *s, *m;
	int r;

	if (resolve(c->path, &c->spool) < 0 ||
	    resolve(c->path, &c->state_dir) < 0 ||
	    resolve(c->path, &c->metrics_file) < 0 ||
	    resolve(c->path, &c->filter) < 0)
		return qerr_set(err, -ENOMEM, "out of memory");
	if (spool != NULL) {
		free(c->spool);
		c->spool = strdup(spool);
	} else if (c->spool == NULL) {
		c->spool = strdup("/var/spool/qujat");
	}
	if (c->spool == NULL)
		return qerr_set(err, -ENOMEM, "out of memory");
	if ((r = check_store(c, err)) < 0)
		return r;
	if (c->low_dpi > c->min_dpi || c->min_dpi > c->max_dpi)
		return qerr_set(err, -EINVAL,
		    "%s: the dpi settings must hold "
		    "low_dpi <= min_dpi <= max_dpi (now %lld, %lld, %lld)",
		    c->path, (long long)c->low_dpi, (long long)c->min_dpi,
		    (long long)c->max_dpi);
	if (c->state_dir == NULL &&
	    asprintf(&c->state_dir, "%s/state", c->spool) < 0)
		c->state_dir = NULL;
	if (c->filter == NULL)
		c->filter = default_filter();
	if ((r = finish_handoff(c, err)) < 0)
		return r;
	c->metrics_set = c->metrics_file != NULL;
	if (c->photo_pages != NULL && strcmp(c->photo_pages, "flatten") != 0 &&
	    strcmp(c->photo_pages, "keep") != 0)
		return qerr_set(err, -EINVAL,
		    "%s: 'photo_pages' must be "
		    "\"flatten\" or \"keep\", not '%s'",
		    c->path, c->photo_pages);
	c->flatten = c->photo_pages == NULL ||
	    strcmp(c->photo_pages, "flatten") == 0;
	if (c->metrics_file == NULL && c->state_dir != NULL &&
	    asprintf(&c->metrics_file, "%s/qujat.prom", c->state_dir) < 0)
		c->metrics_file = NULL;
	s = beside(c->path,
	    c->services_file ? c->services_file : "services.conf");
	m = beside(c->path,
	    c->messages_file ? c->messages_file : "messages.conf");
	free(c->services_file);
	free(c->messages_file);
	c->services_file = s;
	c->messages_file = m;
	if (!c->state_dir || !c->filter || !c->metrics_file || !s || !m)
		return qerr_set(err, -ENOMEM, "out of memory");
	return catalogue_load(s, m, &c->cat, err);
}

int
conf_load(const char *path, const char *spool, struct conf **out,
    struct qerr *err)
{
	struct conf *c;
	config_t cfg;
	int rc;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->path = strdup(path)) == NULL) {
		free(c);
		return qerr_set(err, -ENOMEM, "out of memory");
	}
	c->refs = 1;
	set_defaults(c);
	config_init(&cfg);
	if ((rc = cfg_read(&cfg, path, err)) == 0)
		rc = set_group(config_root_setting(&cfg), top_keys, c, c, err);
	config_destroy(&cfg);
	if (rc == 0)
		rc = finish(c, spool, err);
	if (rc < 0) {
		conf_unref(c);
		return rc;
	}
	*out = c;
	return 0;
}

/* 0 when path can be accessed with mode, else an error naming the key. */
static int
check_path(const struct conf *c, const char *verb, const char *path,
    const char *key, int mode, struct qerr *err)
{
	int e;

	if (path == NULL || access(path, mode) == 0)
		return 0;
	e = errno;
	return qerr_set(err, -e, "%s: cannot %s '%s' (%s): %s", c->path, verb,
	    path, key, strerror(e));
}

int
conf_check_files(const struct conf *c, struct qerr *err)
{
	char *dir, *slash;
	int rc;

	if ((rc = check_path(c, "run", c->filter, "filter", X_OK, err)) < 0 ||
	    (rc = check_path(c, "read", c->handoff_ca_file, "handoff_ca_file",
		 R_OK, err)) < 0 ||
	    (rc = check_path(c, "read", c->handoff_client_cert,
		 "handoff_client_cert", R_OK, err)) < 0 ||
	    (rc = check_path(c, "read", c->handoff_client_key,
		 "handoff_client_key", R_OK, err)) < 0)
		return rc;
	if (!c->metrics_set) /* in state_dir, which the daemon makes */
		return 0;
	if ((dir = strdup(c->metrics_file)) == NULL)
		return qerr_set(err, -ENOMEM, "out of memory");
	if ((slash = strrchr(dir, '/')) != NULL)
		slash[slash == dir] = '\0';
	rc = check_path(c, "write into", slash ? dir : ".", "metrics_file",
	    W_OK | X_OK, err);
	free(dir);
	return rc;
}

struct conf *
conf_ref(struct conf *c)
{
	c->refs++;
	return c;
}

void
conf_unref(struct conf *c)
{
	if (c == NULL || --c->refs > 0)
		return;
	catalogue_free(c->cat);
	free(c->path);
	free(c->spool);
	free(c->state_dir);
	free(c->filter);
	free(c->services_file);
	free(c->messages_file);
	free(c->store);
	free(c->handoff);
	free(c->photo_pages);
	free(c->handoff_url);
	free(c->handoff_ca_file);
	free(c->handoff_client_cert);
	free(c->handoff_client_key);
	free(c->metrics_file);
	free(c->submit_group);
	free(c->receive_group);
	free(c);
}

int
conf_workers(const struct conf *c)
{
	long n;

	if (c->workers > 0)
		return (int)c->workers;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}
