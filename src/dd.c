/*
 * dd operand mode: GNU dd's run, step by step.  Open if= and of= with
 * dd's flags (of= truncated at seek= unless conv=notrunc), skip= and
 * seek=, then one input block at a time: a read of up to ibs bytes (or a
 * kernel offload call that stands for it), full and partial records
 * counted, conversions and obs gathering where asked, then conv=fsync,
 * the closing of both files and dd's closing lines.
 */
#include "config.h"

#include <sys/stat.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dd.h"
#include "quote.h"
#include "report.h"
#include "sys.h"
#include "xio.h"

/* dd_copy's "stop without the closing lines", as dd dies. */
#define DD_DIE	(-1)

/*
 * What dd says before it opens anything: the zero-multiplier warnings,
 * a bad number or operands that cannot go together (then 1), and the
 * hint about oflag=append.
 */
static int
dd_preamble(const struct dd_options *dd)
{
	unsigned long i;
	char *q;

	for (i = 0; i < dd->zero_warnings; i++)
		warnx("%s", DD_ZERO_WARNING);
	if (dd->fault == DD_FAULT_NUMBER) {
		q = dd_quote_arg(dd->fault_text, strlen(dd->fault_text));
		if (dd->fault_errno != 0)
			warnx("invalid number: %s: %s", q != NULL ? q : "?",
			    strerror(dd->fault_errno));
		else
			warnx("invalid number: %s", q != NULL ? q : "?");
		free(q);
		return 1;
	}
	if (dd->fault == DD_FAULT_COMBINE) {
		warnx("%s", dd->fault_text);
		return 1;
	}
	if (dd->append_warning)
		warnx("you probably want conv=notrunc with oflag=append");
	return 0;
}

/*
 * iflag= and oflag= on a standard stream: the flags fcntl(2) can set;
 * directory is checked, not set.
 */
static int
set_fd_flags(int fd, int flags, const char *name)
{
	struct stat st;
	int old, new;

	flags &= ~(O_NOCTTY | O_NOFOLLOW);
	if (flags == 0)
		return 0;
	if ((old = kcp_sys->fcntl(fd, F_GETFL, 0)) == -1)
		goto fail;
	new = old | flags;
	if (new == old)
		return 0;
	if (new & O_DIRECTORY) {
		if (kcp_sys->fstat(fd, &st) == -1)
			goto fail;
		if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			goto fail;
		}
		new &= ~O_DIRECTORY;
	}
	if (new == old || kcp_sys->fcntl(fd, F_SETFL, new) != -1)
		return 0;
fail:
	warn("setting flags for %s", quote(name));
	return -1;
}

static int
open_input(struct dd_run *r)
{
	const struct dd_options *dd = r->dd;
	int flags = dd->iflags;
	off_t off;

	if (dd->in == NULL) {
		r->ifd = STDIN_FILENO;
		r->iname = "standard input";
		if (set_fd_flags(r->ifd, flags, r->iname) == -1)
			return -1;
	} else {
		r->iname = dd->in;
		/* dd reads synchronously too when asked to write so. */
		if (flags & (O_DSYNC | O_SYNC))
			flags |= O_RSYNC;
		r->ifd = xio_openat(AT_FDCWD, dd->in, O_RDONLY | flags, 0);
		if (r->ifd == -1) {
			warn("failed to open %s", quote(dd->in));
			return -1;
		}
	}
	if (fdinfo_get(r->ifd, &r->in) == -1)
		r->in.type = FT_OTHER;
	errno = 0;
	off = kcp_sys->lseek(r->ifd, 0, SEEK_CUR);
	r->iseekable = off >= 0;
	r->iseek_errno = errno;
	r->ioffset = off >= 0 ? off : 0;
	return 0;
}

/*
 * kcp's -n and -i for an of= that exists: true to leave it alone, after
 * asking with -i as the cp-style copy asks.
 */
