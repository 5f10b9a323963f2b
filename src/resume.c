/*
 * --resume.  A copy that was interrupted leaves DEST holding a prefix of
 * the range it was copying: kcp writes a range front to back, and a hole
 * it skips reads back as the zeros SOURCE holds there.  So when the last
 * bytes DEST holds of the range equal SOURCE's at the same offsets, only
 * the rest needs copying, and the engine is simply given a shorter range.
 * A copy in parts keeps that true by trimming DEST when it fails or is
 * stopped; one killed before it could marks DEST (parts.h) and is copied
 * again whole.  DEST is only read here (and that mark removed); it is not
 * written until the copy itself.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/xattr.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parts.h"
#include "quote.h"
#include "resume.h"
#include "xio.h"

/* At least this much of what DEST holds is compared (all with --verify). */
#define TAIL	((uint64_t)1 << 20)
/* The compare buffers, one for each file. */
#define CBUF	((size_t)256 << 10)

/* The files of one decision, for reading and for messages. */
struct pair {
	int		 in, out;	/* SOURCE, and DEST opened for reading */
	const char	*src, *dst;
};

/* SOURCE's offset of the range's first byte, or -1 after a message. */
static off_t
range_start(const struct copy_req *req, const char *src)
{
	off_t base = req->in_off;

	if (base == OFF_FD && (base = lseek(req->in->fd, 0, SEEK_CUR)) == -1) {
		warn("cannot resume from %s", quote(src));
		return -1;
	}
	if (req->skip > INT64_MAX - base) {
		errno = EOVERFLOW;
		warn("cannot resume from %s", quote(src));
		return -1;
	}
	return base + req->skip;
}

/*
 * Compare len bytes of SOURCE at ioff with DEST at ooff.  0 when equal,
 * 1 when not (*at: the offset in the range of the first difference, an
 * end of file counting as one), -1 after a message.
 */
static int
compare(const struct pair *p, off_t ioff, off_t ooff, uint64_t len,
    uint64_t *at)
{
	char *a, *b;
	uint64_t done;
	ssize_t ra = 0, rb = 0;
	size_t want, i = 0;

	if ((a = malloc(CBUF)) == NULL || (b = malloc(CBUF)) == NULL)
		err(1, "out of memory");
	for (done = 0; done < len; done += (uint64_t)ra) {
		want = len - done < CBUF ? (size_t)(len - done) : CBUF;
		if ((ra = xio_read(p->in, a, want, ioff + (off_t)done)) < 0 ||
		    (ra > 0 && (rb = xio_read(p->out, b, (size_t)ra,
		    ooff + (off_t)done)) < 0)) {
			if (!xio_stop)
				warn("cannot resume %s: error reading %s",
				    quote(p->dst), quote(ra < 0 ? p->src :
				    p->dst));
			break;
		}
		/* A file that shrank since it was looked at differs too. */
		if (ra == 0 || rb < ra || memcmp(a, b, (size_t)ra) != 0) {
			for (i = 0; i < (size_t)rb && i < (size_t)ra &&
			    a[i] == b[i]; i++)
				;
			break;
		}
	}
	free(a);
	free(b);
	if (done >= len)
		return 0;
	if (ra < 0 || rb < 0)
		return -1;
	*at = done + i;
	return 1;
}

/*
 * DEST is not a prefix of this copy (why says how): -v tells that the
 * whole range is copied again; --resume=strict makes it an error.
 */
static int
not_prefix(const struct options *o, const struct pair *p, const char *why)
{
	if (o->resume_strict) {
		warnx("cannot resume %s: not a prefix of %s (%s)",
		    quote(p->dst), quote(p->src), why);
		return -1;
	}
	if (o->verbose > 0)
		warnx("%s: not a prefix of %s (%s): copying it whole",
		    quote(p->dst), quote(p->src), why);
	return 0;
}

/*
 * Where the rest starts, in bytes of the range: DEST's end, brought down
 * to one of its blocks' boundaries so that a clone can take the rest
 * where the offsets allow it (the part block is copied again); the whole
 * range when DEST holds all of it.
 */
static uint64_t
cut_at(const struct copy_req *req, uint64_t held, uint64_t n)
{
	off_t blk = (off_t)fdinfo_blksize(req->out);
	off_t end = req->out_off + (off_t)held;

	if (held == n)
		return n;
	end -= end % blk;
	return end > req->out_off ? (uint64_t)(end - req->out_off) : 0;
}

/* Compare what DEST holds, [0, held) of the range; 0, 1 or -1. */
static int
check_held(const struct copy_req *req, const struct options *o,
    const struct pair *p, off_t s0, uint64_t held)
{
	uint64_t from = 0, at;
	char why[64];
	int r;

	if (!o->verify && held > TAIL)
		from = held - TAIL;
	r = compare(p, s0 + (off_t)from, req->out_off + (off_t)from,
	    held - from, &at);
	if (r != 1)
		return r;
	snprintf(why, sizeof(why), "differs at byte %jd",
	    (intmax_t)(req->out_off + (off_t)(from + at)));
	return not_prefix(o, p, why) == -1 ? -1 : 1;
}

