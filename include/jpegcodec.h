/*
 * jpegcodec.h: JPEG in the engine (filters/jpeg_*.c): pixels encoded to
 * memory (jpeg_enc.c), a JPEG decoded to a target size (jpeg_dec.c), its
 * quantisation tables (jpeg_quality.c), the keep variant (jpeg_keep.c)
 * and the lossless transforms (jpeg_rot.c). The libjpeg plumbing under
 * them is jpegutil.h; no libjpeg type is declared here.
 * SECURITY: the decoders parse uploaded bytes within memory_mb, through
 * jpegutil.h's per-handle guard: every failure is returned, none printed.
 */
#ifndef QUJAT_JPEGCODEC_H
#define QUJAT_JPEGCODEC_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "raster.h"

/* JPEG encoding to memory (jpeg_enc.c). */
struct jpeg_enc_opts {
	int quality;
	int subsample;		  /* 1: 4:2:0 chroma, 0: 4:4:4 */
	const unsigned char *icc; /* the pixels' ICC profile, or NULL;
				   * embedded only when it is one for
				   * their channels (icc_fits) */
	size_t icclen;
	const unsigned char *exif; /* an APP1 Exif payload, or NULL */
	size_t exiflen;
	int fast; /* libjpeg's standard Huffman tables: one pass,
		   * 2.5-3x faster, 5-10% larger, same pixels */
	int ycck; /* CMYK pixels (ch 4) stored as YCCK, else as
		   * CMYK; both with libjpeg's Adobe marker */
	/* quantisation tables for luma and chroma (natural order) instead
	 * of quality's scaling of the standard ones, or NULL */
	const unsigned int *quant[2];
	int dpi; /* the JFIF density, dots per inch, so that a
		  * viewer shows the page at its size; 0: none
		  * (libjpeg's 1:1 aspect) */
};
/* Whether an ICC profile describes pixels of ch channels: its header's
 * signature and data colour space ('GRAY' for 1, 'RGB ' for 3, 'CMYK'
 * for 4). A CMYK source's profile, or an RGB one on pixels turned grey,
 * would tell a viewer the wrong colours, so it is left out. */
int icc_fits(const unsigned char *icc, size_t len, int ch);
/* Encodes r (grey, RGB or CMYK) as a baseline JPEG, with optimised Huffman
 * tables unless o->fast, into out (appended). 0, or -EIO with a libjpeg
 * failure. */
int jpeg_encode(const struct raster *r, const struct jpeg_enc_opts *o,
    struct buf *out);

/* JPEG decoding (jpeg_dec.c). */
struct jpeg_head {
	int w, h, comps;
	int cmyk;  /* CMYK or YCCK: converted to RGB here */
	int ycck;  /* stored as YCCK (Adobe transform 2) */
	int adobe; /* an Adobe marker says how it is stored */
};
/* A JPEG's header and, unless icc is NULL, its ICC profile reassembled
 * from its APP2 chunks, appended to icc (nothing when there is none or
 * it is incomplete). 0, -EINVAL with msg (unreadable) or -ENOMEM. */
int jpeg_read_head(const unsigned char *buf, size_t len, struct jpeg_head *head,
    struct buf *icc, char *msg, size_t msgsz);
/* Decodes buf to exactly tw x th pixels (<= the image), using the
 * smallest DCT-domain scale libjpeg-turbo does in SIMD (1/8, 2/8, 4/8,
 * 8/8) not below the target, then an area resample; grey images give
 * ch 1, others RGB (CMYK converted, Adobe inversion handled).
 * memory_mb bounds libjpeg. 0, or -EINVAL with msg set when the data is
 * corrupt. */
int jpeg_decode_to(const unsigned char *buf, size_t len, int tw, int th,
    uint64_t memory_mb, struct raster *out, char *msg, size_t msgsz);
/* The same, and *junk says whether libjpeg skipped bytes before a marker
 * (junk inside the scans, which only a rewrite drops: jpeg_rewrite). */
int jpeg_decode_junk(const unsigned char *buf, size_t len, int tw, int th,
    uint64_t memory_mb, struct raster *out, int *junk, char *msg, size_t msgsz);
/* The same, but CMYK and YCCK come out as 4 channels of CMYK exactly as
 * stored (no inversion: what a PDF's DCTDecode filter gives), for a
 * re-encode with the same convention (jpeg_enc_opts.ycck). */
