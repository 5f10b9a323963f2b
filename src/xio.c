/*
 * The one place for EINTR, EAGAIN and short counts.  Non-blocking
 * descriptors are waited on with poll(2), never spun on.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "sys.h"
#include "xio.h"

atomic_int	xio_stop;
atomic_int	xio_tick;
atomic_int	xio_status;

/* Each thread's copy registers its own (workers of -j run one each). */
static _Thread_local void	(*tick_fn)(void *);
static _Thread_local void	*tick_arg;

void
xio_on_tick(void (*fn)(void *), void *arg)
{
	tick_fn = fn;
	tick_arg = arg;
}

/*
 * After EINTR: true to restart the call.  A stop request ends it; a tick
 * is served here, in the loop, never in the handler.  errno is kept.
 */
static bool
restart(void)
{
	int e = errno;

	if (xio_stop)
		return false;
	if (xio_tick && tick_fn != NULL)
		tick_fn(tick_arg);
	errno = e;
	return true;
}

bool
xio_again(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK;
}

/* Wait until fd is readable (POLLIN) or writable (POLLOUT). */
static int
wait_fd(int fd, short events)
{
	struct pollfd p;

	p.fd = fd;
	p.events = events;
	for (;;) {
		p.revents = 0;
		if (poll(&p, 1, -1) >= 0)
			return 0;
		if (errno != EINTR || !restart())
			return -1;
	}
}

bool
xio_retry(int in, bool in_poll, int out, bool out_poll)
{
	if (errno == EINTR)
		return restart();
	if (!xio_again(errno))
		return false;
	/*
	 * Either side may have said EAGAIN.  Waiting on each in turn returns
	 * at once for a side that is ready, and blocks on the one that is not.
	 */
	if (in_poll && wait_fd(in, POLLIN) == -1)
		return false;
	if (out_poll && wait_fd(out, POLLOUT) == -1)
		return false;
	return true;
}

ssize_t
xio_read(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n;

	for (;;) {
		if (off < 0)
			n = kcp_sys->read(fd, buf, len);
		else
			n = kcp_sys->pread(fd, buf, len, off);
		if (n >= 0)
			return n;
		if (errno == EINTR && restart())
			continue;
		if (xio_again(errno)) {
			if (wait_fd(fd, POLLIN) == -1)
				return -1;
			continue;
		}
		return -1;
	}
}

size_t
xio_write_all(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		if (off < 0)
			n = kcp_sys->write(fd, p + done, len - done);
		else
			n = kcp_sys->pwrite(fd, p + done, len - done,
			    off + (off_t)done);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == 0) {
			/* A write that makes no progress would loop forever. */
			errno = EIO;
			return done;
		}
		if (errno == EINTR && restart())
			continue;
		if (xio_again(errno)) {
			if (wait_fd(fd, POLLOUT) == -1)
				return done;
			continue;
		}
		return done;
	}
	return done;
}

int
xio_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	int fd;

	/* A FIFO may keep kcp waiting here for long. */
	while ((fd = openat(dirfd, path, flags, mode)) == -1 &&
	    errno == EINTR && restart())
		;
	return fd;
}

ssize_t
xio_getline(char **line, size_t *cap, FILE *fp)
{
	ssize_t n;

	while ((n = getline(line, cap, fp)) == -1 && errno == EINTR &&
	    restart())
		clearerr(fp);
	return n;
}
