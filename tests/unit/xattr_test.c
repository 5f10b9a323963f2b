/*
 * src/xattr.c on real files in a scratch directory under /tmp: extended
 * attributes and ACLs copied, what is left out, a symbolic link's own
 * attributes through a /proc path, and failures told to the callback with
 * their errno.  What needs root (trusted.*), or a filesystem with user
 * attributes and ACLs, is skipped where it cannot be had.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/xattr.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "xattr.h"

/* What the callback was told. */
struct seen {
	int	calls;
	int	err[8];
	char	what[8][512];
};

static char	dir[] = "/tmp/kcp-xattr.XXXXXX";
static int	dirfd_ = -1;
static bool	root;
static bool	user_ok;	/* the scratch filesystem has user.* */
static bool	acl_ok;		/* and ACLs */

/* The scratch directory's file name, in one of four rotating buffers. */
static const char *
at(const char *name)
{
	static char buf[4][256];
	static int slot;
	char *b = buf[slot++ % 4];

	(void)snprintf(b, sizeof(buf[0]), "%s/%s", dir, name);
	return b;
}

static void
record(void *arg, const char *what, int err)
{
	struct seen *s = arg;

	if (s->calls < 8) {
		s->err[s->calls] = err;
		(void)snprintf(s->what[s->calls], sizeof(s->what[0]), "%s",
		    what);
	}
	s->calls++;
}

/* Create a fresh file and return it open for reading and writing. */
static int
mkfile(const char *name)
{
	int fd;

	(void)unlink(at(name));
	if ((fd = open(at(name), O_RDWR | O_CREAT | O_EXCL, 0644)) == -1)
		bail_out("create %s: %s", at(name), strerror(errno));
	return fd;
}

/* True when the attribute of path (not followed) holds len bytes of v. */
static bool
has(const char *path, const char *name, const void *v, size_t len)
{
	char buf[1024];
	ssize_t n;

	n = lgetxattr(path, name, buf, sizeof(buf));
	return n >= 0 && (size_t)n == len && memcmp(buf, v, len) == 0;
}

static bool
absent(const char *path, const char *name)
{
	return lgetxattr(path, name, NULL, 0) == -1 && errno == ENODATA;
}

/*
 * An access or default ACL as the kernel keeps it: user::rw-,
 * user:65534:rwx, group::r--, mask::r-x, other::r--.
 */
static size_t
acl_value(unsigned char *v)
{
	static const struct { uint16_t tag, perm; uint32_t id; } e[] = {
		{ 0x01, 6, UINT32_MAX }, { 0x02, 7, 65534 },
		{ 0x04, 4, UINT32_MAX }, { 0x10, 5, UINT32_MAX },
		{ 0x20, 4, UINT32_MAX },
	};
	uint32_t version = 2;
	size_t i, n = 0;

	/* Little-endian on every Linux kcp builds for that has ACLs. */
	memcpy(v + n, &version, 4);
	n += 4;
	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		memcpy(v + n, &e[i].tag, 2);
		memcpy(v + n + 2, &e[i].perm, 2);
		memcpy(v + n + 4, &e[i].id, 4);
		n += 8;
	}
	return n;
}

/* What the scratch filesystem and the process allow. */
static void
probe(void)
{
	unsigned char v[64];
	size_t n = acl_value(v);
	int fd = mkfile("probe");

	root = geteuid() == 0;
	user_ok = fsetxattr(fd, "user.probe", "1", 1, 0) == 0;
	acl_ok = fsetxattr(fd, "system.posix_acl_access", v, n, 0) == 0;
	if (!user_ok)
		diag("no user.* attributes in %s: %s", dir, strerror(errno));
	(void)close(fd);
	(void)unlink(at("probe"));
}

static void
test_unsupported(void)
{
	ok(xattr_unsupported(ENOTSUP), "ENOTSUP is unsupported");
	ok(xattr_unsupported(EOPNOTSUPP), "EOPNOTSUPP is unsupported");
	ok(xattr_unsupported(ENODATA), "ENODATA (gone meanwhile) too");
	ok(!xattr_unsupported(EPERM), "EPERM is a failure");
	ok(!xattr_unsupported(ENOSPC), "ENOSPC is a failure");
	ok(!xattr_unsupported(0), "0 is not unsupported");
}

