/*
 * digest.c: SHA-256 in hex (digest.h), built into qujatd, qujat and
 * qujat-filter. Hashes the bytes it is given; parses nothing.
 */
#include <nettle/base16.h>

#include "digest.h"

void
hex_encode(const unsigned char *b, size_t n, char *out)
{
	base16_encode_update(out, n, b);
	out[BASE16_ENCODE_LENGTH(n)] = '\0';
}

void
sha256_hex_final(struct sha256_ctx *ctx, char out[SHA256_HEX])
{
	unsigned char d[SHA256_DIGEST_SIZE];

	sha256_digest(ctx, sizeof(d), d);
	hex_encode(d, sizeof(d), out);
}

void
sha256_hex(const unsigned char *buf, size_t len, char out[SHA256_HEX])
{
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, len, buf);
	sha256_hex_final(&ctx, out);
}
