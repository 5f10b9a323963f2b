/*
 * After the bytes: -p's attributes, --fsync, --verify.  Each function
 * reports its own failure and returns -1.
 */
#ifndef KCP_FINISH_H
#define KCP_FINISH_H

#include <sys/types.h>
#include <stdint.h>

#include "fdinfo.h"
#include "options.h"

/* -p: ownership and mode of SOURCE in onto out_fd. */
int	finish_attrs(const struct options *o, const struct fdinfo *in,
	    int out_fd, const char *dst);

/* -p: SOURCE's access and modification times onto out_fd (last). */
int	finish_times(const struct options *o, const struct fdinfo *in,
	    int out_fd, const char *dst);

/* --fsync (or dd's fdatasync): DEST to stable storage. */
int	finish_sync(const struct options *o, const struct fdinfo *out,
	    const char *dst);

/*
 * --verify: compare len bytes of SOURCE from ioff with DEST from ooff,
 * reading DEST through a new read-only descriptor.  Not being able to read
 * DEST back is a failure too.
 */
int	finish_verify(const char *src, const char *dst, int in_fd, int out_fd,
	    off_t ioff, off_t ooff, uint64_t len);

#endif
