/*
 * Holes (kcp(1), SPARSE FILES): the SEEK_DATA/SEEK_HOLE walk of a sparse
 * SOURCE, making DEST ranges read as zeros without stale bytes showing
 * through, and --sparse=always's writing of zero blocks as holes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <linux/falloc.h>

#include "sys.h"
#include "xfer.h"
#include "xio.h"

/* A SEEK_DATA/SEEK_HOLE failure: the rest of SOURCE is data, or -1. */
static int
seek_failed(struct xfer *x)
{
	if (errno_unsupported(errno))
		return 0;
	return xfer_fail(x, errno, SIDE_READ, M_NONE);
}

/* Copy the hole [x->in_pos, data): zeros over old DEST bytes, else skip. */
static int
skip_hole(struct xfer *x, off_t data)
{
	off_t len = data - x->in_pos;

	if (sparse_zero_range(x, x->out_pos, len) == -1)
		return xfer_fail(x, errno, SIDE_WRITE, M_READWRITE);
	x->in_pos += len;
	x->out_pos += len;
	xfer_count(x, M_NONE, (uint64_t)len);
	return 0;
}

/* Run the ladder over the data region [data, hole). */
static int
copy_region(struct xfer *x, off_t data, off_t hole)
{
	x->left = (uint64_t)(hole - data);
	x->bounded = true;
	x->eof = false;
	return xfer_run_ladder(x);
}

int
sparse_copy(struct xfer *x)
{
	off_t end, data, hole;

	end = x->in_size;
	if (x->in_pos >= end) {
		x->eof = true;		/* skipped past SOURCE's end */
		x->left = 0;
		return 0;
	}
	if (x->bounded && (uint64_t)(end - x->in_pos) > x->left)
		end = x->in_pos + (off_t)x->left;
	while (x->in_pos < end) {
		/* ENXIO: no data from here to the end, only a hole. */
		data = kcp_sys->lseek(x->in, x->in_pos, SEEK_DATA);
		if (data == -1 && errno != ENXIO) {
			if (seek_failed(x) == -1)
				return -1;
			/* No SEEK_DATA here: the rest is data. */
			return copy_region(x, x->in_pos, end);
		}
		if (data == -1 || data > end)
			data = end;
		if (data > x->in_pos && skip_hole(x, data) == -1)
			return -1;
		if (data >= end)
			break;
		hole = kcp_sys->lseek(x->in, data, SEEK_HOLE);
		if (hole == -1 && seek_failed(x) == -1)
			return -1;
		if (hole == -1 || hole > end)
			hole = end;	/* no SEEK_HOLE: the rest is data */
		if (copy_region(x, data, hole) == -1)
			return -1;
		if (x->eof)
			break;	/* SOURCE shrank under us */
	}
	x->left = 0;
	return 0;
}

/*
 * Make DEST's [off, off + len) read as zeros: beyond what DEST held at the
 * start it already does; below that, punch a hole, or write zeros where
 * the filesystem cannot punch.
 */
int
sparse_zero_range(struct xfer *x, off_t off, off_t len)
{
	static const char zeros[65536];
	off_t stale_end;
	size_t chunk;

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
	for (; len > 0; off += (off_t)chunk, len -= (off_t)chunk) {
		chunk = len < (off_t)sizeof(zeros) ? (size_t)len :
		    sizeof(zeros);
		if (xio_write_all(x->out, zeros, chunk, off) < chunk)
			return -1;
	}
	return 0;
}

static bool
all_zero(const char *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* Write a run of data, or make a run of zero blocks a hole. */
static int
flush_run(struct xfer *x, const char *p, size_t len, off_t at, bool zero)
{
	if (zero)
		return sparse_zero_range(x, at, (off_t)len);
	return xio_write_all(x->out, p, len, at) < len ? -1 : 0;
}

/*
 * Write n bytes at DEST's position, turning zero-filled blocks into holes
 * (--sparse=always).  Runs of data and of zeros are each one call.
 */
int
sparse_write(struct xfer *x, const char *p, size_t n)
{
	size_t blk, i, run, piece;
	bool zero, runzero = false;
	const off_t base = x->out_pos;

	blk = fdinfo_blksize(x->out_fi);
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
 * Fill the buffer so that it ends on one of DEST's block boundaries: zero
 * blocks can only be found whole.  Reads until the buffer is full or
 * SOURCE ends, never past what is wanted.
 */
ssize_t
sparse_read_blocks(struct xfer *x, size_t len)
{
	size_t blk, got = 0;
	ssize_t n;

	blk = fdinfo_blksize(x->out_fi);
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
