/*
 * One function per kernel path.  Each moves bytes for the transfer in x
 * until its range is done or SOURCE ends, and says done, fall back, or
 * error.  Positions live in x, so the next method continues exactly where
 * the last one stopped.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/fs.h>
#include <linux/falloc.h>

#include "offload.h"
#include "xio.h"

/* Per-call caps (SPEC section 5). */
#define CFR_CAP		((size_t)1 << 30)
#define SPLICE_CAP	((size_t)0x7ffff000)

static ssize_t
sys_copy_file_range(int in, off_t *inoff, int out, off_t *outoff, size_t len,
    unsigned int flags)
{
#if HAVE_COPY_FILE_RANGE
	return copy_file_range(in, inoff, out, outoff, len, flags);
#else
	errno = ENOSYS;
	return -1;
#endif
}

static ssize_t
sys_sendfile(int out, int in, off_t *inoff, size_t len)
{
#if HAVE_SENDFILE
	return sendfile(out, in, inoff, len);
#else
	errno = ENOSYS;
	return -1;
#endif
}

static ssize_t
sys_splice(int in, off_t *inoff, int out, off_t *outoff, size_t len,
    unsigned int flags)
{
#if HAVE_SPLICE
	return splice(in, inoff, out, outoff, len, flags);
#else
	errno = ENOSYS;
	return -1;
#endif
}

static int
sys_clone(int out, int in)
{
#if HAVE_DECL_FICLONE
	return ioctl(out, FICLONE, in);
#else
	errno = ENOSYS;
	return -1;
#endif
}

static int
sys_clone_range(int out, int in, off_t inoff, off_t len, off_t outoff)
{
#if HAVE_DECL_FICLONERANGE
	struct file_clone_range r;

	r.src_fd = in;
	r.src_offset = (uint64_t)inoff;
	r.src_length = (uint64_t)len;
	r.dest_offset = (uint64_t)outoff;
	return ioctl(out, FICLONERANGE, &r);
#else
	errno = ENOSYS;
	return -1;
#endif
}

static int
sys_fallocate(int fd, int mode, off_t off, off_t len)
{
	return fallocate(fd, mode, off, len);
}

const struct sysops kcp_sys_real = {
	.copy_file_range = sys_copy_file_range,
	.sendfile = sys_sendfile,
	.splice = sys_splice,
	.read = read,
	.write = write,
	.pread = pread,
	.pwrite = pwrite,
	.clone = sys_clone,
	.clone_range = sys_clone_range,
	.lseek = lseek,
	.fallocate = sys_fallocate,
};

const struct sysops *kcp_sys = &kcp_sys_real;

/*
 * The per-process probe cache: a call the kernel does not have (ENOSYS) or
 * that a seccomp filter forbids (EPERM) is not tried again in this run.
 */
static bool	disabled[M_COUNT];

/* One internal pipe per run, for splice between two non-pipes. */
static int	ipipe[2] = { -1, -1 };
static size_t	ipipe_size;

bool
offload_disabled(enum method m)
{
	return disabled[m];
}

void
offload_release(void)
{
	if (ipipe[0] != -1) {
		close(ipipe[0]);
		close(ipipe[1]);
		ipipe[0] = ipipe[1] = -1;
	}
}

void
offload_reset(void)
{
	memset(disabled, 0, sizeof(disabled));
	offload_release();
}

/* "Not supported here": leave the method if it has moved nothing yet. */
bool
errno_unsupported(int e)
{
	switch (e) {
	case ENOSYS:
	case EXDEV:
	case EINVAL:
	case EPERM:
	case EOPNOTSUPP:
#if ENOTSUP != EOPNOTSUPP
	case ENOTSUP:
#endif
	case EBADF:
	case ETXTBSY:
	case ENOTTY:
	case EACCES:
	case ENOENT:
	case EFBIG:
		return true;
	default:
		return false;
	}
}

/* Which side an offload errno speaks of, where it says. */
static enum err_side
errno_side(int e)
{
	switch (e) {
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
	case EPIPE:
	case EROFS:
		return SIDE_WRITE;
	default:
		return SIDE_UNKNOWN;
	}
}

/*
 * A side to poll(2) after EAGAIN: anything but a file.  Not only the sides
 * that were non-blocking at the start: O_NONBLOCK belongs to the open file
 * description, which another process may change at any time, and poll
 * returns at once for a side that is ready.
 */
static bool
pollable(const struct fdinfo *fi)
{
	return fi->type != FT_REG && fi->type != FT_BLK;
}

static uint64_t
moved(const struct xfer *x)
{
	return x->res->m[x->cur].bytes;
}

