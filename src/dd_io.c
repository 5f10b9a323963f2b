/*
 * dd mode's reads and writes, counted as dd counts them, and the kernel
 * offload calls that stand in for a read and a write where no conversion
 * needs the bytes: one copy_file_range, sendfile or splice of up to ibs
 * bytes is one read.  dd treats EAGAIN as an error and a short read as a
 * partial record, so these calls go to the kernel through kcp_sys here,
 * leaving to xio.c only the EINTR rule (restart, unless a stop came).
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dd.h"
#include "quote.h"
#include "sys.h"
#include "xio.h"

/* How much output or input iflag=nocache gathers before advising. */
#define DD_CACHE_CHUNK	(128 * 1024)

int64_t
dd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* dd looks for SIGUSR1 before each read and write. */
void
dd_signals(struct dd_run *r)
{
	if (xio_status || xio_tick)
		dd_on_tick(r);
}

/* After EINTR: true to call again; false after a stop (SIGINT, SIGTERM). */
static bool
again(struct dd_run *r, int fd)
{
	if (xio_retry(fd, false, fd, false))
		return true;
	r->stopped = true;
	return false;
}

/* One read(2) of up to size bytes, with dd's warning of partial reads. */
static ssize_t
read_once(struct dd_run *r, int fd, char *buf, size_t size)
{
	ssize_t n, prev = r->prev_nread;

	for (;;) {
		dd_signals(r);
		n = kcp_sys->read(fd, buf, size);
		/* O_DIRECT refuses the short tail of a file as EINVAL. */
		if (n == -1 && errno == EINVAL && prev > 0 &&
		    (size_t)prev < size && (r->dd->iflags & O_DIRECT)) {
			errno = 0;
			n = 0;
		}
		if (n >= 0 || errno != EINTR || !again(r, fd))
			break;
	}
	if (n > 0 && r->warn_partial && prev > 0 && (size_t)prev < size) {
		if (r->dd->status != DD_STATUS_NONE)
			warnx("warning: partial read (%zd byte%s); suggest "
			    "iflag=fullblock", prev, prev == 1 ? "" : "s");
		r->warn_partial = false;
	}
	r->prev_nread = n;
	return n;
}

ssize_t
dd_read(struct dd_run *r, int fd, char *buf, size_t size)
{
	ssize_t n, total = 0;

	if (!(r->dd->ixflags & DD_F_FULLBLOCK))
		return read_once(r, fd, buf, size);
	/* iflag=fullblock: reads until the block is full or the end. */
	while (size > 0) {
		if ((n = read_once(r, fd, buf + total, size)) < 0)
			return n;
		if (n == 0)
			break;
		total += n;
		size -= (size_t)n;
	}
	return total;
}

static bool
all_zero(const char *buf, size_t n)
{
	return n == 0 || (buf[0] == '\0' && memcmp(buf, buf + 1, n - 1) == 0);
}

/*
 * oflag=direct cannot write the short last block: dd turns O_DIRECT off
 * for it, and syncs at the end instead.
 */
static void
direct_tail(struct dd_run *r)
{
	int fl = kcp_sys->fcntl(r->ofd, F_GETFL, 0);

	if (fl == -1 || !(fl & O_DIRECT))
		return;
	if (kcp_sys->fcntl(r->ofd, F_SETFL, fl & ~O_DIRECT) == -1 &&
	    r->dd->status != DD_STATUS_NONE)
		warn("failed to turn off O_DIRECT: %s", quote_maybe(r->oname));
	r->o_nocache_eof = true;
	dd_invalidate(r, false, 0);
	r->conv |= DD_C_FSYNC;
}

/*
 * Write size bytes, as dd does: all of them unless an error comes (a
 * write of 0 is ENOSPC), and with conv=sparse a block of zeros is a seek
 * instead.  Returns the bytes written, errno set when fewer.
 */
size_t
dd_write(struct dd_run *r, const char *buf, size_t size)
{
	size_t total = 0;
	ssize_t n;

	if ((r->dd->oflags & O_DIRECT) && size < (size_t)r->dd->obs)
		direct_tail(r);
	while (total < size) {
		dd_signals(r);
		n = 0;
		r->final_seek = false;
		if ((r->conv & DD_C_SPARSE) && all_zero(buf, size)) {
			if (kcp_sys->lseek(r->ofd, (off_t)size, SEEK_CUR) == -1)
				r->conv &= ~(unsigned)DD_C_SPARSE;
			else {
				r->final_seek = true;
				n = (ssize_t)size;
			}
		}
		if (n == 0)
			n = kcp_sys->write(r->ofd, buf + total, size - total);
		if (n > 0)
			total += (size_t)n;
		else if (n == 0) {
			errno = ENOSPC;
			break;
		} else if (errno != EINTR || !again(r, r->ofd))
			break;
	}
	if (r->o_nocache && total > 0)
		dd_invalidate(r, false, (int64_t)total);
	return total;
}