static bool
keep_existing(const struct dd_run *r)
{
	struct stat st;
	char *line = NULL;
	size_t cap = 0;
	bool yes;

	if (r->o->clobber == CLOBBER_YES || stat(r->dd->out, &st) == -1)
		return false;
	if (r->o->clobber == CLOBBER_NO)
		return true;
	fprintf(stderr, "%s: overwrite %s? ", getprogname(),
	    quote(r->dd->out));
	fflush(stderr);
	yes = xio_getline(&line, &cap, stdin) > 0 &&
	    (line[0] == 'y' || line[0] == 'Y');
	free(line);
	return !yes;
}

/*
 * dd truncates of= at seek= itself (O_TRUNC only without seek=), and
 * complains where truncation means something, but goes on: the copy may
 * still be what was asked (an append-only file, say).
 */
static int
truncate_at_seek(struct dd_run *r, off_t size)
{
	struct stat st;
	int e;

	if (kcp_sys->ftruncate(r->ofd, size) == 0)
		return 0;
	e = errno;
	if (kcp_sys->fstat(r->ofd, &st) == -1) {
		warn("cannot fstat %s", quote(r->oname));
		return -1;
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return 0;
	errno = e;
	warn("failed to truncate to %jd bytes in output file %s",
	    (intmax_t)size, quote(r->oname));
	return 0;
}

/* Returns 0, -1 after a message, or 1 to copy nothing (-n, -i). */
static int
open_output(struct dd_run *r)
{
	const struct dd_options *dd = r->dd;
	int64_t size;
	int opts;
	bool ovf;

	if (dd->out == NULL) {
		r->ofd = STDOUT_FILENO;
		r->oname = "standard output";
		if (set_fd_flags(r->ofd, dd->oflags, r->oname) == -1)
			return -1;
		goto done;
	}
	r->oname = dd->out;
	opts = dd->oflags | (dd->conv & DD_C_NOCREAT ? 0 : O_CREAT) |
	    (dd->conv & DD_C_EXCL ? O_EXCL : 0) |
	    (dd->seek_records != 0 || (dd->conv & DD_C_NOTRUNC) ? 0 : O_TRUNC);
	ovf = __builtin_mul_overflow(dd->seek_records, dd->obs, &size) ||
	    __builtin_add_overflow(size, dd->seek_bytes, &size);
	if (ovf && !(dd->conv & DD_C_NOTRUNC)) {
		warnx("offset too large: cannot truncate to a length of "
		    "seek=%jd (%jd-byte) blocks", (intmax_t)dd->seek_records,
		    (intmax_t)dd->obs);
		return -1;
	}
	if (keep_existing(r))
		return 1;
	/* Read access only in case seek= has to read its way. */
	r->ofd = -1;
	if (dd->seek_records != 0)
		r->ofd = xio_openat(AT_FDCWD, dd->out, O_RDWR | opts, 0666);
	if (r->ofd == -1 && (r->ofd = xio_openat(AT_FDCWD, dd->out,
	    O_WRONLY | opts, 0666)) == -1) {
		warn("failed to open %s", quote(dd->out));
		return -1;
	}
	if (dd->seek_records != 0 && !(dd->conv & DD_C_NOTRUNC) &&
	    truncate_at_seek(r, (off_t)size) == -1)
		return -1;
done:
	if (fdinfo_get(r->ofd, &r->out) == -1)
		r->out.type = FT_OTHER;
	return 0;
}

/* The input buffer, once; false after dd's message when memory lacks. */
static bool
alloc_ibuf(struct dd_run *r)
{
	if (r->ibuf == NULL)
		r->ibuf = dd_alloc(r, r->dd->ibs, "input");
	return r->ibuf != NULL;
}

static bool
alloc_obuf(struct dd_run *r)
{
	if (r->obuf != NULL)
		return true;
	if (!(r->conv & DD_C_TWOBUFS)) {
		if (alloc_ibuf(r))
			r->obuf = r->ibuf;
	} else
		r->obuf = dd_alloc(r, r->dd->obs, "output");
	return r->obuf != NULL;
}

/*
 * skip= or seek= by reading, where lseek cannot go: whole blocks, then
 * the bytes.  Returns the blocks that the end of the data left over.
 */
static int64_t
skip_by_reading(struct dd_run *r, bool input, int64_t records, int64_t bs,
    int64_t *bytes, int seek_errno)
{
	int fd = input ? r->ifd : r->ofd;
	char *buf;
	ssize_t n;

	if (!(input ? alloc_ibuf(r) : alloc_obuf(r))) {
		r->status = DD_DIE;
		return 0;
	}
	buf = input ? r->ibuf : r->obuf;
	do {
		n = dd_read(r, fd, buf, (size_t)(records != 0 ? bs : *bytes));
		if (n < 0) {
			if (r->stopped)
				return 0;
			if (input) {
				warn("error reading %s", quote(r->iname));
				if (r->conv & DD_C_NOERROR)
					dd_stats(r);
			} else {
				errno = seek_errno;
				warn("%s: cannot seek", quote_maybe(r->oname));
			}
			r->quit = true;
			return 0;
		}
		if (n == 0)
			break;
		if (input)
			dd_advance(r, n);
		if (records != 0)
			records--;
		else
			*bytes = 0;
	} while (records != 0 || *bytes != 0);
	return records;
}

/*
 * Move the input (skip=) or the output (seek=) on by records blocks of bs
 * and *bytes, as dd does: lseek where it works, where it fails but the
 * file has an end an error, else by reading.  Input past the end of a
 * file goes to the end; the blocks short of the goal are returned.
 */
static int64_t
skip(struct dd_run *r, bool input, int64_t records, int64_t bs,
    int64_t *bytes)
{
	int fd = input ? r->ifd : r->ofd, e;
	struct stat st;
	int64_t off;

	errno = 0;
	if (!__builtin_mul_overflow(records, bs, &off) &&
	    !__builtin_add_overflow(off, *bytes, &off) &&
	    kcp_sys->lseek(fd, off, SEEK_CUR) >= 0) {
		if (!input) {
			*bytes = 0;
			return 0;
		}
		if (kcp_sys->fstat(fd, &st) == -1) {
			warn("cannot fstat %s", quote(r->iname));
			r->status = DD_DIE;
			return 0;
		}
		records = 0;
		if (S_ISREG(st.st_mode) && r->ioffset >= 0 &&
		    st.st_size - r->ioffset < off) {
			records = (off - st.st_size) / bs;
			off = st.st_size - r->ioffset;
		}
		dd_advance(r, off);
		return records;
	}
	e = errno;
	if (kcp_sys->lseek(fd, 0, SEEK_END) >= 0) {
		/* A file with an end: the offset is past what it allows. */
		errno = e != 0 ? e : EOVERFLOW;
		warn(input ? "%s: cannot skip" : "%s: cannot seek",
		    quote_maybe(input ? r->iname : r->oname));
		r->quit = true;
		return 0;
	}
	return skip_by_reading(r, input, records, bs, bytes, e);
}

/* skip=: warns when the input had less to pass over than asked. */
static void
skip_input(struct dd_run *r)
{
	const struct dd_options *dd = r->dd;
	int64_t want, off0 = r->ioffset, bytes = dd->skip_bytes, left;
	bool ovf;

	ovf = __builtin_mul_overflow(dd->skip_records, dd->ibs, &want) ||
	    __builtin_add_overflow(want, dd->skip_bytes, &want);
	left = skip(r, true, dd->skip_records, dd->ibs, &bytes);
	if (r->quit || r->stopped || r->status == DD_DIE)
		return;
	if ((left != 0 || (r->ioffset >= 0 && (ovf ||
	    want != r->ioffset - off0))) && dd->status != DD_STATUS_NONE)
		warnx("%s: cannot skip to specified offset",
		    quote_maybe(r->iname));
}

/* seek=: where reading the output found its end, zeros fill the rest. */
static void
seek_output(struct dd_run *r)
{
	const struct dd_options *dd = r->dd;
	int64_t bytes = dd->seek_bytes, left;
	size_t size;

	left = skip(r, false, dd->seek_records, dd->obs, &bytes);
	if (r->quit || r->stopped || r->status == DD_DIE ||
	    (left == 0 && bytes == 0))
		return;
	memset(r->obuf, 0, (size_t)(left != 0 ? dd->obs : bytes));
	do {
		size = (size_t)(left != 0 ? dd->obs : bytes);
		if (dd_write(r, r->obuf, size) != size) {
			if (!r->stopped)
				warn("writing to %s", quote(r->oname));
			r->quit = true;
			return;
		}
		if (left != 0)
			left--;
		else
			bytes = 0;
	} while (left != 0 || bytes != 0);
}

/* What one step of the copy loop leads to. */
enum step { S_NEXT, S_END, S_RETURN, S_READ, S_EMPTY };

/*
 * conv=noerror on a seekable input: go past the bad block, so that the
 * next read is the next block.  False, after a message, when the offset
 * cannot be made right.
 */
static bool
skip_bad_block(struct dd_run *r, int64_t n)
{
	off_t off;
	int64_t diff;

	if (!r->iseekable) {
		if (r->iseek_errno == ESPIPE)
			return true;
		errno = r->iseek_errno;
	} else {
		dd_advance(r, n);
		if (r->ioffset < 0) {
			warnx("offset overflow while reading file %s",
			    quote(r->iname));
			return false;
		}
		if ((off = kcp_sys->lseek(r->ifd, 0, SEEK_CUR)) >= 0) {
			if (off == r->ioffset)
				return true;
			diff = r->ioffset - off;
			if ((diff < 0 || diff > n) &&
			    r->dd->status != DD_STATUS_NONE)
				warnx("warning: invalid file offset after "
				    "failed read");
			if (kcp_sys->lseek(r->ifd, diff, SEEK_CUR) >= 0)
				return true;
			if (errno == 0)
				warnx("cannot work around kernel bug after all");
		}
	}
	warn("%s: cannot seek", quote_maybe(r->iname));
	return false;
}

/*
 * A read failed.  Without conv=noerror the copy ends there; with it dd
 * reports, prints its counts, steps over the block and goes on, with an
 * empty block when conv=sync pads it.
 */
static enum step
read_failed(struct dd_run *r)
{
	int64_t bad = r->dd->ibs - r->partread;

	if (!(r->conv & DD_C_NOERROR) || r->dd->status != DD_STATUS_NONE)
		warn("error reading %s", quote(r->iname));
	if (!(r->conv & DD_C_NOERROR)) {
		r->status = 1;
		return S_END;
	}
	dd_stats(r);
	dd_invalidate(r, true, bad);
	if (!skip_bad_block(r, bad)) {
		r->status = 1;
		r->iseekable = false;
		r->iseek_errno = ESPIPE;
	}
	return (r->conv & DD_C_SYNC) && r->partread == 0 ? S_EMPTY : S_NEXT;
}

/* One block of n bytes read: count it, pad it (conv=sync), pass it on. */
static enum step
put_block(struct dd_run *r, size_t n)
{
	size_t ibs = (size_t)r->dd->ibs, nw;

	if (n < ibs) {
		r->r_partial++;
		r->partread = (int64_t)n;
		if (r->conv & DD_C_SYNC) {
			if (!(r->conv & DD_C_NOERROR))
				memset(r->ibuf + n, r->conv & (DD_C_BLOCK |
				    DD_C_UNBLOCK) ? ' ' : '\0', ibs - n);
			n = ibs;
		}
	} else {
		r->r_full++;
		r->partread = 0;
	}
	if (r->conv & DD_C_TWOBUFS) {
		dd_convert(r, r->ibuf, n);
		return r->quit ? S_RETURN : S_NEXT;
	}
	/* bs= without conversions: each block is one write of its own. */
	nw = dd_write(r, r->ibuf, n);
	r->w_bytes += (int64_t)nw;
	if (nw != n) {
		if (!r->stopped)
			warn("error writing %s", quote(r->oname));
		r->quit = true;
		return S_RETURN;
	}
	if (n == ibs)
		r->w_full++;
	else
		r->w_partial++;
	return S_NEXT;
}

/* The input is at its end: nocache may drop all of it at the close. */
static enum step
at_eof(struct dd_run *r)
{
	r->i_nocache_eof |= r->i_nocache;
	r->o_nocache_eof |= r->o_nocache && !(r->conv & DD_C_NOTRUNC);
	return S_END;
}

static enum step
offload_step(struct dd_run *r, size_t want)
{
	switch (dd_offload_block(r, want)) {
	case DD_OFF_DONE:
		return r->stopped ? S_RETURN : S_NEXT;
	case DD_OFF_EOF:
		return at_eof(r);
	case DD_OFF_RERR:
		r->status = 1;
		return S_END;
	case DD_OFF_FAIL:
		r->quit = true;
		return S_RETURN;
	case DD_OFF_STOP:
		return S_RETURN;
	default:
		return S_READ;
	}
}

/* The loop over input blocks, until count=, the end, or an error. */
static enum step
copy_blocks(struct dd_run *r)
{
	const struct dd_options *dd = r->dd;
	int64_t now;
	ssize_t n;
	size_t want;
	enum step s;

	for (;;) {
		now = dd->status == DD_STATUS_PROGRESS ? dd_now() : 0;
		if (dd->status == DD_STATUS_PROGRESS &&
		    r->next_progress <= now) {
			dd_progress(r, now);
			r->next_progress += 1000000000;
		}
		if (xio_stop || r->stopped) {
			r->stopped = true;
			return S_RETURN;
		}
		if (r->r_partial + r->r_full >= dd->max_records +
		    (dd->max_bytes != 0))
			return S_END;
		/* With noerror, a bad block padded by sync is spaces or NULs. */
		if ((r->conv & DD_C_SYNC) && (r->conv & DD_C_NOERROR))
			memset(r->ibuf, r->conv & (DD_C_BLOCK | DD_C_UNBLOCK) ?
			    ' ' : '\0', (size_t)dd->ibs);
		want = (size_t)(r->r_partial + r->r_full >= dd->max_records ?
		    dd->max_bytes : dd->ibs);
		if (r->offload && r->oc == 0 &&
		    (s = offload_step(r, want)) != S_READ) {
			if (s == S_NEXT)
				continue;
			return s;
		}
		if ((n = dd_read(r, r->ifd, r->ibuf, want)) > 0) {
			dd_advance(r, n);
			if (r->i_nocache)
				dd_invalidate(r, true, n);
		} else if (n == 0)
			return at_eof(r);
		else if (r->stopped)
			return S_RETURN;
		else if ((s = read_failed(r)) == S_NEXT)
			continue;
		else if (s != S_EMPTY)
			return s;
		else
			n = 0;
		if ((s = put_block(r, (size_t)n)) != S_NEXT)
			return s;
	}
}

/*
 * After the last block: what the conversions still hold and the short
 * last write; an of= that ends in a seek (conv=sparse) is made that long;
 * then conv=fdatasync and conv=fsync.
 */
static void
copy_tail(struct dd_run *r)
{
	struct stat st;
	off_t off;

	dd_conv_flush(r);
	if (r->quit)
		return;
	if (r->final_seek) {
		if (kcp_sys->fstat(r->ofd, &st) == -1) {
			warn("cannot fstat %s", quote(r->oname));
			r->quit = true;
			return;
		}
		off = kcp_sys->lseek(r->ofd, 0, SEEK_CUR);
		if (S_ISREG(st.st_mode) && off >= 0 && st.st_size < off &&
		    kcp_sys->ftruncate(r->ofd, off) != 0) {
			warn("failed to truncate to %jd bytes in output file %s",
			    (intmax_t)off, quote(r->oname));
			r->quit = true;
			return;
		}
	}
	/* A sync may take long: the progress line first, if it is behind. */
	if ((r->conv & (DD_C_FDATASYNC | DD_C_FSYNC)) &&
	    r->dd->status == DD_STATUS_PROGRESS && r->reported >= 0 &&
	    r->reported < r->w_bytes)
		dd_xfer_now(r);
	if ((r->conv & DD_C_FDATASYNC) && fdatasync(r->ofd) != 0) {
		if (errno != ENOSYS && errno != EINVAL) {
			warn("fdatasync failed for %s", quote(r->oname));
			r->status = 1;
		}
		r->conv |= DD_C_FSYNC;
	}
	if ((r->conv & DD_C_FSYNC) && fsync(r->ofd) != 0) {
		warn("fsync failed for %s", quote(r->oname));
		r->quit = true;
	}
}

static void
dd_copy(struct dd_run *r)
{
	const struct dd_options *dd = r->dd;

	if (dd->skip_records != 0 || dd->skip_bytes != 0)
		skip_input(r);
	if (r->quit || r->stopped || r->status == DD_DIE)
		return;
	if (dd->seek_records != 0 || dd->seek_bytes != 0)
		seek_output(r);
	if (r->quit || r->stopped || r->status == DD_DIE ||
	    (dd->max_records == 0 && dd->max_bytes == 0))
		return;
	if (!alloc_ibuf(r) || !alloc_obuf(r) || ((r->conv & DD_C_SWAB) &&
	    (r->swab_buf = dd_alloc(r, dd->ibs + 1, "input")) == NULL)) {
		r->status = DD_DIE;
		return;
	}
	dd_offload_setup(r);
	if (copy_blocks(r) == S_END)
		copy_tail(r);
}

/* count=0 with nocache drops the whole file, and says when it cannot. */
static void
nocache_end(struct dd_run *r)
{
	const struct dd_options *dd = r->dd;

	if (dd->max_records != 0 || dd->max_bytes != 0) {
		if (r->i_nocache || r->i_nocache_eof)
			dd_invalidate(r, true, 0);
		if (r->o_nocache || r->o_nocache_eof)
			dd_invalidate(r, false, 0);
		return;
	}
	if (r->i_nocache && !dd_invalidate(r, true, 0)) {
		warn("failed to discard cache for: %s", quote_maybe(r->iname));
		r->status = 1;
	}
	if (r->o_nocache && !dd_invalidate(r, false, 0)) {
		warn("failed to discard cache for: %s", quote_maybe(r->oname));
		r->status = 1;
	}
}

/*
 * close(2) of if= or of=.  A standard stream that was closed when kcp
 * started fails here with EBADF, as in dd (fdinfo_hold_std put /dev/null
 * in its place).
 */
static int
close_file(int fd, bool std)
{
	if (std && fdinfo_std_closed(fd)) {
		errno = EBADF;
		return -1;
	}
	return close(fd);
}

/* Close if= and of= as dd does, a failure being the last word. */
static int
close_files(struct dd_run *r)
{
	if (close_file(r->ifd, r->dd->in == NULL) == -1) {
		warn("closing input file %s", quote(r->iname));
		return -1;
	}
	if (close_file(r->ofd, r->dd->out == NULL) == -1) {
		warn("closing output file %s", quote(r->oname));
		return -1;
	}
	return 0;
}

/* -v and -vv: kcp's own lines after dd's, naming the methods used. */
static void
verbose(const struct dd_run *r, double secs)
{
	const char *src = r->dd->in != NULL ? r->dd->in : "-";
	const char *dst = r->dd->out != NULL ? r->dd->out : "-";
	struct copy_result res;
	uint64_t off = 0;
	int m;

	if (r->o->verbose == 0)
		return;
	memset(&res, 0, sizeof(res));
	res.bytes = (uint64_t)r->w_bytes;
	res.err_method = M_NONE;
	for (m = 0; m < M_READWRITE; m++) {
		res.m[m].bytes = r->moved[m];
		off += r->moved[m];
		if (r->left[m] != 0) {
			res.m[m].left = true;
			res.m[m].err = r->left[m];
			if (r->o->verbose > 1)
				report_decision(stderr, src, dst, (enum method)m,
				    r->left[m], NULL);
		}
	}
	res.m[M_READWRITE].bytes = res.bytes > off ? res.bytes - off : 0;
	res.m[M_READWRITE].used = off == 0;
	report_copy(stderr, src, dst, &res, secs);
}

static void
dd_init(struct dd_run *r, const struct options *o)
{
	const struct dd_options *dd = &o->dd;

	memset(r, 0, sizeof(*r));
	r->o = o;
	r->dd = dd;
	r->conv = dd->conv | (o->fsync ? DD_C_FSYNC : 0);
	r->ifd = r->ofd = -1;
	/* dd warns of short reads where they change what count= means. */
	r->warn_partial = !(dd->conv & DD_C_TWOBUFS) &&
	    !(dd->ixflags & DD_F_FULLBLOCK) && (dd->skip_records != 0 ||
	    (dd->max_records > 0 && dd->max_records < INT64_MAX) ||
	    ((dd->iflags | dd->oflags) & O_DIRECT));
	r->i_nocache = (dd->ixflags & DD_F_NOCACHE) != 0;
	r->o_nocache = (dd->oxflags & DD_F_NOCACHE) != 0;
	r->i_nocache_eof = r->i_nocache && dd->max_records == 0 &&
	    dd->max_bytes == 0;
	r->o_nocache_eof = r->o_nocache && dd->max_records == 0 &&
	    dd->max_bytes == 0;
	r->o_cache_off = -2;
	r->reported = -1;
	r->method = M_NONE;
	dd_conv_setup(r);
}

/*
 * The end of the run as dd ends it: after SIGTERM or a fatal error
 * nothing more; else the files closed, then the closing lines (also after
 * SIGINT, before kcp dies of it).
 */
static int
dd_end(struct dd_run *r)
{
	if (r->status == DD_DIE || (r->stopped && xio_stop != SIGINT))
		return 1;
	if (!r->quit && !r->stopped)
		nocache_end(r);
	if (close_files(r) == -1)
		return 1;
	dd_stats(r);
	verbose(r, (double)(dd_now() - r->t0) / 1e9);
	return r->quit ? 1 : r->status;
}

int
dd_main(struct options *o)
{
	struct dd_run run, *r = &run;
	int rc;

	if (dd_preamble(&o->dd) != 0)
		return 1;
	dd_init(r, o);
	if (open_input(r) == -1)
		rc = 1;
	else if ((rc = open_output(r)) == 1)
		rc = 0;		/* -n, or -i answered no */
	else if (rc == 0) {
		xio_on_tick(dd_on_tick, r);
		r->t0 = dd_now();
		r->next_progress = r->t0 + 1000000000;
		dd_copy(r);
		rc = dd_end(r);
		xio_on_tick(NULL, NULL);
	} else
		rc = 1;
	if (r->ibuf != r->obuf)
		free(r->obuf);
	free(r->ibuf);
	free(r->swab_buf);
	/* dd's last word: closing lines it could not write fail the run. */
	if (fflush(stderr) == EOF || ferror(stderr))
		rc = 1;
	return rc;
}