/*
 * Decide what a failed call means.  Fall back only while this method has
 * moved nothing and the errno says "not supported here"; EOVERFLOW falls
 * back keeping what moved; anything else is a real error.
 */
static enum step
failed(struct xfer *x, int e)
{
	x->err = e;
	x->err_side = errno_side(e);
	if (e == EOVERFLOW)
		return STEP_NEXT;
	if (moved(x) == 0 && errno_unsupported(e)) {
		if (e == ENOSYS || e == EPERM)
			disabled[x->cur] = true;
		return STEP_NEXT;
	}
	return STEP_ERROR;
}

/* Drop copied pages every so often under --nocache. */
#define DROP_EVERY	((uint64_t)32 << 20)

void
offload_drop_cache(struct xfer *x, bool force)
{
	if (!x->opts->nocache ||
	    (!force && x->res->bytes - x->drop_at < DROP_EVERY))
		return;
	x->drop_at = x->res->bytes;
	if (x->in_seek && x->in_pos > x->in_mark) {
		(void)posix_fadvise(x->in, x->in_mark, x->in_pos - x->in_mark,
		    POSIX_FADV_DONTNEED);
		x->in_mark = x->in_pos;
	}
	if (x->out_seek && x->out_pos > x->out_mark) {
		/* Dirty pages cannot be dropped: write them out first. */
		(void)sync_file_range(x->out, x->out_mark,
		    x->out_pos - x->out_mark, SYNC_FILE_RANGE_WAIT_BEFORE |
		    SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
		(void)posix_fadvise(x->out, x->out_mark,
		    x->out_pos - x->out_mark, POSIX_FADV_DONTNEED);
		x->out_mark = x->out_pos;
	}
}

/* A tick that came while a call was blocked (see xio_on_tick). */
void
offload_tick(void *arg)
{
	struct xfer *x = arg;

	xio_tick = 0;
	if (x->opts->progress != NULL)
		x->opts->progress(x->opts->progress_arg, x->res, x->cur);
}

/*
 * Between two calls: serve a progress tick, drop pages under --nocache,
 * and notice SIGINT or SIGTERM.  True means stop now.
 */
static bool
pause_point(struct xfer *x)
{
	if (xio_tick)
		offload_tick(x);
	offload_drop_cache(x, false);
	if (xio_stop) {
		x->err = EINTR;
		x->err_side = SIDE_UNKNOWN;
		return true;
	}
	return false;
}

/* Count n bytes moved by the current method; true means stop now. */
static bool
account(struct xfer *x, uint64_t n)
{
	x->res->m[x->cur].bytes += n;
	x->res->bytes += n;
	return pause_point(x);
}

static size_t
want(const struct xfer *x, size_t cap)
{
	if (x->opts->chunk > 0 && x->opts->chunk < cap)
		cap = x->opts->chunk;
	return x->left < cap ? (size_t)x->left : cap;
}

/*
 * A zero return before this method moved anything, from a regular SOURCE
 * that is not known to be at its end, is the procfs/sysfs quirk: fall back
 * and let the next method read it.
 */
static enum step
at_zero(struct xfer *x)
{
	/* A forced method on an empty file has simply reached its end. */
	if (moved(x) == 0 && x->ii->type == FT_REG &&
	    ((x->in_size == 0 && !x->opts->single) ||
	    x->in_pos < x->in_size)) {
		x->err = ENODATA;
		return STEP_NEXT;
	}
	x->eof = true;
	return STEP_DONE;
}

static bool
advance(struct xfer *x, size_t n)
{
	x->left -= n;
	return account(x, n);
}

/*
 * After an offload call failed: true to make it again (EINTR with no stop
 * asked for, EAGAIN once the sides are ready).  False leaves errno for
 * failed(): EINTR after a stop, which is a real error.
 */
static bool
again(struct xfer *x, int in, bool in_poll, int out, bool out_poll)
{
	if (errno == EINTR) {
		if (!pause_point(x))
			return true;
		errno = EINTR;
		return false;
	}
	return xio_again(errno) &&
	    xio_wait_pair(in, in_poll, out, out_poll) == 0;
}

enum step
off_clone(struct xfer *x)
{
	off_t len, blk;
	int r;

	if (x->in_pos >= x->in_size && (x->in_size > 0 || x->in_pos > 0)) {
		x->eof = true;		/* nothing left to share */
		return STEP_DONE;
	}
	len = x->in_size - x->in_pos;
	if (x->bounded && (uint64_t)len > x->left)
		len = (off_t)x->left;

	/* FICLONE takes the whole file as it is now: only without a bound. */
	if (x->in_pos == 0 && x->out_pos == 0 && x->out_fresh_from == 0 &&
	    len == x->in_size && !x->bounded) {
		r = kcp_sys->clone(x->out, x->in);
	} else {
		/*
		 * A range must start on block boundaries in both files and
		 * be a whole number of blocks, unless it ends at EOF.
		 */
		blk = x->oi->st.st_blksize > 0 ? x->oi->st.st_blksize : 4096;
		if (x->in_pos % blk != 0 || x->out_pos % blk != 0 ||
		    (len % blk != 0 && x->in_pos + len != x->in_size)) {
			if (x->opts->reflink != REFLINK_ALWAYS) {
				x->err = 0;	/* not a clone: no call made */
				x->why = "range not block-aligned";
				return STEP_NEXT;
			}
			x->err = EINVAL;
			x->err_side = SIDE_UNKNOWN;
			return STEP_ERROR;
		}
		r = kcp_sys->clone_range(x->out, x->in, x->in_pos, len,
		    x->out_pos);
	}
	if (r == -1) {
		x->err = errno;
		x->err_side = SIDE_UNKNOWN;
		if (x->opts->reflink == REFLINK_ALWAYS)
			return STEP_ERROR;
		return errno_unsupported(errno) ? STEP_NEXT : STEP_ERROR;
	}
	x->in_pos += len;
	x->out_pos += len;
	if (advance(x, (size_t)len))
		return STEP_ERROR;
	if (!x->bounded || x->in_pos >= x->in_size)
		x->eof = true;
	return STEP_DONE;
}

enum step
off_copy_file_range(struct xfer *x)
{
	ssize_t n;

	while (x->left > 0) {
		n = kcp_sys->copy_file_range(x->in, &x->in_pos, x->out,
		    &x->out_pos, want(x, CFR_CAP), 0);
		if (n > 0) {
			if (advance(x, (size_t)n))
				return STEP_ERROR;
			continue;
		}
		if (n == 0)
			return at_zero(x);
		if (again(x, x->in, pollable(x->ii), x->out,
		    pollable(x->oi)))
			continue;
		return failed(x, errno);
	}
	return STEP_DONE;
}

enum step
off_sendfile(struct xfer *x)
{
	ssize_t n;

	/* sendfile writes at DEST's own offset: put it where we are. */
	if (x->out_seek && kcp_sys->lseek(x->out, x->out_pos, SEEK_SET) == -1)
		return failed(x, errno);
	while (x->left > 0) {
		n = kcp_sys->sendfile(x->out, x->in,
		    x->in_seek ? &x->in_pos : NULL, want(x, SPLICE_CAP));
		if (n > 0) {
			if (x->out_seek)
				x->out_pos += n;
			if (advance(x, (size_t)n))
				return STEP_ERROR;
			continue;
		}
		if (n == 0)
			return at_zero(x);
		if (again(x, x->in, pollable(x->ii), x->out,
		    pollable(x->oi)))
			continue;
		return failed(x, errno);
	}
	return STEP_DONE;
}

/* Splice once, restarting on EINTR and waiting out EAGAIN. */
static ssize_t
splice_once(struct xfer *x, int in, off_t *inoff, bool in_poll, int out,
    off_t *outoff, bool out_poll, size_t len)
{
	ssize_t n;

	for (;;) {
		n = kcp_sys->splice(in, inoff, out, outoff, len,
		    SPLICE_F_MOVE | SPLICE_F_MORE);
		if (n >= 0)
			return n;
		if (again(x, in, in_poll, out, out_poll))
			continue;
		return -1;
	}
}

static int
ipipe_open(size_t size)
{
	if (ipipe[0] != -1)
		return 0;
	if (pipe2(ipipe, O_CLOEXEC) == -1)
		return -1;
	/* A bigger pipe means fewer calls; the kernel may refuse. */
	(void)fcntl(ipipe[1], F_SETPIPE_SZ, (int)size);
	ipipe_size = (size_t)fcntl(ipipe[1], F_GETPIPE_SZ);
	if (ipipe_size == (size_t)-1 || ipipe_size == 0)
		ipipe_size = 65536;
	return 0;
}

/*
 * Move n bytes already in the internal pipe to DEST with read and write:
 * used when DEST refuses splice after SOURCE's side succeeded, so that no
 * byte taken from SOURCE is lost.
 */
static enum step
ipipe_drain_rw(struct xfer *x, size_t n)
{
	char tmp[65536];
	ssize_t r;
	size_t w;

	while (n > 0) {
		r = xio_read(ipipe[0], tmp, n < sizeof(tmp) ? n : sizeof(tmp),
		    -1);
		if (r <= 0) {
			x->err = r == 0 ? EIO : errno;
			x->err_side = SIDE_UNKNOWN;
			offload_release();
			return STEP_ERROR;
		}
		w = xio_write_all(x->out, tmp, (size_t)r,
		    x->out_seek ? x->out_pos : -1);
		if (x->out_seek)
			x->out_pos += (off_t)w;
		x->res->m[M_READWRITE].bytes += w;
		x->res->bytes += w;
		if (w < (size_t)r) {
			x->err = errno;
			x->err_side = SIDE_WRITE;
			offload_release();
			return STEP_ERROR;
		}
		n -= (size_t)r;
	}
	return STEP_NEXT;
}

/* Neither side is a pipe: go through the one internal pipe. */
static enum step
splice_via_pipe(struct xfer *x)
{
	ssize_t n, m;
	size_t pending;
	enum step st;
	int e;

	if (ipipe_open(x->bufsize) == -1)
		return failed(x, errno);
	while (x->left > 0) {
		n = splice_once(x, x->in, x->in_seek ? &x->in_pos : NULL,
		    pollable(x->ii), ipipe[1], NULL, false,
		    want(x, ipipe_size));
		if (n == 0)
			return at_zero(x);
		if (n < 0)
			return failed(x, errno);
		x->left -= (size_t)n;
		for (pending = (size_t)n; pending > 0; pending -= (size_t)m) {
			m = splice_once(x, ipipe[0], NULL, false, x->out,
			    x->out_seek ? &x->out_pos : NULL, pollable(x->oi),
			    pending);
			if (m > 0) {
				if (account(x, (size_t)m))
					return STEP_ERROR;
				continue;
			}
			e = m == 0 ? EIO : errno;
			st = failed(x, e);
			if (st == STEP_NEXT) {
				/* Keep the bytes already taken from SOURCE. */
				if (ipipe_drain_rw(x, pending) == STEP_ERROR)
					return STEP_ERROR;
				x->err = e;
				return STEP_NEXT;
			}
			offload_release();	/* never reuse a dirty pipe */
			/* SOURCE's offset: just past the bytes copied. */
			if (x->in_seek)
				x->in_pos -= (off_t)pending;
			x->left += pending;
			return st;
		}
	}
	return STEP_DONE;
}

enum step
off_splice(struct xfer *x)
{
	ssize_t n;

	if (x->ii->type != FT_PIPE && x->oi->type != FT_PIPE)
		return splice_via_pipe(x);
	while (x->left > 0) {
		n = splice_once(x, x->in, x->in_seek ? &x->in_pos : NULL,
		    pollable(x->ii), x->out, x->out_seek ? &x->out_pos : NULL,
		    pollable(x->oi), want(x, SPLICE_CAP));
		if (n > 0) {
			if (advance(x, (size_t)n))
				return STEP_ERROR;
			continue;
		}
		if (n == 0)
			return at_zero(x);
		return failed(x, errno);
	}
	return STEP_DONE;
}

static bool
all_zero(const char *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/*
 * Make DEST's [off, off + len) read as zeros: beyond what DEST held at the
 * start it already does; below that, punch a hole, or write zeros where
 * the filesystem cannot punch.
 */
int
offload_zero_range(struct xfer *x, off_t off, off_t len)
{
	static const char zeros[65536];
	off_t stale_end;
	size_t chunk, w;

	if (off + len > x->out_fresh_from)
		x->extend = true;
	stale_end = off + len < x->out_fresh_from ? off + len :
	    x->out_fresh_from;
	if (off >= stale_end)
		return 0;
	len = stale_end - off;
	if (kcp_sys->fallocate(x->out, FALLOC_FL_PUNCH_HOLE |
	    FALLOC_FL_KEEP_SIZE, off, len) == 0)
		return 0;
	/* Writing zeros answers "cannot punch here", never a real error. */
	if (!errno_unsupported(errno))
		return -1;
	while (len > 0) {
		chunk = len < (off_t)sizeof(zeros) ? (size_t)len :
		    sizeof(zeros);
		w = xio_write_all(x->out, zeros, chunk, off);
		if (w < chunk)
			return -1;
		off += (off_t)chunk;
		len -= (off_t)chunk;
	}
	return 0;
}

/* Write a run of data, or make a run of zero blocks a hole. */
static int
flush_run(struct xfer *x, const char *p, size_t len, off_t at, bool zero)
{
	if (zero)
		return offload_zero_range(x, at, (off_t)len);
	return xio_write_all(x->out, p, len, at) < len ? -1 : 0;
}

/*
 * Write n bytes at DEST's position, turning zero-filled blocks into holes
 * (--sparse=always).  Runs of data and of zeros are each one call.
 */
static int
write_sparse(struct xfer *x, const char *p, size_t n)
{
	size_t blk, i, run, piece;
	bool zero, runzero = false;
	const off_t base = x->out_pos;

	blk = x->oi->st.st_blksize > 0 ? (size_t)x->oi->st.st_blksize : 4096;
	/* Blocks are DEST's: cut the buffer where DEST's blocks begin. */
	for (i = run = 0; i < n; i += piece) {
		piece = blk - (size_t)((base + (off_t)i) % (off_t)blk);
		if (piece > n - i)
			piece = n - i;
		zero = piece == blk && all_zero(p + i, piece);
		if (run > 0 && zero != runzero) {
			if (flush_run(x, p + i - run, run,
			    base + (off_t)(i - run), runzero) == -1)
				return -1;
			run = 0;
		}
		runzero = zero;
		run += piece;
	}
	if (run > 0 && flush_run(x, p + n - run, run, base + (off_t)(n - run),
	    runzero) == -1)
		return -1;
	return 0;
}

/*
 * Fill the buffer for --sparse=always so that it ends on one of DEST's
 * block boundaries: zero blocks can only be found whole.  Reads until the
 * buffer is full or SOURCE ends, never past what is wanted.
 */
static ssize_t
read_blocks(struct xfer *x, size_t len)
{
	size_t blk, got = 0;
	ssize_t n;

	blk = x->oi->st.st_blksize > 0 ? (size_t)x->oi->st.st_blksize : 4096;
	len -= (size_t)(x->out_pos % (off_t)blk);
	if (len > x->left)
		len = (size_t)x->left;
	while (got < len) {
		n = xio_read(x->in, x->buf + got, len - got,
		    x->in_seek ? x->in_pos + (off_t)got : -1);
		if (n < 0)
			return got > 0 ? (ssize_t)got : -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/*
 * O_DIRECT wants aligned offsets and lengths; a tail that is not aligned
 * is moved through the page cache instead.  True if O_DIRECT was on.
 */
static bool
direct_off(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1 || !(fl & O_DIRECT))
		return false;
	return fcntl(fd, F_SETFL, fl & ~O_DIRECT) == 0;
}

enum step
off_readwrite(struct xfer *x)
{
	ssize_t n;
	size_t w;
	bool sparse;

	if (x->buf == NULL &&
	    posix_memalign((void **)&x->buf, 4096, x->bufsize) != 0) {
		x->err = ENOMEM;
		x->err_side = SIDE_UNKNOWN;
		return STEP_ERROR;
	}
	sparse = x->zero_holes && x->out_seek && x->oi->type == FT_REG;
	while (x->left > 0) {
		if (sparse)
			n = read_blocks(x, x->bufsize);
		else
			n = xio_read(x->in, x->buf, want(x, x->bufsize),
			    x->in_seek ? x->in_pos : -1);
		if (n < 0 && errno == EINVAL && direct_off(x->in))
			continue;	/* an unaligned tail under O_DIRECT */
		if (n < 0) {
			x->err = errno;
			x->err_side = SIDE_READ;
			return STEP_ERROR;
		}
		if (n == 0) {
			x->eof = true;
			return STEP_DONE;
		}
		if (x->in_seek)
			x->in_pos += n;
		x->left -= (size_t)n;
		if (sparse) {
			if (write_sparse(x, x->buf, (size_t)n) == -1) {
				x->err = errno;
				x->err_side = SIDE_WRITE;
				return STEP_ERROR;
			}
			w = (size_t)n;
		} else {
			w = xio_write_all(x->out, x->buf, (size_t)n,
			    x->out_seek ? x->out_pos : -1);
			if (w < (size_t)n && errno == EINVAL &&
			    direct_off(x->out))
				w += xio_write_all(x->out, x->buf + w,
				    (size_t)n - w,
				    x->out_seek ? x->out_pos + (off_t)w : -1);
		}
		if (x->out_seek)
			x->out_pos += (off_t)w;
		if (w < (size_t)n) {
			x->err = errno;
			x->err_side = SIDE_WRITE;
			/* SOURCE's offset stays just past the bytes copied. */
			if (x->in_seek)
				x->in_pos -= (off_t)((size_t)n - w);
			(void)account(x, w);
			return STEP_ERROR;
		}
		if (account(x, w))
			return STEP_ERROR;
	}
	return STEP_DONE;
}
