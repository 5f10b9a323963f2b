/*
 * faultinj: an LD_PRELOAD shim that makes the kernel calls kcp uses fail on
 * demand, or runs a command at a chosen call, so the tests can force every
 * fallback and error path and stage races at a known point.
 *
 * KCP_FAULT holds rules separated by ';', each
 *
 *	FUNC:ACTION[:OPTION]...
 *
 * FUNC	    Data calls: copy_file_range, sendfile, splice, read, write,
 *	    pread, pwrite, ioctl (FICLONE and FICLONERANGE only), lseek
 *	    (SEEK_DATA and SEEK_HOLE only), fallocate or poll.
 *	    Calls on a name: open, openat, mkdirat, fstatat (also spelt
 *	    newfstatat), statx, symlinkat, linkat, mknodat, mkfifoat,
 *	    fchmodat, fchownat, utimensat, readlinkat, setxattr, lsetxattr.
 *	    Calls on a descriptor: fchmod, fchown, futimens, fsetxattr.
 *	    The *64 variants count as their plain names.  What glibc 2.36
 *	    does inside itself cannot be caught: readdir's getdents64,
 *	    fdopendir's fstat, mkfifoat's mknodat (kcp's mkfifoat is caught
 *	    as mkfifoat), fopen's openat.  kcp's fstat, stat and lstat are not
 *	    fstatat here, and kcp makes no statx call of its own.
 * ACTION   an errno name (EXDEV) or number: fail with it;
 *	    run=CMD: run CMD with /bin/sh -c and wait for it to end, then
 *	    make the real call; runafter=CMD: the same after the real call.
 *	    CMD cannot hold ':' or ';' (put more in a script).  It runs
 *	    without LD_PRELOAD, KCP_FAULT and KCP_FAULT_LOG in its
 *	    environment (the shim is not in it and sees none of its calls),
 *	    with /dev/null as standard input and kcp's standard error as its
 *	    standard output, so that kcp's output stays kcp's.  An exit status
 *	    other than 0 is said on standard error.
 *	    Data calls only: short: ask the real call for half the length (at
 *	    least 1 byte); short=N: ask the real call for at most N bytes;
 *	    zero: return 0 without calling; corrupt: (write and pwrite) hand
 *	    the real call a copy of the data with its middle byte flipped, as
 *	    a bad disk or driver would.
 * OPTION   N: the first call to act on is the Nth matching one (default
 *	    1); xN: act on N calls in a row (default 1); always: on every
 *	    call from then on; after=BYTES (data calls): let matching calls
 *	    move BYTES in total (the last one is cut to fit), then act;
 *	    fd=N: only calls with N as one of their descriptors (a name's
 *	    directory descriptor included) count;
 *	    name=NAME: only calls on the file NAME count.  A call names its
 *	    file by a path relative to its directory descriptor (symlinkat
 *	    and linkat: the link made; /proc/self/fd/N/REST: REST in N) or by
 *	    a descriptor (any of a data call's; utimensat or fstatat with an
 *	    empty or null path: theirs).  NAME matches the path argument
 *	    itself, or the last components of the file's whole path (as
 *	    /proc/self/fd tells it): "x" matches every x, "src/sub/x" one; a
 *	    NAME that starts with '/' must be the whole path;
 *	    attr=NAME (setxattr, lsetxattr, fsetxattr): only that attribute.
 *
 * Every rule counts every call to its function that its options let
 * through, so "splice:EINTR;splice:EINTR:3" fails the first and the third
 * call.  When two rules would fail the same call, the first listed does,
 * and the other fails the next call.  Commands due on a call all run, in
 * the order listed.
 *
 * read and write on descriptor 2 are never touched, so that the program
 * can still report.  With KCP_FAULT_LOG set to a path, every intercepted
 * call is appended to it as one line, for the tests to count:
 *
 *	copy_file_range 3 4 1048576 = -1 EXDEV injected
 *	openat 4 sub = 6
 *	linkat -100 dst/a 3 b = 0
 *	fsetxattr 6 user.x = -1 EIO injected
 *	run /tmp/swap = 0
 *
 * (data calls: the descriptors and the length; calls on a descriptor: it;
 * calls on a name: the directory descriptor and the path, after linkat's
 * and symlinkat's source; then the attribute of a setxattr call.  Bytes
 * up to ' ', above '~' and '\' in names show as \ooo.  A command's line
 * ends in its exit status, 128 + the signal's number if one killed it, -1
 * if it could not start.)
 */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXRULES	32

extern char **environ;

enum action { A_ERRNO, A_SHORT, A_ZERO, A_CORRUPT, A_RUN, A_RUNAFTER };

/* What a function acts on, for the options that may go with it. */
enum kind { K_DATA, K_NAME, K_FD };

struct rule {
	char			fn[32];
	enum kind		kind;
	enum action		act;
	int			err;
	size_t			shortlen;	/* 0: half the request */
	char			*cmd;		/* run=, runafter= */
	char			*name;		/* name=, or NULL */
	char			*attr;		/* attr=, or NULL */
	unsigned long		nth;		/* first call to act on */
	long			count;		/* calls to act on, -1: always */
	int			fd;		/* -1: any descriptor */
	long long		after;		/* -1: no byte threshold */
	unsigned long		calls;		/* matching calls counted */
	unsigned long long	moved;		/* bytes they moved */
	long			fired;
};

