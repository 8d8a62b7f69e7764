/*
 * store_key.h: the site key of the one-child-one-application store. The
 * store needs a child's IIN only for equality, so it keeps
 * HMAC-SHA-256(site key, IIN), never the number (spec/services.md, rule
 * 1). The key is 32 random bytes, written as hex in <state_dir>/site.key,
 * mode 0400, readable by the daemon's user only; every host that shares
 * a PostgreSQL store needs the same file.
 */
#ifndef QUJAT_STORE_KEY_H
#define QUJAT_STORE_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include "qerr.h"

#define STORE_KEY_BYTES 32
#define STORE_HMAC_HEX (2 * 32 + 1) /* hex of an HMAC-SHA-256, NUL */

struct store_key {
	unsigned char k[STORE_KEY_BYTES];
};

/* Reads the key at path; with create, makes a new one first when the file
 * is missing. A key readable or writable by group or others is refused.
 * 0, or -errno with err set. */
int store_key_load(const char *path, bool create, struct store_key *key,
    struct qerr *err);

/* hex(HMAC-SHA-256(key, iin)) into out. */
void store_key_hmac(const struct store_key *key, const char *iin,
    char out[STORE_HMAC_HEX]);

/* What the store keeps to recognise its key: the HMAC of a fixed text.
 * A store opened with another key (a host given a new site.key, or a
 * second host without the first one's) would let the same child hold
 * two places; it is refused instead. */
void store_key_check(const struct store_key *key, char out[STORE_HMAC_HEX]);

/* The key file of a state folder, "<state_dir>/site.key", into buf. */
void store_key_path(const char *state_dir, char *buf, size_t len);

#endif
