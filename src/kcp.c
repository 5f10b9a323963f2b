/*
 * kcp: copy files, streams and ranges with the kernel's offload calls.
 *
 * This file decides what to copy: operands, opening paths, the same-file
 * rules, what happens around a copy (sync, verify, attributes, atomic
 * replacement), messages and the exit status.  options.c parses the
 * command line; the engine moves bytes.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/time.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dd.h"
#include "engine.h"
#include "fdinfo.h"
#include "options.h"
#include "report.h"
#include "size.h"
#include "xio.h"

/* Standard descriptors that were closed when kcp started. */
static bool	std_closed[3];

/* SIGUSR1 asked for one status line. */
static volatile sig_atomic_t	status_wanted;

/* A DEST being built beside its final name (--atomic). */
struct atomic {
	bool		 on;
	bool		 named;		/* a visible temporary name exists */
	bool		 existed;	/* DEST existed: keep its attributes */
	struct stat	 old;
	char		*dst;		/* final path (symlinks resolved) */
	char		*tmp;		/* temporary path, when named */
};

/* What the engine callbacks need to name the copy. */
struct names {
	const char		*src, *dst;
	struct progress		*prog;
	const struct options	*o;
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

/* Standard output's last word: a failed flush or close is a failure. */
static int
close_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warn("write error");
		return 1;
	}
	if (close(STDOUT_FILENO) == -1 && errno != EBADF) {
		warn("error writing '-'");
		return 1;
	}
	return 0;
}

static _Noreturn void
help(void)
{
	printf("Usage: %s [OPTION]... [SOURCE [DEST]]\n"
	    "  or:  %s [OPTION]... SOURCE... DIRECTORY\n"
	    "  or:  %s [OPTION]... -t DIRECTORY SOURCE...\n"
	    "  or:  %s if=FILE of=FILE [bs=N] [skip=N] [seek=N] [count=N] "
	    "...\n", getprogname(), getprogname(), getprogname(),
	    getprogname());
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
"  -P, --progress          show progress on standard error\n"
"  -n, --no-clobber        never overwrite an existing DEST\n"
"  -f, --force             remove a DEST that cannot be opened and retry\n"
"  -i, --interactive       ask before overwriting\n"
"  -t, --target-directory=DIRECTORY  copy every SOURCE into DIRECTORY\n"
"  -T, --no-target-directory         treat DEST as a file always\n"
"  -p, --preserve[=LIST]   keep mode, ownership, timestamps (default: all)\n"
"      --fsync             sync DEST to stable storage before success\n"
"      --direct            use O_DIRECT I/O where the filesystem allows it\n"
"      --nocache           drop copied pages from the page cache\n"
"      --verify            read both files back and compare them\n"
"      --atomic            build DEST beside it and rename it into place\n"
"  -B, --buffer-size=SIZE  read/write buffer and splice chunk size\n"
"  -h, --help              display this help and exit\n"
"      --version           output version information and exit\n"
"\n"
"SIZE is digits with an optional suffix: K, M, G, T, P, E (powers of 1024,\n"
"also KiB, MiB, ...) or KB, MB, GB, TB, PB, EB (powers of 1000).\n"
"With dd's operands (if= of= bs= ibs= obs= skip= seek= count= conv= iflag=\n"
"oflag= status=) kcp behaves as dd for that subset; see kcp(1).\n"
"SIGUSR1 prints a status line.  Exit status is 0 when every copy\n"
"succeeded, 1 otherwise.\n", stdout);
	exit(close_stdout());
}

static _Noreturn void
version(void)
{
	printf("%s\n", PACKAGE_STRING);
	puts("Copyright (c) 2026 The kcp developers.\n"
	    "License ISC: <https://opensource.org/licenses/ISC>.\n"
	    "This is free software: you are free to change and redistribute it.\n"
	    "There is NO WARRANTY, to the extent permitted by law.");
	exit(close_stdout());
}

/*
 * Hold the places of closed standard descriptors with /dev/null opened the
 * wrong way round, so that no file kcp opens is taken for '-' and using
 * one fails with EBADF.  One poll(2) tells which are closed.
 */
