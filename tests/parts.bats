#!/usr/bin/env bats
# One large regular file in parts (kcp(1), Parallel copying): with -j N a
# file of at least two parts' worth is split into ranges copied at once,
# each down the ladder at its own offsets.  Whatever the parts, the same
# bytes, holes, messages and exit status; a copy that fails or is stopped
# leaves DEST holding a prefix of SOURCE, so that --resume can finish it.

load helpers/test_helper
bats_require_minimum_version 1.5.0

# A part is at least 64 MiB: 320 MiB - 1 makes 4 parts with -j 4, the
# last one a byte short of the others.
SIZE=$((320 * 1024 * 1024 - 1))

setup_file() {
	export BIG="$BATS_FILE_TMPDIR/big"
	head -c "$SIZE" /dev/urandom >"$BIG"
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	[ -z "${SHM:-}" ] || rm -rf "$SHM"
}

# copiers CMD...: run CMD under strace -f; print the number of threads
# that moved data (each part has its own; one part is the main thread).
# LeakSanitizer cannot run under ptrace: leaks are checked elsewhere.
copiers() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    strace -f -o copiers.trace -e trace=copy_file_range,sendfile \
	    "$@" >/dev/null || return
	awk '$2 ~ /^(copy_file_range|sendfile)\(/ { t[$1] = 1 }
	    END { n = 0; for (p in t) n++; print n }' copiers.trace
}

require_strace() {
	command -v strace >/dev/null || skip "strace is not installed"
}

# DEST holds a prefix of SOURCE: its bytes equal SOURCE's first ones.
assert_prefix() {
	local n
	n=$(stat -c %s "$2")
	[ "$n" -le "$(stat -c %s "$1")" ]
	cmp -n "$n" "$1" "$2"
}

@test "-j 4 on one large file: four threads, the same bytes as -j 1" {
	require_strace
	run copiers "$KCP" -j 4 "$BIG" out4
	assert_success
	assert_output 4
	cmp "$BIG" out4
	run copiers "$KCP" -j 1 "$BIG" out1
	assert_success
	assert_output 1
	cmp "$BIG" out1
}

@test "-j 4: each part at its own offsets, the -v line sums them" {
	require_strace
	run --separate-stderr env \
	    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    strace -f -o trace -e trace=copy_file_range,sendfile \
	    "$KCP" -v -j 4 "$BIG" out
	assert_success
	cmp "$BIG" out
	assert_regex "$stderr" "^kcp: '.*' -> 'out': $SIZE bytes in [0-9.]+ s.* via (copy_file_range|sendfile)"
	# The first call of each part starts at a part boundary (80 MiB).
	local off
	for off in 0 83886080 167772160 251658240; do
		grep -q -E "(copy_file_range\\([0-9]+, \\[$off\\]|sendfile\\([0-9]+, [0-9]+, \\[$off\\])" trace
	done
}

@test "a file smaller than two parts is one part; -j 1 is one part" {
	require_strace
	head -c $((100 << 20)) "$BIG" >small
	run copiers "$KCP" -j 4 small out
	assert_success
	assert_output 1
	cmp small out
}

@test "the default splits only into tmpfs from another filesystem" {
	require_strace
	shm_dir
	[ "$(stat -f -c %T "$BIG")" != tmpfs ] || skip "the test directory is on tmpfs"
	run copiers "$KCP" "$BIG" out
	assert_success
	assert_output 1
	cmp "$BIG" out
	local cpus
	cpus=$(nproc)
	run copiers "$KCP" "$BIG" "$SHM/out"
	assert_success
	assert_output $((cpus < 4 ? cpus : 4))
	cmp "$BIG" "$SHM/out"
}

@test "-j 4 keeps holes per part, and a hole at the end sets DEST's size" {
	# 320 MiB apparent, data at 1 MiB, in the middle of part 2, and
	# nothing after 300 MiB: the last part is a hole.
	truncate -s "$SIZE" sparse
	dd if="$BIG" of=sparse bs=1M count=3 seek=1 conv=notrunc status=none
	dd if="$BIG" of=sparse bs=1M count=5 seek=100 conv=notrunc status=none
	dd if="$BIG" of=sparse bs=1M count=2 seek=298 conv=notrunc status=none
	run "$KCP" -j 4 sparse out
	assert_success
	cmp sparse out
	assert_equal "$(stat -c %s out)" "$SIZE"
	# Only the data is allocated (a little slack for the filesystem).
	[ "$(blocks out)" -le $(( (10 << 20) / 512 + 2048 )) ]
}

@test "-j 4 falls back in every part: EXDEV from copy_file_range, then sendfile" {
	require_faultinj
	run --separate-stderr kcp_fault "copy_file_range:EXDEV:always" -v -j 4 "$BIG" out
	assert_success
	cmp "$BIG" out
	assert_regex "$stderr" "via sendfile \\(copy_file_range: EXDEV\\)$"
	assert_equal "${#stderr_lines[@]}" 1
}

