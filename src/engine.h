/*
 * The offload engine: copies bytes between two open descriptors along the
 * method ladder (kcp(1), THE METHOD LADDER).  It never prints and never
 * exits; the caller gets the bytes copied, a per-method account and an
 * errno.
 */
#ifndef KCP_ENGINE_H
#define KCP_ENGINE_H

#include <sys/types.h>
#include <stdbool.h>
#include <stdint.h>

#include "fdinfo.h"
#include "method.h"

enum sparse_mode { SPARSE_AUTO, SPARSE_ALWAYS, SPARSE_NEVER };
enum reflink_mode { REFLINK_AUTO, REFLINK_ALWAYS, REFLINK_NEVER };

struct copy_result;

struct copy_opts {
	unsigned		methods;	/* M_BIT set allowed */
	bool			single;		/* one method: no readwrite */
	enum sparse_mode	sparse;
	enum reflink_mode	reflink;
	size_t			bufsize;	/* readwrite buffer, splice chunk */
	/*
	 * Optional: told about every method left (err, the errno) or
	 * skipped without a call (why), for -vv.
	 */
	void			(*trace)(void *arg, enum method m, int err,
				    const char *why);
	void			*trace_arg;
	/* Optional: called between calls when xio_tick is set. */
	void			(*progress)(void *arg,
				    const struct copy_result *r,
				    enum method cur);
	void			*progress_arg;
	size_t			chunk;		/* cap per offload call, or 0 */
	bool			nocache;	/* drop copied pages */
	bool			direct;		/* O_DIRECT: readwrite only */
	/*
	 * -j: split one large regular file into up to this many parts
	 * copied at once (0 or 1: one part); parts_auto: only where the
	 * benchmark found parts faster; part_min: the least part (0: the
	 * engine's choice).
	 */
	int			parts;
	bool			parts_auto;
	uint64_t		part_min;
};

/* Use the descriptor's own offset instead of an explicit one. */
#define OFF_FD		((off_t)-1)
/* No length limit: copy to EOF. */
#define LEN_EOF		((int64_t)-1)

struct copy_req {
	const struct fdinfo	*in;
	const struct fdinfo	*out;
	/*
	 * Where to start.  For a seekable descriptor an absolute offset, or
	 * OFF_FD for its current offset; ignored for streams.  skip bytes are
	 * then passed over (read and discarded on a stream).
	 */
	off_t			 in_off;
	off_t			 out_off;
	int64_t			 skip;
	int64_t			 length;	/* LEN_EOF: to EOF */
	/*
	 * DEST's bytes at or past this offset are known to be holes (it was
	 * created or truncated; or its size at the start).  Holes of SOURCE
	 * landing below it must be written as zeros or punched.
	 */
	off_t			 out_fresh_from;
	/* Leave these descriptors' offsets just past the bytes copied. */
	bool			 set_in_offset;
	bool			 set_out_offset;
};

struct method_acct {
	uint64_t	bytes;		/* moved by this method */
	int		err;		/* errno that made the engine leave it */
	bool		used;		/* moved bytes or reached EOF */
	bool		left;		/* called and abandoned */
};

enum err_side { SIDE_UNKNOWN, SIDE_READ, SIDE_WRITE };

struct copy_result {
	uint64_t		bytes;
	struct method_acct	m[M_COUNT];
	int			err;		/* 0, or the errno of a failure */
	enum method		err_method;	/* the method that failed, or
						   M_NONE */
	enum err_side		err_side;	/* which descriptor failed */
	bool			no_method;	/* every method tried said no */
	off_t			in_start;	/* SOURCE offset after skip */
	off_t			out_start;	/* DEST offset of the first byte */
	/*
	 * Not the engine's: bytes of the range DEST held already, kept by
	 * --resume (the copy started past them), for the report.
	 */
	uint64_t		resumed;
};

/*
 * Copy per req and opts.  Returns 0, or -1 with res->err set (res->bytes
 * holds what was copied before the failure).
 */
int		 engine_copy(const struct copy_req *req,
		    const struct copy_opts *opts, struct copy_result *res);

/*
 * False when --reflink=always cannot clone req's range, as can be told
 * before any call: offsets or length off DEST's block boundaries.  The
 * caller then refuses the copy without touching DEST.
 */
bool		 engine_can_clone(const struct copy_req *req);

/* What a thread of -j's pool must let go before it ends (its pipe). */
void		 engine_thread_done(void);

/* Forget the probe cache and the internal pipe (for tests). */
void		 engine_reset(void);

/* Default buffer size for readwrite and splice chunks. */
#define KCP_BUFSIZE_DEFAULT	(1024 * 1024)

#endif