void
dd_advance(struct dd_run *r, int64_t n)
{
	if (r->ioffset >= 0 && __builtin_add_overflow(r->ioffset, n,
	    &r->ioffset))
		r->ioffset = -1;
}

/* nocache advises in whole chunks: what is ready now, the rest waits. */
static int64_t
cache_round(struct dd_run *r, bool input, int64_t len)
{
	int64_t *pending = input ? &r->i_pending : &r->o_pending, c;

	if (len == 0)
		return *pending;
	if (__builtin_add_overflow(*pending, len, &c))
		c = INT64_MAX;
	*pending = c % DD_CACHE_CHUNK;
	return c > *pending ? c - *pending : 0;
}

/* Where the bytes just read or written end, for nocache; -1 unknown. */
static int64_t
cache_offset(struct dd_run *r, bool input, int64_t len, int64_t step)
{
	if (input) {
		if (r->iseekable)
			return r->ioffset;
		errno = ESPIPE;
		return -1;
	}
	if (r->o_cache_off != -1) {
		if (r->o_cache_off < 0)
			r->o_cache_off = kcp_sys->lseek(r->ofd, 0, SEEK_CUR);
		else if (len != 0)
			r->o_cache_off += step;
	}
	return r->o_cache_off;
}

/*
 * iflag=nocache, oflag=nocache: drop the pages of the len bytes just
 * moved (0: everything up to here, at the end).  False when the offset
 * is unknown, as on a pipe, which dd reports only for count=0.
 */
bool
dd_invalidate(struct dd_run *r, bool input, int64_t len)
{
	bool eof = input ? r->i_nocache_eof : r->o_nocache_eof;
	int64_t clen = cache_round(r, input, len), pending, off;
	long page = sysconf(_SC_PAGESIZE);

	if ((len != 0 && clen == 0) || (len == 0 && clen == 0 && !eof))
		return true;
	pending = len != 0 ? cache_round(r, input, 0) : 0;
	if ((off = cache_offset(r, input, len, clen + pending)) < 0)
		return false;
	if (len == 0 && clen != 0 && eof) {
		pending = clen;
		clen = 0;
	}
	off -= clen + pending;
	if (clen == 0 && page > 0)
		off -= off % page;
	kcp_sys->fadvise(input ? r->ifd : r->ofd, off, clen,
	    POSIX_FADV_DONTNEED);
	return true;
}

char *
dd_alloc(struct dd_run *r, int64_t size, const char *what)
{
	char human[32];
	void *p = NULL;
	long page = sysconf(_SC_PAGESIZE);

	(void)r;
	/* Page-aligned, as O_DIRECT wants. */
	if (posix_memalign(&p, page > 0 ? (size_t)page : 4096,
	    (size_t)size + 1) != 0) {
		dd_human(human, sizeof(human), (uint64_t)size, 1024);
		warnx("memory exhausted by %s buffer of size %jd bytes (%s)",
		    what, (intmax_t)size, human);
		return NULL;
	}
	return p;
}

/* Whether method m may move this run's bytes. */
static bool
usable(const struct dd_run *r, enum method m)
{
	enum fdtype in = r->in.type, out = r->out.type;

	if (!(r->o->copy.methods & M_BIT(m)) || sys_disabled(m))
		return false;
	switch (m) {
	case M_COPY_FILE_RANGE:
		return in == FT_REG && out == FT_REG && sys_kernel_has_cfr();
	case M_SENDFILE:
		return in == FT_REG || in == FT_BLK || in == FT_CHR;
	case M_SPLICE:
		return in == FT_PIPE;
	default:
		return false;
	}
}

/* The first method from m on that may serve, or M_NONE. */
static enum method
ladder(const struct dd_run *r, enum method m)
{
	for (; m < M_READWRITE; m++)
		if (usable(r, m))
			return m;
	return M_NONE;
}

/*
 * Offload applies where dd would copy each block unchanged: no conv= that
 * looks at the bytes, no O_DIRECT, no O_APPEND (where copy_file_range and
 * sendfile do not go), ibs equal to obs, and where dd gathers blocks into
 * obs (no bs=) only while every read fills its block, so that each call
 * is one read and one write whatever dd would gather.
 */
void
dd_offload_setup(struct dd_run *r)
{
	const struct dd_options *dd = r->dd;
	unsigned looks = DD_C_ASCII | DD_C_EBCDIC | DD_C_IBM | DD_C_BLOCK |
	    DD_C_UNBLOCK | DD_C_LCASE | DD_C_UCASE | DD_C_SWAB | DD_C_SYNC |
	    DD_C_NOERROR | DD_C_SPARSE;

	r->full_reads = (dd->ixflags & DD_F_FULLBLOCK) ||
	    r->in.type == FT_REG || r->in.type == FT_BLK;
	r->method = ladder(r, M_COPY_FILE_RANGE);
	r->offload = r->method != M_NONE && !(dd->conv & looks) &&
	    !((dd->iflags | dd->oflags) & O_DIRECT) && !r->out.append &&
	    dd->ibs == dd->obs && (!(dd->conv & DD_C_TWOBUFS) ||
	    r->full_reads);
}

