/*
 * One place that classifies descriptors: what kind of file, whether kcp may
 * address it by offset, and whether two descriptors are the same file.
 */
#ifndef KCP_FDINFO_H
#define KCP_FDINFO_H

#include <sys/stat.h>
#include <stdbool.h>
#include <stddef.h>

enum fdtype {
	FT_REG,		/* regular file */
	FT_BLK,		/* block device: seekable, no reflink */
	FT_PIPE,	/* pipe or FIFO */
	FT_SOCK,	/* socket */
	FT_CHR,		/* character device: tty, /dev/zero, /dev/null */
	FT_DIR,
	FT_OTHER
};

struct fdinfo {
	int		 fd;
	enum fdtype	 type;
	struct stat	 st;
	bool		 seekable;	/* positions are addressed by offset */
	bool		 append;	/* O_APPEND is set */
	off_t		 size;		/* st_size, or a block device's size */
};

/* Classify fd into fi with one fstat.  Returns 0, or -1 with errno set. */
int		 fdinfo_get(int fd, struct fdinfo *fi);

/* The same for a file kcp opened itself, without O_APPEND: no F_GETFL. */
int		 fdinfo_get_own(int fd, struct fdinfo *fi);

/*
 * The same for a regular file kcp has just created without O_APPEND: no
 * stream probe, no look at its flags.
 */
int		 fdinfo_get_new(int fd, struct fdinfo *fi);

/* The same file: same inode, or the same block device. */
bool		 fdinfo_same(const struct fdinfo *a, const struct fdinfo *b);

/* Addressed by offset and holding data: a regular file or block device. */
bool		 fdinfo_is_file(enum fdtype t);

/*
 * Hold the places of closed standard descriptors (0, 1, 2) with /dev/null
 * opened the wrong way round, so that no file kcp opens is taken for '-'
 * and using one fails with EBADF.  Call first thing; 0, or -1.
 */
int		 fdinfo_hold_std(void);

/* True when standard descriptor fd was closed when kcp started. */
bool		 fdinfo_std_closed(int fd);

/* The preferred I/O block size of fi, 4096 where the system says none. */
size_t		 fdinfo_blksize(const struct fdinfo *fi);

/*
 * A new open file description of the file behind fd, with flags (and
 * O_CLOEXEC), through /proc/self/fd: its own offset and flags, and the
 * file's permissions checked again.  -1 with errno.
 */
int	fdinfo_reopen(int fd, int flags);

#endif