static void
test_fdpath(void)
{
	char buf[64], want[64];

	(void)snprintf(want, sizeof(want), "/proc/self/fd/%d/a b", 7);
	ok(xattr_fdpath(buf, sizeof(buf), 7, "a b") != NULL &&
	    strcmp(buf, want) == 0, "xattr_fdpath goes through /proc");
	ok(xattr_fdpath(buf, sizeof(buf), AT_FDCWD, "a") != NULL &&
	    strcmp(buf, "a") == 0, "xattr_fdpath: AT_FDCWD keeps the name");
	ok(xattr_fdpath(buf, sizeof(buf), 7, "/x/y") != NULL &&
	    strcmp(buf, "/x/y") == 0, "xattr_fdpath: an absolute name stays");
	errno = 0;
	ok(xattr_fdpath(buf, 16, 7, "abcdefgh") == NULL &&
	    errno == ENAMETOOLONG, "xattr_fdpath: ENAMETOOLONG past len");
}

/* Whether /etc/xattr.conf tells attr_copy to skip user.Beagle.*. */
static bool
beagle_skipped(void)
{
	char line[256];
	bool found = false;
	FILE *fp;

	if ((fp = fopen("/etc/xattr.conf", "r")) == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), fp) != NULL)
		found = strncmp(line, "user.Beagle.*", 13) == 0 &&
		    strstr(line, "skip") != NULL;
	(void)fclose(fp);
	return found;
}

static void
test_copy_fd(void)
{
	static const char bin[] = { 'a', '\0', 'b', '\377' };
	unsigned char acl[64];
	size_t acl_len = acl_value(acl);
	struct seen s = { 0 };
	int src, dst, rc;

	if (!user_ok) {
		skip(7, "no user.* attributes on the filesystem of /tmp");
		return;
	}
	src = mkfile("u.src");
	dst = mkfile("u.dst");
	if (fsetxattr(src, "user.a", "1", 1, 0) == -1 ||
	    fsetxattr(src, "user.empty", "", 0, 0) == -1 ||
	    fsetxattr(src, "user.bin", bin, sizeof(bin), 0) == -1 ||
	    fsetxattr(src, "user.Beagle.x", "1", 1, 0) == -1 ||
	    (acl_ok && fsetxattr(src, "system.posix_acl_access", acl,
	    acl_len, 0) == -1))
		bail_out("set attributes of u.src: %s", strerror(errno));
	rc = xattr_copy_fd(src, "u.src", dst, "u.dst", record, &s);
	is_int(rc, 0, "xattr_copy_fd returns 0");
	is_int(s.calls, 0, "xattr_copy_fd tells no failure");
	ok(has(at("u.dst"), "user.a", "1", 1), "user.a copied");
	ok(has(at("u.dst"), "user.empty", "", 0), "an empty value copied");
	ok(has(at("u.dst"), "user.bin", bin, sizeof(bin)),
	    "a value with NUL and high bytes copied");
	if (acl_ok)
		ok(absent(at("u.dst"), "system.posix_acl_access"),
		    "the ACL is left to xattr_acl_copy_fd");
	else
		skip(1, "no ACLs on the filesystem of /tmp");
	if (beagle_skipped())
		ok(absent(at("u.dst"), "user.Beagle.x"),
		    "what /etc/xattr.conf says to skip is not copied");
	else
		skip(1, "/etc/xattr.conf does not skip user.Beagle.*");
	(void)close(src);
	(void)close(dst);
}

/*
 * A pipe refuses user.* (EPERM: only files and directories have them) and,
 * as root, has no trusted.* at all (ENOTSUP).
 */
static void
test_refused(void)
{
	struct seen s = { 0 };
	int src, p[2], rc;

	if (!user_ok) {
		skip(5, "no user.* attributes on the filesystem of /tmp");
		return;
	}
	src = mkfile("r.src");
	if (pipe(p) == -1 || fsetxattr(src, "user.a", "1", 1, 0) == -1 ||
	    (root && fsetxattr(src, "trusted.t", "1", 1, 0) == -1))
		bail_out("set up r.src: %s", strerror(errno));
	errno = 0;
	rc = xattr_copy_fd(src, "r.src", p[1], "the pipe", record, &s);
	ok(rc == -1 && errno == EPERM,
	    "xattr_copy_fd onto a pipe: -1, EPERM");
	is_int(s.calls, root ? 2 : 1, "each failure told once");
	is_int(s.err[0], EPERM, "the callback gets the errno");
	ok(strcmp(s.what[0], "setting attribute 'user.a' for 'the pipe'") == 0,
	    "it says which attribute of which file");
	if (s.calls > 0)
		diag("told: %s", s.what[0]);
	if (root)
		ok(s.err[1] == ENOTSUP && strcmp(s.what[1],
		    "setting attributes for 'the pipe'") == 0,
		    "trusted.t: unsupported, told for the file as a whole");
	else
		skip(1, "trusted.* needs root");
	(void)close(src);
	(void)close(p[0]);
	(void)close(p[1]);
}

