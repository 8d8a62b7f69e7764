/*
 * spool.c: the spool's folders, its lock, and durable renames between
 * folders (Maildir and Postfix style: one rename per transition, fsync of
 * both folders after it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <limits.h>

#include "log.h"
#include "spool.h"

const char *const spool_dir_name[SP_NDIRS] = {
	"incoming",
	"active",
	"outbox",
	"rejected",
	"sent",
	"originals",
	"decisions",
};

/* spool.h says why each has these. */
static const struct {
	unsigned mode;
	enum spool_party party;
} spool_rights[SP_NDIRS] = {
	[SP_INCOMING] = { 03770, PARTY_SUBMIT },
	[SP_ACTIVE] = { 0700, PARTY_DAEMON },
	[SP_OUTBOX] = { 0770, PARTY_RECEIVE },
	[SP_REJECTED] = { 0750, PARTY_SUBMIT },
	[SP_SENT] = { 0750, PARTY_RECEIVE },
	[SP_ORIGINALS] = { 0700, PARTY_DAEMON },
	[SP_DECISIONS] = { 03770, PARTY_RECEIVE },
};
#define ROOT_MODE 0755

int
fsync_dir(int dirfd)
{
	if (fsync(dirfd) < 0 && errno != EINVAL)
		return -errno;
	return 0;
}

int64_t
spool_free_bytes(int dirfd)
{
	struct statvfs sv;

	if (fstatvfs(dirfd, &sv) < 0)
		return -errno;
	return (int64_t)sv.f_bavail * (int64_t)sv.f_frsize;
}

int
mkdir_p(const char *path, unsigned mode)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static void
spool_reset(struct spool *sp)
{
	sp->root = NULL;
	sp->rootfd = -1;
	sp->lockfd = -1;
	for (int i = 0; i < SP_NDIRS; i++)
		sp->dfd[i] = -1;
}

int
spool_open(struct spool *sp, const char *root, struct qerr *err)
{
	int r, i;

	spool_reset(sp);
	if ((r = mkdir_p(root, ROOT_MODE)) < 0)
		return qerr_set(err, r, "cannot create spool '%s': %s", root,
		    strerror(-r));
	sp->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->rootfd < 0)
		return qerr_set(err, -errno, "cannot open spool '%s': %s", root,
		    strerror(errno));
	for (i = 0; i < SP_NDIRS; i++) {
		const char *n = spool_dir_name[i];
		struct stat st;
		if (mkdirat(sp->rootfd, n, spool_rights[i].mode & 0777) < 0 &&
		    errno != EEXIST)
			goto fail;
		sp->dfd[i] = openat(sp->rootfd, n,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sp->dfd[i] < 0 && errno == EACCES)
			continue; /* another party's: -1 */
		if (sp->dfd[i] < 0 || fstat(sp->dfd[i], &st) < 0)
			goto fail;
		sp->gid[i] = (unsigned)st.st_gid;
	}
	sp->root = strdup(root);
	return 0;
fail:
	r = -errno;
	qerr_set(err, r, "cannot open '%s' in spool '%s': %s",
	    spool_dir_name[i], root, strerror(-r));
	spool_close(sp);
	return r;
}

static int
set_right(int fd, int gid, unsigned mode)
{
	struct stat st;

	if (fchown(fd, (uid_t)-1, gid >= 0 ? (gid_t)gid : getegid()) < 0 ||
	    fchmod(fd, mode) < 0 || fstat(fd, &st) < 0)
		return -errno;
	return (int)st.st_gid;
}

