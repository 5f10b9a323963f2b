/*
 * Backups of a destination before cp mode replaces it: -b, --backup and
 * -S.  What kcp reproduces, as observed from GNU cp 9:
 *
 *  - CONTROL words and unique abbreviations of them; an abbreviation of
 *    words of two meanings ("n") is ambiguous, and the message quotes the
 *    word with C-style escapes ('it\'s', 'a\nb'), not as a file name.
 *  - A numbered backup is NAME.~N~ with N one more than the greatest N of
 *    the directory's NAME.~N~ entries, N written without leading zeros:
 *    b.~01~ is not a numbered backup.  N has no upper bound: after
 *    b.~99999999999999999999~ comes b.~100000000000000000000~, so the
 *    numbers are handled as strings of digits.
 *  - A directory that cannot be read is taken to hold no numbered backups.
 *  - A simple backup replaces what has its name; a numbered one never
 *    replaces anything.
 *  - Only the modes that read the directory shorten names that would be
 *    too long; a simple backup with too long a name fails ENAMETOOLONG.
 *
 * Where cp would loop for ever (a numbered backup name that exists but
 * cannot be seen because the directory cannot be read), kcp gives up with
 * EEXIST.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/syscall.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/fs.h>

#include "backup.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE	(1 << 0)
#endif

/* Room for the digits of any N in a directory entry, plus one carry. */
#define DIGITS_MAX	(sizeof(((struct dirent *)0)->d_name) + 1)

/* How often a numbered backup is retried when others take its number. */
#define RETRIES		100

/* The CONTROL words, words of one meaning together, in cp's order. */
static const struct {
	const char		*word;
	enum backup_mode	 mode;
} words[] = {
	{ "none", BACKUP_NONE },		{ "off", BACKUP_NONE },
	{ "simple", BACKUP_SIMPLE },		{ "never", BACKUP_SIMPLE },
	{ "existing", BACKUP_EXISTING },	{ "nil", BACKUP_EXISTING },
	{ "numbered", BACKUP_NUMBERED },	{ "t", BACKUP_NUMBERED },
};
#define NWORDS	(sizeof(words) / sizeof(words[0]))

enum match { MATCH, INVALID, AMBIGUOUS };

/* The message under construction, truncated to its buffer. */
struct msg {
	char	*buf;
	size_t	 len;		/* size of buf */
	size_t	 n;		/* bytes written, NUL excluded */
};

/*
 * An exact word wins; else a prefix of words of one meaning only.  Two
 * prefixed words of the same meaning would not make an ambiguity.
 */
static enum match
lookup(const char *s, enum backup_mode *mode)
{
	size_t i, n = strlen(s);
	int found = -1;
	bool ambiguous = false;

	for (i = 0; i < NWORDS; i++) {
		if (strncmp(words[i].word, s, n) != 0)
			continue;
		if (words[i].word[n] == '\0') {
			*mode = words[i].mode;
			return MATCH;
		}
		if (found < 0)
			found = (int)i;
		else if (words[found].mode != words[i].mode)
			ambiguous = true;
	}
	if (ambiguous)
		return AMBIGUOUS;
	if (found < 0)
		return INVALID;
	*mode = words[found].mode;
	return MATCH;
}

static void
put_char(struct msg *m, char c)
{
	if (m->n + 1 < m->len) {
		m->buf[m->n++] = c;
		m->buf[m->n] = '\0';
	}
}

static void
put_str(struct msg *m, const char *s)
{
	while (*s != '\0')
		put_char(m, *s++);
}

/*
 * The word between single quotes, as cp quotes an option's argument in
 * the C locale: a backslash before ' and \, the C escapes \a \b \f \n \r
 * \t \v, and three octal digits for any other byte outside printable
 * ASCII, so that the message stays on one line whatever the word.
 */
static void
put_quoted(struct msg *m, const char *s)
{
	static const char letter[] = {
		['\a'] = 'a', ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n',
		['\r'] = 'r', ['\t'] = 't', ['\v'] = 'v'
	};
	unsigned char c;

	put_char(m, '\'');
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c == '\'' || c == '\\') {
			put_char(m, '\\');
			put_char(m, (char)c);
		} else if (c >= 0x20 && c < 0x7f) {
			put_char(m, (char)c);
		} else if (c < sizeof(letter) && letter[c] != '\0') {
			put_char(m, '\\');
			put_char(m, letter[c]);
		} else {
			put_char(m, '\\');
			put_char(m, (char)('0' + (c >> 6)));
			put_char(m, (char)('0' + ((c >> 3) & 7)));
			put_char(m, (char)('0' + (c & 7)));
		}
	}
	put_char(m, '\'');
}

