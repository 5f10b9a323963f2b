/*
 * Opening DEST.  A new file is the common case and costs one open(2); an
 * existing one is opened as it is and truncated only after the same-file
 * check (job.c).
 */
#include "config.h"

#include <sys/stat.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dest.h"
#include "quote.h"
#include "xio.h"

/* Attempts at a name that a racing process keeps taking. */
#define TRIES	100

static void
warn_dangling(const char *dst)
{
	warnx("not writing through dangling symlink %s", quote(dst));
}

/* True when path is a symlink that points nowhere. */
static bool
is_dangling(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
	    stat(path, &st) == -1 && errno == ENOENT;
}

bool
dest_ask(const char *dst)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	bool yes;

	fprintf(stderr, "%s: overwrite %s? ", getprogname(), quote(dst));
	fflush(stderr);
	n = xio_getline(&line, &cap, stdin);
	yes = n > 0 && (line[0] == 'y' || line[0] == 'Y');
	free(line);
	return yes;
}

/* -n and dd's conv=excl: only a new file will do. */
static int
open_new(const char *dst, int flags, mode_t mode, const struct options *o,
    bool *created)
{
	int fd;

	fd = xio_open(dst, flags | O_CREAT | O_EXCL, mode);
	if (fd == -1 && errno == EEXIST && !o->dd.excl) {
		if (is_dangling(dst)) {
			warn_dangling(dst);
			return -1;
		}
		return DEST_SKIP;
	}
	if (fd != -1)
		*created = true;
	else
		warn("cannot open %s for writing", quote(dst));
	return fd;
}

/*
 * A DEST named with a trailing slash must be a directory; by now it is
 * known not to be one.  Say so as cp does; 0 when there is no slash.
 */
static int
trailing_slash(const char *dst)
{
	size_t n = strlen(dst);
	struct stat st;

	if (n == 0 || dst[n - 1] != '/' || stat(dst, &st) == 0)
		return 0;
	if (errno == ENOTDIR)
		warn("cannot stat %s", quote(dst));
	else {
		errno = ENOTDIR;
		warn("cannot open %s for writing", quote(dst));
	}
	return -1;
}

/* True when path names the file src (a regular SOURCE) already. */
static bool
is_source(const char *path, const struct fdinfo *src)
{
	struct stat st;

	return src->type == FT_REG && stat(path, &st) == 0 &&
	    st.st_dev == src->st.st_dev && st.st_ino == src->st.st_ino;
}

/* Open an existing DEST; with --append, as an append-only file allows. */
static int
open_existing(const char *dst, int flags, const struct options *o)
{
	int fd;

	fd = xio_open(dst, flags, 0);
	/* chattr +a refuses writers without O_APPEND. */
	if (fd == -1 && errno == EPERM && o->append)
		fd = xio_open(dst, flags | O_APPEND, 0);
	return fd;
}

int
dest_open(const char *dst, int flags, mode_t mode, const struct options *o,
    const struct fdinfo *src, bool *created)
{
	struct stat st;
	int fd, tries;

	*created = false;
	flags |= O_CLOEXEC;
	if (trailing_slash(dst) == -1)
		return -1;
	if (o->clobber == CLOBBER_NO || o->dd.excl)
		return open_new(dst, flags, mode, o, created);
	/* Onto SOURCE itself: no question; the same-file rules decide. */
	if (o->clobber == CLOBBER_ASK && stat(dst, &st) == 0 &&
	    !is_source(dst, src) && !dest_ask(dst))
		return DEST_SKIP;

	/* A new file is the common case: one call creates it. */
	for (tries = 0; tries < TRIES; tries++) {
		if (!o->dd.nocreat) {
			fd = xio_open(dst, flags | O_CREAT | O_EXCL, mode);
			if (fd != -1) {
				*created = true;
				return fd;
			}
			if (errno != EEXIST)
				break;
		}
		fd = open_existing(dst, flags, o);
		if (fd != -1)
			return fd;
		if (errno == ENOENT && !o->dd.nocreat) {
			if (lstat(dst, &st) == 0 && S_ISLNK(st.st_mode)) {
				warn_dangling(dst);
				return -1;
			}
			continue;	/* removed in between: create it */
		}
		if (!o->force || errno == EISDIR || errno == ENOENT)
			break;
		/* -f never removes SOURCE itself. */
		if (is_source(dst, src)) {
			errno = 0;
			return DEST_SAME;
		}
		if (unlink(dst) == -1 && errno != ENOENT)
			break;
	}
	if (!xio_stop)
		warn("cannot open %s for writing", quote(dst));
	return -1;
}

