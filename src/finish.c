/*
 * What happens to DEST once its bytes are in: attributes, durability and
 * the read-back check.
 */
#include "config.h"

#include <sys/stat.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "finish.h"
#include "xattr.h"
#include "quote.h"
#include "xio.h"

/* Say what failed on dst, keeping errno for the caller; returns -1. */
static int
fail(const char *what, const char *dst)
{
	int e = errno;

	warn("%s %s", what, quote(dst));
	errno = e;
	return -1;
}

/* How xattr.c's failures are taken, and whether one counted. */
struct xattr_report {
	bool	 all;		/* --preserve=xattr asked: every failure */
	bool	 failed;	/* one was reported */
};

/* An attribute or ACL that could not be copied (xattr.c's callback). */
static void
xattr_failed(void *arg, const char *what, int err)
{
	struct xattr_report *r = arg;

	/*
	 * As part of -a, attributes DEST cannot hold pass in silence, and
	 * others are said without failing the copy, as cp does.
	 */
	if (!r->all && xattr_unsupported(err))
		return;
	warnx("%s: %s", what, strerror(err));
	r->failed |= r->all;
}

/* A side's name for the path forms of xattr.c: through its directory. */
static const char *
side_path(char *buf, size_t len, const struct finish_side *s)
{
	const char *p = xattr_fdpath(buf, len, s->dirfd, s->name);

	return p != NULL ? p : s->name;
}

/* --preserve=xattr: the extended attributes of s onto d. */
static int
copy_xattrs(const struct options *o, const struct finish_side *s,
    const struct finish_side *d)
{
	struct xattr_report r = { (o->preserve_asked & PRESERVE_XATTR) != 0,
	    false };
	char sp[PATH_MAX + 32], dp[PATH_MAX + 32];

	if (!(o->preserve & PRESERVE_XATTR))
		return 0;
	if (s->fd >= 0 && d->fd >= 0)
		(void)xattr_copy_fd(s->fd, s->shown, d->fd, d->shown,
		    xattr_failed, &r);
	else
		(void)xattr_copy_path(side_path(sp, sizeof(sp), s), s->shown,
		    side_path(dp, sizeof(dp), d), d->shown, xattr_failed, &r);
	return r.failed ? -1 : 0;
}

/*
 * With the mode: the ACLs of s onto d, where there are any (dir: both are
 * directories, with default ACLs).
 */
static int
copy_acls(const struct finish_side *s, const struct finish_side *d, bool dir)
{
	struct xattr_report r = { true, false };
	char sp[PATH_MAX + 32], dp[PATH_MAX + 32];

	if (s->fd >= 0 && d->fd >= 0)
		(void)xattr_acl_copy_fd(s->fd, s->shown, d->fd, d->shown, dir,
		    xattr_failed, &r);
	else
		(void)xattr_acl_copy_path(side_path(sp, sizeof(sp), s),
		    s->shown, side_path(dp, sizeof(dp), d), d->shown,
		    xattr_failed, &r);
	return r.failed ? -1 : 0;
}

/* chown(2) on the entry d, by descriptor or by name. */
static int
own(const struct finish_side *d, uid_t uid, gid_t gid)
{
	if (d->fd >= 0)
		return fchown(d->fd, uid, gid);
	return fchownat(d->dirfd, d->name, uid, gid, AT_SYMLINK_NOFOLLOW);
}

/* Whether d is owned as st is: user and group. */
static bool
owned_alike(const struct stat *st, const struct finish_side *d)
{
	struct stat now;

	if ((d->fd >= 0 ? fstat(d->fd, &now) : fstatat(d->dirfd, d->name,
	    &now, AT_SYMLINK_NOFOLLOW)) == -1)
		return false;
	return now.st_uid == st->st_uid && now.st_gid == st->st_gid;
}

/*
 * Ownership as -p asks.  *kept is false when the entry is not owned as
 * SOURCE is after it, so that set-ID bits must go.
 */
