/*
 * sandbox.h: how a worker narrows itself before it reads a byte of an
 * upload: resource limits, no new privileges, no way to regain any, and a
 * seccomp allowlist that kills the process on any other system call.
 */
#ifndef QUJAT_SANDBOX_H
#define QUJAT_SANDBOX_H

#include <stdint.h>

struct sandbox_limits {
	uint64_t cpu_seconds;  /* RLIMIT_CPU */
	uint64_t memory_bytes; /* RLIMIT_AS */
	uint64_t output_bytes; /* RLIMIT_FSIZE */
};

/* Sets RLIMIT_AS, RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_NOFILE (no new fds
 * beyond the few open), RLIMIT_NPROC 0 and RLIMIT_CORE 0; sets
 * PR_SET_NO_NEW_PRIVS and PR_SET_DUMPABLE 0. Returns 0 or -errno. */
int sandbox_limit(const struct sandbox_limits *lim);

/* Landlock, the second wall, where the kernel has it: a ruleset that
 * handles every filesystem right this kernel's ABI knows and grants none,
 * so no path can be opened, created, removed or executed; fds already open
 * (0-3) keep working. *abi gets the ABI (0: no Landlock, nothing done).
 * Call after the last open() and before sandbox_seccomp(), whose
 * allowlist does not hold the Landlock calls. Returns 0 or -errno. */
int sandbox_landlock(int *abi);

/* Loads the seccomp allowlist (read/write on open fds, memory management,
 * clocks, exit; SCMP_ACT_KILL_PROCESS for the rest). After this no file
 * can be opened, no socket made, no program run. Returns 0 or -errno. */
int sandbox_seccomp(void);

#endif
