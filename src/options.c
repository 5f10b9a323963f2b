/*
 * Option, operand and dd operand parsing.  Nothing here prints or exits:
 * every problem comes back as a message for kcp.c to report.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "size.h"

enum {
	OPT_SKIP = 256, OPT_SEEK, OPT_APPEND, OPT_NO_TRUNCATE, OPT_SPARSE,
	OPT_REFLINK, OPT_METHOD, OPT_FSYNC, OPT_DIRECT, OPT_NOCACHE,
	OPT_VERIFY, OPT_ATOMIC, OPT_VERSION
};

static const struct option longopts[] = {
	{ "skip",		required_argument,	NULL, OPT_SKIP },
	{ "offset",		required_argument,	NULL, OPT_SKIP },
	{ "input-offset",	required_argument,	NULL, OPT_SKIP },
	{ "seek",		required_argument,	NULL, OPT_SEEK },
	{ "output-offset",	required_argument,	NULL, OPT_SEEK },
	{ "length",		required_argument,	NULL, 'l' },
	{ "count",		required_argument,	NULL, 'l' },
	{ "append",		no_argument,		NULL, OPT_APPEND },
	{ "no-truncate",	no_argument,		NULL, OPT_NO_TRUNCATE },
	{ "sparse",		required_argument,	NULL, OPT_SPARSE },
	{ "reflink",		optional_argument,	NULL, OPT_REFLINK },
	{ "method",		required_argument,	NULL, OPT_METHOD },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "progress",		no_argument,		NULL, 'P' },
	{ "no-clobber",		no_argument,		NULL, 'n' },
	{ "force",		no_argument,		NULL, 'f' },
	{ "interactive",	no_argument,		NULL, 'i' },
	{ "target-directory",	required_argument,	NULL, 't' },
	{ "no-target-directory", no_argument,		NULL, 'T' },
	{ "preserve",		optional_argument,	NULL, 'p' },
	{ "fsync",		no_argument,		NULL, OPT_FSYNC },
	{ "direct",		no_argument,		NULL, OPT_DIRECT },
	{ "nocache",		no_argument,		NULL, OPT_NOCACHE },
	{ "verify",		no_argument,		NULL, OPT_VERIFY },
	{ "atomic",		no_argument,		NULL, OPT_ATOMIC },
	{ "buffer-size",	required_argument,	NULL, 'B' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, OPT_VERSION },
	{ NULL,			0,			NULL, 0 }
};

static const char shortopts[] = "+l:vPnfit:TpB:h";

static int
fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* The long name of the option just parsed, as the user typed it. */
static const char *
optname(int idx, int c)
{
	if (idx >= 0)
		return longopts[idx].name;
	switch (c) {
	case 'l':
		return "length";
	case 'B':
		return "buffer-size";
	default:
		return "?";
	}
}

static int
parse_size_opt(const char *arg, const char *name, int64_t *v, char *err,
    size_t len)
{
	if (size_parse(arg, v) == -1)
		return fail(err, len, "invalid size '%s' for --%s: %s", arg,
		    name, strerror(errno));
	return 0;
}

static int
parse_preserve(const char *arg, unsigned *bits, char *err, size_t len)
{
	char *copy, *tok, *save;
	int rc = 0;

	if (arg == NULL) {
		*bits = PRESERVE_ALL;
		return 0;
	}
	if ((copy = strdup(arg)) == NULL)
		return fail(err, len, "%s", strerror(ENOMEM));
	*bits = 0;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "mode") == 0)
			*bits |= PRESERVE_MODE;
		else if (strcmp(tok, "ownership") == 0)
			*bits |= PRESERVE_OWNERSHIP;
		else if (strcmp(tok, "timestamps") == 0)
			*bits |= PRESERVE_TIMESTAMPS;
		else if (strcmp(tok, "all") == 0)
			*bits |= PRESERVE_ALL;
		else {
			rc = fail(err, len,
			    "invalid attribute '%s' for --preserve", tok);
			break;
		}
	}
	free(copy);
	if (rc == 0 && *bits == 0)
		rc = fail(err, len, "invalid argument '%s' for --preserve",
		    arg);
	return rc;
}

