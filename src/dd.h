/*
 * dd operand mode (kcp(1), DD OPERANDS): GNU dd's operands, records,
 * conversions and closing lines, with the bytes moved by the kernel where
 * no conversion needs them in kcp's memory.
 *
 *	dd_args.c	the operands and dd's number grammar
 *	dd.c		opening, skip= and seek=, the copy loop, closing
 *	dd_io.c		reads, writes and kernel offload, counted as dd counts
 *	dd_conv.c	conv=: the tables, swab, block, unblock, obs gathering
 *	dd_report.c	the closing lines, status=progress and SIGUSR1
 */
#ifndef KCP_DD_H
#define KCP_DD_H

#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fdinfo.h"
#include "method.h"
#include "options.h"

#define DD_ZERO_WARNING \
	"warning: '0x' is a zero multiplier; use '00x' if that is intended"

/* dd_args.c: true when the operands are dd's key=value words. */
bool	dd_is_operands(int nops, char **ops);

/*
 * dd_args.c: read o's key=value operands into o->dd.  Returns 0, or -1
 * with a message in err that wants the --help hint (options_parse's
 * convention); what dd says without the hint is left in o->dd.
 */
int	dd_parse(struct options *o, char *err, size_t len);

/* dd_args.c: s[0..n) quoted as dd quotes operands; free it. */
char	*dd_quote_arg(const char *s, size_t n);

/* dd.c: the whole of dd mode; the exit status. */
int	dd_main(struct options *o);

/* One run of dd mode: the descriptors, dd's counts and its state. */
struct dd_run {
	const struct options	*o;
	const struct dd_options	*dd;
	unsigned		 conv;		/* DD_C_*, as the run changes it */
	int			 ifd, ofd;
	const char		*iname, *oname;	/* names for messages */
	struct fdinfo		 in, out;
	int			 status;	/* the exit status so far */
	bool			 quit;		/* stop now: close and report */
	bool			 stopped;	/* SIGINT or SIGTERM came */

	/* dd's counts: records in and out, truncated records, bytes */
	int64_t			 r_full, r_partial, w_full, w_partial;
	int64_t			 r_truncate, w_bytes;

	/* reading */
	bool			 iseekable;
	int			 iseek_errno;
	int64_t			 ioffset;	/* -1 once past INT64_MAX */
	ssize_t			 prev_nread;
	bool			 warn_partial;	/* a short read may be news */
	int64_t			 partread;	/* the last partial block */

	/* buffers: obuf is ibuf unless conv=... or ibs != obs gather */
	char			*ibuf, *obuf, *swab_buf;
	size_t			 oc;		/* bytes waiting in obuf */
	bool			 final_seek;	/* the last write was a seek */

	/* conversions */
	unsigned char		 trans[256];
	bool			 translate;
	int			 saved;		/* swab's odd byte, or -1 */
	int64_t			 col, pending;	/* block and unblock */
	char			 nl, sp;	/* newline and space, converted */

	/* iflag=nocache, oflag=nocache */
	bool			 i_nocache, o_nocache;
	bool			 i_nocache_eof, o_nocache_eof;
	int64_t			 i_pending, o_pending, o_cache_off;

	/* the kernel's offload calls */
	bool			 offload;
	bool			 full_reads;	/* reads fill their block */
	enum method		 method;	/* the one in use, or M_NONE */
	uint64_t		 moved[M_COUNT];	/* for -v */
	int			 left[M_COUNT];	/* errno that left one, or 0 */

	/* time and progress */
	int64_t			 t0, next_progress;
	int			 progress_len;
	int64_t			 reported;	/* w_bytes of the last line */
};

/* dd_io.c */
int64_t	dd_now(void);
void	dd_signals(struct dd_run *r);
ssize_t	dd_read(struct dd_run *r, int fd, char *buf, size_t size);
size_t	dd_write(struct dd_run *r, const char *buf, size_t size);
void	dd_advance(struct dd_run *r, int64_t n);
bool	dd_invalidate(struct dd_run *r, bool input, int64_t len);
void	dd_offload_setup(struct dd_run *r);
int	dd_offload_block(struct dd_run *r, size_t want);
char	*dd_alloc(struct dd_run *r, int64_t size, const char *what);

/* dd_offload_block's results. */
#define DD_OFF_NONE	0	/* nothing moved: read and write the block */
#define DD_OFF_DONE	1	/* the block was moved and counted */
#define DD_OFF_EOF	2	/* the input is at its end */
#define DD_OFF_FAIL	3	/* a write failed, reported: stop */
#define DD_OFF_RERR	4	/* a read failed, reported: end the copy */
#define DD_OFF_STOP	5	/* SIGINT or SIGTERM */

/* dd_conv.c */
void	dd_conv_setup(struct dd_run *r);
void	dd_convert(struct dd_run *r, char *buf, size_t n);
void	dd_conv_flush(struct dd_run *r);

/* dd_report.c */
void	dd_human(char *buf, size_t len, uint64_t v, unsigned base);
void	dd_stats(struct dd_run *r);
void	dd_progress(struct dd_run *r, int64_t now);
void	dd_xfer_now(struct dd_run *r);
void	dd_on_tick(void *arg);

#endif
