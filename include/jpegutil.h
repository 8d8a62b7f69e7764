/*
 * jpegutil.h: libjpeg plumbing shared by the JPEG decoder, encoder and
 * lossless transform: a per-handle error manager that longjmps to a
 * jmp_buf set in a tiny function, never prints and never exits.
 * SECURITY: the handlers see messages made from uploaded bytes; they only
 * format them into a bounded buffer.
 */
#ifndef QUJAT_JPEGUTIL_H
#define QUJAT_JPEGUTIL_H

#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>

struct jerr {
	struct jpeg_error_mgr pub;
	jmp_buf jb;
	char msg[JMSG_LENGTH_MAX];
};

/* Installs the handlers into err and returns &err->pub for cinfo->err. */
struct jpeg_error_mgr *jerr_init(struct jerr *err);

/* Runs step(arg) with err's jmp_buf set: step's return value, or -1 when
 * libjpeg failed (err->msg says why). The only setjmp of these files. */
int jerr_guard(struct jerr *err, int (*step)(void *), void *arg);

#endif
