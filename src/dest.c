/*
 * Opening DEST.  A new file is the common case and costs one open(2); an
 * existing one is opened as it is and truncated only after the same-file
 * check (job.c).  Every name is relative to a directory descriptor.
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

#include "backup.h"
#include "dest.h"
#include "quote.h"
#include "xio.h"

/* Attempts at a name that a racing process keeps taking. */
#define TRIES	100

static void
warn_dangling(const char *shown)
{
	warnx("not writing through dangling symlink %s", quote(shown));
}

/* True when dst is a symlink that points nowhere. */
static bool
is_dangling(const struct atname *dst)
{
	struct stat st;

	return fstatat(dst->dirfd, dst->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode) &&
	    fstatat(dst->dirfd, dst->name, &st, 0) == -1 && errno == ENOENT;
}

bool
dest_ask(const char *shown)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	bool yes;

	fprintf(stderr, "%s: overwrite %s? ", getprogname(), quote(shown));
	fflush(stderr);
	n = xio_getline(&line, &cap, stdin);
	yes = n > 0 && (line[0] == 'y' || line[0] == 'Y');
	free(line);
	return yes;
}

int
dest_backup(const struct atname *dst, const struct options *o,
    const struct stat *src_st, const char *src_shown)
{
	const char *base = strrchr(dst->name, '/'), *sbase;
	char *dir = NULL, *made = NULL;
	int dirfd = dst->dirfd, rc = 0;

	if (!o->backup || o->backup_mode == BACKUP_NONE)
		return 0;
	if (base != NULL && base[1] != '\0') {
		/* backup_make works in DEST's own directory. */
		if ((dir = strndup(dst->name, (size_t)(base - dst->name) +
		    1)) == NULL)
			err(1, "out of memory");
		if ((dirfd = openat(dst->dirfd, dir, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1) {
			warn("cannot backup %s", quote(dst->shown));
			free(dir);
			return -1;
		}
		base++;
	} else
		base = dst->name;
	sbase = strrchr(src_shown, '/');
	sbase = sbase != NULL ? sbase + 1 : src_shown;
	if (backup_hits_source(dirfd, base, o->backup_mode, o->backup_suffix,
	    sbase, src_st)) {
		warnx("backing up %s might destroy source;  %s not copied",
		    quote(dst->shown), quote(src_shown));
		rc = -1;
	} else if (backup_make(dirfd, base, o->backup_mode, o->backup_suffix,
	    &made) == -1) {
		warn("cannot backup %s", quote(dst->shown));
		rc = -1;
	} else if (made != NULL && o->verbose > 0)
		fprintf(stderr, "%s: backup: %s -> %s\n", getprogname(),
		    quote(dst->shown), quote(made));
	if (dirfd != dst->dirfd)
		(void)close(dirfd);
	free(dir);
	free(made);
	return rc;
}

/* -n: only a new file will do. */
static int
open_new(const struct atname *dst, int flags, mode_t mode,
    const struct options *o, bool *created)
{
	int fd;

	fd = xio_openat(dst->dirfd, dst->name, flags | O_CREAT | O_EXCL, mode);
	if (fd == -1 && errno == EEXIST) {
		if (is_dangling(dst)) {
			warn_dangling(dst->shown);
			return -1;
		}
		return DEST_SKIP;
	}
	if (fd != -1)
		*created = true;
	else
		warn("cannot create regular file %s", quote(dst->shown));
	return fd;
}

/* Why DEST could not be opened, in cp's words. */
static void
warn_open(const struct atname *dst, bool creating)
{
	if (errno == ENOTDIR || errno == ELOOP)	/* its path is no way there */
		warn("cannot stat %s", quote(dst->shown));
	else if (errno == EISDIR)
		warnx("cannot overwrite directory %s with non-directory",
		    quote(dst->shown));
	else if (creating)
		warn("cannot create regular file %s", quote(dst->shown));
	else
		warn("cannot open %s for writing", quote(dst->shown));
}

/*
 * A DEST named with a trailing slash must be a directory; by now it is
 * known not to be one.  Say so as cp does; 0 when there is no slash.
 */
static int
trailing_slash(const struct atname *dst)
{
	size_t n = strlen(dst->name);
	struct stat st;

	if (n == 0 || dst->name[n - 1] != '/' ||
	    fstatat(dst->dirfd, dst->name, &st, 0) == 0)
		return 0;
	if (errno == ENOTDIR)
		warn("cannot stat %s", quote(dst->shown));
	else {
		errno = ENOTDIR;
		warn("cannot create regular file %s", quote(dst->shown));
	}
	return -1;
}

/* True when st is the file src (a regular SOURCE). */
static bool
is_source(const struct stat *st, const struct fdinfo *src)
{
	return src->type == FT_REG && st->st_dev == src->st.st_dev &&
	    st->st_ino == src->st.st_ino;
}

/* -u: true when the existing DEST st is to be left alone. */
static bool
update_skips(const struct options *o, const struct stat *st,
    const struct fdinfo *src)
{
	const struct timespec *s = &src->st.st_mtim, *d = &st->st_mtim;

	if (o->update == UPDATE_NONE)
		return true;
	if (o->update != UPDATE_OLDER)
		return false;
	/* Replace only a DEST older than SOURCE. */
	return d->tv_sec > s->tv_sec ||
	    (d->tv_sec == s->tv_sec && d->tv_nsec >= s->tv_nsec);
}

/*
 * An existing DEST before it is opened: -u, -i, --backup and
 * --remove-destination.  0 to go on, DEST_SKIP, or -1 after a message.
 */
static int
existing(const struct atname *dst, const struct options *o,
    const struct fdinfo *src, const char *src_shown)
{
	struct stat st;

	if (o->update == UPDATE_ALL && o->clobber != CLOBBER_ASK &&
	    !o->backup && !o->remove_dest)
		return 0;	/* nothing to decide before opening */
	if (fstatat(dst->dirfd, dst->name, &st, 0) == -1 || is_source(&st, src))
		return 0;	/* new, or SOURCE: the same-file rules say */
	if (update_skips(o, &st, src))
		return DEST_SKIP;
	if (o->clobber == CLOBBER_ASK && !dest_ask(dst->shown))
		return DEST_SKIP;
	if (dest_backup(dst, o, &src->st, src_shown) == -1)
		return -1;
	if (o->remove_dest && unlinkat(dst->dirfd, dst->name, 0) == -1 &&
	    errno != ENOENT) {
		warn("cannot remove %s", quote(dst->shown));
		return -1;
	}
	return 0;
}

/* Open an existing DEST; with --append, as an append-only file allows. */
static int
open_existing(const struct atname *dst, int flags, const struct options *o)
{
	int fd;

	fd = xio_openat(dst->dirfd, dst->name, flags, 0);
	/* chattr +a refuses writers without O_APPEND. */
	if (fd == -1 && errno == EPERM && o->append)
		fd = xio_openat(dst->dirfd, dst->name, flags | O_APPEND, 0);
	return fd;
}

int
dest_open(const struct atname *dst, int flags, mode_t mode,
    const struct options *o, const struct fdinfo *src, const char *src_shown,
    bool *created)
{
	struct stat st;
	int fd, tries;
	bool creating = false;

	*created = false;
	flags |= O_CLOEXEC | (dst->nofollow ? O_NOFOLLOW : 0);
	if (trailing_slash(dst) == -1)
		return -1;
	if (o->clobber == CLOBBER_NO)
		return open_new(dst, flags, mode, o, created);
	if ((fd = existing(dst, o, src, src_shown)) != 0)
		return fd;

	/* A new file is the common case: one call creates it. */
	for (tries = 0; tries < TRIES; tries++) {
		fd = xio_openat(dst->dirfd, dst->name, flags | O_CREAT | O_EXCL,
		    mode);
		if (fd != -1) {
			*created = true;
			return fd;
		}
		if ((creating = errno != EEXIST))
			break;
		fd = open_existing(dst, flags, o);
		if (fd != -1)
			return fd;
		if (errno == ENOENT) {
			if (fstatat(dst->dirfd, dst->name, &st,
			    AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
				warn_dangling(dst->shown);
				return -1;
			}
			continue;	/* removed in between: create it */
		}
		if (!o->force || errno == EISDIR || errno == ENOENT)
			break;
		/* -f never removes SOURCE itself. */
		if (fstatat(dst->dirfd, dst->name, &st, 0) == 0 &&
		    is_source(&st, src)) {
			errno = 0;
			return DEST_SAME;
		}
		if (unlinkat(dst->dirfd, dst->name, 0) == -1 && errno != ENOENT)
			break;
	}
	if (!xio_stop)
		warn_open(dst, creating);
	return -1;
}

/* name's directory part ("." for none) and its last component. */
static char *
split_name(const char *name, const char **base)
{
	const char *slash = strrchr(name, '/');
	char *d;

	*base = slash != NULL ? slash + 1 : name;
	if (slash == NULL)
		d = strdup(".");
	else if (slash == name)
		d = strdup("/");
	else
		d = strndup(name, (size_t)(slash - name));
	if (d == NULL)
		err(1, "out of memory");
	return d;
}

/* A fresh candidate name for a temporary file. */
static void
temp_name(struct atomic *a)
{
	free(a->tmp);
	if (asprintf(&a->tmp, ".kcp.%ld.%08lx", (long)getpid(),
	    (unsigned long)arc4random()) == -1)
		err(1, "out of memory");
}

/*
 * Where --atomic puts the new file: the directory of dst and its name
 * there, or of the file a symlink at dst points to.
 */
static int
atomic_place(const struct atname *dst, struct atomic *a)
{
	char proc[64], *path = NULL, *dir;
	const char *base, *name = dst->name;

	if (a->existed && fstatat(dst->dirfd, dst->name, &a->old,
	    AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(a->old.st_mode)) {
		/* Replace the file the link points to, not the link. */
		if (dst->dirfd != AT_FDCWD) {
			snprintf(proc, sizeof(proc), "/proc/self/fd/%d/",
			    dst->dirfd);
			if (asprintf(&path, "%s%s", proc, dst->name) == -1)
				err(1, "out of memory");
		}
		name = realpath(path != NULL ? path : dst->name, NULL);
		free(path);
		if (name == NULL) {
			warn("cannot resolve %s", quote(dst->shown));
			return -1;
		}
		(void)fstatat(AT_FDCWD, name, &a->old, 0);
	}
	dir = split_name(name, &base);
	a->dirfd = openat(name == dst->name ? dst->dirfd : AT_FDCWD, dir,
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (a->dirfd == -1)
		warn("cannot open the directory of %s", quote(dst->shown));
	else if ((a->name = strdup(base)) == NULL)
		err(1, "out of memory");
	free(dir);
	if (name != dst->name)
		free((char *)name);
	return a->dirfd == -1 ? -1 : 0;
}

/* What --atomic replaces: a regular file the user may write. */
static int
atomic_target(const struct atname *dst, const struct options *o,
    const struct fdinfo *src, struct atomic *a)
{
	struct stat st;
	int rc;

	if (fstatat(dst->dirfd, dst->name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return atomic_place(dst, a);
	if (S_ISLNK(st.st_mode) &&
	    fstatat(dst->dirfd, dst->name, &st, 0) == -1) {
		warn_dangling(dst->shown);
		return -1;
	}
	if (o->clobber == CLOBBER_NO || update_skips(o, &st, src))
		return DEST_SKIP;
	if (!S_ISREG(st.st_mode)) {
		warnx("cannot replace %s atomically: not a regular file",
		    quote(dst->shown));
		return -1;
	}
	/* Replacing is writing: only where opening DEST would be allowed. */
	if (!o->force && faccessat(dst->dirfd, dst->name, W_OK,
	    AT_EACCESS) == -1) {
		warn("cannot open %s for writing", quote(dst->shown));
		return -1;
	}
	if (o->clobber == CLOBBER_ASK && !is_source(&st, src) &&
	    !dest_ask(dst->shown))
		return DEST_SKIP;
	a->existed = true;
	if ((rc = atomic_place(dst, a)) == 0)
		a->old = st;
	return rc;
}

int
atomic_open(const struct atname *dst, int flags, mode_t mode,
    const struct options *o, const struct fdinfo *src, struct atomic *a)
{
	int fd, i;

	memset(a, 0, sizeof(*a));
	a->on = true;
	a->dirfd = -1;
	a->shown = dst->shown;
	if ((fd = atomic_target(dst, o, src, a)) != 0)
		return fd;
	/* An unnamed file needs /proc to be given a name at the end. */
	fd = -1;
	if (access("/proc/self/fd", X_OK) == 0 &&
	    (fd = openat(a->dirfd, ".", (flags & ~O_ACCMODE) | O_RDWR |
	    O_TMPFILE | O_CLOEXEC, mode)) == -1 && errno != EOPNOTSUPP &&
	    errno != EISDIR && errno != EINVAL) {
		warn("cannot create a temporary file beside %s",
		    quote(dst->shown));
		return -1;
	}
	for (i = 0; fd == -1 && i < TRIES; i++) {
		temp_name(a);
		fd = openat(a->dirfd, a->tmp, flags | O_CREAT | O_EXCL |
		    O_CLOEXEC, mode);
		if (fd == -1 && errno != EEXIST) {
			warn("cannot create a temporary file beside %s",
			    quote(dst->shown));
			break;
		}
		a->named = fd != -1;
	}
	return fd;
}

/* Give the unnamed file of fd a temporary name beside DEST. */
static int
atomic_name(struct atomic *a, int fd)
{
	char proc[64];
	int i;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	for (i = 0; i < TRIES && !a->named; i++) {
		temp_name(a);
		if (linkat(AT_FDCWD, proc, a->dirfd, a->tmp,
		    AT_SYMLINK_FOLLOW) == 0)
			a->named = true;
		else if (errno != EEXIST)
			break;
	}
	return a->named ? 0 : -1;
}

int
atomic_commit(struct atomic *a, int fd, bool sync_dir)
{
	if (!a->named && atomic_name(a, fd) == -1)
		return -1;
	if (renameat(a->dirfd, a->tmp, a->dirfd, a->name) == -1)
		return -1;
	a->named = false;
	if (sync_dir)
		(void)fsync(a->dirfd);
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
		(void)unlinkat(a->dirfd, a->tmp, 0);
	a->named = false;
}

void
atomic_free(struct atomic *a)
{
	if (a->dirfd != -1)
		(void)close(a->dirfd);
	free(a->name);
	free(a->tmp);
}