static void
hold_std_fds(void)
{
	struct pollfd p[3];
	int i;

	for (i = 0; i < 3; i++) {
		p[i].fd = i;
		p[i].events = 0;
	}
	if (poll(p, 3, 0) <= 0)
		return;
	for (i = 0; i < 3; i++)
		if (p[i].revents & POLLNVAL) {
			std_closed[i] = true;
			if (open("/dev/null", i == 0 ? O_WRONLY : O_RDONLY) !=
			    i)
				exit(1);
		}
}

static void
on_stop(int sig)
{
	xio_stop = sig;
}

static void
on_status(int sig)
{
	(void)sig;
	status_wanted = 1;
	xio_tick = 1;
}

static void
on_tick(int sig)
{
	(void)sig;
	xio_tick = 1;
}

/*
 * Handlers only set flags.  No SA_RESTART: a blocked call returns EINTR so
 * that the copy notices a stop or draws its progress line.
 */
static void
install_signals(const struct options *o)
{
	struct sigaction sa, old;
	struct itimerval it;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* A signal the caller ignored stays ignored, as with cat and dd. */
	sa.sa_handler = on_stop;
	if (sigaction(SIGINT, &sa, &old) == 0 && old.sa_handler == SIG_IGN)
		sigaction(SIGINT, &old, NULL);
	if (sigaction(SIGTERM, &sa, &old) == 0 && old.sa_handler == SIG_IGN)
		sigaction(SIGTERM, &old, NULL);
	sa.sa_handler = on_status;
	sigaction(SIGUSR1, &sa, NULL);
	if (o->progress) {
		sa.sa_handler = on_tick;
		sigaction(SIGALRM, &sa, NULL);
		memset(&it, 0, sizeof(it));
		/* Four redraws a second on a terminal. */
		it.it_interval.tv_usec = 250000;
		it.it_value = it.it_interval;
		setitimer(ITIMER_REAL, &it, NULL);
	}
}

/* After SIGINT or SIGTERM: die of that signal, for the caller's sake. */
static _Noreturn void
die_of_signal(void)
{
	int sig = xio_stop;

	signal(sig, SIG_DFL);
	raise(sig);
	_exit(128 + sig);
}

static void
trace_cb(void *arg, enum method m, int err, const char *why)
{
	const struct names *n = arg;

	report_decision(stderr, n->src, n->dst, m, err, why);
}

static void
progress_cb(void *arg, const struct copy_result *r, enum method m)
{
	const struct names *n = arg;

	if (status_wanted) {
		status_wanted = 0;
		progress_show(n->prog, r, m, true);
	} else if (n->o->progress)
		progress_show(n->prog, r, m, false);
}

/*
 * open(2), again after a signal that only asked for a status line or a
 * progress tick: a FIFO may keep kcp waiting here for long.
 */
static int
xopen(const char *path, int flags, mode_t mode)
{
	int fd;

	while ((fd = open(path, flags, mode)) == -1 && errno == EINTR &&
	    !xio_stop)
		;
	return fd;
}

/* Ask before overwriting; true means go ahead. */
static bool
ask_overwrite(const char *dst)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	bool yes;

	fprintf(stderr, "%s: overwrite '%s'? ", getprogname(), dst);
	fflush(stderr);
	/* A progress tick may interrupt the wait for an answer. */
	while ((n = getline(&line, &cap, stdin)) == -1 && errno == EINTR &&
	    !xio_stop)
		clearerr(stdin);
	yes = n > 0 && (line[0] == 'y' || line[0] == 'Y');
	free(line);
	return yes;
}

/*
 * Open DEST without truncating it (that happens only after the same-file
 * check).  New files get their mode at creation.  Returns the descriptor,
 * -1 after a diagnosed error, or -2 when DEST is to be skipped.
 */
