/*
 * fuzz_manifest.c: libFuzzer harness for manifest_parse, the one
 * producer-written file the trusted daemon parses, with the shipped
 * catalogue and the default limits; every reason found is then rendered
 * in the three languages, as refusal.json would carry it.
 * SECURITY: test-only; feeds hostile JSON to daemon code.
 */
#include <stdio.h>
#include <stdlib.h>

#include "catalogue.h"
#include "fuzz.h"
#include "manifest.h"

static struct catalogue *cat;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct qerr err;

	(void)argc;
	(void)argv;
	if (catalogue_load(FUZZ_CONF_DIR "/services.conf",
		FUZZ_CONF_DIR "/messages.conf", &cat, &err) < 0) {
		fprintf(stderr, "fuzz_manifest: %s\n", err.msg);
		abort();
	}
	return 0;
}

static void
render(const struct reasons *r)
{
	for (size_t i = 0; i < r->n; i++)
		for (int l = 0; l < LANG_COUNT; l++) {
			const struct reason *x = &r->v[i];
			char *doc = x->document ?
			    catalogue_document_names(cat, x->document,
				(enum lang)l) :
			    NULL;
			free(catalogue_render(cat, x->msg_key, (enum lang)l,
			    x->file, doc, x->detail));
			free(doc);
		}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct manifest_limits lim = { 1048576, 32, 50 };
	struct manifest m;
	struct reasons r = { 0 };

	manifest_parse(data, size, "KZ-EDU-2026-000123", &lim, cat, &m, &r);
	for (size_t i = 0; i < m.ndocs; i++)
		manifest_file_name_valid(m.docs[i].file);
	render(&r);
	manifest_release(&m);
	reasons_release(&r);
	return 0;
}
