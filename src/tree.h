/*
 * The cp-style copy of one operand (kcp(1), TREES): a file through a copy
 * job, a directory tree walked relative to open directory descriptors,
 * symbolic links, special files, hard-link groups, --link and -s.
 */
#ifndef KCP_TREE_H
#define KCP_TREE_H

#include "options.h"

/* What one run remembers across its operands. */
struct tree;

struct tree	*tree_new(const struct options *o);

/* Wait for the workers of -j, end -P's line, free t: 1 if they failed. */
int		 tree_free(struct tree *t);

/* -P with -r: one progress line for srcs[0..n), counted meanwhile. */
void		 tree_watch(struct tree *t, char **srcs, int n);

/* Copy SOURCE to DEST (DEST names the copy itself).  0, or 1. */
int		 tree_copy(struct tree *t, const char *src, const char *dst);

/*
 * Copy SOURCE into the directory dir: as dir/basename(SOURCE), or with
 * --parents as dir/SOURCE, its missing directories made.  0, or 1.
 */
int		 tree_copy_into(struct tree *t, const char *src,
		    const char *dir);

#endif