/* The directory part of a path, for the temporary file of --atomic. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (slash == NULL)
		d = strdup(".");
	else if (slash == path)
		d = strdup("/");
	else
		d = strndup(path, (size_t)(slash - path));
	if (d == NULL)
		err(1, "out of memory");
	return d;
}

/* A fresh candidate name in directory dir for a temporary file. */
static void
temp_name(struct atomic *a, const char *dir)
{
	free(a->tmp);
	if (asprintf(&a->tmp, "%s/.kcp.%ld.%08lx", dir, (long)getpid(),
	    (unsigned long)arc4random()) == -1)
		err(1, "out of memory");
}

/* What --atomic replaces: a regular file, found through symlinks. */
static int
atomic_target(const char *dst, const struct options *o, struct atomic *a)
{
	struct stat st;

	if (lstat(dst, &st) == -1) {
		if ((a->dst = strdup(dst)) == NULL)
			err(1, "out of memory");
		return 0;
	}
	if (S_ISLNK(st.st_mode) && stat(dst, &st) == -1) {
		warn_dangling(dst);
		return -1;
	}
	if (o->clobber == CLOBBER_NO)
		return DEST_SKIP;
	if (!S_ISREG(st.st_mode)) {
		warnx("cannot replace %s atomically: not a regular file",
		    quote(dst));
		return -1;
	}
	/* Replacing is writing: only where opening DEST would be allowed. */
	if (!o->force && faccessat(AT_FDCWD, dst, W_OK, AT_EACCESS) == -1) {
		warn("cannot open %s for writing", quote(dst));
		return -1;
	}
	if (o->clobber == CLOBBER_ASK && !dest_ask(dst))
		return DEST_SKIP;
	a->existed = true;
	a->old = st;
	/* Replace the file a symlink points to, not the link. */
	if ((a->dst = realpath(dst, NULL)) == NULL) {
		warn("cannot resolve %s", quote(dst));
		return -1;
	}
	return 0;
}

int
atomic_open(const char *dst, int flags, mode_t mode, const struct options *o,
    struct atomic *a)
{
	char *dir;
	int fd, i;

	memset(a, 0, sizeof(*a));
	a->on = true;
	if ((fd = atomic_target(dst, o, a)) != 0)
		return fd;
	dir = dir_of(a->dst);
	/* An unnamed file needs /proc to be given a name at the end. */
	fd = -1;
	if (access("/proc/self/fd", X_OK) == 0 &&
	    (fd = open(dir, (flags & ~O_ACCMODE) | O_RDWR | O_TMPFILE |
	    O_CLOEXEC, mode)) == -1 && errno != EOPNOTSUPP &&
	    errno != EISDIR && errno != EINVAL) {
		warn("cannot create a temporary file in %s", quote(dir));
		free(dir);
		return -1;
	}
	for (i = 0; fd == -1 && i < TRIES; i++) {
		temp_name(a, dir);
		fd = open(a->tmp, flags | O_CREAT | O_EXCL | O_CLOEXEC, mode);
		if (fd == -1 && errno != EEXIST) {
			warn("cannot create a temporary file in %s",
			    quote(dir));
			break;
		}
		a->named = fd != -1;
	}
	free(dir);
	return fd;
}

/* Give the unnamed file of fd a temporary name beside DEST. */
static int
atomic_name(struct atomic *a, int fd)
{
	char proc[64];
	char *dir;
	int i;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	dir = dir_of(a->dst);
	for (i = 0; i < TRIES && !a->named; i++) {
		temp_name(a, dir);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, a->tmp,
		    AT_SYMLINK_FOLLOW) == 0)
			a->named = true;
		else if (errno != EEXIST)
			break;
	}
	free(dir);
	return a->named ? 0 : -1;
}

int
atomic_commit(struct atomic *a, int fd, bool sync_dir)
{
	char *dir;
	int dfd;

	if (!a->named && atomic_name(a, fd) == -1)
		return -1;
	if (rename(a->tmp, a->dst) == -1)
		return -1;
	a->named = false;
	if (sync_dir) {
		dir = dir_of(a->dst);
		if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) !=
		    -1) {
			(void)fsync(dfd);
			(void)close(dfd);
		}
		free(dir);
	}
	return 0;
}

void
atomic_keep_looks(const struct atomic *a, int fd, unsigned preserve)
{
	mode_t mode = a->old.st_mode & 07777;

	if (!a->existed)
		return;
	/*
	 * The old owner where permitted; where not, the file is the user's
	 * now and must not keep set-user-ID or set-group-ID bits, as cp.
	 */
	if (!(preserve & PRESERVE_OWNERSHIP) &&
	    fchown(fd, a->old.st_uid, a->old.st_gid) == -1)
		mode &= ~(mode_t)(S_ISUID | S_ISGID);
	if (!(preserve & PRESERVE_MODE))
		(void)fchmod(fd, mode);
}

void
atomic_abort(struct atomic *a)
{
	if (a->named)
		(void)unlink(a->tmp);
	a->named = false;
}

void
atomic_free(struct atomic *a)
{
	free(a->dst);
	free(a->tmp);
}
