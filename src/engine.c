/*
 * The method ladder and its policy: which kernel paths apply to a pair of
 * descriptors, in what order, when to leave one for the next, and the
 * per-method account; the pause points between calls (progress ticks,
 * stop requests, --nocache).
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

/* Drop copied pages every so often under --nocache. */
#define DROP_EVERY	((uint64_t)32 << 20)

typedef enum step (*method_fn)(struct xfer *);

static const method_fn fns[M_COUNT] = {
	[M_REFLINK] = offload_clone,
	[M_COPY_FILE_RANGE] = offload_copy_file_range,
	[M_SENDFILE] = offload_sendfile,
	[M_SPLICE] = offload_splice,
	[M_READWRITE] = offload_readwrite,
};

/* The ladder for a pair of descriptor types (kcp(1), THE METHOD LADDER). */
static unsigned
pair_ladder(enum fdtype in, enum fdtype out)
{
	switch (in) {
	case FT_REG:
	case FT_BLK:
		if (fdinfo_is_file(out))
			return M_BIT(M_REFLINK) | M_BIT(M_COPY_FILE_RANGE) |
			    M_BIT(M_SENDFILE) | M_BIT(M_READWRITE);
		if (out == FT_PIPE)
			return M_BIT(M_SENDFILE) | M_BIT(M_SPLICE) |
			    M_BIT(M_READWRITE);
		return M_BIT(M_SENDFILE) | M_BIT(M_READWRITE);
	case FT_PIPE:
		return M_BIT(M_SPLICE) | M_BIT(M_READWRITE);
	case FT_SOCK:
		if (fdinfo_is_file(out) || out == FT_PIPE || out == FT_SOCK)
			return M_BIT(M_SPLICE) | M_BIT(M_READWRITE);
		return M_BIT(M_READWRITE);
	case FT_CHR:
		if (fdinfo_is_file(out))
			return M_BIT(M_SENDFILE) | M_BIT(M_SPLICE) |
			    M_BIT(M_READWRITE);
		if (out == FT_PIPE)
			return M_BIT(M_SPLICE) | M_BIT(M_READWRITE);
		return M_BIT(M_READWRITE);
	default:
		return M_BIT(M_READWRITE);
	}
}

static void
trace(const struct copy_opts *o, enum method m, int err, const char *why)
{
	if (o->trace != NULL)
		o->trace(o->trace_arg, m, err, why);
}

/*
 * The filesystem type of fd, which lives on device dev, or 0.  Remembered
 * for the last device: copying many files into one directory asks once.
 */
long
xfer_fs_type(int fd, dev_t dev)
{
	static _Thread_local dev_t last_dev;
	static _Thread_local long last_type = -1;
	struct statfs sf;

	if (last_type != -1 && dev == last_dev)
		return last_type;
	if (kcp_sys->fstatfs(fd, &sf) == -1)
		return 0;
	last_dev = dev;
	last_type = (long)sf.f_type;
	return last_type;
}

/* Why a clone cannot run on this copy, or NULL (see policy()). */
static const char *
policy_reflink(const struct xfer *x, bool *hard)
{
	const struct copy_opts *o = x->opts;
	long ftype;

	if (o->reflink == REFLINK_NEVER)
		return "--reflink=never";
	if (x->in_fi->type != FT_REG || x->out_fi->type != FT_REG)
		return "not two regular files";
	if (o->reflink == REFLINK_ALWAYS)
		return NULL;
	if (o->sparse != SPARSE_AUTO)
		return "--sparse=always/never asks for written blocks";
	*hard = false;
	/* ext4 and tmpfs cannot share extents: FICLONE would only say no. */
	ftype = xfer_fs_type(x->out, x->out_fi->st.st_dev);
	if (ftype == EXT4_MAGIC || ftype == TMPFS_MAGIC)
		return "the filesystem cannot share extents";
	/* btrfs subvolumes differ in st_dev yet can share extents. */
	if (x->in_fi->st.st_dev != x->out_fi->st.st_dev &&
	    xfer_fs_type(x->in, x->in_fi->st.st_dev) != ftype)
		return "not on the same filesystem";
	return NULL;
}

