/*
 * bundle.h: one application's bundle on its way through the daemon:
 * prepare (claim, read the manifest, open every file without following
 * links), run one worker per file, decide (checklist, budget, the
 * one-application rule), publish. The steps marked "blocking" do file
 * I/O and run in libuv's thread pool; the rest run on the loop. `qujat
 * check` runs the same steps on a folder outside any spool, publishing
 * nothing. The trusted side parses only manifest.json and worker reports.
 */
#ifndef QUJAT_BUNDLE_H
#define QUJAT_BUNDLE_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "manifest.h"
#include "reasons.h"
#include "worker.h"

struct conf;
struct spool;
struct store;

/* Where the daemon builds a bundle's results, inside the bundle's folder. */
#define BUNDLE_WORKDIR ".qujat-out"

enum bundle_origin { FROM_INCOMING, FROM_ACTIVE, FROM_FOLDER };
enum bundle_decision {
	DECIDE_NONE,
	DECIDE_ACCEPT,
	DECIDE_REJECT,
	DECIDE_RETRY,
	DECIDE_GONE
};

struct bundle;

/*
 * The dialogue with the worker over one file (run.c), one state at a
 * time, each step one function there:
 *
 *   FILE_NEW --file_ask--> FILE_PROBED   keep only: the bundle fits
 *                      \-> MENU_CUT      keep, the menu cut at the target
 *                       \> MENU_FULL     keep and every variant
 *   FILE_PROBED --file_reask (a target)--> MENU_CUT or MENU_FULL
 *   MENU_CUT    --file_reask (no target)--> MENU_FULL
 *   any of them --file_choose--> CHOSEN  (a --variant pass, when the
 *                                          variant has no offset in out)
 *
 * A file is asked again only when its menu binds the plan (plan_binding),
 * so each file takes one pass in the common case; `tries` counts them.
 */
enum file_state { FILE_NEW, FILE_PROBED, MENU_CUT, MENU_FULL, CHOSEN };

struct bfile {
	struct bundle *b;
	const struct document *doc;
	int in_fd, out_fd;
	int64_t size;	  /* of the input */
	int tries;	  /* worker runs, every pass and retry:
			   * report.json's "tries" */
	int retries;	  /* of the current pass */
	bool processed;	  /* the worker gave a report */
	char tmpname[24]; /* output's name inside the work folder */
	char sha_in[65];  /* the input's, measured by the daemon */
	char *out_name;	  /* published name: extension of the real type */
	struct job job;
	enum file_state state;
	int64_t target;		    /* the pass asks --menu --target this,
				     * 0: --menu alone, -1: no menu */
	struct filter_report first; /* the menu's report, during a
				     * --variant pass */
	const char *variant;	    /* chosen, NULL for keep */
	int rank;		    /* its legibility, 100 for keep */
	const struct report_variant *extract; /* chosen, at its offset in
					       * out (CHOSEN): cut out at
					       * publication */
#define ARGVS 40
#define ARGBUFS 16
	char *argv[ARGVS];
	char argbuf[ARGBUFS][24];
	int nargbuf; /* argbufs used by build_argv */
	char tag[300];
};

struct bundle {
	char *id;	     /* folder name (maybe not a valid id) */
	struct conf *conf;   /* one ref */
	struct spool *sp;    /* NULL for FROM_FOLDER */
	struct store *store; /* NULL: the rule is not checked */
	enum bundle_origin origin;
	int dirfd, workfd;
	bool have_manifest;
	bool own_docs; /* m.docs made by prepare_files */
	struct manifest m;
	struct reasons reasons;
	struct bfile *files;
	size_t nfiles;
	struct pool *pool;     /* where its workers run */
	const char *filter;    /* the worker program */
	int pending;	       /* jobs not yet done */
	bool abandon;	       /* shutting down: leave it in active/ */
	uint64_t t0, deadline; /* uv_hrtime() ms */
	int64_t bytes_in, bytes_out;
	int64_t take_bytes; /* copied into the daemon's own copy */
	uint64_t take_us;   /* and how long that took */
	json_t *warnings;   /* array of {code, document, message} */
	enum bundle_decision decision;
	int error; /* -errno of a failed blocking step */
	char errmsg[256];
	char *holder; /* duplicate_application: who holds it */
	/* for the caller */
	uv_work_t work;
	void (*done)(struct bundle *b);
	void *data;
	struct bundle *next;
};

