/*
 * The backup module against what GNU cp 9 does: CONTROL words and their
 * abbreviations, cp's messages for bad ones, VERSION_CONTROL and
 * SIMPLE_BACKUP_SUFFIX, and real backups in a scratch directory reached
 * through a directory descriptor while the working directory is elsewhere.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup.h"
#include "tap.h"

static const char *const mode_names[] = {
	"NONE", "SIMPLE", "EXISTING", "NUMBERED"
};

/* The list that ends each of cp's messages about a bad CONTROL word. */
#define VALID	"Valid arguments are:\n" \
		"  - 'none', 'off'\n" \
		"  - 'simple', 'never'\n" \
		"  - 'existing', 'nil'\n" \
		"  - 'numbered', 't'"

static char	 top[] = "/tmp/backup_test.XXXXXX";
static int	 dfd = -1;

/* Expect control to parse to want. */
static void
good(const char *control, enum backup_mode want)
{
	enum backup_mode m = (enum backup_mode)-1;
	char err[BACKUP_ERRLEN] = "";
	int rc;

	rc = backup_parse(control, &m, err, sizeof(err));
	if (!ok(rc == 0 && m == want, "backup_parse(%s%s%s) = %s",
	    control ? "\"" : "", control ? control : "NULL",
	    control ? "\"" : "", mode_names[want]))
		diag("rc %d, mode %d, err %s", rc, (int)m, err);
}

/* Expect control to be refused with exactly the message want. */
static void
bad(const char *control, const char *name, const char *want)
{
	enum backup_mode m = BACKUP_SIMPLE;
	char err[BACKUP_ERRLEN] = "";
	int rc;

	errno = 0;
	rc = backup_parse(control, &m, err, sizeof(err));
	if (!ok(rc == -1 && errno == EINVAL && strcmp(err, want) == 0,
	    "backup_parse(%s) refused with cp's message", name))
		diag("rc %d, errno %d, err:\n%s\nwanted:\n%s", rc, errno, err,
		    want);
}

static void
test_words(void)
{
	unsetenv("VERSION_CONTROL");
	good("none", BACKUP_NONE);
	good("off", BACKUP_NONE);
	good("simple", BACKUP_SIMPLE);
	good("never", BACKUP_SIMPLE);
	good("existing", BACKUP_EXISTING);
	good("nil", BACKUP_EXISTING);
	good("numbered", BACKUP_NUMBERED);
	good("t", BACKUP_NUMBERED);
	/* Unique abbreviations, as cp takes them. */
	good("no", BACKUP_NONE);
	good("o", BACKUP_NONE);
	good("of", BACKUP_NONE);
	good("s", BACKUP_SIMPLE);
	good("si", BACKUP_SIMPLE);
	good("ne", BACKUP_SIMPLE);
	good("nev", BACKUP_SIMPLE);
	good("e", BACKUP_EXISTING);
	good("exi", BACKUP_EXISTING);
	good("ni", BACKUP_EXISTING);
	good("nu", BACKUP_NUMBERED);
	good("num", BACKUP_NUMBERED);
	good("numbere", BACKUP_NUMBERED);
}

static void
test_bad_words(void)
{
	unsetenv("VERSION_CONTROL");
	bad("bogus", "bogus",
	    "invalid argument 'bogus' for 'backup type'\n" VALID);
	bad("n", "n", "ambiguous argument 'n' for 'backup type'\n" VALID);
	bad("NONE", "NONE",
	    "invalid argument 'NONE' for 'backup type'\n" VALID);
	bad("nonee", "nonee",
	    "invalid argument 'nonee' for 'backup type'\n" VALID);
	bad(" t", "\" t\"", "invalid argument ' t' for 'backup type'\n" VALID);
	bad("tt", "tt", "invalid argument 'tt' for 'backup type'\n" VALID);
	/* The word is quoted as cp quotes an argument, not as a file. */
	bad("it's", "it's",
	    "invalid argument 'it\\'s' for 'backup type'\n" VALID);
	bad("a\\b", "a\\\\b",
	    "invalid argument 'a\\\\b' for 'backup type'\n" VALID);
	bad("a\nb\tc", "a\\nb\\tc",
	    "invalid argument 'a\\nb\\tc' for 'backup type'\n" VALID);
	bad("\xc3\xa9", "e-acute",
	    "invalid argument '\\303\\251' for 'backup type'\n" VALID);
	bad("\001" "2\177", "\\0012\\177",
	    "invalid argument '\\0012\\177' for 'backup type'\n" VALID);
}