static ssize_t
offload_call(struct dd_run *r, size_t len)
{
	switch (r->method) {
	case M_COPY_FILE_RANGE:
		return kcp_sys->copy_file_range(r->ifd, NULL, r->ofd, NULL,
		    len, 0);
	case M_SENDFILE:
		return kcp_sys->sendfile(r->ofd, r->ifd, NULL, len);
	default:
		return kcp_sys->splice(r->ifd, NULL, r->ofd, NULL, len, 0);
	}
}

/* A partial read warned of, as dd's read would on the next one. */
static void
warn_partial(struct dd_run *r, size_t want)
{
	ssize_t prev = r->prev_nread;

	if (r->warn_partial && prev > 0 && (size_t)prev < want) {
		if (r->dd->status != DD_STATUS_NONE)
			warnx("warning: partial read (%zd byte%s); suggest "
			    "iflag=fullblock", prev, prev == 1 ? "" : "s");
		r->warn_partial = false;
	}
}

/* An offloaded block of n bytes counted as one read and one write. */
static int
counted(struct dd_run *r, size_t n, size_t want)
{
	warn_partial(r, want);
	r->prev_nread = (ssize_t)n;
	dd_advance(r, (int64_t)n);
	if (r->i_nocache)
		dd_invalidate(r, true, (int64_t)n);
	if ((int64_t)n < r->dd->ibs) {
		r->r_partial++;
		r->w_partial++;
	} else {
		r->r_full++;
		r->w_full++;
	}
	r->w_bytes += (int64_t)n;
	if (r->o_nocache)
		dd_invalidate(r, false, (int64_t)n);
	r->final_seek = false;
	return DD_OFF_DONE;
}

/*
 * A call failed after m bytes of the block had moved: the rest of the
 * block is read and written, so that the block is still one read, and
 * an error is dd's "error reading" or "error writing" as it would be.
 */
static int
complete(struct dd_run *r, size_t m, size_t want)
{
	ssize_t k = dd_read(r, r->ifd, r->ibuf, want - m);
	size_t total, nw;
	int e;

	if (k < 0) {
		e = errno;
		counted(r, m, want);
		if (r->stopped)
			return DD_OFF_DONE;
		errno = e;
		warn("error reading %s", quote(r->iname));
		return DD_OFF_RERR;
	}
	total = m + (size_t)k;
	dd_advance(r, k);
	if (r->i_nocache)
		dd_invalidate(r, true, k);
	r->prev_nread = (ssize_t)total;
	if ((int64_t)total < r->dd->ibs)
		r->r_partial++;
	else
		r->r_full++;
	nw = k > 0 ? dd_write(r, r->ibuf, (size_t)k) : 0;
	r->w_bytes += (int64_t)(m + nw);
	if (nw != (size_t)k) {
		if (!r->stopped)
			warn((r->conv & DD_C_TWOBUFS) && (int64_t)total ==
			    r->dd->obs ? "writing to %s" : "error writing %s",
			    quote(r->oname));
		return DD_OFF_FAIL;
	}
	if ((int64_t)total < r->dd->obs)
		r->w_partial++;
	else
		r->w_full++;
	return DD_OFF_DONE;
}

/* A method said no, or failed: remember why, for -v, and go on. */
static void
leave(struct dd_run *r, int e, bool next)
{
	r->left[r->method] = e;
	if (e == ENOSYS || e == EPERM)
		sys_disable(r->method);
	r->method = next ? ladder(r, r->method + 1) : M_NONE;
	if (r->method == M_NONE)
		r->offload = false;
}

int
dd_offload_block(struct dd_run *r, size_t want)
{
	size_t done = 0;
	ssize_t n;

	while (r->method != M_NONE) {
		dd_signals(r);
		if ((n = offload_call(r, want - done)) > 0) {
			r->moved[r->method] += (uint64_t)n;
			done += (size_t)n;
			if (done == want || !r->full_reads)
				return counted(r, done, want);
		} else if (n == 0 && done > 0) {
			return counted(r, done, want);
		} else if (n == 0) {
			if (r->method == M_SPLICE)
				return DD_OFF_EOF;
			/* procfs and the like say 0 here; read(2) decides. */
			leave(r, 0, false);
			return DD_OFF_NONE;
		} else if (errno == EINTR) {
			if (!again(r, r->ifd))
				return done > 0 ? counted(r, done, want) :
				    DD_OFF_STOP;
		} else if (done == 0) {
			leave(r, errno, errno_unsupported(errno));
			if (r->method == M_NONE)
				return DD_OFF_NONE;
		} else {
			leave(r, errno, false);
			return complete(r, done, want);
		}
	}
	return done > 0 ? complete(r, done, want) : DD_OFF_NONE;
}
