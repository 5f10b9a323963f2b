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
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

#include "fdinfo.h"

/* Standard descriptors that were closed when kcp started. */
static bool	std_closed[3];

/*
 * fdinfo_get, with or without the ESPIPE probe of a regular file, and
 * with or without asking for the flags (own: kcp opened fd itself, without
 * O_APPEND).
 */
static int
classify(int fd, struct fdinfo *fi, bool probe, bool own)
{
	uint64_t bytes;
	int fl;

	fi->fd = fd;
	if (fstat(fd, &fi->st) == -1)
		return -1;
	/* A file kcp opened itself has the flags it was given. */
	if (own)
		fi->append = false;
	else if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	else
		fi->append = (fl & O_APPEND) != 0;

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
	 * Some regular files are streams (tracefs's trace_pipe and
	 * trace_marker): ESPIPE from a probe makes them one here, read and
	 * written like a character device, as cat and dd do.
	 */
	if (probe && fi->type == FT_REG && lseek(fd, 0, SEEK_CUR) == -1 &&
	    errno == ESPIPE)
		fi->type = FT_CHR;
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

int
fdinfo_get(int fd, struct fdinfo *fi)
{
	return classify(fd, fi, true, false);
}

int
fdinfo_get_own(int fd, struct fdinfo *fi)
{
	return classify(fd, fi, true, true);
}

int
fdinfo_get_new(int fd, struct fdinfo *fi)
{
	return classify(fd, fi, false, true);
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

bool
fdinfo_is_file(enum fdtype t)
{
	return t == FT_REG || t == FT_BLK;
}

size_t
fdinfo_blksize(const struct fdinfo *fi)
{
	return fi->st.st_blksize > 0 ? (size_t)fi->st.st_blksize : 4096;
}

int
fdinfo_hold_std(void)
{
	struct pollfd p[3];
	int i;

	/* One poll(2) tells which are closed. */
	for (i = 0; i < 3; i++) {
		p[i].fd = i;
		p[i].events = 0;
	}
	if (poll(p, 3, 0) <= 0)
		return 0;
	for (i = 0; i < 3; i++)
		if (p[i].revents & POLLNVAL) {
			std_closed[i] = true;
			if (open("/dev/null", i == 0 ? O_WRONLY : O_RDONLY) !=
			    i)
				return -1;
		}
	return 0;
}

bool
fdinfo_std_closed(int fd)
{
	return fd >= 0 && fd < 3 && std_closed[fd];
}

int
fdinfo_reopen(int fd, int flags)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return open(proc, flags | O_CLOEXEC | O_NOCTTY);
}
