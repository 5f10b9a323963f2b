/*
 * dd's operands: recognising them, dd's number grammar, its symbol lists
 * and the checks across operands, into struct dd_options.  Like options.c,
 * nothing here prints or exits: what dd says before or instead of copying
 * is left in the struct for dd_main, or in err for kcp.c's usage message.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dd.h"

/* dd's operand names. */
static const char *const dd_keys[] = {
	"if", "of", "bs", "ibs", "obs", "cbs", "skip", "seek", "count",
	"conv", "iflag", "oflag", "status", "iseek", "oseek", NULL
};

/* True when word w, up to '=' or its end, is key. */
static bool
key_is(const char *w, const char *key)
{
	size_t n = strcspn(w, "=");

	return strlen(key) == n && memcmp(w, key, n) == 0;
}

bool
dd_is_operands(int n, char **ops)
{
	int i;

	if (n == 0 || strchr(ops[0], '=') == NULL)
		return false;
	for (i = 0; dd_keys[i] != NULL && !key_is(ops[0], dd_keys[i]); i++)
		;
	if (dd_keys[i] == NULL)
		return false;
	for (i = 1; i < n; i++)
		if (strchr(ops[i], '=') == NULL)
			return false;
	return true;
}

/*
 * Quoting as dd's messages quote operands and numbers in the C locale:
 * 'x', with backslash escapes for the quote, the backslash and bytes that
 * do not print.  Returns a string to free, or NULL without memory.
 */
char *
dd_quote_arg(const char *s, size_t n)
{
	static const char cesc[] = "\aa\bb\ff\nn\rr\tt\vv";
	const char *e;
	char *q, *p;
	size_t i;

	if ((q = malloc(4 * n + 3)) == NULL)
		return NULL;
	p = q;
	*p++ = '\'';
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\'' || c == '\\') {
			*p++ = '\\';
			*p++ = (char)c;
		} else if (c != '\0' && (e = strchr(cesc, c)) != NULL &&
		    (e - cesc) % 2 == 0) {
			*p++ = '\\';
			*p++ = e[1];
		} else if (c >= 0x20 && c < 0x7f)
			*p++ = (char)c;
		else
			p += sprintf(p, "\\%03o", c);
	}
	*p++ = '\'';
	*p = '\0';
	return q;
}

/* How a number or one of its factors came out, as dd classes them. */
#define N_OK		0
#define N_OVERFLOW	1	/* too large: "Value too large ..." */
#define N_SUFFIX	2	/* stopped at a character it cannot take */
#define N_INVALID	4	/* no number at all */

/* The multiplier of unit letter c (base 1000 or 1024), 0 if none. */
static unsigned
unit_power(char c)
{
	static const char units[] = "kKMGTPEZY";
	const char *u;

	if (c == '\0' || (u = strchr(units, c)) == NULL)
		return 0;
	return u == units ? 1 : (unsigned)(u - units);
}

/* v times m, saturating at UINT64_MAX: N_OVERFLOW then. */
static int
scale(uint64_t *v, uint64_t m)
{
	if (__builtin_mul_overflow(*v, m, v)) {
		*v = UINT64_MAX;
		return N_OVERFLOW;
	}
	return N_OK;
}

/*
 * One factor: optional blanks and '+', decimal digits (or none before a
 * unit: "k" is 1024), then c (1), w (2), b (512) or a unit letter of
 * kKMGTPEZY, which may be followed by iB (powers of 1024), B or D (powers
 * of 1000).  *end is where it stopped.
 */
static int
factor(const char *s, const char **end, uint64_t *v)
{
	const char *p = s;
	unsigned power, base = 1024, i;
	size_t len = 1;
	char *e;
	int rc = N_OK;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '-')
		return N_INVALID;
	errno = 0;
	*v = strtoumax(s, &e, 10);
	if (e == s) {
		if (*s == '\0' || strchr("bcwkKMGTPEZY", *s) == NULL)
			return N_INVALID;
		*v = 1;		/* a unit alone counts one of it */
	} else if (errno == ERANGE)
		rc = N_OVERFLOW;
	p = e;
	if (*p == '\0' || strchr("bcwkKMGTPEZY", *p) == NULL) {
		*end = p;
		return *p == '\0' ? rc : rc | N_SUFFIX;
	}
	if ((power = unit_power(*p)) > 0) {
		if (p[1] == 'i' && p[2] == 'B')
			len = 3;
		else if (p[1] == 'B' || p[1] == 'D') {
			base = 1000;
			len = 2;
		}
		for (i = 0; i < power; i++)
			rc |= scale(v, base);
	} else
		rc |= scale(v, *p == 'b' ? 512 : *p == 'w' ? 2 : 1);
	p += len;
	*end = p;
	return *p == '\0' ? rc : rc | N_SUFFIX;
}

