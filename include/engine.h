/*
 * engine.h: the compression engine inside qujat-filter: the keep variant,
 * the menu of variants and one variant on demand (report.h), built from
 * decoded pages held at most at the policy's top resolution.
 * SECURITY: everything declared here runs on uploaded bytes or on pixels
 * decoded from them, inside the sandbox: every size is bounded by the
 * caller's limits before memory is taken for it.
 *
 * Contract: a variant is named by an ID that says how to make it
 * (menu.c), so `--variant ID` re-runs exactly the code the menu ran and
 * writes the same bytes. Pixels are 8-bit grey (ch 1) or RGB (ch 3).
 */
#ifndef QUJAT_ENGINE_H
#define QUJAT_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include "filter.h"

/* A growable byte buffer; owner calls buf_release. */
struct buf {
	unsigned char *p;
	size_t len, cap;
};
int buf_add(struct buf *b, const void *p, size_t n);	/* 0 or -ENOMEM */
/* Sets the length to n, new bytes zeroed; 0 or -ENOMEM. */
int buf_resize(struct buf *b, size_t n);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_release(struct buf *b);

/* A decoded page: w x h pixels of ch bytes, rows packed. */
struct raster {
	int w, h, ch;
	unsigned char *px;
};
/* Allocates px (released by raster_release); 0 or -ENOMEM / -E2BIG. */
int raster_init(struct raster *r, int w, int h, int ch);
void raster_release(struct raster *r);
/* The raster a w x h variant is encoded from: top itself when it is not
 * larger, else top resampled into lv, which is kept for the next call of
 * the same size (lv starts empty; the caller releases it). 0 or -ENOMEM. */
int raster_level(const struct raster *top, int w, int h, struct raster *lv,
    const struct raster **use);
/* Area-average resample of src into a new dst of w x h (w <= src->w,
 * h <= src->h); 0 or -ENOMEM. */
int raster_resample(const struct raster *src, int w, int h,
    struct raster *dst);
/* Replaces r's pixels by their luma (ch 1). 0 or -ENOMEM. */
int raster_to_grey(struct raster *r);
/* Applies an EXIF orientation (2..8) to the pixels so the picture is
 * upright; 1 and invalid values leave it as is. 0 or -ENOMEM. */
int raster_orient(struct raster *r, int orientation);

/* Streaming area resampler: rows of sw pixels of dst->ch bytes in, the
 * rows of dst (already allocated, smaller or equal) filled out. */
struct resampler;
int resampler_new(struct resampler **out, int sw, int sh,
    struct raster *dst);
int resampler_row(struct resampler *rs, const unsigned char *row);
void resampler_free(struct resampler *rs);

/* What a page looks like (colour.c), judged on its top raster. */
struct page_look {
	int colour;		/* meaningful colour: a stamp, a signature */
	int blank;		/* uniform but for scanner noise */
	int photo;		/* continuous tone rather than text on paper */
};
void page_analyse(const struct raster *r, struct page_look *look);

/* JPEG encoding to memory (jpeg_enc.c). */
struct jpeg_enc_opts {
	int quality;
	int subsample;		/* 1: 4:2:0 chroma, 0: 4:4:4 */
	const unsigned char *icc;	/* the pixels' ICC profile, or NULL;
					 * embedded only when it is one for
					 * their channels (icc_fits) */
	size_t icclen;
	const unsigned char *exif;	/* an APP1 Exif payload, or NULL */
	size_t exiflen;
	int fast;		/* libjpeg's standard Huffman tables: one pass,
				 * 2.5-3x faster, 5-10% larger, same pixels */
	int ycck;		/* CMYK pixels (ch 4) stored as YCCK, else as
				 * CMYK; both with libjpeg's Adobe marker */
	/* quantisation tables for luma and chroma (natural order) instead
	 * of quality's scaling of the standard ones, or NULL */
	const unsigned int *quant[2];
	int dpi;		/* the JFIF density, dots per inch, so that a
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
	int cmyk;		/* CMYK or YCCK: converted to RGB here */
	int ycck;		/* stored as YCCK (Adobe transform 2) */
	int adobe;		/* an Adobe marker says how it is stored */
};
/* A JPEG's header and, unless icc is NULL, its ICC profile reassembled
 * from its APP2 chunks, appended to icc (nothing when there is none or
 * it is incomplete). 0, -EINVAL with msg (unreadable) or -ENOMEM. */
