/*
 * The real system calls behind kcp_sys, wrapped where the system may lack
 * them; the probe cache; the errno predicates.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/utsname.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/fs.h>

#include "sys.h"

static ssize_t
sys_copy_file_range(int in, off_t *inoff, int out, off_t *outoff, size_t len,
    unsigned int flags)
{
#if HAVE_COPY_FILE_RANGE
	return copy_file_range(in, inoff, out, outoff, len, flags);
#else
	errno = ENOSYS;
	return -1;
#endif
}

static ssize_t
sys_sendfile(int out, int in, off_t *inoff, size_t len)
{
#if HAVE_SENDFILE
	return sendfile(out, in, inoff, len);
#else
	errno = ENOSYS;
	return -1;
#endif
}

static ssize_t
sys_splice(int in, off_t *inoff, int out, off_t *outoff, size_t len,
    unsigned int flags)
{
#if HAVE_SPLICE
	return splice(in, inoff, out, outoff, len, flags);
#else
	errno = ENOSYS;
	return -1;
#endif
}

static int
sys_clone(int out, int in)
{
#if HAVE_DECL_FICLONE
	return ioctl(out, FICLONE, in);
#else
	errno = ENOSYS;
	return -1;
#endif
}

static int
sys_clone_range(int out, int in, off_t inoff, off_t len, off_t outoff)
{
#if HAVE_DECL_FICLONERANGE
	struct file_clone_range r;

	r.src_fd = in;
	r.src_offset = (uint64_t)inoff;
	r.src_length = (uint64_t)len;
	r.dest_offset = (uint64_t)outoff;
	return ioctl(out, FICLONERANGE, &r);
#else
	errno = ENOSYS;
	return -1;
#endif
}

static int
sys_fallocate(int fd, int mode, off_t off, off_t len)
{
	return fallocate(fd, mode, off, len);
}

static int
sys_fcntl(int fd, int cmd, int arg)
{
	return fcntl(fd, cmd, arg);
}

static int
sys_fadvise(int fd, off_t off, off_t len, int advice)
{
	return posix_fadvise(fd, off, len, advice);
}

static int
sys_sync_range(int fd, off_t off, off_t len, unsigned flags)
{
	return sync_file_range(fd, off, len, flags);
}

const struct sysops kcp_sys_real = {
	.copy_file_range = sys_copy_file_range,
	.sendfile = sys_sendfile,
	.splice = sys_splice,
	.read = read,
	.write = write,
	.pread = pread,
	.pwrite = pwrite,
	.clone = sys_clone,
	.clone_range = sys_clone_range,
	.lseek = lseek,
	.fallocate = sys_fallocate,
	.fstat = fstat,
	.fstatfs = fstatfs,
	.ftruncate = ftruncate,
	.fcntl = sys_fcntl,
	.pipe2 = pipe2,
	.fadvise = sys_fadvise,
	.sync_range = sys_sync_range,
};

const struct sysops *kcp_sys = &kcp_sys_real;

/* Shared by the workers of -j: a call one finds missing, all skip. */
static atomic_bool	disabled[M_COUNT];

bool
sys_disabled(enum method m)
{
	return atomic_load(&disabled[m]);
}

void
sys_disable(enum method m)
{
	atomic_store(&disabled[m], true);
}

void
sys_reset(void)
{
	int m;

	for (m = 0; m < M_COUNT; m++)
		atomic_store(&disabled[m], false);
}

bool
sys_kernel_has_cfr(void)
{
	static atomic_int known = -1;
	struct utsname u;
	int major = 0, minor = 0, k = atomic_load(&known);

	if (k == -1) {
		k = uname(&u) == 0 &&
		    sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
		    (major > 5 || (major == 5 && minor >= 3));
		atomic_store(&known, k);
	}
	return k;
}

bool
errno_unsupported(int e)
{
	switch (e) {
	case ENOSYS:
	case EXDEV:
	case EINVAL:
	case EPERM:
	case EOPNOTSUPP:
#if ENOTSUP != EOPNOTSUPP
	case ENOTSUP:
#endif
	case EBADF:
	case ETXTBSY:
	case ENOTTY:
	/* CIFS and fuse-overlayfs say these for "not here". */
	case EACCES:
	case ENOENT:
	case EFBIG:
		return true;
	default:
		return false;
	}
}

bool
errno_partial(int e)
{
	return e == EOVERFLOW;
}

bool
errno_terminal(int e)
{
	return !errno_unsupported(e) && !errno_partial(e);
}
