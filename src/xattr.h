/*
 * Extended attributes and POSIX ACLs of a copied file, for --preserve=xattr
 * and for the ACL half of --preserve=mode, through libattr's attr_copy_*
 * and libacl's perm_copy_*.
 *
 * The two are apart because they belong to different --preserve words:
 * ACLs are permissions (system.posix_acl_* are never copied as extended
 * attributes), so xattr_copy_* leaves them to xattr_acl_copy_*.
 *
 * Nothing here prints or exits.  Each failure is told to the caller's
 * xattr_error_fn, which decides what to say; a function returns 0, or -1
 * when anything could not be copied.  Built without libattr or libacl
 * (configure found no attr/libattr.h or acl/libacl.h), the functions that
 * need them copy nothing and fail with ENOTSUP (see each function).
 *
 * The order of the steps on DEST, after its data is in (writing data
 * clears security.capability):
 *  1. fchown: it clears security.capability and the set-ID bits.
 *  2. xattr_copy_*, while DEST is still writable by its creator: without
 *     privilege, user.* attributes cannot be set on a file without write
 *     permission (EACCES), as a read-only source's mode would make it.
 *  3. fchmod with the source's whole mode: perm_copy leaves the
 *     set-user-ID, set-group-ID and sticky bits alone.
 *  4. xattr_acl_copy_*: an access ACL makes the group bits its mask, as
 *     the source's group bits already are.
 * The timestamps may go anywhere after the data: none of these steps
 * changes them.
 */
#ifndef KCP_XATTR_H
#define KCP_XATTR_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Told of one failure: what went wrong, a phrase naming the attribute and
 * the file with names quoted as quote() does ("setting attribute
 * 'user.x' for 'b'", "setting attributes for 'b'", "preserving
 * permissions for 'b'"), and the errno.  The phrase stays valid only
 * during the call.
 */
typedef void	(*xattr_error_fn)(void *arg, const char *what, int err);

/*
 * Copy the extended attributes of an open file (a regular file or a
 * directory) to another: every attribute the process may read and write,
 * in the user, trusted and security namespaces, but not the ACLs and not
 * what /etc/xattr.conf says to skip.  src_name and dst_name are for the
 * messages only.  Returns 0, or -1 with errno set to that of the first
 * failure that xattr_unsupported() does not excuse, else of the first
 * failure; each failure goes to fn when fn is not NULL.  A source whose
 * filesystem has no extended attributes has none to copy: 0.  A
 * destination without them is one failure, ENOTSUP, "setting attributes
 * for 'DEST'", however many attributes it refused; built without
 * libattr, every copy fails so.
 */
int	xattr_copy_fd(int src_fd, const char *src_name, int dst_fd,
	    const char *dst_name, xattr_error_fn fn, void *arg);

/*
 * The same by path, for what cannot be opened: symbolic links (their own
 * attributes: the calls never follow a final symbolic link) and special
 * files.  src and dst are handed to the system calls, src_name and
 * dst_name (the paths themselves when NULL) name the files in messages.
 */
int	xattr_copy_path(const char *src, const char *src_name,
	    const char *dst, const char *dst_name, xattr_error_fn fn,
	    void *arg);

/*
 * Copy the permissions of an open file to another: the access ACL (or, for
 * a source without one, the permission bits, removing any ACL DEST was
 * given at creation) and, between directories, the default ACL (removing
 * the one a new directory inherited when the source has none).  Call it
 * after fchmod, as said above.  Returns 0, or -1 as xattr_copy_fd.  A
 * destination filesystem without ACLs gets the permission bits, and loses
 * a default ACL quietly, as with cp -a; an access ACL that is more than
 * the mode fails there (ENOTSUP, "preserving permissions for 'DEST'").
 * Built without libacl: the same failure for a source with an ACL, 0 for
 * the rest.  dir: the source is a directory (its default ACL goes too).
 */
int	xattr_acl_copy_fd(int src_fd, const char *src_name, int dst_fd,
	    const char *dst_name, bool dir, xattr_error_fn fn, void *arg);

/*
 * The same by path, for special files.  A symbolic link has no ACL and no
 * permissions of its own: for one (a final symbolic link in dst or src)
 * this does nothing and returns 0.
 */
int	xattr_acl_copy_path(const char *src, const char *src_name,
	    const char *dst, const char *dst_name, xattr_error_fn fn,
	    void *arg);

/*
 * A path through /proc for the file name in the directory open as dirfd,
 * for the *_path functions ("/proc/self/fd/7/name"), into buf: the path
 * goes through the directory's descriptor and only the final name is
 * looked up.  name itself when it is absolute or dirfd is AT_FDCWD.
 * Returns buf, or NULL with errno ENAMETOOLONG when it does not fit.
 */
char	*xattr_fdpath(char *buf, size_t len, int dirfd, const char *name);

/*
 * Whether kcp was built with libattr (acls false: xattr_copy_* can copy)
 * or with libacl (acls true: xattr_acl_copy_* can), so that an explicit
 * --preserve=xattr can be refused up front where it can never work.
 */
bool	xattr_available(bool acls);

/*
 * True for the errno of a failure that only says attributes are not to
 * be had here: the destination's filesystem does not support them, or an
 * attribute went away while it was copied.  cp -a says nothing of those.
 */
bool	xattr_unsupported(int err);

#endif