int
resume_plan(struct copy_req *req, const struct options *o, bool truncating,
    const char *src, const char *dst, struct resume *rs)
{
	struct pair p = { req->in->fd, -1, src, dst };
	uint64_t n, held, cut;
	off_t s0, size = req->out->st.st_size;
	char why[80];
	int r;

	memset(rs, 0, sizeof(*rs));
	if (!fdinfo_is_file(req->in->type)) {
		warnx("cannot resume from %s: it cannot be read again to "
		    "compare with %s", quote(src), quote(dst));
		return -1;
	}
	/* Only a regular DEST at a known offset holds a prefix to keep. */
	if (req->out->type != FT_REG || req->out_off == OFF_FD)
		return 0;
	if ((s0 = range_start(req, src)) == -1)
		return -1;
	n = req->in->size > s0 ? (uint64_t)(req->in->size - s0) : 0;
	if (req->length != LEN_EOF && (uint64_t)req->length < n)
		n = (uint64_t)req->length;
	if (size <= req->out_off)
		return 0;	/* DEST holds nothing of the range */
	held = (uint64_t)(size - req->out_off);
	if (held > n && truncating) {
		snprintf(why, sizeof(why), "%jd bytes, longer than the copy",
		    (intmax_t)size);
		return not_prefix(o, &p, why);
	}
	if (held > n)
		held = n;	/* a DEST kcp writes into the middle of */
	if (held == 0)
		return 0;
	if (fgetxattr(req->out->fd, PARTS_XATTR, NULL, 0) >= 0) {
		r = not_prefix(o, &p, "a copy in parts that was killed");
		if (r == 0)
			(void)fremovexattr(req->out->fd, PARTS_XATTR);
		return r;
	}
	if ((p.out = fdinfo_reopen(req->out->fd, O_RDONLY)) == -1) {
		warn("cannot resume %s: cannot read it back", quote(dst));
		return -1;
	}
	r = check_held(req, o, &p, s0, held);
	(void)close(p.out);
	if (r != 0 || (cut = cut_at(req, held, n)) == 0)
		return r == 1 ? 0 : r;
	req->skip += (int64_t)cut;
	req->out_off += (off_t)cut;
	if (req->length != LEN_EOF)
		req->length -= (int64_t)cut;
	rs->keep = true;
	rs->held = cut;
	return 0;
}

bool
resume_done(const struct atname *src, const struct atname *dst,
    const struct stat *st, const struct options *o)
{
	struct stat ds;

	if (!o->resume || !o->recursive || !S_ISREG(st->st_mode) ||
	    fstatat(dst->dirfd, dst->name, &ds, dst->nofollow ?
	    AT_SYMLINK_NOFOLLOW : 0) == -1)
		return false;
	/* The same file is the copy job's to refuse. */
	if (!S_ISREG(ds.st_mode) || ds.st_size != st->st_size ||
	    ds.st_mtim.tv_sec != st->st_mtim.tv_sec ||
	    ds.st_mtim.tv_nsec != st->st_mtim.tv_nsec ||
	    (ds.st_dev == st->st_dev && ds.st_ino == st->st_ino))
		return false;
	if (o->verbose > 0)
		fprintf(stderr, "%s: %s -> %s: skipped: same size and "
		    "modification time\n", getprogname(), quote(src->shown),
		    quote(dst->shown));
	return true;
}

/* What st is, where it cannot be read again; NULL where it can. */
static const char *
unreadable(const struct stat *st)
{
	if (S_ISFIFO(st->st_mode))
		return "a pipe";
	if (S_ISSOCK(st->st_mode))
		return "a socket";
	if (S_ISCHR(st->st_mode))
		return "a character device";
	return NULL;
}

int
resume_check_sources(char **srcs, int n, char *err, size_t len)
{
	static char *std[] = { "-" };
	struct stat st;
	const char *what;
	int i;

	if (n == 0) {		/* no operands: standard input */
		srcs = std;
		n = 1;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(srcs[i], "-") == 0 ?
		    fstat(STDIN_FILENO, &st) == -1 : stat(srcs[i], &st) == -1)
			continue;	/* the copy says what is wrong */
		what = unreadable(&st);
		if (what == NULL && strcmp(srcs[i], "-") == 0 &&
		    lseek(STDIN_FILENO, 0, SEEK_CUR) == -1)
			what = "not seekable";
		if (what != NULL) {
			snprintf(err, len, "--resume cannot be used with "
			    "SOURCE %s (%s): there is nothing to compare "
			    "DEST with", quote(srcs[i]), what);
			return -1;
		}
	}
	return 0;
}
