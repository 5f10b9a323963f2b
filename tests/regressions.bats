#!/usr/bin/env bats
# Regressions: one or more tests per reported bug, each written to fail on
# the kcp that had the bug.  The issue each group answers is named above it.
# GNU cp, cat and dd serve as oracles for messages and for what a copy of a
# stream should give.

load helpers/test_helper
bats_require_minimum_version 1.5.0

export KCP

# The unprivileged user the permission tests run as.
RG_UID=65534

setup_file() {
	make_pool
	# Resolve python3 once (a version-manager shim may be slow).
	local py
	py=$(python3 -c 'import sys; print(sys.executable)')
	PATH=${py%/*}:$PATH:/usr/sbin:/sbin
	export PATH
	rg_build_noseek
	rg_write_sockfeed
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	umask 022
	RG_USERDIR=
	RG_APPENDONLY=
	RG_LOOPDEV=
	RG_TRACEFS=
	RG_TRACE_INSTANCE=
}

teardown() {
	cd /
	if [ -n "$RG_APPENDONLY" ]; then
		chattr -a "$RG_APPENDONLY" 2>/dev/null || :
	fi
	if [ -n "$RG_LOOPDEV" ]; then
		losetup -d "$RG_LOOPDEV" 2>/dev/null || :
	fi
	if [ -n "$RG_TRACE_INSTANCE" ]; then
		rmdir "$RG_TRACE_INSTANCE" 2>/dev/null || :
	fi
	if [ -n "$RG_TRACEFS" ]; then
		umount "$RG_TRACEFS" 2>/dev/null || umount -l "$RG_TRACEFS" || :
	fi
	if [ -n "$RG_USERDIR" ]; then
		rm -rf "$RG_USERDIR"
	fi
	return 0
}

# ------------------------------------------------------------------ helpers

# rg_as_user CMD...: run CMD as the unprivileged user, no extra groups.
rg_as_user() {
	setpriv --reuid=$RG_UID --regid=$RG_UID --clear-groups "$@"
}

# rg_userdir: skip unless root and the unprivileged user can run kcp; then
# make a world-writable scratch directory under /tmp (bats' own temp dirs
# are private to root), cd into it; teardown removes it.
rg_userdir() {
	require_root
	command -v setpriv >/dev/null || skip "setpriv not installed"
	rg_as_user test -x "$KCP" ||
	    skip "user $RG_UID cannot execute $KCP"
	RG_USERDIR=$(mktemp -d /tmp/kcp-regressions.XXXXXX)
	chmod 0777 "$RG_USERDIR"
	cd "$RG_USERDIR"
}

# rg_show: put the last run's status and stderr where a failure shows them.
rg_show() {
	printf 'status %s; stderr:\n%s\n' "$status" "${stderr-}" >&2
}

# rg_gnu_quote NAME: how GNU cp quotes NAME in a message (C locale).
rg_gnu_quote() {
	local dir msg
	dir=$(mktemp -d "$BATS_TEST_TMPDIR/q.XXXXXX")
	msg=$(cd "$dir" && LC_ALL=C cp -- "$1" x 2>&1)
	msg=${msg#"cp: cannot stat "}
	printf '%s' "${msg%": No such file or directory"}"
}

# rg_build_noseek: compile a small LD_PRELOAD shim that makes the regular
# file named by $KCP_NOSEEK (when the program starts) behave as the
# kernel's files without a file position (tracefs trace_pipe and
# trace_marker) do: lseek, pread and pwrite fail with ESPIPE, splice with
# an offset on it fails with EINVAL, sendfile from it with an offset fails
# with ESPIPE and copy_file_range fails with EXDEV, the errnos measured on
# tracefs.  Plain read, write and offset-less splice work.
rg_build_noseek() {
	local d=$BATS_FILE_TMPDIR
	command -v cc >/dev/null || return 0
	cat >"$d/noseek.c" <<'EOF'
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

static dev_t dev;
static ino_t ino;
static bool armed;

__attribute__((constructor)) static void
init(void)
{
	const char *p = getenv("KCP_NOSEEK");
	struct stat st;

	if (p != NULL && stat(p, &st) == 0) {
		dev = st.st_dev;
		ino = st.st_ino;
		armed = true;
	}
}

static bool
hit(int fd)
{
	struct stat st;

	return armed && fd >= 0 && fstat(fd, &st) == 0 &&
	    st.st_dev == dev && st.st_ino == ino;
}

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))
#define FAIL(e) do { errno = (e); return -1; } while (0)

off_t lseek(int fd, off_t o, int w)
{ if (hit(fd)) FAIL(ESPIPE); return REAL(lseek)(fd, o, w); }
off64_t lseek64(int fd, off64_t o, int w)
{ if (hit(fd)) FAIL(ESPIPE); return REAL(lseek64)(fd, o, w); }
ssize_t pread(int fd, void *b, size_t n, off_t o)
{ if (hit(fd)) FAIL(ESPIPE); return REAL(pread)(fd, b, n, o); }
ssize_t pread64(int fd, void *b, size_t n, off64_t o)
{ if (hit(fd)) FAIL(ESPIPE); return REAL(pread64)(fd, b, n, o); }
ssize_t pwrite(int fd, const void *b, size_t n, off_t o)
{ if (hit(fd)) FAIL(ESPIPE); return REAL(pwrite)(fd, b, n, o); }
ssize_t pwrite64(int fd, const void *b, size_t n, off64_t o)
{ if (hit(fd)) FAIL(ESPIPE); return REAL(pwrite64)(fd, b, n, o); }
ssize_t preadv(int fd, const struct iovec *v, int c, off_t o)
{ if (hit(fd)) FAIL(ESPIPE); return REAL(preadv)(fd, v, c, o); }
ssize_t pwritev(int fd, const struct iovec *v, int c, off_t o)
{ if (hit(fd)) FAIL(ESPIPE); return REAL(pwritev)(fd, v, c, o); }
ssize_t preadv2(int fd, const struct iovec *v, int c, off_t o, int f)
{ if (hit(fd) && o != -1) FAIL(ESPIPE); return REAL(preadv2)(fd, v, c, o, f); }
ssize_t pwritev2(int fd, const struct iovec *v, int c, off_t o, int f)
{ if (hit(fd) && o != -1) FAIL(ESPIPE); return REAL(pwritev2)(fd, v, c, o, f); }

ssize_t
splice(int in, loff_t *io, int out, loff_t *oo, size_t n, unsigned f)
{
	if ((io != NULL && hit(in)) || (oo != NULL && hit(out)))
		FAIL(EINVAL);
	return REAL(splice)(in, io, out, oo, n, f);
}

ssize_t
sendfile(int out, int in, off_t *o, size_t n)
{
	if (o != NULL && hit(in))
		FAIL(ESPIPE);
	return REAL(sendfile)(out, in, o, n);
}

ssize_t
sendfile64(int out, int in, off64_t *o, size_t n)
{
	if (o != NULL && hit(in))
		FAIL(ESPIPE);
	return REAL(sendfile64)(out, in, o, n);
}

ssize_t
copy_file_range(int in, loff_t *io, int out, loff_t *oo, size_t n,
    unsigned f)
{
	if (hit(in) || hit(out))
		FAIL(EXDEV);
	return REAL(copy_file_range)(in, io, out, oo, n, f);
}
EOF
	cc -shared -fPIC -O2 -o "$d/noseek.so" "$d/noseek.c" -ldl \
	    2>"$d/noseek.log" || rm -f "$d/noseek.so"
}

# rg_need_noseek: skip unless the shim above was built.
rg_need_noseek() {
	[ -e "$BATS_FILE_TMPDIR/noseek.so" ] ||
	    skip "cannot build the non-seekable-file shim (no C compiler?)"
	NOSEEK=$BATS_FILE_TMPDIR/noseek.so
	# A sanitizer build of kcp refuses a preloaded library of another kind.
	env LD_PRELOAD="$NOSEEK" "$KCP" --version >/dev/null 2>&1 ||
	    skip "kcp does not start with the non-seekable-file shim preloaded"
}

# sockfeed.py FILE CMD...: run CMD with a socket (one end of a socketpair)
# as standard input, send FILE into the other end, then EOF.  No other
# descriptors are inherited.  Exit status: CMD's.
rg_write_sockfeed() {
	cat >"$BATS_FILE_TMPDIR/sockfeed.py" <<'PY'
import socket, subprocess, sys, threading
src, cmd = sys.argv[1], sys.argv[2:]
a, b = socket.socketpair()
p = subprocess.Popen(cmd, stdin=b)
b.close()

def feed():
    try:
        with open(src, "rb") as f:
            while True:
                d = f.read(1 << 16)
                if not d:
                    break
                a.sendall(d)
        a.shutdown(socket.SHUT_WR)
    except OSError:
        pass

t = threading.Thread(target=feed)
t.start()
rc = p.wait()
a.close()
t.join()
sys.exit(rc if rc >= 0 else 128 - rc)
PY
}

# rg_tracefs: skip unless root can reach a tracefs; set TRACE to a private
# trace instance in it (its own buffer, trace_marker and trace_pipe) whose
# lines carry no task, CPU or time: "tracing_mark_write: TEXT".
rg_tracefs() {
	local t
	require_root
	grep -qw tracefs /proc/filesystems || skip "kernel without tracefs"
	for t in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		[ -e "$t/trace_marker" ] && break
		t=
	done
	if [ -z "$t" ]; then
		t=$BATS_TEST_TMPDIR/tracefs
		mkdir -p "$t"
		mount -t tracefs nodev "$t" 2>/dev/null ||
		    skip "tracefs not mounted and cannot be mounted"
		RG_TRACEFS=$t
	fi
	TRACE=$t/instances/kcp-regressions-$$
	mkdir "$TRACE" 2>/dev/null || skip "cannot make a tracefs instance"
	RG_TRACE_INSTANCE=$TRACE
	echo nocontext-info >"$TRACE/trace_options" ||
	    skip "cannot set the trace instance's options"
	echo 1 >"$TRACE/tracing_on"
}

# ===================== 1. --verify and files it cannot read back

@test "--verify onto a FIFO never opens it for reading: a later reader gets every byte" {
	mkd 1000 src
	mkfifo fifo
	# Opened for writing only, kcp waits for a reader; a read-write open
	# would let it write into the pipe and leave at once, losing the bytes.
	timeout 20 "$KCP" --verify src fifo 2>err 3>&- &
	local pid=$! rc=0
	sleep 1
	timeout 5 cat fifo >got || :
	wait "$pid" || rc=$?
	echo "kcp status: $rc; stderr: $(cat err)" >&2
	cmp src got
	[ "$rc" = 0 ]
	[ ! -s err ]
}

@test "--verify f /dev/stdout | head -c10 ends (kcp holds no read end of its output)" {
	mkd 8000000 src
	run --separate-stderr timeout 30 bash -c \
	    'timeout 10 "$KCP" --verify src /dev/stdout | head -c 10 >got; echo ${PIPESTATUS[0]}'
	rg_show
	assert_success
	echo "kcp status: $output" >&2
	[ "$output" != 124 ]	# not killed by timeout
	head -c 10 src | cmp - got
}

@test "--verify onto a pipe DEST: -v says it could not verify" {
	mkd 100000 src
	run --separate-stderr bash -c '"$KCP" -v --verify src - | cat >got'
	rg_show
	assert_success
	cmp src got
	[[ $stderr == *verif* ]]
}

@test "--verify onto a character device opens it write-only" {
	command -v strace >/dev/null || skip "strace not installed"
	[ "${KCP_ASAN:-0}" = 1 ] &&
	    skip "a sanitizer build's leak checker does not run under ptrace"
	mkd 1000 src
	run --separate-stderr strace -f -o trace -e trace=open,openat \
	    "$KCP" --verify src /dev/null
	rg_show
	assert_success
	grep '"/dev/null"' trace >&2
	run -1 grep '"/dev/null", O_RDWR' trace
	grep -q '"/dev/null", O_WRONLY' trace
}

@test "--verify onto a block device checks it: a corrupted write is an error" {
	require_root
	require_faultinj
	truncate -s 1M img
	RG_LOOPDEV=$(losetup -f --show img 2>/dev/null) ||
	    skip "cannot set up a loop device"
	mkd 65536 src
	run --separate-stderr env KCP_FAULT='pwrite:corrupt:always;write:corrupt:always' \
	    LD_PRELOAD="$FAULTINJ" "$KCP" --method=readwrite --verify src "$RG_LOOPDEV"
	rg_show
	assert_failure 1
	[[ $stderr == *"verification failed: 'src' and '$RG_LOOPDEV' differ at byte "* ]]
	# The shim did flip bytes: the device holds a bad copy.
	head -c 65536 "$RG_LOOPDEV" >back
	run -1 cmp -s src back
}

# ===================== 2. --verify onto a standard output it cannot read

@test "--verify onto a write-only regular stdout that cannot be read back is an error" {
	rg_userdir
	mkd 100000 src
	chmod 644 src
	run --separate-stderr rg_as_user sh -c \
	    ': >wo && chmod 200 wo && exec "$KCP" --verify src - >wo'
	rg_show
	assert_failure 1
	cmp src wo
	[[ $stderr == "kcp: "*verif* ]]
}

@test "--verify onto an unreadable regular stdout: a corrupted write is not a success" {
	rg_userdir
	require_faultinj
	mkd 100000 src
	chmod 644 src
	run --separate-stderr rg_as_user env LD_PRELOAD="$FAULTINJ" \
	    KCP_FAULT='pwrite:corrupt:always;write:corrupt:always' sh -c \
	    ': >wo && chmod 200 wo && exec "$KCP" --method=readwrite --verify src - >wo'
	rg_show
	assert_failure 1
	[[ $stderr == "kcp: "*verif* ]]
	run -1 cmp -s src wo	# the copy is bad
}

# ===================== 3. -p --verify keeps the access time

@test "-p --verify: DEST keeps SOURCE's access time" {
	mkd 5000 src
	touch -a -d '2001-02-03 04:05:06' src
	local atime mtime
	atime=$(stat -c %X src)
	mtime=$(stat -c %Y src)
	run --separate-stderr "$KCP" -p --verify src dst
	rg_show
	assert_success
	# Before any read of dst: under relatime a read would move it too.
	assert_equal "$(stat -c %X dst)" "$atime"
	assert_equal "$(stat -c %Y dst)" "$mtime"
	cmp src dst
}

# ===================== 4. --direct on inherited descriptors

rg_need_direct() {
	dd if=/dev/zero of=direct.probe bs=4096 count=1 oflag=direct \
	    status=none 2>/dev/null || skip "no O_DIRECT on $PWD"
	rm -f direct.probe
}

@test "--direct leaves no O_DIRECT on an inherited stdout: a later write lands" {
	rg_need_direct
	mkd 1048576 src
	run --separate-stderr bash -c '{ "$KCP" --direct src -; printf tail; } >out'
	rg_show
	assert_success
	{ cat src; printf tail; } >expect
	cmp expect out
	[ -z "$stderr" ]
}

@test "--direct leaves no O_DIRECT on an inherited stdin: a later read works" {
	rg_need_direct
	mkd 1048576 src
	run --separate-stderr bash -c \
	    '{ "$KCP" --direct -l 512K - a && dd bs=1000 count=1 of=b status=none; } <src'
	rg_show
	assert_success
	head -c 524288 src | cmp - a
	tail -c +524289 src | head -c 1000 | cmp - b
}

# ===================== 5. --append onto an append-only file

@test "--append onto an append-only file (chattr +a) appends" {
	require_root
	command -v chattr >/dev/null || skip "chattr not installed"
	printf 'head' >dst
	chattr +a dst 2>/dev/null ||
	    skip "$(stat -f -c %T .) at $PWD does not take chattr +a"
	RG_APPENDONLY=$PWD/dst
	mkd 100000 src
	run --separate-stderr "$KCP" --append src dst
	rg_show
	assert_success
	{ printf 'head'; cat src; } >expect
	cmp expect dst
}

# ===================== 6. -f onto the same file

@test "-f f f as a user, f read-only and hard-linked: same file, nothing replaced" {
	rg_userdir
	rg_as_user sh -c 'echo data >f && chmod 444 f && ln f g'
	local ino
	ino=$(stat -c %i f)
	run --separate-stderr rg_as_user cp -f f f
	rg_show
	assert_failure 1
	local cpmsg=$stderr
	run --separate-stderr rg_as_user "$KCP" -f f f
	rg_show
	assert_failure 1
	stderr_is "kcp: 'f' and 'f' are the same file"
	assert_equal "kcp: ${cpmsg#cp: }" "$stderr"
	assert_equal "$(stat -c '%i %h' f)" "$ino 2"
	assert_equal "$(stat -c %i g)" "$ino"
	assert_equal "$(cat f)" data
}

# ===================== 7. -n --atomic onto a dangling symlink

@test "-n --atomic onto a dangling symlink refuses as -n does" {
	echo data >src
	ln -s nowhere l
	run --separate-stderr "$KCP" -n src l
	rg_show
	assert_failure 1
	local plain=$stderr
	assert_equal "$plain" "kcp: not writing through dangling symlink 'l'"
	run --separate-stderr "$KCP" -n --atomic src l
	rg_show
	assert_failure 1
	assert_equal "$stderr" "$plain"
	assert_file_not_exists nowhere
	[ -L l ]
	assert_equal "$(readlink l)" nowhere
}

# ===================== 8. a trailing slash after a regular file

@test "DEST 'f/' where f is a regular file: Not a directory, as cp says" {
	echo data >src
	echo old >f
	run --separate-stderr cp src f/
	rg_show
	assert_failure 1
	local cpmsg=$stderr
	run --separate-stderr "$KCP" src f/
	rg_show
	assert_failure 1
	[[ $stderr == *": Not a directory" ]]
	assert_equal "${stderr#kcp: }" "${cpmsg#cp: }"
	assert_equal "$(cat f)" old
}

@test "DEST 'new/' that does not exist: Not a directory, as cp says" {
	echo data >src
	run --separate-stderr cp src new/
	rg_show
	assert_failure 1
	local cpmsg=$stderr
	run --separate-stderr "$KCP" src new/
	rg_show
	assert_failure 1
	# cp's wording here ("cannot create regular file") is not kcp's
	# ("cannot open ... for writing"); the reason must be cp's.
	[[ $stderr == "kcp: "*"'new/'"*": Not a directory" ]]
	assert_file_not_exists new
}

# ===================== 9. regular files that cannot seek

@test "tracefs: printf hello | kcp - trace_marker writes the marker" {
	rg_tracefs
	run --separate-stderr bash -c 'printf hello | "$KCP" - "$1"' _ \
	    "$TRACE/trace_marker"
	rg_show
	assert_success
	run -0 timeout 5 head -c 26 "$TRACE/trace_pipe"
	assert_equal "$output" "tracing_mark_write: hello"
}

@test "tracefs: kcp -l N trace_pipe out reads the stream as cat would" {
	rg_tracefs
	printf 'kcp-token' >"$TRACE/trace_marker"
	run --separate-stderr timeout 10 "$KCP" -l 30 "$TRACE/trace_pipe" out
	rg_show
	assert_success
	printf 'tracing_mark_write: kcp-token\n' | cmp - out
}

@test "a regular DEST whose lseek fails with ESPIPE is written as a stream" {
	rg_need_noseek
	mkd 100000 src
	# The shim is sound: dd and cp write through it.
	: >dd.out
	KCP_NOSEEK=dd.out LD_PRELOAD=$NOSEEK dd if=src of=dd.out status=none
	cmp src dd.out
	: >dst
	run --separate-stderr env KCP_NOSEEK=dst LD_PRELOAD="$NOSEEK" \
	    bash -c 'cat src | "$KCP" - dst'
	rg_show
	assert_success
	cmp src dst
}

@test "a regular SOURCE whose lseek fails with ESPIPE is read as a stream" {
	rg_need_noseek
	mkd 100000 src
	KCP_NOSEEK=src LD_PRELOAD=$NOSEEK cat src >cat.out
	cmp src cat.out
	run --separate-stderr env KCP_NOSEEK=src LD_PRELOAD="$NOSEEK" \
	    "$KCP" src dst
	rg_show
	assert_success
	cmp src dst
}

@test "a non-seekable regular file as standard input is read as a stream" {
	rg_need_noseek
	mkd 100000 src
	run --separate-stderr env KCP_NOSEEK=src LD_PRELOAD="$NOSEEK" \
	    bash -c '"$KCP" - dst <src'
	rg_show
	assert_success
	cmp src dst
}

# ===================== 10. socket to file when no pipe can be made

@test "socket to file: EMFILE making the internal pipe falls back to read/write" {
	mkd 3000000 src
	# Descriptors 0-3 (stdin socket, stdout, stderr, DEST): no room for
	# the two ends of a pipe.
	run --separate-stderr python3 "$BATS_FILE_TMPDIR/sockfeed.py" src \
	    bash -c 'ulimit -n 4 && exec "$KCP" -v - dst'
	rg_show
	assert_success
	cmp src dst
	[[ $stderr == *readwrite* ]]
}

# ===================== 11. --atomic and DEST's permissions

@test "--atomic as a user does not replace a root-owned file it cannot write" {
	rg_userdir
	echo new >src
	echo old >x
	chmod 644 src x
	run --separate-stderr rg_as_user "$KCP" --atomic src x
	rg_show
	assert_failure 1
	stderr_is "kcp: cannot open 'x' for writing: Permission denied"
	assert_equal "$(cat x)" old
	assert_equal "$(stat -c '%u %a' x)" "0 644"
	# No temporary file is left beside it.
	assert_equal "$(ls -A)" "$(printf 'src\nx')"
}

@test "--atomic replacing a set-user-ID file the user does not own drops the bit" {
	rg_userdir
	echo new >src
	echo old >x
	chmod 644 src
	chmod 4777 x		# writable by the user, owned by root
	run --separate-stderr rg_as_user "$KCP" --atomic src x
	rg_show
	assert_success
	assert_equal "$(cat x)" new
	local mode
	mode=$(stat -c %a x)
	echo "mode after: $mode, owner $(stat -c %u x)" >&2
	(( (8#$mode & 8#6000) == 0 ))
	# The rest of the mode is kept: the new owner may set it.
	assert_equal "$mode" 777
}

@test "-f --atomic replacing a root's set-user-ID file drops the bit" {
	rg_userdir
	echo new >src
	echo old >y
	chmod 644 src
	chmod 4755 y
	run --separate-stderr rg_as_user "$KCP" -f --atomic src y
	rg_show
	assert_success
	assert_equal "$(cat y)" new
	local mode
	mode=$(stat -c %a y)
	echo "mode after: $mode, owner $(stat -c %u y)" >&2
	(( (8#$mode & 8#6000) == 0 ))
	assert_equal "$mode" 755
}

# ===================== 12. --reflink=always and an impossible range

@test "--reflink=always with an unaligned -l leaves an existing DEST untouched" {
	mkd 100000 src
	mkd 5000 dst
	cp dst saved
	run --separate-stderr "$KCP" --reflink=always -l 1000 src dst
	rg_show
	assert_failure 1
	stderr_is "kcp: failed to clone 'src' to 'dst': Invalid argument"
	cmp saved dst
}

# ===================== 13. names in messages are quoted as coreutils does

# rg_quote_check NAME: a missing SOURCE named NAME is reported with NAME
# quoted as GNU cp quotes it.
rg_quote_check() {
	local q
	q=$(rg_gnu_quote "$1")
	echo "cp quotes it as: $q" >&2
	run --separate-stderr "$KCP" -- "$1" out
	rg_show
	assert_failure 1
	stderr_is "kcp: cannot open $q for reading: No such file or directory"
}

@test "a missing SOURCE with a newline in its name is quoted as 'a'\$'\\n''b'" {
	rg_quote_check $'a\nb'
	assert_equal "$stderr" "kcp: cannot open 'a'\$'\\n''b' for reading: No such file or directory"
}

@test "a missing SOURCE with an escape sequence in its name is quoted, ESC as \$'\\033'" {
	rg_quote_check $'e\033[31mx'
	[[ $stderr != *$'\033'* ]]
}

@test "a missing SOURCE with a single quote in its name is quoted as \"it's\"" {
	# A space alone keeps plain single quotes.
	rg_quote_check "a b"
	assert_equal "$stderr" "kcp: cannot open 'a b' for reading: No such file or directory"
	rg_quote_check "it's"
	assert_equal "$stderr" "kcp: cannot open \"it's\" for reading: No such file or directory"
}

@test "a missing SOURCE with a single quote and a newline: one shell word, no raw newline" {
	# GNU cp 9.1 prints '''it'\''s'$'\n' here (an empty '' first), so
	# ask only for a quoted word that a shell reads back as the name.
	local n=$'it\'s\n' q
	run --separate-stderr "$KCP" -- "$n" out
	rg_show
	assert_failure 1
	[[ $stderr == "kcp: cannot open "*" for reading: No such file or directory" ]]
	[[ $stderr != *$'\n'* ]]
	q=${stderr#"kcp: cannot open "}
	q=${q%" for reading: No such file or directory"}
	assert_equal "$(eval "printf '%s|' $q")" "$n|"
}

@test "-v line: a name with a newline is quoted as GNU cp quotes it" {
	local n=$'a\nb' q
	q=$(rg_gnu_quote "$n")
	mkd 1000 "$n"
	run --separate-stderr "$KCP" -v -- "$n" out
	rg_show
	assert_success
	cmp -- "$n" out
	[[ $stderr == "kcp: $q -> 'out': 1000 bytes in "* ]]
	[[ $stderr != *$'\n'* ]]
}

# ===================== 14. -i onto the same file

@test "-i f f: same file, no prompt (answer y)" {
	echo data >f
	run --separate-stderr bash -c 'echo y | "$KCP" -i f f'
	rg_show
	assert_failure 1
	stderr_is "kcp: 'f' and 'f' are the same file"
	assert_equal "$(cat f)" data
}

@test "-i f f: same file, no prompt (answer n)" {
	echo data >f
	run --separate-stderr bash -c 'echo n | "$KCP" -i f f'
	rg_show
	assert_failure 1
	[[ $stderr != *"kcp: overwrite"* ]]
	stderr_is "kcp: 'f' and 'f' are the same file"
}
