/*
 * qujat.c: the operator's and integrator's tool.
 *   qujat submit DIR [--spool DIR]   the reference producer
 *   qujat check DIR [--json]         what qujatd would decide, and why
 *   qujat status [--spool DIR]       bundles per folder, oldest age
 *   qujat compress FILE... -o DIR    the engine, one shot
 *   qujat release ID [--spool DIR]   release an application's hold
 * All take -c FILE for the configuration and -h for their own help.
 * Options are the operator's; nothing here reads an upload.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buildconf.h"
#include "cli.h"
#include "daemon.h"

struct subcmd {
	const char *name;
	const char *opts; /* the short options it takes */
	int (*run)(const struct cli_opts *);
	const char *help;
};

#define CONF_HELP \
	"  -c, --config FILE  the configuration (default: $QUJAT_CONF, else\n" \
	"                     " SYSCONFDIR "/qujat.conf)\n" \
	"  -h, --help         this text\n"

static const struct subcmd subcmds[] = {
	{ "submit", "cs", cli_submit,
	    "usage: qujat submit DIR [--spool DIR] [-c FILE]\n"
	    "Puts the bundle DIR (its files and manifest.json) into the spool's\n"
	    "incoming/ as the portal does: a copy under a dot name, bytes and\n"
	    "sha256 filled in, fsync, one rename.\n"
	    "  -s, --spool DIR    the spool (default: the configuration's); it\n"
	    "                     must exist: only qujatd makes a spool\n" CONF_HELP },
	{ "check", "cjl", cli_check,
	    "usage: qujat check DIR [--json] [--lang kk|ru|en] [-c FILE]\n"
	    "What qujatd would decide on the bundle DIR, and why; writes nothing.\n"
	    "DIR must be named by its application id, as in the spool.\n"
	    "  -j, --json         the refusal.json or report.json qujatd writes\n"
	    "  -l, --lang LANG    the language of the reasons: kk, ru or en\n"
	    "                     (default en)\n" CONF_HELP },
	{ "status", "cs", cli_status,
	    "usage: qujat status [--spool DIR] [-c FILE]\n"
	    "Bundles per spool folder and the age of the oldest, then the\n"
	    "daemon's counters from its metrics file.\n"
	    "  -s, --spool DIR    the spool (default: the configuration's)\n" CONF_HELP },
	{ "compress", "cobpjP", cli_compress,
	    "usage: qujat compress FILE... -o DIR [--budget SIZE] [--photo] "
	    "[--json] [-c FILE]\n"
	    "The files as one bundle through the engine, under the budget.\n"
	    "  -o, --output DIR   where the results go (made if missing)\n"
	    "  -b, --budget SIZE  the budget: bytes (5000000) or with a unit\n"
	    "                     (5MB, 4.5MiB, 800kB; k, M, G are powers of\n"
	    "                     1000, Ki, Mi, Gi of 1024); default: the\n"
	    "                     configuration's max_bundle_bytes\n"
	    "  -p, --photo        the files are photos of the child\n"
	    "  -P, --photo-pages flatten|keep\n"
	    "                     phone photos of pages squared and evened, or\n"
	    "                     left as the frame (default: the\n"
	    "                     configuration's photo_pages)\n"
	    "  -j, --json         the report as JSON\n" CONF_HELP },
	{ "release", "cs", cli_release,
	    "usage: qujat release APPLICATION_ID [--spool DIR] [-c FILE]\n"
	    "Releases the application's hold on the child's place, as the case\n"
	    "system's decision does; the outcome is recorded as \"released\".\n"
	    "Needs the site key: run it as the daemon's user or root.\n"
	    "  -s, --spool DIR    the spool (default: the configuration's)\n" CONF_HELP },
};
#define NSUBCMDS (sizeof(subcmds) / sizeof(subcmds[0]))

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: qujat submit DIR [--spool DIR] [-c FILE]\n"
	    "       qujat check DIR [--json] [--lang kk|ru|en] [-c FILE]\n"
	    "       qujat status [--spool DIR] [-c FILE]\n"
	    "       qujat compress FILE... -o DIR [--budget SIZE] [--photo] "
	    "[--photo-pages flatten|keep] [--json] [-c FILE]\n"
	    "       qujat release APPLICATION_ID [--spool DIR] [-c FILE]\n"
	    "       qujat COMMAND --help | qujat --version\n");
}