static struct rule	rules[MAXRULES];
static int		nrules;
static int		logfd = -1;
static bool		ready;

/* The functions a rule may name. */
static const struct {
	const char	*name;
	enum kind	 kind;
} fnames[] = {
	{ "copy_file_range", K_DATA }, { "sendfile", K_DATA },
	{ "splice", K_DATA }, { "read", K_DATA }, { "write", K_DATA },
	{ "pread", K_DATA }, { "pwrite", K_DATA }, { "ioctl", K_DATA },
	{ "lseek", K_DATA }, { "fallocate", K_DATA }, { "poll", K_DATA },
	{ "open", K_NAME }, { "openat", K_NAME }, { "mkdirat", K_NAME },
	{ "fstatat", K_NAME }, { "statx", K_NAME }, { "symlinkat", K_NAME },
	{ "linkat", K_NAME }, { "mknodat", K_NAME }, { "mkfifoat", K_NAME },
	{ "fchmodat", K_NAME }, { "fchownat", K_NAME },
	{ "utimensat", K_NAME }, { "readlinkat", K_NAME },
	{ "setxattr", K_NAME }, { "lsetxattr", K_NAME },
	{ "fchmod", K_FD }, { "fchown", K_FD }, { "futimens", K_FD },
	{ "fsetxattr", K_FD },
};

/* Other spellings of those names: the system call's, the *64 ones. */
static const struct {
	const char	*alias;
	const char	*name;
} aliases[] = {
	{ "newfstatat", "fstatat" }, { "fstatat64", "fstatat" },
	{ "open64", "open" }, { "openat64", "openat" },
};

/* The errnos the tests name; anything else may be given as a number. */
static const struct {
	const char	*name;
	int		 num;
} errnames[] = {
	{ "EPERM", EPERM }, { "ENOENT", ENOENT }, { "EINTR", EINTR },
	{ "EIO", EIO }, { "EBADF", EBADF }, { "EAGAIN", EAGAIN },
	{ "EWOULDBLOCK", EWOULDBLOCK }, { "ENOMEM", ENOMEM },
	{ "EACCES", EACCES }, { "EXDEV", EXDEV }, { "EINVAL", EINVAL },
	{ "ENOTTY", ENOTTY }, { "ETXTBSY", ETXTBSY }, { "EFBIG", EFBIG },
	{ "ENOSPC", ENOSPC }, { "ESPIPE", ESPIPE }, { "EPIPE", EPIPE },
	{ "ENOSYS", ENOSYS }, { "ENODATA", ENODATA },
	{ "EOVERFLOW", EOVERFLOW }, { "EOPNOTSUPP", EOPNOTSUPP },
	{ "ENOTSUP", ENOTSUP }, { "EDQUOT", EDQUOT }, { "ENXIO", ENXIO },
	{ "EEXIST", EEXIST }, { "ENOTDIR", ENOTDIR }, { "EISDIR", EISDIR },
	{ "ELOOP", ELOOP }, { "EMLINK", EMLINK }, { "EROFS", EROFS },
	{ "ENAMETOOLONG", ENAMETOOLONG }, { "EMFILE", EMFILE },
	{ "ENFILE", ENFILE }, { "E2BIG", E2BIG }, { "ERANGE", ERANGE },
};

/* Real functions, looked up on first use. */
static ssize_t	(*real_cfr)(int, loff_t *, int, loff_t *, size_t,
		    unsigned int);
static ssize_t	(*real_sendfile)(int, int, off_t *, size_t);
static ssize_t	(*real_sendfile64)(int, int, off64_t *, size_t);
static ssize_t	(*real_splice)(int, loff_t *, int, loff_t *, size_t,
		    unsigned int);
