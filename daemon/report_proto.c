/*
 * report_proto.c: the worker protocol's keys (report.h), the one table
 * both qujat-filter (which writes reports) and qujatd (which parses them)
 * are built with. Data only; reads nothing.
 */
#include <stddef.h>
#include <stdint.h>

#include "report.h"

const char *const report_status_names[REPORT_NSTATUS] = {
	[FS_OK] = "ok",
	[FS_UNSUPPORTED] = "unsupported",
	[FS_CORRUPT] = "corrupt",
	[FS_ENCRYPTED] = "encrypted",
	[FS_LIMIT] = "limit",
	[FS_BLANK] = "blank",
	[FS_LOWRES] = "lowres",
};

#define F(m) offsetof(struct filter_report, m)
#define S(m) sizeof(((struct filter_report *)0)->m)
#define BIG (INT64_C(1) << 50)
const struct report_key report_keys[RK_COUNT] = {
	[RK_STATUS] = { "status", R_STATUS, F(status), 0, 0, RW_ALWAYS },
	[RK_LIMIT] = { "limit", R_WORD, F(limit), S(limit), 0, RW_LIMIT },
	[RK_TYPE] = { "type", R_WORD, F(type), S(type), 0, RW_ALWAYS },
	[RK_EXT] = { "ext", R_WORD, F(ext), S(ext), 0, RW_OK_SET },
	[RK_WIDTH] = { "width", R_NUM, F(width), 0, INT32_MAX, RW_ALWAYS },
	[RK_HEIGHT] = { "height", R_NUM, F(height), 0, INT32_MAX, RW_ALWAYS },
	[RK_PAGES] = { "pages", R_NUM, F(pages), 0, INT32_MAX, RW_ALWAYS },
	[RK_BYTES_IN] = { "bytes_in", R_NUM, F(bytes_in), 0, BIG, RW_ALWAYS },
	[RK_SHA_IN] = { "sha256_in", R_SHA, F(sha256_in), S(sha256_in), 0,
	    RW_ALWAYS },
	[RK_BYTES_OUT] = { "bytes_out", R_NUM, F(bytes_out), 0, BIG,
	    RW_ALWAYS },
	[RK_SHA_OUT] = { "sha256_out", R_SHA, F(sha256_out), S(sha256_out), 0,
	    RW_ALWAYS },
	[RK_TRANSFORM] = { "transform", R_TEXT, F(transform), S(transform), 0,
	    RW_SET },
	[RK_DETAIL] = { "detail", R_TEXT, F(detail), S(detail), 0, RW_SET },
	[RK_MS] = { "ms", R_NUM, F(ms), 0, INT64_C(1) << 40, RW_ALWAYS },
	[RK_OUT_TYPE] = { "out_type", R_WORD, F(out_type), S(out_type), 0,
	    RW_OK_SET },
	[RK_OUT_EXT] = { "out_ext", R_WORD, F(out_ext), S(out_ext), 0,
	    RW_OK_SET },
	[RK_DPI] = { "dpi", R_NUM, F(dpi), 0, 1000000, RW_ALWAYS },
	[RK_COLOR] = { "color", R_NUM, F(color), 0, 1, RW_ALWAYS },
	[RK_VARIANT] = { "variant", R_VARIANT, 0, 0, 0, RW_SET },
	[RK_PARTIAL] = { "menu_partial", R_NUM, F(menu_partial), 0, 1, RW_SET },
	[RK_SIGNED] = { "signed", R_NUM, F(signed_pdf), 0, 1, RW_SET },
	[RK_PAGE] = { "page", R_NUM, F(page), 0, INT32_MAX, RW_SET },
	[RK_INCOMPLETE] = { "incomplete", R_NUM, F(incomplete), 0, 1, RW_SET },
};