static int
open_dest(const char *dst, int flags, mode_t mode, const struct options *o,
    bool *created)
{
	struct stat st;
	int fd, tries;

	*created = false;
	flags |= O_CLOEXEC;
	if (o->clobber == CLOBBER_NO || o->dd.excl) {
		fd = xopen(dst, flags | O_CREAT | O_EXCL, mode);
		if (fd == -1 && errno == EEXIST && !o->dd.excl) {
			if (lstat(dst, &st) == 0 && S_ISLNK(st.st_mode) &&
			    stat(dst, &st) == -1 && errno == ENOENT) {
				warnx("not writing through dangling symlink "
				    "'%s'", dst);
				return -1;
			}
			return -2;
		}
		if (fd != -1)
			*created = true;
		else
			warn("cannot open '%s' for writing", dst);
		return fd;
	}
	if (o->clobber == CLOBBER_ASK && stat(dst, &st) == 0 &&
	    !ask_overwrite(dst))
		return -2;

	/* A new file is the common case: one call creates it. */
	for (tries = 0; tries < 100; tries++) {
		if (!o->dd.nocreat) {
			fd = xopen(dst, flags | O_CREAT | O_EXCL, mode);
			if (fd != -1) {
				*created = true;
				return fd;
			}
			if (errno != EEXIST)
				break;
		}
		fd = xopen(dst, flags, 0);
		if (fd != -1)
			return fd;
		if (errno == ENOENT && !o->dd.nocreat) {
			if (lstat(dst, &st) == 0 && S_ISLNK(st.st_mode)) {
				warnx("not writing through dangling symlink "
				    "'%s'", dst);
				return -1;
			}
			continue;	/* removed in between: create it */
		}
		if (!o->force || errno == EISDIR || errno == ENOENT)
			break;
		if (unlink(dst) == -1 && errno != ENOENT)
			break;
	}
	if (!xio_stop)
		warn("cannot open '%s' for writing", dst);
	return -1;
}

/* The directory part of a path, for the temporary file of --atomic. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (slash == NULL)
		d = strdup(".");
	else if (slash == path)
		d = strdup("/");
	else
		d = strndup(path, (size_t)(slash - path));
	if (d == NULL)
		err(1, "out of memory");
	return d;
}

/*
 * --atomic: open an unnamed file (O_TMPFILE) in DEST's directory, or a
 * uniquely named one where the filesystem has no O_TMPFILE.  Returns the
 * descriptor, -1 after a diagnosed error, or -2 to skip DEST.
 */
static int
atomic_open(const char *dst, int flags, mode_t mode, const struct options *o,
    struct atomic *a)
{
	struct stat st;
	char *dir;
	int fd, i;

	memset(a, 0, sizeof(*a));
	a->on = true;
	srandom((unsigned)getpid() ^ (unsigned)time(NULL));
	if (lstat(dst, &st) == 0) {
		if (o->clobber == CLOBBER_NO)
			return -2;
		if (S_ISLNK(st.st_mode) && stat(dst, &st) == -1) {
			warnx("not writing through dangling symlink '%s'", dst);
			return -1;
		}
		if (!S_ISREG(st.st_mode)) {
			warnx("cannot replace '%s' atomically: not a regular "
			    "file", dst);
			return -1;
		}
		if (o->clobber == CLOBBER_ASK && !ask_overwrite(dst))
			return -2;
		a->existed = true;
		a->old = st;
		/* Replace the file a symlink points to, not the link. */
		if ((a->dst = realpath(dst, NULL)) == NULL) {
			warn("cannot resolve '%s'", dst);
			return -1;
		}
	} else if ((a->dst = strdup(dst)) == NULL)
		err(1, "out of memory");

	dir = dir_of(a->dst);
	/* An unnamed file needs /proc to be given a name at the end. */
	fd = -1;
	if (access("/proc/self/fd", X_OK) == 0 &&
	    (fd = open(dir, (flags & ~O_ACCMODE) | O_RDWR | O_TMPFILE |
	    O_CLOEXEC, mode)) == -1 && errno != EOPNOTSUPP &&
	    errno != EISDIR && errno != EINVAL) {
		warn("cannot create a temporary file in '%s'", dir);
		free(dir);
		return -1;
	}
	for (i = 0; fd == -1 && i < 100; i++) {
		free(a->tmp);
		if (asprintf(&a->tmp, "%s/.kcp.%ld.%08lx", dir, (long)getpid(),
		    (unsigned long)random()) == -1)
			err(1, "out of memory");
		fd = open(a->tmp, flags | O_CREAT | O_EXCL | O_CLOEXEC, mode);
		if (fd == -1 && errno != EEXIST) {
			warn("cannot create a temporary file in '%s'", dir);
			break;
		}
		a->named = fd != -1;
	}
	free(dir);
	return fd;
}

