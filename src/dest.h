/*
 * Opening DEST: creating it with its mode, -n, -i and -f, -u, the
 * dangling symlink rule, and --atomic's temporary file and its commit.
 */
#ifndef KCP_DEST_H
#define KCP_DEST_H

#include <sys/types.h>
#include <sys/stat.h>
#include <stdbool.h>

#include "atname.h"
#include "fdinfo.h"
#include "options.h"

/* dest_open's and atomic_open's answer when DEST is to be skipped. */
#define DEST_SKIP	(-2)
/* dest_open's answer when DEST is SOURCE itself and -f would remove it. */
#define DEST_SAME	(-3)

/*
 * Open DEST without truncating it (that waits for the same-file check).
 * A new file gets mode at creation.  src is SOURCE (src_shown its name),
 * which -f never removes, -i never asks about and --backup never loses.
 * Returns the descriptor, -1 after a diagnosed error, DEST_SKIP (-n, -u,
 * or "no" to -i) or DEST_SAME (not yet diagnosed).
 */
int	dest_open(const struct atname *dst, int flags, mode_t mode,
	    const struct options *o, const struct fdinfo *src,
	    const char *src_shown, bool *created);

/*
 * --backup: rename an existing DEST out of the way (backup.c names it);
 * nothing without --backup or when DEST does not exist.  0, or -1 after a
 * message.
 */
int	dest_backup(const struct atname *dst, const struct options *o,
	    const struct stat *src_st, const char *src_shown);

/* Ask before overwriting the file shown as dst (-i); true: go ahead. */
bool	dest_ask(const char *shown);

/* A DEST being built beside its final name (--atomic). */
struct atomic {
	bool		 on;
	bool		 named;		/* a visible temporary name exists */
	bool		 existed;	/* DEST existed: keep its attributes */
	struct stat	 old;
	int		 dirfd;		/* the directory DEST is in, or -1 */
	char		*name;		/* DEST's name there (links resolved) */
	char		*tmp;		/* temporary name there, when named */
	const char	*shown;		/* DEST as messages name it */
};

/*
 * Open the temporary file for dst: unnamed (O_TMPFILE) where the system
 * allows, else with a unique name.  Returns the descriptor, -1 after a
 * diagnosed error, or DEST_SKIP.
 */
int	atomic_open(const struct atname *dst, int flags, mode_t mode,
	    const struct options *o, const struct fdinfo *src,
	    struct atomic *a);

/* Give the finished file DEST's owner and mode, except what -p keeps. */
void	atomic_keep_looks(const struct atomic *a, int fd, unsigned preserve);

/* Put the finished file (descriptor fd) in DEST's place; 0 or -1. */
int	atomic_commit(struct atomic *a, int fd, bool sync_dir);

/* Remove the temporary file of a failed copy. */
void	atomic_abort(struct atomic *a);

void	atomic_free(struct atomic *a);

#endif
