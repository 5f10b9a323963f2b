/*
 * Options and operands: getopt and the checks across options.  Nothing
 * here prints or exits: every problem comes back as a message for kcp.c
 * to report.  dd's key=value operands are dd_args.c's.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup.h"
#include "commalist.h"
#include "dd.h"
#include "options.h"
#include "size.h"

enum {
	OPT_SKIP = 256, OPT_SEEK, OPT_APPEND, OPT_NO_TRUNCATE, OPT_SPARSE,
	OPT_REFLINK, OPT_METHOD, OPT_FSYNC, OPT_DIRECT, OPT_NOCACHE,
	OPT_VERIFY, OPT_ATOMIC, OPT_VERSION, OPT_NO_DEREF, OPT_COPY_CONTENTS,
	OPT_NO_PRESERVE, OPT_PARENTS, OPT_BACKUP, OPT_REMOVE_DEST,
	OPT_STRIP_SLASHES, OPT_ATTR_ONLY, OPT_LINK, OPT_UPDATE, OPT_RESUME
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
	{ "resume",		optional_argument,	NULL, OPT_RESUME },
	{ "buffer-size",	required_argument,	NULL, 'B' },
	{ "recursive",		no_argument,		NULL, 'r' },
	{ "archive",		no_argument,		NULL, 'a' },
	{ "no-dereference",	no_argument,		NULL, OPT_NO_DEREF },
	{ "dereference",	no_argument,		NULL, 'L' },
	{ "copy-contents",	no_argument,		NULL, OPT_COPY_CONTENTS },
	{ "no-preserve",	required_argument,	NULL, OPT_NO_PRESERVE },
	{ "one-file-system",	no_argument,		NULL, 'x' },
	{ "update",		optional_argument,	NULL, OPT_UPDATE },
	{ "parents",		no_argument,		NULL, OPT_PARENTS },
	{ "backup",		optional_argument,	NULL, OPT_BACKUP },
	{ "suffix",		required_argument,	NULL, 'S' },
	{ "remove-destination",	no_argument,		NULL, OPT_REMOVE_DEST },
	{ "strip-trailing-slashes", no_argument,	NULL, OPT_STRIP_SLASHES },
	{ "attributes-only",	no_argument,		NULL, OPT_ATTR_ONLY },
	{ "symbolic-link",	no_argument,		NULL, 's' },
	{ "link",		no_argument,		NULL, OPT_LINK },
	{ "jobs",		required_argument,	NULL, 'j' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, OPT_VERSION },
	{ NULL,			0,			NULL, 0 }
};

static const char shortopts[] = "+l:vPnfit:TpB:hrRadLHxubS:sj:";

int
options_error(char *err, size_t len, const char *fmt, ...)
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
		return options_error(err, len, "invalid size '%s' for --%s: %s",
		    arg, name, strerror(errno));
	return 0;
}

/* commalist_each callback: one word of --preserve's list. */
static int
preserve_word(const char *w, size_t n, void *arg)
{
	unsigned *bits = arg;

	if (commalist_is(w, n, "mode"))
		*bits |= PRESERVE_MODE;
	else if (commalist_is(w, n, "ownership"))
		*bits |= PRESERVE_OWNERSHIP;
	else if (commalist_is(w, n, "timestamps"))
		*bits |= PRESERVE_TIMESTAMPS;
	else if (commalist_is(w, n, "links"))
		*bits |= PRESERVE_LINKS;
	else if (commalist_is(w, n, "xattr"))
		*bits |= PRESERVE_XATTR;
	else if (commalist_is(w, n, "all"))
		*bits |= PRESERVE_ALL;
	else if (!commalist_is(w, n, "context"))
		return -1;	/* no SELinux contexts here: nothing to keep */
	return 0;
}

/*
 * commalist_each callback: the attributes a word names itself ("all"
 * names none: what it cannot keep is passed over, as with -a).
 */
static int
named_word(const char *w, size_t n, void *arg)
{
	return commalist_is(w, n, "all") ? 0 : preserve_word(w, n, arg);
}

