/*
 * take.c: the daemon's own copy of a bundle (take.h), Postfix pickup's
 * way. SECURITY: the producer's folder is read by fd, never following a
 * link; its files are copied, never parsed; the producer's folder is
 * renamed aside and removed afterwards, and nothing in it is read again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdio.h"
#include "log.h"
#include "spool.h"
#include "take.h"

#define TMP_PREFIX ".take."	    /* active/: a copy being made */
#define HIDE_PREFIX ".qujat-taken." /* incoming/: a folder taken */

struct take {
	struct spool *sp;
	const char *name;
	int src, dst; /* the producer's folder, the copy */
	struct stat src_st;
	int64_t max_files;
	int64_t copied;
	char *list; /* TAKE_LIST's records */
	size_t len, cap;
	char tmp[64];
};

/* Errors that say an entry is not a file the daemon may read, rather
 * than that the machine is short of something. */
static bool
entry_error(int e)
{
	return e == EACCES || e == EPERM || e == ELOOP || e == ENXIO ||
	    e == ENODEV || e == EISDIR || e == ENOTDIR || e == ETXTBSY;
}

static bool
reserved(const char *name)
{
	return name[0] == '.' || !strcmp(name, "refusal.json") ||
	    !strcmp(name, "report.json");
}

static int
list_add(struct take *t, int kind, const char *name)
{
	size_t n = strlen(name) + 3;
	char *p;

	if (t->len + n > t->cap) {
		size_t cap = t->cap ? 2 * t->cap + n : 4096;
		if ((p = realloc(t->list, cap)) == NULL)
			return -ENOMEM;
		t->list = p;
		t->cap = cap;
	}
	t->list[t->len++] = (char)kind;
	t->list[t->len++] = '\0';
	memcpy(t->list + t->len, name, n - 2);
	t->len += n - 2;
	return 0;
}

static int
copy_rw(int in, int out, int64_t left)
{
	char buf[65536];
	ssize_t n;
	int r;

	while (left > 0 && (n = read_full(in, buf, sizeof(buf))) != 0) {
		if (n < 0)
			return (int)n;
		if ((r = write_all(out, buf, (size_t)n)) < 0)
			return r;
		left -= n;
	}
	return 0;
}

/* The bytes of in into out: a reflink (its own extents from the first
 * write on, whatever the producer does to its file), else an in-kernel
 * copy, else read and write. */
static int
copy_data(int in, int out, int64_t size)
{
	int64_t left = size;
	ssize_t n;

	if (size == 0 || ioctl(out, FICLONE, in) == 0)
		return 0;
	while (left > 0) {
		n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
		if (n == 0)
			return 0; /* the producer cut it: so much is ours */
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && left == size &&
		    (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
			errno == EOPNOTSUPP))
			return copy_rw(in, out, left);
		if (n < 0)
			return -errno;
		left -= n;
	}
	return 0;
}