/* Only unsupported failures: errno says so, and cp -a would keep quiet. */
static void
test_only_unsupported(void)
{
	struct seen s = { 0 };
	int src, p[2], rc;

	if (!root) {
		skip(2, "trusted.* needs root");
		return;
	}
	src = mkfile("t.src");
	if (pipe(p) == -1 || fsetxattr(src, "trusted.t", "1", 1, 0) == -1)
		bail_out("set up t.src: %s", strerror(errno));
	errno = 0;
	rc = xattr_copy_fd(src, "t.src", p[1], "the pipe", record, &s);
	ok(rc == -1 && errno == ENOTSUP && xattr_unsupported(errno),
	    "nothing but ENOTSUP: -1 with ENOTSUP");
	ok(s.calls == 1 && s.err[0] == ENOTSUP, "told once, with ENOTSUP");
	(void)close(src);
	(void)close(p[0]);
	(void)close(p[1]);
}

/* A source without attributes on a filesystem without them: nothing. */
static void
test_none(void)
{
	struct seen s = { 0 };
	int dst, p[2], rc;

	dst = mkfile("n.dst");
	if (pipe(p) == -1)
		bail_out("pipe: %s", strerror(errno));
	rc = xattr_copy_fd(p[0], "the pipe", dst, "n.dst", record, &s);
	ok(rc == 0 && s.calls == 0, "nothing to copy from a pipe: 0");
	(void)close(dst);
	(void)close(p[0]);
	(void)close(p[1]);
}

/* The mode of path, or -1. */
static int
mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/*
 * An access ACL onto a new file, after fchmod with the source's mode as
 * the caller does it: the ACL, the group bits from its mask, and the
 * set-user-ID bit that perm_copy leaves alone all come out as on SOURCE.
 */
static void
test_acl_file(void)
{
	unsigned char acl[64];
	size_t acl_len = acl_value(acl);
	struct seen s = { 0 };
	int src, dst, rc;

	if (!acl_ok) {
		skip(6, "no ACLs on the filesystem of /tmp");
		return;
	}
	src = mkfile("a.src");
	dst = mkfile("a.dst");
	if (fsetxattr(src, "system.posix_acl_access", acl, acl_len, 0) == -1 ||
	    fchmod(src, 04654) == -1)
		bail_out("set the ACL of a.src: %s", strerror(errno));
	if (fchmod(dst, 04654) == -1)
		bail_out("fchmod a.dst: %s", strerror(errno));
	rc = xattr_acl_copy_fd(src, "a.src", dst, "a.dst", false, record, &s);
	ok(rc == 0 && s.calls == 0, "xattr_acl_copy_fd returns 0, quietly");
	ok(has(at("a.dst"), "system.posix_acl_access", acl, acl_len),
	    "the access ACL is copied");
	is_int(mode_of(at("a.dst")), 04654,
	    "mode after fchmod and the ACL: as on the source");
	(void)close(src);
	(void)close(dst);

	/*
	 * A source without an ACL takes away the one DEST has (given before
	 * the caller's fchmod, as a directory's default ACL gives one).
	 */
	src = mkfile("a2.src");
	dst = mkfile("a2.dst");
	if (fchmod(src, 0640) == -1 ||
	    fsetxattr(dst, "system.posix_acl_access", acl, acl_len, 0) == -1 ||
	    fchmod(dst, 0640) == -1)
		bail_out("set up a2: %s", strerror(errno));
	s.calls = 0;
	rc = xattr_acl_copy_fd(src, "a2.src", dst, "a2.dst", false, record, &s);
	ok(rc == 0 && s.calls == 0, "no ACL to copy: 0, quietly");
	ok(absent(at("a2.dst"), "system.posix_acl_access"),
	    "DEST's own ACL is gone");
	is_int(mode_of(at("a2.dst")), 0640, "and its mode is the source's");
	(void)close(src);
	(void)close(dst);
}

/* Make a directory and open it. */
static int
mkdir_open(const char *name)
{
	int fd;

	if (mkdir(at(name), 0755) == -1 ||
	    (fd = open(at(name), O_RDONLY | O_DIRECTORY)) == -1)
		bail_out("mkdir %s: %s", at(name), strerror(errno));
	return fd;
}

/*
 * Default ACLs between directories: copied where SOURCE has one, taken
 * away where DEST inherited one and SOURCE has none.
 */
