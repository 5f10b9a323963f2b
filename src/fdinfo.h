/*
 * One place that classifies descriptors: what kind of file, whether kcp may
 * address it by offset, and whether two descriptors are the same file.
 */
#ifndef KCP_FDINFO_H
#define KCP_FDINFO_H

#include <sys/stat.h>
#include <stdbool.h>

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
	bool		 nonblock;	/* O_NONBLOCK is set */
	off_t		 size;		/* st_size, or a block device's size */
};

int		 fdinfo_get(int, struct fdinfo *);
bool		 fdinfo_same(const struct fdinfo *, const struct fdinfo *);

#endif
