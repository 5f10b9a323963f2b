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