/* cp's three-part message: the complaint, then the valid words. */
static int
parse_error(char *err, size_t len, enum match why, const char *arg,
    const char *context)
{
	struct msg m = { err, len, 0 };
	size_t i;

	if (len > 0)
		err[0] = '\0';
	put_str(&m, why == AMBIGUOUS ? "ambiguous" : "invalid");
	put_str(&m, " argument ");
	put_quoted(&m, arg);
	put_str(&m, " for '");
	put_str(&m, context);
	put_str(&m, "'\nValid arguments are:");
	for (i = 0; i < NWORDS; i++) {
		if (i == 0 || words[i].mode != words[i - 1].mode)
			put_str(&m, "\n  - ");
		else
			put_str(&m, ", ");
		put_char(&m, '\'');
		put_str(&m, words[i].word);
		put_char(&m, '\'');
	}
	errno = EINVAL;
	return -1;
}

int
backup_parse(const char *control, enum backup_mode *mode, char *err,
    size_t len)
{
	const char *context = "backup type";
	enum match m;

	if (control == NULL || *control == '\0') {
		control = getenv("VERSION_CONTROL");
		context = "$VERSION_CONTROL";
		if (control == NULL || *control == '\0') {
			*mode = BACKUP_EXISTING;
			return 0;
		}
	}
	if ((m = lookup(control, mode)) == MATCH)
		return 0;
	return parse_error(err, len, m, control, context);
}

/*
 * Whether s may serve as a suffix.  It must be non-empty and add to the
 * last component only, though a run of slashes at its end passes as cp
 * lets it pass (the rename then fails with ENOTDIR).
 */
static bool
suffix_ok(const char *s)
{
	const char *slash;

	if (*s == '\0' || *s == '/')
		return false;
	if ((slash = strchr(s, '/')) == NULL)
		return true;
	return slash[strspn(slash, "/")] == '\0';
}

const char *
backup_suffix(const char *arg)
{
	const char *s = arg != NULL ? arg : getenv("SIMPLE_BACKUP_SUFFIX");

	return s != NULL && suffix_ok(s) ? s : "~";
}

/*
 * The digits of N when entry is name.~N~ with N a decimal number without
 * leading zeros, their count in *n; else NULL.
 */
static const char *
version_of(const char *entry, const char *name, size_t namelen, size_t *n)
{
	const char *d, *p;

	if (strncmp(entry, name, namelen) != 0 || entry[namelen] != '.' ||
	    entry[namelen + 1] != '~')
		return NULL;
	d = entry + namelen + 2;
	if (*d < '1' || *d > '9')
		return NULL;
	for (p = d; *p >= '0' && *p <= '9'; p++)
		;
	if (p[0] != '~' || p[1] != '\0')
		return NULL;
	*n = (size_t)(p - d);
	return d;
}

/*
 * The greatest N among the directory's name.~N~ entries into best
 * (DIGITS_MAX bytes), or "" when there is none.  Returns 1 when the
 * directory was read, 0 when it could not be (then it counts as holding
 * no backups, as cp counts it), -1 when memory ran out.
 */
static int
scan_versions(int dirfd, const char *name, char *best)
{
	const struct dirent *de;
	const char *d;
	size_t n, bestlen = 0, namelen = strlen(name);
	DIR *dir;
	int fd, e;

	best[0] = '\0';
	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return errno == ENOMEM ? -1 : 0;
	if ((dir = fdopendir(fd)) == NULL) {
		e = errno;
		(void)close(fd);
		errno = e;
		return e == ENOMEM ? -1 : 0;
	}
	while ((de = readdir(dir)) != NULL) {
		if ((d = version_of(de->d_name, name, namelen, &n)) == NULL ||
		    n + 1 >= DIGITS_MAX)
			continue;
		/* Without leading zeros the longer number is the greater. */
		if (n > bestlen || (n == bestlen && memcmp(d, best, n) > 0)) {
			memcpy(best, d, n);
			best[n] = '\0';
			bestlen = n;
		}
	}
	(void)closedir(dir);
	return 1;
}

/* Add one to the decimal number in d, which has room for a carry. */
static void
increment(char *d)
{
	size_t n = strlen(d), i = n;

	while (i > 0 && d[i - 1] == '9')
		d[--i] = '0';
	if (i > 0) {
		d[i - 1]++;
		return;
	}
	memmove(d + 1, d, n + 1);
	d[0] = '1';
}

/* The directory's NAME_MAX, or -1 for no limit. */
static long
name_max(int dirfd)
{
	long max;

	errno = 0;
	max = dirfd == AT_FDCWD ? pathconf(".", _PC_NAME_MAX) :
	    fpathconf(dirfd, _PC_NAME_MAX);
	if (max == -1 && errno != 0)
		return NAME_MAX;
	return max;
}

