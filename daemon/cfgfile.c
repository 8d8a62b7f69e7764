/*
 * cfgfile.c: libconfig files read and their faults named by line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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
	qerr_set(err, -EINVAL, "%s:%d: %s",
	    config_error_file(cfg) ? config_error_file(cfg) : path,
	    config_error_line(cfg), config_error_text(cfg));
	if (err != NULL)
		err->line = config_error_line(cfg);
	return -EINVAL;
}

/* Line number n (from 1) of path, or NULL; the caller frees it. */
static char *
read_line(const char *path, int n)
{
	FILE *fp = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;

	if (fp == NULL)
		return NULL;
	while (n-- > 0 && getline(&line, &cap, fp) >= 0)
		if (n == 0) {
			fclose(fp);
			return line;
		}
	fclose(fp);
	free(line);
	return NULL;
}

/* The literal after "name =" (or ':') in line, or NULL. */
static const char *
find_literal(const char *line, const char *name)
{
	size_t len = strlen(name);
	const char *p;

	for (p = strstr(line, name); p != NULL; p = strstr(p + 1, name)) {
		const char *q = p + len;
		if (p > line && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			continue;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '=' && *q != ':')
			continue;
		for (q++; *q == ' ' || *q == '\t'; q++)
			;
		return q;
	}
	return NULL;
}

int
cfg_get_int64(const char *path, const config_setting_t *s, long long *out,
    struct qerr *err)
{
	const char *file = config_setting_source_file(s), *lit;
	char *line, *end;
	long long v;
	int sign, hex;

	*out = config_setting_get_int64(s);
	if (config_setting_type(s) != CONFIG_TYPE_INT ||
	    (line = read_line(file ? file : path,
		 config_setting_source_line(s))) == NULL)
		return 0;
	if ((lit = find_literal(line, config_setting_name(s))) != NULL) {
		sign = lit[0] == '-' || lit[0] == '+';
		hex = lit[sign] == '0' && (lit[sign + 1] | 0x20) == 'x';
		errno = 0;
		v = strtoll(lit, &end, hex ? 16 : 10);
		if (errno == ERANGE) {
			cfg_fault(err, path, s,
			    "'%s' is %.*s, which does not "
			    "fit in 64 bits",
			    config_setting_name(s),
			    (int)strcspn(lit, " \t;,}\n"), lit);
			free(line);
			return -EINVAL;
		}
		if (end != lit)
			*out = v;
	}
	free(line);
	return 0;
}
