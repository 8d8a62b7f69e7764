/*
 * cfgfile.c: libconfig files read and their faults named by line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cfgfile.h"

int
cfg_fault(struct qerr *err, const char *path, const config_setting_t *s,
    const char *fmt, ...)
{
	const char *file = s ? config_setting_source_file(s) : NULL;
	int line = s ? config_setting_source_line(s) : 0;
	char buf[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	qerr_set(err, -EINVAL, "%s:%d: %s", file ? file : path, line, buf);
	if (err != NULL)
		err->line = line;
	return -EINVAL;
}

int
cfg_read(config_t *cfg, const char *path, struct qerr *err)
{
	FILE *fp;
	int ok, e;

	if ((fp = fopen(path, "re")) == NULL) {
		e = errno;
		return qerr_set(err, -e, "cannot open '%s': %s", path,
		    strerror(e));
	}
	ok = config_read(cfg, fp);
	fclose(fp);
	if (ok)
		return 0;
	qerr_set(err, -EINVAL, "%s:%d: %s", config_error_file(cfg) ?
	    config_error_file(cfg) : path, config_error_line(cfg),
	    config_error_text(cfg));
	if (err != NULL)
		err->line = config_error_line(cfg);
	return -EINVAL;
}