/*
 * Shorten the backup name cand as cp does in the modes that read the
 * directory: one of NAME_MAX bytes or more gives way to name + "~", with
 * name cut to NAME_MAX - 2 bytes if need be.  cp gives way at NAME_MAX
 * itself although such a name would fit; kcp names its backups as cp does.
 * Returns whether cand was shortened.
 */
static bool
fit(int dirfd, char *cand, const char *name)
{
	long max = name_max(dirfd);
	size_t keep;

	if (max < 2 || strlen(cand) < (size_t)max)
		return false;
	/* cand is max bytes or more, so keep + 2 of them are there. */
	keep = strnlen(name, (size_t)max - 2);
	memcpy(cand, name, keep);
	cand[keep] = '~';
	cand[keep + 1] = '\0';
	return true;
}

/*
 * renameat that fails with EEXIST rather than replace to.  Where the
 * file system cannot do that atomically, a look first must do: a file
 * that appears between the look and the rename is replaced.
 */
static int
rename_noreplace(int dirfd, const char *from, const char *to)
{
	struct stat st;

#ifdef SYS_renameat2
	if (syscall(SYS_renameat2, dirfd, from, dirfd, to,
	    RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
#endif
	if (fstatat(dirfd, to, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		return -1;
	}
	if (errno != ENOENT)
		return -1;
	return renameat(dirfd, from, dirfd, to);
}

/* asprintf into *to, which is NULL after a failure (ENOMEM). */
static int __attribute__((__format__(__printf__, 2, 3)))
format(char **to, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(to, fmt, ap);
	va_end(ap);
	if (r == -1) {
		*to = NULL;
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/*
 * The two modes that read the directory: rename name to its next numbered
 * backup or, in BACKUP_EXISTING mode when it has none yet, to its simple
 * one.  *to gets the name tried last, or NULL.
 */
static int
numbered(int dirfd, const char *name, enum backup_mode mode,
    const char *suffix, char **to)
{
	char best[DIGITS_MAX];
	bool cut;
	int tries, readable;

	for (tries = 0;; tries++) {
		*to = NULL;
		if ((readable = scan_versions(dirfd, name, best)) == -1)
			return -1;
		if (best[0] == '\0' && mode == BACKUP_EXISTING) {
			if (format(to, "%s%s", name, suffix) == -1)
				return -1;
			(void)fit(dirfd, *to, name);
			return renameat(dirfd, name, dirfd, *to);
		}
		increment(best);
		if (format(to, "%s.~%s~", name, best) == -1)
			return -1;
		cut = fit(dirfd, *to, name);
		if (rename_noreplace(dirfd, name, *to) == 0)
			return 0;
		/*
		 * EEXIST for a fresh number means another process took it:
		 * look again, unless looking again cannot tell more.
		 */
		if (errno != EEXIST || cut || !readable || tries == RETRIES)
			return -1;
		free(*to);
	}
}

int
backup_make(int dirfd, const char *name, enum backup_mode mode,
    const char *suffix, char **made)
{
	struct stat st;
	char *to = NULL;
	int rc, e;

	if (made != NULL)
		*made = NULL;
	if (*name == '\0' || strchr(name, '/') != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (mode == BACKUP_NONE)
		return 0;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -1;
	if (mode == BACKUP_SIMPLE) {
		if (format(&to, "%s%s", name, suffix) == -1)
			return -1;
		rc = renameat(dirfd, name, dirfd, to);
	} else
		rc = numbered(dirfd, name, mode, suffix, &to);
	if (rc == -1) {
		e = errno;
		free(to);
		/* Gone since the look above: nothing is left to back up. */
		if (e == ENOENT)
			return 0;
		errno = e;
		return -1;
	}
	if (made != NULL)
		*made = to;
	else
		free(to);
	return 0;
}

bool
backup_hits_source(int dirfd, const char *name, enum backup_mode mode,
    const char *suffix, const char *src_base, const struct stat *src_st)
{
	struct stat st;
	size_t n = strlen(name);

	if (mode == BACKUP_NONE || mode == BACKUP_NUMBERED)
		return false;
	if (strncmp(src_base, name, n) != 0 ||
	    strcmp(src_base + n, suffix) != 0)
		return false;
	/* Through symbolic links, as cp looks: it errs on the safe side. */
	if (fstatat(dirfd, src_base, &st, 0) == -1)
		return false;
	return st.st_dev == src_st->st_dev && st.st_ino == src_st->st_ino;
}