/* Name the token of a --method list that is not a method. */
static int
bad_method(const char *list, char *err, size_t len)
{
	char tok[64];
	unsigned set;
	bool single;
	size_t n;

	for (;;) {
		n = strcspn(list, ",");
		snprintf(tok, sizeof(tok), "%.*s", (int)n, list);
		if (n == 0 || n >= sizeof(tok) ||
		    method_parse_list(tok, &set, &single) == -1)
			return fail(err, len, "unknown method '%.*s' in "
			    "--method", (int)n, list);
		if (list[n] == '\0')
			break;
		list += n + 1;
	}
	return fail(err, len, "unknown method '%s' in --method", list);
}

/* True when name[0..n) begins two options of different meaning. */
static bool
ambiguous(const char *name, size_t n)
{
	const struct option *lo, *first = NULL;

	for (lo = longopts; lo->name != NULL; lo++) {
		if (strncmp(lo->name, name, n) != 0)
			continue;
		if (first != NULL && first->val != lo->val)
			return true;
		if (first == NULL)
			first = lo;
	}
	return false;
}

/* The problem getopt found with argv[optind - 1], as a sentence. */
static int
getopt_problem(int argc, char **argv, char *err, size_t len)
{
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] :
	    "";
	const struct option *lo;
	size_t n;

	if (strncmp(arg, "--", 2) == 0) {
		n = strcspn(arg + 2, "=");
		for (lo = longopts; lo->name != NULL; lo++)
			if (strlen(lo->name) == n &&
			    strncmp(lo->name, arg + 2, n) == 0)
				break;
		/* An unambiguous prefix names its option. */
		if (lo->name == NULL && optopt != 0)
			for (lo = longopts; lo->name != NULL; lo++)
				if (lo->val == optopt &&
				    strncmp(lo->name, arg + 2, n) == 0)
					break;
		if (lo->name != NULL && lo->has_arg == no_argument)
			return fail(err, len,
			    "option '--%s' doesn't allow an argument",
			    lo->name);
		if (lo->name != NULL)
			return fail(err, len,
			    "option '--%s' requires an argument", lo->name);
		if (ambiguous(arg + 2, n))
			return fail(err, len, "option '%.*s' is ambiguous",
			    (int)n + 2, arg);
		return fail(err, len, "unrecognized option '%s'", arg);
	}
	if (optopt > 0 && optopt < 256 && optopt != ':' &&
	    strchr(shortopts, optopt) != NULL)
		return fail(err, len, "option requires an argument -- '%c'",
		    optopt);
	if (optopt > 0 && optopt < 256)
		return fail(err, len, "invalid option -- '%c'", optopt);
	return fail(err, len, "invalid option '%s'", arg);
}

/*
 * GNU-style permutation: options may follow operands, and "--" ends them.
 * Operands are gathered in order into o->ops.
 */
