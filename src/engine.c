/*
 * The method ladder and its policy: which kernel paths apply to a pair of
 * descriptors, in what order, when to leave one for the next, and the
 * per-method account.  Sparse SOURCEs are walked region by region here;
 * each data region goes down the same ladder.
 */
#include "config.h"

#include <sys/utsname.h>
#include <sys/vfs.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "offload.h"
#include "xio.h"

/* Filesystems that cannot share extents: FICLONE would only say no. */
#define EXT4_MAGIC	0xEF53
#define TMPFS_MAGIC	0x01021994

static const char *const names[M_COUNT] = {
	[M_REFLINK] = "reflink",
	[M_COPY_FILE_RANGE] = "copy_file_range",
	[M_SENDFILE] = "sendfile",
	[M_SPLICE] = "splice",
	[M_READWRITE] = "readwrite",
};

typedef enum step (*method_fn)(struct xfer *);

static const method_fn fns[M_COUNT] = {
	[M_REFLINK] = off_clone,
	[M_COPY_FILE_RANGE] = off_copy_file_range,
	[M_SENDFILE] = off_sendfile,
	[M_SPLICE] = off_splice,
	[M_READWRITE] = off_readwrite,
};

const char *
method_name(enum method m)
{
	return m < M_COUNT ? names[m] : "none";
}

/* Parse "auto" or a comma list of method tokens. */
int
method_parse_list(const char *s, unsigned *set, bool *single)
{
	char *copy, *tok, *save;
	unsigned bits = 0;
	int count = 0, m;

	if (strcmp(s, "auto") == 0) {
		*set = M_ALL;
		*single = false;
		return 0;
	}
	if ((copy = strdup(s)) == NULL)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		for (m = 0; m < M_COUNT; m++)
			if (strcmp(tok, names[m]) == 0)
				break;
		if (m == M_COUNT) {
			free(copy);
			errno = EINVAL;
			return -1;
		}
		if (!(bits & M_BIT(m)))
			count++;
		bits |= M_BIT(m);
	}
	free(copy);
	if (bits == 0) {
		errno = EINVAL;
		return -1;
	}
	*single = count == 1;
	/* readwrite is the last resort unless one method was asked for. */
	*set = *single ? bits : bits | M_BIT(M_READWRITE);
	return 0;
}

/*
 * copy_file_range before Linux 5.3 had other cross-file semantics; it is
 * not used there.  Read once per process.
 */
static bool
kernel_has_cfr(void)
{
	static int known = -1;
	struct utsname u;
	int major = 0, minor = 0;

	if (known == -1) {
		known = 0;
		if (uname(&u) == 0 &&
		    sscanf(u.release, "%d.%d", &major, &minor) == 2)
			known = major > 5 || (major == 5 && minor >= 3);
	}
	return known;
}

static bool
is_file(enum fdtype t)
{
	return t == FT_REG || t == FT_BLK;
}