/*
 * Why method m must not run on this copy, or NULL.  A hard reason holds
 * even when the user forced the method; a heuristic one only spares a
 * call that is bound to fail.
 */
static const char *
policy(const struct xfer *x, enum method m, bool *hard)
{
	const struct copy_opts *o = x->opts;
	const char *why = NULL;

	*hard = true;
	if (x->out_fi->type == FT_REG && x->out_fi->append &&
	    m != M_READWRITE)
		return "DEST is open for appending";
	if (o->direct && m != M_READWRITE)
		return "--direct moves data with read and write";
	switch (m) {
	case M_REFLINK:
		why = policy_reflink(x, hard);
		break;
	case M_COPY_FILE_RANGE:
		if (o->reflink == REFLINK_NEVER)
			return "--reflink=never (it may share extents)";
		if (o->sparse == SPARSE_NEVER)
			return "--sparse=never (it may keep holes)";
		if (o->sparse == SPARSE_ALWAYS)
			return "--sparse=always (it cannot see zeros)";
		if (!sys_kernel_has_cfr())
			return "kernel older than 5.3";
		*hard = false;
		if (x->in_fi->type != FT_REG || x->out_fi->type != FT_REG)
			return "not two regular files";
		break;
	case M_SENDFILE:
	case M_SPLICE:
		if (o->sparse == SPARSE_ALWAYS && x->out_fi->type == FT_REG)
			return "--sparse=always (it cannot see zeros)";
		break;
	default:
		break;
	}
	if (why != NULL)
		return why;
	*hard = false;
	if (sys_disabled(m))
		return "unavailable in this process";
	if (m != M_READWRITE && x->in_fi->type == FT_REG && x->in_size == 0)
		return "SOURCE looks empty and may be synthetic (/proc)";
	return NULL;
}

/* One method, forced: --method with one token, or --reflink=always. */
static int
build_forced(struct xfer *x)
{
	const struct copy_opts *o = x->opts;
	const char *why;
	enum method m;
	bool hard;

	if (o->reflink == REFLINK_ALWAYS)
		m = M_REFLINK;
	else
		m = (enum method)__builtin_ctz(o->methods);
	why = policy(x, m, &hard);
	if (why != NULL && hard) {
		trace(o, m, 0, why);
		return 0;
	}
	x->ladder[0] = m;
	return 1;
}

/* The methods to try, in order, for this copy; their number. */
static int
build_ladder(struct xfer *x)
{
	const struct copy_opts *o = x->opts;
	enum fdtype in = x->in_fi->type, out = x->out_fi->type;
	const char *why;
	unsigned want;
	enum method m;
	bool hard;
	int n = 0;

	if (o->single || o->reflink == REFLINK_ALWAYS)
		return build_forced(x);
	/* A list restricts the ladder; only a single method is forced. */
	want = pair_ladder(in, out) & o->methods;
	/*
	 * Where the benchmark (bench/run) found reads and writes of 1 MiB
	 * faster than the offload calls, the default ladder starts there:
	 * a character device (/dev/zero) into a file, scenario 9, and a
	 * file into a socket, scenario 10.  A --method list keeps them.
	 */
	if (o->methods == M_ALL && ((in == FT_CHR && fdinfo_is_file(out)) ||
	    (fdinfo_is_file(in) && out == FT_SOCK)))
		want = M_BIT(M_READWRITE);
	for (m = 0; m < M_COUNT; m++) {
		if (!(want & M_BIT(m)))
			continue;
		if ((why = policy(x, m, &hard)) != NULL) {
			trace(o, m, 0, why);
			continue;
		}
		x->ladder[n++] = m;
	}
	return n;
}

/*
 * Run the first n rungs of the ladder over x's current range, skipping
 * methods already left.  Returns 0 when the range is copied or SOURCE
 * ended, -1 on error.
 */
