/*
 * log.c: one line per event on stderr: "<N>" prefixed when stderr is the
 * journal, a timestamp and the level's name otherwise (a terminal, a
 * file). File names come from uploads, so control bytes are escaped, and
 * any run of twelve digits or more (an IIN, in a file name or an id) is
 * masked to its last four.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define IIN_DIGITS 12

/* The log module's globals: the level, and whether stderr is the journal
 * (-1 until the first line asks). */
static int log_level = LOG_INFO;
static int to_journal = -1;

static const char *const level_name[] = {
	"emerg",
	"alert",
	"crit",
	"error",
	"warning",
	"notice",
	"info",
	"debug",
};

void
log_set_level(int prio)
{
	log_level = prio;
}

/* Masks in place every run of IIN_DIGITS or more digits but its last
 * four: "180512600157_vkk.jpg" -> "********0157_vkk.jpg". */
static void
mask_iins(char *s)
{
	size_t run;

	for (; *s; s += run ? run : 1) {
		for (run = 0; s[run] >= '0' && s[run] <= '9'; run++)
			;
		if (run >= IIN_DIGITS)
			memset(s, '*', run - 4);
	}
}

static size_t
escape(char *dst, size_t cap, const char *src)
{
	size_t o = 0;

	for (; *src && o + 5 < cap; src++) {
		unsigned char c = (unsigned char)*src;
		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(dst + o, cap - o, "\\x%02x", c);
		else
			dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return o;
}

/* Whether stderr is the journal: $JOURNAL_STREAM names its device and
 * inode (sd_journal_stream_fd(3)). */
static int
log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	/* sd_journal_stream_fd(3): "device:inode" of the stream systemd
	 * connected; stderr may since have been redirected elsewhere. */
	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/* "<N>" for the journal, else "2026-12-01T22:30:01.123+0000 info: ". */
static int
prefix(char *line, size_t cap, int prio)
{
	struct timeval tv;
	struct tm tm;
	size_t n;

	if (to_journal < 0)
		to_journal = log_stderr_is_journal();
	if (to_journal)
		return snprintf(line, cap, "<%d>", prio);
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	n = strftime(line, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, cap - n, ".%03d",
	    (int)(tv.tv_usec / 1000));
	n += strftime(line + n, cap - n, "%z", &tm);
	return (int)n +
	    snprintf(line + n, cap - n, " %s: ", level_name[prio & 7]);
}

void
log_msg(int prio, const char *id, const char *fmt, ...)
{
	char raw[1024], idm[300], line[2048];
	va_list ap;
	int n;

	if (prio > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	mask_iins(raw);
	n = prefix(line, 64, prio);
	if (id) {
		snprintf(idm, sizeof(idm), "%s", id);
		mask_iins(idm);
		line[n++] = '[';
		n += (int)escape(line + n, 300, idm);
		line[n++] = ']';
		line[n++] = ' ';
	}
	n += (int)escape(line + n, sizeof(line) - (size_t)n - 2, raw);
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return; /* nowhere left to report it */
}

const char *
log_iin(const char *iin, char *buf, size_t len)
{
	size_t n = iin ? strlen(iin) : 0;

	if (len < 13)
		return "";
	if (n < 4) {
		snprintf(buf, len, "****");
		return buf;
	}
	snprintf(buf, len, "********%s", iin + n - 4);
	return buf;
}
