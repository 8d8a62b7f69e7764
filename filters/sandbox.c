/*
 * sandbox.c: how a worker narrows itself before it reads an upload:
 * rlimits, no new privileges, not dumpable, then a seccomp allowlist.
 * SECURITY: this is the wall around the decoders; every system call
 * allowed below is one an exploited decoder may also make.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <seccomp.h>

#include "sandbox.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

/* Few fds are open (0-3) and magic_load opens one more before the
 * seccomp filter is up; nothing may be opened after that anyway. */
#define SANDBOX_NOFILE 8

#if defined(__SANITIZE_ADDRESS__)
/* LeakSanitizer stops the world at exit with clone() and ptrace(), which
 * the allowlist rightly refuses; a worker's leaks die with it anyway.
 * Colour would ask isatty() (ioctl). ASAN_OPTIONS still overrides. */
const char *__asan_default_options(void);
__attribute__((used, visibility("default"))) const char *
__asan_default_options(void)
{
	return "detect_leaks=0:color=never";
}
#endif

static int
set_rlimit(int res, uint64_t soft, uint64_t hard)
{
	struct rlimit rl = { .rlim_cur = soft, .rlim_max = hard };

	return setrlimit(res, &rl) == -1 ? -errno : 0;
}

static int
set_memory_limit(uint64_t bytes)
{
#if defined(__SANITIZE_ADDRESS__)
	/* ASan reserves terabytes of shadow address space. */
	(void)bytes;
	return 0;
#else
	return bytes ? set_rlimit(RLIMIT_AS, bytes, bytes) : 0;
#endif
}

int
sandbox_limit(const struct sandbox_limits *lim)
{
	int rc;

	/* SIGXCPU at the soft limit, SIGKILL a second later. */
	if (lim->cpu_seconds &&
	    (rc = set_rlimit(RLIMIT_CPU, lim->cpu_seconds,
		 lim->cpu_seconds + 1)) < 0)
		return rc;
	if ((rc = set_memory_limit(lim->memory_bytes)) < 0)
		return rc;
	if (lim->output_bytes &&
	    (rc = set_rlimit(RLIMIT_FSIZE, lim->output_bytes,
		 lim->output_bytes)) < 0)
		return rc;
	if ((rc = set_rlimit(RLIMIT_NOFILE, SANDBOX_NOFILE, SANDBOX_NOFILE)) <
		0 ||
	    (rc = set_rlimit(RLIMIT_NPROC, 0, 0)) < 0 ||
	    (rc = set_rlimit(RLIMIT_CORE, 0, 0)) < 0)
		return rc;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		return -errno;
	return 0;
}

/* Calls allowed with any arguments; each with the reason it is here. */
static const int sandbox_plain[] = {
	SCMP_SYS(close),	/* libraries closing what they no longer need */
	SCMP_SYS(munmap),	/* free() of large blocks */
	SCMP_SYS(mremap),	/* realloc() of large blocks */
	SCMP_SYS(brk),		/* malloc()'s main arena */
	SCMP_SYS(madvise),	/* malloc trimming freed memory */
	SCMP_SYS(exit),		/* thread exit */
	SCMP_SYS(exit_group),	/* process exit */
	SCMP_SYS(rt_sigreturn), /* return from a signal handler */
	SCMP_SYS(rt_sigprocmask), /* abort() blocks signals first */
	SCMP_SYS(futex),	  /* libstdc++ (QPDF) once-init and locks */
	SCMP_SYS(clock_gettime),  /* ms in the report (vDSO fallback) */
	SCMP_SYS(gettimeofday),	  /* QPDF's timestamps (vDSO fallback) */
	SCMP_SYS(getpid),	  /* abort() signals its own process */
	SCMP_SYS(gettid),	  /* abort() signals its own thread */
	SCMP_SYS(sysinfo),	  /* glibc qsort() sizes its scratch memory
				   * by the RAM size (libtiff sorts tags) */
	SCMP_SYS(getrandom),	  /* QPDF seeds its random source when it
				   * opens an encrypted PDF */
#if defined(__SANITIZE_ADDRESS__)
	/* AddressSanitizer's report and exit: its own signal handling and
	 * stacks, guard pages, PR_SET_DUMPABLE. Its memory map is read
	 * before the wall goes up (sandbox_seccomp); still no open(). */
	SCMP_SYS(rt_sigaction),
	SCMP_SYS(sigaltstack),
	SCMP_SYS(mprotect),
	SCMP_SYS(sched_yield),
	SCMP_SYS(prctl),
#endif
};

static int
add_plain(scmp_filter_ctx ctx)
{
	size_t i;
	int rc;

	for (i = 0; i < sizeof sandbox_plain / sizeof sandbox_plain[0]; i++)
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
			 sandbox_plain[i], 0)) < 0)
			return rc;
	return 0;
}

/* Calls allowed only with certain arguments. */
static int
add_narrow(scmp_filter_ctx ctx)
{
	int rc;

	/* The upload is fd 0; nothing else is ever read. */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(read), 1,
		 SCMP_A0(SCMP_CMP_EQ, 0))) < 0)
		return rc;
	/* Report on 1, diagnostics on 2, output on 3. */
	for (int fd = 1; fd <= 3; fd++)
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write),
			 1, SCMP_A0(SCMP_CMP_EQ, fd))) < 0)
			return rc;
	/* malloc() needs fresh anonymous memory, never executable. */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
		 SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0))) < 0)
		return rc;
	/* abort() may signal only this very process. */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
		 SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()))) < 0)
		return rc;
#if defined(__SANITIZE_ADDRESS__)
	/* AddressSanitizer's report re-reads /proc/self/maps and falls back
	 * to the copy cached before the wall when that fails: refuse open()
	 * with EACCES here instead of killing, so the report gets out. */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open),
		 0)) < 0)
		return rc;
	rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 0);
#endif
	return rc;
}

int
sandbox_seccomp(void)
{
	scmp_filter_ctx ctx;
	int rc;

#if defined(__SANITIZE_ADDRESS__)
	/* Lets the sanitizers cache /proc/self/maps and their symbolizer
	 * while they still can open files. */
	__sanitizer_sandbox_arguments args = { .coverage_fd = -1 };

	__sanitizer_sandbox_on_notify(&args);
#endif
	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		return -ENOMEM;
	if ((rc = add_plain(ctx)) == 0 && (rc = add_narrow(ctx)) == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc;
}
