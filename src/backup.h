/*
 * Backups of a destination about to be overwritten or removed, for cp
 * mode's -b, --backup[=CONTROL] and -S/--suffix=SUFFIX, made the way GNU
 * cp 9 makes them: the existing DEST is renamed to DEST~ (a simple backup)
 * or DEST.~N~ (a numbered one) in its own directory.
 *
 * Nothing here prints or exits.  The option parser calls backup_parse()
 * and backup_suffix() once; cp mode calls backup_make() before it replaces
 * each DEST.  The module backs up whatever name it is given, directory or
 * not: it is cp mode's business not to ask for a backup of a directory it
 * merges into (cp -rb does not back those up), and to refuse to replace a
 * non-directory by a directory before any backup is made.
 */
#ifndef KCP_BACKUP_H
#define KCP_BACKUP_H

#include <sys/stat.h>
#include <stdbool.h>
#include <stddef.h>

enum backup_mode {
	BACKUP_NONE,		/* none, off: never, even with -b */
	BACKUP_SIMPLE,		/* simple, never: NAME + suffix */
	BACKUP_EXISTING,	/* existing, nil: numbered if some exist */
	BACKUP_NUMBERED		/* numbered, t: NAME.~N~ */
};

/* Room enough in backup_parse's err for any CONTROL of a sane length. */
#define BACKUP_ERRLEN	1024

/*
 * The backup mode for the CONTROL word of --backup=CONTROL, which may be a
 * unique abbreviation of a valid word ("num").  A NULL or empty control
 * (-b, --backup, or -S alone, all of which ask for backups) takes the word
 * from the VERSION_CONTROL environment variable, and an unset or empty one
 * means existing.  Call this only when backups were asked for: GNU cp does
 * not look at VERSION_CONTROL otherwise, and neither does it when a
 * --backup=CONTROL was given.
 *
 * Returns 0, or -1 with errno EINVAL and in err the message to print after
 * "kcp: ": several lines separated by '\n', with no final newline, e.g.
 *
 *	invalid argument 'bogus' for 'backup type'
 *	Valid arguments are:
 *	  - 'none', 'off'
 *	  ...
 *
 * ("ambiguous argument" for an abbreviation of two words, and
 * '$VERSION_CONTROL' in place of 'backup type' when the word came from
 * the environment).  The caller then prints "Try 'kcp --help' for more
 * information." and exits 1, as for any usage error.
 */
int	backup_parse(const char *control, enum backup_mode *mode, char *err,
	    size_t len);

/*
 * The suffix of simple backups: arg (from -S/--suffix) when not NULL, else
 * the SIMPLE_BACKUP_SUFFIX environment variable, else "~".  An empty
 * suffix, or one with a '/' that is not part of a run of slashes at its
 * end, is replaced by "~"; an explicit arg is never replaced by the
 * environment's.  The result is arg, the environment's string or a
 * constant: not to be freed.
 */
const char *backup_suffix(const char *arg);

/*
 * Back up dirfd/name (name one component, no '/'; dirfd may be AT_FDCWD)
 * by renaming it, within its directory, to its backup name.  In
 * BACKUP_SIMPLE mode that is name + suffix, replacing any file of that
 * name.  In the other two modes, when numbered backups name.~N~ exist or
 * the mode is BACKUP_NUMBERED, it is name.~M~ with M one more than the
 * greatest N, never replacing anything; else name + suffix as above.
 * In those two modes a backup name that would be NAME_MAX bytes or longer
 * becomes name + "~", name cut short enough for it to fit.
 *
 * Returns 0 when the backup was made, when name does not exist and when
 * mode is BACKUP_NONE; *made, when made is not NULL, then gets the backup
 * name (relative to dirfd, to be freed) or NULL when nothing was renamed.
 * Returns -1 with errno set otherwise, e.g. ENAMETOOLONG (a simple backup
 * name too long), EISDIR (the backup name is a directory), EEXIST (the
 * numbered name, cut short, exists), ENOMEM; *made is then NULL.
 */
int	backup_make(int dirfd, const char *name, enum backup_mode mode,
	    const char *suffix, char **made);

/*
 * True when backing up dirfd/name would rename the source itself over
 * and lose it: the source's last component src_base is name + suffix,
 * and that file in dirfd is the source (src_st, as stat gave it).
 * Never in BACKUP_NONE or BACKUP_NUMBERED mode.  GNU cp then refuses the
 * copy: "backing up 'DEST' might destroy source;  'SOURCE' not copied".
 */
bool	backup_hits_source(int dirfd, const char *name, enum backup_mode mode,
	    const char *suffix, const char *src_base,
	    const struct stat *src_st);

#endif
