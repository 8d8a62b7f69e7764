/*
 * evil_filter.c: a worker for tests only. Uploads that start with a
 * QUJAT-TEST-* marker make it crash, hang, lie about its output, or try
 * to get past the sandbox
 * (open a file, connect a socket, run a program), which seccomp must
 * stop by killing it; any other upload goes to the real qujat-filter.
 * SECURITY: never installed; peeks at uploaded bytes with pread only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sandbox.h"

extern char **environ;

/* Written only when the sandbox let an escape through; with write(),
 * not stdio, which would fstat() and be killed for that instead. */
static void escaped(const char *how)
{
	char buf[512];
	int n = snprintf(buf, sizeof buf, "qujat-filter 1\nstatus ok\n"
	    "type text/x-escaped\next pdf\nwidth 0\nheight 0\npages 1\n"
	    "bytes_in 0\nbytes_out 0\ndetail sandbox escaped: %s\nms 0\n"
	    "end\n", how);

	if (n > 0 && write(1, buf, (size_t)n) != n)
		_exit(1);
	_exit(0);
}

static void wall(void)
{
	struct sandbox_limits lim = {
		.cpu_seconds = 10, .memory_bytes = 512u << 20,
		.output_bytes = 1u << 20,
	};

	int abi;

	if (sandbox_limit(&lim) < 0 || sandbox_landlock(&abi) < 0 ||
	    sandbox_seccomp() < 0) {
		dprintf(2, "evil-filter: cannot enter the sandbox\n");
		exit(1);
	}
}

/* Landlock alone (no seccomp, which would kill first): open() must fail
 * with EACCES. Reports "held" or "escaped" as the report's type. */
static void landlock_only(void)
{
	struct sandbox_limits lim = { .cpu_seconds = 10 };
	char buf[256];
	int abi = 0, fd, n;
	const char *how;

	if (sandbox_limit(&lim) < 0 || sandbox_landlock(&abi) < 0)
		_exit(1);
	fd = open("/etc/passwd", O_RDONLY);
	how = abi == 0 ? "absent" : fd < 0 && errno == EACCES ? "held" :
	    "escaped";
	n = snprintf(buf, sizeof buf, "qujat-filter 1\nstatus unsupported\n"
	    "type text/x-landlock-%s\ndetail abi %d\nend\n", how, abi);
	if (n > 0 && write(1, buf, (size_t)n) != n)
		_exit(1);
	_exit(0);
}

static void try_open(void)
{
	if (open("/etc/passwd", O_RDONLY) >= 0)
		escaped("open");
#if defined(__SANITIZE_ADDRESS__)
	/* The ASan build's wall refuses open() with EACCES instead of
	 * killing (sandbox.c says why); die the same way the real build
	 * does, so a test's meaning stays "nothing was opened". */
	if (errno == EACCES) {
		static const char msg[] = "evil-filter: open refused (asan)\n";

		if (write(2, msg, sizeof msg - 1) < 0)
			_exit(1);
		raise(SIGSYS);
	}
#endif
	escaped("open refused without a kill");
}

static void try_connect(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons(9) };
	int s;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) >= 0) {
		connect(s, (struct sockaddr *)&sin, sizeof sin);
		escaped("socket");
	}
	escaped("socket refused without a kill");
}

/* A subverted worker: 12 MB of output on fd 3, a report that says it
 * wrote 1000 bytes of JPEG (the daemon must measure, not believe). */
static void lie(void)
{
	static char block[65536];
	static const char zeros[] = "00000000000000000000000000000000"
	    "00000000000000000000000000000000";
	char buf[640];
	int n;

	memset(block, 0xab, sizeof block);
	for (int i = 0; i < 12 * 16; i++)
		if (write(3, block, sizeof block) != (ssize_t)sizeof block)
			_exit(1);
	n = snprintf(buf, sizeof buf, "qujat-filter 1\nstatus ok\n"
	    "type image/jpeg\next jpg\nwidth 1000\nheight 1400\npages 1\n"
	    "bytes_in 0\nsha256_in %s\nbytes_out 1000\nsha256_out %s\n"
	    "out_type image/jpeg\nout_ext jpg\n"
	    "dpi 200\ncolor 0\nvariant keep 1000 100\nms 0\nend\n", zeros,
	    zeros);
	if (n > 0 && write(1, buf, (size_t)n) != n)
		_exit(1);
	_exit(0);
}

static void run_real(char **argv)
{
	char self[PATH_MAX], path[PATH_MAX + 32];
	const char *real = getenv("QUJAT_REAL_FILTER");
	ssize_t n;
	char *slash;

	if (real == NULL) {
		if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) < 0)
			exit(1);
		self[n] = '\0';
		/* build/tests/evil-filter -> build/qujat-filter */
		if ((slash = strrchr(self, '/')) != NULL)
			*slash = '\0';
		if ((slash = strrchr(self, '/')) != NULL)
			*slash = '\0';
		snprintf(path, sizeof path, "%s/qujat-filter", self);
		real = path;
	}
	argv[0] = (char *)real;
	execv(real, argv);
	dprintf(2, "evil-filter: cannot run '%s'\n", real);
	exit(1);
}

int main(int argc, char **argv)
{
	char head[32] = { 0 };
	char *const targv[] = { "/bin/true", NULL };

	(void)argc;
	if (pread(0, head, sizeof head - 1, 0) < 0)
		head[0] = '\0';
	if (strncmp(head, "QUJAT-TEST-CRASH", 16) == 0)
		abort();
	if (strncmp(head, "QUJAT-TEST-HANG", 15) == 0)
		for (;;)
			sleep(60);
	if (strncmp(head, "QUJAT-TEST-LIE", 14) == 0)
		lie();
	if (strncmp(head, "QUJAT-TEST-LANDLOCK", 19) == 0)
		landlock_only();
	if (strncmp(head, "QUJAT-TEST-OPEN", 15) == 0) {
		wall();
		try_open();
	}
	if (strncmp(head, "QUJAT-TEST-CONNECT", 18) == 0) {
		wall();
		try_connect();
	}
	if (strncmp(head, "QUJAT-TEST-EXEC", 15) == 0) {
		wall();
		execve("/bin/true", targv, environ);
		escaped("exec refused without a kill");
	}
	run_real(argv);
	return 1;
}