/* Put the finished temporary file in DEST's place. */
static int
atomic_commit(struct atomic *a, int fd, bool sync_dir)
{
	char proc[64];
	char *dir;
	int i, dfd;

	if (!a->named) {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		dir = dir_of(a->dst);
		for (i = 0; i < 100; i++) {
			free(a->tmp);
			if (asprintf(&a->tmp, "%s/.kcp.%ld.%08lx", dir,
			    (long)getpid(), (unsigned long)random()) == -1)
				err(1, "out of memory");
			if (linkat(AT_FDCWD, proc, AT_FDCWD, a->tmp,
			    AT_SYMLINK_FOLLOW) == 0)
				break;
			if (errno != EEXIST || i == 99) {
				free(dir);
				return -1;
			}
		}
		free(dir);
		a->named = true;
	}
	if (rename(a->tmp, a->dst) == -1)
		return -1;
	a->named = false;
	if (sync_dir) {
		dir = dir_of(a->dst);
		if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) !=
		    -1) {
			(void)fsync(dfd);
			(void)close(dfd);
		}
		free(dir);
	}
	return 0;
}

/*
 * The new file takes the place, and the looks, of the old one, except
 * where -p asks for SOURCE's.
 */
static void
atomic_keep_looks(const struct atomic *a, int fd, unsigned preserve)
{
	if (!a->existed)
		return;
	if (!(preserve & PRESERVE_OWNERSHIP))
		(void)fchown(fd, a->old.st_uid, a->old.st_gid);
	if (!(preserve & PRESERVE_MODE))
		(void)fchmod(fd, a->old.st_mode & 07777);
}

static void
atomic_abort(struct atomic *a)
{
	if (a->named)
		(void)unlink(a->tmp);
	a->named = false;
}

static void
atomic_free(struct atomic *a)
{
	free(a->dst);
	free(a->tmp);
}

static bool
ranges_overlap(int64_t a, int64_t b, int64_t n)
{
	return a < b + n && b < a + n;
}

/*
 * SPEC section 3: a copy from a file onto itself runs only when it cannot
 * truncate the file or read its own output.  A forward copy to a lower
 * offset is safe even where the ranges overlap ("copy the tail to the
 * front"); one to a higher, overlapping offset is not.  On success *len
 * bounds the copy to what SOURCE held when it started.
 */
static bool
same_file_ok(const struct options *o, const struct fdinfo *in,
    const struct fdinfo *out, bool src_std, bool dst_std, int64_t *len)
{
	int64_t s, d, n, size = in->size;
	off_t cur;

	if (!dst_std && !o->seek_set && !o->append && !o->no_truncate)
		return false;
	if (o->trunc_at_seek)
		return false;
	s = o->skip;
	if (src_std && (cur = lseek(in->fd, 0, SEEK_CUR)) > 0)
		s = cur > INT64_MAX - s ? INT64_MAX : cur + s;
	n = size > s ? size - s : 0;
	if (o->length_set && o->length < n)
		n = o->length;
	if (o->append || out->append)
		d = size;
	else if (dst_std && (cur = lseek(out->fd, 0, SEEK_CUR)) > 0)
		d = cur > INT64_MAX - o->seek ? INT64_MAX : cur + o->seek;
	else
		d = o->seek;
	if (n > 0 && d >= s && ranges_overlap(s, d, n))
		return false;
	if (n > 0 && !o->length_set && d >= s)
		return false;
	*len = n;
	return true;
}

/* Turn on O_DIRECT for a file or block device, where allowed. */
static void
try_direct(const struct fdinfo *fi, const char *name, int verbose)
{
	int fl;

	if (fi->type != FT_REG && fi->type != FT_BLK)
		return;
	if ((fl = fcntl(fi->fd, F_GETFL)) == -1 ||
	    fcntl(fi->fd, F_SETFL, fl | O_DIRECT) == -1) {
		if (verbose > 1)
			warnx("'%s': O_DIRECT refused (%s): copying through "
			    "the page cache", name, report_errname(errno));
	}
}

