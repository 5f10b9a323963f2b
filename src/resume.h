/*
 * --resume (kcp(1), RESUME): how much of the range to copy a regular DEST
 * holds already, checked against SOURCE, and the copy request shifted
 * past it; in a tree, the files that need no copy at all.
 */
#ifndef KCP_RESUME_H
#define KCP_RESUME_H

#include <sys/stat.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atname.h"
#include "engine.h"
#include "options.h"

/* What --resume decided for one copy. */
struct resume {
	bool		 keep;		/* DEST is kept: no truncation */
	uint64_t	 held;		/* bytes of the range left as they are */
};

/*
 * Decide where the copy placed in req resumes, and shift req's offsets
 * and length past what DEST holds.  truncating says that DEST would be
 * truncated (so a longer DEST is not this copy).  src and dst name the
 * files in messages.  0 (rs says what was kept; nothing, where DEST is
 * not a prefix and the whole range is to be copied again), or -1 after a
 * message: with --resume=strict for a DEST that is not a prefix, or when
 * the files could not be read; DEST is untouched then.
 */
int	resume_plan(struct copy_req *req, const struct options *o,
	    bool truncating, const char *src, const char *dst,
	    struct resume *rs);

/*
 * In a tree: true when the existing DEST dst has SOURCE's size and
 * modification time (st), so that the copy is skipped; -v says so.
 */
bool	resume_done(const struct atname *src, const struct atname *dst,
	    const struct stat *st, const struct options *o);

/*
 * The command line: a SOURCE operand that cannot be read again at the
 * same offsets (a pipe, a socket, a terminal) leaves nothing to compare
 * DEST with.  srcs[0..n) are the SOURCE operands ("-" for standard
 * input).  0, or -1 with a message in err for a usage error.
 */
int	resume_check_sources(char **srcs, int n, char *err, size_t len);

#endif
