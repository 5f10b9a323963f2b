/*
 * engine_copy through the seam.  The descriptors are real (files in a
 * private temporary directory, pipes, socket pairs); the kernel table
 * kcp_sys is a fake that passes every call to kcp_sys_real but can inject
 * an errno on the Nth call of one system call, short counts, a 0 return,
 * or an errno once some bytes have moved.  Every test compares the bytes
 * that landed with the bytes written, so that each one can fail.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "fdinfo.h"
#include "sys.h"
#include "tap.h"

/*
 * The fake kernel.
 */

enum sc {
	SC_CFR, SC_SENDFILE, SC_SPLICE, SC_READ, SC_WRITE, SC_PREAD,
	SC_PWRITE, SC_CLONE, SC_CLONE_RANGE, SC_LSEEK, SC_FALLOCATE, SC_N
};

#define FOREVER	UINT_MAX
#define NFAIL	3

struct fail {
	unsigned	at;	/* first call (from 1) that fails; 0: none */
	unsigned	times;	/* how many calls in a row; 0 means one */
	int		err;
};

struct rule {
	struct fail	fail[NFAIL];
	unsigned	zero_at;	/* this call returns 0 */
	size_t		cap;		/* at most this much a call */
	uint64_t	limit;		/* once this much has moved, */
	int		limit_err;	/* every call fails with this */
};

static struct rule	rules[SC_N];
static unsigned		ncalls[SC_N];
static uint64_t		nbytes[SC_N];
static unsigned		nagain[SC_N];	/* real EAGAIN answers */

/* Decide whether call c is faked; may shorten *len. */
static bool
fake_pre(enum sc c, size_t *len, ssize_t *ret)
{
	struct rule *r = &rules[c];
	const struct fail *f;
	unsigned n = ++ncalls[c];
	int i;

	for (i = 0; i < NFAIL; i++) {
		f = &r->fail[i];
		if (f->at != 0 && n >= f->at &&
		    n - f->at < (f->times != 0 ? f->times : 1)) {
			errno = f->err;
			*ret = -1;
			return true;
		}
	}
	if (r->zero_at != 0 && n == r->zero_at) {
		*ret = 0;
		return true;
	}
	if (r->limit_err != 0) {
		if (nbytes[c] >= r->limit) {
			errno = r->limit_err;
			*ret = -1;
			return true;
		}
		if (*len > r->limit - nbytes[c])
			*len = (size_t)(r->limit - nbytes[c]);
	}
	if (r->cap != 0 && *len > r->cap)
		*len = r->cap;
	return false;
}

static ssize_t
fake_post(enum sc c, ssize_t n)
{
	if (n > 0)
		nbytes[c] += (uint64_t)n;
	else if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		nagain[c]++;
	return n;
}

static ssize_t
fake_cfr(int in, off_t *inoff, int out, off_t *outoff, size_t len,
    unsigned int flags)
{
	ssize_t r;

	if (fake_pre(SC_CFR, &len, &r))
		return r;
	return fake_post(SC_CFR, kcp_sys_real.copy_file_range(in, inoff, out,
	    outoff, len, flags));
}

static ssize_t
fake_sendfile(int out, int in, off_t *inoff, size_t len)
{
	ssize_t r;

	if (fake_pre(SC_SENDFILE, &len, &r))
		return r;
	return fake_post(SC_SENDFILE, kcp_sys_real.sendfile(out, in, inoff,
	    len));
}

static ssize_t
fake_splice(int in, off_t *inoff, int out, off_t *outoff, size_t len,
    unsigned int flags)
{
	ssize_t r;

	if (fake_pre(SC_SPLICE, &len, &r))
		return r;
	return fake_post(SC_SPLICE, kcp_sys_real.splice(in, inoff, out, outoff,
	    len, flags));
}

static ssize_t
fake_read(int fd, void *buf, size_t len)
{
	ssize_t r;

	if (fake_pre(SC_READ, &len, &r))
		return r;
	return fake_post(SC_READ, kcp_sys_real.read(fd, buf, len));
}

static ssize_t
fake_write(int fd, const void *buf, size_t len)
{
	ssize_t r;

	if (fake_pre(SC_WRITE, &len, &r))
		return r;
	return fake_post(SC_WRITE, kcp_sys_real.write(fd, buf, len));
}

static ssize_t
fake_pread(int fd, void *buf, size_t len, off_t off)
{
	ssize_t r;

	if (fake_pre(SC_PREAD, &len, &r))
		return r;
	return fake_post(SC_PREAD, kcp_sys_real.pread(fd, buf, len, off));
}

static ssize_t
fake_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	ssize_t r;

	if (fake_pre(SC_PWRITE, &len, &r))
		return r;
	return fake_post(SC_PWRITE, kcp_sys_real.pwrite(fd, buf, len, off));
}

static int
fake_clone(int out, int in)
{
	size_t len = 0;
	ssize_t r;

	if (fake_pre(SC_CLONE, &len, &r))
		return (int)r;
	return kcp_sys_real.clone(out, in);
}

static int
fake_clone_range(int out, int in, off_t inoff, off_t len, off_t outoff)
{
	size_t dummy = 0;
	ssize_t r;

	if (fake_pre(SC_CLONE_RANGE, &dummy, &r))
		return (int)r;
	return kcp_sys_real.clone_range(out, in, inoff, len, outoff);
}

static off_t
fake_lseek(int fd, off_t off, int whence)
{
	size_t dummy = 0;
	ssize_t r;

	/* SEEK_DATA and SEEK_HOLE are under test; positioning is not. */
	if ((whence == SEEK_DATA || whence == SEEK_HOLE) &&
	    fake_pre(SC_LSEEK, &dummy, &r))
		return -1;
	return kcp_sys_real.lseek(fd, off, whence);
}

static int
fake_fallocate(int fd, int mode, off_t off, off_t len)
{
	size_t dummy = 0;
	ssize_t r;

	if (fake_pre(SC_FALLOCATE, &dummy, &r))
		return (int)r;
	return kcp_sys_real.fallocate(fd, mode, off, len);
}

/* The real kernel, with the calls under test replaced by the fakes. */
static struct sysops fake_sys;

static void
fake_install(void)
{
	fake_sys = kcp_sys_real;
	fake_sys.copy_file_range = fake_cfr;
	fake_sys.sendfile = fake_sendfile;
	fake_sys.splice = fake_splice;
	fake_sys.read = fake_read;
	fake_sys.write = fake_write;
	fake_sys.pread = fake_pread;
	fake_sys.pwrite = fake_pwrite;
	fake_sys.clone = fake_clone;
	fake_sys.clone_range = fake_clone_range;
	fake_sys.lseek = fake_lseek;
	fake_sys.fallocate = fake_fallocate;
	kcp_sys = &fake_sys;
}

/* Fail calls at..at+times-1 of c with err. */
static void
inject(enum sc c, unsigned at, unsigned times, int err)
{
	int i;

	for (i = 0; i < NFAIL; i++) {
		if (rules[c].fail[i].at == 0) {
			rules[c].fail[i].at = at;
			rules[c].fail[i].times = times;
			rules[c].fail[i].err = err;
			return;
		}
	}
	bail_out("inject: too many rules");
}

/* A clean kernel and a clean probe cache for the next test. */
static void
fake_reset(void)
{
	memset(rules, 0, sizeof(rules));
	memset(ncalls, 0, sizeof(ncalls));
	memset(nbytes, 0, sizeof(nbytes));
	memset(nagain, 0, sizeof(nagain));
	/*
	 * Cloning is not what these tests are about, and a filesystem that
	 * can clone would take every copy away from the other methods.
	 */
	inject(SC_CLONE, 1, FOREVER, EOPNOTSUPP);
	inject(SC_CLONE_RANGE, 1, FOREVER, EOPNOTSUPP);
	engine_reset();
}

/*
 * Descriptors and data.
 */

static char	tmpdir[PATH_MAX];
static unsigned	tmpseq;
static long	pagesize;

static const char *
ename(int e)
{
	static char num[16];

	switch (e) {
	case 0:		return "0";
	case ENOSYS:	return "ENOSYS";
	case EXDEV:	return "EXDEV";
	case EINVAL:	return "EINVAL";
	case EPERM:	return "EPERM";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EBADF:	return "EBADF";
	case ETXTBSY:	return "ETXTBSY";
	case ENOTTY:	return "ENOTTY";
	case EACCES:	return "EACCES";
	case ENOENT:	return "ENOENT";
	case EFBIG:	return "EFBIG";
	case EIO:	return "EIO";
	case ENOSPC:	return "ENOSPC";
	case EDQUOT:	return "EDQUOT";
	case ENOMEM:	return "ENOMEM";
	case EOVERFLOW:	return "EOVERFLOW";
	case ENODATA:	return "ENODATA";
	case EINTR:	return "EINTR";
	case EAGAIN:	return "EAGAIN";
	default:
		snprintf(num, sizeof(num), "errno %d", e);
		return num;
	}
}

static void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n > 0 ? n : 1)) == NULL)
		bail_out("out of memory");
	return p;
}

/* n bytes that differ at every offset (a zero byte is rare), from seed. */
static unsigned char *
pattern(size_t n, uint32_t seed)
{
	unsigned char *p = xmalloc(n);
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)(x >> 24) | 1;
	}
	return p;
}

/* A new empty file in the temporary directory, already unlinked. */
static int
tmpfd(int flags)
{
	char path[PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/f%u", tmpdir, tmpseq++);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | flags, 0600);
	if (fd == -1)
		bail_out("open %s: %s", path, strerror(errno));
	(void)unlink(path);
	return fd;
}

static void
pwrite_all(int fd, const void *p, size_t n, off_t off)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		if ((w = pwrite(fd, c, n, off)) <= 0)
			bail_out("pwrite: %s", strerror(errno));
		c += w;
		off += w;
		n -= (size_t)w;
	}
}

static void
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, c, n)) <= 0)
			bail_out("write: %s", strerror(errno));
		c += w;
		n -= (size_t)w;
	}
}

/* A file holding p[0..n), offset 0. */
static int
file_with(const void *p, size_t n)
{
	int fd = tmpfd(0);

	pwrite_all(fd, p, n, 0);
	return fd;
}

/* A file of n bytes of c. */
static int
file_of(int c, size_t n)
{
	unsigned char *p = xmalloc(n);
	int fd;

	memset(p, c, n);
	fd = file_with(p, n);
	free(p);
	return fd;
}

static void
mkpipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) == -1)
		bail_out("pipe2: %s", strerror(errno));
}

