/*
 * One function per kernel path.  Each moves bytes for the transfer in
 * progress until it is done, and answers in three ways: done, fall back to
 * the next method (nothing harmful happened), or a real error.
 *
 * The raw system calls go through the table `kcp_sys` so that the unit
 * tests can put a fake kernel underneath (the seam).
 */
#ifndef KCP_OFFLOAD_H
#define KCP_OFFLOAD_H

#include <sys/types.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

struct sysops {
	ssize_t	(*copy_file_range)(int, off_t *, int, off_t *, size_t,
		    unsigned int);
	ssize_t	(*sendfile)(int, int, off_t *, size_t);
	ssize_t	(*splice)(int, off_t *, int, off_t *, size_t, unsigned int);
	ssize_t	(*read)(int, void *, size_t);
	ssize_t	(*write)(int, const void *, size_t);
	ssize_t	(*pread)(int, void *, size_t, off_t);
	ssize_t	(*pwrite)(int, const void *, size_t, off_t);
	int	(*clone)(int, int);				/* FICLONE */
	int	(*clone_range)(int, int, off_t, off_t, off_t);	/* FICLONERANGE */
	off_t	(*lseek)(int, off_t, int);
	int	(*fallocate)(int, int, off_t, off_t);
};

/* The kernel; tests may point this at their own table. */
extern const struct sysops	*kcp_sys;
extern const struct sysops	 kcp_sys_real;

enum step {
	STEP_DONE,	/* range copied, or EOF reached */
	STEP_NEXT,	/* fall back: x->err says why, x's counts are right */
	STEP_ERROR	/* real error in x->err; report, never retry */
};

/* A copy in progress: positions, what is left, and the account. */
struct xfer {
	int			 in, out;
	const struct fdinfo	*ii, *oi;
	bool			 in_seek, out_seek;	/* explicit offsets */
	off_t			 in_pos, out_pos;
	bool			 bounded;	/* left is a hard limit */
	uint64_t		 left;		/* bytes still wanted */
	bool			 eof;		/* SOURCE reached its end */
	off_t			 in_size;	/* SOURCE size at start (regular) */
	off_t			 out_fresh_from;
	bool			 zero_holes;	/* --sparse=always */
	size_t			 bufsize;
	char			*buf;		/* readwrite buffer, lazily */
	int			 err;
	enum err_side		 err_side;
	bool			 extend;	/* holes skipped past DEST's end */
	struct copy_result	*res;
	const struct copy_opts	*opts;
	enum method		 cur;
	const char		*why;		/* a skip without a call */
	off_t			 in_mark, out_mark;	/* --nocache: dropped */
	uint64_t		 drop_at;		/* bytes at last drop */
};

enum step	off_clone(struct xfer *);
enum step	off_copy_file_range(struct xfer *);
enum step	off_sendfile(struct xfer *);
enum step	off_splice(struct xfer *);
enum step	off_readwrite(struct xfer *);

/* Make DEST's range read as zeros (punch, or write zeros). */
int		offload_zero_range(struct xfer *, off_t, off_t);

/* Serve a progress tick for the transfer x (an xio_on_tick hook). */
void		offload_tick(void *);

/* --nocache: drop the pages copied so far (all of them when forced). */
void		offload_drop_cache(struct xfer *, bool);

/* Errno rules (SPEC section 5), in one place each. */
bool		errno_unsupported(int);

/* Per-process probe cache. */
bool		offload_disabled(enum method);
void		offload_reset(void);	/* for tests */
void		offload_release(void);	/* free the internal pipe */

#endif