static int
run_rungs(struct xfer *x, int n)
{
	struct method_acct *a;
	enum step st;
	int i, last = 0;

	for (i = 0; i < n; i++) {
		if (x->gone[x->ladder[i]])
			continue;
		x->cur = x->ladder[i];
		a = &x->res->m[x->cur];
		x->err = 0;
		x->why = NULL;
		st = fns[x->cur](x);
		if (st == STEP_DONE) {
			a->used = true;
			return 0;
		}
		if (st == STEP_ERROR) {
			x->res->err_method = x->cur;
			return -1;
		}
		/* Left: remember why, unless no call was made at all. */
		x->gone[x->cur] = true;
		if (a->bytes > 0)
			a->used = true;
		if (x->err != 0) {
			a->left = true;
			a->err = x->err;
			last = x->err;
		}
		trace(x->opts, x->cur, x->err, x->why);
	}
	/* Every method said no: the last errno is the answer. */
	x->err = last != 0 ? last : EINVAL;
	x->res->err_method = x->cur;
	x->res->no_method = true;
	return -1;
}

int
xfer_run_ladder(struct xfer *x)
{
	return run_rungs(x, x->rungs);
}

/* Serve a progress tick (also from xio, while a call is blocked). */
void
xfer_tick(void *arg)
{
	struct xfer *x = arg;

	xio_tick = 0;
	if (x->opts->progress != NULL)
		x->opts->progress(x->opts->progress_arg, x->res, x->cur);
}

