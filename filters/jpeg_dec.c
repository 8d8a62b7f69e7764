/*
 * jpeg_dec.c: decodes a JPEG straight to a target size: libjpeg-turbo's
 * DCT-domain scaling (1/8, 2/8, 4/8) to the smallest size not below the
 * target, then the streaming area resampler for the rest, one scanline at
 * a time, so a 600 dpi scan never exists in memory at 600 dpi. CMYK and YCCK
 * (Adobe-inverted or not) become RGB. This decode is also the JPEG's
 * corruption check (the probe only reads the header when the engine
 * runs): a warning that means lost image data fails it, and so does
 * an early end of the data unless only the last rows are missing
 * (jwatch_verdict: what djpeg shows, grey where the data stopped).
 * SECURITY: parses uploaded bytes; libjpeg's memory and progressive
 * scans are capped and its errors longjmp to a tiny guard.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jpegcodec.h"
#include "jpegutil.h"
#include "raster.h"
#include <jerror.h> /* after jpeglib.h: its codes depend on it */

/* A progressive JPEG may have thousands of tiny scans, each a full pass
 * over the coefficients (libjpeg-turbo's own advice is to cap them). */
#define JPEG_MAX_SCANS 1000

struct jdec {
	struct jpeg_decompress_struct d;
	struct jerr err;
	struct jpeg_progress_mgr progress;
	const unsigned char *buf;
	size_t len;
	int tw, th;
	int raw_cmyk; /* CMYK kept as 4 channels, as stored */
	int junk;     /* libjpeg skipped bytes before a marker */
	struct raster *out;
	struct resampler *rs;
	unsigned char *row, *rgb;
};

#define JDEC(c) ((struct jdec *)(void *)((char *)(c)-offsetof(struct jdec, d)))

static void
jdec_progress(j_common_ptr c)
{
	struct jdec *j = JDEC(c);

	if (j->d.input_scan_number > JPEG_MAX_SCANS) {
		snprintf(j->err.msg, sizeof j->err.msg, "more than %d scans",
		    JPEG_MAX_SCANS);
		longjmp(j->err.jb, 1);
	}
}

static int
jdec_head(void *arg)
{
	struct jdec *j = arg;

	jpeg_mem_src(&j->d, j->buf, (unsigned long)j->len);
	return jpeg_read_header(&j->d, TRUE) == JPEG_HEADER_OK ? 0 : -1;
}

/* The smallest of 1/8, 2/8, 4/8 and 8/8 whose output still covers
 * tw x th. libjpeg-turbo has SIMD inverse DCTs for those; 3/8, 5/8, 6/8
 * and 7/8 are plain C and cost more than a full-size decode (6/8 of a
 * 300 dpi page: 43 ms against 33 for 8/8, `djpeg -scale`), which the
 * resampler then takes down. */
static void
jdec_pick_scale(struct jdec *j)
{
	static const unsigned nums[] = { 1, 2, 4, 8 };

	j->d.scale_denom = 8;
	for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
		j->d.scale_num = nums[i];
		jpeg_calc_output_dimensions(&j->d);
		if ((int)j->d.output_width >= j->tw &&
		    (int)j->d.output_height >= j->th)
			return;
	}
}

static void
cmyk_to_rgb(const unsigned char *s, unsigned char *d, int w, int inverted)
{
	unsigned c, m, y, k;

	for (int x = 0; x < w; x++, s += 4, d += 3) {
		c = s[0], m = s[1], y = s[2], k = s[3];
		if (!inverted)
			c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;
		/* now 255 means no ink */
		d[0] = (unsigned char)((c * k + 127) / 255);
		d[1] = (unsigned char)((m * k + 127) / 255);
		d[2] = (unsigned char)((y * k + 127) / 255);
	}
}

static int
jdec_setup(struct jdec *j)
{
	int cmyk = j->d.jpeg_color_space == JCS_CMYK ||
	    j->d.jpeg_color_space == JCS_YCCK;
	int ch = j->d.num_components == 1 ? 1 : cmyk && j->raw_cmyk ? 4 : 3;

	j->d.out_color_space = ch == 1 ? JCS_GRAYSCALE :
	    cmyk		       ? JCS_CMYK :
					 JCS_RGB;
	j->d.dct_method = JDCT_ISLOW;
	jdec_pick_scale(j);
	if ((int)j->d.output_width < j->tw || (int)j->d.output_height < j->th)
		return -1;
	if (raster_init(j->out, j->tw, j->th, ch) < 0 ||
	    resampler_new(&j->rs, (int)j->d.output_width,
		(int)j->d.output_height, j->out) < 0)
		return -1;
	j->row = malloc((size_t)j->d.output_width * 4);
	j->rgb = malloc((size_t)j->d.output_width * 3);
	return j->row && j->rgb ? 0 : -1;
}