static int
parse_argv(int argc, char **argv, struct options *o, char *err, size_t len)
{
	int c, idx;
	int64_t v;

	opterr = 0;
	optind = 0;		/* full reinitialisation: the fuzzer reparses */
	o->ops = calloc((size_t)argc + 1, sizeof(*o->ops));
	if (o->ops == NULL)
		return fail(err, len, "%s", strerror(ENOMEM));
	for (;;) {
		idx = -1;
		optopt = 0;
		c = getopt_long(argc, argv, shortopts, longopts, &idx);
		if (c == -1) {
			if (optind >= argc)
				break;
			if (optind > 0 && strcmp(argv[optind - 1], "--") == 0) {
				/* Everything after "--" is an operand. */
				while (optind < argc)
					o->ops[o->nops++] = argv[optind++];
				break;
			}
			o->ops[o->nops++] = argv[optind++];
			continue;
		}
		switch (c) {
		case OPT_SKIP:
			if (parse_size_opt(optarg, optname(idx, c), &o->skip,
			    err, len) == -1)
				return -1;
			break;
		case OPT_SEEK:
			if (parse_size_opt(optarg, optname(idx, c), &o->seek,
			    err, len) == -1)
				return -1;
			o->seek_set = true;
			break;
		case 'l':
			if (parse_size_opt(optarg, optname(idx, c), &o->length,
			    err, len) == -1)
				return -1;
			o->length_set = true;
			break;
		case OPT_APPEND:
			o->append = true;
			break;
		case OPT_NO_TRUNCATE:
			o->no_truncate = true;
			break;
		case OPT_SPARSE:
			if (strcmp(optarg, "auto") == 0)
				o->copy.sparse = SPARSE_AUTO;
			else if (strcmp(optarg, "always") == 0)
				o->copy.sparse = SPARSE_ALWAYS;
			else if (strcmp(optarg, "never") == 0)
				o->copy.sparse = SPARSE_NEVER;
			else
				return fail(err, len,
				    "invalid argument '%s' for --sparse",
				    optarg);
			break;
		case OPT_REFLINK:
			if (optarg == NULL || strcmp(optarg, "always") == 0)
				o->copy.reflink = REFLINK_ALWAYS;
			else if (strcmp(optarg, "auto") == 0)
				o->copy.reflink = REFLINK_AUTO;
			else if (strcmp(optarg, "never") == 0)
				o->copy.reflink = REFLINK_NEVER;
			else
				return fail(err, len,
				    "invalid argument '%s' for --reflink",
				    optarg);
			break;
		case OPT_METHOD:
			if (method_parse_list(optarg, &o->copy.methods,
			    &o->copy.single) == -1)
				return bad_method(optarg, err, len);
			break;
		case 'v':
			o->verbose++;
			break;
		case 'P':
			o->progress = true;
			break;
		case 'n':
			o->clobber = CLOBBER_NO;
			break;
		case 'f':
			o->force = true;
			break;
		case 'i':
			o->clobber = CLOBBER_ASK;
			break;
		case 't':
			o->target = optarg;
			break;
		case 'T':
			o->no_target = true;
			break;
		case 'p':
			if (parse_preserve(idx >= 0 ? optarg : NULL,
			    &o->preserve, err, len) == -1)
				return -1;
			break;
		case OPT_FSYNC:
			o->fsync = true;
			break;
		case OPT_DIRECT:
			o->direct = true;
			break;
		case OPT_NOCACHE:
			o->nocache = true;
			break;
		case OPT_VERIFY:
			o->verify = true;
			break;
		case OPT_ATOMIC:
			o->atomic = true;
			break;
		case 'B':
			if (parse_size_opt(optarg, optname(idx, c), &v, err,
			    len) == -1)
				return -1;
			if (v == 0 || v > (1 << 30))
				return fail(err, len,
				    "invalid size '%s' for --%s: %s", optarg,
				    optname(idx, c),
				    strerror(v == 0 ? EINVAL : ERANGE));
			o->copy.bufsize = (size_t)v;
			break;
		case 'h':
			o->action = ACT_HELP;
			return 0;
		case OPT_VERSION:
			o->action = ACT_VERSION;
			return 0;
		default:
			return getopt_problem(argc, argv, err, len);
		}
	}
	return 0;
}

/* dd's operand names; the supported ones are handled in parse_dd(). */
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
		if (strlen(dd_keys[i]) == (size_t)(eq - op) &&
		    strncmp(dd_keys[i], op, (size_t)(eq - op)) == 0)
			return true;
	return false;
}

bool
options_is_dd(int n, char **ops)
{
	int i;

	if (n == 0 || !dd_key(ops[0]))
		return false;
	for (i = 1; i < n; i++)
		if (strchr(ops[i], '=') == NULL)
			return false;
	return true;
}

/*
 * A dd number: a product of terms joined by 'x', each a SIZE or digits
 * with dd's c (1), w (2) or b (512) suffix.
 */
static int
dd_number(const char *s, int64_t *out)
{
	char term[128];
	const char *p, *x;
	int64_t v, mul, total = 1;
	size_t n;

	for (p = s;; p = x + 1) {
		x = strchr(p, 'x');
		n = x != NULL ? (size_t)(x - p) : strlen(p);
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
		mul = 1;
		if (n > 1 && isdigit((unsigned char)term[n - 2]) &&
		    strchr("cwb", term[n - 1]) != NULL) {
			mul = term[n - 1] == 'c' ? 1 : term[n - 1] == 'w' ? 2 :
			    512;
			term[n - 1] = '\0';
		}
		if (size_parse(term, &v) == -1)
			return -1;
		if (__builtin_mul_overflow(v, mul, &v) ||
		    __builtin_mul_overflow(total, v, &total)) {
			errno = ERANGE;
			return -1;
		}
		if (x == NULL)
			break;
	}
	*out = total;
	return 0;
}

