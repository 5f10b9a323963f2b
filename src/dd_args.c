/*
 * dd's operands: recognising them, dd's number grammar, and their
 * translation into kcp's options.  Like options.c, nothing here prints or
 * exits.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commalist.h"
#include "dd.h"
#include "size.h"

/* dd's operand names; the supported ones are handled in dd_parse(). */
static const char *const dd_keys[] = {
	"if", "of", "bs", "ibs", "obs", "cbs", "skip", "seek", "count",
	"conv", "iflag", "oflag", "status", "iseek", "oseek", NULL
};

static bool
dd_key(const char *op)
{
	const char *eq = strchr(op, '=');
	int i;

	if (eq == NULL)
		return false;
	for (i = 0; dd_keys[i] != NULL; i++)
		if (commalist_is(op, (size_t)(eq - op), dd_keys[i]))
			return true;
	return false;
}

bool
dd_is_operands(int n, char **ops)
{
	int i;

	if (n == 0 || !dd_key(ops[0]))
		return false;
	for (i = 1; i < n; i++)
		if (strchr(ops[i], '=') == NULL)
			return false;
	return true;
}

/* One term of a dd number: a SIZE, or digits with c (1), w (2), b (512). */
static int
dd_term(const char *p, size_t n, int64_t *v)
{
	char term[128];
	int64_t mul = 1;

	if (n == 0 || strspn(p, "0123456789") + 3 < n) {
		errno = EINVAL;	/* not digits and a short suffix */
		return -1;
	}
	if (n >= sizeof(term)) {
		errno = ERANGE;
		return -1;
	}
	memcpy(term, p, n);
	term[n] = '\0';
	if (n > 1 && isdigit((unsigned char)term[n - 2]) &&
	    strchr("cwb", term[n - 1]) != NULL) {
		mul = term[n - 1] == 'c' ? 1 : term[n - 1] == 'w' ? 2 : 512;
		term[n - 1] = '\0';
	}
	if (size_parse(term, v) == -1)
		return -1;
	if (__builtin_mul_overflow(*v, mul, v)) {
		errno = ERANGE;
		return -1;
	}
	return 0;
}

/* A dd number: a product of terms joined by 'x'. */
static int
dd_number(const char *s, int64_t *out)
{
	const char *p, *x;
	int64_t v, total = 1;

	for (p = s;; p = x + 1) {
		x = strchr(p, 'x');
		if (dd_term(p, x != NULL ? (size_t)(x - p) : strlen(p),
		    &v) == -1)
			return -1;
		if (__builtin_mul_overflow(total, v, &total)) {
			errno = ERANGE;
			return -1;
		}
		if (x == NULL)
			break;
	}
	*out = total;
	return 0;
}

/* What a conv=, iflag= or oflag= word sets. */
struct dd_flag_ctx {
	const char	*key;
	struct options	*o;
	bool		*bytes;	/* skip_bytes, count_bytes, seek_bytes */
};

static int
conv_flag(const char *w, size_t n, struct options *o)
{
	if (commalist_is(w, n, "notrunc"))
		o->trunc_at_seek = false;
	else if (commalist_is(w, n, "sparse"))
		o->copy.sparse = SPARSE_ALWAYS;
	else if (commalist_is(w, n, "fsync"))
		o->fsync = true;
	else if (commalist_is(w, n, "fdatasync"))
		o->fdatasync = true;
	else if (commalist_is(w, n, "excl"))
		o->dd.excl = true;
	else if (commalist_is(w, n, "nocreat"))
		o->dd.nocreat = true;
	else
		return -1;
	return 0;
}

static int
iflag_flag(const char *w, size_t n, struct options *o, bool *bytes)
{
	if (commalist_is(w, n, "fullblock"))
		;	/* kcp always fills its blocks */
	else if (commalist_is(w, n, "direct"))
		o->direct = true;
	else if (commalist_is(w, n, "nocache"))
		o->nocache = true;
	else if (commalist_is(w, n, "skip_bytes"))
		bytes[0] = true;
	else if (commalist_is(w, n, "count_bytes"))
		bytes[1] = true;
	else
		return -1;
	return 0;
}

static int
oflag_flag(const char *w, size_t n, struct options *o, bool *bytes)
{
	if (commalist_is(w, n, "append"))
		o->append = true;
	else if (commalist_is(w, n, "direct"))
		o->direct = true;
	else if (commalist_is(w, n, "nocache"))
		o->nocache = true;
	else if (commalist_is(w, n, "dsync"))
		o->dd.dsync = true;
	else if (commalist_is(w, n, "seek_bytes"))
		bytes[2] = true;
	else
		return -1;
	return 0;
}

static int
dd_flag(const char *w, size_t n, void *arg)
{
	struct dd_flag_ctx *c = arg;

	if (strcmp(c->key, "conv") == 0)
		return conv_flag(w, n, c->o);
	if (strcmp(c->key, "iflag") == 0)
		return iflag_flag(w, n, c->o, c->bytes);
	return oflag_flag(w, n, c->o, c->bytes);
}

/* What dd_parse gathers before turning blocks into bytes. */
struct dd_nums {
	int64_t	skip, seek, count, bs;
	bool	has_skip, has_seek, has_count;
	bool	bytes[3];	/* skip_bytes, count_bytes, seek_bytes */
};