static int
keep_owner(const struct options *o, const struct stat *st,
    const struct finish_side *d, bool *kept)
{
	*kept = true;
	if (!(o->preserve & PRESERVE_OWNERSHIP)) {
		/* Only a set-ID bit makes the owner matter here. */
		if (st->st_mode & (S_ISUID | S_ISGID))
			*kept = owned_alike(st, d);
		return 0;
	}
	/* A new file often has the owner already: no call, no journal. */
	if ((d->now != NULL && d->now->st_uid == st->st_uid &&
	    d->now->st_gid == st->st_gid) || own(d, st->st_uid, st->st_gid) == 0)
		return 0;
	*kept = false;
	/* Only a user may be refused giving a file away; root may not. */
	if (geteuid() == 0)
		return fail("cannot preserve ownership of", d->shown);
	/* As cp: without privilege, keep at least the group. */
	if (errno != EPERM || (own(d, (uid_t)-1, st->st_gid) == -1 &&
	    errno != EPERM))
		return fail("cannot preserve ownership of", d->shown);
	return 0;
}

/*
 * The mode and ACLs of an entry made by name (a FIFO, a device node):
 * through an O_PATH descriptor opened without following a symlink, so
 * that a link swapped in for it never leads the change elsewhere.
 */
static int
mode_by_name(const struct finish_side *s, const struct finish_side *d,
    mode_t mode)
{
	struct finish_side p = *d;
	char proc[64];
	struct stat st;
	int fd, rc = -1;

	fd = openat(d->dirfd, d->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1 || S_ISLNK(st.st_mode)) {
		if (fd != -1)
			errno = ELOOP;	/* a symlink where kcp made a node */
		rc = fail("cannot preserve permissions of", d->shown);
	} else {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		p.dirfd = AT_FDCWD;
		p.name = proc;
		if (fchmodat(AT_FDCWD, proc, mode, 0) == -1)
			(void)fail("cannot preserve permissions of", d->shown);
		else
			rc = copy_acls(s, &p, false);
	}
	if (fd != -1)
		(void)close(fd);
	return rc;
}

int
finish_meta(const struct options *o, const struct stat *st,
    const struct finish_side *s, const struct finish_side *d)
{
	mode_t mode = st->st_mode & 07777;
	bool kept;

	if (keep_owner(o, st, d, &kept) == -1)
		return -1;
	/* After chown, which clears file capabilities. */
	if (copy_xattrs(o, s, d) == -1)
		return -1;
	if (!(o->preserve & PRESERVE_MODE) || d->link)
		return 0;
	/* A file no longer its owner's must not keep set-ID bits. */
	if (!kept)
		mode &= ~(mode_t)(S_ISUID | S_ISGID);
	if (d->fd >= 0) {
		/*
		 * A file made with SOURCE's bits often has them already (the
		 * umask took none, no set-ID bit): no call.  d->now is its
		 * stat after the open, which a directory's default ACL or the
		 * umask shaped.
		 */
		if ((d->now == NULL || (d->now->st_mode & 07777) != mode) &&
		    fchmod(d->fd, mode) == -1)
			return fail("cannot preserve permissions of", d->shown);
		/* After the mode: an access ACL sets the group bits. */
		return copy_acls(s, d, S_ISDIR(st->st_mode));
	}
	return mode_by_name(s, d, mode);
}

int
finish_meta_times(const struct options *o, const struct stat *st,
    const struct finish_side *d)
{
	struct timespec ts[2];

	if (!(o->preserve & PRESERVE_TIMESTAMPS))
		return 0;
	ts[0] = st->st_atim;
	ts[1] = st->st_mtim;
	if ((d->fd >= 0 ? futimens(d->fd, ts) : utimensat(d->dirfd, d->name,
	    ts, AT_SYMLINK_NOFOLLOW)) == -1)
		return fail("cannot preserve times of", d->shown);
	return 0;
}