static int
jdec_rows(void *arg)
{
	struct jdec *j = arg;
	JSAMPROW rows[1];

	if (jdec_setup(j) < 0) {
		snprintf(j->err.msg, sizeof j->err.msg, "out of memory");
		return -1;
	}
	jpeg_start_decompress(&j->d);
	rows[0] = j->row;
	while (j->d.output_scanline < j->d.output_height) {
		if (jpeg_read_scanlines(&j->d, rows, 1) != 1 ||
		    j->err.watch.damaged)
			break;
		if (j->d.out_color_space == JCS_CMYK && j->out->ch == 3) {
			cmyk_to_rgb(j->row, j->rgb, (int)j->d.output_width,
			    j->d.saw_Adobe_marker);
			resampler_row(j->rs, j->rgb);
		} else
			resampler_row(j->rs, j->row);
	}
	/* before finish_decompress frees the scans' progression state */
	if (jwatch_verdict(&j->err.watch, &j->d, j->err.msg,
		sizeof j->err.msg) < 0)
		return -1;
	jpeg_finish_decompress(&j->d);
	return 0;
}

static int
jdec_head_icc(void *arg)
{
	struct jdec *j = arg;

	jpeg_save_markers(&j->d, JPEG_APP0 + 2, 0xFFFF);
	return jdec_head(arg);
}

int
jpeg_read_head(const unsigned char *buf, size_t len, struct jpeg_head *head,
    struct buf *icc, char *msg, size_t msgsz)
{
	struct jdec j = { .buf = buf, .len = len };
	JOCTET *p = NULL;
	unsigned int n = 0;
	int rc;

	j.d.err = jerr_init(&j.err);
	jpeg_create_decompress(&j.d);
	rc = jerr_guard(&j.err, icc ? jdec_head_icc : jdec_head, &j);
	if (rc == 0) {
		head->w = (int)j.d.image_width;
		head->h = (int)j.d.image_height;
		head->comps = j.d.num_components;
		head->cmyk = j.d.jpeg_color_space == JCS_CMYK ||
		    j.d.jpeg_color_space == JCS_YCCK;
		head->ycck = j.d.jpeg_color_space == JCS_YCCK;
		head->adobe = j.d.saw_Adobe_marker;
		/* libjpeg's own reassembly: every chunk, in order, or none */
		if (icc && jpeg_read_icc_profile(&j.d, &p, &n) && p != NULL &&
		    buf_add(icc, p, n) < 0)
			rc = -ENOMEM;
		free(p);
	} else
		snprintf(msg, msgsz, "%s", j.err.msg);
	jpeg_destroy_decompress(&j.d);
	return rc == 0 ? 0 : rc == -ENOMEM ? rc : -EINVAL;
}

static int
decode_to(struct jdec *j, uint64_t memory_mb, char *msg, size_t msgsz)
{
	int rc;

	*j->out = (struct raster){ 0 };
	j->d.err = jerr_init(&j->err);
	jpeg_create_decompress(&j->d);
	j->d.mem->max_memory_to_use = (long)(memory_mb << 19);
	j->progress.progress_monitor = jdec_progress;
	j->d.progress = &j->progress;
	rc = jerr_guard(&j->err, jdec_head, j);
	if (rc == 0)
		rc = jerr_guard(&j->err, jdec_rows, j);
	j->junk = j->err.watch.junk;
	if (rc < 0) {
		snprintf(msg, msgsz, "jpeg: %s", j->err.msg);
		raster_release(j->out);
	}
	jpeg_destroy_decompress(&j->d);
	resampler_free(j->rs);
	free(j->row);
	free(j->rgb);
	return rc < 0 ? -EINVAL : 0;
}

int
jpeg_decode_to(const unsigned char *buf, size_t len, int tw, int th,
    uint64_t memory_mb, struct raster *out, char *msg, size_t msgsz)
{
	int junk;

	return jpeg_decode_junk(buf, len, tw, th, memory_mb, out, &junk, msg,
	    msgsz);
}

int
jpeg_decode_junk(const unsigned char *buf, size_t len, int tw, int th,
    uint64_t memory_mb, struct raster *out, int *junk, char *msg, size_t msgsz)
{
	struct jdec j = { .buf = buf,
		.len = len,
		.tw = tw,
		.th = th,
		.out = out };
	int rc = decode_to(&j, memory_mb, msg, msgsz);

	*junk = j.junk;
	return rc;
}

int
jpeg_decode_raw_to(const unsigned char *buf, size_t len, int tw, int th,
    uint64_t memory_mb, struct raster *out, char *msg, size_t msgsz)
{
	struct jdec j = { .buf = buf,
		.len = len,
		.tw = tw,
		.th = th,
		.out = out,
		.raw_cmyk = 1 };

	return decode_to(&j, memory_mb, msg, msgsz);
}
