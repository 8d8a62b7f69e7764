/*
 * publish.c: making a decision visible, atomically and durably. Results
 * are built in the bundle's work folder, fsync'd, and published with one
 * rename; a crash at any point leaves either the old state or the new.
 *   accept: active/<id> -> originals/<id>, then
 *           originals/<id>/.qujat-out -> outbox/<id>
 *   reject: refusal.json into the bundle, active/<id> -> rejected/<id>
 * On start, bundle_resume_published() completes an interrupted accept.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "fdio.h"
#include "log.h"
#include "spool.h"
#include "take.h"

/* Writes json to dirfd/name, fsync'd. */
static int
write_json(int dirfd, const char *name, json_t *json)
{
	char *text = json_dumps(json, JSON_INDENT(2));
	int fd, r;

	if (!text)
		return -ENOMEM;
	fd = openat(dirfd, name,
	    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0) {
		free(text);
		return -errno;
	}
	r = write_all(fd, text, strlen(text));
	if (r == 0)
		r = write_all(fd, "\n", 1);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	free(text);
	return r;
}

static int
name_outputs(struct bundle *b)
{
	for (size_t i = 0; i < b->nfiles; i++) {
		struct bfile *f = &b->files[i];
		int r = bfile_open(f, false);
		if (r == 0 && fsync(f->out_fd) < 0)
			r = -errno;
		bfile_close(f);
		if (r < 0)
			return r;
		if (renameat(b->workfd, f->tmpname, b->workfd, f->out_name) < 0)
			return -errno;
	}
	return 0;
}

static int
publish_accept(struct bundle *b)
{
	json_t *man = bundle_outbox_manifest(b), *rep = bundle_report_json(b);
	int r;

	r = name_outputs(b);
	if (r == 0)
		r = write_json(b->workfd, "manifest.json", man);
	if (r == 0)
		r = write_json(b->workfd, "report.json", rep);
	json_decref(man);
	json_decref(rep);
	/* the consumer's group reads it and may rename it out */
	if (r == 0)
		r = spool_give(b->sp, SP_OUTBOX, b->workfd, 0770, 0640);
	if (r == 0)
		r = fsync_dir(b->workfd);
	if (r == 0)
		r = spool_move_replace(b->sp, SP_ACTIVE, b->id, SP_ORIGINALS);
	if (r < 0)
		return r;
	/* From here the bundle is decided; a crash is finished on start. */
	unlinkat(b->dirfd, TAKE_LIST, 0);
	r = rename_durable_aside(b->dirfd, BUNDLE_WORKDIR,
	    b->sp->dfd[SP_OUTBOX], b->id);
	return r == 0 ? fsync_dir(b->dirfd) : r;
}

static int
publish_reject(struct bundle *b)
{
	json_t *ref = bundle_refusal_json(b);
	int r;

	for (size_t i = 0; i < b->nfiles; i++) {
		if (b->files[i].tmpname[0])
			unlinkat(b->workfd, b->files[i].tmpname, 0);
	}
	r = write_json(b->workfd, "refusal.json", ref);
	json_decref(ref);
	if (r == 0 &&
	    renameat(b->workfd, "refusal.json", b->dirfd, "refusal.json") < 0)
		r = -errno;
	if (r == 0 && unlinkat(b->dirfd, BUNDLE_WORKDIR, AT_REMOVEDIR) < 0)
		r = -errno;
	/* the producer's group reads the refusal and the originals */
	if (r == 0)
		r = spool_give(b->sp, SP_REJECTED, b->dirfd, 0750, 0640);
	if (r == 0)
		r = fsync_dir(b->dirfd);
	if (r == 0)
		r = spool_move_replace(b->sp, SP_ACTIVE, b->id, SP_REJECTED);
	if (r == 0) /* the daemon's record, no longer needed */
		unlinkat(b->dirfd, TAKE_LIST, 0);
	return r;
}

int
bundle_publish(struct bundle *b)
{
	int r;

	if (b->decision == DECIDE_ACCEPT)
		r = publish_accept(b);
	else if (b->decision == DECIDE_REJECT)
		r = publish_reject(b);
	else
		return 0;
	if (r < 0)
		snprintf(b->errmsg, sizeof(b->errmsg), "cannot publish: %s",
		    strerror(-r));
	return r;
}

int
bundle_resume_published(struct spool *sp)
{
	DIR *dir;
	struct dirent *de;
	int n = 0;

	if ((dir = dir_list(sp->dfd[SP_ORIGINALS])) == NULL)
		return -errno;
	while ((de = readdir(dir)) != NULL) {
		int bfd;
		if (de->d_name[0] == '.')
			continue;
		bfd = openat(sp->dfd[SP_ORIGINALS], de->d_name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (bfd < 0)
			continue;
		if (faccessat(bfd, BUNDLE_WORKDIR, F_OK, AT_SYMLINK_NOFOLLOW) ==
			0 &&
		    rename_durable_aside(bfd, BUNDLE_WORKDIR,
			sp->dfd[SP_OUTBOX], de->d_name) == 0) {
			log_msg(LOG_NOTICE, de->d_name,
			    "publication finished "
			    "after a restart");
			n++;
		}
		close(bfd);
	}
	closedir(dir);
	return n;
}
