/*
 * Extended attributes and POSIX ACLs: libattr and libacl do the copying;
 * this module gives them an error_context that turns each of their
 * messages into a call of the caller's xattr_error_fn, with kcp's quoting
 * and the names the caller wants in messages.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/xattr.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(HAVE_LIBATTR) || defined(HAVE_LIBACL)
#include <attr/error_context.h>
#endif
#ifdef HAVE_LIBATTR
#include <attr/libattr.h>
#endif
#ifdef HAVE_LIBACL
#include <acl/libacl.h>
#endif

#include "quote.h"
#include "xattr.h"

/* The attributes the kernel keeps a file's and a directory's ACLs in. */
#define ACCESS_ACL_XATTR	"system.posix_acl_access"
#define DEFAULT_ACL_XATTR	"system.posix_acl_default"

bool
xattr_available(bool acls)
{
#ifdef HAVE_LIBACL
	if (acls)
		return true;
#endif
#ifdef HAVE_LIBATTR
	if (!acls)
		return true;
#endif
	return false;
}

bool
xattr_unsupported(int err)
{
	return err == ENOTSUP || err == ENODATA;
}

char *
xattr_fdpath(char *buf, size_t len, int dirfd, const char *name)
{
	int n;

	if (name[0] == '/' || dirfd == AT_FDCWD)
		n = snprintf(buf, len, "%s", name);
	else
		n = snprintf(buf, len, "/proc/self/fd/%d/%s", dirfd, name);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return buf;
}

#if defined(HAVE_LIBATTR) || defined(HAVE_LIBACL)
/*
 * One copy's error_context.  The libraries hand the error_context back to
 * the callbacks, and it comes first here, so the callbacks reach the rest.
 */
struct xctx {
	struct error_context	 ec;
	const char		*src;	/* as given to the library */
	const char		*src_name; /* as messages name it */
	const char		*dst;
	const char		*dst_name;
	xattr_error_fn		 fn;
	void			*arg;
	int			 err;	/* errno to return, 0 if none */
};

/* Record a failure, tell the caller, and keep the errno to return. */
static void
note(struct xctx *c, const char *what, int err)
{
	if (err == 0)
		err = EIO;
	if (c->fn != NULL)
		c->fn(c->arg, what, err);
	/* The first failure that matters outranks any unsupported one. */
	if (c->err == 0 || (xattr_unsupported(c->err) &&
	    !xattr_unsupported(err)))
		c->err = err;
}

/*
 * The libraries' error callback: fmt with its arguments is a phrase such
 * as "setting attribute %s for %s", errno the cause.  When memory runs
 * out they say nothing (an empty fmt), so the phrase names the file then.
 */
static void
ctx_error(struct error_context *ec, const char *fmt, ...)
{
	struct xctx *c = (struct xctx *)ec;
	char *what = NULL, fallback[512];
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) == -1)
		what = NULL;
	va_end(ap);
	if (what == NULL || what[0] == '\0') {
		(void)snprintf(fallback, sizeof(fallback),
		    "copying attributes of %s", quote(c->src_name));
		note(c, fallback, e);
	} else
		note(c, what, e);
	free(what);
	errno = e;
}

/*
 * The libraries' quote callback.  They pass back the very pointers they
 * were given for the files, which may be /proc paths: the names the caller
 * chose for messages stand in for them.  quote()'s buffers rotate, so two
 * names quoted for one message both stay valid, and nothing needs freeing.
 */
static const char *
ctx_quote(struct error_context *ec, const char *s)
{
	struct xctx *c = (struct xctx *)ec;

	if (s == c->src)
		s = c->src_name;
	else if (s == c->dst)
		s = c->dst_name;
	return quote(s);
}

static void
ctx_init(struct xctx *c, const char *src, const char *src_name,
    const char *dst, const char *dst_name, xattr_error_fn fn, void *arg)
{
	memset(c, 0, sizeof(*c));
	c->ec.error = ctx_error;
	c->ec.quote = ctx_quote;
	c->ec.quote_free = NULL;
	c->src = src;
	c->src_name = src_name != NULL ? src_name : src;
	c->dst = dst;
	c->dst_name = dst_name != NULL ? dst_name : dst;
	c->fn = fn;
	c->arg = arg;
}

/*
 * What a copy returns: the libraries' -1 without a message (which they
 * should not do) still fails, and a message without their -1 (a bad
 * /etc/xattr.conf, told through the check callback) fails as well.
 */
static int
ctx_result(const struct xctx *c, int rc)
{
	if (rc == 0 && c->err == 0)
		return 0;
	errno = c->err != 0 ? c->err : EIO;
	return -1;
}
#endif /* HAVE_LIBATTR || HAVE_LIBACL */

