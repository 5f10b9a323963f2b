/*
 * Inside the engine (engine.c, sparse.c, offload.c): the state of a copy
 * in progress, and what those three files call of each other.  Nothing
 * outside the engine includes this.
 */
#ifndef KCP_XFER_H
#define KCP_XFER_H

#include <sys/types.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

/* How a method's turn ended. */
enum step {
	STEP_DONE,	/* range copied, or EOF reached */
	STEP_NEXT,	/* fall back: x->err says why, x's counts are right */
	STEP_ERROR	/* real error in x->err; report, never retry */
};

struct parts;

/* Filesystems kcp's policies know by their statfs magic. */
#define EXT4_MAGIC	0xEF53
#define TMPFS_MAGIC	0x01021994

/* A copy in progress: positions, what is left, and the account. */
struct xfer {
	int			 in, out;	/* the descriptors */
	const struct fdinfo	*in_fi, *out_fi;
	bool			 in_seek, out_seek;	/* explicit offsets */
	off_t			 in_pos, out_pos;
	bool			 bounded;	/* left is a hard limit */
	uint64_t		 left;		/* bytes still wanted */
	bool			 eof;		/* SOURCE reached its end */
	off_t			 in_size;	/* SOURCE size at start */
	off_t			 out_fresh_from; /* see copy_req */
	bool			 zero_holes;	/* --sparse=always */
	bool			 extend;	/* a hole past DEST's end */
	size_t			 bufsize;
	char			*buf;		/* readwrite buffer, lazily */
	int			 err;		/* why a method stopped */
	enum err_side		 err_side;
	const char		*why;		/* a skip without a call */
	struct copy_result	*res;
	const struct copy_opts	*opts;
	enum method		 ladder[M_COUNT];	/* methods to try */
	int			 rungs;		/* how many */
	bool			 gone[M_COUNT];	/* left for this copy */
	enum method		 cur;		/* the method running */
	off_t			 in_mark, out_mark;	/* --nocache: dropped */
	uint64_t		 drop_at;		/* bytes at last drop */
	struct parts		*group;		/* a part of one: parts.c */
};

/*
 * parts.c: add n bytes moved by method m (M_NONE: a hole passed over) to
 * x's account; the account of a part is read by the waiting thread.
 */
void		xfer_count(struct xfer *x, enum method m, uint64_t n);

/* parts.c: whether another part failed, so this one must stop. */
bool		xfer_cancelled(const struct xfer *x);

/*
 * parts.c: into how many parts x's range is split (1: not split), and
 * the copy in n parts, each running the ladder (sparse: the hole walk)
 * over its own range; 0 or -1 as xfer_run_ladder, DEST's size set.
 */
int		parts_count(const struct xfer *x);
int		parts_copy(struct xfer *x, int n, bool sparse);

/* parts.c: mark DEST as being copied in parts; false: do not split. */
bool		parts_mark(const struct xfer *x);

/* engine.c: serve a progress tick for x (void * for xio_on_tick). */
void		xfer_tick(void *x);

/* engine.c: the statfs magic of fd's filesystem (device dev), or 0. */
long		xfer_fs_type(int fd, dev_t dev);

/* engine.c: count n bytes moved by x->cur; true means stop now. */
bool		xfer_account(struct xfer *x, uint64_t n);

/*
 * engine.c: between two calls, serve a tick, drop pages under --nocache
 * and notice a stop request.  True means stop now (x->err is EINTR).
 */
bool		xfer_pause(struct xfer *x);

/* engine.c: record a failure (m: the method at fault, or M_NONE); -1. */
int		xfer_fail(struct xfer *x, int err, enum err_side side,
		    enum method m);

/* engine.c: run the ladder over x's current range; 0 or -1 (see there). */
int		xfer_run_ladder(struct xfer *x);

/*
 * engine.c: whether FICLONERANGE can take [in_pos, in_pos + len) to
 * out_pos: offsets on DEST's block boundaries (blk), and a whole number of
 * blocks unless the range ends at SOURCE's end (in_size).
 */
bool		xfer_clone_aligned(off_t in_pos, off_t out_pos, off_t len,
		    off_t in_size, off_t blk);

/* offload.c: one function per kernel path. */
enum step	offload_clone(struct xfer *x);
enum step	offload_copy_file_range(struct xfer *x);
enum step	offload_sendfile(struct xfer *x);
enum step	offload_splice(struct xfer *x);
enum step	offload_readwrite(struct xfer *x);
void		offload_pipe_close(void);	/* the internal pipe */

/*
 * sparse.c: walk SOURCE's data regions (SEEK_DATA/SEEK_HOLE), running the
 * ladder over each; holes stay holes.  0, or -1 with x->err set.
 */
int		sparse_copy(struct xfer *x);

/* sparse.c: make DEST's [off, off + len) read as zeros.  0 or -1. */
int		sparse_zero_range(struct xfer *x, off_t off, off_t len);

/*
 * sparse.c, --sparse=always: read SOURCE into x->buf up to one of DEST's
 * block boundaries, and write a buffer turning zero blocks into holes.
 */
ssize_t		sparse_read_blocks(struct xfer *x, size_t len);
int		sparse_write(struct xfer *x, const char *p, size_t n);

#endif
