/*
 * kcp: copy files, streams and ranges with the kernel's offload calls.
 *
 * This file decides what to copy: options, operands, opening paths, the
 * same-file rules, messages and the exit status.  The engine moves bytes.
 */
#include "config.h"

#include <sys/stat.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "fdinfo.h"
#include "report.h"
#include "size.h"

enum clobber { CLOBBER_YES, CLOBBER_NO, CLOBBER_ASK };

struct options {
	int64_t			 skip, seek, length;
	bool			 seek_set, length_set;
	bool			 append, no_truncate, force;
	enum clobber		 clobber;
	int			 verbose;
	const char		*target;	/* -t DIR */
	bool			 no_target;	/* -T */
	struct copy_opts	 copy;
};

/* What the -vv trace callback needs to name the copy. */
struct names {
	const char	*src, *dst;
};

enum {
	OPT_SKIP = 256, OPT_SEEK, OPT_APPEND, OPT_NO_TRUNCATE, OPT_SPARSE,
	OPT_REFLINK, OPT_METHOD, OPT_VERSION
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
	{ "no-clobber",		no_argument,		NULL, 'n' },
	{ "force",		no_argument,		NULL, 'f' },
	{ "interactive",	no_argument,		NULL, 'i' },
	{ "target-directory",	required_argument,	NULL, 't' },
	{ "no-target-directory", no_argument,		NULL, 'T' },
	{ "buffer-size",	required_argument,	NULL, 'B' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, OPT_VERSION },
	{ NULL,			0,			NULL, 0 }
};

static _Noreturn void
usage_error(const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		vwarnx(fmt, ap);
		va_end(ap);
	}
	fprintf(stderr, "Try '%s --help' for more information.\n",
	    getprogname());
	exit(1);
}

static _Noreturn void
help(void)
{
	printf("Usage: %s [OPTION]... [SOURCE [DEST]]\n"
	    "  or:  %s [OPTION]... SOURCE... DIRECTORY\n"
	    "  or:  %s [OPTION]... -t DIRECTORY SOURCE...\n", getprogname(),
	    getprogname(), getprogname());
	fputs(
"Copy SOURCE to DEST, or several SOURCEs into DIRECTORY, moving the bytes\n"
"with the kernel's offload calls (reflink, copy_file_range, sendfile, splice)\n"
"and falling back to read/write where they do not apply.  '-' is standard\n"
"input as SOURCE and standard output as DEST; with no DEST, standard output.\n"
"\n"
"      --skip=SIZE         start reading SOURCE at byte SIZE\n"
"                            (also --offset, --input-offset)\n"
"      --seek=SIZE         start writing DEST at byte SIZE; DEST is not\n"
"                            truncated (also --output-offset)\n"
"  -l, --length=SIZE       copy at most SIZE bytes (also --count)\n"
"      --append            write at the end of DEST; never truncate\n"
"      --no-truncate       do not truncate an existing DEST\n"
"      --sparse=WHEN       auto (default), always or never: keep holes,\n"
"                            also make holes of zero blocks, or write all\n"
"      --reflink[=WHEN]    auto (default), always (bare --reflink) or never:\n"
"                            share extents with SOURCE where possible\n"
"      --method=LIST       comma list of reflink, copy_file_range, sendfile,\n"
"                            splice, readwrite; auto (default) is all\n"
"  -v, --verbose           report each copy and the method used; -vv also\n"
"                            reports every method left and why\n"
"  -n, --no-clobber        never overwrite an existing DEST\n"
"  -f, --force             remove a DEST that cannot be opened and retry\n"
"  -i, --interactive       ask before overwriting\n"
"  -t, --target-directory=DIRECTORY  copy every SOURCE into DIRECTORY\n"
"  -T, --no-target-directory         treat DEST as a file always\n"
"  -B, --buffer-size=SIZE  read/write buffer and splice chunk size\n"
"  -h, --help              display this help and exit\n"
"      --version           output version information and exit\n"
"\n"
"SIZE is digits with an optional suffix: K, M, G, T, P, E (powers of 1024,\n"
"also KiB, MiB, ...) or KB, MB, GB, TB, PB, EB (powers of 1000).\n"
"Exit status is 0 when every copy succeeded, 1 otherwise.\n", stdout);
	exit(0);
}

static _Noreturn void
version(void)
{
	printf("%s\n", PACKAGE_STRING);
	puts("Copyright (c) 2026 The kcp developers.\n"
	    "License ISC: <https://opensource.org/licenses/ISC>.\n"
	    "This is free software: you are free to change and redistribute it.\n"
	    "There is NO WARRANTY, to the extent permitted by law.");
	exit(0);
}

