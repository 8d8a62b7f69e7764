/*
 * qujatd.c: the daemon's entry point: options, configuration check (-t),
 * then the event loop of server.c.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buildconf.h"
#include "conf.h"
#include "daemon.h"
#include "log.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: qujatd [-t] [-c FILE] [--spool DIR]\n"
	    "  -c, --config FILE  configuration (default: %s/qujat.conf)\n"
	    "  -s, --spool DIR    spool root, overriding the configuration;\n"
	    "                     the state folder follows it\n"
	    "  -t, --test         check the configuration (and that the worker,\n"
	    "                     TLS files and metrics folder it names exist)\n"
	    "                     and exit\n"
	    "  -V, --version      the version\n"
	    "  -h, --help         this text\n",
	    SYSCONFDIR);
}

static int
test_config(const char *path, const char *spool)
{
	struct conf *c = NULL;
	struct qerr err = { 0 };

	if (conf_load(path, spool, &c, &err) < 0 ||
	    conf_check_files(c, &err) < 0) {
		fprintf(stderr, "qujatd: %s\n", err.msg);
		conf_unref(c);
		return 1;
	}
	printf("qujatd: configuration '%s' is valid (spool '%s', %d workers, "
	       "budget %lld bytes)\n",
	    path, c->spool, conf_workers(c), (long long)c->max_bundle_bytes);
	conf_unref(c);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "spool", required_argument, NULL, 's' },
		{ "test", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon d;
	struct qerr err = { 0 };
	char *conf = NULL;
	const char *spool = NULL;
	int c, test = 0, rc;

	while ((c = getopt_long(argc, argv, "c:s:thV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			free(conf);
			conf = strdup(optarg);
			break;
		case 's':
			spool = optarg;
			break;
		case 't':
			test = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("qujatd %s\n", VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!conf)
		conf = default_conf_path();
	if (test) {
		rc = test_config(conf, spool);
		free(conf);
		return rc;
	}
	signal(SIGPIPE, SIG_IGN);
	daemon_stop_signals(SIG_BLOCK); /* until the loop takes them */
	if (daemon_init(&d, conf, spool, &err) < 0) {
		log_msg(LOG_CRIT, NULL, "%s", err.msg);
		daemon_release(&d);
		free(conf);
		return 1;
	}
	rc = daemon_run(&d);
	daemon_release(&d);
	free(conf);
	return rc;
}
