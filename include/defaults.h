/*
 * defaults.h: the one set of defaults of qujat.conf's numbers. qujatd and
 * qujat start from them (conf.c) and pass the limits and the engine's
 * policy to every worker; qujat-filter run without those options uses
 * the same ones (filters/main.c). conf/qujat.conf and man/qujat.conf.5
 * write them out, and `make test` checks that they agree with this table
 * (tests/check_defaults.py reads it: one DEFAULT_<KEY> and one integer a
 * line, the key as qujat.conf spells it, in capitals).
 */
#ifndef QUJAT_DEFAULTS_H
#define QUJAT_DEFAULTS_H

/* The daemon's own (top-level keys). */
#define DEFAULT_MAX_BUNDLE_BYTES 5000000 /* the budget */
#define DEFAULT_WORKERS 0		 /* one per core */
#define DEFAULT_WORKER_RETRIES 1
#define DEFAULT_SCAN_INTERVAL_MS 2000
#define DEFAULT_STOP_TIMEOUT_MS 20000
#define DEFAULT_HANDOFF_CONCURRENCY 4
#define DEFAULT_HANDOFF_TIMEOUT_MS 60000
#define DEFAULT_HANDOFF_BACKOFF_MAX_MS 300000
#define DEFAULT_RETENTION_DAYS 30
#define DEFAULT_REJECTED_RETENTION_DAYS 90

/* The engine's legibility policy (top-level keys; the worker's
 * --max-dpi, --min-dpi, --low-dpi, --quality-floor). */
#define DEFAULT_MAX_DPI 200
#define DEFAULT_MIN_DPI 150
#define DEFAULT_LOW_DPI 100
#define DEFAULT_QUALITY_FLOOR 40

/* limits = { ... }; the worker's --max-bytes (max_file_bytes),
 * --max-pixels, --max-pages, --max-objects (max_pdf_objects),
 * --max-stream-bytes, --cpu-seconds and --memory-mb. */
#define DEFAULT_MAX_FILES 50
#define DEFAULT_MAX_FILE_BYTES 52428800 /* 50 MiB */
#define DEFAULT_MAX_PIXELS 100000000
#define DEFAULT_MAX_PAGES 500
#define DEFAULT_MAX_PDF_OBJECTS 1000000
#define DEFAULT_MAX_STREAM_BYTES 268435456 /* 256 MiB */
#define DEFAULT_MAX_MANIFEST_BYTES 1048576 /* 1 MiB */
#define DEFAULT_MAX_MANIFEST_DEPTH 32
#define DEFAULT_WORKER_CPU_SECONDS 60
#define DEFAULT_WORKER_MEMORY_MB 1024
#define DEFAULT_FILE_TIMEOUT_MS 60000
#define DEFAULT_BUNDLE_TIMEOUT_MS 600000

#endif