int jpeg_read_head(const unsigned char *buf, size_t len,
    struct jpeg_head *head, struct buf *icc, char *msg, size_t msgsz);
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
    uint64_t memory_mb, struct raster *out, int *junk, char *msg,
    size_t msgsz);
/* The same, but CMYK and YCCK come out as 4 channels of CMYK exactly as
 * stored (no inversion: what a PDF's DCTDecode filter gives), for a
 * re-encode with the same convention (jpeg_enc_opts.ycck). */
int jpeg_decode_raw_to(const unsigned char *buf, size_t len, int tw,
    int th, uint64_t memory_mb, struct raster *out, char *msg, size_t msgsz);

/* EXIF (exif.c), inside an APP1 payload that starts "Exif\0\0". */
struct exif_scrub {
	int orientation;	/* 1..8 as found; 1 when absent or invalid */
	int tag;		/* the orientation tag's raw value, -1 if none */
	int gps, serial;	/* what was removed */
};
/* Zeroes and unlinks GPS, serial numbers, unique ID and maker notes in
 * place; with set_upright, when the orientation tag is not 1, also sets
 * it to 1 and cuts the thumbnail. Never reads or writes outside
 * [p, p+len). */
void exif_scrub(unsigned char *p, size_t len, int set_upright,
    struct exif_scrub *res);

/* A JPEG's quantisation tables (jpeg_quality.c), in natural order. */
struct jpeg_qtables {
	unsigned int t[4][64];
	unsigned have;		/* bit id: table id was defined */
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
	struct jpeg_qtables qt;	/* the source's quantisation tables */
	int ncomp, tq[2];	/* components; luma's and chroma's table */
	int subsampled;		/* chroma sampled less than luma */
	int dpi;		/* the JFIF density, when square; else 0 */
	int exif_seen;
	size_t exif_off, exif_len;	/* the scrubbed EXIF, in keep */
};
/* Turns keep upright as jpeg_keep would have (transform, upright as
 * there); up->orientation is 1 after. 0, -EINVAL or -ENOMEM. */
int jpeg_keep_upright(struct jpeg_upright *up, struct buf *keep,
    uint64_t memory_mb, char *transform, size_t tsz,
    struct raster *upright);
/* Lossless EXIF orientation transform of a whole JPEG (jpeg_rot.c):
 * 0, -ERANGE when the edges are not whole MCUs (the caller re-encodes),
 * -EINVAL when corrupt. markers is the list of APP segments to copy. */
int jpeg_rotate_lossless(const unsigned char *buf, size_t len,
    int orientation, uint64_t memory_mb, struct buf *out);
/* The same coefficients as a progressive JPEG (optimised tables): the
 * same pixels, smaller. 0, -EINVAL (corrupt) or -ENOMEM. */
int jpeg_progressive(const unsigned char *buf, size_t len,
    uint64_t memory_mb, struct buf *out);
/* The coefficients libjpeg reads from a JPEG whose data ends early or
 * holds junk, written again in its own mode (baseline or progressive):
 * a whole file with exactly the picture djpeg shows of it. *missing gets
 * the thousandths of its rows the data did not reach, -1 when no scan
 * was cut short (only the EOI, or whole scans, missing). 0; -ENODATA with
 * msg when more than the last rows are missing (jpegutil.h); -EINVAL
 * with msg when data was lost or it is unreadable; -ENOMEM. */
int jpeg_rewrite(const unsigned char *buf, size_t len, uint64_t memory_mb,
    struct buf *out, int *missing, char *msg, size_t msgsz);

/* PNG (png_engine.c). png_keep copies the chunks up to IEND minus text
 * and EXIF chunks into out: 0, or -EINVAL when a chunk overruns.
 * png_decode_to decodes to exactly tw x th (<= the image), grey or RGB,
 * alpha over white, and appends its iCCP profile to icc (unless NULL):
 * 0, or -EINVAL with msg. */
int png_keep(const unsigned char *b, size_t len, struct buf *out,
    int *dropped, int *trailing);
/* The EXIF orientation (1..8) of an eXIf chunk before IDAT, which the
 * browsers apply (Chrome, Safari); 1 without one. An eXIf after IDAT
 * (ImageMagick 6 writes it there) and an orientation in a text chunk
 * ("Raw profile type exif") no viewer applies: they are dropped as they
 * are. */
int png_orientation(const unsigned char *b, size_t len);
/* r (grey or RGB) as a PNG with buf's colour chunks (gAMA, cHRM, sRGB,
 * iCCP, pHYs), into out: 0 or -ENOMEM. */
