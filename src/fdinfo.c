/*
 * Descriptor classification: one fstat decides what a descriptor is, once.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <unistd.h>

#include "fdinfo.h"

int
fdinfo_get(int fd, struct fdinfo *fi)
{
	uint64_t bytes;
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
	/* A block device's size is its capacity, not st_size (0). */
	fi->size = fi->st.st_size;
	if (fi->type == FT_BLK && ioctl(fd, BLKGETSIZE64, &bytes) == 0 &&
	    bytes <= INT64_MAX)
		fi->size = (off_t)bytes;
	return 0;
}

/*
 * Same file: same device and inode for regular files; the same device
 * (st_rdev) for block devices, whatever node names them.
 */
bool
fdinfo_same(const struct fdinfo *a, const struct fdinfo *b)
{
	if (a->type != b->type)
		return false;
	if (a->type == FT_BLK)
		return a->st.st_rdev == b->st.st_rdev;
	return a->type == FT_REG && a->st.st_dev == b->st.st_dev &&
	    a->st.st_ino == b->st.st_ino;
}
