/*
 * log.h: one line per event on stderr, with the "<N>" priority prefix that
 * journald reads (sd-daemon(3)) when stderr is the journal, else a
 * timestamp and the level's name. Every line about a bundle names its id.
 * Never log what a citizen uploaded: use log_iin() to mask an IIN.
 */
#ifndef QUJAT_LOG_H
#define QUJAT_LOG_H

#include <syslog.h>

/* Lowest priority written (LOG_DEBUG writes all); default LOG_INFO. */
void log_set_level(int prio);

/* Writes "<prio>[id] message" (id may be NULL), or "TIMESTAMP level: [id]
 * message" when stderr is not the journal, as one write(2). Control
 * characters in the formatted text are escaped so a hostile file name
 * cannot forge a line; every run of 12 digits or more, in the id or the
 * text, is masked to its last four, so no IIN reaches the log, not even
 * in a file name. */
void log_msg(int prio, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Masks an IIN to its last four digits: "********0157". buf >= 13 bytes. */
const char *log_iin(const char *iin, char *buf, size_t len);

#endif
