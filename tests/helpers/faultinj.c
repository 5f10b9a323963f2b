/*
 * faultinj: an LD_PRELOAD shim that makes the kernel calls kcp uses fail on
 * demand, so the tests can force every fallback and error path.
 *
 * KCP_FAULT holds rules separated by ';', each
 *
 *	FUNC:ACTION[:OPTION]...
 *
 * FUNC	    copy_file_range, sendfile, splice, read, write, pread, pwrite,
 *	    ioctl (FICLONE and FICLONERANGE only), lseek (SEEK_DATA and
 *	    SEEK_HOLE only), fallocate or poll.  The *64 variants count as
 *	    their plain names.
 * ACTION   an errno name (EXDEV) or number: fail with it;
 *	    short: ask the real call for half the length (at least 1 byte);
 *	    short=N: ask the real call for at most N bytes;
 *	    zero: return 0 without calling;
 *	    corrupt: (write and pwrite) hand the real call a copy of the data
 *	    with its middle byte flipped, as a bad disk or driver would.
 * OPTION   N: the first call to fault is the Nth matching one (default 1);
 *	    xN: fault N calls in a row (default 1); always: every call from
 *	    then on; after=BYTES: let matching calls move BYTES in total (the
 *	    last one is cut to fit), then fault; fd=N: only calls with N as
 *	    one of their descriptors count.
 *
 * Every rule counts every call to its function on its descriptors, so
 * "splice:EINTR;splice:EINTR:3" fails the first and the third call.  When
 * two rules would fail the same call, the first listed does, and the other
 * fails the next call.
 *
 * read and write on descriptor 2 are never touched, so that the program
 * can still report.  With KCP_FAULT_LOG set to a path, every intercepted
 * call is appended to it as one line, for the tests to count:
 *
 *	copy_file_range 3 4 1048576 = -1 EXDEV injected
 */
#undef _FILE_OFFSET_BITS
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXRULES	16

enum action { A_ERRNO, A_SHORT, A_ZERO, A_CORRUPT };

