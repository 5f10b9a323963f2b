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
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	umask 022
	RG_USERDIR=
	RG_APPENDONLY=
	RG_LOOPDEV=
}

teardown() {
	cd /
	if [ -n "$RG_APPENDONLY" ]; then
		chattr -a "$RG_APPENDONLY" 2>/dev/null || :
	fi
	if [ -n "$RG_LOOPDEV" ]; then
		losetup -d "$RG_LOOPDEV" 2>/dev/null || :
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

# rg_need_faultinj: skip without the fault-injection shim.
rg_need_faultinj() {
	[ -n "${FAULTINJ:-}" ] && [ -e "$FAULTINJ" ] ||
	    skip "no fault-injection shim (FAULTINJ)"
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
	rg_need_faultinj
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
	rg_need_faultinj
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