static ssize_t	(*real_read)(int, void *, size_t);
static ssize_t	(*real_write)(int, const void *, size_t);
static ssize_t	(*real_pread)(int, void *, size_t, off_t);
static ssize_t	(*real_pread64)(int, void *, size_t, off64_t);
static ssize_t	(*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t	(*real_pwrite64)(int, const void *, size_t, off64_t);
static int	(*real_ioctl)(int, unsigned long, ...);
static off_t	(*real_lseek)(int, off_t, int);
static off64_t	(*real_lseek64)(int, off64_t, int);
static int	(*real_fallocate)(int, int, off_t, off_t);
static int	(*real_fallocate64)(int, int, off64_t, off64_t);
static int	(*real_poll)(struct pollfd *, nfds_t, int);
static int	(*real_open)(const char *, int, ...);
static int	(*real_open64)(const char *, int, ...);
static int	(*real_openat)(int, const char *, int, ...);
static int	(*real_openat64)(int, const char *, int, ...);
static int	(*real_mkdirat)(int, const char *, mode_t);
static int	(*real_fstatat)(int, const char *, struct stat *, int);
static int	(*real_fstatat64)(int, const char *, struct stat64 *, int);
static int	(*real_statx)(int, const char *, int, unsigned int,
		    struct statx *);
static int	(*real_symlinkat)(const char *, int, const char *);
static int	(*real_linkat)(int, const char *, int, const char *, int);
static int	(*real_mknodat)(int, const char *, mode_t, dev_t);
static int	(*real_mkfifoat)(int, const char *, mode_t);
static int	(*real_fchmodat)(int, const char *, mode_t, int);
static int	(*real_fchownat)(int, const char *, uid_t, gid_t, int);
static int	(*real_utimensat)(int, const char *, const struct timespec *,
		    int);
static ssize_t	(*real_readlinkat)(int, const char *, char *, size_t);
static int	(*real_setxattr)(const char *, const char *, const void *,
		    size_t, int);
static int	(*real_lsetxattr)(const char *, const char *, const void *,
		    size_t, int);
static int	(*real_fchmod)(int, mode_t);
static int	(*real_fchown)(int, uid_t, gid_t);
static int	(*real_futimens)(int, const struct timespec *);
static int	(*real_fsetxattr)(int, const char *, const void *, size_t,
		    int);

static void *
next(const char *name)
{
	void	*p;

	/* Without the real call nothing can work: say so and stop. */
	if ((p = dlsym(RTLD_NEXT, name)) == NULL) {
		fprintf(stderr, "faultinj: no %s: %s\n", name, dlerror());
		abort();
	}
	return p;
}

static int
errno_parse(const char *s)
{
	size_t	 i;
	char	*end;
	long	 n;

	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (strcmp(s, errnames[i].name) == 0)
			return errnames[i].num;
	n = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || n <= 0 || n > 4095)
		return -1;
	return (int)n;
}

static const char *
errno_name(int e)
{
	static char	buf[16];
	size_t		i;

	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].num == e)
			return errnames[i].name;
	snprintf(buf, sizeof(buf), "%d", e);
	return buf;
}

static void
bad(const char *what)
{
	/* A mistyped rule would make a test pass for the wrong reason. */
	fprintf(stderr, "faultinj: bad KCP_FAULT rule: %s\n", what);
	exit(99);
}

static char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		abort();
	return p;
}

/* The canonical name of function f, and what it acts on. */
static const char *
fn_lookup(const char *f, enum kind *kind)
{
	size_t	i;

	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(f, aliases[i].alias) == 0)
			f = aliases[i].name;
	for (i = 0; i < sizeof(fnames) / sizeof(fnames[0]); i++)
		if (strcmp(f, fnames[i].name) == 0) {
			*kind = fnames[i].kind;
			return fnames[i].name;
		}
	return NULL;
}

static bool
is_setxattr(const char *fn)
{
	return strcmp(fn, "setxattr") == 0 || strcmp(fn, "lsetxattr") == 0 ||
	    strcmp(fn, "fsetxattr") == 0;
}

static void
rule_parse(char *s)
{
	struct rule	*r;
	const char	*fn;
	char		*f, *act;

	if (nrules == MAXRULES)
		bad("too many rules");
	r = &rules[nrules++];
	memset(r, 0, sizeof(*r));
	r->nth = 1;
	r->count = 1;
	r->fd = -1;
	r->after = -1;

	f = strsep(&s, ":");
	if ((fn = fn_lookup(f, &r->kind)) == NULL)
		bad(f);
	strcpy(r->fn, fn);
	if ((act = strsep(&s, ":")) == NULL)
		bad(r->fn);
	if (strcmp(act, "corrupt") == 0)
		r->act = A_CORRUPT;
	else if (strcmp(act, "zero") == 0)
		r->act = A_ZERO;
	else if (strcmp(act, "short") == 0)
		r->act = A_SHORT;
	else if (strncmp(act, "short=", 6) == 0) {
		r->act = A_SHORT;
		if ((r->shortlen = strtoull(act + 6, NULL, 10)) == 0)
			bad(act);
	} else if (strncmp(act, "run=", 4) == 0 && act[4] != '\0') {
		r->act = A_RUN;
		r->cmd = xstrdup(act + 4);
	} else if (strncmp(act, "runafter=", 9) == 0 && act[9] != '\0') {
		r->act = A_RUNAFTER;
		r->cmd = xstrdup(act + 9);
	} else if ((r->err = errno_parse(act)) > 0)
		r->act = A_ERRNO;
	else
		bad(act);
	/* Lengths and bytes mean nothing to a call on a name. */
	if (r->kind != K_DATA && (r->act == A_CORRUPT || r->act == A_ZERO ||
	    r->act == A_SHORT))
		bad(act);

	while ((f = strsep(&s, ":")) != NULL) {
		if (strcmp(f, "always") == 0)
			r->count = -1;
		else if (f[0] == 'x' && f[1] != '\0')
			r->count = strtol(f + 1, NULL, 10);
		else if (strncmp(f, "after=", 6) == 0 && r->kind == K_DATA)
			r->after = strtoll(f + 6, NULL, 10);
		else if (strncmp(f, "fd=", 3) == 0)
			r->fd = (int)strtol(f + 3, NULL, 10);
		else if (strncmp(f, "name=", 5) == 0 && f[5] != '\0')
			r->name = xstrdup(f + 5);
		else if (strncmp(f, "attr=", 5) == 0 && f[5] != '\0' &&
		    is_setxattr(r->fn))
			r->attr = xstrdup(f + 5);
		else if (f[0] >= '1' && f[0] <= '9')
			r->nth = strtoul(f, NULL, 10);
		else
			bad(f);
	}
}