/* --preserve[=LIST] (add) or --no-preserve=LIST (remove), in order. */
static int
parse_preserve(const char *arg, bool keep, struct options *o, char *err,
    size_t len)
{
	const char *bad, *opt = keep ? "--preserve" : "--no-preserve";
	unsigned bits = 0, named;
	size_t badlen;

	if (arg == NULL)
		bits = PRESERVE_DEFAULT;
	else if (commalist_each(arg, preserve_word, &bits, &bad,
	    &badlen) != 0)
		return options_error(err, len,
		    "invalid attribute '%.*s' for %s", (int)badlen, bad, opt);
	else if (bits == 0 && strstr(arg, "context") == NULL)
		return options_error(err, len,
		    "invalid argument '%s' for %s", arg, opt);
	/* What failing to keep is an error: words named, not "all". */
	named = 0;
	if (arg != NULL)
		(void)commalist_each(arg, named_word, &named, NULL, NULL);
	if (keep) {
		o->preserve |= bits;
		o->preserve_refused &= ~bits;
		if (arg != NULL)
			o->preserve_asked |= named;
	} else {
		o->preserve &= ~bits;
		o->preserve_asked &= ~bits;
		o->preserve_refused |= bits;
	}
	return 0;
}

/* -j, --jobs=N: 1 to 1024 workers. */
static int
parse_jobs(const char *arg, struct options *o, char *err, size_t len)
{
	const char *errstr;

	/* Digits only: strtonum alone would take signs and spaces. */
	if (arg[0] == '\0' || strspn(arg, "0123456789") != strlen(arg))
		errstr = "invalid";
	else
		o->jobs = (int)strtonum(arg, 1, 1024, &errstr);
	if (errstr != NULL)
		return options_error(err, len,
		    "invalid number of jobs '%s' for --jobs: %s", arg, errstr);
	return 0;
}

/* --update[=all|none|older]; -u is older. */
static int
parse_update(const char *arg, struct options *o, char *err, size_t len)
{
	if (arg == NULL || strcmp(arg, "older") == 0)
		o->update = UPDATE_OLDER;
	else if (strcmp(arg, "all") == 0)
		o->update = UPDATE_ALL;
	else if (strcmp(arg, "none") == 0)
		o->update = UPDATE_NONE;
	else
		return options_error(err, len,
		    "invalid argument '%s' for --update", arg);
	return 0;
}

/* --resume[=strict]. */
static int
parse_resume(const char *arg, struct options *o, char *err, size_t len)
{
	if (arg != NULL && strcmp(arg, "strict") != 0)
		return options_error(err, len,
		    "invalid argument '%s' for --resume", arg);
	o->resume = true;
	o->resume_strict = arg != NULL;
	return 0;
}

/*
 * --resume continues the range a copy was writing into DEST: an --atomic
 * copy leaves no partial DEST, --append has no fixed place in DEST, and
 * dd's operands are dd's alone.
 */
static int
check_resume(const struct options *o, char *err, size_t len)
{
	if (o->atomic)
		return options_error(err, len, "--resume cannot be used with "
		    "--atomic: an interrupted --atomic copy leaves nothing "
		    "to resume");
	if (o->append)
		return options_error(err, len,
		    "--resume and --append cannot be used together");
	if (o->dd.on)
		return options_error(err, len,
		    "--resume cannot be used with dd operands");
	return 0;
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
			return options_error(err, len,
			    "option '--%s' doesn't allow an argument",
			    lo->name);
		if (lo->name != NULL)
			return options_error(err, len,
			    "option '--%s' requires an argument", lo->name);
		if (ambiguous(arg + 2, n))
			return options_error(err, len,
			    "option '%.*s' is ambiguous", (int)n + 2, arg);
		return options_error(err, len, "unrecognized option '%s'", arg);
	}
	if (optopt > 0 && optopt < 256 && optopt != ':' &&
	    strchr(shortopts, optopt) != NULL)
		return options_error(err, len,
		    "option requires an argument -- '%c'", optopt);
	if (optopt > 0 && optopt < 256)
		return options_error(err, len, "invalid option -- '%c'",
		    optopt);
	return options_error(err, len, "invalid option '%s'", arg);
}

