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

#define PRESERVE_MODE		0x01
#define PRESERVE_OWNERSHIP	0x02
#define PRESERVE_TIMESTAMPS	0x04
#define PRESERVE_LINKS		0x08
#define PRESERVE_XATTR		0x10
#define PRESERVE_DEFAULT	0x07	/* -p, --preserve without a LIST */
#define PRESERVE_ALL		0x1f

/* Symbolic links in SOURCE: -P/-d (never), -L (always), -H (operands). */
enum deref { DEREF_DEFAULT, DEREF_NEVER, DEREF_ALWAYS, DEREF_OPERANDS };

/* -u, --update[=WHICH]: which existing DESTs are replaced. */
enum update { UPDATE_ALL, UPDATE_NONE, UPDATE_OLDER };

/* --link and -s: make links instead of copies. */
enum linking { LINKING_NONE, LINKING_HARD, LINKING_SYMBOLIC };

/* dd's status= levels. */
enum dd_status { DD_STATUS_DEFAULT, DD_STATUS_NONE, DD_STATUS_NOXFER,
	DD_STATUS_PROGRESS };

/* dd's conv= symbols, and what some of them imply. */
#define DD_C_ASCII	0x00001
#define DD_C_EBCDIC	0x00002
#define DD_C_IBM	0x00004
#define DD_C_BLOCK	0x00008
#define DD_C_UNBLOCK	0x00010
#define DD_C_LCASE	0x00020
#define DD_C_UCASE	0x00040
#define DD_C_SWAB	0x00080
#define DD_C_NOERROR	0x00100
#define DD_C_NOTRUNC	0x00200
#define DD_C_SYNC	0x00400
#define DD_C_SPARSE	0x00800
#define DD_C_EXCL	0x01000
#define DD_C_NOCREAT	0x02000
#define DD_C_FDATASYNC	0x04000
#define DD_C_FSYNC	0x08000
#define DD_C_TWOBUFS	0x10000	/* gather input into obs-sized writes */

/* iflag= and oflag= symbols that are not open(2) flags. */
#define DD_F_FULLBLOCK		0x01
#define DD_F_NOCACHE		0x02
#define DD_F_COUNT_BYTES	0x04
#define DD_F_SKIP_BYTES		0x08
#define DD_F_SEEK_BYTES		0x10

/*
 * A problem dd reports after its operands are read, without the --help
 * hint, so that kcp.c's usage message does not fit it: dd_main says it.
 */
enum dd_fault { DD_FAULT_NONE, DD_FAULT_NUMBER, DD_FAULT_COMBINE };

struct dd_options {
	bool		 on;		/* operands were dd's key=value words */
	const char	*in, *out;	/* if=, of= (NULL: standard streams) */
	int64_t		 ibs, obs, cbs;
	/* skip=, seek=, count= as records and bytes beyond them */
	int64_t		 skip_records, skip_bytes;
	int64_t		 seek_records, seek_bytes;
	int64_t		 max_records, max_bytes;	/* INT64_MAX: no count= */
	unsigned	 conv;		/* DD_C_* */
	int		 iflags, oflags; /* open(2) flags of iflag=, oflag= */
	unsigned	 ixflags, oxflags; /* DD_F_* */
	enum dd_status	 status;
	unsigned long	 zero_warnings;	/* "0x" products seen, to warn of */
	bool		 append_warning; /* oflag=append without notrunc */
	enum dd_fault	 fault;
	const char	*fault_text;	/* the number, or the message */
	int		 fault_errno;
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
	bool			 resume, resume_strict;	/* --resume[=strict] */
	unsigned		 preserve;	/* PRESERVE_* bits */
	unsigned		 preserve_asked; /* named in --preserve=LIST */
	unsigned		 preserve_refused; /* named in --no-preserve */
	const char		*target;	/* -t DIR */
	bool			 no_target;	/* -T */
	/* Trees and cp's other options (kcp(1), TREES). */
	bool			 recursive;	/* -r, -R, -a */
	enum deref		 deref;
	bool			 copy_contents;	/* read FIFOs and devices */
	bool			 one_fs;	/* -x */
	enum update		 update;
	bool			 parents;
	bool			 backup;	/* -b, --backup, -S */
	const char		*backup_control; /* --backup=CONTROL */
	const char		*suffix;	/* -S */
	int			 backup_mode;	/* enum backup_mode */
	const char		*backup_suffix;	/* -S, or from the environment */
	bool			 remove_dest;	/* --remove-destination */
	bool			 strip_slashes;
	bool			 attributes_only;
	enum linking		 linking;
	int			 jobs;		/* -j; 0: the default */
	bool			 linking_both;	/* -s and --link: refused */
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
