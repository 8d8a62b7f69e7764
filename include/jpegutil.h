/*
 * jpegutil.h: libjpeg plumbing shared by the probe (fmt_jpeg.c) and the
 * JPEG decoder, encoder and lossless transform: a per-handle error
 * manager that longjmps to a jmp_buf set in a tiny function, never prints
 * and never exits, and sorts a decode's warnings into harmless ones, lost
 * data and an early end (jwatch). What the engine calls is jpegcodec.h.
 * SECURITY: the handlers see messages made from uploaded bytes; they only
 * format them into a bounded buffer.
 */
#ifndef QUJAT_JPEGUTIL_H
#define QUJAT_JPEGUTIL_H

#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>

/* The share of a picture's rows, in thousandths, that the data may end
 * before and the picture still be accepted: a page's bottom margin is
 * 7% of it, a 10 MP photo's last 4 MCU rows 2%. */
#define JPEG_MISSING_MAX 20

/* What libjpeg's warnings said about one decode's data. Junk bytes before
 * a marker (JWRN_EXTRANEOUS_DATA), a missing EOI and the notes about
 * JFIF, Adobe or ICC segments lose nothing: djpeg shows the picture. */
struct jwatch {
	int damaged;		   /* data lost before its end: a bad Huffman
				    * code, a lost restart interval */
	int ended;		   /* the input ended before its EOI */
	int cut;		   /* ... and the entropy data before the last
				    * MCU: rows from there on are what libjpeg
				    * makes of nothing (grey, or less detail) */
	int junk;		   /* bytes skipped before a marker */
	int incomplete;		   /* jwatch_verdict refused it for the rows
				    * missing at its end */
	long missing_rows;	   /* image rows past the cut, or all of them
				    * when a progressive JPEG's scans stopped
				    * short of every coefficient's last bits */
	char msg[JMSG_LENGTH_MAX]; /* the first damaging warning */
};

struct jerr {
	struct jpeg_error_mgr pub;
	jmp_buf jb;
	char msg[JMSG_LENGTH_MAX];
	struct jwatch watch; /* a decompressor's warnings */
};

/* Installs the handlers into err and returns &err->pub for cinfo->err. */
struct jpeg_error_mgr *jerr_init(struct jerr *err);

/* Runs step(arg) with err's jmp_buf set: step's return value, or -1 when
 * libjpeg failed (err->msg says why). The only setjmp of these files. */
int jerr_guard(struct jerr *err, int (*step)(void *), void *arg);

/* Sorts one warning (emit_message's level < 0) of c into w. */
void jwatch_warning(struct jwatch *w, j_common_ptr c);
/* The image rows, in thousandths, the data did not reach (missing_rows
 * of the image's height). */
int jwatch_missing(const struct jwatch *w, j_decompress_ptr d);
/* 0 when the decode lost nothing but at most JPEG_MISSING_MAX of the
 * rows at the end; else -1 with msg set (and w->incomplete when it is
 * the rows missing at the end: "incomplete file: ..."). */
int jwatch_verdict(struct jwatch *w, j_decompress_ptr d, char *msg,
    size_t msgsz);

#endif
