/*
 * A file named relative to an open directory: how job.c, dest.c and the
 * tree walk name every SOURCE and DEST, so that nothing in a tree is
 * looked up again from the root.
 */
#ifndef KCP_ATNAME_H
#define KCP_ATNAME_H

#include <stdbool.h>

struct atname {
	int		 dirfd;		/* AT_FDCWD, or name's directory */
	const char	*name;		/* relative to dirfd; "-": a stream */
	const char	*shown;		/* as messages and -v name it */
	bool		 nofollow;	/* a symlink here is refused */
};

#endif