/* Compare SOURCE and DEST over the copied range; -1 after a message. */
static int
verify(const char *src, const char *dst, int in, int out, off_t ioff,
    off_t ooff, uint64_t len)
{
	enum { VBUF = 256 * 1024 };
	char *a, *b;
	ssize_t ra, rb;
	size_t want, i;
	uint64_t done = 0;
	int rc = 0;

	if ((a = malloc(VBUF)) == NULL || (b = malloc(VBUF)) == NULL)
		err(1, "out of memory");
	/* Plain reads from any offset: no O_DIRECT alignment rules. */
	(void)fcntl(in, F_SETFL, fcntl(in, F_GETFL) & ~O_DIRECT);
	(void)fcntl(out, F_SETFL, fcntl(out, F_GETFL) & ~O_DIRECT);
	(void)posix_fadvise(in, ioff, (off_t)len, POSIX_FADV_SEQUENTIAL);
	(void)posix_fadvise(out, ooff, (off_t)len, POSIX_FADV_SEQUENTIAL);
	while (done < len && !xio_stop) {
		want = len - done < VBUF ? (size_t)(len - done) : VBUF;
		ra = xio_read(in, a, want, ioff + (off_t)done);
		if (ra < 0) {
			warn("cannot verify: error reading '%s'", src);
			rc = -1;
			break;
		}
		rb = ra == 0 ? 0 : xio_read(out, b, (size_t)ra,
		    ooff + (off_t)done);
		if (rb < 0) {
			warn("cannot verify: error reading '%s'", dst);
			rc = -1;
			break;
		}
		if (ra == 0 || rb < ra) {
			warnx("verification failed: '%s' and '%s' differ in "
			    "length at byte %llu", src, dst,
			    (unsigned long long)(done + (uint64_t)rb));
			rc = -1;
			break;
		}
		if (memcmp(a, b, (size_t)ra) != 0) {
			for (i = 0; a[i] == b[i]; i++)
				;
			warnx("verification failed: '%s' and '%s' differ at "
			    "byte %llu", src, dst,
			    (unsigned long long)(done + i));
			rc = -1;
			break;
		}
		done += (uint64_t)ra;
	}
	free(a);
	free(b);
	return xio_stop ? -1 : rc;
}

/* fd itself if it can be read, else a new read-only one, else -1. */
static int
readable_fd(int fd)
{
	char proc[64];
	int fl = fcntl(fd, F_GETFL);

	if (fl != -1 && (fl & O_ACCMODE) != O_WRONLY)
		return fd;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return open(proc, O_RDONLY | O_CLOEXEC);
}

/* -p: mode, ownership and timestamps from SOURCE; -1 after a message. */
static int
preserve(const struct options *o, const struct fdinfo *in, int out,
    const char *dst)
{
	struct timespec ts[2];

	if (in->type != FT_REG && in->type != FT_BLK)
		return 0;
	if ((o->preserve & PRESERVE_OWNERSHIP) &&
	    fchown(out, in->st.st_uid, in->st.st_gid) == -1) {
		/* As cp: without privilege, keep at least the group. */
		if (errno != EPERM ||
		    (fchown(out, (uid_t)-1, in->st.st_gid) == -1 &&
		    errno != EPERM)) {
			warn("cannot preserve ownership of '%s'", dst);
			return -1;
		}
	}
	if ((o->preserve & PRESERVE_MODE) &&
	    fchmod(out, in->st.st_mode & 07777) == -1) {
		warn("cannot preserve permissions of '%s'", dst);
		return -1;
	}
	if (o->preserve & PRESERVE_TIMESTAMPS) {
		ts[0] = in->st.st_atim;
		ts[1] = in->st.st_mtim;
		if (futimens(out, ts) == -1) {
			warn("cannot preserve times of '%s'", dst);
			return -1;
		}
	}
	return 0;
}

