/*
 * exif.h: the EXIF scrubber (exif.c), for a JPEG's APP1 segment and a
 * PNG's eXIf chunk: GPS, serial numbers and maker notes removed, the
 * orientation read or set upright.
 * SECURITY: parses uploaded bytes, never outside the payload it is given.
 */
#ifndef QUJAT_EXIF_H
#define QUJAT_EXIF_H

#include <stddef.h>

/* EXIF (exif.c), inside an APP1 payload that starts "Exif\0\0". */
struct exif_scrub {
	int orientation; /* 1..8 as found; 1 when absent or invalid */
	int tag;	 /* the orientation tag's raw value, -1 if none */
	int gps, serial; /* what was removed */
};
/* Zeroes and unlinks GPS, serial numbers, unique ID and maker notes in
 * place; with set_upright, when the orientation tag is not 1, also sets
 * it to 1 and cuts the thumbnail. Never reads or writes outside
 * [p, p+len). */
void exif_scrub(unsigned char *p, size_t len, int set_upright,
    struct exif_scrub *res);

#endif