/* The ladder of SPEC section 5 for a pair of descriptor types. */
static unsigned
pair_ladder(enum fdtype in, enum fdtype out)
{
	switch (in) {
	case FT_REG:
	case FT_BLK:
		if (is_file(out))
			return M_BIT(M_REFLINK) | M_BIT(M_COPY_FILE_RANGE) |
			    M_BIT(M_SENDFILE) | M_BIT(M_READWRITE);
		if (out == FT_PIPE)
			return M_BIT(M_SENDFILE) | M_BIT(M_SPLICE) |
			    M_BIT(M_READWRITE);
		return M_BIT(M_SENDFILE) | M_BIT(M_READWRITE);
	case FT_PIPE:
		return M_BIT(M_SPLICE) | M_BIT(M_READWRITE);
	case FT_SOCK:
		if (is_file(out) || out == FT_PIPE || out == FT_SOCK)
			return M_BIT(M_SPLICE) | M_BIT(M_READWRITE);
		return M_BIT(M_READWRITE);
	case FT_CHR:
		if (is_file(out))
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
static long
fs_type(int fd, dev_t dev)
{
	static dev_t last_dev;
	static long last_type = -1;
	struct statfs sf;

	if (last_type != -1 && dev == last_dev)
		return last_type;
	if (fstatfs(fd, &sf) == -1)
		return 0;
	last_dev = dev;
	last_type = (long)sf.f_type;
	return last_type;
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
	long ftype;

	*hard = true;
	if (x->oi->type == FT_REG && x->oi->append && m != M_READWRITE)
		return "DEST is open for appending";
	if (o->direct && m != M_READWRITE)
		return "--direct moves data with read and write";
	switch (m) {
	case M_REFLINK:
		if (o->reflink == REFLINK_NEVER)
			return "--reflink=never";
		if (x->ii->type != FT_REG || x->oi->type != FT_REG)
			return "not two regular files";
		if (o->reflink == REFLINK_ALWAYS)
			return NULL;
		if (o->sparse != SPARSE_AUTO)
			return "--sparse=always/never asks for written blocks";
		*hard = false;
		ftype = fs_type(x->out, x->oi->st.st_dev);
		if (ftype == EXT4_MAGIC || ftype == TMPFS_MAGIC)
			return "the filesystem cannot share extents";
		/* btrfs subvolumes differ in st_dev yet can share extents. */
		if (x->ii->st.st_dev != x->oi->st.st_dev &&
		    fs_type(x->in, x->ii->st.st_dev) != ftype)
			return "not on the same filesystem";
		break;
	case M_COPY_FILE_RANGE:
		if (o->reflink == REFLINK_NEVER)
			return "--reflink=never (it may share extents)";
		if (o->sparse == SPARSE_NEVER)
			return "--sparse=never (it may keep holes)";
		if (o->sparse == SPARSE_ALWAYS)
			return "--sparse=always (it cannot see zeros)";
		if (!kernel_has_cfr())
			return "kernel older than 5.3";
		*hard = false;
		if (x->ii->type != FT_REG || x->oi->type != FT_REG)
			return "not two regular files";
		break;
	case M_SENDFILE:
	case M_SPLICE:
		if (o->sparse == SPARSE_ALWAYS && x->oi->type == FT_REG)
			return "--sparse=always (it cannot see zeros)";
		break;
	default:
		break;
	}
	*hard = false;
	if (offload_disabled(m))
		return "unavailable in this process";
	if (m != M_READWRITE && x->ii->type == FT_REG && x->in_size == 0)
		return "SOURCE looks empty and may be synthetic (/proc)";
	return NULL;
}

/* The methods to try, in order, for this copy. */
static int
build_ladder(struct xfer *x, enum method *list)
{
	const struct copy_opts *o = x->opts;
	unsigned want, m;
	const char *why;
	bool hard;
	int n = 0;

	if (o->single || o->reflink == REFLINK_ALWAYS) {
		/* One method, forced: a clone or nothing under --reflink. */
		for (m = 0; m < M_COUNT; m++)
			if (o->methods & M_BIT(m))
				break;
		if (o->reflink == REFLINK_ALWAYS)
			m = M_REFLINK;
		why = policy(x, m, &hard);
		if (why != NULL && hard) {
			trace(o, m, 0, why);
			return 0;
		}
		list[n++] = m;
		return n;
	}
	/* A list restricts the ladder; only a single method is forced. */
	want = pair_ladder(x->ii->type, x->oi->type) & o->methods;
	/*
	 * Where the benchmark (bench/run) found reads and writes of 1 MiB
	 * faster than the offload calls, the default ladder starts there:
	 * a character device (/dev/zero) into a file, scenario 9, and a
	 * file into a socket, scenario 10.  A --method list keeps them.
	 */
	if (o->methods == M_ALL &&
	    ((x->ii->type == FT_CHR && is_file(x->oi->type)) ||
	    (is_file(x->ii->type) && x->oi->type == FT_SOCK)))
		want = M_BIT(M_READWRITE);
	for (m = 0; m < M_COUNT; m++) {
		if (!(want & M_BIT(m)))
			continue;
		if ((why = policy(x, m, &hard)) != NULL) {
			trace(o, m, 0, why);
			continue;
		}
		list[n++] = m;
	}
	return n;
}

/*
 * Run the ladder over x's current range.  Returns 0 when the range is
 * copied or SOURCE ended, -1 on error.
 */
static int
run_ladder(struct xfer *x, const enum method *list, int n, bool *gone)
{
	struct method_acct *a;
	enum step st;
	int i, last = 0;

	for (i = 0; i < n; i++) {
		if (gone[list[i]])
			continue;
		x->cur = list[i];
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
		gone[x->cur] = true;
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

/* Grow DEST to its final size where the copy ended in a hole. */
static int
finish_size(struct xfer *x)
{
	struct stat st;

	if (!x->extend)
		return 0;
	if (fstat(x->out, &st) == -1)
		return -1;
	if (st.st_size < x->out_pos && ftruncate(x->out, x->out_pos) == -1)
		return -1;
	return 0;
}

/*
 * Walk SOURCE's data regions with SEEK_DATA/SEEK_HOLE: data goes down the
 * ladder, holes stay holes (or become zeros over old DEST bytes).
 */
static int
copy_sparse(struct xfer *x, const enum method *list, int n, bool *gone)
{
	off_t end, data, hole, len;
	uint64_t total = x->left;

	end = x->in_size;
	if (x->in_pos >= end) {
		x->eof = true;		/* skipped past SOURCE's end */
		x->left = 0;
		return 0;
	}
	if (x->bounded && (uint64_t)(end - x->in_pos) > total)
		end = x->in_pos + (off_t)total;
	while (x->in_pos < end) {
		data = kcp_sys->lseek(x->in, x->in_pos, SEEK_DATA);
		if (data == -1) {
			if (errno != ENXIO && !errno_unsupported(errno)) {
				x->err = errno;
				x->err_side = SIDE_READ;
				x->res->err_method = M_COUNT;
				return -1;
			}
			if (errno != ENXIO) {
				/* No SEEK_DATA here: the rest is data. */
				x->left = (uint64_t)(end - x->in_pos);
				x->bounded = true;
				return run_ladder(x, list, n, gone);
			}
			data = end;
		}
		if (data > end)
			data = end;
		if (data > x->in_pos) {
			len = data - x->in_pos;
			if (offload_zero_range(x, x->out_pos, len) == -1) {
				x->err = errno;
				x->err_side = SIDE_WRITE;
				x->res->err_method = M_READWRITE;
				return -1;
			}
			x->in_pos += len;
			x->out_pos += len;
			x->res->bytes += (uint64_t)len;
		}
		if (data >= end)
			break;
		hole = kcp_sys->lseek(x->in, data, SEEK_HOLE);
		if (hole == -1 && !errno_unsupported(errno)) {
			x->err = errno;
			x->err_side = SIDE_READ;
			x->res->err_method = M_COUNT;
			return -1;
		}
		if (hole == -1 || hole > end)
			hole = end;	/* no SEEK_HOLE: the rest is data */
		x->left = (uint64_t)(hole - data);
		x->bounded = true;
		x->eof = false;
		if (run_ladder(x, list, n, gone) == -1)
			return -1;
		if (x->eof)
			break;	/* SOURCE shrank under us */
	}
	x->left = 0;
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
		if (xio_stop) {
			x->err = EINTR;
			x->err_side = SIDE_UNKNOWN;
			return -1;
		}
		chunk = skip < (int64_t)sizeof(tmp) ? (size_t)skip :
		    sizeof(tmp);
		r = xio_read(x->in, tmp, chunk, -1);
		if (r < 0) {
			x->err = errno;
			x->err_side = SIDE_READ;
			return -1;
		}
		if (r == 0) {
			x->eof = true;
			return 0;
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
	cur = fcntl(fi->fd, F_GETPIPE_SZ);
	if (cur != -1 && (size_t)cur < size)
		(void)fcntl(fi->fd, F_SETPIPE_SZ, (int)size);
}

static bool
likely_sparse(const struct fdinfo *fi)
{
	return fi->type == FT_REG &&
	    (off_t)fi->st.st_blocks * 512 < fi->st.st_size;
}

int
engine_copy(const struct copy_req *req, const struct copy_opts *opts,
    struct copy_result *res)
{
	struct xfer x;
	enum method list[M_COUNT];
	bool gone[M_COUNT] = { false };
	int n, rc = 0;

	memset(res, 0, sizeof(*res));
	memset(&x, 0, sizeof(x));
	x.in = req->in->fd;
	x.out = req->out->fd;
	x.ii = req->in;
	x.oi = req->out;
	x.res = res;
	x.opts = opts;
	x.bufsize = opts->bufsize > 0 ? opts->bufsize : KCP_BUFSIZE_DEFAULT;
	if (opts->sparse == SPARSE_ALWAYS) {
		/* Room for whole blocks of DEST, to find the zero ones. */
		size_t blk = req->out->st.st_blksize > 0 ?
		    (size_t)req->out->st.st_blksize : 4096;

		if (x.bufsize < 2 * blk)
			x.bufsize = 2 * blk;
		x.bufsize = (x.bufsize + blk - 1) / blk * blk;
	}
	x.in_seek = req->in->seekable;
	/* An inherited O_APPEND descriptor keeps its semantics: write(2). */
	x.out_seek = req->out->seekable && !req->out->append;
	x.in_size = req->in->type == FT_REG ? req->in->st.st_size : 0;
	x.out_fresh_from = req->out_fresh_from;
	x.zero_holes = opts->sparse == SPARSE_ALWAYS;
	x.bounded = req->length != LEN_EOF;
	x.left = x.bounded ? (uint64_t)req->length : UINT64_MAX;

	xio_on_tick(offload_tick, &x);
	if (x.in_seek) {
		x.in_pos = req->in_off;
		if (x.in_pos == OFF_FD &&
		    (x.in_pos = lseek(x.in, 0, SEEK_CUR)) == -1)
			goto fail_read;
		if (req->skip > INT64_MAX - x.in_pos) {
			errno = EOVERFLOW;
			goto fail_read;
		}
		x.in_pos += req->skip;
	} else if (discard(&x, req->skip) == -1) {
		res->err_method = M_READWRITE;
		rc = -1;
		goto out;
	}
	if (x.out_seek) {
		x.out_pos = req->out_off;
		if (x.out_pos == OFF_FD &&
		    (x.out_pos = lseek(x.out, 0, SEEK_CUR)) == -1) {
			x.err = errno;
			x.err_side = SIDE_WRITE;
			res->err_method = M_COUNT;
			rc = -1;
			goto out;
		}
	}
	res->in_start = x.in_pos;
	res->out_start = x.out_pos;
	/* An O_APPEND DEST is written at its end, as its size was then. */
	if (!x.out_seek && req->out->type == FT_REG)
		res->out_start = req->out->st.st_size;
	x.in_mark = x.in_pos;
	x.out_mark = x.out_pos;
	if (x.eof || x.left == 0)
		goto out;

	grow_pipe(req->in, x.bufsize);
	grow_pipe(req->out, x.bufsize);

	n = build_ladder(&x, list);
	if (n == 0) {
		x.err = EINVAL;
		x.err_side = SIDE_UNKNOWN;
		res->err_method = opts->reflink == REFLINK_ALWAYS ? M_REFLINK :
		    opts->single ? (enum method)__builtin_ctz(opts->methods) :
		    M_READWRITE;
		res->no_method = true;
		rc = -1;
		goto out;
	}
	/* A clone covers holes and all: try it on the whole range first. */
	if (list[0] == M_REFLINK) {
		rc = run_ladder(&x, list, 1, gone);
		/* Go on down the ladder only if the clone said "not here". */
		if (rc == 0 || !res->no_method || res->m[M_REFLINK].bytes > 0 ||
		    opts->reflink == REFLINK_ALWAYS || opts->single)
			goto out;
		rc = 0;
		res->no_method = false;
		gone[M_REFLINK] = true;
	}
	if (opts->sparse != SPARSE_NEVER && likely_sparse(req->in) &&
	    x.out_seek && req->out->type == FT_REG)
		rc = copy_sparse(&x, list, n, gone);
	else
		rc = run_ladder(&x, list, n, gone);
	if (rc == 0 && finish_size(&x) == -1) {
		x.err = errno;
		x.err_side = SIDE_WRITE;
		rc = -1;
	}
	goto out;

fail_read:
	x.err = errno;
	x.err_side = SIDE_READ;
	res->err_method = M_COUNT;
	rc = -1;
out:
	xio_on_tick(NULL, NULL);
	offload_drop_cache(&x, true);
	if (req->set_in_offset && x.in_seek)
		(void)lseek(x.in, x.in_pos, SEEK_SET);
	if (req->set_out_offset && x.out_seek)
		(void)lseek(x.out, x.out_pos, SEEK_SET);
	free(x.buf);
	if (rc == -1) {
		res->err = x.err != 0 ? x.err : EIO;
		res->err_side = x.err_side;
	}
	return rc;
}
