/*
 * cli.h: the subcommands of qujat(1). Each returns the process exit code:
 * 0 success (check: accepted), 1 a refusal (check) or failure, 2 usage.
 */
#ifndef QUJAT_CLI_H
#define QUJAT_CLI_H

struct cli_opts {
	char *conf, *conf_owned;
	const char *spool;
	const char *lang;
	int json;
	int photo;		 /* compress: the files are photos */
	const char *photo_pages; /* compress: "flatten", "keep", NULL:
				  * the conf's photo_pages */
	const char *outdir;	 /* compress: -o DIR */
	long long budget;	 /* compress: --budget, 0 = the conf's */
	char **args;
	int nargs;
};

struct spool;
struct qerr;

/* A size from the command line: bytes ("5000000") or a number with a unit
 * ("5MB", "4.5MiB", "800kB"; k M G are powers of 1000, Ki Mi Gi of 1024).
 * 0 and *out > 0, -EINVAL when it is not a size, -ERANGE when it is not
 * above zero. */
int cli_parse_size(const char *s, long long *out);

/* Opens the spool at root only when qujatd has made it (every folder is
 * there): a command never creates a spool. 0, or -errno with err saying
 * which folder is missing and what to check (conf names the
 * configuration). */
int cli_spool_open(struct spool *sp, const char *root, const char *conf,
    struct qerr *err);

int cli_submit(const struct cli_opts *o);
int cli_check(const struct cli_opts *o);
int cli_status(const struct cli_opts *o);
int cli_compress(const struct cli_opts *o);
int cli_release(const struct cli_opts *o);

#endif
