/*
 * One function per kernel path.  Each moves bytes for the transfer in x
 * until its range is done or SOURCE ends, and says done, fall back, or
 * error.  Positions live in x, so the next method continues exactly where
 * the last one stopped.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys.h"
#include "xfer.h"
#include "xio.h"

/* Per-call caps (kcp(1), Rules of the individual methods). */
#define CFR_CAP		((size_t)1 << 30)
#define SPLICE_CAP	((size_t)0x7ffff000)

/* One internal pipe per thread, for splice between two non-pipes. */
static _Thread_local int	ipipe[2] = { -1, -1 };
static _Thread_local size_t	ipipe_size;

void
offload_pipe_close(void)
{
	if (ipipe[0] != -1) {
		(void)close(ipipe[0]);
		(void)close(ipipe[1]);
		ipipe[0] = ipipe[1] = -1;
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
	return !fdinfo_is_file(fi->type);
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
	if (errno_partial(e))
		return STEP_NEXT;	/* keeping the bytes it moved */
	if (errno_terminal(e) || moved(x) > 0)
		return STEP_ERROR;
	if (e == ENOSYS || e == EPERM)
		sys_disable(x->cur);	/* not again in this process */
	return STEP_NEXT;
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
	if (moved(x) == 0 && x->in_fi->type == FT_REG &&
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
	return xfer_account(x, n);
}

enum step
offload_clone(struct xfer *x)
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
		blk = (off_t)fdinfo_blksize(x->out_fi);
		if (!xfer_clone_aligned(x->in_pos, x->out_pos, len, x->in_size,
		    blk)) {
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
offload_copy_file_range(struct xfer *x)
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
		if (xio_retry(x->in, pollable(x->in_fi), x->out,
		    pollable(x->out_fi)))
			continue;
		return failed(x, errno);
	}
	return STEP_DONE;
}

enum step
offload_sendfile(struct xfer *x)
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
		if (xio_retry(x->in, pollable(x->in_fi), x->out,
		    pollable(x->out_fi)))
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
		if (xio_retry(in, in_poll, out, out_poll))
			continue;
		return -1;
	}
}

static int
ipipe_open(size_t size)
{
	if (ipipe[0] != -1)
		return 0;
	if (kcp_sys->pipe2(ipipe, O_CLOEXEC) == -1)
		return -1;
	/* A bigger pipe means fewer calls; the kernel may refuse. */
	(void)kcp_sys->fcntl(ipipe[1], F_SETPIPE_SZ, (int)size);
	ipipe_size = (size_t)kcp_sys->fcntl(ipipe[1], F_GETPIPE_SZ, 0);
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
			offload_pipe_close();
			return STEP_ERROR;
		}
		w = xio_write_all(x->out, tmp, (size_t)r,
		    x->out_seek ? x->out_pos : -1);
		if (x->out_seek)
			x->out_pos += (off_t)w;
		xfer_count(x, M_READWRITE, w);
		if (w < (size_t)r) {
			x->err = errno;
			x->err_side = SIDE_WRITE;
			offload_pipe_close();
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

	if (ipipe_open(x->bufsize) == -1) {
		/* No descriptors left for a pipe: read/write needs none. */
		if (errno == EMFILE || errno == ENFILE) {
			x->err = errno;
			return STEP_NEXT;
		}
		return failed(x, errno);
	}
	while (x->left > 0) {
		n = splice_once(x, x->in, x->in_seek ? &x->in_pos : NULL,
		    pollable(x->in_fi), ipipe[1], NULL, false,
		    want(x, ipipe_size));
		if (n == 0)
			return at_zero(x);
		if (n < 0)
			return failed(x, errno);
		x->left -= (size_t)n;
		for (pending = (size_t)n; pending > 0; pending -= (size_t)m) {
			m = splice_once(x, ipipe[0], NULL, false, x->out,
			    x->out_seek ? &x->out_pos : NULL, pollable(x->out_fi),
			    pending);
			if (m > 0) {
				if (xfer_account(x, (size_t)m))
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
			offload_pipe_close();	/* never reuse a dirty pipe */
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
offload_splice(struct xfer *x)
{
	ssize_t n;

	if (x->in_fi->type != FT_PIPE && x->out_fi->type != FT_PIPE)
		return splice_via_pipe(x);
	while (x->left > 0) {
		n = splice_once(x, x->in, x->in_seek ? &x->in_pos : NULL,
		    pollable(x->in_fi), x->out, x->out_seek ? &x->out_pos : NULL,
		    pollable(x->out_fi), want(x, SPLICE_CAP));
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

/*
 * O_DIRECT wants aligned offsets and lengths; a tail that is not aligned
 * is moved through the page cache instead.  True if O_DIRECT was on.
 */
static bool
direct_off(int fd)
{
	int fl = kcp_sys->fcntl(fd, F_GETFL, 0);

	if (fl == -1 || !(fl & O_DIRECT))
		return false;
	return kcp_sys->fcntl(fd, F_SETFL, fl & ~O_DIRECT) == 0;
}

/*
 * The read/write buffer: -B's size, or less for a regular SOURCE smaller
 * than that (a tree of small files then costs no mapping of 1 MiB each),
 * where --sparse=always does not need whole blocks of DEST.
 */
static size_t
rw_size(const struct xfer *x)
{
	size_t small;

	if (x->in_fi->type != FT_REG || x->zero_holes)
		return x->bufsize;
	/* One byte past the size sees the end in the same read. */
	small = x->in_size > 0 ? ((size_t)x->in_size + 4096) / 4096 * 4096 :
	    65536;
	return small < x->bufsize ? small : x->bufsize;
}

enum step
offload_readwrite(struct xfer *x)
{
	ssize_t n;
	size_t w;
	bool sparse;

	if (x->buf == NULL &&
	    posix_memalign((void **)&x->buf, 4096, rw_size(x)) != 0) {
		x->err = ENOMEM;
		x->err_side = SIDE_UNKNOWN;
		return STEP_ERROR;
	}
	sparse = x->zero_holes && x->out_seek && x->out_fi->type == FT_REG;
	while (x->left > 0) {
		if (sparse)
			n = sparse_read_blocks(x, rw_size(x));
		else
			n = xio_read(x->in, x->buf, want(x, rw_size(x)),
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
			if (sparse_write(x, x->buf, (size_t)n) == -1) {
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
			(void)xfer_account(x, w);
			return STEP_ERROR;
		}
		if (xfer_account(x, w))
			return STEP_ERROR;
	}
	return STEP_DONE;
}