/* A new bundle for folder name. Takes a ref on conf. */
struct bundle *bundle_new(struct conf *conf, struct spool *sp,
    struct store *store, const char *name, enum bundle_origin origin);
void bundle_free(struct bundle *b);

/* Blocking. FROM_INCOMING: takes incoming/<name> into the daemon's own
 * copy, active/<name> (take.h). Then reads the manifest, lists the folder,
 * checks each listed regular file and (in a spool) creates the work
 * folder. Problems with the bundle become reasons; the return is 0,
 * -ENOENT when the bundle vanished, -EEXIST when the name is at work,
 * -ENOTDIR when it is not a folder, -EPERM for a folder in active/ the
 * daemon did not write, or -errno for a local failure (b->errmsg says
 * what; retry later). */
int bundle_prepare(struct bundle *b);

/* Blocking, for `qujat compress`: a bundle of the files at paths, no
 * manifest, outputs created in outdir as hidden temporary files (each
 * bfile's tmpname). photo: the files are photographs, not pages. */
int bundle_prepare_files(struct bundle *b, char *const *paths, size_t n,
    int outdir, bool photo);

/* Opens f's output, and its input when in (a spool bundle's are open only
 * while its worker runs or the daemon measures them: fifty files hold no
 * fds while they wait). 0 or -errno (b->errmsg says). bfile_close closes
 * a spool bundle's again. */
int bfile_open(struct bfile *f, bool in);
void bfile_close(struct bfile *f);

/* Blocking: the daemon's own measure of f's output (size and sha256,
 * into its report: the worker's word is not taken for them) and, when
 * the manifest gives one, of its input's sha256 (into sha_in). 0 or
 * -errno. */
int bfile_measure(struct bfile *f);

/* Blocking: leaves in each output file exactly the chosen variant (the
 * worker wrote keep and the menu one after the other) and fills in its
 * size, hash, type and transform. 0, or -EIO for a file whose worker lied
 * about its offsets (that file becomes processing_failed). */
int bfile_extract(struct bfile *f);

/* Turns the workers' reports into reasons (corrupt, unsupported, ...),
 * names the outputs, sums bytes_out, and adds too_large when over budget.
 * Part of bundle_decide; `qujat compress` calls it alone. */
void bundle_judge(struct bundle *b);

/* On the loop: submits one worker per file to pool; calls b->done once
 * every worker has reported (at once when there is nothing to run). */
void bundle_run(struct bundle *b, struct pool *pool, const char *filter);

/* Blocking: sets b->decision from the reasons, the reports, the
 * checklist, the budget and the store. */
void bundle_decide(struct bundle *b);

/* Blocking: publishes the decision (outbox/ and originals/, or rejected/).
 * 0, or -errno when the bundle must stay in active/ for a later retry. */
int bundle_publish(struct bundle *b);

/* The refusal document (contract section 3), or NULL when accepted. New
 * reference. */
json_t *bundle_refusal_json(const struct bundle *b);

/* report.json: per file and per bundle. New reference. */
json_t *bundle_report_json(const struct bundle *b);

/* The outbox manifest.json: the producer's, each document extended with
 * original_file, media_type, bytes, sha256 and transform. New reference. */
json_t *bundle_outbox_manifest(const struct bundle *b);

/* Finishes publications a crash interrupted: originals/<id>/.qujat-out is
 * renamed to outbox/<id>. Blocking; returns how many were finished. */
int bundle_resume_published(struct spool *sp);

#endif