/* A pipe holding p[0..n) whose write end is closed: read end in fds[0]. */
static void
pipe_with(int fds[2], const void *p, size_t n)
{
	mkpipe(fds);
	if (n > 65536 && fcntl(fds[1], F_SETPIPE_SZ, (int)n) == -1)
		bail_out("F_SETPIPE_SZ %zu: %s", n, strerror(errno));
	write_all(fds[1], p, n);
	close(fds[1]);
	fds[1] = -1;
}

static void
xclose(int *fd)
{
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

/* Everything readable from fd until EOF. */
static unsigned char *
drain(int fd, size_t *len)
{
	size_t cap = 65536, n = 0;
	unsigned char *p = xmalloc(cap);
	ssize_t r;

	for (;;) {
		if (n == cap && (p = realloc(p, cap *= 2)) == NULL)
			bail_out("out of memory");
		r = read(fd, p + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			bail_out("read: %s", strerror(errno));
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return p;
}

static off_t
fsize(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		bail_out("fstat: %s", strerror(errno));
	return st.st_size;
}

static off_t
fblocks_bytes(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		bail_out("fstat: %s", strerror(errno));
	return (off_t)st.st_blocks * 512;
}

/* A whole file's bytes. */
static unsigned char *
slurp(int fd, size_t *len)
{
	size_t n = (size_t)fsize(fd), done = 0;
	unsigned char *p = xmalloc(n);
	ssize_t r;

	while (done < n) {
		if ((r = pread(fd, p + done, n - done, (off_t)done)) <= 0)
			bail_out("pread: %s", strerror(errno));
		done += (size_t)r;
	}
	*len = n;
	return p;
}

static off_t
curoff(int fd)
{
	return lseek(fd, 0, SEEK_CUR);
}

static int
vok_mem(const void *got, size_t glen, const void *want, size_t wlen,
    const char *fmt, va_list ap)
{
	const unsigned char *g = got, *w = want;
	size_t i, n;
	int r;

	r = tap_vok(glen == wlen && (wlen == 0 || memcmp(g, w, wlen) == 0),
	    fmt, ap);
	if (!r) {
		n = glen < wlen ? glen : wlen;
		for (i = 0; i < n && g[i] == w[i]; i++)
			;
		if (i < n)
			diag("got %zu bytes, expected %zu; first difference "
			    "at %zu: 0x%02x, expected 0x%02x", glen, wlen, i,
			    g[i], w[i]);
		else
			diag("got %zu bytes, expected %zu; equal up to %zu",
			    glen, wlen, n);
	}
	return r;
}

/* The bytes got[0..glen) are want[0..wlen). */
static int TAP_PRINTF(5, 6)
ok_mem(const void *got, size_t glen, const void *want, size_t wlen,
    const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vok_mem(got, glen, want, wlen, fmt, ap);
	va_end(ap);
	return r;
}

/* The whole file fd is want[0..wlen). */
static int TAP_PRINTF(4, 5)
ok_file(int fd, const void *want, size_t wlen, const char *fmt, ...)
{
	unsigned char *got;
	size_t glen;
	va_list ap;
	int r;

	got = slurp(fd, &glen);
	va_start(ap, fmt);
	r = vok_mem(got, glen, want, wlen, fmt, ap);
	va_end(ap);
	free(got);
	return r;
}

/* Everything left in pipe fd is want[0..wlen). */
static int TAP_PRINTF(4, 5)
ok_drain(int fd, const void *want, size_t wlen, const char *fmt, ...)
{
	unsigned char *got;
	size_t glen;
	va_list ap;
	int r;

	got = drain(fd, &glen);
	va_start(ap, fmt);
	r = vok_mem(got, glen, want, wlen, fmt, ap);
	va_end(ap);
	free(got);
	return r;
}

/*
 * One engine_copy: descriptors classified once, then the request and the
 * options with the CLI's defaults, which each test changes as it needs.
 */
struct run {
	struct fdinfo		ii, oi;
	struct copy_req		req;
	struct copy_opts	o;
	struct copy_result	res;
	int			rc;
};

static void
run_init(struct run *r, int in, int out)
{
	memset(r, 0, sizeof(*r));
	if (fdinfo_get(in, &r->ii) == -1 || fdinfo_get(out, &r->oi) == -1)
		bail_out("fdinfo_get: %s", strerror(errno));
	r->req.in = &r->ii;
	r->req.out = &r->oi;
	r->req.in_off = OFF_FD;
	r->req.out_off = OFF_FD;
	r->req.skip = 0;
	r->req.length = LEN_EOF;
	r->req.out_fresh_from = r->oi.type == FT_REG ? r->oi.st.st_size : 0;
	r->o.methods = M_ALL;
	r->o.single = false;
	r->o.sparse = SPARSE_AUTO;
	r->o.reflink = REFLINK_AUTO;
	r->o.bufsize = 0;
	r->rc = -2;
}

/* Restrict to one method, as --method=NAME does. */
static void
run_single(struct run *r, enum method m)
{
	r->o.methods = M_BIT(m);
	r->o.single = true;
}

static int
run_go(struct run *r)
{
	r->rc = engine_copy(&r->req, &r->o, &r->res);
	if (r->rc != 0 && r->rc != -1)
		diag("engine_copy returned %d", r->rc);
	return r->rc;
}

/* rc 0 and the byte count; say what went wrong otherwise. */
static int TAP_PRINTF(3, 4)
ok_run(const struct run *r, uint64_t bytes, const char *fmt, ...)
{
	va_list ap;
	int m, res;

	va_start(ap, fmt);
	res = tap_vok(r->rc == 0 && r->res.bytes == bytes && r->res.err == 0 &&
	    !r->res.no_method, fmt, ap);
	va_end(ap);
	if (!res) {
		diag("rc %d, bytes %" PRIu64 " (expected %" PRIu64 "), err %s"
		    " in %s%s", r->rc, r->res.bytes, bytes, ename(r->res.err),
		    method_name(r->res.err_method),
		    r->res.no_method ? ", no_method" : "");
		for (m = 0; m < M_COUNT; m++)
			diag("  %-15s bytes %" PRIu64 " left %d err %s",
			    method_name(m), r->res.m[m].bytes,
			    r->res.m[m].left, ename(r->res.m[m].err));
	}
	return res;
}

/* The bytes moved by each method, for diagnostics. */
static void
diag_acct(const struct run *r)
{
	int m;

	for (m = 0; m < M_COUNT; m++)
		if (r->res.m[m].bytes != 0 || r->res.m[m].left)
			diag("  %-15s bytes %" PRIu64 " left %d err %s",
			    method_name(m), r->res.m[m].bytes,
			    r->res.m[m].left, ename(r->res.m[m].err));
}

static const int unsupported[] = {
	ENOSYS, EXDEV, EINVAL, EPERM, EOPNOTSUPP, EBADF, ETXTBSY, ENOTTY,
	EACCES, ENOENT, EFBIG
};
#define NUNSUP	(sizeof(unsupported) / sizeof(unsupported[0]))

static const int terminal[] = { EIO, ENOSPC, EDQUOT, ENOMEM };
#define NTERM	(sizeof(terminal) / sizeof(terminal[0]))

/*
 * The tests.
 */

/* Go's matrix: small and odd sizes on the three main paths. */
static void
test_matrix(void)
{
	size_t sizes[5] = { 1, 42, 1025, 0, 32769 };
	unsigned char *data;
	struct run r;
	size_t n, want;
	int64_t len;
	int i, lim, in, out, p[2];

	sizes[3] = (size_t)pagesize + 1;
	for (i = 0; i < 5; i++) {
		n = sizes[i];
		data = pattern(n, (uint32_t)n);
		for (lim = 0; lim < 2; lim++) {
			len = lim ? (int64_t)(n / 2) + 1 : LEN_EOF;
			want = lim ? n / 2 + 1 : n;
			if (want > n)
				want = n;

			fake_reset();
			in = file_with(data, n);
			out = tmpfd(0);
			run_init(&r, in, out);
			r.req.length = len;
			run_go(&r);
			ok_run(&r, want, "file->file %zu%s: copied", n,
			    lim ? " limited" : "");
			ok_file(out, data, want, "file->file %zu%s: data", n,
			    lim ? " limited" : "");
			is_int((long long)r.res.m[M_COPY_FILE_RANGE].bytes,
			    (long long)want, "file->file %zu%s: via "
			    "copy_file_range", n, lim ? " limited" : "");
			xclose(&in);
			xclose(&out);

			fake_reset();
			in = file_with(data, n);
			mkpipe(p);
			run_init(&r, in, p[1]);
			r.req.length = len;
			run_go(&r);
			xclose(&p[1]);
			ok_run(&r, want, "file->pipe %zu%s: copied", n,
			    lim ? " limited" : "");
			ok_drain(p[0], data, want, "file->pipe %zu%s: data", n,
			    lim ? " limited" : "");
			is_int((long long)r.res.m[M_SENDFILE].bytes,
			    (long long)want, "file->pipe %zu%s: via sendfile",
			    n, lim ? " limited" : "");
			xclose(&p[0]);
			xclose(&in);

			fake_reset();
			pipe_with(p, data, n);
			out = tmpfd(0);
			run_init(&r, p[0], out);
			r.req.length = len;
			run_go(&r);
			ok_run(&r, want, "pipe->file %zu%s: copied", n,
			    lim ? " limited" : "");
			ok_file(out, data, want, "pipe->file %zu%s: data", n,
			    lim ? " limited" : "");
			is_int((long long)r.res.m[M_SPLICE].bytes,
			    (long long)want, "pipe->file %zu%s: via splice", n,
			    lim ? " limited" : "");
			ok_drain(p[0], data + want, n - want,
			    "pipe->file %zu%s: the rest is still in the pipe",
			    n, lim ? " limited" : "");
			xclose(&p[0]);
			xclose(&out);
		}
		free(data);
	}
}

/*
 * ENOSYS (and EPERM, seccomp's answer) from copy_file_range disables it
 * for the rest of the process; other errnos do not.
 */
static void
test_probe_cache(void)
{
	static const int disabling[] = { ENOSYS, EPERM };
	const size_t n = 100000;
	unsigned char *data = pattern(n, 7);
	struct run r;
	int in, out, k, e;

	for (k = 0; k < 2; k++) {
		e = disabling[k];
		fake_reset();
		inject(SC_CFR, 1, FOREVER, e);

		in = file_with(data, n);
		out = tmpfd(0);
		run_init(&r, in, out);
		run_go(&r);
		ok_run(&r, n, "probe %s: first copy succeeds", ename(e));
		ok_file(out, data, n, "probe %s: first copy data", ename(e));
		is_int(ncalls[SC_CFR], 1, "probe %s: copy_file_range called "
		    "once", ename(e));
		ok(r.res.m[M_COPY_FILE_RANGE].left &&
		    r.res.m[M_COPY_FILE_RANGE].err == e,
		    "probe %s: copy_file_range left with %s", ename(e),
		    ename(e));
		xclose(&in);
		xclose(&out);

		in = file_with(data, n);
		out = tmpfd(0);
		run_init(&r, in, out);
		run_go(&r);
		ok_run(&r, n, "probe %s: second copy succeeds", ename(e));
		ok_file(out, data, n, "probe %s: second copy data", ename(e));
		is_int(ncalls[SC_CFR], 1, "probe %s: copy_file_range not "
		    "called again in this process", ename(e));
		ok(!r.res.m[M_COPY_FILE_RANGE].left &&
		    r.res.m[M_SENDFILE].bytes == n,
		    "probe %s: second copy goes straight to sendfile",
		    ename(e));
		xclose(&in);
		xclose(&out);

		engine_reset();
		in = file_with(data, n);
		out = tmpfd(0);
		run_init(&r, in, out);
		run_go(&r);
		ok_run(&r, n, "probe %s: copy after engine_reset", ename(e));
		is_int(ncalls[SC_CFR], 2, "probe %s: engine_reset lets "
		    "copy_file_range be tried again", ename(e));
		xclose(&in);
		xclose(&out);
	}

	/* EXDEV says "not for this pair", not "not in this kernel". */
	fake_reset();
	inject(SC_CFR, 1, FOREVER, EXDEV);
	for (k = 0; k < 2; k++) {
		in = file_with(data, n);
		out = tmpfd(0);
		run_init(&r, in, out);
		run_go(&r);
		ok_run(&r, n, "probe EXDEV: copy %d succeeds", k + 1);
		ok_file(out, data, n, "probe EXDEV: copy %d data", k + 1);
		xclose(&in);
		xclose(&out);
	}
	is_int(ncalls[SC_CFR], 2, "probe EXDEV: copy_file_range tried on "
	    "every copy");

	/* The same cache for sendfile, on file->pipe. */
	fake_reset();
	inject(SC_SENDFILE, 1, FOREVER, ENOSYS);
	for (k = 0; k < 2; k++) {
		int p[2];

		in = file_with(data, 50000);
		mkpipe(p);
		run_init(&r, in, p[1]);
		run_go(&r);
		xclose(&p[1]);
		ok_run(&r, 50000, "probe sendfile ENOSYS: copy %d", k + 1);
		ok_drain(p[0], data, 50000, "probe sendfile ENOSYS: copy %d "
		    "data", k + 1);
		is_int((long long)r.res.m[M_SPLICE].bytes, 50000,
		    "probe sendfile ENOSYS: copy %d via splice", k + 1);
		xclose(&p[0]);
		xclose(&in);
	}
	is_int(ncalls[SC_SENDFILE], 1, "probe sendfile ENOSYS: sendfile "
	    "called once in two copies");
	free(data);
}

/*
 * Each "not supported here" errno before any byte moved: the engine leaves
 * the method for the next one, and the data arrives whole.
 */
static void
test_fallback_unsupported(void)
{
	const size_t n = 70000, pn = 60000;
	unsigned char *data = pattern(n, 11);
	struct run r;
	size_t i;
	int e, in, out, p[2];

	for (i = 0; i < NUNSUP; i++) {
		e = unsupported[i];

		/* copy_file_range -> sendfile on file->file. */
		fake_reset();
		inject(SC_CFR, 1, FOREVER, e);
		in = file_with(data, n);
		out = tmpfd(0);
		run_init(&r, in, out);
		run_go(&r);
		ok_run(&r, n, "cfr %s first: copy succeeds", ename(e));
		ok_file(out, data, n, "cfr %s first: data", ename(e));
		if (!ok(r.res.m[M_COPY_FILE_RANGE].left &&
		    r.res.m[M_COPY_FILE_RANGE].err == e &&
		    r.res.m[M_COPY_FILE_RANGE].bytes == 0,
		    "cfr %s first: left with %s, nothing moved", ename(e),
		    ename(e)))
			diag_acct(&r);
		ok(r.res.m[M_SENDFILE].bytes == n && nbytes[SC_SENDFILE] == n,
		    "cfr %s first: the bytes went by sendfile", ename(e));
		xclose(&in);
		xclose(&out);

		/* sendfile -> splice on file->pipe. */
		fake_reset();
		inject(SC_SENDFILE, 1, FOREVER, e);
		in = file_with(data, pn);
		mkpipe(p);
		run_init(&r, in, p[1]);
		run_go(&r);
		xclose(&p[1]);
		ok_run(&r, pn, "sendfile %s first: copy succeeds", ename(e));
		ok_drain(p[0], data, pn, "sendfile %s first: data", ename(e));
		if (!ok(r.res.m[M_SENDFILE].left &&
		    r.res.m[M_SENDFILE].err == e &&
		    r.res.m[M_SPLICE].bytes == pn,
		    "sendfile %s first: left with %s, bytes by splice",
		    ename(e), ename(e)))
			diag_acct(&r);
		xclose(&p[0]);
		xclose(&in);

		/* splice -> readwrite on pipe->file. */
		fake_reset();
		inject(SC_SPLICE, 1, FOREVER, e);
		pipe_with(p, data, pn);
		out = tmpfd(0);
		run_init(&r, p[0], out);
		run_go(&r);
		ok_run(&r, pn, "splice %s first: copy succeeds", ename(e));
		ok_file(out, data, pn, "splice %s first: data", ename(e));
		if (!ok(r.res.m[M_SPLICE].left && r.res.m[M_SPLICE].err == e &&
		    r.res.m[M_READWRITE].bytes == pn,
		    "splice %s first: left with %s, bytes by readwrite",
		    ename(e), ename(e)))
			diag_acct(&r);
		xclose(&p[0]);
		xclose(&out);
	}
	free(data);
}

/* The same errnos once bytes have moved are real errors. */
static void
test_error_after_bytes(void)
{
	const size_t n = 70000, pn = 60000;
	unsigned char *data = pattern(n, 13);
	unsigned char *got;
	struct run r;
	size_t i, glen;
	int e, in, out, p[2];

	for (i = 0; i < NUNSUP; i++) {
		e = unsupported[i];

		fake_reset();
		rules[SC_CFR].cap = 4096;
		inject(SC_CFR, 3, FOREVER, e);
		in = file_with(data, n);
		out = tmpfd(0);
		run_init(&r, in, out);
		run_go(&r);
		if (!ok(r.rc == -1 && r.res.err == e &&
		    r.res.err_method == M_COPY_FILE_RANGE,
		    "cfr %s after 8192 bytes: an error", ename(e)))
			diag("rc %d err %s method %s", r.rc, ename(r.res.err),
			    method_name(r.res.err_method));
		ok(r.res.bytes == 8192 &&
		    r.res.m[M_COPY_FILE_RANGE].bytes == 8192,
		    "cfr %s after 8192 bytes: 8192 copied", ename(e));
		if (!ok(nbytes[SC_SENDFILE] == 0 && nbytes[SC_SPLICE] == 0 &&
		    nbytes[SC_PWRITE] == 0 && nbytes[SC_WRITE] == 0,
		    "cfr %s after 8192 bytes: no other method moved bytes",
		    ename(e)))
			diag_acct(&r);
		got = slurp(out, &glen);
		ok_mem(got, glen < 8192 ? glen : 8192, data, 8192,
		    "cfr %s after 8192 bytes: those bytes are right",
		    ename(e));
		free(got);
		xclose(&in);
		xclose(&out);

		fake_reset();
		rules[SC_SENDFILE].cap = 4096;
		inject(SC_SENDFILE, 2, FOREVER, e);
		in = file_with(data, pn);
		mkpipe(p);
		run_init(&r, in, p[1]);
		run_go(&r);
		xclose(&p[1]);
		ok(r.rc == -1 && r.res.err == e && r.res.bytes == 4096,
		    "sendfile %s after 4096 bytes: an error", ename(e));
		if (!ok(nbytes[SC_SPLICE] == 0 && nbytes[SC_WRITE] == 0,
		    "sendfile %s after 4096 bytes: no other method moved "
		    "bytes", ename(e)))
			diag_acct(&r);
		ok_drain(p[0], data, 4096, "sendfile %s after 4096 bytes: "
		    "the pipe holds those bytes", ename(e));
		xclose(&p[0]);
		xclose(&in);

		fake_reset();
		rules[SC_SPLICE].cap = 4096;
		inject(SC_SPLICE, 2, FOREVER, e);
		pipe_with(p, data, pn);
		out = tmpfd(0);
		run_init(&r, p[0], out);
		run_go(&r);
		ok(r.rc == -1 && r.res.err == e && r.res.bytes == 4096,
		    "splice %s after 4096 bytes: an error", ename(e));
		if (!ok(nbytes[SC_READ] == 0 && nbytes[SC_PWRITE] == 0 &&
		    nbytes[SC_WRITE] == 0, "splice %s after 4096 bytes: no "
		    "other method moved bytes", ename(e)))
			diag_acct(&r);
		xclose(&p[0]);
		xclose(&out);
	}
	free(data);
}

/* EIO, ENOSPC, EDQUOT, ENOMEM never fall back, even before any byte. */
static void
test_terminal(void)
{
	const size_t n = 50000;
	unsigned char *data = pattern(n, 17);
	struct run r;
	size_t i;
	int e, in, out, p[2];
	enum err_side side;

	for (i = 0; i < NTERM; i++) {
		e = terminal[i];
		side = e == ENOSPC || e == EDQUOT ? SIDE_WRITE : SIDE_UNKNOWN;

		fake_reset();
		inject(SC_CFR, 1, FOREVER, e);
		in = file_with(data, n);
		out = tmpfd(0);
		run_init(&r, in, out);
		run_go(&r);
		ok(r.rc == -1 && r.res.err == e && r.res.bytes == 0 &&
		    r.res.err_method == M_COPY_FILE_RANGE,
		    "cfr %s: an error", ename(e));
		if (!ok(ncalls[SC_SENDFILE] == 0 && ncalls[SC_PREAD] == 0 &&
		    ncalls[SC_READ] == 0 && ncalls[SC_SPLICE] == 0,
		    "cfr %s: no other method tried", ename(e)))
			diag_acct(&r);
		is_int(r.res.err_side, side, "cfr %s: error side", ename(e));
		is_int(fsize(out), 0, "cfr %s: DEST untouched", ename(e));
		xclose(&in);
		xclose(&out);

		fake_reset();
		inject(SC_SENDFILE, 1, FOREVER, e);
		in = file_with(data, n);
		mkpipe(p);
		run_init(&r, in, p[1]);
		run_go(&r);
		xclose(&p[1]);
		ok(r.rc == -1 && r.res.err == e && r.res.bytes == 0,
		    "sendfile %s: an error", ename(e));
		ok(ncalls[SC_SPLICE] == 0 && ncalls[SC_PREAD] == 0 &&
		    ncalls[SC_WRITE] == 0, "sendfile %s: no other method tried",
		    ename(e));
		ok_drain(p[0], "", 0, "sendfile %s: nothing in the pipe",
		    ename(e));
		xclose(&p[0]);
		xclose(&in);

		fake_reset();
		inject(SC_SPLICE, 1, FOREVER, e);
		pipe_with(p, data, n);
		out = tmpfd(0);
		run_init(&r, p[0], out);
		run_go(&r);
		ok(r.rc == -1 && r.res.err == e && r.res.bytes == 0,
		    "splice %s: an error", ename(e));
		ok(ncalls[SC_READ] == 0 && ncalls[SC_PWRITE] == 0,
		    "splice %s: no other method tried", ename(e));
		ok_drain(p[0], data, n, "splice %s: SOURCE not consumed",
		    ename(e));
		xclose(&p[0]);
		xclose(&out);
	}

	/* readwrite: which side failed. */
	fake_reset();
	inject(SC_PREAD, 1, FOREVER, EIO);
	in = file_with(data, n);
	out = tmpfd(0);
	run_init(&r, in, out);
	run_single(&r, M_READWRITE);
	run_go(&r);
	ok(r.rc == -1 && r.res.err == EIO && r.res.err_side == SIDE_READ &&
	    r.res.err_method == M_READWRITE,
	    "readwrite: EIO from pread is a read error");
	xclose(&in);
	xclose(&out);

	fake_reset();
	inject(SC_PWRITE, 1, FOREVER, ENOSPC);
	in = file_with(data, n);
	out = tmpfd(0);
	run_init(&r, in, out);
	run_single(&r, M_READWRITE);
	run_go(&r);
	ok(r.rc == -1 && r.res.err == ENOSPC && r.res.err_side == SIDE_WRITE &&
	    r.res.err_method == M_READWRITE,
	    "readwrite: ENOSPC from pwrite is a write error");
	xclose(&in);
	xclose(&out);

	/* After a short write and ENOSPC: only what was written counts. */
	fake_reset();
	rules[SC_PWRITE].cap = 1000;
	inject(SC_PWRITE, 2, FOREVER, ENOSPC);
	in = file_with(data, n);
	out = tmpfd(0);
	run_init(&r, in, out);
	run_single(&r, M_READWRITE);
	r.o.bufsize = 4096;
	r.req.set_in_offset = true;
	r.req.set_out_offset = true;
	run_go(&r);
	ok(r.rc == -1 && r.res.err == ENOSPC && r.res.bytes == 1000,
	    "readwrite: short write then ENOSPC: 1000 bytes copied");
	ok_file(out, data, 1000, "readwrite: short write then ENOSPC: data");
	is_int(curoff(out), 1000, "readwrite: short write then ENOSPC: DEST "
	    "offset just past the bytes copied");
	is_int(curoff(in), 1000, "readwrite: short write then ENOSPC: "
	    "SOURCE offset just past the bytes copied");
	xclose(&in);
	xclose(&out);
	free(data);
}

/* copy_file_range (or sendfile) saying 0 before any byte: fall back. */
static void
test_zero_return(void)
{
	const size_t n = 40000;
	unsigned char *data = pattern(n, 19), *want;
	struct run r;
	size_t wlen;
	int in, out, p[2], fd;

	fake_reset();
	rules[SC_CFR].zero_at = 1;
	in = file_with(data, n);
	out = tmpfd(0);
	run_init(&r, in, out);
	run_go(&r);
	ok_run(&r, n, "cfr 0 at once: copy succeeds");
	ok_file(out, data, n, "cfr 0 at once: data");
	ok(r.res.m[M_COPY_FILE_RANGE].left &&
	    r.res.m[M_COPY_FILE_RANGE].err == ENODATA,
	    "cfr 0 at once: left with ENODATA");
	is_int((long long)r.res.m[M_SENDFILE].bytes, (long long)n,
	    "cfr 0 at once: bytes by sendfile");
	xclose(&in);
	xclose(&out);

	/* The same in the middle of a file, with explicit offsets. */
	fake_reset();
	rules[SC_CFR].zero_at = 1;
	in = file_with(data, n);
	out = tmpfd(0);
	run_init(&r, in, out);
	r.req.in_off = 5000;
	r.req.out_off = 0;
	run_go(&r);
	ok_run(&r, n - 5000, "cfr 0 at offset 5000: copy succeeds");
	ok_file(out, data + 5000, n - 5000, "cfr 0 at offset 5000: data");
	xclose(&in);
	xclose(&out);

	fake_reset();
	rules[SC_SENDFILE].zero_at = 1;
	in = file_with(data, n);
	mkpipe(p);
	run_init(&r, in, p[1]);
	run_go(&r);
	xclose(&p[1]);
	ok_run(&r, n, "sendfile 0 at once: copy succeeds");
	ok_drain(p[0], data, n, "sendfile 0 at once: data");
	ok(r.res.m[M_SENDFILE].left && r.res.m[M_SENDFILE].err == ENODATA &&
	    r.res.m[M_SPLICE].bytes == n,
	    "sendfile 0 at once: left with ENODATA, bytes by splice");
	xclose(&p[0]);
	xclose(&in);

	/* An empty SOURCE: nothing to copy, no error. */
	fake_reset();
	in = tmpfd(0);
	out = tmpfd(0);
	run_init(&r, in, out);
	run_go(&r);
	ok_run(&r, 0, "empty SOURCE: copy succeeds with 0 bytes");
	is_int(fsize(out), 0, "empty SOURCE: DEST empty");
	ok(r.res.m[M_READWRITE].used, "empty SOURCE: readwrite met the end");
	xclose(&in);
	xclose(&out);

	/* A /proc file says st_size 0 but has contents. */
	if ((fd = open("/proc/version", O_RDONLY | O_CLOEXEC)) == -1) {
		skip(3, "no /proc/version: %s", strerror(errno));
		free(data);
		return;
	}
	want = drain(fd, &wlen);
	(void)lseek(fd, 0, SEEK_SET);
	fake_reset();
	out = tmpfd(0);
	run_init(&r, fd, out);
	run_go(&r);
	ok(fsize(fd) == 0 && wlen > 0, "/proc/version: st_size 0, %zu bytes "
	    "inside", wlen);
	ok_run(&r, wlen, "/proc/version: copied fully");
	ok_file(out, want, wlen, "/proc/version: data");
	free(want);
	xclose(&fd);
	xclose(&out);
	free(data);
}

/*
 * EOVERFLOW after some bytes: the engine falls back keeping them, and the
 * next method continues at the right offsets.
 */
static void
test_eoverflow(void)
{
	const size_t n = 100000, pn = 60000;
	const uint64_t k = 12288;
	unsigned char *data = pattern(n, 23), *want;
	struct run r;
	int in, out, p[2];

	fake_reset();
	rules[SC_CFR].limit = k;
	rules[SC_CFR].limit_err = EOVERFLOW;
	in = file_with(data, n);
	out = tmpfd(0);
	run_init(&r, in, out);
	r.req.in_off = 1000;
	r.req.out_off = 3000;
	run_go(&r);
	ok_run(&r, n - 1000, "cfr EOVERFLOW after %" PRIu64 ": copy succeeds",
	    k);
	want = calloc(1, n + 2000);
	memcpy(want + 3000, data + 1000, n - 1000);
	ok_file(out, want, n + 2000, "cfr EOVERFLOW after %" PRIu64 ": data "
	    "at the right offsets", k);
	free(want);
	ok(r.res.m[M_COPY_FILE_RANGE].bytes == k &&
	    r.res.m[M_COPY_FILE_RANGE].left &&
	    r.res.m[M_COPY_FILE_RANGE].used &&
	    r.res.m[M_COPY_FILE_RANGE].err == EOVERFLOW,
	    "cfr EOVERFLOW: left keeping %" PRIu64 " bytes", k);
	is_int((long long)r.res.m[M_SENDFILE].bytes, (long long)(n - 1000 - k),
	    "cfr EOVERFLOW: sendfile moved the rest");
	xclose(&in);
	xclose(&out);

	/* Descriptor offsets: they end just past the copy. */
	fake_reset();
	rules[SC_CFR].limit = k;
	rules[SC_CFR].limit_err = EOVERFLOW;
	in = file_with(data, n);
	out = tmpfd(0);
	(void)lseek(in, 10, SEEK_SET);
	(void)lseek(out, 20, SEEK_SET);
	run_init(&r, in, out);
	r.req.length = 50000;
	r.req.set_in_offset = r.req.set_out_offset = true;
	run_go(&r);
	ok_run(&r, 50000, "cfr EOVERFLOW, OFF_FD, length 50000: copied");
	want = calloc(1, 50020);
	memcpy(want + 20, data + 10, 50000);
	ok_file(out, want, 50020, "cfr EOVERFLOW, OFF_FD: data");
	free(want);
	ok(curoff(in) == 50010 && curoff(out) == 50020,
	    "cfr EOVERFLOW, OFF_FD: offsets just past the copy");
	xclose(&in);
	xclose(&out);

	/* sendfile -> readwrite on file->file. */
	fake_reset();
	rules[SC_SENDFILE].limit = k;
	rules[SC_SENDFILE].limit_err = EOVERFLOW;
	in = file_with(data, n);
	out = tmpfd(0);
	run_init(&r, in, out);
	r.o.methods = M_BIT(M_SENDFILE) | M_BIT(M_READWRITE);
	r.req.in_off = 777;
	r.req.out_off = 0;
	run_go(&r);
	ok_run(&r, n - 777, "sendfile EOVERFLOW file->file: copied");
	ok_file(out, data + 777, n - 777, "sendfile EOVERFLOW file->file: "
	    "data");
	ok(r.res.m[M_SENDFILE].bytes == k &&
	    r.res.m[M_READWRITE].bytes == n - 777 - k,
	    "sendfile EOVERFLOW file->file: %" PRIu64 " by sendfile, the "
	    "rest by readwrite", k);
	xclose(&in);
	xclose(&out);

	/* sendfile -> splice on file->pipe. */
	fake_reset();
	rules[SC_SENDFILE].limit = k;
	rules[SC_SENDFILE].limit_err = EOVERFLOW;
	in = file_with(data, pn);
	mkpipe(p);
	run_init(&r, in, p[1]);
	run_go(&r);
	xclose(&p[1]);
	ok_run(&r, pn, "sendfile EOVERFLOW file->pipe: copied");
	ok_drain(p[0], data, pn, "sendfile EOVERFLOW file->pipe: data");
	ok(r.res.m[M_SENDFILE].bytes == k &&
	    r.res.m[M_SPLICE].bytes == pn - k,
	    "sendfile EOVERFLOW file->pipe: the rest by splice");
	xclose(&p[0]);
	xclose(&in);

	/* splice -> readwrite on pipe->file. */
	fake_reset();
	rules[SC_SPLICE].limit = k;
	rules[SC_SPLICE].limit_err = EOVERFLOW;
	pipe_with(p, data, pn);
	out = tmpfd(0);
	run_init(&r, p[0], out);
	run_go(&r);
	ok_run(&r, pn, "splice EOVERFLOW pipe->file: copied");
	ok_file(out, data, pn, "splice EOVERFLOW pipe->file: data");
	ok(r.res.m[M_SPLICE].bytes == k &&
	    r.res.m[M_READWRITE].bytes == pn - k,
	    "splice EOVERFLOW pipe->file: the rest by readwrite");
	xclose(&p[0]);
	xclose(&out);
	free(data);
}

/* Short counts, EINTR and EAGAIN once: every method keeps going. */
enum kind { K_FILE, K_PIPE, K_SOCK };

struct path {
	const char	*name;
	enum kind	 in, out;
	enum method	 m;	/* forced single, or M_COUNT: auto */
	enum method	 via;	/* the method that must move all */
	enum sc		 sc[2];	/* calls to disturb, or SC_N */
};

/* Make a SOURCE of kind k holding data; *keep is its other end, if any. */
static int
make_in(enum kind k, const void *data, size_t n, int *keep)
{
	int p[2];

	*keep = -1;
	switch (k) {
	case K_FILE:
		return file_with(data, n);
	case K_PIPE:
		pipe_with(p, data, n);
		return p[0];
	default:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) == -1)
			bail_out("socketpair: %s", strerror(errno));
		write_all(p[0], data, n);
		shutdown(p[0], SHUT_WR);
		*keep = p[0];
		return p[1];
	}
}

/* Make a DEST of kind k; *rd is where its bytes can be read back. */
static int
make_out(enum kind k, int *rd)
{
	int p[2];

	switch (k) {
	case K_FILE:
		*rd = -1;
		return tmpfd(0);
	case K_PIPE:
		/*
		 * Room for everything: the writer runs alone, and short
		 * splices and sendfiles each take a whole pipe slot.
		 */
		mkpipe(p);
		if (fcntl(p[1], F_SETPIPE_SZ, 1 << 20) == -1)
			bail_out("F_SETPIPE_SZ: %s", strerror(errno));
		*rd = p[0];
		return p[1];
	default:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) == -1)
			bail_out("socketpair: %s", strerror(errno));
		*rd = p[0];
		return p[1];
	}
}