int
spool_set_rights(struct spool *sp, const int gid[PARTY_N], struct qerr *err)
{
	int r = set_right(sp->rootfd, gid[PARTY_DAEMON], ROOT_MODE);

	if (r < 0)
		return qerr_set(err, r,
		    "cannot set the rights of spool '%s': "
		    "%s",
		    sp->root, strerror(-r));
	for (int i = 0; i < SP_NDIRS; i++) {
		r = sp->dfd[i] < 0 ?
		    -EACCES :
		    set_right(sp->dfd[i], gid[spool_rights[i].party],
			spool_rights[i].mode);
		if (r < 0)
			return qerr_set(err, r,
			    "cannot set the group and mode "
			    "of '%s/%s' (is the daemon's user a member of its "
			    "group?): %s",
			    sp->root, spool_dir_name[i], strerror(-r));
		sp->gid[i] = (unsigned)r;
	}
	return 0;
}

DIR *
dir_list(int fd)
{
	int d = dup(fd), e;
	DIR *dir;

	if (d < 0)
		return NULL;
	if ((dir = fdopendir(d)) == NULL) {
		e = errno;
		close(d);
		errno = e;
		return NULL;
	}
	rewinddir(dir);
	return dir;
}

int
spool_give(const struct spool *sp, enum spool_dir d, int fd, unsigned dmode,
    unsigned fmode)
{
	gid_t g = (gid_t)sp->gid[d];
	struct dirent *de;
	struct stat st;
	int r = 0;
	DIR *dir;

	if ((dir = dir_list(fd)) == NULL)
		return -errno;
	while (r == 0 && (de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.' || /* the daemon's own records */
		    fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (fchownat(fd, de->d_name, (uid_t)-1, g,
			AT_SYMLINK_NOFOLLOW) < 0 ||
		    fchmodat(fd, de->d_name, fmode, 0) < 0)
			r = -errno;
	}
	closedir(dir);
	if (r == 0 && (fchown(fd, (uid_t)-1, g) < 0 || fchmod(fd, dmode) < 0))
		r = -errno;
	return r;
}

void
spool_close(struct spool *sp)
{
	for (int i = 0; i < SP_NDIRS; i++)
		if (sp->dfd[i] >= 0)
			close(sp->dfd[i]);
	if (sp->rootfd >= 0)
		close(sp->rootfd);
	if (sp->lockfd >= 0)
		close(sp->lockfd);
	free(sp->root);
	spool_reset(sp);
}

int
spool_lock(struct spool *sp, struct qerr *err)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char pid[32];
	int fd, n;

	fd = openat(sp->rootfd, ".qujatd.lock",
	    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0)
		return qerr_set(err, -errno,
		    "cannot open '%s/.qujatd.lock': %s", sp->root,
		    strerror(errno));
	if (fcntl(fd, F_SETLK, &fl) < 0) {
		int e = errno;
		struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		if (e == EAGAIN || e == EACCES) {
			fcntl(fd, F_GETLK, &q);
			close(fd);
			return qerr_set(err, -EBUSY,
			    "spool '%s' is in use by "
			    "another qujatd (pid %d); stop it first or choose "
			    "another spool",
			    sp->root, (int)q.l_pid);
		}
		close(fd);
		return qerr_set(err, -e, "cannot lock '%s/.qujatd.lock': %s",
		    sp->root, strerror(e));
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	/* The lock holds without the pid text; F_GETLK names the holder. */
	if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) != n)
		log_msg(LOG_WARNING, NULL, "cannot write the pid to the lock");
	sp->lockfd = fd;
	return 0;
}

int
rename_durable(int fromfd, const char *name, int tofd, const char *newname)
{
	int r;

	if (renameat2(fromfd, name, tofd, newname, RENAME_NOREPLACE) < 0)
		return -errno;
	if ((r = fsync_dir(tofd)) < 0)
		return r;
	return fromfd == tofd ? 0 : fsync_dir(fromfd);
}

