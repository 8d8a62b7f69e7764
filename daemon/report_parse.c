/*
 * report_parse.c: the daemon's parser of what qujat-filter wrote on its
 * report pipe (report.h; the worker's formatter is filters/report_out.c).
 * SECURITY: the worker has read hostile bytes and may be subverted, so the
 * report is untrusted too: every byte, line, key and number is checked,
 * and nothing it says is used before the whole report passed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

static const char *const limit_names[] = { "bytes", "pixels", "pages",
	"objects", "stream", NULL };
static const char *const ext_names[] = { "jpg", "png", "tif", "pdf", NULL };

const char *
report_status_name(enum filter_status s)
{
	if ((size_t)s >= REPORT_NSTATUS)
		return "unknown";
	return report_status_names[s];
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
		if (!((v[i] >= '0' && v[i] <= '9') ||
			(v[i] >= 'a' && v[i] <= 'f')))
			return false;
	return true;
}

static int
parse_status(const char *v, size_t len, struct filter_report *out)
{
	size_t i;

	for (i = 0; i < REPORT_NSTATUS; i++)
		if (strlen(report_status_names[i]) == len &&
		    memcmp(report_status_names[i], v, len) == 0) {
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
		if (!((v[i] >= 'a' && v[i] <= 'z') ||
			(v[i] >= '0' && v[i] <= '9') || v[i] == '.' ||
			v[i] == '_' || v[i] == '-'))
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
	return start <= len ? -1 : n; /* -1: more fields than max */
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
	if (n == 5 &&
	    (parse_num(f[3], fl[3], INT64_C(1) << 50, &var->offset) < 0 ||
		!in_list(f[4], fl[4], ext_names)))
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
store_value(const struct report_key *k, const char *v, size_t len,
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
			len = k->size - 1; /* for the log only */
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

	for (i = 0; i < RK_COUNT; i++)
		if (strlen(report_keys[i].name) == len &&
		    memcmp(report_keys[i].name, key, len) == 0)
			return i;
	return -1;
}

/* One "key value" line; seen[] guards against a key given twice. */
static int
parse_line(const char *line, size_t len, bool *seen, struct filter_report *out,
    struct qerr *err)
{
	const char *sp = memchr(line, ' ', len);
	size_t klen;
	int k;

	if (sp == NULL || sp == line)
		return qerr_set(err, -EPROTO,
		    "report line '%.*s' is not "
		    "'key value'",
		    (int)(len > 40 ? 40 : len), line);
	klen = (size_t)(sp - line);
	if ((k = find_key(line, klen)) < 0)
		return 0; /* a newer worker's key */
	if (seen[k] && k != RK_VARIANT)
		return qerr_set(err, -EPROTO, "report key '%s' given twice",
		    report_keys[k].name);
	seen[k] = true;
	if (store_value(&report_keys[k], sp + 1, len - klen - 1, out) < 0)
		return qerr_set(err, -EPROTO, "report key '%s' has a bad value",
		    report_keys[k].name);
	return 0;
}

static int
check_bytes(const char *buf, size_t len, struct qerr *err)
{
	size_t i;

	if (len == 0)
		return qerr_set(err, -EPROTO, "empty report");
	if (len > REPORT_MAX)
		return qerr_set(err, -EPROTO,
		    "report too large: %zu bytes, "
		    "at most %d",
		    len, REPORT_MAX);
	for (i = 0; i < len; i++)
		if (buf[i] != '\n' && (buf[i] < 0x20 || buf[i] > 0x7e))
			return qerr_set(err, -EPROTO,
			    "report byte %zu is not "
			    "printable ascii",
			    i);
	return 0;
}

static int
check_required(const bool *seen, const struct filter_report *out,
    struct qerr *err)
{
	static const int ok_keys[] = { RK_EXT, RK_WIDTH, RK_HEIGHT, RK_PAGES,
		RK_BYTES_IN, RK_SHA_IN };
	size_t i;

	if (!seen[RK_STATUS] || !seen[RK_TYPE])
		return qerr_set(err, -EPROTO, "report lacks '%s'",
		    seen[RK_STATUS] ? "type" : "status");
	if (out->status == FS_LIMIT &&
	    (!seen[RK_LIMIT] ||
		!in_list(out->limit, strlen(out->limit), limit_names)))
		return qerr_set(err, -EPROTO,
		    "report status limit lacks a "
		    "valid 'limit'");
	if (seen[RK_BYTES_OUT] != seen[RK_SHA_OUT])
		return qerr_set(err, -EPROTO,
		    "report has only one of "
		    "'bytes_out' and 'sha256_out'");
	if (out->status != FS_OK)
		return 0;
	for (i = 0; i < sizeof(ok_keys) / sizeof(ok_keys[0]); i++)
		if (!seen[ok_keys[i]])
			return qerr_set(err, -EPROTO,
			    "report status ok lacks "
			    "'%s'",
			    report_keys[ok_keys[i]].name);
	if (!in_list(out->ext, strlen(out->ext), ext_names))
		return qerr_set(err, -EPROTO, "report ext '%s' is unknown",
		    out->ext);
	if (seen[RK_OUT_EXT] && !seen[RK_OUT_TYPE])
		return qerr_set(err, -EPROTO,
		    "report has out_ext without "
		    "out_type");
	if (seen[RK_OUT_EXT] &&
	    !in_list(out->out_ext, strlen(out->out_ext), ext_names))
		return qerr_set(err, -EPROTO,
		    "report out_ext '%s' is unknown "
		    "or lacks out_type",
		    out->out_ext);
	for (int v = 1; v < out->nvariants; v++)
		if (out->variants[v].rank >= out->variants[v - 1].rank)
			return qerr_set(err, -EPROTO,
			    "report variants are not "
			    "listed from best to smallest");
	return 0;
}

int
report_parse(const char *buf, size_t len, struct filter_report *out,
    struct qerr *err)
{
	bool seen[RK_COUNT] = { false }, ended = false;
	size_t pos, mlen = strlen(REPORT_MAGIC);
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = check_bytes(buf, len, err)) < 0)
		return rc;
	if (len < mlen + 1 || memcmp(buf, REPORT_MAGIC "\n", mlen + 1) != 0)
		return qerr_set(err, -EPROTO, "report does not start with '%s'",
		    REPORT_MAGIC);
	for (pos = mlen + 1; pos < len && !ended;) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (buf + pos)) : len - pos;

		if (l == 3 && memcmp(buf + pos, "end", 3) == 0)
			ended = true;
		else if ((rc = parse_line(buf + pos, l, seen, out, err)) < 0)
			return rc;
		pos += l + 1;
	}
	if (!ended || pos < len)
		return qerr_set(err, -EPROTO,
		    ended ? "report has data after "
			    "'end'" :
			    "report is truncated: no 'end' line");
	if ((rc = check_required(seen, out, err)) < 0)
		return rc;
	if (out->status == FS_OK && !seen[RK_OUT_EXT]) { /* pass-through */
		memcpy(out->out_ext, out->ext, sizeof(out->out_ext));
		memcpy(out->out_type, out->type, sizeof(out->out_type));
	}
	return 0;
}
