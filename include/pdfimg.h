/*
 * pdfimg.h: recompression of a PDF's page images (filters/pdf_*.c):
 * where each image is drawn (pdf_place.c), which images can be re-encoded
 * correctly, their analysis and their encodings (pdf_images.c), and the
 * document written again with them (pdf_images.c), or rewritten
 * losslessly as it is (pdf_rewrite.c). fmt_pdf.c drives it; a PDF made
 * of page images is pdfwrite.h's.
 * SECURITY: everything here parses uploaded bytes through QPDF's C API
 * or decodes image streams from them, inside the sandbox; sizes are
 * checked against the worker's limits before anything is decoded.
 *
 * Contract: one job per run; an image is known by its object number, so
 * the menu and `--variant ID` re-run the same code on the same objects
 * and write the same bytes.
 */
#ifndef QUJAT_PDFIMG_H
#define QUJAT_PDFIMG_H

#include <stddef.h>
#include <stdint.h>
#include <qpdf/qpdf-c.h>

#include "buf.h"
#include "variants.h"
#include "raster.h"

/* One drawing of an image XObject: placed size in points (the lengths of
 * the current transformation matrix's axes when it was drawn). guess: no
 * Do the lexer saw draws it; placed as covering the page, for its
 * encoding only, never for the page's resolution. under: visible text
 * was shown after it, over it: a born-digital page's background. */
struct pdf_use {
	int obj, gen;
	int page;
	int guess, under;
	double w, h;
};

struct pdf_uses {
	struct pdf_use *v;
	size_t n, cap;
};

/* What a page shows besides images, and its MediaBox size in points. */
struct pdf_page_info {
	int text;  /* text operators (BT) */
	int paint; /* paths, shadings, inline images or
		    * annotations */
	double mw, mh;
};

/* Scans page number `pageno` (handle page) of q: appends every image it
 * draws (nested Form XObjects included, a few levels deep) to uses, and
 * an image its /Resources name but its content never draws as a guess
 * covering the MediaBox. A content stream that does not decode within limit
 * bytes counts as painting. 0 or -ENOMEM. */
int pdf_page_scan(qpdf_data q, qpdf_oh page, int pageno, uint64_t limit,
    struct pdf_uses *uses, struct pdf_page_info *info);

/* A stream's data decoded within limit bytes (pdf_stream.c): QPDF gives
 * the raw data, the lossless filters (Flate, LZW, RunLength, ASCIIHex,
 * ASCII85) run here chunk by chunk and stop at the limit; a predictor is
 * left to QPDF once the stage's size is known. Appends to out. With
 * check, only the lossless filters QPDF's writer would decode are run,
 * the last output counted, not kept (out may be NULL). 0; -E2BIG over
 * the limit; -ENOTSUP for a filter not decoded here (DCT, JPX, CCITT,
 * JBIG2, Crypt); -EINVAL when unreadable; -ENOMEM. */
int pdf_stream_decode(qpdf_data q, qpdf_oh stream, uint64_t limit, int check,
    struct buf *out);
/* The same, when a stream of one filter is expected to decode to about
 * hint bytes (an image's rows): a complete, sound Flate stream of that
 * size is then inflated whole, at once (libdeflate); the result is the
 * same bytes. */
int pdf_stream_decode_hint(qpdf_data q, qpdf_oh stream, uint64_t limit,
    int check, size_t hint, struct buf *out);
/* Whether the stream dict belongs to an image stored with Flate alone:
 * QPDF's writer passes such a stream through undecoded, and the engine
 * decodes (or checks) every drawn one within the limit (pdf_job_open,
 * pdf_job_encode), so the probe need not inflate it first. */
int pdf_flate_image(qpdf_data q, qpdf_oh dict);
/* A page's content streams decoded (as above) and joined by newlines,
 * appended to out; at most limit bytes in all. Same returns. */
int pdf_page_content(qpdf_data q, qpdf_oh page, uint64_t limit,
    struct buf *out);

/* The document's length (pdf_rewrite.c): up to and including its last
 * %%EOF and the end of line after it, what follows it (a polyglot's
 * payload) left out; len when there is no %%EOF, or when a /ByteRange
 * (a signature) covers bytes after it. */
size_t pdf_doc_len(const unsigned char *buf, size_t len);

/* Opens the len bytes at buf with QPDF's C API the one way every reader
 * here does (pdf_rewrite.c): errors kept in the handle (never printed),
 * warnings suppressed. 0; -EINVAL when QPDF cannot read it (*q holds
 * the error); -ENOMEM (*q NULL). The caller qpdf_cleanup()s *q. */
int pdf_open_memory(const unsigned char *buf, size_t len, qpdf_data *q);

/* Sets how every rewrite is written (pdf_rewrite.c): object streams,
 * Flate recompressed, a deterministic /ID unless the document is
 * encrypted, whose encryption is kept. */
void pdf_write_setup(qpdf_data q);

/* An attribute of a page, looked up through /Parent when inherited
 * (/Resources, /MediaBox); a new handle (null when absent). */
qpdf_oh pdf_page_attr(qpdf_data q, qpdf_oh page, const char *key);

/* Whether the document carries a signature field with a value. */
int pdf_has_signature(qpdf_data q);

#define PDF_MAX_SPECS MENU_MAX_SPECS

/* Where a written document goes (pdf_lazy.cc): write() gets its bytes
 * in order (0 or a negative errno, which stops the write); with write
 * NULL they are only counted. */