int jpeg_decode_raw_to(const unsigned char *buf, size_t len, int tw, int th,
    uint64_t memory_mb, struct raster *out, char *msg, size_t msgsz);

/* A JPEG's quantisation tables (jpeg_quality.c), in natural order. */
struct jpeg_qtables {
	unsigned int t[4][64];
	unsigned have; /* bit id: table id was defined */
};
/* Reads the tables of a DQT segment's payload p[0..n) into qt. 0, or
 * -EINVAL when a table overruns the segment or its id or precision is
 * invalid. */
int jpeg_dqt_read(const unsigned char *p, size_t n, struct jpeg_qtables *qt);
/* Transposes every table: for a rotation that swaps the axes. */
void jpeg_qtables_transpose(struct jpeg_qtables *qt);
/* The quality (1..100) whose scaling of the standard luminance table
 * (as libjpeg's jpeg_set_quality makes it) is nearest to table t. */
int jpeg_qtable_quality(const unsigned int *t);

struct jpeg_upright;
/* The JPEG keep variant (jpeg_keep.c): markers no viewer needs dropped,
 * EXIF scrubbed, trailing bytes cut, orientation applied (losslessly
 * when the MCU grid allows, else re-encoded: then *upright gets the
 * upright pixels, which the caller releases; else it stays empty).
 * transform gets a summary ("" when the output is the input). A JPEG cut
 * short is rewritten whole (jpeg_rewrite) when only its last rows are
 * missing, else -ENODATA with the reason in transform. 0, -EINVAL
 * (corrupt) or -ENOMEM. */
int jpeg_keep(const unsigned char *buf, size_t len, uint64_t memory_mb,
    struct buf *out, char *transform, size_t tsz, int *orientation,
    struct raster *upright, struct jpeg_upright *later);
/* What turning keep upright takes: the orientation still to apply (1:
 * none) and the source's tables, sampling, density and EXIF, for a
 * re-encode as close to the upload as the pixels allow. With later not
 * NULL, jpeg_keep leaves the orientation to jpeg_keep_upright (keep is
 * then the upload's picture as stored, later->orientation its EXIF's):
 * a phone photo whose page is flattened needs no upright frame. */
struct jpeg_upright {
	int orientation;
	struct jpeg_qtables qt; /* the source's quantisation tables */
	int ncomp, tq[2];	/* components; luma's and chroma's table */
	int subsampled;		/* chroma sampled less than luma */
	int dpi;		/* the JFIF density, when square; else 0 */
	int exif_seen;
	size_t exif_off, exif_len; /* the scrubbed EXIF, in keep */
};
/* Turns keep upright as jpeg_keep would have (transform, upright as
 * there); up->orientation is 1 after. 0, -EINVAL or -ENOMEM. */
int jpeg_keep_upright(struct jpeg_upright *up, struct buf *keep,
    uint64_t memory_mb, char *transform, size_t tsz, struct raster *upright);
/* Lossless EXIF orientation transform of a whole JPEG (jpeg_rot.c):
 * 0, -ERANGE when the edges are not whole MCUs (the caller re-encodes),
 * -EINVAL when corrupt. markers is the list of APP segments to copy. */
int jpeg_rotate_lossless(const unsigned char *buf, size_t len, int orientation,
    uint64_t memory_mb, struct buf *out);
/* The same coefficients as a progressive JPEG (optimised tables): the
 * same pixels, smaller. 0, -EINVAL (corrupt) or -ENOMEM. */
int jpeg_progressive(const unsigned char *buf, size_t len, uint64_t memory_mb,
    struct buf *out);
/* The coefficients libjpeg reads from a JPEG whose data ends early or
 * holds junk, written again in its own mode (baseline or progressive):
 * a whole file with exactly the picture djpeg shows of it. *missing gets
 * the thousandths of its rows the data did not reach, -1 when no scan
 * was cut short (only the EOI, or whole scans, missing). 0; -ENODATA with
 * msg when more than the last rows are missing (jpegutil.h); -EINVAL
 * with msg when data was lost or it is unreadable; -ENOMEM. */
int jpeg_rewrite(const unsigned char *buf, size_t len, uint64_t memory_mb,
    struct buf *out, int *missing, char *msg, size_t msgsz);

#endif
