/*
 * env.c: what a worker is started with: which program, which environment.
 * Workers get a minimal environment, not the daemon's.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buildconf.h"
#include "daemon.h"

char **
daemon_worker_env(void)
{
	static const char *const pass[] = {
		"ASAN_OPTIONS",
		"UBSAN_OPTIONS",
		"LSAN_OPTIONS",
		"QUJAT_REAL_FILTER",
		"MAGIC",
	};
	char **env = calloc(sizeof(pass) / sizeof(*pass) + 3, sizeof(char *));
	size_t n = 0;

	if (!env)
		return NULL;
	env[n++] = strdup("PATH=/usr/bin:/bin");
	env[n++] = strdup("LC_ALL=C");
	for (size_t i = 0; i < sizeof(pass) / sizeof(*pass); i++) {
		const char *v = getenv(pass[i]);
		char *s;
		if (v && asprintf(&s, "%s=%s", pass[i], v) > 0)
			env[n++] = s;
	}
	return env;
}

char *
default_conf_path(void)
{
	char self[PATH_MAX], *slash, *p = NULL;
	const char *env = getenv("QUJAT_CONF");
	ssize_t n;

	if (env && *env)
		return strdup(env);
	if (access(SYSCONFDIR "/qujat.conf", R_OK) == 0)
		return strdup(SYSCONFDIR "/qujat.conf");
	/* Run from a source tree: build/qujatd finds conf/qujat.conf. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL)
			*slash = '\0';
		if ((slash = strrchr(self, '/')) != NULL)
			*slash = '\0';
		if (asprintf(&p, "%s/conf/qujat.conf", self) > 0 &&
		    access(p, R_OK) == 0)
			return p;
		free(p);
	}
	return strdup(SYSCONFDIR "/qujat.conf");
}
