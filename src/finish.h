/*
 * After the bytes: -p's attributes, --fsync, --verify.  Each function
 * reports its own failure and returns -1.
 */
#ifndef KCP_FINISH_H
#define KCP_FINISH_H

#include <sys/types.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <stdint.h>

#include "fdinfo.h"
#include "options.h"

/* One side of an entry: open (fd >= 0), or dirfd/name (links, FIFOs). */
struct finish_side {
	int		 fd;
	int		 dirfd;
	const char	*name;
	const char	*shown;
	bool		 link;		/* a symbolic link itself */
	const struct stat *now;		/* its stat, when known, or NULL */
};

/*
 * -p and --preserve: SOURCE's owner (set-ID bits dropped where it cannot
 * be kept), extended attributes and ACLs, and mode, from its stat st and
 * side s onto side d.  0, or -1 after a message.
 */
int	finish_meta(const struct options *o, const struct stat *st,
	    const struct finish_side *s, const struct finish_side *d);

/* -p: SOURCE's access and modification times onto d (the last step). */
int	finish_meta_times(const struct options *o, const struct stat *st,
	    const struct finish_side *d);

/* --fsync (or dd's fdatasync): DEST to stable storage. */
int	finish_sync(const struct options *o, const struct fdinfo *out,
	    const char *dst);

/*
 * --verify: compare len bytes of SOURCE from ioff with DEST from ooff,
 * reading DEST through a new read-only descriptor.  Not being able to read
 * DEST back is a failure too.
 */
int	finish_verify(const char *src, const char *dst, int in_fd, int out_fd,
	    off_t ioff, off_t ooff, uint64_t len);

#endif
