/*
 * The command line: options, operands and dd's key=value operands, parsed
 * into one struct (options.c, dd_args.c).  Parsing never prints and never
 * exits, so that the fuzzer can drive it; kcp.c reports what it says.
 */
#ifndef KCP_OPTIONS_H
#define KCP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

enum clobber { CLOBBER_YES, CLOBBER_NO, CLOBBER_ASK };
enum action { ACT_COPY, ACT_HELP, ACT_VERSION };

#define PRESERVE_MODE		0x1
#define PRESERVE_OWNERSHIP	0x2
#define PRESERVE_TIMESTAMPS	0x4
#define PRESERVE_ALL		0x7

/* dd's status= levels. */
enum dd_status { DD_STATUS_DEFAULT, DD_STATUS_NONE, DD_STATUS_NOXFER,
	DD_STATUS_PROGRESS };

struct dd_options {
	bool		 on;		/* operands were dd's key=value words */
	const char	*in, *out;	/* if=, of= (NULL: standard streams) */
	int64_t		 ibs, obs;
	enum dd_status	 status;
	bool		 excl, nocreat, dsync;
};

struct options {
	enum action		 action;
	int64_t			 skip, seek, length;
	bool			 seek_set, length_set;
	bool			 append, no_truncate, force;
	bool			 trunc_at_seek;	/* dd: truncate DEST at seek= */
	enum clobber		 clobber;
	int			 verbose;
	bool			 progress;
	bool			 fsync, fdatasync;
	bool			 direct, nocache, verify, atomic;
	unsigned		 preserve;	/* PRESERVE_* bits */
	const char		*target;	/* -t DIR */
	bool			 no_target;	/* -T */
	struct copy_opts	 copy;
	struct dd_options	 dd;
	int			 nops;		/* operands left after options */
	char			**ops;
};

/*
 * Parse argv into o.  Returns 0, or -1 with a message (without the
 * program name) in err; a usage error then wants the --help hint.
 */
int	options_parse(int argc, char **argv, struct options *o, char *err,
	    size_t len);

/* Put a message in err (for options.c and dd_args.c); returns -1. */
int	options_error(char *err, size_t len, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
