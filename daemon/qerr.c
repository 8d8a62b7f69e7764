/*
 * qerr.c: the optional error detail of a failing call (qerr.h).
 * Touches no untrusted bytes itself; callers quote what they report.
 */
#include <stdarg.h>
#include <stdio.h>

#include "qerr.h"

int
qerr_set(struct qerr *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->line = 0;
	return code;
}