/*
 * A factor of a product, standing alone between the 'x's, with dd's
 * trailing B (bytes, not blocks) after a number or unit.
 */
static int
term(const char *s, uint64_t *v)
{
	const char *end = s;
	int rc = factor(s, &end, v);

	if ((rc & ~N_OVERFLOW) == N_SUFFIX && *end == 'B' && end > s &&
	    end[-1] != 'B' && end[1] == '\0')
		rc &= N_OVERFLOW;
	return rc;
}

/*
 * The last factor dd reads: one that ends the product, cleanly or not.
 * A value past INT64_MAX is too large whatever follows it.
 */
static int
last_factor(int rc, uint64_t v, int64_t *out)
{
	if (rc & N_INVALID)
		return N_INVALID;
	if (v > INT64_MAX) {
		*out = INT64_MAX;
		return N_OVERFLOW;
	}
	*out = (int64_t)v;
	return rc == N_OK ? N_OK : N_INVALID;
}

/*
 * A dd number: factors joined by 'x', multiplied from the right as dd
 * does, so that a zero factor wins over a too large product after it and
 * "0x" (a zero multiplier, probably meant as hexadecimal) is counted in
 * *zeros for a warning.  Products of any length, without recursion.
 * Returns N_OK with *out set, N_OVERFLOW or N_INVALID.
 */
static int
dd_number(const char *s, int64_t *out, unsigned long *zeros)
{
	size_t k = 0, i, n = strlen(s);
	uint64_t *v;
	char *dup, **seg;
	bool more = true;
	int *rc, e = N_INVALID;

	dup = strdup(s);
	seg = calloc(n / 2 + 2, sizeof(*seg));
	v = calloc(n / 2 + 2, sizeof(*v));
	rc = calloc(n / 2 + 2, sizeof(*rc));
	if (dup == NULL || seg == NULL || v == NULL || rc == NULL)
		goto out;
	/* The factors, left to right, up to the one that ends the number. */
	for (seg[0] = dup; more; k++) {
		char *x = strchr(seg[k], 'x');

		if (x != NULL)
			*x = '\0';
		rc[k] = term(seg[k], &v[k]);
		/* A factor before an 'x' must end clean to go on. */
		more = x != NULL && (rc[k] & ~N_OVERFLOW) == N_OK;
		if (more) {
			rc[k] |= N_SUFFIX;
			seg[k + 1] = x + 1;
		} else if (x != NULL)
			rc[k] |= N_SUFFIX;
	}
	e = last_factor(rc[k - 1], v[k - 1], out);
	for (i = k - 1; i-- > 0 && e != N_INVALID;) {
		int64_t p;

		if (__builtin_mul_overflow(v[i], *out, &p) || (p != 0 &&
		    ((rc[i] | e) & N_OVERFLOW))) {
			e = N_OVERFLOW;
			*out = INT64_MAX;
			continue;
		}
		if (p == 0 && strcmp(seg[i], "0") == 0)
			(*zeros)++;
		e = N_OK;
		*out = p;
	}
out:
	free(dup);
	free(seg);
	free(v);
	free(rc);
	return e;
}

/* A symbol of conv=, iflag= or oflag= and what it sets. */
struct dd_symbol {
	const char	*name;
	unsigned	 bits;		/* DD_C_* or DD_F_* */
	int		 oflag;		/* open(2) flag */
};

static const struct dd_symbol conv_symbols[] = {
	{ "ascii",	DD_C_ASCII | DD_C_UNBLOCK | DD_C_TWOBUFS, 0 },
	{ "ebcdic",	DD_C_EBCDIC | DD_C_BLOCK | DD_C_TWOBUFS, 0 },
	{ "ibm",	DD_C_IBM | DD_C_BLOCK | DD_C_TWOBUFS, 0 },
	{ "block",	DD_C_BLOCK | DD_C_TWOBUFS, 0 },
	{ "unblock",	DD_C_UNBLOCK | DD_C_TWOBUFS, 0 },
	{ "lcase",	DD_C_LCASE | DD_C_TWOBUFS, 0 },
	{ "ucase",	DD_C_UCASE | DD_C_TWOBUFS, 0 },
	{ "sparse",	DD_C_SPARSE, 0 },
	{ "swab",	DD_C_SWAB | DD_C_TWOBUFS, 0 },
	{ "sync",	DD_C_SYNC, 0 },
	{ "excl",	DD_C_EXCL, 0 },
	{ "nocreat",	DD_C_NOCREAT, 0 },
	{ "notrunc",	DD_C_NOTRUNC, 0 },
	{ "noerror",	DD_C_NOERROR, 0 },
	{ "fdatasync",	DD_C_FDATASYNC, 0 },
	{ "fsync",	DD_C_FSYNC, 0 },
	{ NULL,		0, 0 }
};

