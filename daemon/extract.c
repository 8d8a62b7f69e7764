/*
 * extract.c: with --menu a worker writes keep and then every variant into
 * its output file; once the plan has chosen, the chosen bytes are moved to
 * the front and the rest cut off. SECURITY: the worker's offsets are
 * untrusted: they are checked against the file, and the bytes are copied
 * and hashed, never parsed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "digest.h"

static const char *
type_of(const char *ext)
{
	if (!strcmp(ext, "jpg"))
		return "image/jpeg";
	if (!strcmp(ext, "png"))
		return "image/png";
	if (!strcmp(ext, "pdf"))
		return "application/pdf";
	return "image/tiff";
}

/* A person's words for a variant id: "jpeg q70 200dpi gray"; an id
 * ending in 'f' is of a photographed page's sheet (filters/pages.c). */
static void
describe(char *out, size_t cap, const char *id, const char *ext)
{
	const char *fmt = strcmp(ext, "pdf") ? "jpeg" : "pdf jpeg";
	size_t n = strlen(id);
	int dpi, q;
	char c;

	if (sscanf(id, "d%dq%d%c", &dpi, &q, &c) == 3)
		snprintf(out, cap, "%s%s q%d %ddpi %s",
		    n && id[n - 1] == 'f' ?
			"page found, flattened, background evened, " :
			"",
		    fmt, q, dpi, c == 'g' ? "gray" : "color");
	else if (sscanf(id, "p%dq%d", &dpi, &q) == 2)
		snprintf(out, cap, "jpeg q%d %dpx photo", q, dpi);
	else if (!strcmp(id, "lossless"))
		snprintf(out, cap, "%s lossless rewrite",
		    strcmp(ext, "jpg") ? ext : "jpeg");
	else
		snprintf(out, cap, "variant %s", id);
}

static int
move_front(int fd, int64_t off, int64_t len)
{
	struct stat st;
	unsigned char *buf;
	int r = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (off < 0 || len <= 0 || off > st.st_size || len > st.st_size - off)
		return -EIO;
	if (!(buf = malloc((size_t)len)))
		return -ENOMEM;
	if (pread(fd, buf, (size_t)len, off) != len ||
	    pwrite(fd, buf, (size_t)len, 0) != len || ftruncate(fd, len) < 0)
		r = errno ? -errno : -EIO;
	free(buf);
	return r;
}

/* The size and sha256 of what fd holds, read from the disk. */
static int
measure_fd(int fd, int64_t *bytes, char hex[SHA256_HEX])
{
	struct sha256_ctx ctx;
	unsigned char buf[65536];
	int64_t off = 0;
	ssize_t n;

	sha256_init(&ctx);
	while ((n = pread(fd, buf, sizeof(buf), off)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		sha256_update(&ctx, (size_t)n, buf);
		off += n;
	}
	sha256_hex_final(&ctx, hex);
	*bytes = off;
	return 0;
}

int
bfile_measure(struct bfile *f)
{
	struct filter_report *r = &f->job.report;
	int64_t n;
	int rc;

	if ((rc = bfile_open(f, f->doc->sha256 != NULL)) < 0)
		return rc;
	if (f->out_fd >= 0 &&
	    (rc = measure_fd(f->out_fd, &r->bytes_out, r->sha256_out)) < 0)
		return rc;
	if (f->doc->sha256 && (rc = measure_fd(f->in_fd, &n, f->sha_in)) < 0)
		return rc;
	return 0;
}

int
bfile_extract(struct bfile *f)
{
	struct filter_report *r = &f->job.report;
	const struct report_variant *v = f->extract;
	int rc;

	if (f->state != CHOSEN)
		return 0; /* not published */
	if (!v)		  /* keep before a menu, or a --variant pass's alone */
		return !f->variant && r->nvariants > 1 &&
			ftruncate(f->out_fd, r->bytes_out) < 0 ?
		    -errno :
		    0;
	/* bytes_out and sha256_out: bfile_measure, from the disk */
	if ((rc = move_front(f->out_fd, v->offset, v->bytes)) < 0)
		return rc;
	snprintf(r->out_ext, sizeof(r->out_ext), "%s", v->ext);
	snprintf(r->out_type, sizeof(r->out_type), "%s", type_of(v->ext));
	describe(r->transform, sizeof(r->transform), v->id, v->ext);
	f->extract = NULL;
	return 0;
}