/* Check what DEST got and close everything. */
static void
check_out(enum kind k, int *out, int *rd, const void *want, size_t n,
    const char *name)
{
	if (k == K_FILE) {
		ok_file(*out, want, n, "%s: data", name);
		xclose(out);
		return;
	}
	if (k == K_SOCK)
		shutdown(*out, SHUT_WR);
	xclose(out);
	ok_drain(*rd, want, n, "%s: data", name);
	xclose(rd);
}

static void
test_short_eintr(void)
{
	static const struct path paths[] = {
		{ "copy_file_range", K_FILE, K_FILE, M_COUNT,
		    M_COPY_FILE_RANGE, { SC_CFR, SC_N } },
		{ "sendfile file->file", K_FILE, K_FILE, M_SENDFILE,
		    M_SENDFILE, { SC_SENDFILE, SC_N } },
		{ "sendfile file->pipe", K_FILE, K_PIPE, M_COUNT,
		    M_SENDFILE, { SC_SENDFILE, SC_N } },
		{ "sendfile file->socket", K_FILE, K_SOCK, M_SENDFILE,
		    M_SENDFILE, { SC_SENDFILE, SC_N } },
		{ "splice pipe->file", K_PIPE, K_FILE, M_COUNT,
		    M_SPLICE, { SC_SPLICE, SC_N } },
		{ "splice pipe->pipe", K_PIPE, K_PIPE, M_COUNT,
		    M_SPLICE, { SC_SPLICE, SC_N } },
		{ "splice file->pipe", K_FILE, K_PIPE, M_SPLICE,
		    M_SPLICE, { SC_SPLICE, SC_N } },
		{ "splice file->file (internal pipe)", K_FILE, K_FILE,
		    M_SPLICE, M_SPLICE, { SC_SPLICE, SC_N } },
		{ "splice socket->file (internal pipe)", K_SOCK, K_FILE,
		    M_COUNT, M_SPLICE, { SC_SPLICE, SC_N } },
		{ "readwrite file->file", K_FILE, K_FILE, M_READWRITE,
		    M_READWRITE, { SC_PREAD, SC_PWRITE } },
		{ "readwrite pipe->pipe", K_PIPE, K_PIPE, M_READWRITE,
		    M_READWRITE, { SC_READ, SC_WRITE } },
		{ "readwrite pipe->file", K_PIPE, K_FILE, M_READWRITE,
		    M_READWRITE, { SC_READ, SC_PWRITE } },
		{ "readwrite file->socket", K_FILE, K_SOCK, M_READWRITE,
		    M_READWRITE, { SC_PREAD, SC_WRITE } },
	};
	const size_t n = 50000;
	unsigned char *data = pattern(n, 29);
	const struct path *pt;
	struct run r;
	size_t i;
	int j, in, keep, out, rd;
	unsigned calls;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		pt = &paths[i];
		fake_reset();
		for (j = 0; j < 2; j++) {
			if (pt->sc[j] == SC_N)
				continue;
			/* Writes shorter than reads: both loops show. */
			rules[pt->sc[j]].cap = j == 0 ? 999 : 333;
			inject(pt->sc[j], 2, 1, EINTR);
			inject(pt->sc[j], 4, 1, EAGAIN);
			inject(pt->sc[j], 7, 1, EINTR);
		}
		in = make_in(pt->in, data, n, &keep);
		out = make_out(pt->out, &rd);
		run_init(&r, in, out);
		if (pt->m != M_COUNT)
			run_single(&r, pt->m);
		r.o.bufsize = 8192;
		run_go(&r);
		ok_run(&r, n, "%s, short counts, EINTR, EAGAIN: copied",
		    pt->name);
		if (!is_int((long long)r.res.m[pt->via].bytes, (long long)n,
		    "%s: all bytes by %s", pt->name, method_name(pt->via)))
			diag_acct(&r);
		calls = ncalls[pt->sc[0]];
		ok(calls >= n / 999, "%s: the fake was in the way (%u calls)",
		    pt->name, calls);
		check_out(pt->out, &out, &rd, data, n, pt->name);
		xclose(&in);
		xclose(&keep);
	}
	free(data);
}