struct rule {
	char			fn[32];
	enum action		act;
	int			err;
	size_t			shortlen;	/* 0: half the request */
	unsigned long		nth;		/* first call to fault */
	long			count;		/* calls to fault, -1: always */
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
static const char	*fnames[] = {
	"copy_file_range", "sendfile", "splice", "read", "write", "pread",
	"pwrite", "ioctl", "lseek", "fallocate", "poll",
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

static void
rule_parse(char *s)
{
	struct rule	*r;
	char		*f, *act;
	size_t		 i;

	if (nrules == MAXRULES)
		bad("too many rules");
	r = &rules[nrules++];
	memset(r, 0, sizeof(*r));
	r->nth = 1;
	r->count = 1;
	r->fd = -1;
	r->after = -1;

	f = strsep(&s, ":");
	for (i = 0; i < sizeof(fnames) / sizeof(fnames[0]); i++)
		if (strcmp(f, fnames[i]) == 0)
			break;
	if (i == sizeof(fnames) / sizeof(fnames[0]))
		bad(f);
	strcpy(r->fn, f);
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
	} else if ((r->err = errno_parse(act)) > 0)
		r->act = A_ERRNO;
	else
		bad(act);

	while ((f = strsep(&s, ":")) != NULL) {
		if (strcmp(f, "always") == 0)
			r->count = -1;
		else if (f[0] == 'x' && f[1] != '\0')
			r->count = strtol(f + 1, NULL, 10);
		else if (strncmp(f, "after=", 6) == 0)
			r->after = strtoll(f + 6, NULL, 10);
		else if (strncmp(f, "fd=", 3) == 0)
			r->fd = (int)strtol(f + 3, NULL, 10);
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
		fd = open(e, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
		if (fd >= 0) {
			logfd = fcntl(fd, F_DUPFD_CLOEXEC, 200);
			close(fd);
		}
	}
}

static bool
matches(const struct rule *r, const char *fn, int fd1, int fd2)
{
	if (strcmp(r->fn, fn) != 0)
		return false;
	return r->fd < 0 || r->fd == fd1 || r->fd == fd2;
}

/* What the shim decided for one call. */
struct verdict {
	int	err;		/* fail with this errno, or 0 */
	bool	zero;		/* return 0 without calling */
	bool	corrupt;	/* flip a byte of the data written */
	bool	injected;
	size_t	len;		/* length to hand the real call */
};

static struct verdict
decide(const char *fn, int fd1, int fd2, size_t len)
{
	struct verdict	 v = { 0, false, false, false, len };
	struct rule	*r;
	int		 i;

	if (!ready)
		setup();
	for (i = 0; i < nrules; i++) {
		r = &rules[i];
		if (!matches(r, fn, fd1, fd2))
			continue;
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
		}
	}
	return v;
}

/* Account for a finished call, log it, and leave errno as the call did. */
static ssize_t
done(const char *fn, int fd1, int fd2, size_t len, ssize_t ret,
    const struct verdict *v)
{
	char	line[160];
	int	saved = errno, i, n;

	if (ret > 0 && len > 0)
		for (i = 0; i < nrules; i++)
			if (matches(&rules[i], fn, fd1, fd2))
				rules[i].moved += (unsigned long long)ret;
	if (logfd >= 0) {
		n = snprintf(line, sizeof(line), "%s %d %d %zu = %zd%s%s%s\n",
		    fn, fd1, fd2, len, ret, ret < 0 ? " " : "",
		    ret < 0 ? errno_name(saved) : "",
		    v->injected ? " injected" : "");
		if (n > 0 && (size_t)n < sizeof(line))
			(void)real_write(logfd, line, (size_t)n);
	}
	errno = saved;
	return ret;
}

/*
 * Each wrapper: decide, call the real function unless a fault stands in
 * for it, then account.  The macros keep the wrappers to their arguments.
 */
#define FAULT(fn, fd1, fd2, len)					\
	struct verdict v = decide(fn, fd1, fd2, len);			\
	ssize_t ret;							\
	if (v.err != 0) {						\
		errno = v.err;						\
		return done(fn, fd1, fd2, len, -1, &v);			\
	}								\
	if (v.zero)							\
		return done(fn, fd1, fd2, len, 0, &v)

#define PASS(fn, fd1, fd2, len, call)					\
	ret = (call);							\
	return done(fn, fd1, fd2, len, ret, &v)

ssize_t
copy_file_range(int in, loff_t *inoff, int out, loff_t *outoff, size_t len,
    unsigned int flags)
{
	FAULT("copy_file_range", in, out, len);
	PASS("copy_file_range", in, out, len,
	    real_cfr(in, inoff, out, outoff, v.len, flags));
}

ssize_t
sendfile(int out, int in, off_t *off, size_t len)
{
	FAULT("sendfile", in, out, len);
	PASS("sendfile", in, out, len, real_sendfile(out, in, off, v.len));
}

ssize_t
sendfile64(int out, int in, off64_t *off, size_t len)
{
	FAULT("sendfile", in, out, len);
	PASS("sendfile", in, out, len, real_sendfile64(out, in, off, v.len));
}

ssize_t
splice(int in, loff_t *inoff, int out, loff_t *outoff, size_t len,
    unsigned int flags)
{
	FAULT("splice", in, out, len);
	PASS("splice", in, out, len,
	    real_splice(in, inoff, out, outoff, v.len, flags));
}

ssize_t
read(int fd, void *buf, size_t len)
{
	if (!ready)
		setup();
	if (fd == 2)
		return real_read(fd, buf, len);
	FAULT("read", fd, -1, len);
	PASS("read", fd, -1, len, real_read(fd, buf, v.len));
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
	return done("write", fd, -1, len, ret, &v);
}

ssize_t
pread(int fd, void *buf, size_t len, off_t off)
{
	FAULT("pread", fd, -1, len);
	PASS("pread", fd, -1, len, real_pread(fd, buf, v.len, off));
}

ssize_t
pread64(int fd, void *buf, size_t len, off64_t off)
{
	FAULT("pread", fd, -1, len);
	PASS("pread", fd, -1, len, real_pread64(fd, buf, v.len, off));
}

ssize_t
pwrite(int fd, const void *buf, size_t len, off_t off)
{
	void *copy;

	FAULT("pwrite", fd, -1, len);
	ret = real_pwrite(fd, spoil(&v, buf, &copy), v.len, off);
	saved_free(copy);
	return done("pwrite", fd, -1, len, ret, &v);
}

ssize_t
pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
	void *copy;

	FAULT("pwrite", fd, -1, len);
	ret = real_pwrite64(fd, spoil(&v, buf, &copy), v.len, off);
	saved_free(copy);
	return done("pwrite", fd, -1, len, ret, &v);
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
		PASS("ioctl", src, fd, 0, real_ioctl(fd, req, arg));
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
		PASS("lseek", fd, -1, 0, real_lseek(fd, off, whence));
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
		PASS("lseek", fd, -1, 0, real_lseek64(fd, off, whence));
	}
}

int
fallocate(int fd, int mode, off_t off, off_t len)
{
	FAULT("fallocate", fd, -1, 0);
	PASS("fallocate", fd, -1, 0, real_fallocate(fd, mode, off, len));
}

int
fallocate64(int fd, int mode, off64_t off, off64_t len)
{
	FAULT("fallocate", fd, -1, 0);
	PASS("fallocate", fd, -1, 0, real_fallocate64(fd, mode, off, len));
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
	PASS("poll", fd1, fd2, 0, real_poll(fds, n, timeout));
}
#pragma GCC diagnostic pop
