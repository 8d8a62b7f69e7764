/*
 * spool.h: the spool folders of spec/contract.md and the durable moves
 * between them. Every state is a folder and every transition one rename,
 * made durable: the files are fsync'd before, both folders after.
 */
#ifndef QUJAT_SPOOL_H
#define QUJAT_SPOOL_H

#include <dirent.h>
#include <stdint.h>
#include "qerr.h"

enum spool_dir {
	SP_INCOMING,
	SP_ACTIVE,
	SP_OUTBOX,
	SP_REJECTED,
	SP_SENT,
	SP_ORIGINALS,
	SP_DECISIONS,
	SP_NDIRS
};

extern const char *const spool_dir_name[SP_NDIRS];

/*
 * Who may touch what (contract section 1): three parties, the daemon's
 * user and two groups. Each folder has the daemon's user as owner, one
 * party's group and a mode:
 *   (root)      0755  daemon   the others reach their folders
 *   incoming/  03770  submit   setgid: bundles get the group, so the
 *                              daemon (a member) reads and removes them;
 *                              sticky: a producer renames or removes only
 *                              its own (and never the daemon's)
 *   active/     0700  daemon   the daemon's own copies, at work
 *   outbox/     0770  receive  the consumer reads and renames out
 *   rejected/   0750  submit   the producer reads the refusals
 *   sent/       0750  receive  the consumer reads
 *   originals/  0700  daemon
 *   decisions/ 03770  receive  the consumer drops decision files
 * The daemon is a member of both groups (sysusers.d), so it can give each
 * published bundle its folder's group (spool_give).
 */
enum spool_party { PARTY_DAEMON, PARTY_SUBMIT, PARTY_RECEIVE, PARTY_N };

struct spool {
	char *root;
	int rootfd;
	int dfd[SP_NDIRS];
	unsigned gid[SP_NDIRS]; /* each folder's group, once opened */
	int lockfd;
};

/* Opens root and its folders, creating those missing with their modes
 * (less the umask); a folder of another party that the caller may not
 * open (a producer's `qujat submit`) is left at -1. Returns 0 or -errno;
 * on failure sp holds no open fd. */
int spool_open(struct spool *sp, const char *root, struct qerr *err);
void spool_close(struct spool *sp);

/* The daemon at start: gives root and every folder its owner's group of
 * gid[party] (-1: the daemon's own group) and exactly its mode. 0, or
 * -errno with err saying which folder could not be set. */
int spool_set_rights(struct spool *sp, const int gid[PARTY_N],
    struct qerr *err);

/* Gives folder fd (a bundle about to be published into d) the group of d
 * and mode dmode, and each regular file in it the group and fmode. 0 or
 * -errno. */
int spool_give(const struct spool *sp, enum spool_dir d, int fd, unsigned dmode,
    unsigned fmode);

/* Takes the spool's lock (a POSIX lock on <root>/.qujatd.lock, holding our
 * pid) for the life of the process. -EBUSY when another process holds it;
 * err then names that process. */
int spool_lock(struct spool *sp, struct qerr *err);

/* Moves from/name to to/newname with renameat2(RENAME_NOREPLACE) and
 * fsyncs both folders. -EEXIST when the target exists. */
int spool_move(struct spool *sp, enum spool_dir from, const char *name,
    enum spool_dir to, const char *newname);

/* Like spool_move, but an existing target is first renamed aside to
 * "<name>@<unix time>[.<n>]" (name cut so that it fits NAME_MAX) so nothing is
 * lost or overwritten; the moved folder's mtime is set to now, the time it
 * reached `to`. */
int spool_move_replace(struct spool *sp, enum spool_dir from, const char *name,
    enum spool_dir to);

/* The same two moves between any two folders, by fd. */
int rename_durable(int fromfd, const char *name, int tofd, const char *newname);
int rename_durable_aside(int fromfd, const char *name, int tofd,
    const char *newname);

/* True when name exists in folder d (any type, links not followed). */
int spool_exists(const struct spool *sp, enum spool_dir d, const char *name);

/* How many bundles folder dfd holds (names starting with '.' or ending in
 * ".tmp" are not bundles) and the age in seconds of the oldest, by the
 * ctime a rename into the folder sets (0 when empty). Blocking; reads
 * through its own open of the folder. 0 or -errno. */
int spool_folder_stats(int dfd, long *count, long *oldest_s);

/* Below this much free space the spool's filesystem counts as full: the
 * daemon stops claiming (server.c), and a worker that failed then failed
 * for the disk, not for the file (run.c). */
#define SPOOL_RESERVE_BYTES (INT64_C(1) << 20)

/* Bytes free for writing on the filesystem of dirfd, or -errno. */
int64_t spool_free_bytes(int dirfd);

/* fsync a folder by fd; returns 0 or -errno. */
int fsync_dir(int dirfd);
/* A listing of folder fd from its first entry (a dup of fd: the caller
 * closedir()s it, fd stays open; the dup shares fd's read offset, so it
 * is rewound). NULL with errno set on failure. */
DIR *dir_list(int fd);

/* Creates path and its parents (like mkdir -p) with mode. 0 or -errno. */
int mkdir_p(const char *path, unsigned mode);

/* Removes the folder name inside dirfd and what it holds (one level of
 * regular files, as the daemon's own work folders have). 0 or -errno. */
int remove_flat_dir(int dirfd, const char *name);

/* Blocking: removes the folder dirfd/name and everything in it, by fd
 * (openat, O_NOFOLLOW), never following a link (a link is removed, not
 * what it names), safe on a folder a producer made and may still be
 * changing; for the daemon's own folders too (retention.c). Goes
 * REMOVE_TREE_DEPTH levels deep and never leaves the folder's filesystem:
 * what lies deeper or is a mount point stays, and so do the folders
 * above it (-ENOTEMPTY or -EBUSY). 0 (also when name is gone) or -errno;
 * -ENOTDIR when name is no folder. */
#define REMOVE_TREE_DEPTH 64
int remove_tree_fd(int dirfd, const char *name);

#endif