/*
 * Non-blocking descriptors are waited on with poll: an empty SOURCE pipe
 * filled late, and a full DEST pipe drained late.
 */
static void
test_nonblock(void)
{
	const size_t n = 300000;
	unsigned char *data = pattern(n, 31), *got;
	struct run r;
	size_t glen, half = 20000;
	int p[2], out, in, st, pass;
	pid_t pid;

	fake_reset();
	mkpipe(p);
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) == -1)
		bail_out("F_SETFL: %s", strerror(errno));
	out = tmpfd(0);
	fflush(stdout);
	if ((pid = fork()) == -1)
		bail_out("fork: %s", strerror(errno));
	if (pid == 0) {
		close(p[0]);
		usleep(50000);
		write_all(p[1], data, half);
		usleep(50000);
		write_all(p[1], data + half, half);
		_exit(0);
	}
	xclose(&p[1]);
	run_init(&r, p[0], out);
	run_go(&r);
	waitpid(pid, &st, 0);
	ok_run(&r, 2 * half, "non-blocking empty SOURCE pipe: copied");
	ok_file(out, data, 2 * half, "non-blocking empty SOURCE pipe: data");
	ok(ncalls[SC_SPLICE] < 100, "non-blocking SOURCE: no busy loop (%u "
	    "splice calls)", ncalls[SC_SPLICE]);
	diag("the kernel said EAGAIN %u times", nagain[SC_SPLICE]);
	xclose(&p[0]);
	xclose(&out);

	/* A full non-blocking DEST pipe, by sendfile and by readwrite. */
	for (pass = 0; pass < 2; pass++) {
		fake_reset();
		mkpipe(p);
		if (fcntl(p[1], F_SETFL, O_NONBLOCK) == -1)
			bail_out("F_SETFL: %s", strerror(errno));
		in = file_with(data, n);
		fflush(stdout);
		if ((pid = fork()) == -1)
			bail_out("fork: %s", strerror(errno));
		if (pid == 0) {
			close(p[1]);
			usleep(50000);
			got = drain(p[0], &glen);
			_exit(glen == n && memcmp(got, data, n) == 0 ? 0 : 1);
		}
		xclose(&p[0]);
		run_init(&r, in, p[1]);
		r.o.bufsize = 65536;	/* keep the pipe small */
		if (pass == 1)
			run_single(&r, M_READWRITE);
		run_go(&r);
		xclose(&p[1]);
		waitpid(pid, &st, 0);
		ok_run(&r, n, "non-blocking full DEST pipe (%s): copied",
		    pass ? "readwrite" : "auto");
		ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "non-blocking full DEST pipe (%s): the reader got the "
		    "data", pass ? "readwrite" : "auto");
		ok(ncalls[SC_SENDFILE] + ncalls[SC_WRITE] < 1000,
		    "non-blocking full DEST pipe (%s): no busy loop",
		    pass ? "readwrite" : "auto");
		diag("the kernel said EAGAIN %u times",
		    nagain[SC_SENDFILE] + nagain[SC_WRITE]);
		xclose(&in);
	}
	free(data);
}

