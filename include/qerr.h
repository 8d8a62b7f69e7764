/*
 * qerr.h: the error detail a caller may pass to any function that can fail.
 * Functions return 0 or a negative errno-style code; when `err` is not NULL
 * they also leave a one-line, lowercase, git-style message in it.
 */
#ifndef QUJAT_QERR_H
#define QUJAT_QERR_H

#include <stddef.h>

struct qerr {
	char msg[512];
	int line; /* config line at fault, 0 when not a config error */
};

/* Formats a message into err (when not NULL) and returns code unchanged. */
int qerr_set(struct qerr *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
