/*
 * retention.h: pruning of the final folders. Bundles are removed from
 * sent/ and originals/ retention_days after they arrived there (the mtime
 * of the bundle's folder, which spool_move_replace sets to the time of the
 * move; an operator can read it with ls -l and set it with touch), from
 * rejected/ after rejected_retention_days, whatever they hold; 0 keeps
 * them. incoming/,
 * active/ and outbox/ are never pruned, nor an originals/<id> whose
 * bundle still waits in outbox/ or whose publication is unfinished. Runs
 * at start and daily, in libuv's thread pool.
 */
#ifndef QUJAT_RETENTION_H
#define QUJAT_RETENTION_H

#include <time.h>

#define RETENTION_INTERVAL_MS (24 * 3600 * 1000)

struct daemon;
struct retention;

/* Starts the daily pruning of d's spool; NULL when out of memory. */
struct retention *retention_new(struct daemon *d);

/* Stops; a sweep in progress finishes first. Freed in the last close
 * callback. NULL is ignored. */
void retention_close(struct retention *r);

/* Blocking: removes each bundle of folder dfd (named `folder` in the
 * logs) whose folder's mtime is before cutoff, unless keepfd >= 0 holds
 * the same name. Returns how many were removed. */
int retention_sweep(int dfd, const char *folder, time_t cutoff, int keepfd);

#endif