/* splice only where a side is a pipe, unless forced. */
static void
test_splice_choice(void)
{
	const size_t n = 30000;
	unsigned char *data = pattern(n, 37);
	struct run r;
	int in, out, p[2];

	fake_reset();
	pipe_with(p, data, n);
	out = tmpfd(0);
	run_init(&r, p[0], out);
	run_go(&r);
	ok_run(&r, n, "pipe->file: copied");
	ok_file(out, data, n, "pipe->file: data");
	ok(ncalls[SC_SPLICE] > 0 && r.res.m[M_SPLICE].bytes == n &&
	    ncalls[SC_READ] == 0, "pipe->file: splice, no read");
	xclose(&p[0]);
	xclose(&out);

	fake_reset();
	in = file_with(data, n);
	out = tmpfd(0);
	run_init(&r, in, out);
	run_go(&r);
	ok_run(&r, n, "file->file: copied");
	ok_file(out, data, n, "file->file: data");
	is_int(ncalls[SC_SPLICE], 0, "file->file: no splice");
	xclose(&in);
	xclose(&out);

	/* Even when everything else says no, file->file reads and writes. */
	fake_reset();
	inject(SC_CFR, 1, FOREVER, EXDEV);
	inject(SC_SENDFILE, 1, FOREVER, EINVAL);
	in = file_with(data, n);
	out = tmpfd(0);
	run_init(&r, in, out);
	run_go(&r);
	ok_run(&r, n, "file->file, cfr and sendfile refuse: copied");
	ok_file(out, data, n, "file->file, cfr and sendfile refuse: data");
	ok(ncalls[SC_SPLICE] == 0 && r.res.m[M_READWRITE].bytes == n,
	    "file->file, cfr and sendfile refuse: readwrite, no splice");
	xclose(&in);
	xclose(&out);

	/* Forced. */
	fake_reset();
	in = file_with(data, n);
	out = tmpfd(0);
	run_init(&r, in, out);
	run_single(&r, M_SPLICE);
	run_go(&r);
	ok_run(&r, n, "file->file, forced splice: copied");
	ok_file(out, data, n, "file->file, forced splice: data");
	ok(r.res.m[M_SPLICE].bytes == n && ncalls[SC_CFR] == 0 &&
	    ncalls[SC_SENDFILE] == 0 && ncalls[SC_PWRITE] == 0,
	    "file->file, forced splice: splice alone");
	xclose(&in);
	xclose(&out);

	/* A list that names splice is a restriction, not a force. */
	fake_reset();
	in = file_with(data, n);
	out = tmpfd(0);
	run_init(&r, in, out);
	r.o.methods = M_BIT(M_SPLICE) | M_BIT(M_READWRITE);
	run_go(&r);
	ok_run(&r, n, "file->file, --method=splice,readwrite: copied");
	ok_file(out, data, n, "file->file, --method=splice,readwrite: data");
	if (!is_int(ncalls[SC_SPLICE], 0, "file->file, "
	    "--method=splice,readwrite: no splice (not a single method)"))
		diag_acct(&r);
	xclose(&in);
	xclose(&out);

	/* A forced splice whose DEST half refuses keeps the piped bytes. */
	fake_reset();
	inject(SC_SPLICE, 2, FOREVER, EINVAL);
	in = make_in(K_SOCK, data, n, &p[1]);
	out = tmpfd(0);
	run_init(&r, in, out);
	run_go(&r);
	ok_run(&r, n, "socket->file, DEST refuses splice after SOURCE half: "
	    "copied");
	ok_file(out, data, n, "socket->file, DEST refuses splice after "
	    "SOURCE half: data");
	if (!ok(r.res.m[M_SPLICE].left && r.res.m[M_SPLICE].err == EINVAL &&
	    r.res.m[M_READWRITE].bytes == n, "socket->file, DEST refuses "
	    "splice: left with EINVAL, readwrite moved all"))
		diag_acct(&r);
	xclose(&in);
	xclose(&p[1]);
	free(data);
}