static void
setup(void)
{
	const char	*e;
	char		*s, *p, *tok;
	int		 fd;

	ready = true;
	real_cfr = next("copy_file_range");
	real_sendfile = next("sendfile");
	real_sendfile64 = next("sendfile64");
	real_splice = next("splice");
	real_read = next("read");
	real_write = next("write");
	real_pread = next("pread");
	real_pread64 = next("pread64");
	real_pwrite = next("pwrite");
	real_pwrite64 = next("pwrite64");
	real_ioctl = next("ioctl");
	real_lseek = next("lseek");
	real_lseek64 = next("lseek64");
	real_fallocate = next("fallocate");
	real_fallocate64 = next("fallocate64");
	real_poll = next("poll");
	real_open = next("open");
	real_open64 = next("open64");
	real_openat = next("openat");
	real_openat64 = next("openat64");
	real_mkdirat = next("mkdirat");
	real_fstatat = next("fstatat");
	real_fstatat64 = next("fstatat64");
	real_statx = next("statx");
	real_symlinkat = next("symlinkat");
	real_linkat = next("linkat");
	real_mknodat = next("mknodat");
	real_mkfifoat = next("mkfifoat");
	real_fchmodat = next("fchmodat");
	real_fchownat = next("fchownat");
	real_utimensat = next("utimensat");
	real_readlinkat = next("readlinkat");
	real_setxattr = next("setxattr");
	real_lsetxattr = next("lsetxattr");
	real_fchmod = next("fchmod");
	real_fchown = next("fchown");
	real_futimens = next("futimens");
	real_fsetxattr = next("fsetxattr");

	if ((e = getenv("KCP_FAULT")) != NULL && *e != '\0') {
		if ((s = p = strdup(e)) == NULL)
			abort();
		while ((tok = strsep(&p, ";")) != NULL)
			if (*tok != '\0')
				rule_parse(tok);
		free(s);
	}

	/*
	 * Keep the log on a high descriptor so that kcp's own descriptors
	 * are numbered as they would be without the shim.
	 */
	if ((e = getenv("KCP_FAULT_LOG")) != NULL && *e != '\0') {
		fd = real_open(e, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		    0666);
		if (fd >= 0) {
			logfd = fcntl(fd, F_DUPFD_CLOEXEC, 200);
			close(fd);
		}
	}
}

/* Read the rules as the program starts, so that a bad one stops it. */
__attribute__((constructor)) static void
init(void)
{
	if (!ready)
		setup();
}

/* One intercepted call, as the rules and the log see it. */
struct call {
	const char	*fn;
	enum kind	 kind;
	int		 fd1, fd2;	/* descriptors, -1 for none */
	int		 dirfd;		/* path's directory */
	const char	*path;		/* the file acted on, or NULL */
	const char	*from;		/* linkat's, symlinkat's source (log) */
	const char	*attr;		/* a setxattr call's attribute */
	size_t		 len;		/* bytes asked for (data calls) */
};

/* What the shim decided for one call. */
struct verdict {
	int		err;		/* fail with this errno, or 0 */
	bool		zero;		/* return 0 without calling */
	bool		corrupt;	/* flip a byte of the data written */
	bool		injected;
	bool		quiet;		/* the shim's own: neither count nor log */
	size_t		len;		/* length to hand the real call */
	unsigned long	matched;	/* rules the call counted for */
	unsigned long	later;		/* runafter= rules due */
};

/* This thread is running a command: its calls pass untouched. */
static __thread bool	busy;

/* kcp's workers share the rules: one call at a time counts and decides. */
static pthread_mutex_t	rules_lock = PTHREAD_MUTEX_INITIALIZER;

/* The path fd (AT_FDCWD: the working directory) was opened by, or false. */
static bool
fd_path(int fd, char *buf, size_t len)
{
	char	link[64];
	ssize_t	n;

	if (fd == AT_FDCWD)
		snprintf(link, sizeof(link), "/proc/self/cwd");
	else
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = real_readlinkat(AT_FDCWD, link, buf, len - 1);
	if (n < 0 || (size_t)n >= len - 1)
		return false;
	buf[n] = '\0';
	return true;
}

/* Whether path is want, or ends with want's components. */
static bool
tail_is(const char *path, const char *want)
{
	size_t	n = strlen(path), m = strlen(want);

	if (want[0] == '/')
		return strcmp(path, want) == 0;
	return m <= n && strcmp(path + n - m, want) == 0 &&
	    (m == n || path[n - m - 1] == '/');
}

