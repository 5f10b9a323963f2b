/*
 * The only place that knows about EINTR, EAGAIN and short counts.
 */
#ifndef KCP_XIO_H
#define KCP_XIO_H

#include <sys/types.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Set from signal handlers, read between calls.  xio_stop (SIGINT, SIGTERM)
 * makes EINTR final instead of restarting; xio_tick asks the engine for a
 * progress report at its next pause, and xio_status (SIGUSR1) for one
 * status line.  Atomic rather than volatile sig_atomic_t: the workers of
 * -j read them while the main thread's handlers set them (a lock-free
 * atomic store is safe in a signal handler).
 */
extern atomic_int	xio_stop;
extern atomic_int	xio_tick;
extern atomic_int	xio_status;

/*
 * While a copy runs, the engine registers what to do for a tick that
 * interrupts a blocked read, write or wait, so that a status line comes
 * at once even when the copy is stalled on a pipe.  NULL to unregister.
 */
void	xio_on_tick(void (*fn)(void *), void *arg);

/* True when errno value e is EAGAIN or EWOULDBLOCK. */
bool	xio_again(int e);

/*
 * After a call on the pair in, out failed with errno: true to make the
 * call again (EINTR without a stop request, once any tick is served;
 * EAGAIN, once each pollable side is ready).  False leaves errno as the
 * failure: EINTR after a stop is one.
 */
bool	xio_retry(int in, bool in_poll, int out, bool out_poll);

/*
 * Read up to len bytes once (off < 0: at the descriptor's offset), restarting
 * on EINTR and waiting on EAGAIN.  Returns the count, 0 at EOF, -1 on error.
 */
ssize_t	xio_read(int fd, void *buf, size_t len, off_t off);

/*
 * Write all len bytes (off < 0: at the descriptor's offset), continuing
 * after short counts, restarting on EINTR and waiting on EAGAIN.  Returns
 * the bytes written; less than len only on error, with errno set.
 */
size_t	xio_write_all(int fd, const void *buf, size_t len, off_t off);

/* openat(2), again after a signal that only asked for a tick or status. */
int	xio_openat(int dirfd, const char *path, int flags, mode_t mode);

/* getline(3) on fp, likewise; -1 at EOF, on error or after a stop. */
ssize_t	xio_getline(char **line, size_t *cap, FILE *fp);

#endif