int png_encode_like(const unsigned char *buf, size_t len,
    const struct raster *r, struct buf *out);
/* The data length of the chunk at pos, when its length, type, data and
 * CRC all lie within len; else SIZE_MAX. */
size_t png_chunk_len(const unsigned char *b, size_t len, size_t pos);
/* The same pixels (alpha over white) as a smaller PNG when they allow one
 * (png_lossless.c): a palette for at most 256 colours, 8-bit RGB for at
 * most 4096 in long runs; nothing for a photo, a scan or a 16-bit image.
 * Its iCCP profile is appended to icc. When the image was decoded whole
 * for that, *pixels gets it (the caller releases it), so the engine
 * need not decode it again; else *pixels stays empty. 0 (out empty when
 * there is no smaller PNG) or -ENOMEM. */
int png_lossless(const unsigned char *buf, size_t len, struct buf *out,
    struct raster *pixels, struct buf *icc);
int png_decode_to(const unsigned char *buf, size_t len, int tw, int th,
    struct raster *out, struct buf *icc, char *msg, size_t msgsz);
/* The same decode at the image's own size, each row (grey or RGB, alpha
 * over white) passed to sink as it comes; a sink returning < 0 stops it.
 * The iCCP profile is appended to icc (unless NULL). 0, -ECANCELED
 * (stopped) or -EINVAL (corrupt). */
typedef int (*png_row_sink)(void *ctx, int y, int w, int h, int ch,
    const unsigned char *row);
int png_rows(const unsigned char *buf, size_t len, struct buf *icc,
    png_row_sink sink, void *ctx);

/* Variants (menu.c). */
#define MENU_MAX_SPECS 15	/* lossy specs on a menu, at most */
struct vspec {
	char id[32];		/* vspec_name() of the fields below */
	int level;		/* target dpi; for a photo the target short
				 * side in pixels */
	int quality;		/* JPEG quality */
	int grey;
	int lossless;		/* a lossless rewrite (PDF, JPEG Huffman) */
	int photo;		/* level is a photo's short side ('p') */
	int flat;		/* of the found sheet (flat.h), FLAT_SUFFIX */
};
#define FLAT_SUFFIX 'f'		/* "d200q70gf": d200q70g of the found sheet */
#define A4_SHORT_IN 8.27
#define A4_LONG_IN 11.69
/* The effective dpi of a w x h page (A4 unless the pixels say landscape). */
double page_dpi(int w, int h);
/* The pixel size of a w x h page at spec level `level` (never larger than
 * the page). */
void level_dims(int w, int h, int photo, int level, int *tw, int *th);
/* The resolution levels for a page of dpi (or a photo): 1 or 2. */
int menu_levels(const struct filter_limits *lim, int photo, double dpi,
    int levels[2]);
/* The lossy specs, at most max: each level at qualities 85, 70, 55 and
 * the floor, but the top of two levels only down to 70. */
int menu_specs(const struct filter_limits *lim, int photo, double dpi,
    int grey, struct vspec *out, int max);
/* Parses a variant ID into its fields (vspec_name of them gives it back);
 * 0 or -EINVAL. */
int vspec_parse(const char *id, struct vspec *out);
/* s->id from its fields: "lossless", or kind, level, quality, colour and
 * the sheet's suffix ("p600q70c", "d150q55gf"). */
void vspec_name(struct vspec *s);
/* Legibility kept, 0..99, comparable across files; res is the page's
 * dpi, or a photo's short side in pixels. */
int vspec_rank(const struct filter_limits *lim, int photo, double res,
    const struct vspec *s);
/* Sorts specs best rank first (stable), the order a menu is made and
 * --target stops it in. */
void menu_sort(const struct filter_limits *lim, int photo, double res,
    struct vspec *specs, int n);
/* Whether every one of n specs asks for grey (a --variant "...g"). */
int menu_all_grey(const struct vspec *specs, int n);

/* One variant made of several images (a document's pages, a PDF's page
 * images), each encoded spec by spec. With a share of --target, the
 * first image searches for its stop, the best spec within its share,
 * from spec hint (set it before the first run: a spec whose level is
 * cheap to decode, near where the stop is expected); every later image
 * makes the specs [first, nmade): the stop and the one above it. With
 * no share every image makes every spec. */
