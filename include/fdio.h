/*
 * fdio.h: the one write loop and the one read loop on a file descriptor,
 * for the daemon and the worker alike (both programs are built with
 * daemon/fdio.c): EINTR and short counts are handled here, not by each
 * caller. Moves bytes; never looks at them.
 */
#ifndef QUJAT_FDIO_H
#define QUJAT_FDIO_H

#include <stddef.h>
#include <sys/types.h>

/* Writes all len bytes at buf to fd, again after EINTR and short writes
 * (buf is void, as write(2)'s: text and bytes alike). 0, or -errno
 * (-EIO when a write(2) wrote nothing). */
int write_all(int fd, const void *buf, size_t len);

/* Reads from fd into buf until len bytes are read or the file ends,
 * again after EINTR and short reads. The count read (below len only at
 * the end of the file), or -errno. */
ssize_t read_full(int fd, void *buf, size_t len);

#endif
