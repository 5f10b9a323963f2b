/*
 * The only place that knows about EINTR, EAGAIN and short counts.
 */
#ifndef KCP_XIO_H
#define KCP_XIO_H

#include <sys/types.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Set from signal handlers, read between calls.  xio_stop (SIGINT, SIGTERM)
 * makes EINTR final instead of restarting; xio_tick asks the engine for a
 * progress or status report at its next pause.
 */
extern volatile sig_atomic_t	xio_stop;
extern volatile sig_atomic_t	xio_tick;

/*
 * While a copy runs, the engine registers what to do for a tick that
 * interrupts a blocked read, write or wait, so that a status line comes
 * at once even when the copy is stalled on a pipe.  NULL to unregister.
 */
void	xio_on_tick(void (*)(void *), void *);

/*
 * Wait until fd is readable (events POLLIN) or writable (POLLOUT).
 * Returns 0, or -1 with errno set.
 */
int	xio_wait(int, short);

/*
 * Called after a kernel call failed with EAGAIN/EWOULDBLOCK on a pair of
 * descriptors: wait until each non-blocking side is ready.
 */
int	xio_wait_pair(int, bool, int, bool);

/* True when errno is EAGAIN or EWOULDBLOCK. */
bool	xio_again(int);

/*
 * Read up to len bytes once (off < 0: at the descriptor's offset), restarting
 * on EINTR and waiting on EAGAIN.  Returns the count, 0 at EOF, -1 on error.
 */
ssize_t	xio_read(int, void *, size_t, off_t);

/*
 * Write all len bytes (off < 0: at the descriptor's offset), continuing
 * after short counts, restarting on EINTR and waiting on EAGAIN.  Returns
 * the bytes written; less than len only on error, with errno set.
 */
size_t	xio_write_all(int, const void *, size_t, off_t);

#endif