/* name=: whether the call acts on the file want (see the top). */
static bool
name_is(const struct call *c, const char *want)
{
	char		 buf[PATH_MAX + NAME_MAX + 2];
	const char	*rest;
	char		*end;
	int		 dfd, i, fds[2];
	size_t		 n;

	if (c->path != NULL && c->path[0] != '\0') {
		if (strcmp(c->path, want) == 0)
			return true;
		dfd = c->dirfd;
		rest = c->path;
		/* libattr's names, relative to a directory kcp holds open. */
		if (strncmp(rest, "/proc/self/fd/", 14) == 0 &&
		    rest[14] >= '0' && rest[14] <= '9') {
			dfd = (int)strtol(rest + 14, &end, 10);
			rest = *end == '/' ? end + 1 : end;
		} else if (rest[0] == '/')
			return tail_is(rest, want);
		if (!fd_path(dfd, buf, sizeof(buf)))
			return false;
		n = strlen(buf);
		if (*rest != '\0' &&
		    snprintf(buf + n, sizeof(buf) - n, "%s%s",
		    n > 0 && buf[n - 1] == '/' ? "" : "/", rest) >=
		    (int)(sizeof(buf) - n))
			return false;
		return tail_is(buf, want);
	}
	fds[0] = c->fd1;
	fds[1] = c->fd2;
	for (i = 0; i < 2; i++)
		if ((fds[i] >= 0 || fds[i] == AT_FDCWD) &&
		    fd_path(fds[i], buf, sizeof(buf)) && tail_is(buf, want))
			return true;
	return false;
}

static bool
matches(const struct rule *r, const struct call *c)
{
	if (strcmp(r->fn, c->fn) != 0)
		return false;
	if (r->fd >= 0 && r->fd != c->fd1 && r->fd != c->fd2)
		return false;
	if (r->attr != NULL && (c->attr == NULL || strcmp(r->attr, c->attr)))
		return false;
	return r->name == NULL || name_is(c, r->name);
}

/* Append fmt's text to the log line in buf, cutting what does not fit. */
static void
put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (*len + 1 >= cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n < cap - *len ? (size_t)n : cap - *len - 1;
}

/* A name into the log line, one line whatever bytes it holds. */
static void
put_name(char *buf, size_t cap, size_t *len, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	put(buf, cap, len, " ");
	for (; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~' || *p == '\\')
			put(buf, cap, len, "\\%03o", *p);
		else
			put(buf, cap, len, "%c", *p);
}

static void
log_line(const char *line, size_t n)
{
	if (logfd >= 0)
		(void)real_write(logfd, line, n);
}

/* Say on standard error what went wrong with a command. */
static void
say(const char *cmd, const char *what)
{
	char	msg[512];
	int	n;

	n = snprintf(msg, sizeof(msg), "faultinj: %s: %s\n", cmd, what);
	if (n > 0)
		(void)real_write(2, msg, (size_t)n < sizeof(msg) ? (size_t)n :
		    sizeof(msg) - 1);
}

static bool
keep_env(const char *s)
{
	return strncmp(s, "LD_PRELOAD=", 11) != 0 &&
	    strncmp(s, "KCP_FAULT=", 10) != 0 &&
	    strncmp(s, "KCP_FAULT_LOG=", 14) != 0;
}

/*
 * run= and runafter=: /bin/sh -c CMD, waited for.  posix_spawn makes the
 * child and execs in it with glibc's own calls, none of which come back
 * here, and the shell starts without the shim.  errno is kept.
 */
static void
run_cmd(const char *cmd)
{
	posix_spawn_file_actions_t	 fa;
	char				*argv[4], **envp, what[64], line[512];
	size_t				 n, i, k;
	pid_t				 pid;
	int				 rc, status, e = errno;

	busy = true;
	for (n = 0; environ != NULL && environ[n] != NULL; n++)
		;
	if ((envp = calloc(n + 1, sizeof(*envp))) == NULL)
		abort();
	for (i = k = 0; i < n; i++)
		if (keep_env(environ[i]))
			envp[k++] = environ[i];
	argv[0] = (char *)"sh";
	argv[1] = (char *)"-c";
	argv[2] = (char *)cmd;
	argv[3] = NULL;
	status = -1;
	if ((rc = posix_spawn_file_actions_init(&fa)) == 0 &&
	    (rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
	    O_RDONLY, 0)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, 2, 1)) == 0)
		rc = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, envp);
	(void)posix_spawn_file_actions_destroy(&fa);
	free(envp);
	if (rc != 0)
		say(cmd, strerror(rc));
	else {
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
			snprintf(what, sizeof(what), "exit status %d",
			    WEXITSTATUS(status));
			say(cmd, what);
		} else if (WIFSIGNALED(status)) {
			snprintf(what, sizeof(what), "killed by signal %d",
			    WTERMSIG(status));
			say(cmd, what);
		}
	}
	n = 0;
	put(line, sizeof(line), &n, "run");
	put_name(line, sizeof(line), &n, cmd);
	put(line, sizeof(line), &n, " = %d\n", rc != 0 ? -1 :
	    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	if (n > 0 && line[n - 1] != '\n')
		line[n - 1] = '\n';
	log_line(line, n);
	busy = false;
	errno = e;
}