static const struct dd_symbol flag_symbols[] = {
	{ "append",	0, O_APPEND },
	{ "direct",	0, O_DIRECT },
	{ "directory",	0, O_DIRECTORY },
	{ "dsync",	0, O_DSYNC },
	{ "noatime",	0, O_NOATIME },
	{ "nocache",	DD_F_NOCACHE, 0 },
	{ "noctty",	0, O_NOCTTY },
	{ "nofollow",	0, O_NOFOLLOW },
	{ "nonblock",	0, O_NONBLOCK },
	{ "sync",	0, O_SYNC },
	{ "fullblock",	DD_F_FULLBLOCK, 0 },
	{ "count_bytes", DD_F_COUNT_BYTES, 0 },
	{ "skip_bytes",	DD_F_SKIP_BYTES, 0 },
	{ "seek_bytes",	DD_F_SEEK_BYTES, 0 },
	{ NULL,		0, 0 }
};

static const char *const status_symbols[] = { "", "none", "noxfer",
	"progress", NULL };

/* err = "what: 'word'", after any zero-multiplier warnings; -1. */
static int
bad_word(struct options *o, char *err, size_t len, const char *what,
    const char *w, size_t n)
{
	char *q = dd_quote_arg(w, n);
	size_t used = 0;
	unsigned long i;

	/*
	 * dd warns of each "0x" as it reads the number, before a later
	 * operand fails; kcp.c prints err as one message.
	 */
	for (i = 0; i < o->dd.zero_warnings && used + 1 < len; i++)
		used += (size_t)snprintf(err + used, len - used,
		    "%s\n%s: ", DD_ZERO_WARNING, getprogname());
	if (used >= len)
		used = len - 1;
	snprintf(err + used, len - used, "%s%s", what, q != NULL ? q : "?");
	free(q);
	return -1;
}

/*
 * conv=, iflag=, oflag=: a comma list of symbols, every one known (an
 * empty one is not).  Returns 0, or -1 with err set.
 */
static int
symbols(struct options *o, const char *val, const struct dd_symbol *tab,
    const char *what, unsigned *bits, int *oflags, char *err, size_t len)
{
	const char *w = val;
	size_t n;
	int i;

	for (;; w += n + 1) {
		n = strcspn(w, ",");
		for (i = 0; tab[i].name != NULL; i++)
			if (strlen(tab[i].name) == n &&
			    memcmp(tab[i].name, w, n) == 0)
				break;
		if (tab[i].name == NULL)
			return bad_word(o, err, len, what, w, n);
		*bits |= tab[i].bits;
		if (oflags != NULL)
			*oflags |= tab[i].oflag;
		if (w[n] == '\0')
			return 0;
	}
}

/* status=: the last symbol of the list wins. */
static int
status_level(struct options *o, const char *val, char *err, size_t len)
{
	const char *w = val;
	size_t n;
	int i;

	for (;; w += n + 1) {
		n = strcspn(w, ",");
		for (i = 1; status_symbols[i] != NULL; i++)
			if (strlen(status_symbols[i]) == n &&
			    memcmp(status_symbols[i], w, n) == 0)
				break;
		if (status_symbols[i] == NULL)
			return bad_word(o, err, len, "invalid status level: ",
			    w, n);
		o->dd.status = (enum dd_status)i;
		if (w[n] == '\0')
			return 0;
	}
}

/* What the numeric operands gave, before blocks are known. */
struct dd_nums {
	int64_t	bs, skip, seek, count;
};

/* Which numeric operand key names, with its range; -1 if none. */
enum { K_BS, K_IBS, K_OBS, K_CBS, K_SKIP, K_SEEK, K_COUNT };

