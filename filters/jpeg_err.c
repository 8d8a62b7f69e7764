/*
 * jpeg_err.c: the libjpeg error manager of jpegutil.h, and the sorting of
 * a decode's warnings: harmless, data lost, or the data ended early, and
 * then how much of the picture it did not reach.
 * SECURITY: formats libjpeg's messages about uploaded bytes into a
 * bounded buffer; nothing reaches stdout or stderr. Reads only libjpeg's
 * own state of the decode.
 */
#include <stddef.h>

#include "jpegutil.h"
#include <jerror.h> /* after jpeglib.h: its codes depend on it */

static void
jerr_exit(j_common_ptr c)
{
	struct jerr *e = (struct jerr *)(void *)c->err;

	c->err->format_message(c, e->msg);
	longjmp(e->jb, 1);
}

static void
jerr_emit(j_common_ptr c, int level)
{
	struct jerr *e = (struct jerr *)(void *)c->err;

	if (level >= 0) /* trace messages */
		return;
	c->err->num_warnings++;
	jwatch_warning(&e->watch, c);
}

static void
jerr_output(j_common_ptr c)
{
	(void)c;
}

struct jpeg_error_mgr *
jerr_init(struct jerr *err)
{
	struct jpeg_error_mgr *p = jpeg_std_error(&err->pub);

	p->error_exit = jerr_exit;
	p->emit_message = jerr_emit;
	p->output_message = jerr_output;
	err->msg[0] = '\0';
	err->watch = (struct jwatch){ 0 };
	return p;
}

int
jerr_guard(struct jerr *err, int (*step)(void *), void *arg)
{
	if (setjmp(err->jb))
		return -1;
	return step(arg);
}

/* Warnings that mean image data was unreadable where it stood. */
static int
warning_damages(int code)
{
	return code == JWRN_HUFF_BAD_CODE || code == JWRN_ARITH_BAD_CODE ||
	    code == JWRN_MUST_RESYNC || code == JWRN_NOT_SEQUENTIAL ||
	    code == JWRN_BOGUS_PROGRESSION || code == JWRN_HIT_MARKER;
}

static int
in_scan(j_decompress_ptr d, int ci)
{
	for (int i = 0; i < d->comps_in_scan; i++)
		if (d->cur_comp_info[i]->component_index == ci)
			return 1;
	return 0;
}

/* Whether a progressive JPEG's coefficients are all there to within
 * their last bit (libjpeg's own script ends with refinements from
 * there): with before, as they were before the current scan began. */
static int
legible(j_decompress_ptr d, int before)
{
	int bits;

	for (int ci = 0; ci < d->num_components; ci++)
		for (int k = 0; k < DCTSIZE2; k++) {
			bits = d->coef_bits[ci][k];
			if (before && in_scan(d, ci) && k >= d->Ss &&
			    k <= d->Se)
				bits = d->Ah ? d->Ah : -1;
			if (bits < 0 || bits > 1)
				return 0;
		}
	return 1;
}

/* The image rows past where the entropy data ran out (the current
 * iMCU row is not whole). */
static long
rows_past(j_decompress_ptr d, long done_rows)
{
	long h = (long)d->image_height;

	if (d->progressive_mode) {
		if (!legible(d, 0))
			return h;
		if (legible(d, 1))
			return 0;
	} else if (d->comps_in_scan < d->num_components)
		return h; /* one component of several: the rest never came */
	return done_rows < h ? h - done_rows : 0;
}

/* The entropy decoder needed bits past the data's end: the input ended
 * (libjpeg put an EOI there) or was cut short before a real EOI. */
static void
watch_cut(struct jwatch *w, j_decompress_ptr d)
{
	long mcu_h = (long)d->max_v_samp_factor * DCTSIZE;

	w->cut = 1;
	w->missing_rows = rows_past(d, (long)d->input_iMCU_row * mcu_h);
}

/* The input ended: a progressive JPEG's scans so far may leave every row
 * short (a cut later in the current scan says more). */
static void
watch_end(struct jwatch *w, j_decompress_ptr d)
{
	w->ended = 1;
	if (d->progressive_mode && d->coef_bits != NULL && !legible(d, 0))
		w->missing_rows = (long)d->image_height;
}

void
jwatch_warning(struct jwatch *w, j_common_ptr c)
{
	j_decompress_ptr d = (j_decompress_ptr)c;
	int code = c->err->msg_code;

	if (!c->is_decompressor || w->damaged)
		return;
	if (code == JWRN_EXTRANEOUS_DATA)
		w->junk = 1;
	else if (code == JWRN_JPEG_EOF && !w->ended)
		watch_end(w, d);
	else if (code == JWRN_HIT_MARKER && d->unread_marker == JPEG_EOI &&
	    !w->cut)
		watch_cut(w, d);
	else if (warning_damages(code) && !w->cut) {
		w->damaged = 1;
		c->err->format_message(c, w->msg);
	}
}

int
jwatch_missing(const struct jwatch *w, j_decompress_ptr d)
{
	long h = (long)d->image_height;

	return h > 0 ? (int)((w->missing_rows * 1000 + h - 1) / h) : 0;
}

int
jwatch_verdict(struct jwatch *w, j_decompress_ptr d, char *msg, size_t msgsz)
{
	int m;

	if (w->damaged) {
		snprintf(msg, msgsz, "%s", w->msg);
		return -1;
	}
	if ((m = jwatch_missing(w, d)) <= JPEG_MISSING_MAX)
		return 0;
	w->incomplete = 1;
	snprintf(msg, msgsz, "incomplete file: %d.%d%% of the rows missing",
	    m / 10, m % 10);
	return -1;
}