/* Apply each comma-separated flag of a conv=, iflag= or oflag= value. */
static int
dd_flags(const char *key, const char *val, struct options *o, bool *bytes,
    char *err, size_t len)
{
	char *copy, *tok, *save;
	int rc = 0;

	if ((copy = strdup(val)) == NULL)
		return fail(err, len, "%s", strerror(ENOMEM));
	for (tok = strtok_r(copy, ",", &save); tok != NULL && rc == 0;
	    tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(key, "conv") == 0) {
			if (strcmp(tok, "notrunc") == 0)
				o->trunc_at_seek = false;
			else if (strcmp(tok, "sparse") == 0)
				o->copy.sparse = SPARSE_ALWAYS;
			else if (strcmp(tok, "fsync") == 0)
				o->fsync = true;
			else if (strcmp(tok, "fdatasync") == 0)
				o->fdatasync = true;
			else if (strcmp(tok, "excl") == 0)
				o->dd.excl = true;
			else if (strcmp(tok, "nocreat") == 0)
				o->dd.nocreat = true;
			else
				rc = -1;
		} else if (strcmp(key, "iflag") == 0) {
			if (strcmp(tok, "fullblock") == 0)
				;	/* kcp always fills its blocks */
			else if (strcmp(tok, "direct") == 0)
				o->direct = true;
			else if (strcmp(tok, "nocache") == 0)
				o->nocache = true;
			else if (strcmp(tok, "skip_bytes") == 0)
				bytes[0] = true;
			else if (strcmp(tok, "count_bytes") == 0)
				bytes[1] = true;
			else
				rc = -1;
		} else {
			if (strcmp(tok, "append") == 0)
				o->append = true;
			else if (strcmp(tok, "direct") == 0)
				o->direct = true;
			else if (strcmp(tok, "nocache") == 0)
				o->nocache = true;
			else if (strcmp(tok, "dsync") == 0)
				o->dd.dsync = true;
			else if (strcmp(tok, "seek_bytes") == 0)
				bytes[2] = true;
			else
				rc = -1;
		}
		if (rc == -1)
			fail(err, len, "unsupported dd flag '%s' in '%s=%s'",
			    tok, key, val);
	}
	free(copy);
	return rc;
}

