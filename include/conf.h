/*
 * conf.h: qujat.conf, the operator's configuration (libconfig syntax).
 * Strict: an unknown key, a wrong type or an out-of-range value is an error
 * naming the file and line. The service checklists and refusal texts are
 * loaded from the files it names (see catalogue.h). A loaded conf is
 * immutable and reference-counted, so a reload (SIGHUP) can replace it while
 * bundles in flight keep the one they started with.
 */
#ifndef QUJAT_CONF_H
#define QUJAT_CONF_H

#include <stdint.h>
#include "qerr.h"

struct catalogue;

struct limits {
	int64_t max_files;	  /* files per bundle */
	int64_t max_file_bytes;	  /* bytes per file */
	int64_t max_pixels;	  /* pixels per image, from the header */
	int64_t max_pages;	  /* pages per PDF or TIFF */
	int64_t max_pdf_objects;  /* objects per PDF */
	int64_t max_stream_bytes; /* decompressed bytes per stream */
	int64_t max_manifest_bytes;
	int64_t max_manifest_depth;
	int64_t worker_cpu_seconds; /* RLIMIT_CPU of a worker */
	int64_t worker_memory_mb;   /* RLIMIT_AS of a worker */
	int64_t file_timeout_ms;    /* wall clock per worker */
	int64_t bundle_timeout_ms;  /* wall clock per bundle */
};

struct conf {
	int refs;
	char *path;	     /* the file it was read from */
	char *spool;	     /* spool root */
	char *state_dir;     /* SQLite store, metrics; default <spool>/state */
	char *filter;	     /* qujat-filter path; default beside qujatd */
	char *services_file; /* resolved against the conf's folder */
	char *messages_file;
	int64_t max_bundle_bytes;  /* the budget */
	int64_t workers;	   /* concurrent workers; 0 = cores */
	int64_t worker_retries;	   /* extra tries after a crash or timeout */
	int64_t scan_interval_ms;  /* rescan of incoming/ without events */
	int64_t stop_timeout_ms;   /* grace for in-flight bundles on SIGTERM */
	int log_level;		   /* LOG_ERR .. LOG_DEBUG */
	int64_t max_dpi;	   /* pages are downsampled to at most this */
	int64_t min_dpi;	   /* ... and never below this */
	int64_t low_dpi;	   /* below this: resolution_too_low */
	int64_t quality_floor;	   /* lowest JPEG quality the engine uses */
	char *photo_pages;	   /* "flatten" (default) or "keep" */
	int flatten;		   /* photo_pages is "flatten": --flatten */
	char *store;		   /* NULL/"sqlite", or a libpq conninfo */
	char *handoff;		   /* "outbox" (default) or "http" */
	int handoff_http;	   /* handoff is "http" */
	char *handoff_url;	   /* where bundles are POSTed */
	char *handoff_ca_file;	   /* CA bundle for https; NULL: system */
	char *handoff_client_cert; /* client certificate (PEM) or NULL */
	char *handoff_client_key;  /* its key (PEM) or NULL */
	int64_t handoff_concurrency;	/* POSTs at once */
	int64_t handoff_timeout_ms;	/* whole POST, connect included */
	int64_t handoff_backoff_max_ms; /* cap of the retry interval */
	int64_t retention_days;		/* sent/, originals/; 0 keeps forever */
	int64_t rejected_retention_days; /* rejected/; 0 keeps forever */
	char *metrics_file;		 /* default <state_dir>/qujat.prom */
	int metrics_set;		 /* metrics_file was in the file */
	char *submit_group;  /* the producers'; NULL: qujat-submit */
	char *receive_group; /* the consumers'; NULL: qujat-receive */
	struct limits limits;
	struct catalogue *cat; /* checklists and refusal texts */
};

/* Reads and validates path (and the catalogue files it names). spool, when
 * not NULL, overrides `spool` (qujatd --spool); state_dir then defaults to
 * <spool>/state unless the file sets it. On success *out holds one ref. */
int conf_load(const char *path, const char *spool, struct conf **out,
    struct qerr *err);

/* Whether what c names outside its own files is there: the worker program
 * (executable), the TLS files (readable), the folder of a configured
 * metrics_file (writable). 0, or a negative errno with err naming the
 * file, the key and the path. qujatd checks it at -t and at start. */
int conf_check_files(const struct conf *c, struct qerr *err);

struct conf *conf_ref(struct conf *c);
void conf_unref(struct conf *c);

/* Effective worker count: c->workers, or the number of online cores. */
int conf_workers(const struct conf *c);

#endif
