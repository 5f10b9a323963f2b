/*
 * One copy job, step by step: open SOURCE, open DEST, check the pair
 * (same file, seeking), prepare DEST (truncation, offsets), plan the
 * engine's work, run it, finish (attributes, sync, verify, atomic
 * commit), close.  Every step reports its own failure.
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dest.h"
#include "engine.h"
#include "fdinfo.h"
#include "finish.h"
#include "job.h"
#include "pool.h"
#include "report.h"
#include "quote.h"
#include "resume.h"
#include "xio.h"

struct job {
	const struct atname	*src, *dst;
	const struct options	*o;
	bool			 src_std, dst_std;	/* "-" */
	struct fdinfo		 in, out;
	bool			 created;	/* DEST is new */
	struct atomic		 at;
	struct copy_req		 req;
	struct copy_opts	 copts;
	struct copy_result	 res;
	struct progress		 prog;
	bool			 ran;		/* the engine was called */
	double			 t0;
	int			 in_fl, out_fl;	/* flags to put back, or -1 */
	const struct job_watch	*watch;		/* a tree's progress, or NULL */
	struct resume		 rs;		/* what --resume kept */
};

/* engine callback, -vv: a method left or skipped. */
static void
trace_cb(void *arg, enum method m, int err, const char *why)
{
	const struct job *j = arg;

	report_decision(stderr, j->src->shown, j->dst->shown, m, err, why);
}

/* engine callback: a tick (-P) or SIGUSR1 came. */
static void
progress_cb(void *arg, const struct copy_result *r, enum method m)
{
	struct job *j = arg;
	bool status = atomic_exchange(&xio_status, 0) != 0;

	if (j->watch != NULL)
		j->watch->tick(j->watch->arg, r, status);
	else if (status || j->o->progress)
		progress_show(&j->prog, r, m, status);
}

static int
open_source(struct job *j)
{
	int fd;

	if (j->src_std && fdinfo_std_closed(STDIN_FILENO)) {
		errno = EBADF;
		warn("cannot stat '-'");
		return -1;
	} else if (j->src_std)
		fd = STDIN_FILENO;
	else if ((fd = xio_openat(j->src->dirfd, j->src->name, O_RDONLY |
	    O_CLOEXEC | (j->src->nofollow ? O_NOFOLLOW : 0), 0)) == -1) {
		if (!xio_stop)
			warn("cannot open %s for reading",
			    quote(j->src->shown));
		return -1;
	}
	if ((j->src_std ? fdinfo_get : fdinfo_get_own)(fd, &j->in) == -1) {
		warn("cannot stat %s", quote(j->src->shown));
		return -1;
	}
	if (j->in.type == FT_DIR) {
		warnx("omitting directory %s", quote(j->src->shown));
		return -1;
	}
	return 0;
}

/* 0, -1 after a message, or DEST_SKIP. */
static int
open_dest(struct job *j)
{
	const struct options *o = j->o;
	int fd, flags;
	mode_t mode;

	/* Write-only, even for --verify: it reads DEST through a new open. */
	flags = O_WRONLY;
	mode = j->in.type == FT_REG && !(o->preserve_refused & PRESERVE_MODE) ?
	    (j->in.st.st_mode & 0777) : 0666;
	if (j->dst_std && o->atomic) {
		warnx("cannot replace '-' atomically: not a regular file");
		return -1;
	} else if (j->dst_std && fdinfo_std_closed(STDOUT_FILENO)) {
		errno = EBADF;
		warn("cannot stat '-'");
		return -1;
	} else if (j->dst_std)
		fd = STDOUT_FILENO;
	else if (o->atomic)
		fd = atomic_open(j->dst, flags, mode, o, &j->in, &j->at);
	else
		fd = dest_open(j->dst, flags, mode, o, &j->in, j->src->shown,
		    &j->created);
	if (fd == DEST_SAME)
		warnx("%s and %s are the same file", quote(j->src->shown),
		    quote(j->dst->shown));
	if (fd < 0)
		return fd == DEST_SKIP ? DEST_SKIP : -1;
	/* From here on close_dest() closes it, whatever happens. */
	j->out.fd = fd;
	if ((j->created ? fdinfo_get_new : fdinfo_get)(fd, &j->out) == -1) {
		warn("cannot stat %s", quote(j->dst->shown));
		return -1;
	}
	return 0;
}