/* --nocache: drop the pages copied so far (all of them when forced). */
static void
drop_cache(struct xfer *x, bool force)
{
	if (!x->opts->nocache ||
	    (!force && x->res->bytes - x->drop_at < DROP_EVERY))
		return;
	x->drop_at = x->res->bytes;
	if (x->in_seek && x->in_pos > x->in_mark) {
		(void)kcp_sys->fadvise(x->in, x->in_mark,
		    x->in_pos - x->in_mark, POSIX_FADV_DONTNEED);
		x->in_mark = x->in_pos;
	}
	if (x->out_seek && x->out_pos > x->out_mark) {
		/* Dirty pages cannot be dropped: write them out first. */
		(void)kcp_sys->sync_range(x->out, x->out_mark,
		    x->out_pos - x->out_mark, SYNC_FILE_RANGE_WAIT_BEFORE |
		    SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
		(void)kcp_sys->fadvise(x->out, x->out_mark,
		    x->out_pos - x->out_mark, POSIX_FADV_DONTNEED);
		x->out_mark = x->out_pos;
	}
}

bool
xfer_pause(struct xfer *x)
{
	/* A part's ticks are served by the thread waiting for the parts. */
	if (xio_tick && x->group == NULL)
		xfer_tick(x);
	drop_cache(x, false);
	if (xio_stop || xfer_cancelled(x)) {
		x->err = xio_stop ? EINTR : ECANCELED;
		x->err_side = SIDE_UNKNOWN;
		return true;
	}
	return false;
}

bool
xfer_account(struct xfer *x, uint64_t n)
{
	xfer_count(x, x->cur, n);
	return xfer_pause(x);
}

int
xfer_fail(struct xfer *x, int err, enum err_side side, enum method m)
{
	x->err = err;
	x->err_side = side;
	x->res->err_method = m;
	return -1;
}

/* Grow DEST to its final size where the copy ended in a hole. */
static int
finish_size(struct xfer *x)
{
	struct stat st;

	if (!x->extend)
		return 0;
	if (kcp_sys->fstat(x->out, &st) == -1 ||
	    (st.st_size < x->out_pos &&
	    kcp_sys->ftruncate(x->out, x->out_pos) == -1))
		return xfer_fail(x, errno, SIDE_WRITE, M_NONE);
	return 0;
}

/* Pass over skip bytes of a stream by reading them. */
static int
discard(struct xfer *x, int64_t skip)
{
	char tmp[65536];
	ssize_t r;
	size_t chunk;

	while (skip > 0) {
		if (xio_stop)
			return xfer_fail(x, EINTR, SIDE_UNKNOWN, M_READWRITE);
		chunk = skip < (int64_t)sizeof(tmp) ? (size_t)skip :
		    sizeof(tmp);
		r = xio_read(x->in, tmp, chunk, -1);
		if (r < 0)
			return xfer_fail(x, errno, SIDE_READ, M_READWRITE);
		if (r == 0) {
			x->eof = true;
			break;
		}
		skip -= r;
	}
	return 0;
}

/* Give a pipe the room for big splices; the kernel may refuse. */
static void
grow_pipe(const struct fdinfo *fi, size_t size)
{
	int cur;

	if (fi->type != FT_PIPE)
		return;
	cur = kcp_sys->fcntl(fi->fd, F_GETPIPE_SZ, 0);
	if (cur != -1 && (size_t)cur < size)
		(void)kcp_sys->fcntl(fi->fd, F_SETPIPE_SZ, (int)size);
}

static bool
likely_sparse(const struct fdinfo *fi)
{
	return fi->type == FT_REG &&
	    (off_t)fi->st.st_blocks * 512 < fi->st.st_size;
}

/* Fill x from the request; the buffer size fits --sparse=always. */
static void
xfer_init(struct xfer *x, const struct copy_req *req,
    const struct copy_opts *opts, struct copy_result *res)
{
	size_t blk;

	memset(res, 0, sizeof(*res));
	res->err_method = M_NONE;
	memset(x, 0, sizeof(*x));
	x->in = req->in->fd;
	x->out = req->out->fd;
	x->in_fi = req->in;
	x->out_fi = req->out;
	x->res = res;
	x->opts = opts;
	x->cur = M_NONE;
	x->bufsize = opts->bufsize > 0 ? opts->bufsize : KCP_BUFSIZE_DEFAULT;
	if (opts->sparse == SPARSE_ALWAYS) {
		/* Room for whole blocks of DEST, to find the zero ones. */
		blk = fdinfo_blksize(req->out);
		if (x->bufsize < 2 * blk)
			x->bufsize = 2 * blk;
		x->bufsize = (x->bufsize + blk - 1) / blk * blk;
	}
	x->in_seek = req->in->seekable;
	/* An inherited O_APPEND descriptor keeps its semantics: write(2). */
	x->out_seek = req->out->seekable && !req->out->append;
	x->in_size = req->in->type == FT_REG ? req->in->st.st_size : 0;
	x->out_fresh_from = req->out_fresh_from;
	x->zero_holes = opts->sparse == SPARSE_ALWAYS;
	x->bounded = req->length != LEN_EOF;
	x->left = x->bounded ? (uint64_t)req->length : UINT64_MAX;
}

/* Find where SOURCE and DEST start: offsets, --skip. */
static int
xfer_position(struct xfer *x, const struct copy_req *req)
{
	if (x->in_seek) {
		x->in_pos = req->in_off;
		if (x->in_pos == OFF_FD &&
		    (x->in_pos = kcp_sys->lseek(x->in, 0, SEEK_CUR)) == -1)
			return xfer_fail(x, errno, SIDE_READ, M_NONE);
		if (req->skip > INT64_MAX - x->in_pos)
			return xfer_fail(x, EOVERFLOW, SIDE_READ, M_NONE);
		x->in_pos += req->skip;
	} else if (discard(x, req->skip) == -1)
		return -1;
	if (x->out_seek) {
		x->out_pos = req->out_off;
		if (x->out_pos == OFF_FD &&
		    (x->out_pos = kcp_sys->lseek(x->out, 0, SEEK_CUR)) == -1)
			return xfer_fail(x, errno, SIDE_WRITE, M_NONE);
	}
	x->res->in_start = x->in_pos;
	x->res->out_start = x->out_pos;
	/* An O_APPEND DEST is written at its end, as its size was then. */
	if (!x->out_seek && req->out->type == FT_REG)
		x->res->out_start = req->out->st.st_size;
	x->in_mark = x->in_pos;
	x->out_mark = x->out_pos;
	return 0;
}

/* Move the bytes: a clone first where it leads, then the ladder. */
static int
xfer_move(struct xfer *x, const struct copy_req *req)
{
	const struct copy_opts *opts = x->opts;
	struct copy_result *res = x->res;
	bool sparse;
	int rc, parts;

	if ((x->rungs = build_ladder(x)) == 0) {
		x->err = EINVAL;
		x->err_side = SIDE_UNKNOWN;
		res->err_method = opts->reflink == REFLINK_ALWAYS ? M_REFLINK :
		    opts->single ? (enum method)__builtin_ctz(opts->methods) :
		    M_READWRITE;
		res->no_method = true;
		return -1;
	}
	/* A clone covers holes and all: try it on the whole range first. */
	if (x->ladder[0] == M_REFLINK) {
		rc = run_rungs(x, 1);
		/* Go on down the ladder only if the clone said "not here". */
		if (rc == 0 || !res->no_method || res->m[M_REFLINK].bytes > 0 ||
		    opts->reflink == REFLINK_ALWAYS || opts->single)
			return rc;
		res->no_method = false;
		x->gone[M_REFLINK] = true;
	}
	sparse = opts->sparse != SPARSE_NEVER && likely_sparse(req->in) &&
	    x->out_seek && req->out->type == FT_REG;
	/* Parts set DEST's size themselves. */
	if ((parts = parts_count(x)) > 1 && parts_mark(x))
		return parts_copy(x, parts, sparse);
	if (sparse) {
		if (sparse_copy(x) == -1)
			return -1;
	} else if (xfer_run_ladder(x) == -1)
		return -1;
	return finish_size(x);
}

int
engine_copy(const struct copy_req *req, const struct copy_opts *opts,
    struct copy_result *res)
{
	struct xfer x;
	int rc;

	xfer_init(&x, req, opts, res);
	xio_on_tick(xfer_tick, &x);
	rc = xfer_position(&x, req);
	if (rc == 0 && !x.eof && x.left > 0) {
		grow_pipe(req->in, x.bufsize);
		grow_pipe(req->out, x.bufsize);
		rc = xfer_move(&x, req);
	}
	xio_on_tick(NULL, NULL);
	drop_cache(&x, true);
	if (req->set_in_offset && x.in_seek)
		(void)kcp_sys->lseek(x.in, x.in_pos, SEEK_SET);
	if (req->set_out_offset && x.out_seek)
		(void)kcp_sys->lseek(x.out, x.out_pos, SEEK_SET);
	free(x.buf);
	if (rc == -1) {
		res->err = x.err != 0 ? x.err : EIO;
		res->err_side = x.err_side;
	}
	return rc;
}

bool
xfer_clone_aligned(off_t in_pos, off_t out_pos, off_t len, off_t in_size,
    off_t blk)
{
	return in_pos % blk == 0 && out_pos % blk == 0 &&
	    (len % blk == 0 || in_pos + len == in_size);
}

bool
engine_can_clone(const struct copy_req *req)
{
	off_t in_pos = req->in_off, out_pos = req->out_off, len, size;

	if (req->in->type != FT_REG || req->out->type != FT_REG)
		return true;	/* the clone itself will say why not */
	if (in_pos == OFF_FD &&
	    (in_pos = kcp_sys->lseek(req->in->fd, 0, SEEK_CUR)) == -1)
		return true;
	if (out_pos == OFF_FD &&
	    (out_pos = kcp_sys->lseek(req->out->fd, 0, SEEK_CUR)) == -1)
		return true;
	size = req->in->st.st_size;
	if (req->skip > INT64_MAX - in_pos)
		return true;
	in_pos += req->skip;
	if (in_pos >= size)
		return true;	/* nothing to share: an empty clone */
	len = size - in_pos;
	if (req->length != LEN_EOF && req->length < len)
		len = req->length;
	return xfer_clone_aligned(in_pos, out_pos, len, size,
	    (off_t)fdinfo_blksize(req->out));
}

void
engine_thread_done(void)
{
	offload_pipe_close();
}

void
engine_reset(void)
{
	sys_reset();
	offload_pipe_close();
}