#ifdef HAVE_LIBATTR
/*
 * attr_copy's check callback: whether to copy the attribute name.  ACLs
 * are left to xattr_acl_copy_*, even where /etc/xattr.conf is missing (it
 * is what names them permissions), so that --preserve=xattr alone copies
 * no ACL, as with cp.  For the rest the file decides, as by default.
 */
static int
copy_this(const char *name, struct error_context *ec)
{
	if (strncmp(name, "system.posix_acl_", 17) == 0)
		return 0;
	return attr_copy_action(name, ec) == 0;
}

int
xattr_copy_fd(int src_fd, const char *src_name, int dst_fd,
    const char *dst_name, xattr_error_fn fn, void *arg)
{
	struct xctx c;

	/* Most files have none: one call says so (libattr makes two). */
	if (flistxattr(src_fd, NULL, 0) == 0)
		return 0;
	ctx_init(&c, src_name, NULL, dst_name, NULL, fn, arg);
	return ctx_result(&c, attr_copy_fd(src_name, src_fd, dst_name, dst_fd,
	    copy_this, &c.ec));
}

int
xattr_copy_path(const char *src, const char *src_name, const char *dst,
    const char *dst_name, xattr_error_fn fn, void *arg)
{
	struct xctx c;

	/* attr_copy_file uses llistxattr, lgetxattr and lsetxattr. */
	ctx_init(&c, src, src_name, dst, dst_name, fn, arg);
	return ctx_result(&c, attr_copy_file(src, dst, copy_this, &c.ec));
}
#else /* !HAVE_LIBATTR */
/*
 * Built without libattr, kcp copies no extended attributes: each copy
 * fails with ENOTSUP, told as a destination without them would tell it,
 * so that what cp -a keeps quiet about stays quiet here too.
 */
static int
no_xattrs(const char *dst_name, xattr_error_fn fn, void *arg)
{
	char what[512];

	if (fn != NULL) {
		(void)snprintf(what, sizeof(what), "setting attributes for %s",
		    quote(dst_name));
		fn(arg, what, ENOTSUP);
	}
	errno = ENOTSUP;
	return -1;
}

int
xattr_copy_fd(int src_fd, const char *src_name, int dst_fd,
    const char *dst_name, xattr_error_fn fn, void *arg)
{
	return no_xattrs(dst_name, fn, arg);
}

int
xattr_copy_path(const char *src, const char *src_name, const char *dst,
    const char *dst_name, xattr_error_fn fn, void *arg)
{
	return no_xattrs(dst_name != NULL ? dst_name : dst, fn, arg);
}
#endif /* HAVE_LIBATTR */

#ifdef HAVE_LIBACL
/*
 * Read the attribute name of fd into a new buffer; its length, or -1 with
 * errno.  The size can change between the probe and the read: try again.
 */
static ssize_t
get_value(int fd, const char *name, void **out)
{
	ssize_t n, m;
	void *v;

	for (;;) {
		if ((n = fgetxattr(fd, name, NULL, 0)) == -1)
			return -1;
		if ((v = malloc(n > 0 ? (size_t)n : 1)) == NULL)
			return -1;
		if ((m = fgetxattr(fd, name, v, (size_t)n)) >= 0) {
			*out = v;
			return m;
		}
		free(v);
		if (errno != ERANGE)
			return -1;
	}
}

/*
 * Make dst_fd's default ACL that of src_fd, both directories.  libacl
 * before 2.3.2 leaves it out of perm_copy_fd (perm_copy_file has it, by
 * path), so it is copied here as the attribute the kernel keeps it in.
 * No default ACL on the source, or none to be had on its filesystem,
 * means none on DEST: mkdir may have given it its parent's.
 */
static void
copy_default_acl(struct xctx *c, int src_fd, int dst_fd)
{
	char what[1024];
	void *v = NULL;
	ssize_t n;
	int rc, e;

	n = get_value(src_fd, DEFAULT_ACL_XATTR, &v);
	if (n == -1 && errno != ENODATA && errno != ENOTSUP) {
		e = errno;
		(void)snprintf(what, sizeof(what),
		    "getting the default ACL of %s", quote(c->src_name));
		note(c, what, e);
		return;
	}
	/*
	 * A destination without ACLs loses the default ACL quietly, as with
	 * cp -a: its access ACL, had it been more than the mode, has already
	 * failed, and the directory's own permissions are in.
	 */
	if (n >= 0)
		rc = fsetxattr(dst_fd, DEFAULT_ACL_XATTR, v, (size_t)n, 0);
	else
		rc = fremovexattr(dst_fd, DEFAULT_ACL_XATTR);
	if (rc == -1 && (errno == ENOTSUP || (n < 0 && errno == ENODATA)))
		rc = 0;
	e = errno;
	free(v);
	if (rc == -1) {
		(void)snprintf(what, sizeof(what),
		    "preserving permissions for %s", quote(c->dst_name));
		note(c, what, e);
	}
}