static void
test_acl_dir(void)
{
	unsigned char acl[64];
	size_t acl_len = acl_value(acl);
	struct seen s = { 0 };
	int src, dst, par, rc;

	if (!acl_ok) {
		skip(4, "no ACLs on the filesystem of /tmp");
		return;
	}
	src = mkdir_open("d.src");
	dst = mkdir_open("d.dst");
	if (fsetxattr(src, "system.posix_acl_default", acl, acl_len, 0) == -1)
		bail_out("set the default ACL of d.src: %s", strerror(errno));
	rc = xattr_acl_copy_fd(src, "d.src", dst, "d.dst", true, record, &s);
	ok(rc == 0 && s.calls == 0, "between directories: 0, quietly");
	ok(has(at("d.dst"), "system.posix_acl_default", acl, acl_len),
	    "the default ACL is copied");
	(void)close(src);
	(void)close(dst);

	par = mkdir_open("d.par");
	src = mkdir_open("d2.src");
	if (fsetxattr(par, "system.posix_acl_default", acl, acl_len, 0) == -1)
		bail_out("set the default ACL of d.par: %s", strerror(errno));
	dst = mkdir_open("d.par/d2.dst");
	if (!has(at("d.par/d2.dst"), "system.posix_acl_default", acl, acl_len))
		bail_out("d.par/d2.dst did not inherit a default ACL");
	rc = xattr_acl_copy_fd(src, "d2.src", dst, "d2.dst", true, record, &s);
	ok(rc == 0 && s.calls == 0, "a source without one: 0, quietly");
	ok(absent(at("d.par/d2.dst"), "system.posix_acl_default"),
	    "the inherited default ACL is gone");
	(void)close(src);
	(void)close(dst);
	(void)close(par);
}

/*
 * A symbolic link's own trusted.* attribute (the kernel refuses user.* on
 * links), by /proc paths through the directory's descriptor as kcp passes
 * them for files in a tree: copied onto the other link, not its target.
 */
static void
test_symlink(void)
{
	char sp[64], dp[64];
	struct seen s = { 0 };
	int rc;

	if (!root) {
		skip(4, "a symbolic link's trusted.* attributes need root");
		return;
	}
	(void)close(mkfile("l.target"));
	if (symlink("l.target", at("l.src")) == -1 ||
	    symlink("l.target", at("l.dst")) == -1 ||
	    lsetxattr(at("l.src"), "trusted.s", "v", 1, 0) == -1)
		bail_out("set up l.src: %s", strerror(errno));
	errno = 0;
	ok(lsetxattr(at("l.src"), "user.s", "v", 1, 0) == -1 &&
	    errno == EPERM, "the kernel refuses user.* on a symbolic link");
	if (xattr_fdpath(sp, sizeof(sp), dirfd_, "l.src") == NULL ||
	    xattr_fdpath(dp, sizeof(dp), dirfd_, "l.dst") == NULL)
		bail_out("xattr_fdpath: %s", strerror(errno));
	rc = xattr_copy_path(sp, "l.src", dp, "l.dst", record, &s);
	ok(rc == 0 && s.calls == 0, "xattr_copy_path of a link: 0, quietly");
	ok(has(at("l.dst"), "trusted.s", "v", 1),
	    "the link's own attribute is copied onto the link");
	ok(absent(at("l.target"), "trusted.s"), "not onto its target");
}

/*
 * Failures by path name the files as the caller says, not by the /proc
 * path handed to the system calls: a FIFO refuses user.* (EPERM).
 */
static void
test_path_names(void)
{
	char sp[64], dp[64];
	struct seen s = { 0 };
	int src, rc;

	if (!user_ok) {
		skip(2, "no user.* attributes on the filesystem of /tmp");
		return;
	}
	src = mkfile("p.src");
	if (fsetxattr(src, "user.a", "1", 1, 0) == -1 ||
	    mkfifo(at("p.fifo"), 0644) == -1)
		bail_out("set up p.src, p.fifo: %s", strerror(errno));
	if (xattr_fdpath(sp, sizeof(sp), dirfd_, "p.src") == NULL ||
	    xattr_fdpath(dp, sizeof(dp), dirfd_, "p.fifo") == NULL)
		bail_out("xattr_fdpath: %s", strerror(errno));
	errno = 0;
	rc = xattr_copy_path(sp, "tree/p.src", dp, "tree/p fifo", record, &s);
	ok(rc == -1 && errno == EPERM && s.calls == 1 && s.err[0] == EPERM,
	    "onto a FIFO by path: -1, EPERM, told once");
	ok(strcmp(s.what[0],
	    "setting attribute 'user.a' for 'tree/p fifo'") == 0,
	    "the message names the file as the caller does");
	if (s.calls > 0)
		diag("told: %s", s.what[0]);
	(void)close(src);
}

