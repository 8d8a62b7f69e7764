/*
 * report.c: parses what qujat-filter wrote on its report pipe (report.h).
 * SECURITY: the worker has read hostile bytes and may be subverted, so the
 * report is untrusted too: every byte, line, key and number is checked,
 * and nothing it says is used before the whole report passed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

static const char *const status_names[] = {
	[FS_OK] = "ok", [FS_UNSUPPORTED] = "unsupported",
	[FS_CORRUPT] = "corrupt", [FS_ENCRYPTED] = "encrypted",
	[FS_LIMIT] = "limit", [FS_BLANK] = "blank", [FS_LOWRES] = "lowres",
};

#define NSTATUS (sizeof(status_names) / sizeof(status_names[0]))

enum rkey {
	K_STATUS, K_LIMIT, K_TYPE, K_EXT, K_WIDTH, K_HEIGHT, K_PAGES,
	K_BYTES_IN, K_SHA_IN, K_BYTES_OUT, K_SHA_OUT, K_TRANSFORM, K_DETAIL,
	K_MS, K_OUT_TYPE, K_OUT_EXT, K_DPI, K_COLOR, K_VARIANT, K_PARTIAL,
	K_SIGNED, K_PAGE, K_INCOMPLETE, K_COUNT
};

/* What a key's value is; numbers hold [0, max]. */
enum rkind { R_STATUS, R_WORD, R_TEXT, R_NUM, R_SHA, R_VARIANT };

static const struct rkey_def {
	const char *name;
	enum rkind kind;
	size_t off;		/* into struct filter_report */
	size_t size;		/* of the char field, or 0 */
	int64_t max;		/* for numbers */
} rkeys[K_COUNT] = {
#define F(m) offsetof(struct filter_report, m)
#define S(m) sizeof(((struct filter_report *)0)->m)
	[K_STATUS] = { "status", R_STATUS, F(status), 0, 0 },
	[K_LIMIT] = { "limit", R_WORD, F(limit), S(limit), 0 },
	[K_TYPE] = { "type", R_WORD, F(type), S(type), 0 },
	[K_EXT] = { "ext", R_WORD, F(ext), S(ext), 0 },
	[K_WIDTH] = { "width", R_NUM, F(width), 0, INT32_MAX },
	[K_HEIGHT] = { "height", R_NUM, F(height), 0, INT32_MAX },
	[K_PAGES] = { "pages", R_NUM, F(pages), 0, INT32_MAX },
	[K_BYTES_IN] = { "bytes_in", R_NUM, F(bytes_in), 0, INT64_C(1) << 50 },
	[K_SHA_IN] = { "sha256_in", R_SHA, F(sha256_in), S(sha256_in), 0 },
	[K_BYTES_OUT] = { "bytes_out", R_NUM, F(bytes_out), 0,
	    INT64_C(1) << 50 },
	[K_SHA_OUT] = { "sha256_out", R_SHA, F(sha256_out), S(sha256_out), 0 },
	[K_TRANSFORM] = { "transform", R_TEXT, F(transform), S(transform), 0 },
	[K_DETAIL] = { "detail", R_TEXT, F(detail), S(detail), 0 },
	[K_MS] = { "ms", R_NUM, F(ms), 0, INT64_C(1) << 40 },
	[K_OUT_TYPE] = { "out_type", R_WORD, F(out_type), S(out_type), 0 },
	[K_OUT_EXT] = { "out_ext", R_WORD, F(out_ext), S(out_ext), 0 },
	[K_DPI] = { "dpi", R_NUM, F(dpi), 0, 1000000 },
	[K_COLOR] = { "color", R_NUM, F(color), 0, 1 },
	[K_VARIANT] = { "variant", R_VARIANT, 0, 0, 0 },
	[K_PARTIAL] = { "menu_partial", R_NUM, F(menu_partial), 0, 1 },
	[K_SIGNED] = { "signed", R_NUM, F(signed_pdf), 0, 1 },
	[K_PAGE] = { "page", R_NUM, F(page), 0, INT32_MAX },
	[K_INCOMPLETE] = { "incomplete", R_NUM, F(incomplete), 0, 1 },
#undef F
#undef S
};

static const char *const limit_names[] = {
	"bytes", "pixels", "pages", "objects", "stream", NULL
};
static const char *const ext_names[] = { "jpg", "png", "tif", "pdf", NULL };

const char *
report_status_name(enum filter_status s)
{
	if ((size_t)s >= NSTATUS)
		return "unknown";
	return status_names[s];
}

static bool
in_list(const char *v, size_t len, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == len && memcmp(*list, v, len) == 0)
			return true;
	return false;
}