/*
 * The common case, a source with no access ACL: its permissions are its
 * mode, which the caller has set, so DEST only must not keep an access
 * ACL of its own (one inherited from its directory's default ACL).  Two
 * calls where perm_copy_fd makes five.  False when the source has an ACL,
 * or says nothing of one (no ACLs on its filesystem): libacl's turn.
 */
static bool
mode_only(struct xctx *c, int src_fd, int dst_fd, int *rc)
{
	char what[1024];
	int e;

	if (fgetxattr(src_fd, ACCESS_ACL_XATTR, NULL, 0) != -1 ||
	    errno != ENODATA)
		return false;
	/*
	 * After the caller's fchmod the ACL's mask holds the group bits, so
	 * taking the ACL away leaves DEST with exactly the mode given.
	 */
	*rc = 0;
	if (fremovexattr(dst_fd, ACCESS_ACL_XATTR) == -1 &&
	    errno != ENODATA && !xattr_unsupported(errno)) {
		e = errno;
		(void)snprintf(what, sizeof(what),
		    "preserving permissions for %s", quote(c->dst_name));
		note(c, what, e);
		*rc = -1;
	}
	return true;
}

int
xattr_acl_copy_fd(int src_fd, const char *src_name, int dst_fd,
    const char *dst_name, bool dir, xattr_error_fn fn, void *arg)
{
	struct xctx c;
	int rc;

	ctx_init(&c, src_name, NULL, dst_name, NULL, fn, arg);
	if (!mode_only(&c, src_fd, dst_fd, &rc))
		rc = perm_copy_fd(src_name, src_fd, dst_name, dst_fd, &c.ec);
	if (rc == 0 && c.err == 0 && dir)
		copy_default_acl(&c, src_fd, dst_fd);
	return ctx_result(&c, rc);
}

/*
 * True when path names a symbolic link.  /proc/self/fd/N itself is one
 * only in name: it stands for the file descriptor N holds (an O_PATH one
 * kept so that nothing swapped in meanwhile is followed), so that file's
 * type is what counts.
 */
static bool
is_symlink(const char *path)
{
	struct stat st;
	const char *p = path;

	if (strncmp(p, "/proc/self/fd/", 14) == 0) {
		for (p += 14; *p >= '0' && *p <= '9'; p++)
			;
		if (*p == '\0')
			return stat(path, &st) == 0 && S_ISLNK(st.st_mode);
	}
	return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

int
xattr_acl_copy_path(const char *src, const char *src_name, const char *dst,
    const char *dst_name, xattr_error_fn fn, void *arg)
{
	struct xctx c;

	/*
	 * perm_copy_file follows symbolic links, and a link has neither ACL
	 * nor permissions of its own to copy.
	 */
	if (is_symlink(src) || is_symlink(dst))
		return 0;
	ctx_init(&c, src, src_name, dst, dst_name, fn, arg);
	return ctx_result(&c, perm_copy_file(src, dst, &c.ec));
}
#else /* !HAVE_LIBACL */
/*
 * Built without libacl, kcp copies no ACLs.  The caller's fchmod still
 * gives DEST the permission bits, which is all there is to copy from a
 * source without an ACL; a source with one fails with ENOTSUP, told as a
 * destination without ACLs would tell it.
 */
static int
no_acls(bool has_acl, const char *dst_name, xattr_error_fn fn, void *arg)
{
	char what[512];

	if (!has_acl)
		return 0;
	if (fn != NULL) {
		(void)snprintf(what, sizeof(what),
		    "preserving permissions for %s", quote(dst_name));
		fn(arg, what, ENOTSUP);
	}
	errno = ENOTSUP;
	return -1;
}

int
xattr_acl_copy_fd(int src_fd, const char *src_name, int dst_fd,
    const char *dst_name, bool dir, xattr_error_fn fn, void *arg)
{
	bool has_acl;

	has_acl = fgetxattr(src_fd, ACCESS_ACL_XATTR, NULL, 0) >= 0 ||
	    fgetxattr(src_fd, DEFAULT_ACL_XATTR, NULL, 0) >= 0;
	return no_acls(has_acl, dst_name, fn, arg);
}

int
xattr_acl_copy_path(const char *src, const char *src_name, const char *dst,
    const char *dst_name, xattr_error_fn fn, void *arg)
{
	bool has_acl;

	has_acl = lgetxattr(src, ACCESS_ACL_XATTR, NULL, 0) >= 0 ||
	    lgetxattr(src, DEFAULT_ACL_XATTR, NULL, 0) >= 0;
	return no_acls(has_acl, dst_name != NULL ? dst_name : dst, fn, arg);
}
#endif /* HAVE_LIBACL */