@test "-j 4: an I/O error in one part fails the copy with one message, DEST a prefix" {
	require_faultinj
	# The third call, in whichever part makes it, fails.
	run --separate-stderr kcp_fault "copy_file_range:EIO:3" \
	    -j 4 --method=copy_file_range "$BIG" out
	assert_failure 1
	stderr_is "kcp: error copying '$BIG' to 'out': Input/output error"
	assert_prefix "$BIG" out
	[ "$(stat -c %s out)" -lt "$SIZE" ]
	# --resume then finishes it.
	run "$KCP" --resume "$BIG" out
	assert_success
	cmp "$BIG" out
}

@test "-j 4: every part failing still gives one message" {
	require_faultinj
	run --separate-stderr kcp_fault "copy_file_range:EIO:always" \
	    -j 4 --method=copy_file_range "$BIG" out
	assert_failure 1
	stderr_is "kcp: error copying '$BIG' to 'out': Input/output error"
	assert_prefix "$BIG" out
}

@test "-j 4: a full disk in one part, the same message as -j 1" {
	require_faultinj
	run --separate-stderr kcp_fault "pwrite:ENOSPC:after=200000000" \
	    -j 4 --method=readwrite "$BIG" out
	assert_failure 1
	local four=$stderr
	assert_prefix "$BIG" out
	run --separate-stderr kcp_fault "pwrite:ENOSPC:after=200000000" \
	    -j 1 --method=readwrite "$BIG" out
	assert_failure 1
	assert_equal "$four" "$stderr"
	assert_prefix "$BIG" out
}

@test "-j 4: SIGINT stops every part; DEST is a prefix and --resume finishes it" {
	# Small reads and writes: slow enough to be stopped midway.
	env --default-signal=INT true 2>/dev/null ||
	    skip "env --default-signal (coreutils 8.31) not available"
	env --default-signal=INT "$KCP" -j 4 --method=readwrite -B 512 \
	    "$BIG" out 2>err &
	local pid=$!
	wait_size out $((20 << 20))
	kill -INT "$pid" 2>/dev/null || skip "the copy ended before the signal"
	local rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 130
	assert_prefix "$BIG" out
	[ "$(stat -c %s out)" -lt "$SIZE" ]
	run "$KCP" --resume "$BIG" out
	assert_success
	cmp "$BIG" out
}

@test "-j 4 with -P: the progress line reaches the whole size" {
	run --separate-stderr "$KCP" -j 4 -P "$BIG" out
	assert_success
	cmp "$BIG" out
	[[ $stderr == *"320 MiB of 320 MiB (100%)"* ]] ||
	    fail "no final line at 100%: $stderr"
}

@test "-j 4 onto an existing larger DEST without truncation: one part, bytes as -j 1" {
	require_strace
	head -c $((400 << 20)) /dev/zero >out
	run copiers "$KCP" -j 4 --no-truncate "$BIG" out
	assert_success
	assert_output 1
	cmp -n "$SIZE" "$BIG" out
	assert_equal "$(stat -c %s out)" $((400 << 20))
}

@test "-j 4 --verify, --fsync and --atomic: whole, checked" {
	run --separate-stderr "$KCP" -j 4 --verify --fsync --atomic "$BIG" out
	assert_success
	cmp "$BIG" out
	run ls -a
	refute_output --partial ".kcp."
}

@test "-j 4 killed with SIGKILL: --resume copies DEST again whole, the mark gone" {
	command -v getfattr >/dev/null || skip "getfattr (attr) is not installed"
	"$KCP" -j 4 --method=readwrite -B 512 "$BIG" out 2>err &
	local pid=$!
	wait_size out $((250 << 20))
	kill -KILL "$pid" 2>/dev/null || skip "the copy ended before the signal"
	wait "$pid" || :
	run getfattr -n user.kcp.parts out
	assert_success
	run --separate-stderr "$KCP" -v --resume "$BIG" out
	assert_success
	assert_equal "${stderr_lines[0]}" "kcp: 'out': not a prefix of '$BIG' (a copy in parts that was killed): copying it whole"
	cmp "$BIG" out
	run getfattr -n user.kcp.parts out
	assert_failure
}

@test "-j 4: no mark is left on DEST, copied whole or stopped" {
	command -v getfattr >/dev/null || skip "getfattr (attr) is not installed"
	run "$KCP" -j 4 "$BIG" out
	assert_success
	run getfattr -d -m - out
	refute_output --partial kcp
	require_faultinj
	run kcp_fault "copy_file_range:EIO:2" -j 4 --method=copy_file_range "$BIG" out
	assert_failure 1
	run getfattr -d -m - out
	refute_output --partial kcp
}
