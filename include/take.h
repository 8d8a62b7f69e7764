/*
 * take.h: taking a bundle out of incoming/ into the daemon's own copy, as
 * Postfix's pickup takes a maildrop file into its queue. From the take
 * on, the producer has no say: what is checked, processed, published and
 * kept is the copy, in active/<name>, a folder only the daemon can write
 * (a producer's fd on its folder or on a file opened before reaches only
 * the producer's folder, which is then renamed aside and removed).
 *
 * The copy holds the producer's regular files (reflinked when the
 * filesystem can, copied otherwise), never an entry whose name starts
 * with '.' or is reserved (refusal.json, report.json), never a link,
 * folder, FIFO or device: those are written down in TAKE_LIST, for the
 * refusal to name them. TAKE_LIST is written last, so a folder in active/
 * without it (or not the daemon's) is not one the daemon wrote.
 */
#ifndef QUJAT_TAKE_H
#define QUJAT_TAKE_H

#include <stddef.h>
#include <stdint.h>

struct spool;

/* The daemon's record in its copy of a bundle. */
#define TAKE_LIST ".qujat-take"

/* Kinds of TAKE_LIST records. */
#define TAKE_UNLISTED 'u'    /* a regular file under a reserved name */
#define TAKE_NOT_REGULAR 'n' /* a link, folder, FIFO, device, or unreadable */

/* Blocking: copies incoming/<name> into active/<name>. 0; -ENOENT when it
 * vanished; -EEXIST when active/<name> exists (the same name at work);
 * -ENOTDIR when it is not a folder; another -errno for a failure of the
 * machine (out of fds, memory, room; I/O), the bundle then left as it was
 * in incoming/, and errmsg says what. At most max_files + 1 entries are
 * taken (the limit is judged on the copy); every regular file is copied
 * whole, one over max_file_bytes too (its size is all that is judged, but
 * rejected/ keeps the originals as received). *copied gets the bytes the
 * copy holds (reflinked ones share the producer's blocks until it
 * removes its own). */
int take_bundle(struct spool *sp, const char *name, int64_t max_files,
    int64_t *copied, char *errmsg, size_t cap);

/* Blocking: whether active/<name> (open as fd) is a copy the daemon wrote
 * whole; and if its producer's folder is still incoming/<name> (a crash
 * came between the two renames), takes that out of incoming/ now. 0, or
 * -EPERM for a folder the daemon did not write. */
int take_check_own(struct spool *sp, const char *name, int fd);

/* Calls fn for each record of fd's TAKE_LIST. 0 or -errno. */
int take_list_each(int fd, void (*fn)(void *arg, int kind, const char *name),
    void *arg);

/* Blocking, at start: removes the copies a crash left half-made, puts a
 * bundle an earlier version left in active/ (no TAKE_LIST) back into
 * incoming/ to be taken, and removes the
 * producers' folders a take renamed aside in incoming/ but a crash kept
 * it from removing (a take whose source was not yet renamed aside is
 * finished by take_check_own when its bundle resumes). */
void take_clean(struct spool *sp);

#endif
