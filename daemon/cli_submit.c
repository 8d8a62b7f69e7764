/*
 * cli_submit.c: `qujat submit DIR`, the reference producer of the spool
 * contract: copy every file under a dot name in incoming/, fill in each
 * document's bytes and sha256, fsync, then one rename to incoming/<id>.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "conf.h"
#include "digest.h"
#include "fdio.h"
#include "manifest.h"
#include "spool.h"

/* The group of incoming/ (a setgid folder gives it anyway) and a mode
 * the umask cannot narrow: the daemon, a member, reads the bundle and
 * removes it once taken, whoever runs `qujat submit` (root too). */
static gid_t submit_gid = (gid_t)-1;

static void
give_group(int fd, unsigned mode)
{
	if (submit_gid != (gid_t)-1 && fchown(fd, (uid_t)-1, submit_gid) < 0)
		return; /* not a member: the setgid folder did it, or not */
	fchmod(fd, mode);
}

/* Copies src/name to dst/name (fsync'd); fills *bytes and hex. */
static int
copy_file(int src, int dst, const char *name, long long *bytes,
    char hex[SHA256_HEX])
{
	struct sha256_ctx ctx;
	uint8_t buf[65536];
	int in, out, r = 0;
	ssize_t n = 0;

	in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (out < 0) {
		close(in);
		return -errno;
	}
	give_group(out, 0640);
	sha256_init(&ctx);
	*bytes = 0;
	while (r == 0 && (n = read_full(in, buf, sizeof(buf))) > 0) {
		sha256_update(&ctx, (size_t)n, buf);
		*bytes += n;
		r = write_all(out, buf, (size_t)n);
	}
	if (r == 0 && n < 0)
		r = (int)n;
	if (r == 0 && fsync(out) < 0)
		r = -errno;
	close(in);
	close(out);
	sha256_hex_final(&ctx, hex);
	return r;
}

/* Copies every regular file of DIR but the manifest; fills in the
 * manifest's bytes and sha256 for the documents it lists. */
static int
copy_files(const char *dir, int src, int dst, json_t *docs)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int r = 0;

	if (!d)
		return -errno;
	while (r == 0 && (de = readdir(d)) != NULL) {
		struct stat st;
		long long bytes;
		char hex[SHA256_HEX];
		size_t i;
		json_t *e;
		if (de->d_name[0] == '.' ||
		    !strcmp(de->d_name, "manifest.json"))
			continue;
		if (fstatat(src, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode)) {
			fprintf(stderr,
			    "qujat: skipping '%s/%s': not a regular "
			    "file\n",
			    dir, de->d_name);
			continue;
		}
		if ((r = copy_file(src, dst, de->d_name, &bytes, hex)) < 0) {
			fprintf(stderr, "qujat: cannot copy '%s/%s': %s\n", dir,
			    de->d_name, strerror(-r));
			break;
		}
		json_array_foreach(docs, i, e)
		{
			const char *f = json_string_value(
			    json_object_get(e, "file"));
			if (!f || strcmp(f, de->d_name) != 0 ||
			    !json_is_object(e))
				continue;
			json_object_set_new(e, "bytes", json_integer(bytes));
			json_object_set_new(e, "sha256", json_string(hex));
		}
	}
	closedir(d);
	return r;
}

static int
write_manifest(int dst, json_t *root)
{
	char *text = json_dumps(root, JSON_INDENT(2));
	int fd, r = 0;

	fd = openat(dst, "manifest.json",
	    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd >= 0)
		give_group(fd, 0640);
	if (!text || fd < 0)
		r = text ? -errno : -ENOMEM;
	else if ((r = write_all(fd, text, strlen(text))) == 0 && fsync(fd) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	free(text);
	return r;
}

static int
enqueue(struct spool *sp, const char *dir, json_t *root, const char *id)
{
	char tmp[300];
	int src, dst, r;

	snprintf(tmp, sizeof(tmp), ".%s.%d", id, (int)getpid());
	src = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (src < 0)
		return -errno;
	if (sp->dfd[SP_INCOMING] < 0) {
		close(src);
		return -EACCES;
	}
	if (mkdirat(sp->dfd[SP_INCOMING], tmp, 0770) < 0 ||
	    (dst = openat(sp->dfd[SP_INCOMING], tmp,
		 O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		close(src);
		return -errno;
	}
	submit_gid = (gid_t)sp->gid[SP_INCOMING];
	give_group(dst, 0770);
	r = copy_files(dir, src, dst, json_object_get(root, "documents"));
	if (r == 0)
		r = write_manifest(dst, root);
	if (r == 0)
		r = fsync_dir(dst);
	if (r == 0)
		r = spool_move(sp, SP_INCOMING, tmp, SP_INCOMING, id);
	close(src);
	close(dst);
	if (r < 0) /* leave nothing half-made behind */
		remove_flat_dir(sp->dfd[SP_INCOMING], tmp);
	return r;
}

/* The folder's manifest.json, never through a link (the daemon would
 * refuse it, and it could name a file its writer may not read). */
static json_t *
load_manifest(const char *path, json_error_t *jerr)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	json_t *root;

	memset(jerr, 0, sizeof(*jerr));
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(jerr->text, sizeof(jerr->text), "%s",
		    fd < 0 && errno != ELOOP ?
			strerror(errno) :
			"not a regular file "
			"(a symbolic link is not followed)");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	root = json_loadfd(fd, JSON_REJECT_DUPLICATES, jerr);
	close(fd);
	return root;
}

int
cli_submit(const struct cli_opts *o)
{
	struct conf *c = NULL;
	struct qerr err = { 0 };
	struct spool sp;
	json_error_t jerr;
	json_t *root;
	char path[4096];
	const char *id;
	int r;

	if (o->nargs != 1)
		return fprintf(stderr,
			   "usage: qujat submit DIR [--spool DIR]\n"),
		       2;
	snprintf(path, sizeof(path), "%s/manifest.json", o->args[0]);
	if (!(root = load_manifest(path, &jerr))) {
		fprintf(stderr,
		    "qujat: cannot read '%s': %s (line %d); write a "
		    "valid manifest.json first\n",
		    path, jerr.text, jerr.line);
		return 1;
	}
	id = json_string_value(json_object_get(root, "application_id"));
	if (!id || !manifest_id_valid(id)) {
		fprintf(stderr,
		    "qujat: '%s': application_id is missing or not a "
		    "valid id (letters, digits, '.', '_', '-')\n",
		    path);
		json_decref(root);
		return 1;
	}
	if (conf_load(o->conf, o->spool, &c, &err) < 0 ||
	    cli_spool_open(&sp, c->spool, o->conf, &err) < 0) {
		fprintf(stderr, "qujat: %s\n", err.msg);
		json_decref(root);
		conf_unref(c);
		return 1;
	}
	r = enqueue(&sp, o->args[0], root, id);
	if (r == -EEXIST)
		fprintf(stderr,
		    "qujat: '%s' is already waiting in '%s/incoming'\n", id,
		    sp.root);
	else if (r < 0)
		fprintf(stderr, "qujat: cannot submit '%s': %s\n", o->args[0],
		    strerror(-r));
	else
		printf("%s/incoming/%s\n", sp.root, id);
	spool_close(&sp);
	conf_unref(c);
	json_decref(root);
	return r < 0 ? 1 : 0;
}