int
cli_parse_size(const char *s, long long *out)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = {
		{ "", 1 },
		{ "B", 1 },
		{ "k", 1e3 },
		{ "kB", 1e3 },
		{ "K", 1e3 },
		{ "KB", 1e3 },
		{ "M", 1e6 },
		{ "MB", 1e6 },
		{ "G", 1e9 },
		{ "GB", 1e9 },
		{ "Ki", 1024.0 },
		{ "KiB", 1024.0 },
		{ "Mi", 1048576.0 },
		{ "MiB", 1048576.0 },
		{ "Gi", 1073741824.0 },
		{ "GiB", 1073741824.0 },
	};
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || !isfinite(v) || *s == ' ')
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		v = v * units[i].mult;
		if (v < 1 || v > 9.0e18)
			return -ERANGE;
		*out = (long long)v;
		return 0;
	}
	return -EINVAL;
}

static const struct subcmd *
find_subcmd(const char *name)
{
	for (size_t i = 0; i < NSUBCMDS; i++)
		if (strcmp(subcmds[i].name, name) == 0)
			return &subcmds[i];
	return NULL;
}

/* The option c, given by its long name, is not one of cmd's. */
static int
foreign_option(const struct subcmd *cmd, const struct option *opts, int c)
{
	while (opts->name != NULL && opts->val != c)
		opts++;
	fprintf(stderr, "qujat %s: --%s is not an option of this command\n%s",
	    cmd->name, opts->name ? opts->name : "?", cmd->help);
	return 2;
}

static const char *const lang_words[] = { "kk", "ru", "en", NULL };
static const char *const photo_pages_words[] = { "flatten", "keep", NULL };

/* Whether optarg is one of words; else says so, with why. */
static bool
one_of(const struct subcmd *cmd, const char *opt, const char *const *words,
    const char *why)
{
	for (; *words; words++)
		if (strcmp(optarg, *words) == 0)
			return true;
	fprintf(stderr, "qujat %s: --%s '%s': %s\n", cmd->name, opt, optarg,
	    why);
	return false;
}

static int
set_option(struct cli_opts *o, const struct subcmd *cmd, int c)
{
	switch (c) {
	case 'c':
		o->conf = optarg;
		break;
	case 's':
		o->spool = optarg;
		break;
	case 'j':
		o->json = 1;
		break;
	case 'o':
		o->outdir = optarg;
		break;
	case 'p':
		o->photo = 1;
		break;
	case 'P':
		if (!one_of(cmd, "photo-pages", photo_pages_words,
			"flatten or "
			"keep"))
			return 2;
		o->photo_pages = optarg;
		break;
	case 'l':
		if (!one_of(cmd, "lang", lang_words,
			"the reasons are in kk, ru "
			"and en only"))
			return 2;
		o->lang = optarg;
		break;
	case 'b':
		if (cli_parse_size(optarg, &o->budget) < 0) {
			fprintf(stderr,
			    "qujat %s: --budget '%s': not a size above "
			    "zero (bytes, or a number with kB, MB, GB, KiB, MiB or "
			    "GiB)\n",
			    cmd->name, optarg);
			return 2;
		}
		break;
	default:
		fprintf(stderr, "%s", cmd->help);
		return 2;
	}
	return 0;
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
	const struct subcmd *cmd;
	int c, rc;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("qujat %s\n", VERSION);
		return 0;
	}
	if ((cmd = find_subcmd(argv[1])) == NULL) {
		fprintf(stderr, "qujat: '%s' is not a command\n", argv[1]);
		usage(stderr);
		return 2;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "c:s:jl:ho:b:pP:", opts, NULL)) !=
	    -1) {
		if (c == 'h') {
			fputs(cmd->help, stdout);
			return 0;
		}
		if (c != '?' && strchr(cmd->opts, c) == NULL)
			return foreign_option(cmd, opts, c);
		if ((rc = set_option(&o, cmd, c)) != 0)
			return rc;
	}
	o.args = argv + optind;
	o.nargs = argc - optind;
	if (!o.conf)
		o.conf = o.conf_owned = default_conf_path();
	rc = cmd->run(&o);
	free(o.conf_owned);
	return rc;
}