/* dd operand mode: translate key=value words into kcp's options. */
static int
parse_dd(struct options *o, char *err, size_t len)
{
	int64_t skip = 0, seek = 0, count = 0, bs = 0, v;
	bool has_count = false, bytes[3] = { false, false, false };
	bool has_skip = false, has_seek = false;
	const char *op, *val;
	size_t klen;
	int i;

	o->dd.on = true;
	o->dd.ibs = o->dd.obs = 512;
	o->trunc_at_seek = true;
	for (i = 0; i < o->nops; i++) {
		op = o->ops[i];
		val = strchr(op, '=');
		if (val == NULL)
			return fail(err, len, "unexpected operand '%s' among "
			    "dd operands", op);
		klen = (size_t)(val - op);
		val++;
#define KEY(k)	(klen == sizeof(k) - 1 && strncmp(op, k, klen) == 0)
		if (KEY("if"))
			o->dd.in = val;
		else if (KEY("of"))
			o->dd.out = val;
		else if (KEY("bs") || KEY("ibs") || KEY("obs") ||
		    KEY("skip") || KEY("iseek") || KEY("seek") ||
		    KEY("oseek") || KEY("count")) {
			if (dd_number(val, &v) == -1)
				return fail(err, len,
				    "invalid number '%s' in '%s': %s", val,
				    op, strerror(errno));
			if ((KEY("bs") || KEY("ibs") || KEY("obs")) &&
			    (v == 0 || v > (1 << 30)))
				return fail(err, len,
				    "invalid number '%s' in '%s': %s", val,
				    op, strerror(v == 0 ? EINVAL : ERANGE));
			if (KEY("bs"))
				bs = v;
			else if (KEY("ibs"))
				o->dd.ibs = v;
			else if (KEY("obs"))
				o->dd.obs = v;
			else if (KEY("skip") || KEY("iseek")) {
				skip = v;
				has_skip = true;
			} else if (KEY("seek") || KEY("oseek")) {
				seek = v;
				has_seek = true;
			} else {
				count = v;
				has_count = true;
			}
		} else if (KEY("conv") || KEY("iflag") || KEY("oflag")) {
			char key[8];

			snprintf(key, sizeof(key), "%.*s", (int)klen, op);
			if (dd_flags(key, val, o, bytes, err, len) == -1)
				return -1;
		} else if (KEY("status")) {
			if (strcmp(val, "none") == 0)
				o->dd.status = DD_STATUS_NONE;
			else if (strcmp(val, "noxfer") == 0)
				o->dd.status = DD_STATUS_NOXFER;
			else if (strcmp(val, "progress") == 0) {
				o->dd.status = DD_STATUS_PROGRESS;
				o->progress = true;
			} else
				return fail(err, len,
				    "unsupported dd operand value '%s'", op);
		} else
			return fail(err, len, "unsupported dd operand '%s'",
			    op);
#undef KEY
	}
	/* As in dd, bs= sets both sizes whatever the order. */
	if (bs != 0)
		o->dd.ibs = o->dd.obs = bs;
	/* Blocks to bytes, refusing products past the largest offset. */
	if ((has_skip && __builtin_mul_overflow(skip, bytes[0] ? 1 :
	    o->dd.ibs, &o->skip)) ||
	    (has_count && __builtin_mul_overflow(count, bytes[1] ? 1 :
	    o->dd.ibs, &o->length)) ||
	    (has_seek && __builtin_mul_overflow(seek, bytes[2] ? 1 :
	    o->dd.obs, &o->seek)))
		return fail(err, len, "offset or count past the largest file "
		    "offset");
	o->length_set = has_count;
	/* dd truncates at seek= itself; kcp's --seek rule must not. */
	o->seek_set = false;
	o->no_truncate = true;
	o->copy.bufsize = (size_t)(o->dd.ibs > o->dd.obs ? o->dd.ibs :
	    o->dd.obs);
	if (o->copy.bufsize < 65536)
		o->copy.bufsize = KCP_BUFSIZE_DEFAULT;
	return 0;
}

int
options_parse(int argc, char **argv, struct options *o, char *err,
    size_t len)
{
	memset(o, 0, sizeof(*o));
	o->copy.methods = M_ALL;
	o->copy.sparse = SPARSE_AUTO;
	o->copy.reflink = REFLINK_AUTO;
	o->copy.bufsize = KCP_BUFSIZE_DEFAULT;

	if (parse_argv(argc, argv, o, err, len) == -1)
		return -1;
	if (o->action != ACT_COPY)
		return 0;
	if (options_is_dd(o->nops, o->ops)) {
		/* dd's operands say where and how much; kcp's must not. */
		if (o->skip != 0 || o->seek_set || o->length_set ||
		    o->append || o->no_truncate || o->target != NULL ||
		    o->no_target || o->atomic)
			return fail(err, len, "--skip, --seek, --length, "
			    "--append, --no-truncate, -t, -T and --atomic "
			    "cannot be used with dd operands");
		if (parse_dd(o, err, len) == -1)
			return -1;
	}

	if (o->append && o->seek_set)
		return fail(err, len,
		    "--append and --seek cannot be used together");
	if (o->length_set && o->skip > INT64_MAX - o->length)
		return fail(err, len,
		    "--skip plus --length is past the largest file offset");
	if (o->length_set && o->seek > INT64_MAX - o->length)
		return fail(err, len,
		    "--seek plus --length is past the largest file offset");
	if (o->copy.reflink == REFLINK_ALWAYS &&
	    o->copy.sparse == SPARSE_NEVER)
		return fail(err, len,
		    "--reflink=always cannot be used with --sparse=never");
	if (o->target != NULL && o->no_target)
		return fail(err, len, "-t and -T cannot be used together");
	if (o->atomic && (o->seek_set || o->append || o->no_truncate ||
	    o->trunc_at_seek))
		return fail(err, len, "--atomic cannot be used with --seek, "
		    "--append or --no-truncate");
	return 0;
}