/* A numeric operand (bs= ibs= obs= skip= iseek= seek= oseek= count=). */
static int
dd_numeric(const char *op, const char *key, const char *val,
    struct options *o, struct dd_nums *d, char *err, size_t len)
{
	int64_t v;

	if (dd_number(val, &v) == -1)
		return options_error(err, len,
		    "invalid number '%s' in '%s': %s", val, op,
		    strerror(errno));
	if (strstr(key, "bs") != NULL && (v == 0 || v > (1 << 30)))
		return options_error(err, len,
		    "invalid number '%s' in '%s': %s", val, op,
		    strerror(v == 0 ? EINVAL : ERANGE));
	if (strcmp(key, "bs") == 0)
		d->bs = v;
	else if (strcmp(key, "ibs") == 0)
		o->dd.ibs = v;
	else if (strcmp(key, "obs") == 0)
		o->dd.obs = v;
	else if (strcmp(key, "skip") == 0 || strcmp(key, "iseek") == 0) {
		d->skip = v;
		d->has_skip = true;
	} else if (strcmp(key, "seek") == 0 || strcmp(key, "oseek") == 0) {
		d->seek = v;
		d->has_seek = true;
	} else {
		d->count = v;
		d->has_count = true;
	}
	return 0;
}

static int
dd_status(const char *op, const char *val, struct options *o, char *err,
    size_t len)
{
	if (strcmp(val, "none") == 0)
		o->dd.status = DD_STATUS_NONE;
	else if (strcmp(val, "noxfer") == 0)
		o->dd.status = DD_STATUS_NOXFER;
	else if (strcmp(val, "progress") == 0) {
		o->dd.status = DD_STATUS_PROGRESS;
		o->progress = true;
	} else
		return options_error(err, len,
		    "unsupported dd operand value '%s'", op);
	return 0;
}

/* One key=value operand. */
static int
dd_operand(const char *op, struct options *o, struct dd_nums *d, char *err,
    size_t len)
{
	static const char *const numeric[] = { "bs", "ibs", "obs", "skip",
	    "iseek", "seek", "oseek", "count", NULL };
	const char *val = strchr(op, '=');
	struct dd_flag_ctx c = { NULL, o, d->bytes };
	char key[8];
	const char *bad;
	size_t klen, badlen;
	int i;

	if (val == NULL)
		return options_error(err, len,
		    "unexpected operand '%s' among dd operands", op);
	klen = (size_t)(val++ - op);
	if (klen >= sizeof(key))
		return options_error(err, len, "unsupported dd operand '%s'",
		    op);
	snprintf(key, sizeof(key), "%.*s", (int)klen, op);
	if (strcmp(key, "if") == 0)
		o->dd.in = val;
	else if (strcmp(key, "of") == 0)
		o->dd.out = val;
	else if (strcmp(key, "status") == 0)
		return dd_status(op, val, o, err, len);
	else if (strcmp(key, "conv") == 0 || strcmp(key, "iflag") == 0 ||
	    strcmp(key, "oflag") == 0) {
		c.key = key;
		if (commalist_each(val, dd_flag, &c, &bad, &badlen) != 0)
			return options_error(err, len,
			    "unsupported dd flag '%.*s' in '%s'", (int)badlen,
			    bad, op);
	} else {
		for (i = 0; numeric[i] != NULL; i++)
			if (strcmp(key, numeric[i]) == 0)
				return dd_numeric(op, key, val, o, d, err, len);
		return options_error(err, len, "unsupported dd operand '%s'",
		    op);
	}
	return 0;
}

int
dd_parse(struct options *o, char *err, size_t len)
{
	struct dd_nums d;
	int i;

	memset(&d, 0, sizeof(d));
	o->dd.on = true;
	o->dd.ibs = o->dd.obs = 512;
	o->trunc_at_seek = true;
	for (i = 0; i < o->nops; i++)
		if (dd_operand(o->ops[i], o, &d, err, len) == -1)
			return -1;
	/* As in dd, bs= sets both sizes whatever the order. */
	if (d.bs != 0)
		o->dd.ibs = o->dd.obs = d.bs;
	/* Blocks to bytes, refusing products past the largest offset. */
	if ((d.has_skip && __builtin_mul_overflow(d.skip, d.bytes[0] ? 1 :
	    o->dd.ibs, &o->skip)) ||
	    (d.has_count && __builtin_mul_overflow(d.count, d.bytes[1] ? 1 :
	    o->dd.ibs, &o->length)) ||
	    (d.has_seek && __builtin_mul_overflow(d.seek, d.bytes[2] ? 1 :
	    o->dd.obs, &o->seek)))
		return options_error(err, len, "offset or count past the "
		    "largest file offset");
	o->length_set = d.has_count;
	/* dd truncates at seek= itself; kcp's --seek rule must not. */
	o->seek_set = false;
	o->no_truncate = true;
	o->copy.bufsize = (size_t)(o->dd.ibs > o->dd.obs ? o->dd.ibs :
	    o->dd.obs);
	if (o->copy.bufsize < 65536)
		o->copy.bufsize = KCP_BUFSIZE_DEFAULT;
	return 0;
}