static int
take_file(struct take *t, const char *name, const struct stat *st0)
{
	struct stat st;
	int in, out, r;

	in = openat(t->src, name,
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (in < 0)
		return errno == ENOENT ? 0 :
		    entry_error(errno) ? list_add(t, TAKE_NOT_REGULAR, name) :
					 -errno;
	if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_ino != st0->st_ino || st.st_nlink != 1) {
		close(in);
		return list_add(t, TAKE_NOT_REGULAR, name);
	}
	out = openat(t->dst, name,
	    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (out < 0) {
		r = -errno;
		close(in);
		return r;
	}
	/* a file over max_file_bytes is judged by its size alone, but
	 * copied all the same: rejected/ keeps the originals as received */
	r = copy_data(in, out, st.st_size);
	if (r == 0 && fsync(out) < 0)
		r = -errno;
	if (r == 0)
		t->copied += st.st_size;
	close(in);
	if (close(out) < 0 && r == 0)
		r = -errno;
	return r;
}

static int
take_entry(struct take *t, const char *name)
{
	struct stat st;

	if (fstatat(t->src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 :
		    entry_error(errno) ? list_add(t, TAKE_NOT_REGULAR, name) :
					 -errno;
	if (reserved(name))
		return list_add(t,
		    S_ISREG(st.st_mode) ? TAKE_UNLISTED : TAKE_NOT_REGULAR,
		    name);
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1)
		return list_add(t, TAKE_NOT_REGULAR, name);
	return take_file(t, name, &st);
}

/* Every entry of the producer's folder (none when it cannot be read:
 * the copy then has no manifest and is refused for that). */
static int
take_entries(struct take *t)
{
	struct dirent *de;
	int64_t n = 0;
	int r = 0;
	DIR *dir;

	if (t->src < 0)
		return 0;
	if ((dir = dir_list(t->src)) == NULL)
		return entry_error(errno) ? 0 : -errno;
	r = take_entry(t, "manifest.json"); /* first: the loop may stop */
	while (r == 0 && (de = readdir(dir)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, "manifest.json"))
			continue;
		if (++n > t->max_files + 1)
			break; /* enough for the refusal to say too many */
		r = take_entry(t, de->d_name);
	}
	closedir(dir);
	return r;
}

static int
write_list(struct take *t)
{
	char id[64];
	int fd, r = 0, n;

	n = snprintf(id, sizeof(id), "i%c%llu:%llu", 0,
	    (unsigned long long)t->src_st.st_dev,
	    (unsigned long long)t->src_st.st_ino);
	fd = openat(t->dst, TAKE_LIST,
	    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if ((r = write_all(fd, id, (size_t)n + 1)) == 0)
		r = write_all(fd, t->list, t->len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r == 0 ? fsync_dir(t->dst) : r;
}

/* Renames incoming/<name>, the folder of st, aside to a dot name and
 * removes it; a folder the producer made unwritable stays aside. */
static int
hide_source(struct spool *sp, const char *name, const struct stat *st)
{
	int in = sp->dfd[SP_INCOMING], r = -EEXIST;
	char hidden[80];
	struct stat now;

	if (fstatat(in, name, &now, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (now.st_ino != st->st_ino || now.st_dev != st->st_dev)
		return 0; /* its producer moved it away itself */
	for (int i = 0; r == -EEXIST && i < 100; i++) {
		snprintf(hidden, sizeof(hidden), HIDE_PREFIX "%llu.%d",
		    (unsigned long long)st->st_ino, i);
		r = renameat2(in, name, in, hidden, RENAME_NOREPLACE) < 0 ?
		    -errno :
		    0;
	}
	if (r < 0)
		return r;
	/* Renamed: the take is done, the copy is durable in active/ and is
	 * what counts. Should the rename not survive a crash, the folder is
	 * hidden again when the copy resumes (take_check_own). Failing here
	 * would make the caller drop the copy and leave the only original
	 * under a dot name that nothing takes. */
	if ((r = fsync_dir(in)) < 0)
		log_msg(LOG_WARNING, name, "taken; 'incoming/' not synced: %s",
		    strerror(-r));
	if ((r = remove_tree_fd(in, hidden)) < 0)
		log_msg(LOG_NOTICE, name,
		    "taken; its producer's folder, "
		    "now 'incoming/%s', cannot be removed (%s): its producer "
		    "may remove it",
		    hidden, strerror(-r));
	return 0;
}

static void
take_release(struct take *t)
{
	if (t->src >= 0)
		close(t->src);
	if (t->dst >= 0)
		close(t->dst);
	free(t->list);
}

/* Opens the producer's folder; -ENOTDIR when it is not one. A folder the
 * daemon may not read is still taken (empty), so that it ends. */
static int
open_source(struct take *t)
{
	int in = t->sp->dfd[SP_INCOMING];

	if (fstatat(in, t->name, &t->src_st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISDIR(t->src_st.st_mode))
		return -ENOTDIR;
	t->src = openat(in, t->name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (t->src < 0 && !entry_error(errno))
		return -errno;
	return 0;
}

static int
make_copy(struct take *t)
{
	int act = t->sp->dfd[SP_ACTIVE], r;

	snprintf(t->tmp, sizeof(t->tmp), TMP_PREFIX "%llu",
	    (unsigned long long)t->src_st.st_ino);
	remove_tree_fd(act, t->tmp);
	if (mkdirat(act, t->tmp, 0700) < 0)
		return -errno;
	t->dst = openat(act, t->tmp,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (t->dst < 0)
		return -errno;
	if ((r = take_entries(t)) < 0 || (r = write_list(t)) < 0)
		return r;
	return rename_durable(act, t->tmp, act, t->name);
}

int
take_bundle(struct spool *sp, const char *name, int64_t max_files,
    int64_t *copied, char *errmsg, size_t cap)
{
	struct take t = { .sp = sp,
		.name = name,
		.src = -1,
		.dst = -1,
		.max_files = max_files };
	int act = sp->dfd[SP_ACTIVE], r;

	if (spool_exists(sp, SP_ACTIVE, name))
		return -EEXIST;
	if ((r = open_source(&t)) < 0) {
		take_release(&t);
		return r;
	}
	r = make_copy(&t);
	if (r == 0 && (r = hide_source(sp, name, &t.src_st)) < 0 &&
	    renameat(act, name, act, t.tmp) < 0)
		r = -EEXIST; /* undone below, or taken twice: never lost */
	if (r < 0 && r != -EEXIST)
		snprintf(errmsg, cap, "cannot take it into active/: %s",
		    strerror(-r));
	if (r < 0 && t.dst >= 0)
		remove_tree_fd(act, t.tmp);
	*copied = t.copied;
	take_release(&t);
	return r;
}

int
take_list_each(int fd, void (*fn)(void *arg, int kind, const char *name),
    void *arg)
{
	struct stat st;
	char *buf;
	int lfd = openat(fd, TAKE_LIST, O_RDONLY | O_NOFOLLOW | O_CLOEXEC),
	    r = 0;

	if (lfd < 0)
		return -errno;
	if (fstat(lfd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (buf = malloc((size_t)st.st_size + 2)) == NULL) {
		close(lfd);
		return -ENOMEM;
	}
	if (pread(lfd, buf, (size_t)st.st_size, 0) != st.st_size)
		r = -EIO;
	buf[st.st_size] = buf[st.st_size + 1] = '\0';
	for (char *p = buf; r == 0 && p < buf + st.st_size;) {
		char *name = p + strlen(p) + 1;
		fn(arg, p[0], name);
		p = name + strlen(name) + 1;
	}
	free(buf);
	close(lfd);
	return r;
}

struct source {
	unsigned long long dev, ino;
};

static void
find_source(void *arg, int kind, const char *name)
{
	struct source *s = arg;

	if (kind == 'i')
		sscanf(name, "%llu:%llu", &s->dev, &s->ino);
}

int
take_check_own(struct spool *sp, const char *name, int fd)
{
	struct source s = { 0, 0 };
	struct stat st, lst;

	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() ||
	    fstatat(fd, TAKE_LIST, &lst, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(lst.st_mode) || lst.st_uid != geteuid() ||
	    take_list_each(fd, find_source, &s) < 0 || s.ino == 0)
		return -EPERM;
	st.st_dev = (dev_t)s.dev;
	st.st_ino = (ino_t)s.ino;
	return hide_source(sp, name, &st);
}

/* Removes every entry of folder fd whose name starts with prefix; what
 * cannot be removed is logged. */
static void
remove_prefixed(int fd, const char *prefix, const char *folder)
{
	struct dirent *de;
	DIR *dir;

	if ((dir = dir_list(fd)) == NULL)
		return;
	while ((de = readdir(dir)) != NULL)
		if (!strncmp(de->d_name, prefix, strlen(prefix)) &&
		    remove_tree_fd(fd, de->d_name) < 0)
			log_msg(LOG_NOTICE, NULL,
			    "cannot remove '%s/%s' (its "
			    "producer may remove it)",
			    folder, de->d_name);
	closedir(dir);
}

/* A bundle an earlier version left in active/ (its claim was a rename,
 * so it has no TAKE_LIST) goes back to incoming/ to be taken as any
 * other: else it would never be resumed. Only the daemon writes active/,
 * so nothing there is a producer's doing. */
static void
return_untaken(struct spool *sp)
{
	int act = sp->dfd[SP_ACTIVE];
	struct dirent *de;
	struct stat st;
	DIR *dir;

	if ((dir = dir_list(act)) == NULL)
		return;
	while ((de = readdir(dir)) != NULL) {
		int bfd;

		if (de->d_name[0] == '.')
			continue;
		bfd = openat(act, de->d_name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (bfd < 0)
			continue;
		if (fstatat(bfd, TAKE_LIST, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno == ENOENT &&
		    rename_durable(act, de->d_name, sp->dfd[SP_INCOMING],
			de->d_name) == 0)
			log_msg(LOG_NOTICE, de->d_name,
			    "left in active/ by an "
			    "earlier version: back in incoming/, to be taken");
		close(bfd);
	}
	closedir(dir);
}

void
take_clean(struct spool *sp)
{
	remove_prefixed(sp->dfd[SP_ACTIVE], TMP_PREFIX, "active");
	return_untaken(sp);
	/* a producer's folder renamed aside by a take that a crash cut
	 * short before it was removed: its copy is in active/ already */
	remove_prefixed(sp->dfd[SP_INCOMING], HIDE_PREFIX, "incoming");
}