/*
 * ACLs by path: between FIFOs, which cannot be opened without blocking,
 * and never through a symbolic link.
 */
static void
test_acl_path(void)
{
	unsigned char acl[64];
	size_t acl_len = acl_value(acl);
	char sp[64], dp[64];
	struct seen s = { 0 };
	int rc;

	if (!acl_ok) {
		skip(3, "no ACLs on the filesystem of /tmp");
		return;
	}
	if (mkfifo(at("f.src"), 0644) == -1 || mkfifo(at("f.dst"), 0644) ==
	    -1 || lsetxattr(at("f.src"), "system.posix_acl_access", acl,
	    acl_len, 0) == -1 || symlink("f.dst", at("f.link")) == -1)
		bail_out("set up f.src, f.dst: %s", strerror(errno));
	if (xattr_fdpath(sp, sizeof(sp), dirfd_, "f.src") == NULL ||
	    xattr_fdpath(dp, sizeof(dp), dirfd_, "f.dst") == NULL)
		bail_out("xattr_fdpath: %s", strerror(errno));
	rc = xattr_acl_copy_path(sp, "f.src", dp, "f.dst", record, &s);
	ok(rc == 0 && s.calls == 0 &&
	    has(at("f.dst"), "system.posix_acl_access", acl, acl_len),
	    "xattr_acl_copy_path copies a FIFO's ACL");
	if (xattr_fdpath(dp, sizeof(dp), dirfd_, "f.link") == NULL ||
	    lremovexattr(at("f.dst"), "system.posix_acl_access") == -1)
		bail_out("reset f.dst: %s", strerror(errno));
	rc = xattr_acl_copy_path(sp, "f.src", dp, "f.link", record, &s);
	ok(rc == 0 && s.calls == 0, "onto a symbolic link: 0, quietly");
	ok(absent(at("f.dst"), "system.posix_acl_access"),
	    "and nothing through it");
}

/* Built without the libraries: ENOTSUP, told as a refusing filesystem. */
static void
test_without(void)
{
	struct seen s = { 0 };
	int src, dst, rc;

	src = mkfile("w.src");
	dst = mkfile("w.dst");
	if (!xattr_available(false)) {
		errno = 0;
		rc = xattr_copy_fd(src, "w.src", dst, "w.dst", record, &s);
		ok(rc == -1 && errno == ENOTSUP && s.calls == 1 &&
		    s.err[0] == ENOTSUP, "without libattr: ENOTSUP, told");
	} else
		skip(1, "built with libattr");
	if (!xattr_available(true)) {
		s.calls = 0;
		rc = xattr_acl_copy_fd(src, "w.src", dst, "w.dst", false, record, &s);
		ok(rc == 0 && s.calls == 0,
		    "without libacl, a source without an ACL: 0, quietly");
	} else
		skip(1, "built with libacl");
	if (!xattr_available(true) && acl_ok) {
		unsigned char acl[64];
		size_t acl_len = acl_value(acl);

		if (fsetxattr(src, "system.posix_acl_access", acl, acl_len,
		    0) == -1)
			bail_out("set the ACL of w.src: %s", strerror(errno));
		s.calls = 0;
		errno = 0;
		rc = xattr_acl_copy_fd(src, "w.src", dst, "w.dst", false, record, &s);
		ok(rc == -1 && errno == ENOTSUP && s.calls == 1 &&
		    strcmp(s.what[0], "preserving permissions for 'w.dst'") ==
		    0, "without libacl, a source with an ACL: ENOTSUP, told");
	} else
		skip(1, xattr_available(true) ? "built with libacl" :
		    "no ACLs on the filesystem of /tmp");
	(void)close(src);
	(void)close(dst);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		bail_out("mkdtemp: %s", strerror(errno));
	if ((dirfd_ = open(dir, O_RDONLY | O_DIRECTORY)) == -1)
		bail_out("open %s: %s", dir, strerror(errno));
	probe();
	test_unsupported();
	test_fdpath();
	if (xattr_available(false)) {
		test_copy_fd();
		test_refused();
		test_only_unsupported();
		test_none();
		test_symlink();
		test_path_names();
	} else
		skip(21, "kcp is built without libattr");
	if (xattr_available(true)) {
		test_acl_file();
		test_acl_dir();
		test_acl_path();
	} else
		skip(13, "kcp is built without libacl");
	test_without();
	(void)close(dirfd_);
	if (system(NULL) != 0) {
		char cmd[300];

		(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		(void)system(cmd);
	}
	return done_testing();
}
