/*
 * landlock.c: the worker's second wall. seccomp already forbids open();
 * Landlock makes the filesystem itself refuse every path to this process,
 * so one mistake in the allowlist does not open the host. Debian 12's
 * headers know Landlock ABI 1-3; a kernel without Landlock is a clean
 * fallback to seccomp alone.
 * SECURITY: runs before any uploaded byte is read.
 */
#include <errno.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

/* Every filesystem right of ABI 1, and those later ABIs added. */
static uint64_t
fs_rights(int abi)
{
	uint64_t r = LANDLOCK_ACCESS_FS_EXECUTE |
	    LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |
	    LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_DIR |
	    LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
	    LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
	    LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
	    LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;

#ifdef LANDLOCK_ACCESS_FS_REFER
	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
#endif
#ifdef LANDLOCK_ACCESS_FS_TRUNCATE
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
#endif
	(void)abi;
	return r;
}

int
sandbox_landlock(int *abi)
{
	struct landlock_ruleset_attr attr = { 0 };
	long v, fd;
	int rc = 0;

	*abi = 0;
	v = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (v < 0)
		return errno == ENOSYS || errno == EOPNOTSUPP ? 0 : -errno;
	attr.handled_access_fs = fs_rights((int)v);
	fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd < 0)
		return -errno;
	/* No rule: nothing handled is allowed. no_new_privs is already set
	 * (sandbox_limit), as landlock_restrict_self requires. */
	if (syscall(SYS_landlock_restrict_self, (int)fd, 0) < 0)
		rc = -errno;
	close((int)fd);
	if (rc == 0)
		*abi = (int)v;
	return rc;
}