static void
test_env(void)
{
	enum backup_mode m = BACKUP_NONE;
	char err[8];

	unsetenv("VERSION_CONTROL");
	good(NULL, BACKUP_EXISTING);
	good("", BACKUP_EXISTING);
	setenv("VERSION_CONTROL", "", 1);
	good(NULL, BACKUP_EXISTING);
	setenv("VERSION_CONTROL", "t", 1);
	good(NULL, BACKUP_NUMBERED);
	good("", BACKUP_NUMBERED);
	setenv("VERSION_CONTROL", "nev", 1);
	good(NULL, BACKUP_SIMPLE);
	setenv("VERSION_CONTROL", "off", 1);
	good(NULL, BACKUP_NONE);
	setenv("VERSION_CONTROL", "bogus", 1);
	bad(NULL, "NULL, VERSION_CONTROL=bogus",
	    "invalid argument 'bogus' for '$VERSION_CONTROL'\n" VALID);
	/* An explicit word does not look at the environment at all. */
	good("simple", BACKUP_SIMPLE);
	setenv("VERSION_CONTROL", "n", 1);
	bad("", "\"\", VERSION_CONTROL=n",
	    "ambiguous argument 'n' for '$VERSION_CONTROL'\n" VALID);
	good("numbered", BACKUP_NUMBERED);

	/* A short buffer gets the start of the message, terminated. */
	memset(err, 'x', sizeof(err));
	ok(backup_parse("bogus", &m, err, sizeof(err)) == -1 &&
	    strcmp(err, "invalid") == 0, "short err buffer: \"%s\"", err);
	ok(backup_parse("bogus", &m, NULL, 0) == -1, "no err buffer at all");
	unsetenv("VERSION_CONTROL");
}

static void
suffix_is(const char *arg, const char *env, const char *want)
{
	const char *got;

	if (env != NULL)
		setenv("SIMPLE_BACKUP_SUFFIX", env, 1);
	else
		unsetenv("SIMPLE_BACKUP_SUFFIX");
	got = backup_suffix(arg);
	if (!ok(strcmp(got, want) == 0, "suffix -S %s%s%s, env %s%s%s: \"%s\"",
	    arg ? "\"" : "", arg ? arg : "none", arg ? "\"" : "",
	    env ? "\"" : "", env ? env : "unset", env ? "\"" : "", want))
		diag("got \"%s\"", got);
}

static void
test_suffix(void)
{
	suffix_is(NULL, NULL, "~");
	suffix_is(".bak", NULL, ".bak");
	suffix_is(NULL, ".s", ".s");
	suffix_is(".o", ".s", ".o");
	suffix_is(NULL, "", "~");
	/* A bad -S falls back to "~", not to the environment. */
	suffix_is("", ".s", "~");
	suffix_is("x/y", ".s", "~");
	suffix_is("/x", NULL, "~");
	suffix_is("/", NULL, "~");
	suffix_is("//", NULL, "~");
	suffix_is(NULL, "x/y", "~");
	suffix_is(NULL, "/x", "~");
	/* Slashes at the end only are let through, as cp lets them. */
	suffix_is("x/", NULL, "x/");
	suffix_is("x//", NULL, "x//");
	suffix_is(NULL, "x/", "x/");
	suffix_is("~~", NULL, "~~");
	unsetenv("SIMPLE_BACKUP_SUFFIX");
}

static void
put(const char *name, const char *content)
{
	int fd;

	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd == -1 || write(fd, content, strlen(content)) !=
	    (ssize_t)strlen(content) || close(fd) == -1)
		bail_out("cannot write %s: %s", name, strerror(errno));
}