int
rename_durable_aside(int fromfd, const char *name, int tofd,
    const char *newname)
{
	char aside[NAME_MAX + 1], suffix[48];
	long long now = (long long)time(NULL);
	int r, keep;

	r = rename_durable(fromfd, name, tofd, newname);
	for (int i = 0; r == -EEXIST && i < 1000; i++) {
		if (i == 0)
			snprintf(suffix, sizeof(suffix), "@%lld", now);
		else
			snprintf(suffix, sizeof(suffix), "@%lld.%d", now, i);
		/* a 250-byte name still gets its aside name */
		keep = NAME_MAX - (int)strlen(suffix);
		snprintf(aside, sizeof(aside), "%.*s%s", keep, newname, suffix);
		r = rename_durable(tofd, newname, tofd, aside);
		if (r == -EEXIST)
			continue;
		if (r < 0)
			return r;
		r = rename_durable(fromfd, name, tofd, newname);
	}
	return r;
}

int
spool_move(struct spool *sp, enum spool_dir from, const char *name,
    enum spool_dir to, const char *newname)
{
	return rename_durable(sp->dfd[from], name, sp->dfd[to], newname);
}

int
spool_move_replace(struct spool *sp, enum spool_dir from, const char *name,
    enum spool_dir to)
{
	/* the folder's mtime is when it reached `to`: retention counts its
	 * age from it (retention.h); nothing is written in it after */
	static const struct timespec now[2] = { { 0, UTIME_OMIT },
		{ 0, UTIME_NOW } };

	utimensat(sp->dfd[from], name, now, AT_SYMLINK_NOFOLLOW);
	return rename_durable_aside(sp->dfd[from], name, sp->dfd[to], name);
}

int
spool_exists(const struct spool *sp, enum spool_dir d, const char *name)
{
	struct stat st;

	return fstatat(sp->dfd[d], name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int
remove_flat_dir(int dirfd, const char *name)
{
	DIR *dir;
	struct dirent *de;
	int fd;

	fd = openat(dirfd, name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!(dir = fdopendir(fd))) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(fd, de->d_name, 0);
	}
	closedir(dir);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0)
		return -errno;
	return 0;
}

/* Removes what folder fd holds; sub-folders to depth levels, on the
 * filesystem dev only (nftw's FTW_MOUNT: a mount point is not emptied,
 * and its rmdir fails). */
static int
empty_tree(int fd, int depth, dev_t dev)
{
	struct dirent *de;
	struct stat st;
	int dfd = dup(fd), r = 0, sub;
	DIR *dir;

	if (dfd < 0 || (dir = fdopendir(dfd)) == NULL) {
		r = -errno;
		if (dfd >= 0)
			close(dfd);
		return r;
	}
	while ((de = readdir(dir)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!S_ISDIR(st.st_mode)) {
			if (unlinkat(fd, de->d_name, 0) < 0)
				r = -errno;
			continue;
		}
		sub = depth > 0 && st.st_dev == dev ?
		    openat(fd, de->d_name,
			O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) :
		    -1;
		if (sub >= 0) {
			int e = empty_tree(sub, depth - 1, dev);
			close(sub);
			if (e < 0)
				r = e;
		}
		if (unlinkat(fd, de->d_name, AT_REMOVEDIR) < 0)
			r = -errno;
	}
	closedir(dir);
	return r;
}

int
remove_tree_fd(int dirfd, const char *name)
{
	int fd = openat(dirfd, name,
		O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC),
	    r;
	struct stat st;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	r = fstat(fd, &st) < 0 ? -errno :
				 empty_tree(fd, REMOVE_TREE_DEPTH, st.st_dev);
	close(fd);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0)
		return r < 0 ? r : -errno;
	return 0;
}

int
spool_folder_stats(int dfd, long *count, long *oldest_s)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	time_t now = time(NULL), min = now;
	struct dirent *de;
	struct stat st;
	DIR *dir;

	*count = *oldest_s = 0;
	if (fd < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while ((de = readdir(dir)) != NULL) {
		size_t n = strlen(de->d_name);
		if (de->d_name[0] == '.' ||
		    (n > 4 && !strcmp(de->d_name + n - 4, ".tmp")))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		(*count)++;
		if (st.st_ctime < min)
			min = st.st_ctime;
	}
	closedir(dir);
	*oldest_s = *count && now > min ? (long)(now - min) : 0;
	return 0;
}