static int
parse_num(const char *v, size_t len, int64_t max, int64_t *out)
{
	int64_t n = 0;
	size_t i;

	if (len == 0 || len > 19 || (len > 1 && v[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		/* (max - d) / 10 truncates towards 0: for a max below 10 it
		 * would let "2" past a max of 1, so the bound is checked
		 * after, and this only guards the multiplication */
		if (n > (INT64_MAX - (v[i] - '0')) / 10)
			return -1;
		n = n * 10 + (v[i] - '0');
	}
	if (n > max)
		return -1;
	*out = n;
	return 0;
}

static bool
sha_valid(const char *v, size_t len)
{
	size_t i;

	if (len != 64)
		return false;
	for (i = 0; i < len; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
			return false;
	return true;
}

static int
parse_status(const char *v, size_t len, struct filter_report *out)
{
	size_t i;

	for (i = 0; i < NSTATUS; i++)
		if (strlen(status_names[i]) == len &&
		    memcmp(status_names[i], v, len) == 0) {
			out->status = (enum filter_status)i;
			return 0;
		}
	return -1;
}

static bool
id_valid(const char *v, size_t len)
{
	if (len == 0 || len >= sizeof(((struct report_variant *)0)->id))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' &&
		    v[i] <= '9') || v[i] == '.' || v[i] == '_' || v[i] == '-'))
			return false;
	return true;
}

/* Splits v into at most max space-separated fields; returns how many. */
static int
split(const char *v, size_t len, const char **f, size_t *fl, int max)
{
	int n = 0;
	size_t start = 0;

	for (size_t i = 0; i <= len && n < max; i++) {
		if (i < len && v[i] != ' ')
			continue;
		f[n] = v + start;
		fl[n++] = i - start;
		start = i + 1;
	}
	return start <= len ? -1 : n;	/* -1: more fields than max */
}

/* "ID BYTES RANK [OFFSET EXT]": one more entry of the menu. */
static int
parse_variant(const char *v, size_t len, struct filter_report *out)
{
	struct report_variant *var = &out->variants[out->nvariants];
	const char *f[5];
	size_t fl[5];
	int64_t rank;
	int n = split(v, len, f, fl, 5);

	if (out->nvariants >= REPORT_MAX_VARIANTS || (n != 3 && n != 5) ||
	    !id_valid(f[0], fl[0]) ||
	    parse_num(f[1], fl[1], INT64_C(1) << 50, &var->bytes) < 0 ||
	    parse_num(f[2], fl[2], 100, &rank) < 0)
		return -1;
	var->offset = -1;
	var->ext[0] = '\0';
	if (n == 5 && (parse_num(f[3], fl[3], INT64_C(1) << 50,
	    &var->offset) < 0 || !in_list(f[4], fl[4], ext_names)))
		return -1;
	if (n == 5) {
		memcpy(var->ext, f[4], fl[4]);
		var->ext[fl[4]] = '\0';
	}
	memcpy(var->id, f[0], fl[0]);
	var->id[fl[0]] = '\0';
	var->rank = (int)rank;
	out->nvariants++;
	return 0;
}

/* Stores one value; 0, or -1 when it does not fit its key. */
static int
store_value(const struct rkey_def *k, const char *v, size_t len,
    struct filter_report *out)
{
	char *dst = (char *)out + k->off;

	switch (k->kind) {
	case R_STATUS:
		return parse_status(v, len, out);
	case R_VARIANT:
		return parse_variant(v, len, out);
	case R_NUM:
		return parse_num(v, len, k->max, (int64_t *)(void *)dst);
	case R_SHA:
		if (!sha_valid(v, len))
			return -1;
		break;
	case R_WORD:
		if (len == 0 || len >= k->size || memchr(v, ' ', len) != NULL)
			return -1;
		break;
	case R_TEXT:
		if (len >= k->size)
			len = k->size - 1;	/* for the log only */
		break;
	}
	memcpy(dst, v, len);
	dst[len] = '\0';
	return 0;
}

static int
find_key(const char *key, size_t len)
{
	int i;

	for (i = 0; i < K_COUNT; i++)
		if (strlen(rkeys[i].name) == len &&
		    memcmp(rkeys[i].name, key, len) == 0)
			return i;
	return -1;
}

/* One "key value" line; seen[] guards against a key given twice. */
static int
parse_line(const char *line, size_t len, bool *seen,
    struct filter_report *out, struct qerr *err)
{
	const char *sp = memchr(line, ' ', len);
	size_t klen;
	int k;

