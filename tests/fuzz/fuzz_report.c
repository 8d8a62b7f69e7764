/*
 * fuzz_report.c: libFuzzer harness for report_parse, the daemon's reader
 * of what a (possibly subverted) worker wrote on its report pipe. A
 * report that parses must hold what report.h promises.
 * SECURITY: test-only; feeds hostile text to daemon code.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "report.h"

static void
check(const struct filter_report *r)
{
	/* Every text field NUL-terminated within its array. */
	if (memchr(r->type, 0, sizeof(r->type)) == NULL ||
	    memchr(r->ext, 0, sizeof(r->ext)) == NULL ||
	    memchr(r->limit, 0, sizeof(r->limit)) == NULL ||
	    memchr(r->out_ext, 0, sizeof(r->out_ext)) == NULL ||
	    memchr(r->out_type, 0, sizeof(r->out_type)) == NULL ||
	    memchr(r->detail, 0, sizeof(r->detail)) == NULL ||
	    memchr(r->transform, 0, sizeof(r->transform)) == NULL ||
	    r->nvariants < 0 || r->nvariants > REPORT_MAX_VARIANTS ||
	    r->width < 0 || r->height < 0 || r->pages < 0 || r->bytes_in < 0 ||
	    r->bytes_out < 0)
		abort();
	for (int i = 0; i < r->nvariants; i++)
		if (memchr(r->variants[i].id, 0, sizeof(r->variants[i].id)) ==
			NULL ||
		    r->variants[i].rank < 0 || r->variants[i].rank > 100 ||
		    r->variants[i].bytes < 0)
			abort();
	if ((size_t)r->status > FS_LOWRES)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct filter_report r;
	struct qerr err;

	if (report_parse((const char *)data, size, &r, &err) == 0) {
		check(&r);
		report_status_name(r.status);
	}
	return 0;
}
