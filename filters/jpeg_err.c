/*
 * jpeg_err.c: the libjpeg error manager of jpegutil.h.
 * SECURITY: formats libjpeg's messages about uploaded bytes into a
 * bounded buffer; nothing reaches stdout or stderr.
 */
#include <stddef.h>

#include "jpegutil.h"

static void jerr_exit(j_common_ptr c)
{
	struct jerr *e = (struct jerr *)(void *)c->err;

	c->err->format_message(c, e->msg);
	longjmp(e->jb, 1);
}

static void jerr_emit(j_common_ptr c, int level)
{
	if (level < 0)
		c->err->num_warnings++;
}

static void jerr_output(j_common_ptr c)
{
	(void)c;
}

struct jpeg_error_mgr *jerr_init(struct jerr *err)
{
	struct jpeg_error_mgr *p = jpeg_std_error(&err->pub);

	p->error_exit = jerr_exit;
	p->emit_message = jerr_emit;
	p->output_message = jerr_output;
	err->msg[0] = '\0';
	return p;
}

int jerr_guard(struct jerr *err, int (*step)(void *), void *arg)
{
	if (setjmp(err->jb))
		return -1;
	return step(arg);
}