static struct verdict
decide(const struct call *c)
{
	struct verdict	 v = { 0, false, false, false, false, c->len, 0, 0 };
	struct rule	*r;
	int		 i;

	if (!ready)
		setup();
	if (busy) {
		v.quiet = true;
		return v;
	}
	pthread_mutex_lock(&rules_lock);
	for (i = 0; i < nrules; i++) {
		r = &rules[i];
		if (!matches(r, c))
			continue;
		v.matched |= 1UL << i;
		/* Below the threshold the call runs, cut so as not to pass it. */
		if (r->after >= 0 && r->moved < (unsigned long long)r->after) {
			if (v.len > r->after - r->moved)
				v.len = r->after - r->moved;
			continue;
		}
		if (++r->calls < r->nth)
			continue;
		if (r->count >= 0 && r->fired >= r->count)
			continue;
		/* Commands run whatever else happens to the call. */
		if (r->act == A_RUN) {
			r->fired++;
			run_cmd(r->cmd);
			continue;
		}
		if (r->act == A_RUNAFTER) {
			r->fired++;
			v.later |= 1UL << i;
			continue;
		}
		/* A rule due on a call already failed stays due for the next. */
		if (v.err != 0 || v.zero)
			continue;
		r->fired++;
		v.injected = true;
		switch (r->act) {
		case A_ERRNO:
			v.err = r->err;
			break;
		case A_ZERO:
			v.zero = true;
			break;
		case A_CORRUPT:
			v.corrupt = true;
			break;
		case A_SHORT:
			if (r->shortlen != 0 && r->shortlen < v.len)
				v.len = r->shortlen;
			else if (r->shortlen == 0 && v.len > 1)
				v.len /= 2;
			break;
		case A_RUN:
		case A_RUNAFTER:
			break;
		}
	}
	pthread_mutex_unlock(&rules_lock);
	return v;
}

/* Account for a finished call, log it, and leave errno as the call did. */
static ssize_t
done(const struct call *c, ssize_t ret, const struct verdict *v)
{
	char	line[8192];
	size_t	n = 0;
	int	saved = errno, i;

	if (v->quiet)
		return ret;
	if (ret > 0 && c->len > 0) {
		pthread_mutex_lock(&rules_lock);
		for (i = 0; i < nrules; i++)
			if (v->matched & (1UL << i))
				rules[i].moved += (unsigned long long)ret;
		pthread_mutex_unlock(&rules_lock);
	}
	if (logfd >= 0) {
		put(line, sizeof(line), &n, "%s", c->fn);
		if (c->kind == K_DATA)
			put(line, sizeof(line), &n, " %d %d %zu", c->fd1, c->fd2,
			    c->len);
		else if (c->path == NULL)
			put(line, sizeof(line), &n, " %d", c->fd1);
		else {
			if (c->from != NULL) {
				if (strcmp(c->fn, "linkat") == 0)
					put(line, sizeof(line), &n, " %d",
					    c->fd1);
				put_name(line, sizeof(line), &n, c->from);
			}
			put(line, sizeof(line), &n, " %d", c->dirfd);
			put_name(line, sizeof(line), &n, c->path);
		}
		if (c->attr != NULL)
			put_name(line, sizeof(line), &n, c->attr);
		put(line, sizeof(line), &n, " = %zd%s%s%s\n", ret,
		    ret < 0 ? " " : "", ret < 0 ? errno_name(saved) : "",
		    v->injected ? " injected" : "");
		if (line[n - 1] != '\n')
			line[n - 1] = '\n';
		log_line(line, n);
	}
	for (i = 0; i < nrules; i++)
		if (v->later & (1UL << i))
			run_cmd(rules[i].cmd);
	errno = saved;
	return ret;
}

/*
 * Each wrapper: decide, call the real function unless a fault stands in
 * for it, then account.  The macros keep the wrappers to their arguments.
 */
#define DATA_CALL(name, a, b, n)					\
	{ .fn = name, .kind = K_DATA, .fd1 = (a), .fd2 = (b),		\
	  .dirfd = -1, .len = (n) }

#define FAULT(fn, fd1, fd2, len)					\
	struct call c = DATA_CALL(fn, fd1, fd2, len);			\
	struct verdict v = decide(&c);					\
	ssize_t ret;							\
	if (v.err != 0) {						\
		errno = v.err;						\
		return done(&c, -1, &v);				\
	}								\
	if (v.zero)							\
		return done(&c, 0, &v)

#define PASS(call)							\
	ret = (call);							\
	return done(&c, ret, &v)

ssize_t
copy_file_range(int in, loff_t *inoff, int out, loff_t *outoff, size_t len,
    unsigned int flags)
{
	FAULT("copy_file_range", in, out, len);
	PASS(real_cfr(in, inoff, out, outoff, v.len, flags));
}

ssize_t
sendfile(int out, int in, off_t *off, size_t len)
{
	FAULT("sendfile", in, out, len);
	PASS(real_sendfile(out, in, off, v.len));
}

ssize_t
sendfile64(int out, int in, off64_t *off, size_t len)
{
	FAULT("sendfile", in, out, len);
	PASS(real_sendfile64(out, in, off, v.len));
}

ssize_t
splice(int in, loff_t *inoff, int out, loff_t *outoff, size_t len,
    unsigned int flags)
{
	FAULT("splice", in, out, len);
	PASS(real_splice(in, inoff, out, outoff, v.len, flags));
}