static bool
ranges_overlap(int64_t a, int64_t b, int64_t n)
{
	return a < b + n && b < a + n;
}

/*
 * kcp(1), Semantics, same file: a copy from a file onto itself runs only
 * when it cannot truncate the file or read its own output.  A forward
 * copy to a lower offset is safe even where the ranges overlap ("copy the
 * tail to the front"); one to a higher, overlapping offset is not.  On
 * success *len bounds the copy to what SOURCE held when it started.
 */
static bool
same_file_ok(const struct job *j, int64_t *len)
{
	const struct options *o = j->o;
	int64_t s, d, n, size = j->in.size;
	off_t cur;

	if (!j->dst_std && !o->seek_set && !o->append && !o->no_truncate)
		return false;
	if (o->trunc_at_seek)
		return false;
	s = o->skip;
	if (j->src_std && (cur = lseek(j->in.fd, 0, SEEK_CUR)) > 0)
		s = cur > INT64_MAX - s ? INT64_MAX : cur + s;
	n = size > s ? size - s : 0;
	if (o->length_set && o->length < n)
		n = o->length;
	if (o->append || j->out.append)
		d = size;
	else if (j->dst_std && (cur = lseek(j->out.fd, 0, SEEK_CUR)) > 0)
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

/* The pair: same file, seeking in DEST.  Sets the length to copy. */
static int
check_pair(struct job *j)
{
	const struct options *o = j->o;
	const struct atomic *at = &j->at;
	bool seeking = o->seek_set || o->seek != 0;

	j->req.length = o->length_set ? o->length : LEN_EOF;
	if (fdinfo_same(&j->in, &j->out) || (at->existed &&
	    at->old.st_dev == j->in.st.st_dev &&
	    at->old.st_ino == j->in.st.st_ino && j->in.type == FT_REG)) {
		if (at->on || !same_file_ok(j, &j->req.length)) {
			warnx("%s and %s are the same file",
			    quote(j->src->shown), quote(j->dst->shown));
			return -1;
		}
	}
	if (seeking && j->dst_std && j->out.append &&
	    j->out.type == FT_REG) {
		warnx("cannot seek in '-': it is open for appending");
		return -1;
	}
	if (seeking && !j->out.seekable) {
		errno = ESPIPE;
		warn("cannot seek in %s", quote(j->dst->shown));
		return -1;
	}
	return 0;
}

/* Truncate DEST where it must be, only now that the pair is checked. */
static int
truncate_dest(struct job *j)
{
	const struct options *o = j->o;
	struct fdinfo *out = &j->out;
	off_t at = -1;

	if (o->trunc_at_seek && !j->dst_std && out->type == FT_REG &&
	    out->st.st_size != o->seek)
		at = o->seek;	/* dd: seek= truncates there, not notrunc */
	else if (!j->dst_std && out->type == FT_REG && !j->rs.keep &&
	    !o->seek_set && !o->append && !o->no_truncate &&
	    out->st.st_size > 0)
		at = 0;
	if (at != -1) {
		if (ftruncate(out->fd, at) == -1) {
			warn("cannot truncate %s", quote(j->dst->shown));
			return -1;
		}
		out->st.st_size = at;
		if (o->append)	/* dd's oflag=append without notrunc */
			j->req.out_off = at;
	}
	j->req.out_fresh_from = out->type == FT_REG ? out->st.st_size : 0;
	return 0;
}

/* Where the engine reads and writes. */
static int
place(struct job *j)
{
	const struct options *o = j->o;
	struct copy_req *req = &j->req;
	off_t cur;

	req->in = &j->in;
	req->out = &j->out;
	req->in_off = j->src_std ? OFF_FD : 0;
	req->skip = o->skip;
	req->set_in_offset = j->src_std;
	req->set_out_offset = j->dst_std;
	if (o->append)
		req->out_off = j->out.st.st_size;
	else if (!j->dst_std)
		req->out_off = o->seek;
	else if (j->out.seekable && !j->out.append) {
		cur = lseek(j->out.fd, 0, SEEK_CUR);
		if (cur == -1 || o->seek > INT64_MAX - cur) {
			warn("cannot seek in %s", quote(j->dst->shown));
			return -1;
		}
		req->out_off = cur + o->seek;
	} else
		req->out_off = OFF_FD;
	return 0;
}

/*
 * --resume: keep the part of the range DEST holds already, where it is
 * SOURCE's, and copy only the rest (kcp(1), RESUME).
 */
static int
resume(struct job *j)
{
	const struct options *o = j->o;
	bool truncating = !j->dst_std && !o->seek_set && !o->append &&
	    !o->no_truncate;

	if (!o->resume)
		return 0;
	return resume_plan(&j->req, o, truncating, j->src->shown,
	    j->dst->shown, &j->rs);
}

/* --reflink=always on a range no clone can take: refuse it now. */
static int
check_clone(struct job *j)
{
	if (j->o->copy.reflink != REFLINK_ALWAYS || engine_can_clone(&j->req))
		return 0;
	warnx("failed to clone %s to %s: %s", quote(j->src->shown),
	    quote(j->dst->shown), strerror(EINVAL));
	return -1;
}

/*
 * Turn on O_DIRECT for a file or block device, where allowed.  Returns
 * the flags to put back when done (an inherited descriptor's open file
 * description is shared with other processes), or -1.
 */
static int
try_direct(const struct fdinfo *fi, const char *name, int verbose)
{
	int fl;

	if (!fdinfo_is_file(fi->type))
		return -1;
	if ((fl = fcntl(fi->fd, F_GETFL)) == -1 ||
	    fcntl(fi->fd, F_SETFL, fl | O_DIRECT) == -1) {
		if (verbose > 1)
			warnx("%s: O_DIRECT refused (%s): copying through "
			    "the page cache", quote(name),
			    report_errname(errno));
		return -1;
	}
	return fl;
}

/* What progress can promise: the rest of a regular SOURCE, or -l. */
static void
plan_progress(struct job *j)
{
	const struct options *o = j->o;
	bool known = fdinfo_is_file(j->in.type) || o->length_set;
	uint64_t total = 0;
	off_t base;

	if (fdinfo_is_file(j->in.type)) {
		base = j->src_std ? lseek(j->in.fd, 0, SEEK_CUR) : 0;
		base = base < 0 ? 0 : base;
		total = j->in.size > base + j->req.skip ?
		    (uint64_t)(j->in.size - base - j->req.skip) : 0;
		if (j->req.length != LEN_EOF &&
		    (uint64_t)j->req.length < total)
			total = (uint64_t)j->req.length;
	} else if (o->length_set)
		total = (uint64_t)j->req.length;
	progress_start(&j->prog, stderr, o->progress && j->watch == NULL,
	    known, total);
}

/* The engine's options for this job. */
static void
plan(struct job *j)
{
	const struct options *o = j->o;

	j->copts = o->copy;
	if (o->verbose > 1) {
		j->copts.trace = trace_cb;
		j->copts.trace_arg = j;
	}
	j->copts.progress = progress_cb;
	j->copts.progress_arg = j;
	j->copts.nocache = o->nocache;
	/* -j: one large file in parts, unless a pool's worker copies it. */
	if (!pool_in_worker()) {
		j->copts.parts = o->jobs > 0 ? o->jobs : pool_default_jobs();
		j->copts.parts_auto = o->jobs == 0;
	}
	if (o->direct) {
		j->copts.direct = true;
		j->in_fl = try_direct(&j->in, j->src->shown, o->verbose);
		j->out_fl = try_direct(&j->out, j->dst->shown, o->verbose);
	}
	if (o->progress)
		j->copts.chunk = 64 << 20;	/* keep the line moving */
	plan_progress(j);
}

static void
report_failure(const struct job *j)
{
	const struct copy_result *res = &j->res;

	if (res->err_method == M_REFLINK && j->copts.reflink == REFLINK_ALWAYS)
		warnx("failed to clone %s to %s: %s", quote(j->src->shown),
		    quote(j->dst->shown), strerror(res->err));
	else if (res->no_method)
		warnx("cannot copy %s to %s with %s: %s (%s)",
		    quote(j->src->shown), quote(j->dst->shown),
		    method_name(res->err_method),
		    strerror(res->err), report_errname(res->err));
	else if (res->err_side == SIDE_READ)
		warnx("error reading %s: %s", quote(j->src->shown),
		    strerror(res->err));
	else if (res->err_side == SIDE_WRITE)
		warnx("error writing %s: %s", quote(j->dst->shown),
		    strerror(res->err));
	else
		warnx("error copying %s to %s: %s", quote(j->src->shown),
		    quote(j->dst->shown), strerror(res->err));
}

/* Move the bytes.  0, or 1 after a message. */
static int
run(struct job *j)
{
	int rval = 0;

	j->t0 = report_now();
	j->ran = true;
	if (engine_copy(&j->req, &j->copts, &j->res) == -1) {
		if (!xio_stop)
			report_failure(j);
		rval = 1;
	}
	j->res.resumed = j->rs.held;
	progress_end(&j->prog, &j->res);
	return rval;
}

/* A failure after the bytes moved: remember its errno; returns 1. */
static int
failed_after(struct job *j, int err)
{
	j->res.err = err;
	return 1;
}

/*
 * --verify where both ends are files; elsewhere there is nothing to read
 * back (a pipe, a socket, a terminal), and -v says so.
 */
static int
verify(struct job *j)
{
	if (!fdinfo_is_file(j->in.type) || !fdinfo_is_file(j->out.type)) {
		if (j->o->verbose > 0)
			warnx("%s -> %s: not verified: only files and block "
			    "devices can be read back", quote(j->src->shown),
			    quote(j->dst->shown));
		return 0;
	}
	/* A resumed copy is checked whole, the part kept included. */
	return finish_verify(j->src->shown, j->dst->shown, j->in.fd, j->out.fd,
	    j->res.in_start - (off_t)j->res.resumed,
	    j->res.out_start - (off_t)j->res.resumed,
	    j->res.bytes + j->res.resumed);
}

/*
 * After a successful run: attributes, sync, verify, times (last, since
 * reading DEST back sets its access time), atomic commit.
 */
static int
finish(struct job *j)
{
	const struct options *o = j->o;
	struct finish_side s = { j->in.fd, j->src->dirfd, j->src->name,
	    j->src->shown, false, NULL };
	struct finish_side d = { j->out.fd, j->dst->dirfd, j->dst->name,
	    j->dst->shown, false, &j->out.st };
	/* Attributes are a file's: not a stream's or a device's. */
	bool attrs = o->preserve != 0 && !j->dst_std &&
	    fdinfo_is_file(j->in.type);

	if (j->at.on)
		atomic_keep_looks(&j->at, j->out.fd, o->preserve);
	if (attrs && finish_meta(o, &j->in.st, &s, &d) == -1) {
		/* The times all the same, as cp; the copy has failed. */
		(void)finish_meta_times(o, &j->in.st, &d);
		return failed_after(j, errno);
	}
	if ((o->fsync || o->fdatasync) &&
	    finish_sync(o, &j->out, j->dst->shown) == -1)
		return failed_after(j, errno);
	if (o->verify && verify(j) == -1)
		return failed_after(j, xio_stop ? EINTR : EIO);
	if (attrs && finish_meta_times(o, &j->in.st, &d) == -1)
		return failed_after(j, errno);
	/* A stop asked for after the copy still leaves DEST alone. */
	if (xio_stop)
		return failed_after(j, EINTR);
	if (j->at.on && atomic_commit(&j->at, j->out.fd,
	    o->fsync || o->fdatasync) == -1) {
		j->res.err = errno;
		warn("cannot rename a temporary file to %s",
		    quote(j->dst->shown));
		return 1;
	}
	return 0;
}

/*
 * Close DEST.  A DEST kcp created is removed when the copy never started,
 * or when --reflink=always could not clone; otherwise a partial DEST stays,
 * as with cp.  The -v line comes last, once the close is known.
 */
static int
close_dest(struct job *j, int rval)
{
	bool clone_failed = j->res.err_method == M_REFLINK &&
	    j->copts.reflink == REFLINK_ALWAYS && !xio_stop;

	/* Inherited descriptors are left as they were found. */
	if (j->in_fl != -1)
		(void)fcntl(j->in.fd, F_SETFL, j->in_fl);
	if (j->out_fl != -1 && j->dst_std)
		(void)fcntl(j->out.fd, F_SETFL, j->out_fl);
	if (rval != 0 && j->at.on)
		atomic_abort(&j->at);
	if (rval != 0 && j->created && (!j->ran || clone_failed))
		(void)unlinkat(j->dst->dirfd, j->dst->name, 0);
	if (!j->dst_std && close(j->out.fd) == -1 && rval == 0) {
		j->res.err = errno;
		warn("error writing %s", quote(j->dst->shown));
		rval = 1;
	}
	if (j->ran && j->o->verbose > 0)
		report_copy(stderr, j->src->shown, j->dst->shown, &j->res,
		    report_now() - j->t0);
	return rval;
}

/* "-" named on the command line is a standard stream. */
static bool
is_std(const struct atname *f)
{
	return f->dirfd == AT_FDCWD && strcmp(f->name, "-") == 0;
}

int
job_run(const struct atname *src, const struct atname *dst,
    const struct options *o, uint64_t *bytes)
{
	return job_run_watched(src, dst, o, NULL, bytes);
}

int
job_run_watched(const struct atname *src, const struct atname *dst,
    const struct options *o, const struct job_watch *w, uint64_t *bytes)
{
	struct job j;
	int rval = 1, r;

	memset(&j, 0, sizeof(j));
	j.watch = w;
	j.src = src;
	j.dst = dst;
	j.o = o;
	j.src_std = is_std(src);
	j.dst_std = is_std(dst);
	j.in.fd = j.out.fd = -1;
	j.in_fl = j.out_fl = -1;
	j.at.dirfd = -1;
	j.res.err_method = M_NONE;

	if (open_source(&j) == 0) {
		r = open_dest(&j);
		if (r == DEST_SKIP)
			rval = 0;
		else if (j.out.fd != -1) {
			if (r == 0 && o->attributes_only) {
				if (check_pair(&j) == 0)
					rval = finish(&j);
			} else if (r == 0 && check_pair(&j) == 0 &&
			    place(&j) == 0 && resume(&j) == 0 &&
			    check_clone(&j) == 0 && truncate_dest(&j) == 0) {
				plan(&j);
				rval = run(&j);
				if (rval == 0)
					rval = finish(&j);
				if (bytes != NULL)
					*bytes = j.res.bytes + j.res.resumed;
			}
			rval = close_dest(&j, rval);
		}
	}
	atomic_free(&j.at);
	if (!j.src_std && j.in.fd != -1)
		(void)close(j.in.fd);
	return rval;
}

int
job_copy(const char *src, const char *dst, const struct options *o,
    uint64_t *bytes)
{
	struct atname s = { AT_FDCWD, src, src, false };
	struct atname d = { AT_FDCWD, dst, dst, false };

	return job_run(&s, &d, o, bytes);
}