static void
report_failure(const struct copy_result *res, const struct copy_opts *c,
    const char *src, const char *dst)
{
	if (res->err_method == M_REFLINK && c->reflink == REFLINK_ALWAYS)
		warnx("failed to clone '%s' to '%s': %s", src, dst,
		    strerror(res->err));
	else if (res->no_method)
		warnx("cannot copy '%s' to '%s' with %s: %s (%s)", src, dst,
		    method_name(res->err_method), strerror(res->err),
		    report_errname(res->err));
	else if (res->err_side == SIDE_READ)
		warnx("error reading '%s': %s", src, strerror(res->err));
	else if (res->err_side == SIDE_WRITE)
		warnx("error writing '%s': %s", dst, strerror(res->err));
	else
		warnx("error copying '%s' to '%s': %s", src, dst,
		    strerror(res->err));
}

/*
 * Copy one SOURCE to one DEST.  Returns 0, or 1 after a diagnosed error.
 * *bytes, when not NULL, receives the bytes copied (for dd's report).
 */
static int
copy_one(const char *src, const char *dst, struct options *o,
    uint64_t *bytes)
{
	struct fdinfo in, out;
	struct copy_req req;
	struct copy_result res;
	struct copy_opts copts;
	struct progress prog;
	struct atomic at = { .on = false };
	struct names nm = { src, dst, &prog, o };
	bool src_std, dst_std, created = false, truncate_it, known;
	int64_t len;
	uint64_t total;
	double t0;
	mode_t mode;
	int fd, flags, rval = 1;

	memset(&res, 0, sizeof(res));
	src_std = strcmp(src, "-") == 0;
	dst_std = strcmp(dst, "-") == 0;
	in.fd = out.fd = -1;

	if (src_std && std_closed[STDIN_FILENO]) {
		errno = EBADF;
		warn("cannot stat '-'");
		return 1;
	} else if (src_std)
		fd = STDIN_FILENO;
	else if ((fd = xopen(src, O_RDONLY | O_CLOEXEC, 0)) == -1) {
		if (!xio_stop)
			warn("cannot open '%s' for reading", src);
		return 1;
	}
	if (fdinfo_get(fd, &in) == -1) {
		warn("cannot stat '%s'", src);
		goto done;
	}
	if (in.type == FT_DIR) {
		warnx("omitting directory '%s'", src);
		goto done;
	}

	/* --verify reads DEST back; otherwise write-only is enough. */
	flags = (o->verify ? O_RDWR : O_WRONLY) | (o->dd.dsync ? O_DSYNC : 0);
	mode = in.type == FT_REG ? (in.st.st_mode & 0777) : 0666;
	if (dst_std && o->atomic) {
		warnx("cannot replace '-' atomically: not a regular file");
		goto done;
	} else if (dst_std && std_closed[STDOUT_FILENO]) {
		errno = EBADF;
		warn("cannot stat '-'");
		goto done;
	} else if (dst_std)
		fd = STDOUT_FILENO;
	else if (o->atomic)
		fd = atomic_open(dst, flags, mode, o, &at);
	else
		fd = open_dest(dst, flags, mode, o, &created);
	if (fd == -2) {
		rval = 0;
		goto done;
	}
	if (fd == -1)
		goto done;
	if (fdinfo_get(fd, &out) == -1) {
		warn("cannot stat '%s'", dst);
		goto fail_out;
	}

	len = o->length_set ? o->length : LEN_EOF;
	if (fdinfo_same(&in, &out) ||
	    (at.existed && at.old.st_dev == in.st.st_dev &&
	    at.old.st_ino == in.st.st_ino && in.type == FT_REG)) {
		if (at.on || !same_file_ok(o, &in, &out, src_std, dst_std,
		    &len)) {
			warnx("'%s' and '%s' are the same file", src, dst);
			goto fail_out;
		}
	}
	if ((o->seek_set || o->seek != 0) && dst_std && out.append &&
	    out.type == FT_REG) {
		warnx("cannot seek in '-': it is open for appending");
		goto fail_out;
	}
	if ((o->seek_set || o->seek != 0) && !out.seekable) {
		errno = ESPIPE;
		warn("cannot seek in '%s'", dst);
		goto fail_out;
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
	if (o->trunc_at_seek && !dst_std && out.type == FT_REG &&
	    out.st.st_size != o->seek) {
		/* dd: seek= truncates there unless conv=notrunc. */
		if (ftruncate(out.fd, o->seek) == -1) {
			warn("cannot truncate '%s'", dst);
			goto fail_out;
		}
		out.st.st_size = o->seek;
	} else if (truncate_it && out.st.st_size > 0) {
		if (ftruncate(out.fd, 0) == -1) {
			warn("cannot truncate '%s'", dst);
			goto fail_out;
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
				goto fail_out;
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
	copts.progress = progress_cb;
	copts.progress_arg = &nm;
	copts.nocache = o->nocache;
	if (o->direct) {
		copts.direct = true;
		try_direct(&in, src, o->verbose);
		try_direct(&out, dst, o->verbose);
	}
	if (o->progress)
		copts.chunk = 64 << 20;	/* keep the line moving */

	/* What progress can promise: the rest of a regular SOURCE. */
	known = in.type == FT_REG || in.type == FT_BLK || o->length_set;
	total = 0;
	if (in.type == FT_REG || in.type == FT_BLK) {
		off_t base = src_std ? lseek(in.fd, 0, SEEK_CUR) : 0;

		base = base < 0 ? 0 : base;
		total = in.size > base + o->skip ?
		    (uint64_t)(in.size - base - o->skip) : 0;
		if (len != LEN_EOF && (uint64_t)len < total)
			total = (uint64_t)len;
	} else if (o->length_set)
		total = (uint64_t)len;
	progress_start(&prog, stderr, o->progress, known, total);

	t0 = report_now();
	rval = 0;
	if (engine_copy(&req, &copts, &res) == -1) {
		if (!xio_stop)
			report_failure(&res, &copts, src, dst);
		rval = 1;
	}
	progress_end(&prog, &res);

	if (rval == 0 && at.on)
		atomic_keep_looks(&at, out.fd, o->preserve);
	if (rval == 0 && o->preserve != 0 && !dst_std &&
	    preserve(o, &in, out.fd, dst) == -1) {
		res.err = errno;
		rval = 1;
	}
	if (rval == 0 && (o->fsync || o->fdatasync)) {
		if ((o->fdatasync ? fdatasync(out.fd) : fsync(out.fd)) == -1 &&
		    (out.type == FT_REG || out.type == FT_BLK ||
		    errno != EINVAL)) {
			res.err = errno;
			warn("cannot sync '%s'", dst);
			rval = 1;
		} else if (o->verify && out.type == FT_REG)
			/* Read back what the device holds, not the cache. */
			(void)posix_fadvise(out.fd, 0, 0, POSIX_FADV_DONTNEED);
	}
	if (rval == 0 && o->verify && in.type == FT_REG &&
	    out.type == FT_REG) {
		/* A write-only DEST (stdout) is read through /proc. */
		int rfd = readable_fd(out.fd);

		if (rfd != -1 && verify(src, dst, in.fd, rfd, res.in_start,
		    res.out_start, res.bytes) == -1) {
			res.err = xio_stop ? EINTR : EIO;
			rval = 1;
		}
		if (rfd != -1 && rfd != out.fd)
			(void)close(rfd);
	}
	if (rval == 0 && xio_stop) {
		/* A stop asked for after the copy still leaves DEST alone. */
		res.err = EINTR;
		rval = 1;
	}
	if (rval == 0 && at.on &&
	    atomic_commit(&at, out.fd, o->fsync || o->fdatasync) == -1) {
		res.err = errno;
		warn("cannot rename a temporary file to '%s'", dst);
		rval = 1;
	}
	if (rval != 0 && at.on)
		atomic_abort(&at);
	if (rval != 0 && created && res.err_method == M_REFLINK &&
	    copts.reflink == REFLINK_ALWAYS && !xio_stop)
		(void)unlink(dst);
	if (!dst_std && close(out.fd) == -1 && rval == 0) {
		res.err = errno;
		warn("error writing '%s'", dst);
		rval = 1;
	}
	out.fd = -1;
	if (o->verbose > 0)
		report_copy(stderr, src, dst, &res, report_now() - t0);
	if (bytes != NULL)
		*bytes = res.bytes;
	goto done;

fail_out:
	if (!dst_std) {
		(void)close(out.fd);
		if (created)
			(void)unlink(dst);
		if (at.on)
			atomic_abort(&at);
	}
	rval = 1;
done:
	atomic_free(&at);
	if (!src_std && in.fd != -1)
		(void)close(in.fd);
	return rval;
}

/* DIR/basename(SOURCE), ignoring trailing slashes. */
static char *
join_base(const char *dir, const char *src)
{
	const char *end, *start;
	char *path;
	size_t dlen;

	end = src + strlen(src);
	while (end > src + 1 && end[-1] == '/')
		end--;
	for (start = end; start > src && start[-1] != '/'; start--)
		;
	dlen = strlen(dir);
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	if (asprintf(&path, "%.*s%s%.*s", (int)dlen, dir,
	    dir[dlen - 1] == '/' ? "" : "/", (int)(end - start), start) == -1)
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
	rval = copy_one(src, dst, o, NULL);
	free(dst);
	return rval;
}

/* dd operand mode: one copy, then dd's closing lines. */
static int
dd_main(struct options *o)
{
	uint64_t bytes = UINT64_MAX;
	double t0 = report_now();
	int rval;

	rval = copy_one(o->dd.in != NULL ? o->dd.in : "-",
	    o->dd.out != NULL ? o->dd.out : "-", o, &bytes);
	/* As dd: no record lines when the files could not be opened. */
	if (bytes != UINT64_MAX)
		dd_report(stderr, &o->dd, bytes, report_now() - t0);
	return rval;
}

static int
cp_main(struct options *o)
{
	char **ops = o->ops;
	const char *dir;
	int i, n = o->nops, rval = 0;

	if (o->clobber == CLOBBER_ASK) {
		for (i = 0; i < n; i++)
			if (strcmp(ops[i], "-") == 0 &&
			    (o->target != NULL || i < n - 1 || n == 1))
				usage_error("--interactive cannot be used with "
				    "standard input as SOURCE");
		if (n == 0)
			usage_error("--interactive cannot be used with "
			    "standard input as SOURCE");
	}

	if (o->target != NULL) {
		if (n == 0)
			usage_error("missing file operand");
		if (!is_dir(o->target)) {
			warnx("target '%s' is not a directory", o->target);
			return 1;
		}
		for (i = 0; i < n && !xio_stop; i++)
			rval |= copy_into(ops[i], o->target, o);
	} else if (n == 0) {
		rval = copy_one("-", "-", o, NULL);
	} else if (n == 1) {
		rval = copy_one(ops[0], "-", o, NULL);
	} else if (n == 2) {
		if (!o->no_target && strcmp(ops[1], "-") != 0 &&
		    is_dir(ops[1]))
			rval = copy_into(ops[0], ops[1], o);
		else
			rval = copy_one(ops[0], ops[1], o, NULL);
	} else {
		if (o->no_target)
			usage_error("extra operand '%s'", ops[2]);
		dir = ops[n - 1];
		if (!is_dir(dir)) {
			warnx("target '%s' is not a directory", dir);
			return 1;
		}
		for (i = 0; i < n - 1 && !xio_stop; i++)
			rval |= copy_into(ops[i], dir, o);
	}
	return rval;
}

int
main(int argc, char **argv)
{
	struct options o;
	char msg[512];
	int rval;

	/*
	 * Hold the places of closed standard descriptors, so that no file
	 * kcp opens is taken for '-'.
	 */
	hold_std_fds();
	/* Whole lines: messages of parallel kcp runs must not interleave. */
	setvbuf(stderr, NULL, _IOLBF, BUFSIZ);
	if (options_parse(argc, argv, &o, msg, sizeof(msg)) == -1)
		usage_error("%s", msg);
	if (o.action == ACT_HELP)
		help();
	if (o.action == ACT_VERSION)
		version();

	install_signals(&o);
	rval = o.dd.on ? dd_main(&o) : cp_main(&o);
	free(o.ops);
	if (xio_stop)
		die_of_signal();

	if (close_stdout() != 0)
		rval = 1;
	return rval;
}