ssize_t
read(int fd, void *buf, size_t len)
{
	if (!ready)
		setup();
	if (fd == 2)
		return real_read(fd, buf, len);
	FAULT("read", fd, -1, len);
	PASS(real_read(fd, buf, v.len));
}

/* free() that leaves errno as the real call set it. */
static void
saved_free(void *p)
{
	int e = errno;

	free(p);
	errno = e;
}

/* A copy of buf with its middle byte flipped, or buf when none is due. */
static const void *
spoil(const struct verdict *v, const void *buf, void **copy)
{
	char *p;

	*copy = NULL;
	if (!v->corrupt || v->len == 0 || (p = malloc(v->len)) == NULL)
		return buf;
	memcpy(p, buf, v->len);
	p[v->len / 2] ^= 0x55;
	*copy = p;
	return p;
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	void *copy;

	if (!ready)
		setup();
	if (fd == 2)
		return real_write(fd, buf, len);
	FAULT("write", fd, -1, len);
	ret = real_write(fd, spoil(&v, buf, &copy), v.len);
	saved_free(copy);
	return done(&c, ret, &v);
}

ssize_t
pread(int fd, void *buf, size_t len, off_t off)
{
	FAULT("pread", fd, -1, len);
	PASS(real_pread(fd, buf, v.len, off));
}

ssize_t
pread64(int fd, void *buf, size_t len, off64_t off)
{
	FAULT("pread", fd, -1, len);
	PASS(real_pread64(fd, buf, v.len, off));
}

ssize_t
pwrite(int fd, const void *buf, size_t len, off_t off)
{
	void *copy;

	FAULT("pwrite", fd, -1, len);
	ret = real_pwrite(fd, spoil(&v, buf, &copy), v.len, off);
	saved_free(copy);
	return done(&c, ret, &v);
}

ssize_t
pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
	void *copy;

	FAULT("pwrite", fd, -1, len);
	ret = real_pwrite64(fd, spoil(&v, buf, &copy), v.len, off);
	saved_free(copy);
	return done(&c, ret, &v);
}

int
ioctl(int fd, unsigned long req, ...)
{
	va_list	 ap;
	void	*arg;
	int	 src;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!ready)
		setup();
	if (req != FICLONE && req != FICLONERANGE)
		return real_ioctl(fd, req, arg);
	src = req == FICLONE ? (int)(long)arg :
	    (int)((struct file_clone_range *)arg)->src_fd;
	{
		FAULT("ioctl", src, fd, 0);
		PASS(real_ioctl(fd, req, arg));
	}
}

off_t
lseek(int fd, off_t off, int whence)
{
	if (!ready)
		setup();
	if (whence != SEEK_DATA && whence != SEEK_HOLE)
		return real_lseek(fd, off, whence);
	{
		FAULT("lseek", fd, -1, 0);
		PASS(real_lseek(fd, off, whence));
	}
}

off64_t
lseek64(int fd, off64_t off, int whence)
{
	if (!ready)
		setup();
	if (whence != SEEK_DATA && whence != SEEK_HOLE)
		return real_lseek64(fd, off, whence);
	{
		FAULT("lseek", fd, -1, 0);
		PASS(real_lseek64(fd, off, whence));
	}
}

int
fallocate(int fd, int mode, off_t off, off_t len)
{
	FAULT("fallocate", fd, -1, 0);
	PASS(real_fallocate(fd, mode, off, len));
}

int
fallocate64(int fd, int mode, off64_t off, off64_t len)
{
	FAULT("fallocate", fd, -1, 0);
	PASS(real_fallocate64(fd, mode, off, len));
}

/*
 * glibc declares poll's array write-only, though poll reads the descriptors
 * in it; the caller has filled them in.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
int
poll(struct pollfd *fds, nfds_t n, int timeout)
{
	int	fd1 = n > 0 ? fds[0].fd : -1, fd2 = n > 1 ? fds[1].fd : -1;

	FAULT("poll", fd1, fd2, 0);
	PASS(real_poll(fds, n, timeout));
}
#pragma GCC diagnostic pop

/* ---------------------------------------- calls on names and descriptors */

/* A call on path in dirfd; a failure injected, or the real call made. */
#define NAME_CALL(name, dfd, p)						\
	{ .fn = name, .kind = K_NAME, .fd1 = (dfd), .fd2 = -1,		\
	  .dirfd = (dfd), .path = (p) }

#define FD_CALL(name, fd)						\
	{ .fn = name, .kind = K_FD, .fd1 = (fd), .fd2 = -1, .dirfd = -1 }

#define RUN(c, call)							\
	do {								\
		struct verdict v = decide(&(c));			\
		if (v.err != 0) {					\
			errno = v.err;					\
			return done(&(c), -1, &v);			\
		}							\
		return done(&(c), (call), &v);				\
	} while (0)

/* open's mode, there only when the flags create a file. */
#define MODE_ARG(flags, mode)						\
	do {								\
		va_list ap;						\
		mode = 0;						\
		if ((flags) & O_CREAT ||				\
		    ((flags) & O_TMPFILE) == O_TMPFILE) {		\
			va_start(ap, flags);				\
			mode = va_arg(ap, mode_t);			\
			va_end(ap);					\
		}							\
	} while (0)

