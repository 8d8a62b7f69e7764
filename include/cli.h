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
	int photo;			/* compress: the files are photos */
	const char *photo_pages;	/* compress: "flatten", "keep", NULL:
					 * the conf's photo_pages */
	const char *outdir;		/* compress: -o DIR */
	long long budget;		/* compress: --budget, 0 = the conf's */
	char **args;
	int nargs;
};

int cli_submit(const struct cli_opts *o);
int cli_check(const struct cli_opts *o);
int cli_status(const struct cli_opts *o);
int cli_compress(const struct cli_opts *o);

#endif
