/*
 * bundle.c: a bundle's life on the trusted side: claim it, read its
 * manifest, list and open its files without following anything, and run
 * one worker per file. SECURITY: no byte of an upload is read here; files
 * are opened O_NOFOLLOW|O_NONBLOCK and checked to be regular before their
 * fd is handed to a sandboxed worker.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unistr.h>

#include "bundle.h"
#include "catalogue.h"
#include "conf.h"
#include "fdio.h"
#include "log.h"
#include "spool.h"
#include "take.h"

#define OPEN_RO (O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)

struct bundle *
bundle_new(struct conf *conf, struct spool *sp, struct store *store,
    const char *name, enum bundle_origin origin)
{
	struct bundle *b = calloc(1, sizeof(*b));

	if (!b || !(b->id = strdup(name))) {
		free(b);
		return NULL;
	}
	b->conf = conf_ref(conf);
	b->sp = sp;
	b->store = store;
	b->origin = origin;
	b->dirfd = b->workfd = -1;
	b->warnings = json_array();
	b->t0 = uv_hrtime() / 1000000;
	b->deadline = b->t0 + (uint64_t)conf->limits.bundle_timeout_ms;
	return b;
}

static void
bfile_release(struct bfile *f)
{
	if (f->in_fd >= 0)
		close(f->in_fd);
	if (f->out_fd >= 0)
		close(f->out_fd);
	free(f->out_name);
}

void
bundle_free(struct bundle *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nfiles; i++)
		bfile_release(&b->files[i]);
	free(b->files);
	if (b->dirfd >= 0)
		close(b->dirfd);
	if (b->workfd >= 0)
		close(b->workfd);
	if (b->have_manifest)
		manifest_release(&b->m);
	if (b->own_docs) {
		for (size_t i = 0; i < b->m.ndocs; i++)
			free((char *)b->m.docs[i].file);
		free(b->m.docs);
	}
	reasons_release(&b->reasons);
	json_decref(b->warnings);
	free(b->holder);
	conf_unref(b->conf);
	free(b->id);
	free(b);
}

static int
fail(struct bundle *b, int code, const char *what)
{
	snprintf(b->errmsg, sizeof(b->errmsg), "%s: %s", what, strerror(-code));
	return b->error = code;
}

/* Reads manifest.json into a malloc'd buffer; problems become reasons. */
static unsigned char *
read_manifest(struct bundle *b, size_t *len)
{
	const struct limits *lim = &b->conf->limits;
	unsigned char *buf;
	struct stat st;
	int fd = openat(b->dirfd, "manifest.json", OPEN_RO);
	ssize_t n;

	if (fd < 0) {
		reasons_add(&b->reasons, "manifest_invalid",
		    "manifest_unreadable", "manifest.json", NULL, NULL);
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > lim->max_manifest_bytes) {
		reasons_add(&b->reasons, "manifest_invalid",
		    "manifest_unreadable", "manifest.json", NULL, NULL);
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	n = buf ? read_full(fd, buf, (size_t)st.st_size) : 0;
	close(fd);
	*len = n > 0 ? (size_t)n : 0;
	return buf;
}

static void
load_manifest(struct bundle *b)
{
	struct manifest_limits ml = {
		.max_bytes = (size_t)b->conf->limits.max_manifest_bytes,
		.max_depth = (size_t)b->conf->limits.max_manifest_depth,
		.max_documents = (size_t)b->conf->limits.max_files,
	};
	const char *dir_id = b->id;
	unsigned char *buf;
	size_t len = 0;

	/* qujat check runs in the folder's parent, on its name: the same
	 * rule as in the spool */
	if (!manifest_id_valid(b->id))
		reasons_add(&b->reasons, "manifest_invalid", NULL, NULL, NULL,
		    "application_id");
	if (!(buf = read_manifest(b, &len)))
		return;
	b->have_manifest = true;
	if (manifest_parse(buf, len, dir_id, &ml, b->conf->cat, &b->m,
		&b->reasons) < 0) {
		manifest_release(&b->m);
		b->have_manifest = false;
	}
	free(buf);
}

static const struct document *
find_doc(const struct bundle *b, const char *name)
{
	for (size_t i = 0; b->have_manifest && i < b->m.ndocs; i++)
		if (strcmp(b->m.docs[i].file, name) == 0)
			return &b->m.docs[i];
	return NULL;
}

/* In a spool, the folder is the daemon's copy: its dot names are the
 * daemon's own (the take left the producer's out, in TAKE_LIST). */
static bool
skip_entry(const struct bundle *b, const char *name)
{
	if (!strcmp(name, ".") || !strcmp(name, "..") ||
	    !strcmp(name, "manifest.json"))
		return true;
	return b->origin != FROM_FOLDER && name[0] == '.';
}

int
bfile_open(struct bfile *f, bool in)
{
	struct bundle *b = f->b;
	struct stat st;

	if (in && f->in_fd < 0) {
		f->in_fd = openat(b->dirfd, f->doc->file, OPEN_RO);
		if (f->in_fd < 0)
			return fail(b, -errno, "cannot open an input");
		if (fstat(f->in_fd, &st) < 0 || !S_ISREG(st.st_mode))
			return fail(b, -EIO, "an input changed in active/");
		fcntl(f->in_fd, F_SETFL, O_RDONLY);
	}
	if (f->out_fd < 0 && f->tmpname[0]) {
		f->out_fd = openat(b->workfd, f->tmpname,
		    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
		if (f->out_fd < 0)
			return fail(b, -errno, "cannot create an output");
	}
	return 0;
}

void
bfile_close(struct bfile *f)
{
	if (!f->b->sp)
		return; /* qujat check and compress hold theirs */
	if (f->in_fd >= 0)
		close(f->in_fd);
	if (f->out_fd >= 0)
		close(f->out_fd);
	f->in_fd = f->out_fd = -1;
}

/* Opens one listed, regular, singly-linked file for its worker. */
static int
open_file(struct bundle *b, const struct document *d, const struct stat *st0)
{
	const struct limits *lim = &b->conf->limits;
	struct bfile *f = &b->files[b->nfiles];
	struct stat st;
	char lim_s[32];

	if (st0->st_size > lim->max_file_bytes) {
		snprintf(lim_s, sizeof(lim_s), "%lld",
		    (long long)lim->max_file_bytes);
		return reasons_add(&b->reasons, "limit_exceeded",
		    "limit_file_bytes", d->file, d->type, lim_s);
	}
	memset(f, 0, sizeof(*f));
	f->b = b;
	f->doc = d;
	f->out_fd = -1;
	f->in_fd = openat(b->dirfd, d->file, OPEN_RO);
	if (f->in_fd < 0 || fstat(f->in_fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_ino != st0->st_ino || st.st_nlink != 1) {
		if (f->in_fd >= 0)
			close(f->in_fd);
		return reasons_add(&b->reasons, "file_not_regular", NULL,
		    d->file, d->type, NULL);
	}
	fcntl(f->in_fd, F_SETFL, O_RDONLY); /* a regular file: blocking */
	f->size = st.st_size;
	b->nfiles++;
	b->bytes_in += st.st_size;
	if (b->sp) { /* opened again when its worker runs */
		close(f->in_fd);
		f->in_fd = -1;
		snprintf(f->tmpname, sizeof(f->tmpname), ".f%zu", b->nfiles);
		return 0;
	}
	if (b->workfd < 0) { /* qujat check: outputs are thrown away */
		const char *tmp = getenv("TMPDIR");
		f->out_fd = open(tmp && *tmp ? tmp : "/tmp",
		    O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		return f->out_fd < 0 ? fail(b, -errno,
					   "cannot create a "
					   "temporary file") :
				       0;
	}
	snprintf(f->tmpname, sizeof(f->tmpname), ".f%zu", b->nfiles);
	f->out_fd = openat(b->workfd, f->tmpname,
	    O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	return f->out_fd < 0 ? fail(b, -errno, "cannot create output") : 0;
}

/* A reason about a folder entry. Its name may be any bytes but goes into
 * JSON and into sentences in three languages: each byte of an invalid
 * UTF-8 sequence is shown as U+FFFD, the rest as it is (libunistring's
 * u8_mbtoucr says what is valid: no overlong form, no surrogate, nothing
 * past U+10FFFF). */
static int
entry_reason(struct bundle *b, const char *code, const char *name,
    const char *type)
{
	const uint8_t *u = (const uint8_t *)name;
	size_t n = strlen(name), o = 0, i;
	char *s = malloc(3 * n + 1);
	ucs4_t uc;
	int r, k;

	if (s == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i += (size_t)k) {
		if ((k = u8_mbtoucr(&uc, u + i, n - i)) <= 0) {
			memcpy(s + o, "\xef\xbf\xbd", 3);
			o += 3;
			k = 1;
		} else {
			memcpy(s + o, name + i, (size_t)k);
			o += (size_t)k;
		}
	}
	s[o] = '\0';
	r = reasons_add(&b->reasons, code, NULL, s, type, NULL);
	free(s);
	return r;
}

/* The manifest lists more files than allowed: manifest.c does not examine
 * its entries past twice the limit, so a file without an entry may well
 * have one; the refusal already says there are too many. */
static bool
over_file_limit(const struct bundle *b)
{
	for (size_t i = 0; i < b->reasons.n; i++)
		if (b->reasons.v[i].msg_key &&
		    strcmp(b->reasons.v[i].msg_key, "limit_files") == 0)
			return true;
	return false;
}

static int
examine_entry(struct bundle *b, const char *name, bool *seen)
{
	const struct document *d = find_doc(b, name);
	struct stat st;

	if (fstatat(b->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0; /* vanished: file_missing will say it */
	if (d)		  /* it arrived: one reason, not also file_missing */
		seen[d - b->m.docs] = true;
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1)
		return entry_reason(b, "file_not_regular", name,
		    d ? d->type : NULL);
	if (!d)
		return b->have_manifest && !over_file_limit(b) ?
		    entry_reason(b, "file_unlisted", name, NULL) :
		    0;
	return open_file(b, d, &st);
}

struct taken {
	struct bundle *b;
	bool *seen;
};

/* A TAKE_LIST record: an entry the take left out of the copy. */
static void
taken_entry(void *arg, int kind, const char *name)
{
	struct taken *t = arg;
	const struct document *d = find_doc(t->b, name);

	if (kind == 'i' || !strcmp(name, "manifest.json"))
		return; /* the manifest's own fault is manifest_invalid */
	if (d)
		t->seen[d - t->b->m.docs] = true;
	if (kind == TAKE_UNLISTED && d) /* listed under a reserved name */
		reasons_add(&t->b->reasons, "manifest_invalid", NULL, name,
		    d->type, "documents");
	else
		entry_reason(t->b,
		    kind == TAKE_UNLISTED ? "file_unlisted" :
					    "file_not_regular",
		    name, d ? d->type : NULL);
}

static int
list_files(struct bundle *b)
{
	size_t max = (size_t)b->conf->limits.max_files, n = 0;
	bool *seen = calloc(b->have_manifest ? b->m.ndocs + 1 : 1, 1);
	struct dirent *de;
	DIR *dir;
	int fd = dup(b->dirfd), r = 0;

	if (!seen || fd < 0 || !(dir = fdopendir(fd))) {
		free(seen);
		if (fd >= 0)
			close(fd);
		return fail(b, -errno, "cannot list the bundle");
	}
	b->files = calloc(max + 1, sizeof(*b->files));
	while (r == 0 && b->files && (de = readdir(dir)) != NULL) {
		if (skip_entry(b, de->d_name))
			continue;
		if (++n > max) {
			char lim_s[32];
			snprintf(lim_s, sizeof(lim_s), "%zu", max);
			reasons_add(&b->reasons, "limit_exceeded",
			    "limit_files", NULL, NULL, lim_s);
			break;
		}
		r = examine_entry(b, de->d_name, seen);
	}
	closedir(dir);
	if (r == 0 && b->origin != FROM_FOLDER) {
		struct taken t = { b, seen };
		if (take_list_each(b->dirfd, taken_entry, &t) < 0)
			r = fail(b, -EIO, "cannot read the take list");
	}
	for (size_t i = 0;
	     r == 0 && n <= max && b->have_manifest && i < b->m.ndocs; i++)
		if (!seen[i])
			reasons_add(&b->reasons, "file_missing", NULL,
			    b->m.docs[i].file, b->m.docs[i].type, NULL);
	free(seen);
	if (!b->files)
		return fail(b, -ENOMEM, "cannot list the bundle");
	return r < 0 ? r : 0;
}

/* Opens the bundle's folder; in a spool, (re)creates the work folder. */
static int
open_folder(struct bundle *b)
{
	int base = b->origin == FROM_FOLDER ? AT_FDCWD : b->sp->dfd[SP_ACTIVE];
	int r;

	b->dirfd = openat(base, b->id,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (b->dirfd < 0)
		return errno == ENOENT ?
		    -ENOENT :
		    fail(b, -errno, "cannot open the bundle");
	if (b->origin == FROM_FOLDER)
		return 0;
	if ((r = take_check_own(b->sp, b->id, b->dirfd)) < 0)
		return fail(b, r,
		    r == -EPERM ? "not a copy qujatd made" :
				  "cannot check the copy");
	/* the copy is the daemon's: a refusal.json in it is a crash's */
	unlinkat(b->dirfd, "refusal.json", 0);
	remove_flat_dir(b->dirfd, BUNDLE_WORKDIR);
	if (mkdirat(b->dirfd, BUNDLE_WORKDIR, 0700) < 0)
		return fail(b, -errno, "cannot create the work folder");
	b->workfd = openat(b->dirfd, BUNDLE_WORKDIR,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return b->workfd < 0 ? fail(b, -errno, "cannot open the work folder") :
			       0;
}

int
bundle_prepare(struct bundle *b)
{
	int r;

	if (b->origin == FROM_INCOMING) {
		const struct limits *l = &b->conf->limits;
		uint64_t t0 = uv_hrtime();
		r = take_bundle(b->sp, b->id, l->max_files, &b->take_bytes,
		    b->errmsg, sizeof(b->errmsg));
		b->take_us = (uv_hrtime() - t0) / 1000;
		if (r < 0)
			return b->error = r;
	}
	if ((r = open_folder(b)) < 0)
		return b->error = r;
	load_manifest(b);
	return list_files(b);
}

/* One operator-given file for `qujat compress`. */
static int
open_given(struct bundle *b, const char *path, size_t i)
{
	struct bfile *f = &b->files[b->nfiles];
	struct stat st;

	memset(f, 0, sizeof(*f));
	f->b = b;
	f->doc = &b->m.docs[i];
	f->out_fd = -1;
	f->in_fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (f->in_fd < 0 || fstat(f->in_fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(b->errmsg, sizeof(b->errmsg), "cannot read '%s': %s",
		    path,
		    f->in_fd < 0 ? strerror(errno) : "not a regular file");
		if (f->in_fd >= 0)
			close(f->in_fd);
		return b->error = -EINVAL;
	}
	f->size = st.st_size;
	b->nfiles++;
	b->bytes_in += st.st_size;
	snprintf(f->tmpname, sizeof(f->tmpname), ".q%u.tmp", (unsigned)i);
	f->out_fd = openat(b->workfd, f->tmpname,
	    O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	return f->out_fd < 0 ? fail(b, -errno, "cannot create output") : 0;
}

int
bundle_prepare_files(struct bundle *b, char *const *paths, size_t n, int outdir,
    bool photo)
{
	int r = 0;

	b->own_docs = true;
	b->m.docs = calloc(n + 1, sizeof(*b->m.docs));
	b->files = calloc(n + 1, sizeof(*b->files));
	if ((b->workfd = dup(outdir)) < 0 || !b->m.docs || !b->files)
		return fail(b, -ENOMEM, "cannot start");
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *slash = strrchr(paths[i], '/');
		struct document *d = &b->m.docs[b->m.ndocs++];
		d->file = strdup(slash ? slash + 1 : paths[i]);
		d->type = photo ? "photo_3x4" : "document";
		d->bytes = -1;
		r = d->file ? open_given(b, paths[i], i) : -ENOMEM;
	}
	return r;
}