/* --skip, --seek, --length, --buffer-size. */
static int
apply_size(int c, int idx, struct options *o, char *err, size_t len)
{
	const char *name = optname(idx, c);
	int64_t v;

	if (parse_size_opt(optarg, name, &v, err, len) == -1)
		return -1;
	switch (c) {
	case OPT_SKIP:
		o->skip = v;
		break;
	case OPT_SEEK:
		o->seek = v;
		o->seek_set = true;
		break;
	case 'l':
		o->length = v;
		o->length_set = true;
		break;
	default:	/* 'B' */
		if (v == 0 || v > (1 << 30))
			return options_error(err, len,
			    "invalid size '%s' for --%s: %s", optarg, name,
			    strerror(v == 0 ? EINVAL : ERANGE));
		o->copy.bufsize = (size_t)v;
		break;
	}
	return 0;
}

/* --sparse=WHEN, --reflink[=WHEN]. */
static int
apply_when(int c, struct options *o, char *err, size_t len)
{
	const char *a = optarg;

	if (c == OPT_SPARSE && strcmp(a, "auto") == 0)
		o->copy.sparse = SPARSE_AUTO;
	else if (c == OPT_SPARSE && strcmp(a, "always") == 0)
		o->copy.sparse = SPARSE_ALWAYS;
	else if (c == OPT_SPARSE && strcmp(a, "never") == 0)
		o->copy.sparse = SPARSE_NEVER;
	else if (c == OPT_REFLINK && (a == NULL || strcmp(a, "always") == 0))
		o->copy.reflink = REFLINK_ALWAYS;
	else if (c == OPT_REFLINK && strcmp(a, "auto") == 0)
		o->copy.reflink = REFLINK_AUTO;
	else if (c == OPT_REFLINK && strcmp(a, "never") == 0)
		o->copy.reflink = REFLINK_NEVER;
	else
		return options_error(err, len, "invalid argument '%s' for --%s",
		    a, c == OPT_SPARSE ? "sparse" : "reflink");
	return 0;
}

/* Options without a value; false for one getopt did not know. */
static bool
apply_flag(int c, struct options *o)
{
	switch (c) {
	case OPT_APPEND:	o->append = true;		break;
	case OPT_NO_TRUNCATE:	o->no_truncate = true;		break;
	case 'v':		o->verbose++;			break;
	case 'P':		o->progress = true;		break;
	case 'n':		o->clobber = CLOBBER_NO;	break;
	case 'f':		o->force = true;		break;
	case 'i':		o->clobber = CLOBBER_ASK;	break;
	case 'T':		o->no_target = true;		break;
	case OPT_FSYNC:		o->fsync = true;		break;
	case OPT_DIRECT:	o->direct = true;		break;
	case OPT_NOCACHE:	o->nocache = true;		break;
	case OPT_VERIFY:	o->verify = true;		break;
	case OPT_ATOMIC:	o->atomic = true;		break;
	case 'r':
	case 'R':		o->recursive = true;		break;
	case 'a':
		o->recursive = true;
		o->deref = DEREF_NEVER;
		o->preserve |= PRESERVE_ALL;
		break;
	case 'd':
		o->deref = DEREF_NEVER;
		o->preserve |= PRESERVE_LINKS;
		break;
	case OPT_NO_DEREF:	o->deref = DEREF_NEVER;		break;
	case 'L':		o->deref = DEREF_ALWAYS;	break;
	case 'H':		o->deref = DEREF_OPERANDS;	break;
	case OPT_COPY_CONTENTS:	o->copy_contents = true;	break;
	case 'x':		o->one_fs = true;		break;
	case 'u':		o->update = UPDATE_OLDER;	break;
	case OPT_PARENTS:	o->parents = true;		break;
	case 'b':		o->backup = true;		break;
	case OPT_REMOVE_DEST:	o->remove_dest = true;		break;
	case OPT_STRIP_SLASHES:	o->strip_slashes = true;	break;
	case OPT_ATTR_ONLY:	o->attributes_only = true;	break;
	case 's':
	case OPT_LINK:
		o->linking_both |= o->linking == (c == 's' ? LINKING_HARD :
		    LINKING_SYMBOLIC);
		o->linking = c == 's' ? LINKING_SYMBOLIC : LINKING_HARD;
		break;
	case 'h':		o->action = ACT_HELP;		break;
	case OPT_VERSION:	o->action = ACT_VERSION;	break;
	default:
		return false;
	}
	return true;
}