int
open(const char *path, int flags, ...)
{
	struct call c = NAME_CALL("open", AT_FDCWD, path);
	mode_t mode;

	MODE_ARG(flags, mode);
	RUN(c, real_open(path, flags, mode));
}

int
open64(const char *path, int flags, ...)
{
	struct call c = NAME_CALL("open", AT_FDCWD, path);
	mode_t mode;

	MODE_ARG(flags, mode);
	RUN(c, real_open64(path, flags, mode));
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	struct call c = NAME_CALL("openat", dirfd, path);
	mode_t mode;

	MODE_ARG(flags, mode);
	RUN(c, real_openat(dirfd, path, flags, mode));
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
	struct call c = NAME_CALL("openat", dirfd, path);
	mode_t mode;

	MODE_ARG(flags, mode);
	RUN(c, real_openat64(dirfd, path, flags, mode));
}

int
mkdirat(int dirfd, const char *path, mode_t mode)
{
	struct call c = NAME_CALL("mkdirat", dirfd, path);

	RUN(c, real_mkdirat(dirfd, path, mode));
}

int
fstatat(int dirfd, const char *restrict path, struct stat *restrict st,
    int flags)
{
	struct call c = NAME_CALL("fstatat", dirfd, path);

	RUN(c, real_fstatat(dirfd, path, st, flags));
}

int
fstatat64(int dirfd, const char *restrict path, struct stat64 *restrict st,
    int flags)
{
	struct call c = NAME_CALL("fstatat", dirfd, path);

	RUN(c, real_fstatat64(dirfd, path, st, flags));
}

int
statx(int dirfd, const char *restrict path, int flags, unsigned int mask,
    struct statx *restrict stx)
{
	struct call c = NAME_CALL("statx", dirfd, path);

	RUN(c, real_statx(dirfd, path, flags, mask, stx));
}

int
symlinkat(const char *target, int dirfd, const char *path)
{
	struct call c = NAME_CALL("symlinkat", dirfd, path);

	c.from = target;
	RUN(c, real_symlinkat(target, dirfd, path));
}

int
linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
    int flags)
{
	struct call c = NAME_CALL("linkat", newdirfd, newpath);

	c.fd1 = olddirfd;
	c.fd2 = newdirfd;
	c.from = oldpath;
	RUN(c, real_linkat(olddirfd, oldpath, newdirfd, newpath, flags));
}

int
mknodat(int dirfd, const char *path, mode_t mode, dev_t dev)
{
	struct call c = NAME_CALL("mknodat", dirfd, path);

	RUN(c, real_mknodat(dirfd, path, mode, dev));
}

int
mkfifoat(int dirfd, const char *path, mode_t mode)
{
	struct call c = NAME_CALL("mkfifoat", dirfd, path);

	RUN(c, real_mkfifoat(dirfd, path, mode));
}

int
fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
	struct call c = NAME_CALL("fchmodat", dirfd, path);

	RUN(c, real_fchmodat(dirfd, path, mode, flags));
}

int
fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags)
{
	struct call c = NAME_CALL("fchownat", dirfd, path);

	RUN(c, real_fchownat(dirfd, path, uid, gid, flags));
}

int
utimensat(int dirfd, const char *path, const struct timespec ts[2],
    int flags)
{
	struct call c = NAME_CALL("utimensat", dirfd, path);

	RUN(c, real_utimensat(dirfd, path, ts, flags));
}

ssize_t
readlinkat(int dirfd, const char *restrict path, char *restrict buf,
    size_t len)
{
	struct call c = NAME_CALL("readlinkat", dirfd, path);

	RUN(c, real_readlinkat(dirfd, path, buf, len));
}

int
setxattr(const char *path, const char *name, const void *value, size_t len,
    int flags)
{
	struct call c = NAME_CALL("setxattr", AT_FDCWD, path);

	c.attr = name;
	RUN(c, real_setxattr(path, name, value, len, flags));
}

int
lsetxattr(const char *path, const char *name, const void *value, size_t len,
    int flags)
{
	struct call c = NAME_CALL("lsetxattr", AT_FDCWD, path);

	c.attr = name;
	RUN(c, real_lsetxattr(path, name, value, len, flags));
}

int
fchmod(int fd, mode_t mode)
{
	struct call c = FD_CALL("fchmod", fd);

	RUN(c, real_fchmod(fd, mode));
}

int
fchown(int fd, uid_t uid, gid_t gid)
{
	struct call c = FD_CALL("fchown", fd);

	RUN(c, real_fchown(fd, uid, gid));
}

int
futimens(int fd, const struct timespec ts[2])
{
	struct call c = FD_CALL("futimens", fd);

	RUN(c, real_futimens(fd, ts));
}

int
fsetxattr(int fd, const char *name, const void *value, size_t len, int flags)
{
	struct call c = FD_CALL("fsetxattr", fd);

	c.attr = name;
	RUN(c, real_fsetxattr(fd, name, value, len, flags));
}