/* Length limits and the descriptor offsets afterwards. */
static void
test_length(void)
{
	static const struct {
		const char	*name;
		enum method	 m;	/* M_COUNT: auto */
		enum method	 via;
	} ff[] = {
		{ "auto", M_COUNT, M_COPY_FILE_RANGE },
		{ "sendfile", M_SENDFILE, M_SENDFILE },
		{ "splice", M_SPLICE, M_SPLICE },
		{ "readwrite", M_READWRITE, M_READWRITE },
	};
	const size_t S = 10000;
	const int64_t lens[] = { LEN_EOF, 9899, 9900, 9901, 0, 1, 9799,
	    9800, 9801 };
	const int64_t plens[] = { LEN_EOF, 9999, 10000, 10001, 0, 1 };
	unsigned char *data = pattern(S, 41), *want;
	struct run r;
	size_t i, j, copied, lim;
	int in, out, p[2], expl, ioff, ooff;
	char name[128];

	for (i = 0; i < sizeof(ff) / sizeof(ff[0]); i++) {
		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			for (expl = 0; expl < 2; expl++) {
				ioff = expl ? 200 : 100;
				ooff = expl ? 300 : 50;
				lim = (size_t)(S - (size_t)ioff);
				copied = lens[j] == LEN_EOF ||
				    (size_t)lens[j] > lim ? lim :
				    (size_t)lens[j];
				snprintf(name, sizeof(name), "file->file %s, "
				    "length %" PRId64 ", %s offsets",
				    ff[i].name, lens[j],
				    expl ? "explicit" : "OFF_FD");

				fake_reset();
				in = file_with(data, S);
				out = tmpfd(0);
				(void)lseek(in, expl ? 7 : ioff, SEEK_SET);
				(void)lseek(out, expl ? 9 : ooff, SEEK_SET);
				run_init(&r, in, out);
				if (ff[i].m != M_COUNT)
					run_single(&r, ff[i].m);
				if (expl) {
					r.req.in_off = ioff;
					r.req.out_off = ooff;
				}
				r.req.length = lens[j];
				r.req.set_in_offset = true;
				r.req.set_out_offset = true;
				run_go(&r);
				ok_run(&r, copied, "%s: copied %zu", name,
				    copied);
				want = calloc(1, (size_t)ooff + copied);
				memcpy(want + ooff, data + ioff, copied);
				ok_file(out, want, copied > 0 ?
				    (size_t)ooff + copied : 0, "%s: data",
				    name);
				free(want);
				if (!ok(curoff(in) == ioff + (off_t)copied &&
				    curoff(out) == ooff + (off_t)copied,
				    "%s: offsets just past the copy", name))
					diag("in at %jd, out at %jd",
					    (intmax_t)curoff(in),
					    (intmax_t)curoff(out));
				if (copied > 0 && !is_int((long long)
				    r.res.m[ff[i].via].bytes, (long long)copied,
				    "%s: via %s", name, method_name(ff[i].via)))
					diag_acct(&r);
				xclose(&in);
				xclose(&out);
			}
		}
	}

	/* pipe->file: never takes more than the length from the pipe. */
	for (i = 0; i < 2; i++) {
		for (j = 0; j < sizeof(plens) / sizeof(plens[0]); j++) {
			copied = plens[j] == LEN_EOF || (size_t)plens[j] > S ?
			    S : (size_t)plens[j];
			snprintf(name, sizeof(name), "pipe->file %s, length "
			    "%" PRId64, i ? "readwrite" : "auto", plens[j]);
			fake_reset();
			pipe_with(p, data, S);
			out = tmpfd(0);
			(void)lseek(out, 50, SEEK_SET);
			run_init(&r, p[0], out);
			if (i)
				run_single(&r, M_READWRITE);
			r.req.length = plens[j];
			r.req.set_in_offset = true;
			r.req.set_out_offset = true;
			run_go(&r);
			ok_run(&r, copied, "%s: copied %zu", name, copied);
			want = calloc(1, 50 + copied);
			memcpy(want + 50, data, copied);
			ok_file(out, want, copied > 0 ? 50 + copied : 0,
			    "%s: data", name);
			free(want);
			is_int(curoff(out), 50 + (off_t)copied, "%s: DEST "
			    "offset just past the copy", name);
			ok_drain(p[0], data + copied, S - copied, "%s: the "
			    "rest is still in the pipe", name);
			xclose(&p[0]);
			xclose(&out);
		}
	}

	/* file->pipe: SOURCE offset. */
	for (i = 0; i < 3; i++) {
		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			copied = lens[j] == LEN_EOF ||
			    (size_t)lens[j] > S - 100 ? S - 100 :
			    (size_t)lens[j];
			snprintf(name, sizeof(name), "file->pipe %s, length "
			    "%" PRId64, i == 0 ? "auto" : i == 1 ? "splice" :
			    "readwrite", lens[j]);
			fake_reset();
			in = file_with(data, S);
			(void)lseek(in, 100, SEEK_SET);
			mkpipe(p);
			run_init(&r, in, p[1]);
			if (i == 1)
				run_single(&r, M_SPLICE);
			if (i == 2)
				run_single(&r, M_READWRITE);
			r.req.length = lens[j];
			r.req.set_in_offset = true;
			r.req.set_out_offset = true;
			run_go(&r);
			xclose(&p[1]);
			ok_run(&r, copied, "%s: copied %zu", name, copied);
			ok_drain(p[0], data + 100, copied, "%s: data", name);
			is_int(curoff(in), 100 + (off_t)copied, "%s: SOURCE "
			    "offset just past the copy", name);
			xclose(&p[0]);
			xclose(&in);
		}
	}
	free(data);
}

