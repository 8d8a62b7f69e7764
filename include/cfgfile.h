/*
 * cfgfile.h: reading a libconfig file and reporting a fault at the line
 * of the setting concerned, as "file:line: message" (conf.c and
 * catalogue.c read their files the same way).
 */
#ifndef QUJAT_CFGFILE_H
#define QUJAT_CFGFILE_H

#include <libconfig.h>
#include "qerr.h"

/* Reads path into cfg. 0, or a negative errno with err naming the file
 * (and the line of a syntax error, also in err->line). */
int cfg_read(config_t *cfg, const char *path, struct qerr *err);

/* Formats "file:line: message" for setting s (NULL: line 0) into err,
 * sets err->line, and returns -EINVAL. */
int cfg_fault(struct qerr *err, const char *path, const config_setting_t *s,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The value of integer setting s as written: libconfig 1.5 reads an
 * integer written without the L suffix as 32 bits and keeps the low ones
 * (4294968320 becomes 1024), so one it read as 32 bits is read again from
 * its line in the file (path, when libconfig does not know it). 0, or
 * -EINVAL with err naming the line when the number exceeds 64 bits. */
int cfg_get_int64(const char *path, const config_setting_t *s, long long *out,
    struct qerr *err);

#endif
