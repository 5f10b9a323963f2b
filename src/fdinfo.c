/*
 * Descriptor classification: one fstat decides what a descriptor is, once.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "fdinfo.h"

int
fdinfo_get(int fd, struct fdinfo *fi)
{
	int fl;

	fi->fd = fd;
	if (fstat(fd, &fi->st) == -1)
		return -1;
	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	fi->append = (fl & O_APPEND) != 0;
	fi->nonblock = (fl & O_NONBLOCK) != 0;

	switch (fi->st.st_mode & S_IFMT) {
	case S_IFREG:
		fi->type = FT_REG;
		break;
	case S_IFBLK:
		fi->type = FT_BLK;
		break;
	case S_IFIFO:
		fi->type = FT_PIPE;
		break;
	case S_IFSOCK:
		fi->type = FT_SOCK;
		break;
	case S_IFCHR:
		fi->type = FT_CHR;
		break;
	case S_IFDIR:
		fi->type = FT_DIR;
		break;
	default:
		fi->type = FT_OTHER;
		break;
	}
	/*
	 * Only files and block devices are addressed by offset.  Character
	 * devices are streams here even where lseek happens to succeed
	 * (/dev/zero), so that --skip reads and discards as on a pipe.
	 */
	fi->seekable = fi->type == FT_REG ||
	    (fi->type == FT_BLK && lseek(fd, 0, SEEK_CUR) != -1);
	return 0;
}

/* Same file: same device and inode, for files that have contents. */
bool
fdinfo_same(const struct fdinfo *a, const struct fdinfo *b)
{
	if (a->type != b->type || (a->type != FT_REG && a->type != FT_BLK))
		return false;
	return a->st.st_dev == b->st.st_dev && a->st.st_ino == b->st.st_ino;
}

const char *
fdtype_name(enum fdtype t)
{
	switch (t) {
	case FT_REG:	return "regular file";
	case FT_BLK:	return "block device";
	case FT_PIPE:	return "pipe";
	case FT_SOCK:	return "socket";
	case FT_CHR:	return "character device";
	case FT_DIR:	return "directory";
	default:	return "other";
	}
}
