/*
 * store_key.c: the site key and the keyed hash of an IIN (store_key.h).
 * The IIN comes from a validated manifest; the key file is the daemon's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/hmac.h>

#include "digest.h"
#include "fdio.h"
#include "spool.h"
#include "store_key.h"

/* The digits hex_encode writes: a key file in any other case is refused. */
static const char hexdig[] = "0123456789abcdef";

static int
from_hex(const char *s, unsigned char *b, size_t n)
{
	for (size_t i = 0; i < 2 * n; i++) {
		const char *p = s[i] ? strchr(hexdig, s[i]) : NULL;
		if (p == NULL)
			return -EINVAL;
		b[i / 2] = (unsigned char)(b[i / 2] << 4 | (p - hexdig));
	}
	return 0;
}

/* Writes text into a new file tmp (0400), fsynced. 0 or -errno. */
static int
write_new(const char *tmp, const char *text)
{
	size_t len = strlen(text);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		0400),
	    r = 0;

	if (fd < 0)
		return -errno;
	if ((r = write_all(fd, text, len)) == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

/* A new key in path, whole or not at all: written under a temporary name,
 * fsynced, then linked to path (a concurrent start that linked first
 * keeps its key) and the folder fsynced. A crash never leaves a partial
 * key that would stop the next start. */
static int
key_create(const char *path, struct qerr *err)
{
	unsigned char k[STORE_KEY_BYTES];
	char hex[2 * STORE_KEY_BYTES + 2], tmp[4096], dir[4096], *slash;
	int r, dfd;

	if (getrandom(k, sizeof(k), 0) != (ssize_t)sizeof(k))
		return qerr_set(err, -EIO,
		    "cannot make the site key: no "
		    "random bytes");
	hex_encode(k, sizeof(k), hex);
	strcat(hex, "\n");
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp))
		return qerr_set(err, -ENAMETOOLONG, "site key path too long");
	unlink(tmp); /* a crashed start's, with this pid */
	r = write_new(tmp, hex);
	if (r == 0 && link(tmp, path) < 0 && errno != EEXIST)
		r = -errno;
	unlink(tmp);
	if (r < 0)
		return qerr_set(err, r, "cannot create the site key '%s': %s",
		    path, strerror(-r));
	snprintf(dir, sizeof(dir), "%s", path); /* its folder */
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		slash[slash == dir] = '\0';
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		r = fsync_dir(dfd);
		close(dfd);
	}
	return r < 0 ? qerr_set(err, r,
			   "cannot make the site key '%s' "
			   "durable: %s",
			   path, strerror(-r)) :
		       0;
}

int
store_key_load(const char *path, bool create, struct store_key *key,
    struct qerr *err)
{
	char hex[2 * STORE_KEY_BYTES + 2] = "";
	struct stat st;
	ssize_t n;
	int fd, r;

	if (create && access(path, F_OK) < 0 && (r = key_create(path, err)) < 0)
		return r;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return qerr_set(err, -errno,
		    "cannot read the site key '%s': "
		    "%s",
		    path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 077) != 0) {
		close(fd);
		return qerr_set(err, -EPERM,
		    "the site key '%s' must be a file "
		    "only its owner can read (chmod 0400)",
		    path);
	}
	n = read_full(fd, hex, sizeof(hex) - 1);
	close(fd);
	if (n < 2 * STORE_KEY_BYTES ||
	    from_hex(hex, key->k, STORE_KEY_BYTES) < 0)
		return qerr_set(err, -EINVAL,
		    "the site key '%s' is not %d "
		    "hex digits",
		    path, 2 * STORE_KEY_BYTES);
	return 0;
}

void
store_key_hmac(const struct store_key *key, const char *iin,
    char out[STORE_HMAC_HEX])
{
	struct hmac_sha256_ctx ctx;
	unsigned char d[SHA256_DIGEST_SIZE];

	hmac_sha256_set_key(&ctx, sizeof(key->k), key->k);
	hmac_sha256_update(&ctx, strlen(iin), (const uint8_t *)iin);
	hmac_sha256_digest(&ctx, sizeof(d), d);
	hex_encode(d, sizeof(d), out);
}

void
store_key_check(const struct store_key *key, char out[STORE_HMAC_HEX])
{
	store_key_hmac(key, "qujat site key check", out);
}

void
store_key_path(const char *state_dir, char *buf, size_t len)
{
	snprintf(buf, len, "%s/site.key", state_dir);
}