struct ladder {
	int nspecs, hint, searched;
	int first, nmade;	/* the specs every image has */
};
void ladder_init(struct ladder *l, int nspecs);
/* Where a search of n sorted specs starts: the first spec guessed to be
 * within ratio (the share over the source's stored bytes) for a source
 * of resolution res (dpi, a photo's short side): from the pixels each
 * keeps and a per-pixel cost by quality. A guess costs at most a few
 * encodes more when it is wrong (the search walks from it). */
int menu_guess(const struct vspec *specs, int n, double res, double ratio);
/* Where a search starts when the source's bytes say nothing of its
 * variants' (a flattened sheet: paper evened white): the lowest level's
 * second quality (q70). */
int menu_hint(const struct vspec *specs, int n);
/* part's share of target, by part/whole, at least 1; 0 (no stop)
 * without target. */
uint64_t ladder_share(uint64_t target, double part, double whole);
/* Runs encode(ctx, s, &bytes) for the specs this image makes (see struct
 * ladder); 0 or encode's negative return. */
int ladder_run(struct ladder *l, uint64_t share,
    int (*encode)(void *ctx, int s, uint64_t *bytes), void *ctx);
/* Whether some spec is not made by every image (the menu is cut). */
int ladder_partial(const struct ladder *l);

/* Whether rep's menu takes v after what it lists: there is room and v is
 * strictly below the last one listed in rank and in size (a variant not
 * smaller than a better one is useless). */
int menu_takes(const struct filter_report *rep, const struct report_variant *v);
/* Sorts the measured variants v by rank and appends to rep's menu those
 * it takes (menu_takes). rep's keep comes first. */
void menu_publish(struct filter_report *rep, struct report_variant *v,
    int n);

/* One run of the engine on one file. */
struct engine {
	const struct filter_input *in;
	struct filter_report *rep;
	const struct fmt_ops *fmt;
	struct buf out;		/* what goes to fd 3: keep, or --variant's */
	struct buf menu;	/* with --menu, what follows it in fd 3 */
	/* fd 3 when the menu streams: keep, then each variant as it is
	 * published, so no variant is held once written (a 50 MB PDF's
	 * menu is several times its size); -1: all kept in e->menu */
	int fd;
	size_t streamed;	/* bytes already written to fd */
	int out_borrowed;	/* out is e->in's bytes (keep is the upload):
				 * not the engine's to free */
};
/* With --menu, once keep is complete in e->out: sets v->offset (where
 * the variant's bytes start in fd 3) and v->ext, and writes them (after
 * keep, the first time) to e->fd, or appends them to e->menu. 0,
 * -ENOMEM or -EIO. */
int engine_menu_add(struct engine *e, struct report_variant *v,
    const unsigned char *p, size_t len, const char *ext);
/* The same in pieces, for a variant written as it is made: open sets
 * v->offset (the caller then sets bytes and ext), put appends its
 * bytes. 0, -ENOMEM or -EIO. */
int engine_menu_open(struct engine *e, struct report_variant *v);
int engine_menu_put(struct engine *e, const unsigned char *p, size_t len);
/* What the report says the engine wrote (engine_report.c). */
/* Adds a transform note ("a, b") to the report. */
void engine_note(struct engine *e, const char *what);
/* Sets out_type/out_ext in the report. */
void engine_out_type(struct engine *e, const char *mime, const char *ext);
/* --variant lossless: lossless (moved into e->out) is the output, or the
 * file is refused "unknown variant" when there is none. 0. */
int engine_emit_lossless(struct engine *e, struct buf *lossless,
    const char *fmt);
/* Refuses the file blank: page (1-based) of npages has no content; the
 * report names the page when there are several. */
void engine_blank(struct engine *e, int page, int npages);
/* Replaces the transform by what variant s did ("jpeg q70 200dpi gray"). */
void engine_describe(struct engine *e, const char *fmt,
    const struct vspec *s, int grey);