static int64_t
parse_size(const char *arg, const char *opt)
{
	int64_t v;

	if (size_parse(arg, &v) == -1)
		usage_error("invalid size '%s' for --%s: %s", arg, opt,
		    strerror(errno));
	return v;
}

static const char *
optname(int idx, int c)
{
	if (idx >= 0)
		return longopts[idx].name;
	return c == 'l' ? "length" : "buffer-size";
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	int c, idx;
	int64_t v;

	memset(o, 0, sizeof(*o));
	o->copy.methods = M_ALL;
	o->copy.sparse = SPARSE_AUTO;
	o->copy.reflink = REFLINK_AUTO;
	o->copy.bufsize = KCP_BUFSIZE_DEFAULT;

	for (;;) {
		idx = -1;
		c = getopt_long(argc, argv, "l:vnfit:TB:h", longopts, &idx);
		if (c == -1)
			break;
		switch (c) {
		case OPT_SKIP:
			o->skip = parse_size(optarg, optname(idx, c));
			break;
		case OPT_SEEK:
			o->seek = parse_size(optarg, optname(idx, c));
			o->seek_set = true;
			break;
		case 'l':
			o->length = parse_size(optarg, optname(idx, c));
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
				usage_error("invalid argument '%s' for --sparse",
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
				usage_error("invalid argument '%s' for --reflink",
				    optarg);
			break;
		case OPT_METHOD:
			if (method_parse_list(optarg, &o->copy.methods,
			    &o->copy.single) == -1)
				usage_error("unknown method '%s' in --method",
				    optarg);
			break;
		case 'v':
			o->verbose++;
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
		case 'B':
			v = parse_size(optarg, optname(idx, c));
			if (v == 0)
				usage_error("invalid size '%s' for --%s: %s",
				    optarg, optname(idx, c), strerror(EINVAL));
			if (v > 1 << 30)
				usage_error("invalid size '%s' for --%s: %s",
				    optarg, optname(idx, c), strerror(ERANGE));
			o->copy.bufsize = (size_t)v;
			break;
		case 'h':
			help();
		case OPT_VERSION:
			version();
		default:
			usage_error(NULL);
		}
	}

	if (o->append && o->seek_set)
		usage_error("--append and --seek cannot be used together");
	if (o->length_set && o->skip > INT64_MAX - o->length)
		usage_error("--skip plus --length is past the largest file "
		    "offset");
	if (o->length_set && o->seek > INT64_MAX - o->length)
		usage_error("--seek plus --length is past the largest file "
		    "offset");
	if (o->copy.reflink == REFLINK_ALWAYS &&
	    o->copy.sparse == SPARSE_NEVER)
		usage_error("--reflink=always cannot be used with "
		    "--sparse=never");
	if (o->target != NULL && o->no_target)
		usage_error("-t and -T cannot be used together");
}

static void
trace_cb(void *arg, enum method m, int err, const char *why)
{
	const struct names *n = arg;

	report_decision(stderr, n->src, n->dst, m, err, why);
}

/* Ask before overwriting; true means go ahead. */
static bool
ask_overwrite(const char *dst)
{
	char *line = NULL;
	size_t cap = 0;
	bool yes;

	fprintf(stderr, "%s: overwrite '%s'? ", getprogname(), dst);
	fflush(stderr);
	yes = getline(&line, &cap, stdin) > 0 &&
	    (line[0] == 'y' || line[0] == 'Y');
	free(line);
	return yes;
}

/*
 * Open DEST for writing without truncating it (that happens only after the
 * same-file check).  New files get their mode at creation.  Returns the
 * descriptor, -1 after a diagnosed error, or -2 when DEST is to be skipped.
 */
static int
open_dest(const char *dst, mode_t mode, const struct options *o,
    bool *created)
{
	struct stat st;
	int fd, tries;

	*created = false;
	if (o->clobber == CLOBBER_NO) {
		fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
		if (fd == -1 && errno == EEXIST)
			return -2;
		if (fd != -1)
			*created = true;
		else
			warn("cannot open '%s' for writing", dst);
		return fd;
	}
	if (o->clobber == CLOBBER_ASK && stat(dst, &st) == 0 &&
	    !ask_overwrite(dst))
		return -2;

	for (tries = 0; tries < 100; tries++) {
		fd = open(dst, O_WRONLY | O_CLOEXEC);
		if (fd != -1)
			return fd;
		if (errno == ENOENT) {
			if (lstat(dst, &st) == 0 && S_ISLNK(st.st_mode)) {
				warnx("not writing through dangling symlink "
				    "'%s'", dst);
				return -1;
			}
		} else if (o->force && errno != EISDIR) {
			if (unlink(dst) == -1 && errno != ENOENT)
				break;
		} else
			break;
		fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
		if (fd != -1) {
			*created = true;
			return fd;
		}
		if (errno != EEXIST)
			break;
		/* Someone made it in between: open what is there now. */
	}
	warn("cannot open '%s' for writing", dst);
	return -1;
}

static bool
ranges_overlap(int64_t a, int64_t b, int64_t n)
{
	return a < b + n && b < a + n;
}

/*
 * SPEC section 3: a copy from a file onto itself runs only when it cannot
 * truncate it, overlap itself, or read its own output.  On success *len
 * bounds the copy to what SOURCE held when it started.
 */
static bool
same_file_ok(const struct options *o, const struct fdinfo *in,
    const struct fdinfo *out, bool src_inherited, bool dst_inherited,
    int64_t *len)
{
	int64_t s, d, n, size = in->st.st_size;
	off_t cur;

	if (!dst_inherited && !o->seek_set && !o->append && !o->no_truncate)
		return false;
	s = o->skip;
	if (src_inherited && (cur = lseek(in->fd, 0, SEEK_CUR)) > 0)
		s = cur > INT64_MAX - s ? INT64_MAX : cur + s;
	n = size > s ? size - s : 0;
	if (o->length_set && o->length < n)
		n = o->length;
	if (o->append || out->append)
		d = size;
	else if (dst_inherited && (cur = lseek(out->fd, 0, SEEK_CUR)) > 0)
		d = cur > INT64_MAX - o->seek ? INT64_MAX : cur + o->seek;
	else
		d = o->seek;
	if (n > 0 && ranges_overlap(s, d, n))
		return false;
	if (n > 0 && !o->length_set && d >= s)
		return false;
	*len = n;
	return true;
}

/* Copy one SOURCE to one DEST; returns 0, or 1 after a diagnosed error. */
static int
copy_one(const char *src, const char *dst, struct options *o)
{
	struct fdinfo in, out;
	struct copy_req req;
	struct copy_result res;
	struct copy_opts copts;
	struct names nm = { src, dst };
	bool src_std, dst_std, created = false, truncate_it;
	int64_t len;
	double t0;
	mode_t mode;
	int fd, rval = 0;

	src_std = strcmp(src, "-") == 0;
	dst_std = strcmp(dst, "-") == 0;

	if (src_std)
		fd = STDIN_FILENO;
	else if ((fd = open(src, O_RDONLY | O_CLOEXEC)) == -1) {
		warn("cannot open '%s' for reading", src);
		return 1;
	}
	if (fdinfo_get(fd, &in) == -1) {
		warn("cannot stat '%s'", src);
		goto close_in;
	}
	if (in.type == FT_DIR) {
		warnx("omitting directory '%s'", src);
		goto close_in;
	}

	if (dst_std)
		fd = STDOUT_FILENO;
	else {
		mode = in.type == FT_REG ? (in.st.st_mode & 0777) : 0666;
		fd = open_dest(dst, mode, o, &created);
		if (fd == -2) {
			rval = 0;
			goto close_in_ok;
		}
		if (fd == -1)
			goto close_in;
	}
	if (fdinfo_get(fd, &out) == -1) {
		warn("cannot stat '%s'", dst);
		goto close_out;
	}

	len = o->length_set ? o->length : LEN_EOF;
	if (fdinfo_same(&in, &out)) {
		if (!same_file_ok(o, &in, &out, src_std, dst_std, &len)) {
			warnx("'%s' and '%s' are the same file", src, dst);
			goto close_out;
		}
	}
	if ((o->seek_set || (o->append && dst_std)) && !out.seekable) {
		errno = ESPIPE;
		warn("cannot seek in '%s'", dst);
		goto close_out;
	}

	memset(&req, 0, sizeof(req));
	req.in = &in;
	req.out = &out;
	req.in_off = src_std ? OFF_FD : 0;
	req.skip = o->skip;
	req.length = len;
	req.set_in_offset = src_std;
	req.set_out_offset = dst_std;

	truncate_it = !dst_std && out.type == FT_REG && !o->seek_set &&
	    !o->append && !o->no_truncate;
	if (truncate_it && out.st.st_size > 0) {
		if (ftruncate(out.fd, 0) == -1) {
			warn("cannot truncate '%s'", dst);
			goto close_out;
		}
		out.st.st_size = 0;
	}
	req.out_fresh_from = out.type == FT_REG ? out.st.st_size : 0;

	if (o->append)
		req.out_off = out.st.st_size;
	else if (dst_std) {
		req.out_off = OFF_FD;
		if (out.seekable && !out.append) {
			off_t cur = lseek(out.fd, 0, SEEK_CUR);

			if (cur == -1 || o->seek > INT64_MAX - cur) {
				warn("cannot seek in '%s'", dst);
				goto close_out;
			}
			req.out_off = cur + o->seek;
		}
	} else
		req.out_off = o->seek;

	copts = o->copy;
	if (o->verbose > 1) {
		copts.trace = trace_cb;
		copts.trace_arg = &nm;
	}
	t0 = report_now();
	if (engine_copy(&req, &copts, &res) == -1) {
		if (res.err_method == M_REFLINK &&
		    copts.reflink == REFLINK_ALWAYS)
			warnx("failed to clone '%s' to '%s': %s", src, dst,
			    strerror(res.err));
		else if (res.no_method)
			warnx("cannot copy '%s' to '%s' with %s: %s (%s)", src,
			    dst, method_name(res.err_method),
			    strerror(res.err), report_errname(res.err));
		else if (res.err_side == SIDE_READ)
			warnx("error reading '%s': %s", src,
			    strerror(res.err));
		else if (res.err_side == SIDE_WRITE)
			warnx("error writing '%s': %s", dst,
			    strerror(res.err));
		else
			warnx("error copying '%s' to '%s': %s", src, dst,
			    strerror(res.err));
		rval = 1;
		if (created && res.err_method == M_REFLINK &&
		    copts.reflink == REFLINK_ALWAYS)
			(void)unlink(dst);
	}
	if (o->verbose > 0)
		report_copy(stderr, src, dst, &res, report_now() - t0);
	if (!dst_std && close(out.fd) == -1 && rval == 0) {
		warn("error writing '%s'", dst);
		rval = 1;
	}
	goto close_in_done;

close_out:
	if (!dst_std) {
		(void)close(out.fd);
		if (created)
			(void)unlink(dst);
	}
close_in:
	rval = 1;
close_in_ok:
close_in_done:
	if (!src_std)
		(void)close(in.fd);
	return rval;
}

/* The last component of a path, ignoring trailing slashes. */
static char *
join_base(const char *dir, const char *src)
{
	const char *end, *start;
	char *path;

	end = src + strlen(src);
	while (end > src + 1 && end[-1] == '/')
		end--;
	for (start = end; start > src && start[-1] != '/'; start--)
		;
	if (asprintf(&path, "%s/%.*s", dir, (int)(end - start), start) == -1)
		err(1, "out of memory");
	return path;
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
copy_into(const char *src, const char *dir, struct options *o)
{
	char *dst;
	int rval;

	if (strcmp(src, "-") == 0) {
		warnx("cannot copy standard input into directory '%s'", dir);
		return 1;
	}
	dst = join_base(dir, src);
	rval = copy_one(src, dst, o);
	free(dst);
	return rval;
}

int
main(int argc, char **argv)
{
	struct options o;
	const char *dir;
	int i, n, rval = 0;

	parse_options(argc, argv, &o);
	argv += optind;
	n = argc - optind;

	if (o.clobber == CLOBBER_ASK) {
		for (i = 0; i < n; i++)
			if (strcmp(argv[i], "-") == 0 &&
			    (o.target != NULL || i < n - 1 || n == 1))
				usage_error("--interactive cannot be used with "
				    "standard input as SOURCE");
		if (n == 0)
			usage_error("--interactive cannot be used with "
			    "standard input as SOURCE");
	}

	if (o.target != NULL) {
		if (n == 0)
			usage_error("missing file operand");
		if (!is_dir(o.target)) {
			warnx("target '%s' is not a directory", o.target);
			return 1;
		}
		for (i = 0; i < n; i++)
			rval |= copy_into(argv[i], o.target, &o);
	} else if (n == 0) {
		rval = copy_one("-", "-", &o);
	} else if (n == 1) {
		rval = copy_one(argv[0], "-", &o);
	} else if (n == 2) {
		if (!o.no_target && strcmp(argv[1], "-") != 0 &&
		    is_dir(argv[1]))
			rval = copy_into(argv[0], argv[1], &o);
		else
			rval = copy_one(argv[0], argv[1], &o);
	} else {
		if (o.no_target)
			usage_error("extra operand '%s'", argv[2]);
		dir = argv[n - 1];
		if (!is_dir(dir)) {
			warnx("target '%s' is not a directory", dir);
			return 1;
		}
		for (i = 0; i < n - 1; i++)
			rval |= copy_into(argv[i], dir, &o);
	}

	if (close(STDOUT_FILENO) == -1 && errno != EBADF) {
		warn("error writing '-'");
		rval = 1;
	}
	return rval;
}
