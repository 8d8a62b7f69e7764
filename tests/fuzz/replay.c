/*
 * replay.c: the main() of a harness built without libFuzzer: runs
 * LLVMFuzzerTestOneInput once on each file named, or on every file of
 * each folder named (make regression). A crash is the harness's own
 * (sanitizer report or signal); exit 0 means every input ran clean.
 * The address space is capped as the daemon caps a worker's (RLIMIT_AS,
 * worker_memory_mb's default of 1024 MB), so an input that makes a
 * library ask for gigabytes replays as it runs in production; under
 * AddressSanitizer make regression sets the same cap in ASAN_OPTIONS.
 * SECURITY: test-only; the inputs are crashers found by the fuzzers.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MEMORY (1024ull << 20)

__attribute__((weak)) int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static int
run_file(const char *path)
{
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, n;
	FILE *fp = fopen(path, "rb");

	if (fp == NULL) {
		fprintf(stderr, "replay: cannot open '%s': %s\n", path,
		    strerror(errno));
		return -1;
	}
	do {
		if (len == cap) {
			unsigned char *nb;
			cap = cap ? 2 * cap : 65536;
			if ((nb = realloc(buf, cap)) == NULL) {
				fclose(fp);
				free(buf);
				return -1;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
	} while (n > 0);
	fclose(fp);
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int
run_dir(const char *path)
{
	struct dirent **names;
	char sub[4096];
	int n, rc = 0;

	if ((n = scandir(path, &names, NULL, alphasort)) < 0) {
		fprintf(stderr, "replay: cannot list '%s': %s\n", path,
		    strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", path,
			    names[i]->d_name);
			if (run_file(sub) < 0)
				rc = -1;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	struct stat st;
	int rc = 0;
#if !defined(__SANITIZE_ADDRESS__)
	struct rlimit rl = { REPLAY_MEMORY, REPLAY_MEMORY };

	if (setrlimit(RLIMIT_AS, &rl) < 0)
		perror("replay: setrlimit");
#endif
	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			rc |= run_dir(argv[i]) < 0;
		else
			rc |= run_file(argv[i]) < 0;
	}
	return rc;
}
