/*
 * io.c: reading the upload from fd 0, whole and bounded. The read and
 * write loops themselves are fdio.h's, shared with the daemon.
 * SECURITY: reads uploaded bytes, bounded by --max-bytes; no parsing.
 */
#include <errno.h>
#include <stdlib.h>

#include "filter.h"

#define READ_CHUNK (1u << 20)

static int
grow(unsigned char **buf, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : READ_CHUNK;
	unsigned char *nbuf;

	while (ncap < need)
		ncap *= 2;
	if (ncap == *cap)
		return 0;
	if ((nbuf = realloc(*buf, ncap)) == NULL)
		return -ENOMEM;
	*buf = nbuf;
	*cap = ncap;
	return 0;
}

int
read_all(int fd, uint64_t max, unsigned char **out, size_t *outlen)
{
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, want;
	ssize_t n;
	int rc;

	for (;;) {
		if ((rc = grow(&buf, &cap, len + READ_CHUNK)) < 0)
			break;
		/* Never ask for more than one byte past the limit. */
		want = max - len + 1 < READ_CHUNK ? (size_t)(max - len + 1) :
						    READ_CHUNK;
		if ((n = read_full(fd, buf + len, want)) < 0) {
			rc = (int)n;
			break;
		}
		len += (size_t)n;
		/* One byte past the limit is enough to refuse. */
		if ((uint64_t)len > max) {
			rc = -EFBIG;
			break;
		}
		if ((size_t)n < want)
			break; /* the end of the upload */
	}
	if (rc < 0 && rc != -EFBIG) {
		free(buf);
		return rc;
	}
	*out = buf;
	*outlen = len;
	return rc;
}