static int
numeric_key(const char *op, int64_t *min, int64_t *max)
{
	static const struct { const char *key; int k; } keys[] = {
		{ "bs", K_BS }, { "ibs", K_IBS }, { "obs", K_OBS },
		{ "cbs", K_CBS }, { "skip", K_SKIP }, { "iseek", K_SKIP },
		{ "seek", K_SEEK }, { "oseek", K_SEEK }, { "count", K_COUNT },
		{ NULL, 0 }
	};
	int i;

	for (i = 0; keys[i].key != NULL; i++)
		if (key_is(op, keys[i].key))
			break;
	if (keys[i].key == NULL)
		return -1;
	*min = keys[i].k <= K_CBS ? 1 : 0;
	/* Block sizes leave room for one more byte and fit ssize_t. */
	*max = keys[i].k < K_CBS ? INT64_MAX - 1 : INT64_MAX;
	return keys[i].k;
}

/*
 * A numeric operand.  Returns 0, 1 when dd stops at a bad number (left in
 * o->dd.fault for dd_main), or -1 with err set.
 */
static int
numeric(struct options *o, struct dd_nums *d, const char *op,
    const char *val, char *err, size_t len)
{
	int64_t n = 0, min, max;
	bool bytes = strchr(val, 'B') != NULL;
	int e, k;

	/* dd reads the number before it looks at the name. */
	e = dd_number(val, &n, &o->dd.zero_warnings);
	if ((k = numeric_key(op, &min, &max)) == -1)
		return bad_word(o, err, len, "unrecognized operand ", op,
		    strlen(op));
	if (e == N_OK && n < min)
		e = N_INVALID;
	else if (e == N_OK && n > max)
		e = N_OVERFLOW;
	if (e != N_OK) {
		o->dd.fault = DD_FAULT_NUMBER;
		o->dd.fault_text = val;
		o->dd.fault_errno = e == N_OVERFLOW ? EOVERFLOW : 0;
		return 1;
	}
	switch (k) {
	case K_BS:	d->bs = n;		break;
	case K_IBS:	o->dd.ibs = n;		break;
	case K_OBS:	o->dd.obs = n;		break;
	case K_CBS:	o->dd.cbs = n;		break;
	case K_SKIP:
		d->skip = n;
		o->dd.ixflags |= bytes ? DD_F_SKIP_BYTES : 0;
		break;
	case K_SEEK:
		d->seek = n;
		o->dd.oxflags |= bytes ? DD_F_SEEK_BYTES : 0;
		break;
	default:
		d->count = n;
		o->dd.ixflags |= bytes ? DD_F_COUNT_BYTES : 0;
		break;
	}
	return 0;
}

/* One key=value operand: 0, 1 to stop at a fault, or -1 with err. */
static int
operand(struct options *o, struct dd_nums *d, const char *op, char *err,
    size_t len)
{
	const char *val = strchr(op, '=');

	if (val == NULL)
		return bad_word(o, err, len, "unrecognized operand ", op,
		    strlen(op));
	val++;
	if (key_is(op, "if"))
		o->dd.in = val;
	else if (key_is(op, "of"))
		o->dd.out = val;
	else if (key_is(op, "conv"))
		return symbols(o, val, conv_symbols, "invalid conversion: ",
		    &o->dd.conv, NULL, err, len);
	else if (key_is(op, "iflag"))
		return symbols(o, val, flag_symbols, "invalid input flag: ",
		    &o->dd.ixflags, &o->dd.iflags, err, len);
	else if (key_is(op, "oflag"))
		return symbols(o, val, flag_symbols, "invalid output flag: ",
		    &o->dd.oxflags, &o->dd.oflags, err, len);
	else if (key_is(op, "status"))
		return status_level(o, val, err, len);
	else
		return numeric(o, d, op, val, err, len);
	return 0;
}

/* records and bytes of n, counted in blocks of bs unless bytes. */
static void
split(int64_t n, int64_t bs, bool bytes, int64_t *records, int64_t *rest)
{
	*records = bytes ? n / bs : n;
	*rest = bytes ? n % bs : 0;
}

/* dd's checks of conversions and flags that cannot go together. */
static const char *
conflict(const struct dd_options *dd)
{
	unsigned c = dd->conv;

	if (__builtin_popcount(c & (DD_C_ASCII | DD_C_EBCDIC | DD_C_IBM)) > 1)
		return "cannot combine any two of {ascii,ebcdic,ibm}";
	if ((c & DD_C_BLOCK) && (c & DD_C_UNBLOCK))
		return "cannot combine block and unblock";
	if ((c & DD_C_LCASE) && (c & DD_C_UCASE))
		return "cannot combine lcase and ucase";
	if ((c & DD_C_EXCL) && (c & DD_C_NOCREAT))
		return "cannot combine excl and nocreat";
	if (((dd->iflags & O_DIRECT) && (dd->ixflags & DD_F_NOCACHE)) ||
	    ((dd->oflags & O_DIRECT) && (dd->oxflags & DD_F_NOCACHE)))
		return "cannot combine direct and nocache";
	return NULL;
}

