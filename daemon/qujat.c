/*
 * qujat.c: the operator's and integrator's tool.
 *   qujat submit DIR [--spool DIR]   the reference producer
 *   qujat check DIR [--json]         what qujatd would decide, and why
 *   qujat status [--spool DIR]       bundles per folder, oldest age
 *   qujat compress FILE... -o DIR    the engine, one shot
 * All take -c FILE for the configuration.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "daemon.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: qujat submit DIR [--spool DIR] [-c FILE]\n"
	    "       qujat check DIR [--json] [--lang kk|ru|en] [-c FILE]\n"
	    "       qujat status [--spool DIR] [-c FILE]\n"
	    "       qujat compress FILE... -o DIR [--budget BYTES] [--photo] "
	    "[--photo-pages flatten|keep] [--json] [-c FILE]\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "spool", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "lang", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ "budget", required_argument, NULL, 'b' },
		{ "photo", no_argument, NULL, 'p' },
		{ "photo-pages", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_opts o = { .lang = "en" };
	const char *cmd;
	int c, rc;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "c:s:jl:ho:b:p", opts, NULL)) != -1) {
		switch (c) {
		case 'c': o.conf = optarg; break;
		case 's': o.spool = optarg; break;
		case 'j': o.json = 1; break;
		case 'l': o.lang = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'o': o.outdir = optarg; break;
		case 'b': o.budget = strtoll(optarg, NULL, 10); break;
		case 'p': o.photo = 1; break;
		case 'P': o.photo_pages = optarg; break;
		default: usage(stderr); return 2;
		}
	}
	o.args = argv + optind;
	o.nargs = argc - optind;
	if (!o.conf)
		o.conf = o.conf_owned = default_conf_path();
	if (!strcmp(cmd, "submit"))
		rc = cli_submit(&o);
	else if (!strcmp(cmd, "check"))
		rc = cli_check(&o);
	else if (!strcmp(cmd, "status"))
		rc = cli_status(&o);
	else if (!strcmp(cmd, "compress"))
		rc = cli_compress(&o);
	else {
		usage(stderr);
		rc = 2;
	}
	free(o.conf_owned);
	return rc;
}