struct pdf_sink {
	int (*write)(void *ctx, const unsigned char *p, size_t len);
	void *ctx;
};

/* One image stream a write replaces by a JPEG of len bytes: data, or
 * with data NULL as many zeros (for a size: QPDF copies DCT data as it
 * is, so only the length matters to the document's size). */
struct pdf_swap {
	int obj, gen;
	int w, h;
	int grey; /* the JPEG is grey, the image was not */
	int base; /* an Indexed image: its base colour space */
	const unsigned char *data;
	size_t len;
};
/* Writes the document buf with n swaps to out (pdf_write_setup's
 * settings), its size in *size; the images' bytes are read as QPDF
 * writes them, and nothing but one image's stream is buffered. 0,
 * -EINVAL, -ENOMEM or the sink's error. */
int pdf_lazy_write(const unsigned char *buf, size_t len,
    const struct pdf_swap *sw, size_t n, const struct pdf_sink *out,
    uint64_t *size);

/* One image's encoding for one spec; len 0: left as it is. Its bytes
 * are held in data only while the job holds that spec (pdf_job). */
struct pdf_enc {
	struct buf data;
	size_t len;
	int w, h, ch;
};

struct pdf_img {
	int obj, gen;
	int w, h, n;		    /* pixels and components (dictionary; an
				     * Indexed image's base colour space's) */
	int ok;			    /* can be re-encoded correctly */
	int bpc;		    /* bits per sample: 8, or 2, 4, 8 indexed */
	int hival;		    /* Indexed: the highest index, else -1 */
	unsigned char lut[256 * 3]; /* Indexed: hival + 1 base colours */
	int dct;		    /* a plain DCTDecode stream */
	int flate;		    /* Flate alone: QPDF writes it as it is
				     * (pdf_flate_image) */
	int ycck;		    /* CMYK stored as YCCK (decode_dct) */
	size_t stored;		    /* the stream's stored length */
	double dpi;		    /* pixels over the placed size */
	int analysed;
	struct page_look look;
	struct pdf_enc enc[PDF_MAX_SPECS];
};

struct pdf_job {
	const struct filter_input *in;
	qpdf_data q;
	int npages;
	struct pdf_page_info *pages;
	struct pdf_uses uses;
	struct pdf_img *img;
	size_t nimg;
	struct vspec specs[PDF_MAX_SPECS];
	int nspecs;
	double dpi; /* worst scanned page, 0 when none */
	double res; /* resolution for ranks and levels */
	int colour;
	int blank_page; /* the first page that is uniform images
			 * alone (1-based), or 0 */
	int replaced;	/* images the wanted spec replaced */
	/* --target: each image's ladder stops at its share of target less
	 * `other` (the bytes that are not recompressible images), by pixel
	 * count; 0 encodes every spec */
	uint64_t target;
	size_t other;
	double pixels;	      /* of the images to re-encode, for shares */
	struct ladder ladder; /* [first, nmade): the specs every image has */
	/* The encodings' bytes are held for a spec only while all the
	 * held ones take at most hold_max bytes: past it the best spec
	 * held (the largest) is dropped, its sizes kept. So the menu of a
	 * 60-page scan holds what its small variants need, not every
	 * page of every variant. */
	size_t hold_max, held;
	int dropped[PDF_MAX_SPECS]; /* bytes not held: size only */
};

/* Opens the document, scans every page and classifies its images; a
 * drawn Flate image that will not be decoded is checked against
 * --max-stream-bytes (pdf_flate_image). 0; -EINVAL when QPDF cannot
 * read it; -E2BIG over the limit; -ENOMEM. */
int pdf_job_open(struct pdf_job *j, const struct filter_input *in);
/* Decodes every recompressible image, judges it (colour, blank) and
 * encodes it for j->specs: all of them, or with j->target the ones the
 * ladder makes (struct ladder: the first image searches for its stop
 * within its share, the others make the stop and the spec above it),
 * each image decoded at the largest level it is encoded at. Sets
 * j->ladder (the specs every image has), j->colour and
 * j->blank_page, and closes the document (each write reads the upload
 * again). 0, -E2BIG (an image decodes past --max-stream-bytes) or
 * -ENOMEM. */
int pdf_job_encode(struct pdf_job *j);
/* Writes the document with spec s's images (object streams, Flate
 * recompressed, deterministic /ID) to out, or with out NULL only
 * measures it; its size in *size. A dropped spec can only be measured.
 * With s -1 no image changes: the bytes pdf_rewrite writes. 0, -EINVAL,
 * -ENOMEM or out's error. */
int pdf_job_write(struct pdf_job *j, int s, const struct pdf_sink *out,
    size_t *size);
/* A sink appending to a struct buf (ctx). */
int pdf_sink_buf(void *ctx, const unsigned char *p, size_t len);
/* Frees spec s's encodings. */
void pdf_job_drop(struct pdf_job *j, int s);
void pdf_job_release(struct pdf_job *j);

/* PDF (pdf_rewrite.c): whether a PDF may be rewritten at all (no
 * signature's /ByteRange; the caller also asks pdf_has_signature), and
 * its lossless QPDF rewrite (object streams, Flate recompressed) into
 * out: 0, -EINVAL or -ENOMEM. An encrypted PDF (owner password only)
 * keeps its encryption and restrictions. */
int pdf_may_rewrite(const unsigned char *buf, size_t len);
int pdf_rewrite(const unsigned char *buf, size_t len, struct buf *out);

#endif