/* One option getopt returned; -1 with a message. */
static int
apply_option(int c, int idx, int argc, char **argv, struct options *o,
    char *err, size_t len)
{
	const char *bad;
	int badlen;

	switch (c) {
	case OPT_SKIP:
	case OPT_SEEK:
	case 'l':
	case 'B':
		return apply_size(c, idx, o, err, len);
	case OPT_SPARSE:
	case OPT_REFLINK:
		return apply_when(c, o, err, len);
	case OPT_METHOD:
		if (method_parse_list(optarg, &o->copy.methods,
		    &o->copy.single, &bad, &badlen) == -1)
			return options_error(err, len,
			    "unknown method '%.*s' in --method", badlen, bad);
		return 0;
	case 'p':
		return parse_preserve(idx >= 0 ? optarg : NULL, true, o, err,
		    len);
	case OPT_NO_PRESERVE:
		return parse_preserve(optarg, false, o, err, len);
	case OPT_UPDATE:
		return parse_update(optarg, o, err, len);
	case OPT_RESUME:
		return parse_resume(optarg, o, err, len);
	case OPT_BACKUP:
		o->backup = true;
		o->backup_control = optarg;
		return 0;
	case 'S':
		o->backup = true;	/* as cp: a suffix asks for backups */
		o->suffix = optarg;
		return 0;
	case 't':
		o->target = optarg;
		return 0;
	case 'j':
		return parse_jobs(optarg, o, err, len);
	default:
		if (apply_flag(c, o))
			return 0;
		return getopt_problem(argc, argv, err, len);
	}
}

/*
 * GNU-style permutation: options may follow operands, and "--" ends them.
 * Operands are gathered in order into o->ops.
 */
static int
parse_argv(int argc, char **argv, struct options *o, char *err, size_t len)
{
	int c, idx;

	opterr = 0;
	optind = 0;		/* full reinitialisation: the fuzzer reparses */
	o->ops = calloc((size_t)argc + 1, sizeof(*o->ops));
	if (o->ops == NULL)
		return options_error(err, len, "%s", strerror(ENOMEM));
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
		if (apply_option(c, idx, argc, argv, o, err, len) == -1)
			return -1;
		if (o->action != ACT_COPY)
			return 0;	/* --help, --version: nothing more */
	}
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
	if (dd_is_operands(o->nops, o->ops)) {
		/* dd's operands say where and how much; kcp's must not. */
		if (o->skip != 0 || o->seek_set || o->length_set ||
		    o->append || o->no_truncate || o->target != NULL ||
		    o->no_target || o->atomic)
			return options_error(err, len,
			    "--skip, --seek, --length, "
			    "--append, --no-truncate, -t, -T and --atomic "
			    "cannot be used with dd operands");
		if (dd_parse(o, err, len) == -1)
			return -1;
	}

	if (o->backup && backup_parse(o->backup_control,
	    (enum backup_mode *)&o->backup_mode, err, len) == -1)
		return -1;
	o->backup_suffix = backup_suffix(o->suffix);
	if (o->linking_both)
		return options_error(err, len,
		    "cannot make both hard and symbolic links");
	if (o->append && o->seek_set)
		return options_error(err, len,
		    "--append and --seek cannot be used together");
	if (o->length_set && o->skip > INT64_MAX - o->length)
		return options_error(err, len,
		    "--skip plus --length is past the largest file offset");
	if (o->length_set && o->seek > INT64_MAX - o->length)
		return options_error(err, len,
		    "--seek plus --length is past the largest file offset");
	if (o->copy.reflink == REFLINK_ALWAYS &&
	    o->copy.sparse == SPARSE_NEVER)
		return options_error(err, len,
		    "--reflink=always cannot be used with --sparse=never");
	if (o->target != NULL && o->no_target)
		return options_error(err, len,
		    "-t and -T cannot be used together");
	if (o->atomic && (o->seek_set || o->append || o->no_truncate ||
	    o->trunc_at_seek))
		return options_error(err, len,
		    "--atomic cannot be used with --seek, "
		    "--append or --no-truncate");
	if (o->resume)
		return check_resume(o, err, len);
	return 0;
}