/* The content of dirfd/name, or "(missing)". */
static const char *
get(int dirfd, const char *name)
{
	static char buf[256];
	ssize_t n;
	int fd;

	if ((fd = openat(dirfd, name, O_RDONLY)) == -1)
		return "(missing)";
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static int
exists(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Remove every entry of the scratch directory, one level of them deep. */
static void
clean(void)
{
	char cmd[2 * sizeof(top) + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'/* '%s'/.[!.]*", top, top);
	if (system(cmd) != 0)
		bail_out("cannot clean %s", top);
}

/* A name for a test line: long ones by their length and end. */
static const char *
shown(const char *name)
{
	static char buf[4][64];
	static int slot;
	char *b = buf[slot++ % 4];
	size_t n = strlen(name);

	if (n <= 40)
		return name;
	snprintf(b, sizeof(buf[0]), "%zu bytes ending in %s", n,
	    name + n - 8);
	return b;
}

/*
 * Back up dirfd/name in mode; expect success and the backup name want
 * (NULL: nothing renamed).
 */
static int
made_is(int dirfd, const char *name, enum backup_mode mode,
    const char *suffix, const char *want, const char *what)
{
	char *made = (char *)"junk";
	int rc, r;

	errno = 0;
	rc = backup_make(dirfd, name, mode, suffix, &made);
	r = ok(rc == 0 && (want == NULL ? made == NULL :
	    made != NULL && strcmp(made, want) == 0), "%s: %s", what,
	    want ? shown(want) : "nothing");
	if (!r)
		diag("rc %d (%s), made %s", rc, strerror(errno),
		    made ? shown(made) : "NULL");
	free(made);
	return r;
}

/* Expect backup_make to fail with errno e and leave name in place. */
static void
fails(const char *name, enum backup_mode mode, const char *suffix, int e,
    const char *what)
{
	char *made = (char *)"junk";
	int rc, got;

	errno = 0;
	rc = backup_make(dfd, name, mode, suffix, &made);
	got = errno;
	/* A name refused as such need not exist. */
	if (!ok(rc == -1 && got == e && made == NULL &&
	    (e == EINVAL || exists(dfd, name)), "%s: fails with %s", what,
	    strerror(e)))
		diag("rc %d, errno %d (%s)", rc, got, strerror(got));
	if (rc == 0)
		free(made);
}

static void
test_simple(void)
{
	clean();
	put("b", "B1");
	made_is(dfd, "b", BACKUP_SIMPLE, "~", "b~", "simple");
	ok(!exists(dfd, "b") && strcmp(get(dfd, "b~"), "B1") == 0,
	    "simple: b renamed to b~ with its content");
	put("b", "B2");
	made_is(dfd, "b", BACKUP_SIMPLE, "~", "b~", "simple again");
	ok(strcmp(get(dfd, "b~"), "B2") == 0, "the old b~ was replaced");
	put("b", "B3");
	made_is(dfd, "b", BACKUP_SIMPLE, ".bak", "b.bak", "suffix .bak");
	ok(strcmp(get(dfd, "b.bak"), "B3") == 0, "b.bak has b's content");

	made_is(dfd, "b", BACKUP_SIMPLE, "~", NULL, "missing DEST");
	made_is(dfd, "b", BACKUP_NUMBERED, "~", NULL, "missing DEST, t");
	made_is(dfd, "b", BACKUP_EXISTING, "~", NULL, "missing DEST, nil");
	put("b", "B4");
	made_is(dfd, "b", BACKUP_NONE, "~", NULL, "mode none");
	ok(strcmp(get(dfd, "b"), "B4") == 0, "mode none leaves b alone");
	ok(backup_make(dfd, "b", BACKUP_SIMPLE, ".x", NULL) == 0 &&
	    strcmp(get(dfd, "b.x"), "B4") == 0, "made may be NULL");

	/* A dangling symbolic link is a DEST too: the link moves. */
	if (symlinkat("nowhere", dfd, "ln") == -1)
		bail_out("symlinkat: %s", strerror(errno));
	made_is(dfd, "ln", BACKUP_SIMPLE, "~", "ln~", "dangling symlink");
	ok(!exists(dfd, "ln") && exists(dfd, "ln~"), "the link was renamed");
}

static void
test_simple_errors(void)
{
	clean();
	put("b", "B");
	if (mkdirat(dfd, "b~", 0755) == -1 || mkdirat(dfd, "c", 0755) == -1)
		bail_out("mkdirat: %s", strerror(errno));
	fails("b", BACKUP_SIMPLE, "~", EISDIR, "b~ is a directory");
	fails("b", BACKUP_EXISTING, "~", EISDIR, "b~ is a directory, nil");
	fails("b", BACKUP_SIMPLE, "x/", ENOTDIR, "suffix x/");
	fails("c/b", BACKUP_SIMPLE, "~", EINVAL, "a name with a slash");
	fails("", BACKUP_SIMPLE, "~", EINVAL, "an empty name");
	/* A directory DEST is backed up like any other. */
	made_is(dfd, "c", BACKUP_SIMPLE, "~", "c~", "directory DEST");
}

static void
test_numbered(void)
{
	static const char *const want[] = { "b.~1~", "b.~2~", "b.~3~" };
	char content[8];
	int i;

	clean();
	for (i = 0; i < 3; i++) {
		snprintf(content, sizeof(content), "B%d", i + 1);
		put("b", content);
		made_is(dfd, "b", BACKUP_NUMBERED, "~", want[i], "numbered");
	}
	ok(strcmp(get(dfd, "b.~1~"), "B1") == 0 &&
	    strcmp(get(dfd, "b.~2~"), "B2") == 0 &&
	    strcmp(get(dfd, "b.~3~"), "B3") == 0 && !exists(dfd, "b~"),
	    "each numbered backup has its generation's content");
	put("b", "B4");
	made_is(dfd, "b", BACKUP_EXISTING, "~", "b.~4~", "existing, numbered");

	clean();
	put("b", "B");
	made_is(dfd, "b", BACKUP_EXISTING, ".s", "b.s", "existing, none yet");
	put("b", "B");
	put("b~", "old");
	made_is(dfd, "b", BACKUP_EXISTING, "~", "b~", "existing replaces b~");
	ok(strcmp(get(dfd, "b~"), "B") == 0, "b~ now holds b's content");

	clean();
	put("b", "B");
	put("b.~1~", "1");
	put("b.~7~", "7");
	made_is(dfd, "b", BACKUP_NUMBERED, "~", "b.~8~", "gaps: 1, 7");
	ok(strcmp(get(dfd, "b.~1~"), "1") == 0 &&
	    strcmp(get(dfd, "b.~7~"), "7") == 0, "gaps stay unfilled");
}

/* With the entries named, b's next backup in mode is want. */
static void
next_is(const char *const *entries, enum backup_mode mode, const char *want,
    const char *what)
{
	clean();
	put("b", "B");
	for (; *entries != NULL; entries++)
		put(*entries, "x");
	made_is(dfd, "b", mode, "~", want, what);
}

static void
test_not_versions(void)
{
	static const char *const prefix[] = { "bb.~3~", "b.~3~x", "xb.~3~",
		"b.~3", "b~3~", NULL };
	static const char *const zeros[] = { "b.~01~", "b.~0~", "b.~00~",
		NULL };
	static const char *const odd[] = { "b.~~", "b.~1a~", "b.~+3~",
		"b.~ 3~", "b.~3~~", NULL };
	static const char *const nine[] = { "b.~9~", "b.~10~x", NULL };
	static const char *const huge[] = { "b.~99999999999999999999~",
		"b.~1000~", NULL };
	static const char *const order[] = { "b.~19~", "b.~100~", "b.~99~",
		NULL };

	next_is(prefix, BACKUP_NUMBERED, "b.~1~", "others' backups, t");
	next_is(prefix, BACKUP_EXISTING, "b~", "others' backups, nil");
	next_is(zeros, BACKUP_NUMBERED, "b.~1~", "leading zeros, t");
	next_is(zeros, BACKUP_EXISTING, "b~", "leading zeros, nil");
	next_is(odd, BACKUP_EXISTING, "b~", "not numbers, nil");
	next_is(nine, BACKUP_NUMBERED, "b.~10~", "9 + 1");
	next_is(huge, BACKUP_NUMBERED, "b.~100000000000000000000~",
	    "past 64 bits");
	next_is(order, BACKUP_EXISTING, "b.~101~", "numbers, not strings");

	/* Any kind of file counts as a numbered backup. */
	clean();
	put("b", "B");
	if (mkdirat(dfd, "b.~3~", 0755) == -1)
		bail_out("mkdirat: %s", strerror(errno));
	made_is(dfd, "b", BACKUP_EXISTING, "~", "b.~4~", "b.~3~ a directory");
}

static void
test_dirfd(void)
{
	int sub, cwd;

	clean();
	if (mkdirat(dfd, "sub", 0755) == -1 ||
	    (sub = openat(dfd, "sub", O_RDONLY | O_DIRECTORY)) == -1)
		bail_out("sub: %s", strerror(errno));
	put("b", "top");
	put("b.~5~", "top5");
	put("sub/b", "sub");
	made_is(sub, "b", BACKUP_EXISTING, "~", "b~", "sub: own directory");
	put("sub/b", "sub");
	made_is(sub, "b", BACKUP_NUMBERED, "~", "b.~1~", "sub: numbered");
	ok(strcmp(get(dfd, "b"), "top") == 0 && !exists(dfd, "b~") &&
	    !exists(dfd, "b.~1~") && !exists(dfd, "b.~6~") &&
	    strcmp(get(sub, "b~"), "sub") == 0, "the top directory untouched");

	/* AT_FDCWD is the working directory, wherever that is. */
	if ((cwd = open(".", O_RDONLY | O_DIRECTORY)) == -1 ||
	    fchdir(sub) == -1)
		bail_out("fchdir: %s", strerror(errno));
	put("sub/c", "C");
	made_is(AT_FDCWD, "c", BACKUP_NUMBERED, "~", "c.~1~", "AT_FDCWD");
	made_is(AT_FDCWD, "b", BACKUP_EXISTING, "~", NULL, "AT_FDCWD, gone");
	if (fchdir(cwd) == -1)
		bail_out("fchdir back: %s", strerror(errno));
	ok(strcmp(get(sub, "c.~1~"), "C") == 0, "c.~1~ made in sub");
	(void)close(cwd);
	(void)close(sub);
}

/* n times the letter y, then tail. */
static const char *
ys(size_t n, const char *tail)
{
	static char buf[4][512];
	static int slot;
	char *b = buf[slot++ % 4];

	memset(b, 'y', n);
	strcpy(b + n, tail);
	return b;
}

static void
long_case(size_t len, enum backup_mode mode, const char *suffix,
    const char *want, const char *what)
{
	char name[512];

	clean();
	strcpy(name, ys(len, ""));
	put(name, "B");
	made_is(dfd, name, mode, suffix, want, what);
	ok(strcmp(get(dfd, want), "B") == 0, "%s: content", what);
}

static void
test_long_names(void)
{
	long max = fpathconf(dfd, _PC_NAME_MAX);

	if (max != 255) {
		skip(25, "NAME_MAX is %ld here, not 255", max);
		return;
	}
	/* Simple mode never shortens: the rename fails. */
	long_case(250, BACKUP_SIMPLE, ".bakk", ys(250, ".bakk"), "255 fits");
	long_case(254, BACKUP_SIMPLE, "~", ys(254, "~"), "simple 254");
	clean();
	put(ys(255, ""), "B");
	fails(ys(255, ""), BACKUP_SIMPLE, "~", ENAMETOOLONG, "simple 255");
	/* The modes that read the directory give way at 255 bytes. */
	long_case(250, BACKUP_NUMBERED, "~", ys(250, ".~1~"), "t, 254");
	long_case(251, BACKUP_NUMBERED, "~", ys(251, "~"), "t, 255");
	long_case(253, BACKUP_NUMBERED, "~", ys(253, "~"), "t, 257");
	long_case(255, BACKUP_NUMBERED, "~", ys(253, "~"), "t, 255 + 4");
	long_case(249, BACKUP_EXISTING, ".bakk", ys(249, ".bakk"), "nil, 254");
	long_case(250, BACKUP_EXISTING, ".bakk", ys(250, "~"), "nil, 255");
	long_case(254, BACKUP_EXISTING, "~", ys(253, "~"), "nil, 254 + 1");
	/* The short name replaces a simple backup, not a numbered one. */
	clean();
	put(ys(254, ""), "B");
	put(ys(253, "~"), "old");
	made_is(dfd, ys(254, ""), BACKUP_EXISTING, "~", ys(253, "~"),
	    "nil, cut name exists");
	ok(strcmp(get(dfd, ys(253, "~")), "B") == 0, "and was replaced");
	clean();
	put(ys(251, ""), "B");
	put(ys(251, "~"), "old");
	fails(ys(251, ""), BACKUP_NUMBERED, "~", EEXIST, "t, cut name exists");
	ok(strcmp(get(dfd, ys(251, "~")), "old") == 0, "and was kept");
	clean();
	put(ys(250, ""), "B");
	put(ys(250, ".~9~"), "9");
	put(ys(250, "~"), "old");
	fails(ys(250, ""), BACKUP_EXISTING, "~", EEXIST, "nil, 10 too long");
	clean();
	put(ys(249, ""), "B");
	put(ys(249, ".~9~"), "9");
	made_is(dfd, ys(249, ""), BACKUP_EXISTING, "~", ys(249, ".~10~"),
	    "nil, 10 fits");
}

static void
hits(const char *src, int dirfd, const char *name, enum backup_mode mode,
    const char *suffix, int want, const char *what)
{
	struct stat st;

	if (stat(src, &st) == -1)
		bail_out("stat %s: %s", src, strerror(errno));
	ok(backup_hits_source(dirfd, name, mode, suffix, strrchr(src, '/') +
	    1, &st) == want, "hits_source: %s: %s", what, want ? "yes" : "no");
}

static void
test_hits_source(void)
{
	char src[sizeof(top) + 16], other[sizeof(top) + 16];

	clean();
	put("b", "B");
	put("b~", "old");
	if (mkdirat(dfd, "s", 0755) == -1 || linkat(dfd, "b~", dfd, "s/b~",
	    0) == -1 || linkat(dfd, "b~", dfd, "hl", 0) == -1 ||
	    mkdirat(dfd, "t", 0755) == -1)
		bail_out("setup: %s", strerror(errno));
	put("t/b~", "other");
	snprintf(src, sizeof(src), "%s/b~", top);
	snprintf(other, sizeof(other), "%s/t/b~", top);
	hits(src, dfd, "b", BACKUP_SIMPLE, "~", 1, "b~ onto b");
	hits(src, dfd, "b", BACKUP_EXISTING, "~", 1, "b~ onto b, nil");
	hits(src, dfd, "b", BACKUP_NUMBERED, "~", 0, "b~ onto b, t");
	hits(src, dfd, "b", BACKUP_NONE, "~", 0, "b~ onto b, none");
	hits(src, dfd, "b", BACKUP_SIMPLE, ".x", 0, "other suffix");
	snprintf(src, sizeof(src), "%s/s/b~", top);
	hits(src, dfd, "b", BACKUP_SIMPLE, "~", 1, "s/b~, a link of b~");
	hits(other, dfd, "b", BACKUP_SIMPLE, "~", 0, "t/b~, another file");
	snprintf(src, sizeof(src), "%s/hl", top);
	hits(src, dfd, "b", BACKUP_SIMPLE, "~", 0, "hl, b~ by another name");
}

int
main(void)
{
	if (mkdtemp(top) == NULL || (dfd = open(top, O_RDONLY |
	    O_DIRECTORY)) == -1)
		bail_out("scratch directory: %s", strerror(errno));
	/* Relative names must not work by chance from the cwd. */
	if (chdir("/") == -1)
		bail_out("chdir: %s", strerror(errno));
	test_words();
	test_bad_words();
	test_env();
	test_suffix();
	test_simple();
	test_simple_errors();
	test_numbered();
	test_not_versions();
	test_dirfd();
	test_long_names();
	test_hits_source();
	clean();
	(void)close(dfd);
	if (rmdir(top) == -1)
		diag("cannot remove %s: %s", top, strerror(errno));
	return done_testing();
}