/* --skip: a pipe has exactly skip bytes read and discarded. */
static void
test_skip(void)
{
	const size_t S = 10000;
	unsigned char *data = pattern(S, 43);
	struct run r;
	int i, in, out, p[2];
	const char *how;

	for (i = 0; i < 3; i++) {
		how = i == 0 ? "auto" : i == 1 ? "readwrite" :
		    "short reads, EINTR";

		fake_reset();
		if (i == 2) {
			rules[SC_READ].cap = 700;
			inject(SC_READ, 2, 1, EINTR);
		}
		pipe_with(p, data, S);
		out = tmpfd(0);
		run_init(&r, p[0], out);
		if (i == 1)
			run_single(&r, M_READWRITE);
		r.req.skip = 3000;
		r.req.length = 2000;
		run_go(&r);
		ok_run(&r, 2000, "pipe skip 3000 length 2000 (%s): copied",
		    how);
		ok_file(out, data + 3000, 2000, "pipe skip 3000 length 2000 "
		    "(%s): data", how);
		ok_drain(p[0], data + 5000, S - 5000, "pipe skip 3000 length "
		    "2000 (%s): the rest is still in the pipe", how);
		xclose(&p[0]);
		xclose(&out);

		fake_reset();
		pipe_with(p, data, S);
		out = tmpfd(0);
		run_init(&r, p[0], out);
		if (i == 1)
			run_single(&r, M_READWRITE);
		r.req.skip = 3000;
		run_go(&r);
		ok_run(&r, S - 3000, "pipe skip 3000 (%s): copied", how);
		ok_file(out, data + 3000, S - 3000, "pipe skip 3000 (%s): data",
		    how);
		xclose(&p[0]);
		xclose(&out);
	}

	fake_reset();
	pipe_with(p, data, S);
	out = tmpfd(0);
	run_init(&r, p[0], out);
	r.req.skip = 20000;
	run_go(&r);
	ok_run(&r, 0, "pipe skip past the end: nothing copied, no error");
	is_int(fsize(out), 0, "pipe skip past the end: DEST empty");
	xclose(&p[0]);
	xclose(&out);

	/* A seekable SOURCE: skip counts from the offset. */
	fake_reset();
	in = file_with(data, S);
	(void)lseek(in, 100, SEEK_SET);
	out = tmpfd(0);
	run_init(&r, in, out);
	r.req.skip = 50;
	r.req.length = 1000;
	r.req.set_in_offset = true;
	run_go(&r);
	ok_run(&r, 1000, "file OFF_FD 100 skip 50: copied");
	ok_file(out, data + 150, 1000, "file OFF_FD 100 skip 50: data");
	is_int(curoff(in), 1150, "file OFF_FD 100 skip 50: SOURCE offset");
	is_int(ncalls[SC_READ] + ncalls[SC_PREAD], 0, "file skip: nothing "
	    "read to skip");
	xclose(&in);
	xclose(&out);

	fake_reset();
	in = file_with(data, S);
	(void)lseek(in, 100, SEEK_SET);
	out = tmpfd(0);
	run_init(&r, in, out);
	r.req.in_off = 1000;
	r.req.skip = 500;
	run_go(&r);
	ok_run(&r, S - 1500, "file in_off 1000 skip 500: copied");
	ok_file(out, data + 1500, S - 1500, "file in_off 1000 skip 500: "
	    "data");
	xclose(&in);
	xclose(&out);

	fake_reset();
	in = file_with(data, S);
	out = tmpfd(0);
	run_init(&r, in, out);
	r.req.skip = (int64_t)S + 10;
	run_go(&r);
	ok_run(&r, 0, "file skip past the end: nothing copied, no error");
	is_int(fsize(out), 0, "file skip past the end: DEST empty");
	xclose(&in);
	xclose(&out);

	fake_reset();
	in = file_with(data, S);
	out = tmpfd(0);
	run_init(&r, in, out);
	r.req.skip = (int64_t)S + 10;
	r.req.length = 4096;
	run_go(&r);
	ok_run(&r, 0, "file skip past the end, length 4096: nothing copied");
	is_int(fsize(out), 0, "file skip past the end, length 4096: DEST "
	    "empty");
	xclose(&in);
	xclose(&out);

	/* A character device is a stream: skip reads and discards. */
	if ((in = open("/dev/zero", O_RDONLY | O_CLOEXEC)) == -1) {
		skip(3, "no /dev/zero: %s", strerror(errno));
	} else {
		unsigned char *zeros = calloc(1, 100000);

		fake_reset();
		out = file_of(0xFF, 100000);
		run_init(&r, in, out);
		r.req.skip = 5000;
		r.req.length = 100000;
		run_go(&r);
		ok_run(&r, 100000, "/dev/zero skip 5000 length 100000 into "
		    "0xFF: copied");
		ok_file(out, zeros, 100000, "/dev/zero skip 5000 length "
		    "100000 into 0xFF: zeros");
		ok(ncalls[SC_READ] > 0, "/dev/zero skip: read to discard");
		free(zeros);
		xclose(&in);
		xclose(&out);
	}
	free(data);
}

/* Sockets on either side. */
static void
test_sockets(void)
{
	const size_t n = 100000;
	unsigned char *data = pattern(n, 47);
	struct run r;
	int in, keep, out, rd;

	fake_reset();
	in = make_in(K_FILE, data, n, &keep);
	out = make_out(K_SOCK, &rd);
	run_init(&r, in, out);
	run_go(&r);
	ok_run(&r, n, "file->socket: copied");
	/* The default ladder reads and writes here: it measured faster. */
	is_int((long long)r.res.m[M_READWRITE].bytes, (long long)n,
	    "file->socket: via readwrite");
	check_out(K_SOCK, &out, &rd, data, n, "file->socket");
	xclose(&in);

	fake_reset();
	in = make_in(K_SOCK, data, n, &keep);
	out = make_out(K_FILE, &rd);
	run_init(&r, in, out);
	run_go(&r);
	ok_run(&r, n, "socket->file: copied");
	is_int((long long)r.res.m[M_SPLICE].bytes, (long long)n,
	    "socket->file: via splice");
	check_out(K_FILE, &out, &rd, data, n, "socket->file");
	xclose(&in);
	xclose(&keep);

	fake_reset();
	in = make_in(K_SOCK, data, n, &keep);
	out = make_out(K_PIPE, &rd);
	if (fcntl(out, F_SETPIPE_SZ, 1 << 20) == -1)
		bail_out("F_SETPIPE_SZ: %s", strerror(errno));
	run_init(&r, in, out);
	run_go(&r);
	ok_run(&r, n, "socket->pipe: copied");
	is_int((long long)r.res.m[M_SPLICE].bytes, (long long)n,
	    "socket->pipe: via splice");
	check_out(K_PIPE, &out, &rd, data, n, "socket->pipe");
	xclose(&in);
	xclose(&keep);
	free(data);
}

/* An inherited O_APPEND DEST: write(2) only, bytes at the end. */
static void
test_append(void)
{
	const size_t n = 50000;
	unsigned char *data = pattern(n, 53), *want;
	char path[PATH_MAX + 32];
	struct run r;
	int i, in, out, p[2];

	want = xmalloc(n + 4);
	memcpy(want, "HEAD", 4);
	memcpy(want + 4, data, n);
	for (i = 0; i < 2; i++) {
		fake_reset();
		snprintf(path, sizeof(path), "%s/append%d", tmpdir, i);
		out = open(path, O_RDWR | O_CREAT | O_EXCL | O_APPEND |
		    O_CLOEXEC, 0600);
		if (out == -1)
			bail_out("open %s: %s", path, strerror(errno));
		(void)unlink(path);
		write_all(out, "HEAD", 4);
		(void)lseek(out, 0, SEEK_SET);
		if (i == 0)
			in = file_with(data, n);
		else {
			pipe_with(p, data, n);
			in = p[0];
		}
		run_init(&r, in, out);
		r.req.set_out_offset = true;
		run_go(&r);
		ok_run(&r, n, "O_APPEND DEST from a %s: copied",
		    i ? "pipe" : "file");
		ok_file(out, want, n + 4, "O_APPEND DEST from a %s: data at "
		    "the end", i ? "pipe" : "file");
		if (!ok(ncalls[SC_CFR] == 0 && ncalls[SC_SENDFILE] == 0 &&
		    ncalls[SC_SPLICE] == 0 && nbytes[SC_WRITE] == n &&
		    r.res.m[M_READWRITE].bytes == n,
		    "O_APPEND DEST from a %s: write(2) only",
		    i ? "pipe" : "file"))
			diag_acct(&r);
		xclose(&in);
		xclose(&out);
	}
	free(want);
	free(data);
}

/*
 * --sparse.  SOURCE: 4 MiB apparent, three or four islands of data.
 */
#define SP_SIZE		((size_t)4 << 20)

static unsigned char	*sp_want;

static int
sparse_src(bool end_data)
{
	static const struct { size_t off, len; } isl[] = {
		{ 0, 4096 }, { (size_t)1 << 20, 8192 },
		{ ((size_t)3 << 20) + 12345, 100 }, { SP_SIZE - 5000, 5000 },
	};
	unsigned char *d;
	size_t i, n = end_data ? 4 : 3;
	int fd = tmpfd(0);

	if (ftruncate(fd, (off_t)SP_SIZE) == -1)
		bail_out("ftruncate: %s", strerror(errno));
	memset(sp_want, 0, SP_SIZE);
	for (i = 0; i < n; i++) {
		d = pattern(isl[i].len, (uint32_t)(100 + i));
		pwrite_all(fd, d, isl[i].len, (off_t)isl[i].off);
		memcpy(sp_want + isl[i].off, d, isl[i].len);
		free(d);
	}
	return fd;
}