	if (sp == NULL || sp == line)
		return qerr_set(err, -EPROTO, "report line '%.*s' is not "
		    "'key value'", (int)(len > 40 ? 40 : len), line);
	klen = (size_t)(sp - line);
	if ((k = find_key(line, klen)) < 0)
		return 0;	/* a newer worker's key */
	if (seen[k] && k != K_VARIANT)
		return qerr_set(err, -EPROTO, "report key '%s' given twice",
		    rkeys[k].name);
	seen[k] = true;
	if (store_value(&rkeys[k], sp + 1, len - klen - 1, out) < 0)
		return qerr_set(err, -EPROTO, "report key '%s' has a bad value",
		    rkeys[k].name);
	return 0;
}

static int
check_bytes(const char *buf, size_t len, struct qerr *err)
{
	size_t i;

	if (len == 0)
		return qerr_set(err, -EPROTO, "empty report");
	if (len > REPORT_MAX)
		return qerr_set(err, -EPROTO, "report too large: %zu bytes, "
		    "at most %d", len, REPORT_MAX);
	for (i = 0; i < len; i++)
		if (buf[i] != '\n' && (buf[i] < 0x20 || buf[i] > 0x7e))
			return qerr_set(err, -EPROTO, "report byte %zu is not "
			    "printable ascii", i);
	return 0;
}

static int
check_required(const bool *seen, const struct filter_report *out,
    struct qerr *err)
{
	static const int ok_keys[] = { K_EXT, K_WIDTH, K_HEIGHT, K_PAGES,
	    K_BYTES_IN, K_SHA_IN };
	size_t i;

	if (!seen[K_STATUS] || !seen[K_TYPE])
		return qerr_set(err, -EPROTO, "report lacks '%s'",
		    seen[K_STATUS] ? "type" : "status");
	if (out->status == FS_LIMIT && (!seen[K_LIMIT] ||
	    !in_list(out->limit, strlen(out->limit), limit_names)))
		return qerr_set(err, -EPROTO, "report status limit lacks a "
		    "valid 'limit'");
	if (seen[K_BYTES_OUT] != seen[K_SHA_OUT])
		return qerr_set(err, -EPROTO, "report has only one of "
		    "'bytes_out' and 'sha256_out'");
	if (out->status != FS_OK)
		return 0;
	for (i = 0; i < sizeof(ok_keys) / sizeof(ok_keys[0]); i++)
		if (!seen[ok_keys[i]])
			return qerr_set(err, -EPROTO, "report status ok lacks "
			    "'%s'", rkeys[ok_keys[i]].name);
	if (!in_list(out->ext, strlen(out->ext), ext_names))
		return qerr_set(err, -EPROTO, "report ext '%s' is unknown",
		    out->ext);
	if (seen[K_OUT_EXT] && !seen[K_OUT_TYPE])
		return qerr_set(err, -EPROTO, "report has out_ext without "
		    "out_type");
	if (seen[K_OUT_EXT] && !in_list(out->out_ext,
	    strlen(out->out_ext), ext_names))
		return qerr_set(err, -EPROTO, "report out_ext '%s' is unknown "
		    "or lacks out_type", out->out_ext);
	for (int v = 1; v < out->nvariants; v++)
		if (out->variants[v].rank >= out->variants[v - 1].rank)
			return qerr_set(err, -EPROTO, "report variants are not "
			    "listed from best to smallest");
	return 0;
}

int
report_parse(const char *buf, size_t len, struct filter_report *out,
    struct qerr *err)
{
	bool seen[K_COUNT] = { false }, ended = false;
	size_t pos, mlen = strlen(REPORT_MAGIC);
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = check_bytes(buf, len, err)) < 0)
		return rc;
	if (len < mlen + 1 || memcmp(buf, REPORT_MAGIC "\n", mlen + 1) != 0)
		return qerr_set(err, -EPROTO, "report does not start with '%s'",
		    REPORT_MAGIC);
	for (pos = mlen + 1; pos < len && !ended; ) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (buf + pos)) : len - pos;

		if (l == 3 && memcmp(buf + pos, "end", 3) == 0)
			ended = true;
		else if ((rc = parse_line(buf + pos, l, seen, out, err)) < 0)
			return rc;
		pos += l + 1;
	}
	if (!ended || pos < len)
		return qerr_set(err, -EPROTO, ended ? "report has data after "
		    "'end'" : "report is truncated: no 'end' line");
	if ((rc = check_required(seen, out, err)) < 0)
		return rc;
	if (out->status == FS_OK && !seen[K_OUT_EXT]) {	/* pass-through */
		memcpy(out->out_ext, out->ext, sizeof(out->out_ext));
		memcpy(out->out_type, out->type, sizeof(out->out_type));
	}
	return 0;
}
