/*
 * The seam between kcp and the kernel.  Every system call the engine makes
 * goes through the table kcp_sys, so that the unit tests can put a fake
 * kernel underneath; calls the system lacks fail with ENOSYS.  Beside the
 * table: the per-process probe cache and the errno rules of the ladder
 * (kcp(1), THE METHOD LADDER, Falling back), each in one place.
 */
#ifndef KCP_SYS_H
#define KCP_SYS_H

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <stdbool.h>

#include "method.h"

struct sysops {
	ssize_t	(*copy_file_range)(int in, off_t *inoff, int out,
		    off_t *outoff, size_t len, unsigned int flags);
	ssize_t	(*sendfile)(int out, int in, off_t *inoff, size_t len);
	ssize_t	(*splice)(int in, off_t *inoff, int out, off_t *outoff,
		    size_t len, unsigned int flags);
	ssize_t	(*read)(int fd, void *buf, size_t len);
	ssize_t	(*write)(int fd, const void *buf, size_t len);
	ssize_t	(*pread)(int fd, void *buf, size_t len, off_t off);
	ssize_t	(*pwrite)(int fd, const void *buf, size_t len, off_t off);
	int	(*clone)(int out, int in);			/* FICLONE */
	/* FICLONERANGE */
	int	(*clone_range)(int out, int in, off_t inoff, off_t len,
		    off_t outoff);
	off_t	(*lseek)(int fd, off_t off, int whence);
	int	(*fallocate)(int fd, int mode, off_t off, off_t len);
	int	(*fstat)(int fd, struct stat *st);
	int	(*fstatfs)(int fd, struct statfs *sf);
	int	(*ftruncate)(int fd, off_t len);
	int	(*fcntl)(int fd, int cmd, int arg);	/* int-valued */
	int	(*pipe2)(int fds[2], int flags);
	int	(*fadvise)(int fd, off_t off, off_t len, int advice);
	int	(*sync_range)(int fd, off_t off, off_t len, unsigned flags);
};

/* The kernel; tests may point kcp_sys at their own table. */
extern const struct sysops	*kcp_sys;
extern const struct sysops	 kcp_sys_real;

/*
 * The probe cache: a call the kernel lacks (ENOSYS) or a seccomp filter
 * forbids (EPERM) is not tried again in this process.
 */
bool	sys_disabled(enum method m);
void	sys_disable(enum method m);
void	sys_reset(void);		/* forget it all (for tests) */

/* copy_file_range has its cross-file semantics from Linux 5.3 on. */
bool	sys_kernel_has_cfr(void);

/*
 * "Not supported here": a method that failed with one of these before
 * moving a byte is left for the next one.
 */
bool	errno_unsupported(int e);

/*
 * EOVERFLOW: the method cannot go on from here, yet the bytes it moved
 * are good; the next method continues at the same offsets.
 */
bool	errno_partial(int e);

/*
 * A real error (EIO, ENOSPC, EDQUOT, ENOMEM, ...; and any errno once a
 * method has moved bytes): reported, never retried on another path.
 */
bool	errno_terminal(int e);

#endif