static void
test_sparse(void)
{
	const off_t small = 256 * 1024;
	unsigned char *buf;
	struct run r;
	int in, out, end, p[2];
	char what[64];

	sp_want = xmalloc(SP_SIZE);
	in = sparse_src(false);
	if (fblocks_bytes(in) >= (off_t)SP_SIZE / 2) {
		skip(40, "the filesystem under %s does not keep holes",
		    tmpdir);
		xclose(&in);
		free(sp_want);
		return;
	}
	xclose(&in);

	for (end = 0; end < 2; end++) {
		snprintf(what, sizeof(what), "sparse (ends in %s)",
		    end ? "data" : "a hole");

		/* A fresh DEST: holes stay holes. */
		fake_reset();
		in = sparse_src(end);
		out = tmpfd(0);
		run_init(&r, in, out);
		r.req.set_in_offset = r.req.set_out_offset = true;
		run_go(&r);
		ok_run(&r, SP_SIZE, "%s, fresh DEST: copied", what);
		ok_file(out, sp_want, SP_SIZE, "%s, fresh DEST: data", what);
		if (!ok(fblocks_bytes(out) <= small, "%s, fresh DEST: holes "
		    "kept", what))
			diag("DEST has %jd bytes allocated",
			    (intmax_t)fblocks_bytes(out));
		ok(curoff(in) == (off_t)SP_SIZE && curoff(out) ==
		    (off_t)SP_SIZE, "%s, fresh DEST: offsets at the end",
		    what);
		xclose(&in);
		xclose(&out);

		/* Old bytes everywhere: holes become zeros. */
		fake_reset();
		in = sparse_src(end);
		out = file_of(0xFF, SP_SIZE);
		run_init(&r, in, out);
		run_go(&r);
		ok_run(&r, SP_SIZE, "%s, 0xFF DEST not truncated: copied",
		    what);
		ok_file(out, sp_want, SP_SIZE, "%s, 0xFF DEST not truncated: "
		    "no stale bytes", what);
		xclose(&in);
		xclose(&out);

		/* Old bytes in the first half only. */
		fake_reset();
		in = sparse_src(end);
		out = file_of(0xFF, SP_SIZE / 2);
		run_init(&r, in, out);
		run_go(&r);
		ok_run(&r, SP_SIZE, "%s, 2 MiB of 0xFF DEST: copied", what);
		ok_file(out, sp_want, SP_SIZE, "%s, 2 MiB of 0xFF DEST: data",
		    what);
		xclose(&in);
		xclose(&out);

		/* No hole punching here: zeros are written. */
		fake_reset();
		inject(SC_FALLOCATE, 1, FOREVER, EOPNOTSUPP);
		in = sparse_src(end);
		out = file_of(0xFF, SP_SIZE);
		run_init(&r, in, out);
		run_go(&r);
		ok_run(&r, SP_SIZE, "%s, 0xFF DEST, no punching: copied", what);
		ok_file(out, sp_want, SP_SIZE, "%s, 0xFF DEST, no punching: "
		    "zeros written", what);
		ok(ncalls[SC_FALLOCATE] > 0, "%s, 0xFF DEST, no punching: "
		    "punching was tried", what);
		xclose(&in);
		xclose(&out);

		/* --seek into a bigger old DEST. */
		fake_reset();
		in = sparse_src(end);
		out = file_of(0xFF, SP_SIZE + SP_SIZE / 2);
		run_init(&r, in, out);
		r.req.out_off = 8192;
		run_go(&r);
		ok_run(&r, SP_SIZE, "%s, seek 8192 into 6 MiB of 0xFF: copied",
		    what);
		buf = xmalloc(SP_SIZE + SP_SIZE / 2);
		memset(buf, 0xFF, SP_SIZE + SP_SIZE / 2);
		memcpy(buf + 8192, sp_want, SP_SIZE);
		ok_file(out, buf, SP_SIZE + SP_SIZE / 2, "%s, seek 8192 into "
		    "6 MiB of 0xFF: data, old bytes around it", what);
		free(buf);
		xclose(&in);
		xclose(&out);

		/* readwrite keeps holes too. */
		fake_reset();
		in = sparse_src(end);
		out = tmpfd(0);
		run_init(&r, in, out);
		run_single(&r, M_READWRITE);
		run_go(&r);
		ok_run(&r, SP_SIZE, "%s, readwrite: copied", what);
		ok_file(out, sp_want, SP_SIZE, "%s, readwrite: data", what);
		ok(fblocks_bytes(out) <= small, "%s, readwrite: holes kept",
		    what);
		xclose(&in);
		xclose(&out);

		/* A length that ends in a hole. */
		fake_reset();
		in = sparse_src(end);
		out = tmpfd(0);
		run_init(&r, in, out);
		r.req.length = (int64_t)SP_SIZE / 2;
		run_go(&r);
		ok_run(&r, SP_SIZE / 2, "%s, length 2 MiB: copied", what);
		ok_file(out, sp_want, SP_SIZE / 2, "%s, length 2 MiB: data and "
		    "size", what);
		xclose(&in);
		xclose(&out);

		/* --sparse=never writes every byte. */
		fake_reset();
		in = sparse_src(end);
		out = tmpfd(0);
		run_init(&r, in, out);
		r.o.sparse = SPARSE_NEVER;
		run_go(&r);
		ok_run(&r, SP_SIZE, "%s, --sparse=never: copied", what);
		ok_file(out, sp_want, SP_SIZE, "%s, --sparse=never: data",
		    what);
		ok(fblocks_bytes(out) >= (off_t)SP_SIZE, "%s, --sparse=never: "
		    "every block written", what);
		xclose(&in);
		xclose(&out);
	}

	/* From inside a hole, a bounded range over old bytes. */
	fake_reset();
	in = sparse_src(false);
	out = file_of(0xFF, SP_SIZE);
	run_init(&r, in, out);
	r.req.in_off = 512 * 1024;
	r.req.out_off = 0;
	r.req.length = 1 << 20;
	run_go(&r);
	ok_run(&r, 1 << 20, "sparse SOURCE from a hole, 1 MiB over 0xFF: "
	    "copied");
	buf = xmalloc(SP_SIZE);
	memset(buf, 0xFF, SP_SIZE);
	memcpy(buf, sp_want + 512 * 1024, 1 << 20);
	ok_file(out, buf, SP_SIZE, "sparse SOURCE from a hole, 1 MiB over "
	    "0xFF: data, old bytes after it");
	free(buf);
	xclose(&in);
	xclose(&out);

	/* No SEEK_DATA on SOURCE's filesystem: the rest is data. */
	fake_reset();
	inject(SC_LSEEK, 1, 1, EINVAL);
	in = sparse_src(true);
	out = tmpfd(0);
	run_init(&r, in, out);
	run_go(&r);
	ok_run(&r, SP_SIZE, "sparse SOURCE, SEEK_DATA says EINVAL: copied");
	ok_file(out, sp_want, SP_SIZE, "sparse SOURCE, SEEK_DATA says EINVAL: "
	    "data");
	xclose(&in);
	xclose(&out);

	/* SEEK_DATA failing for real is a read error. */
	fake_reset();
	inject(SC_LSEEK, 1, FOREVER, EIO);
	in = sparse_src(true);
	out = tmpfd(0);
	run_init(&r, in, out);
	run_go(&r);
	ok(r.rc == -1 && r.res.err == EIO && r.res.err_side == SIDE_READ,
	    "sparse SOURCE, SEEK_DATA says EIO: a read error");
	xclose(&in);
	xclose(&out);

	/* Skipping past the end of a sparse SOURCE copies nothing. */
	fake_reset();
	in = sparse_src(false);
	out = tmpfd(0);
	run_init(&r, in, out);
	r.req.in_off = 0;
	r.req.skip = (int64_t)SP_SIZE + (1 << 20);
	r.req.length = 4096;
	run_go(&r);
	ok_run(&r, 0, "sparse SOURCE, skip past the end, length 4096: "
	    "nothing copied");
	is_int(fsize(out), 0, "sparse SOURCE, skip past the end, length "
	    "4096: DEST stays empty");
	xclose(&in);
	xclose(&out);

	/* --sparse=always turns zero blocks from a pipe into holes. */
	for (end = 0; end < 2; end++) {
		buf = pattern(65536, 59);
		memset(buf + 16384, 0, end ? 49152 : 32768);
		fake_reset();
		pipe_with(p, buf, 65536);
		out = tmpfd(0);
		run_init(&r, p[0], out);
		r.o.sparse = SPARSE_ALWAYS;
		run_go(&r);
		snprintf(what, sizeof(what), "--sparse=always from a pipe, "
		    "%s", end ? "zeros at the end" : "zeros inside");
		ok_run(&r, 65536, "%s: copied", what);
		ok_file(out, buf, 65536, "%s: data and size", what);
		if (!ok(fblocks_bytes(out) <= (end ? 16384 : 32768) + 8192,
		    "%s: zero blocks are holes", what))
			diag("DEST has %jd bytes allocated",
			    (intmax_t)fblocks_bytes(out));
		xclose(&p[0]);
		xclose(&out);

		/* The same from a file, which is not sparse itself. */
		fake_reset();
		in = file_with(buf, 65536);
		out = tmpfd(0);
		run_init(&r, in, out);
		r.o.sparse = SPARSE_ALWAYS;
		run_go(&r);
		snprintf(what, sizeof(what), "--sparse=always from a file, "
		    "%s", end ? "zeros at the end" : "zeros inside");
		ok_run(&r, 65536, "%s: copied", what);
		ok_file(out, buf, 65536, "%s: data and size", what);
		if (!ok(fblocks_bytes(out) <= (end ? 16384 : 32768) + 8192,
		    "%s: zero blocks are holes", what))
			diag("DEST has %jd bytes allocated",
			    (intmax_t)fblocks_bytes(out));
		xclose(&in);
		xclose(&out);

		/* Over old bytes: the zero blocks must read as zeros. */
		fake_reset();
		pipe_with(p, buf, 65536);
		out = file_of(0xFF, 65536);
		run_init(&r, p[0], out);
		r.o.sparse = SPARSE_ALWAYS;
		run_go(&r);
		snprintf(what, sizeof(what), "--sparse=always over 0xFF, %s",
		    end ? "zeros at the end" : "zeros inside");
		ok_run(&r, 65536, "%s: copied", what);
		ok_file(out, buf, 65536, "%s: no stale bytes", what);
		xclose(&p[0]);
		xclose(&out);
		free(buf);
	}
	free(sp_want);
}

/* -vv: the trace hook hears of every method left, with its errno. */
struct heard {
	int	n;
	int	m[8], err[8];
	bool	why[8];
};

static void
hear(void *arg, enum method m, int err, const char *why)
{
	struct heard *h = arg;

	if (h->n < 8) {
		h->m[h->n] = m;
		h->err[h->n] = err;
		h->why[h->n] = why != NULL;
	}
	h->n++;
}

static void
test_trace(void)
{
	const size_t n = 20000;
	unsigned char *data = pattern(n, 61);
	struct heard h;
	struct run r;
	int i, in, out, found;

	fake_reset();
	inject(SC_CFR, 1, FOREVER, EXDEV);
	in = file_with(data, n);
	out = tmpfd(0);
	run_init(&r, in, out);
	memset(&h, 0, sizeof(h));
	r.o.trace = hear;
	r.o.trace_arg = &h;
	run_go(&r);
	ok_run(&r, n, "trace: copied");
	ok_file(out, data, n, "trace: data");
	for (i = found = 0; i < h.n && i < 8; i++)
		if (h.m[i] == M_COPY_FILE_RANGE && h.err[i] == EXDEV)
			found++;
	ok(found == 1, "trace: copy_file_range left with EXDEV, told once");
	for (i = found = 0; i < h.n && i < 8; i++)
		if (h.m[i] == M_SENDFILE)
			found++;
	is_int(found, 0, "trace: nothing said about sendfile, which worked");
	xclose(&in);
	xclose(&out);
	free(data);
}

int
main(void)
{
	const char *t;

	(void)signal(SIGPIPE, SIG_IGN);
	pagesize = sysconf(_SC_PAGESIZE);
	if ((t = getenv("TMPDIR")) == NULL || *t == '\0')
		t = "/tmp";
	snprintf(tmpdir, sizeof(tmpdir), "%s/kcp-engine-test.XXXXXX", t);
	if (mkdtemp(tmpdir) == NULL)
		bail_out("mkdtemp %s: %s", tmpdir, strerror(errno));
	fake_install();

	test_matrix();
	test_probe_cache();
	test_fallback_unsupported();
	test_error_after_bytes();
	test_terminal();
	test_zero_return();
	test_eoverflow();
	test_short_eintr();
	test_nonblock();
	test_splice_choice();
	test_length();
	test_skip();
	test_sockets();
	test_append();
	test_sparse();
	test_trace();

	kcp_sys = &kcp_sys_real;
	engine_reset();
	if (rmdir(tmpdir) == -1)
		diag("rmdir %s: %s", tmpdir, strerror(errno));
	return done_testing();
}