/* The raster pipeline shared by JPEG, PNG and TIFF (pages.c). */
struct pdf_page_img;
struct page_src {
	int npages;
	void *ctx;
	/* native size; bilevel pages are never turned into greys */
	int (*info)(void *ctx, int page, int *w, int *h, int *bilevel);
	/* decodes a page to exactly tw x th (<= native), upright */
	int (*decode)(void *ctx, int page, int tw, int th,
	    struct raster *out, char *msg, size_t msgsz);
	/* a bilevel page as CCITT G4 (K -1, BlackIs1 false), its size */
	int (*g4)(void *ctx, int page, struct buf *out, int *w, int *h);
	/* a page's ICC profile once the page was decoded, or NULL; its
	 * variants carry it (in the JPEG of a single image, as ICCBased in
	 * a PDF of pages). The hook may be NULL. */
	const struct buf *(*page_icc)(void *ctx, int page);
	/* a page's image as the file holds it (its JPEG strips, its
	 * palette), showing what r (the page decoded, upright) shows, or
	 * with r NULL a bilevel page's bits: appended to data, img's w, h,
	 * ch, flate, bpc, palette, ncolours and orient set (palette points
	 * into ctx); keep takes it when it is not larger than its re-encode
	 * (a bilevel page, than its G4). 0 or -ENOENT (none); may be NULL */
	int (*source_img)(void *ctx, int page, const struct raster *r,
	    struct buf *data, struct pdf_page_img *img);
	/* a single image rewritten losslessly, smaller than keep, or NULL:
	 * offered as "lossless" (rank 99), its extension lossless_ext */
	const struct buf *lossless;
	const char *lossless_ext;
	/* a single image's frame is its page (no sheet was found in it):
	 * keep is made final now if it was left unfinished (a JPEG's
	 * orientation, jpeg_keep's later), before anything is encoded from
	 * it or written. 0 or a negative errno; may be NULL */
	int (*settle)(void *ctx);
};
/* Analyses every page, fills dpi/color/status and, as asked by the
 * limits, the menu or one variant into e->out. single: one page whose
 * variants are plain JPEGs; else a PDF of pages. When e->lim asks for
 * keep only, `keep` (already in e->out, or NULL to build it as a PDF of
 * native pages) is measured and listed. 0 or negative errno. */
int pages_run(struct engine *e, const struct page_src *src, int single);
/* What the page source of a single image (JPEG, PNG) holds besides its
 * decoder: the first member of its context. */
struct image_src {
	struct raster pixels;	/* decoded whole already (upright), or empty */
	struct buf icc;		/* its ICC profile, for the variants */
	struct buf lossless;	/* the same pixels, smaller than keep, or
				 * empty */
};
/* A decode served from s->pixels (which the caller checked is there):
 * 0, or -ENOMEM with msg. */
int image_src_resample(const struct image_src *s, int tw, int th,
    struct raster *out, char *msg, size_t msgsz);
/* Runs src, whose ctx starts with s: --variant lossless's output (fmt
 * names it in the transform), else pages_run; then releases s. */
int image_src_run(struct engine *e, struct image_src *s,
    struct page_src *src, const char *fmt);
void image_src_release(struct image_src *s);
/* Whether a single w x h image is refused lowres by pages_run before it
 * decodes a pixel. */
int pages_lowres(const struct filter_limits *lim, int w, int h);

/* TIFF (tiff_engine.c): every page into pages_run as one PDF. */
int tiff_pages(struct engine *e);

/* PDF (pdf_rewrite.c): whether a PDF may be rewritten at all (no
 * signature's /ByteRange; the caller also asks pdf_has_signature), and
 * its lossless QPDF rewrite (object streams, Flate recompressed) into
 * out: 0, -EINVAL or -ENOMEM. An encrypted PDF (owner password only)
 * keeps its encryption and restrictions. */
int pdf_may_rewrite(const unsigned char *buf, size_t len);
int pdf_rewrite(const unsigned char *buf, size_t len, struct buf *out);

/* A PDF made of page images (pdf_write.c). */
struct pdf_page_img {
	const unsigned char *data;
	size_t len;
	int w, h, ch;		/* ch 1 grey, 3 RGB, 0 bilevel (G4) */
	/* Flate samples of bpc bits instead (ch 1), indexes into palette
	 * (ncolours RGB triples) when it is not NULL: a TIFF's palette or
	 * bilevel page as it was */
	int flate, bpc, ncolours;
	const unsigned char *palette;
	double dpi;		/* for the page size: across the image's rows */
	double ydpi;		/* down its columns, when not dpi (a fax's
				 * coarse rows); 0: dpi */
	int orient;		/* stored turned: drawn upright by this EXIF
				 * orientation (2..8); 0 or 1: as it is */
	const unsigned char *icc;	/* a profile for these pixels, or
					 * NULL: ICCBased (one object per
					 * distinct profile) */
	size_t icclen;
};
/* Writes a PDF of n pages, one image each, filling the page, to out;
 * with out NULL only measures (data may then be NULL). *size, when not
 * NULL, gets the PDF's size. 0 or -ENOMEM. */
int pdf_write_pages(const struct pdf_page_img *pages, int n,
    struct buf *out, size_t *size);

#endif