int
finish_sync(const struct options *o, const struct fdinfo *out,
    const char *dst)
{
	if ((o->fdatasync ? fdatasync(out->fd) : fsync(out->fd)) == -1 &&
	    (fdinfo_is_file(out->type) || errno != EINVAL))
		return fail("cannot sync", dst);
	if (o->verify && fdinfo_is_file(out->type))
		/* Read back what the device holds, not the cache. */
		(void)posix_fadvise(out->fd, 0, 0, POSIX_FADV_DONTNEED);
	return 0;
}

/* Compare up to want bytes at done; the bytes compared, or -1. */
static ssize_t
compare_chunk(const char *src, const char *dst, int in, int out, off_t ioff,
    off_t ooff, uint64_t done, char *a, char *b, size_t want)
{
	ssize_t ra, rb;
	size_t i;

	ra = xio_read(in, a, want, ioff + (off_t)done);
	if (ra < 0) {
		warn("cannot verify: error reading %s", quote(src));
		return -1;
	}
	rb = ra == 0 ? 0 : xio_read(out, b, (size_t)ra, ooff + (off_t)done);
	if (rb < 0) {
		warn("cannot verify: error reading %s", quote(dst));
		return -1;
	}
	if (ra == 0 || rb < ra) {
		warnx("verification failed: %s and %s differ in length "
		    "at byte %llu", quote(src), quote(dst),
		    (unsigned long long)(done + (uint64_t)rb));
		return -1;
	}
	if (memcmp(a, b, (size_t)ra) != 0) {
		for (i = 0; a[i] == b[i]; i++)
			;
		warnx("verification failed: %s and %s differ at byte %llu",
		    quote(src), quote(dst), (unsigned long long)(done + i));
		return -1;
	}
	return ra;
}

/* Compare SOURCE and DEST over the copied range; -1 after a message. */
static int
compare(const char *src, const char *dst, int in, int out, off_t ioff,
    off_t ooff, uint64_t len)
{
	enum { VBUF = 256 * 1024 };
	char *a, *b;
	uint64_t done = 0;
	size_t want;
	ssize_t n;
	int rc = 0, fl;

	if ((a = malloc(VBUF)) == NULL || (b = malloc(VBUF)) == NULL)
		err(1, "out of memory");
	/*
	 * Plain reads from any offset, no O_DIRECT alignment rules: DEST's
	 * descriptor is a new one; SOURCE's flags are put back below.
	 */
	if ((fl = fcntl(in, F_GETFL)) != -1 && (fl & O_DIRECT))
		(void)fcntl(in, F_SETFL, fl & ~O_DIRECT);
	(void)posix_fadvise(in, ioff, (off_t)len, POSIX_FADV_SEQUENTIAL);
	(void)posix_fadvise(out, ooff, (off_t)len, POSIX_FADV_SEQUENTIAL);
	while (done < len && !xio_stop) {
		want = len - done < VBUF ? (size_t)(len - done) : VBUF;
		n = compare_chunk(src, dst, in, out, ioff, ooff, done, a, b,
		    want);
		if (n == -1) {
			rc = -1;
			break;
		}
		done += (uint64_t)n;
	}
	free(a);
	free(b);
	if (fl != -1 && (fl & O_DIRECT))
		(void)fcntl(in, F_SETFL, fl);
	return xio_stop ? -1 : rc;
}

int
finish_verify(const char *src, const char *dst, int in_fd, int out_fd,
    off_t ioff, off_t ooff, uint64_t len)
{
	int rfd, rc;

	if ((rfd = fdinfo_reopen(out_fd, O_RDONLY)) == -1) {
		warn("cannot verify %s: cannot read it back", quote(dst));
		return -1;
	}
	rc = compare(src, dst, in_fd, rfd, ioff, ooff, len);
	(void)close(rfd);
	return rc;
}
