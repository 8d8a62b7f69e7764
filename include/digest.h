/*
 * digest.h: SHA-256 as the spool contract and the worker protocol write
 * it, 64 lowercase hex digits, and any bytes in the same hex (nettle's
 * sha2 and base16). One copy for both programs: qujatd and qujat-filter
 * are built with daemon/digest.c. Bytes in, text out; reads no file.
 */
#ifndef QUJAT_DIGEST_H
#define QUJAT_DIGEST_H

#include <stddef.h>
#include <nettle/sha2.h>

#define SHA256_HEX (2 * SHA256_DIGEST_SIZE + 1) /* 64 digits and a NUL */

/* The n bytes at b as 2n lowercase hex digits and a NUL, into out. */
void hex_encode(const unsigned char *b, size_t n, char *out);

/* Finishes ctx (nettle makes it ready for a new message) and writes the
 * digest in hex into out. */
void sha256_hex_final(struct sha256_ctx *ctx, char out[SHA256_HEX]);

/* The SHA-256 of the len bytes at buf, in hex, into out. */
void sha256_hex(const unsigned char *buf, size_t len, char out[SHA256_HEX]);

#endif
