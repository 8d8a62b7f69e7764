/*
 * decisions.h: decisions from the case system (spec/contract.md section
 * 5). The case system drops decisions/<application_id>.json, written as a
 * producer writes a bundle (a dot name or .tmp, then one rename):
 *   { "application_id": "...", "outcome": "enrolled"|"refused"|"withdrawn" }
 * The daemon releases the application's hold in the store, records the
 * outcome and removes the file. A malformed file or an unknown id is
 * logged and moved to decisions/bad/ (renamed aside, never overwritten);
 * a store that fails leaves the file for the next sweep. Nothing here
 * stops the daemon. The same sweep prunes the holds older than their
 * service's hold_days, at start and hourly.
 */
#ifndef QUJAT_DECISIONS_H
#define QUJAT_DECISIONS_H

#include "qerr.h"

struct daemon;
struct decisions;
struct store;

#define DECISION_MAX_BYTES 4096
#define DECISIONS_PRUNE_MS (3600 * 1000)

/* Creates decisions/ (0770: the case system's group writes it) and
 * decisions/bad/ when missing, watches decisions/ and sweeps it at start
 * and every scan_interval_ms. 0 or -errno with err set. */
int decisions_new(struct daemon *d, struct decisions **out, struct qerr *err);

/* Stops; a sweep in progress finishes first. Freed in the last close
 * callback. NULL is ignored. */
void decisions_close(struct decisions *ds);

/* Blocking: handles every decision file in folder dfd (bad/ inside it).
 * Returns how many released a hold. */
int decisions_sweep(int dfd, int badfd, struct store *st);

/* Checks one decision document against its file name's id; NULL when
 * valid (*outcome then points into json), else why not. */
const char *decision_parse(const char *id, const char *buf, size_t len,
    char *outcome, size_t outlen);

#endif