/* After the operands: block sizes, records, and the checks across them. */
static int
settle(struct options *o, const struct dd_nums *d, char *err, size_t len)
{
	struct dd_options *dd = &o->dd;

	if (d->bs != 0)
		dd->ibs = dd->obs = d->bs;
	else
		dd->conv |= DD_C_TWOBUFS;	/* POSIX: gather into obs */
	if (dd->cbs == 0)
		dd->conv &= ~(unsigned)(DD_C_BLOCK | DD_C_UNBLOCK);
	if (dd->oxflags & DD_F_FULLBLOCK)
		return bad_word(o, err, len, "invalid output flag: ",
		    "fullblock", 9);
	split(d->skip, dd->ibs, dd->ixflags & DD_F_SKIP_BYTES,
	    &dd->skip_records, &dd->skip_bytes);
	split(d->seek, dd->obs, dd->oxflags & DD_F_SEEK_BYTES,
	    &dd->seek_records, &dd->seek_bytes);
	if (d->count == INT64_MAX)
		dd->max_records = INT64_MAX;
	else
		split(d->count, dd->ibs, dd->ixflags & DD_F_COUNT_BYTES,
		    &dd->max_records, &dd->max_bytes);
	if ((dd->fault_text = conflict(dd)) != NULL) {
		dd->fault = DD_FAULT_COMBINE;
		return 0;
	}
	dd->append_warning = (dd->oflags & O_APPEND) &&
	    !(dd->conv & DD_C_NOTRUNC);
	return 0;
}

/*
 * kcp's options that dd mode has no use for: they choose what a cp-style
 * copy does around the bytes, which dd's operands do their own way.
 */
static const char *
foreign_option(const struct options *o)
{
	if (o->force)
		return "-f";
	if (o->direct || o->nocache)
		return "--direct and --nocache";
	if (o->verify)
		return "--verify";
	if (o->preserve != 0 || o->preserve_asked != 0 ||
	    o->preserve_refused != 0)
		return "-p, --preserve and --no-preserve";
	if (o->recursive || o->deref != DEREF_DEFAULT || o->copy_contents ||
	    o->one_fs || o->parents)
		return "-r, -a, -d, -L, -H, -x, --parents, --copy-contents "
		    "and --no-dereference";
	if (o->update != UPDATE_ALL || o->backup || o->remove_dest ||
	    o->strip_slashes || o->attributes_only)
		return "-u, -b, -S, --remove-destination, "
		    "--strip-trailing-slashes and --attributes-only";
	if (o->linking != LINKING_NONE || o->linking_both)
		return "-s and --link";
	if (o->copy.sparse != SPARSE_AUTO || o->copy.reflink != REFLINK_AUTO ||
	    o->copy.bufsize != KCP_BUFSIZE_DEFAULT)
		return "--sparse, --reflink and -B";
	return NULL;
}

int
dd_parse(struct options *o, char *err, size_t len)
{
	struct dd_nums d = { 0, 0, 0, INT64_MAX };
	const char *foreign;
	int i, rc = 0;

	o->dd.on = true;
	o->dd.max_records = INT64_MAX;
	for (i = 0; i < o->nops && rc == 0; i++)
		if ((rc = operand(o, &d, o->ops[i], err, len)) == -1)
			return -1;
	if (o->dd.ibs == 0)
		o->dd.ibs = 512;
	if (o->dd.obs == 0)
		o->dd.obs = 512;
	if (rc == 0 && settle(o, &d, err, len) == -1)
		return -1;
	if ((foreign = foreign_option(o)) != NULL)
		return options_error(err, len,
		    "%s cannot be used with dd operands", foreign);
	if (o->clobber == CLOBBER_ASK && o->dd.in == NULL)
		return options_error(err, len, "--interactive cannot be used "
		    "with standard input as SOURCE");
	/* kcp's -P is dd's progress line, unless status= says otherwise. */
	if (o->progress && o->dd.status == DD_STATUS_DEFAULT)
		o->dd.status = DD_STATUS_PROGRESS;
	return 0;
}
