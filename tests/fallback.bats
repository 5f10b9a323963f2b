#!/usr/bin/env bats
# Method fallback: which injected errnos move on to the next method, which fail.
#
# The engine's fallback and error rules (kcp(1), THE METHOD LADDER),
# forced with the LD_PRELOAD fault-injection shim tests/helpers/faultinj.c.
# Each test checks the data with cmp and the -v line or the exact message.

bats_require_minimum_version 1.5.0
load helpers/test_helper

SIZE=300000

setup_file() {
	mkdata "$SIZE" "$BATS_FILE_TMPDIR/a"
}

setup() {
	: "${FAULTINJ:=$(dirname "$KCP")/../tests/helpers/faultinj.so}"
	[ -f "$FAULTINJ" ] ||
	    skip "fault-injection shim not built: $FAULTINJ (make tests/helpers/faultinj.so)"
	cd "$BATS_TEST_TMPDIR" || return 1
	LOG=$BATS_TEST_TMPDIR/calls.log
	: >"$LOG"
	cp "$BATS_FILE_TMPDIR/a" a
}

# kcp under the shim with the fault rules $1.  Clones are refused, so that a
# copy between two files starts at copy_file_range on any filesystem (the
# refusal is dropped from the -v line by vline).
fkcp() {
	local rules=$1

	shift
	LC_ALL=C LD_PRELOAD=$FAULTINJ KCP_FAULT="ioctl:EOPNOTSUPP:always;$rules" \
	    KCP_FAULT_LOG=$LOG "$KCP" "$@"
}

# The same with standard output a pipe; what comes out lands in 'out'.
fkcp_topipe() {
	fkcp "$@" | cat >out
	return "${PIPESTATUS[0]}"
}

# The same with standard input a pipe carrying 'a'.
fkcp_frompipe() {
	cat a | fkcp "$@"
	return "${PIPESTATUS[1]}"
}

# Both: pipe in, pipe out.
fkcp_pipes() {
	cat a | fkcp "$@" | cat >out
	return "${PIPESTATUS[1]}"
}

# The same with standard output a stream socket; what comes out lands in
# 'out'.  Only kcp runs under the shim.
fkcp_tosocket() {
	python3 -c '
import os, socket, subprocess, sys
kcp, shim, rules, log = sys.argv[1:5]
env = dict(os.environ, LC_ALL="C", LD_PRELOAD=shim, KCP_FAULT=rules,
    KCP_FAULT_LOG=log)
a, b = socket.socketpair()
p = subprocess.Popen([kcp] + sys.argv[5:], stdout=a, env=env)
a.close()
with open("out", "wb") as f:
    while True:
        d = b.recv(65536)
        if not d:
            break
        f.write(d)
sys.exit(p.wait())
' "$KCP" "$FAULTINJ" "ioctl:EOPNOTSUPP:always;$1" "$LOG" "${@:2}"
}

# kcp with descriptor $1 (0 or 1) made non-blocking (O_NONBLOCK) before it
# starts; rules in $2.  Only kcp runs under the shim.
fkcp_nonblock() {
	python3 -c '
import fcntl, os, sys
fd, kcp, shim, rules, log = sys.argv[1:6]
fd = int(fd)
fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
os.execve(kcp, [kcp] + sys.argv[6:], dict(os.environ, LC_ALL="C",
    LD_PRELOAD=shim, KCP_FAULT=rules, KCP_FAULT_LOG=log))
' "$1" "$KCP" "$FAULTINJ" "ioctl:EOPNOTSUPP:always;$2" "$LOG" "${@:3}"
}

# A non-blocking pipe carrying 'a' as standard input.
fkcp_nb_frompipe() {
	cat a | fkcp_nonblock 0 "$@"
	return "${PIPESTATUS[1]}"
}

# A non-blocking pipe as standard output, read only after a second; what
# comes out lands in 'out'.
fkcp_nb_toslowpipe() {
	fkcp_nonblock 1 "$@" | { sleep 1; cat >out; }
	return "${PIPESTATUS[0]}"
}

VRE="^kcp: '.*' -> '.*': [0-9]+ bytes in "

# The -v lines of the last run, with the time and rate replaced by T and
# the clone refusal of fkcp dropped.
vline() {
	printf '%s\n' "$stderr" | grep -E "$VRE" | sed -E \
	    -e 's/ in [0-9]+\.[0-9]{2} s( \([^)]*\/s\))?/ in T s/' \
	    -e 's/reflink: EOPNOTSUPP, //' -e 's/ \(reflink: EOPNOTSUPP\)//'
}

# The other lines of stderr: the messages.
msgs() {
	printf '%s\n' "$stderr" | grep -Ev "$VRE" | grep -v '^$' || true
}

# assert_success and assert_failure show stdout; the story is on stderr.
succeeded() {
	[ "$status" -eq 0 ] || fail "exit status $status; stderr: $stderr"
}

failed_1() {
	[ "$status" -eq 1 ] || fail "exit status $status, not 1; stderr: $stderr"
}

# Fail unless the shim injected a fault into function $1.
fired() {
	grep -q "^$1 .* injected\$" "$LOG" ||
	    fail "no fault was injected into $1; calls: $(cat "$LOG")"
}

# How many calls kcp made to function $1.
calls() {
	grep -c "^$1 " "$LOG" || true
}

# Fail if any data was moved by any call after the first injected fault:
# an error is reported, never retried on another path.
no_retry() {
	local after

	after=$(awk '/ injected$/ { f = 1; next }
	    f && /^(copy_file_range|sendfile|splice|read|write|pread|pwrite) /' \
	    "$LOG")
	[ -z "$after" ] || fail "calls after the fault: $after"
}

# The file $1 holds the first $2 bytes of 'a' and nothing more.
holds_prefix() {
	assert_equal "$(stat -c %s "$1")" "$2"
	cmp -n "$2" a "$1"
}

# The error line for a failure of an offload call (kcp(1), DIAGNOSTICS):
# errnos that speak of DEST (ENOSPC, EDQUOT, EFBIG, EPIPE, EROFS) say
# writing; for the others the kernel does not say which side failed.
assert_offload_error() {	# SRC DEST ERRNO
	local s

	s=$(strerror "$3")
	case $3 in
	ENOSPC|EDQUOT|EFBIG|EPIPE|EROFS)
		assert_equal "$(msgs)" "kcp: error writing '$2': $s" ;;
	*)
		assert_equal "$(msgs)" "kcp: error copying '$1' to '$2': $s" ;;
	esac
}

# --- "not supported here" before any byte moved: fall back ---------------

cfr_unsupported() {
	run --separate-stderr fkcp "copy_file_range:$1" -v a b
	succeeded
	cmp a b
	fired copy_file_range
	assert_equal "$(msgs)" ""
	assert_equal "$(vline)" \
	    "kcp: 'a' -> 'b': $SIZE bytes in T s via sendfile (copy_file_range: $1)"
}

@test "copy_file_range ENOSYS at once: falls back to sendfile" { cfr_unsupported ENOSYS; }
@test "copy_file_range EXDEV at once: falls back to sendfile" { cfr_unsupported EXDEV; }
@test "copy_file_range EINVAL at once: falls back to sendfile" { cfr_unsupported EINVAL; }
@test "copy_file_range EPERM at once: falls back to sendfile" { cfr_unsupported EPERM; }
@test "copy_file_range EOPNOTSUPP at once: falls back to sendfile" { cfr_unsupported EOPNOTSUPP; }
@test "copy_file_range EBADF at once: falls back to sendfile" { cfr_unsupported EBADF; }
@test "copy_file_range ETXTBSY at once: falls back to sendfile" { cfr_unsupported ETXTBSY; }
@test "copy_file_range ENOTTY at once: falls back to sendfile" { cfr_unsupported ENOTTY; }
@test "copy_file_range EACCES at once: falls back to sendfile" { cfr_unsupported EACCES; }
@test "copy_file_range ENOENT at once: falls back to sendfile" { cfr_unsupported ENOENT; }
@test "copy_file_range EFBIG at once: falls back to sendfile" { cfr_unsupported EFBIG; }

sendfile_unsupported() {
	run --separate-stderr fkcp_topipe "sendfile:$1" -v a -
	succeeded
	cmp a out
	fired sendfile
	assert_equal "$(msgs)" ""
	assert_equal "$(vline)" \
	    "kcp: 'a' -> '-': $SIZE bytes in T s via splice (sendfile: $1)"
}

@test "sendfile ENOSYS at once, file to pipe: falls back to splice" { sendfile_unsupported ENOSYS; }
@test "sendfile EXDEV at once, file to pipe: falls back to splice" { sendfile_unsupported EXDEV; }
@test "sendfile EINVAL at once, file to pipe: falls back to splice" { sendfile_unsupported EINVAL; }
@test "sendfile EPERM at once, file to pipe: falls back to splice" { sendfile_unsupported EPERM; }
@test "sendfile EOPNOTSUPP at once, file to pipe: falls back to splice" { sendfile_unsupported EOPNOTSUPP; }
@test "sendfile EBADF at once, file to pipe: falls back to splice" { sendfile_unsupported EBADF; }
@test "sendfile ETXTBSY at once, file to pipe: falls back to splice" { sendfile_unsupported ETXTBSY; }
@test "sendfile ENOTTY at once, file to pipe: falls back to splice" { sendfile_unsupported ENOTTY; }
@test "sendfile EACCES at once, file to pipe: falls back to splice" { sendfile_unsupported EACCES; }
@test "sendfile ENOENT at once, file to pipe: falls back to splice" { sendfile_unsupported ENOENT; }
@test "sendfile EFBIG at once, file to pipe: falls back to splice" { sendfile_unsupported EFBIG; }

@test "sendfile EINVAL at once, file to socket: falls back to readwrite" {
	# The default ladder reads and writes into a socket (it measured
	# faster); a --method list puts sendfile first.
	run --separate-stderr fkcp_tosocket "sendfile:EINVAL" \
	    --method=sendfile,readwrite -v a -
	succeeded
	cmp a out
	fired sendfile
	assert_equal "$(msgs)" ""
	assert_equal "$(vline)" \
	    "kcp: 'a' -> '-': $SIZE bytes in T s via readwrite (sendfile: EINVAL)"
}

@test "sendfile ENOSYS after copy_file_range EXDEV, file to file: falls back to readwrite" {
	run --separate-stderr fkcp "copy_file_range:EXDEV;sendfile:ENOSYS" -v a b
	succeeded
	cmp a b
	fired copy_file_range
	fired sendfile
	assert_equal "$(msgs)" ""
	assert_equal "$(vline)" \
	    "kcp: 'a' -> 'b': $SIZE bytes in T s via readwrite (copy_file_range: EXDEV, sendfile: ENOSYS)"
}

splice_unsupported() {
	run --separate-stderr fkcp_frompipe "splice:$1" -v - b
	succeeded
	cmp a b
	fired splice
	assert_equal "$(msgs)" ""
	assert_equal "$(vline)" \
	    "kcp: '-' -> 'b': $SIZE bytes in T s via readwrite (splice: $1)"
}

@test "splice ENOSYS at once, pipe to file: falls back to readwrite" { splice_unsupported ENOSYS; }
@test "splice EXDEV at once, pipe to file: falls back to readwrite" { splice_unsupported EXDEV; }
@test "splice EINVAL at once, pipe to file: falls back to readwrite" { splice_unsupported EINVAL; }
@test "splice EPERM at once, pipe to file: falls back to readwrite" { splice_unsupported EPERM; }
@test "splice EOPNOTSUPP at once, pipe to file: falls back to readwrite" { splice_unsupported EOPNOTSUPP; }
@test "splice EBADF at once, pipe to file: falls back to readwrite" { splice_unsupported EBADF; }
@test "splice ETXTBSY at once, pipe to file: falls back to readwrite" { splice_unsupported ETXTBSY; }
@test "splice ENOTTY at once, pipe to file: falls back to readwrite" { splice_unsupported ENOTTY; }
@test "splice EACCES at once, pipe to file: falls back to readwrite" { splice_unsupported EACCES; }
@test "splice ENOENT at once, pipe to file: falls back to readwrite" { splice_unsupported ENOENT; }
@test "splice EFBIG at once, pipe to file: falls back to readwrite" { splice_unsupported EFBIG; }

@test "splice EINVAL on the way out of the internal pipe: the bytes taken are kept" {
	# /dev/zero to a file goes through the internal pipe: the first call
	# fills the pipe, the second, into 'b', fails.  (A --method list only
	# restricts the ladder, so file to file would never splice.)
	head -c "$SIZE" /dev/zero > zeros
	run --separate-stderr fkcp "splice:EINVAL:2" --method=splice,readwrite \
	    -v -l "$SIZE" /dev/zero b
	succeeded
	cmp zeros b
	fired splice
	assert_equal "$(msgs)" ""
	assert_equal "$(vline)" \
	    "kcp: '/dev/zero' -> 'b': $SIZE bytes in T s via readwrite (splice: EINVAL)"
}

# --- the same errnos once bytes have moved: a real error --------------------

AFTER=100000

cfr_after() {
	run --separate-stderr fkcp "copy_file_range:$1:after=$AFTER" -v a b
	failed_1
	fired copy_file_range
	holds_prefix b "$AFTER"
	assert_offload_error a b "$1"
	assert_equal "$(vline)" \
	    "kcp: 'a' -> 'b': $AFTER bytes in T s via copy_file_range, failed: $(strerror "$1")"
	no_retry
}

@test "copy_file_range ENOSYS after 100000 bytes: error, no retry" { cfr_after ENOSYS; }
@test "copy_file_range EXDEV after 100000 bytes: error, no retry" { cfr_after EXDEV; }
@test "copy_file_range EINVAL after 100000 bytes: error, no retry" { cfr_after EINVAL; }
@test "copy_file_range EPERM after 100000 bytes: error, no retry" { cfr_after EPERM; }
@test "copy_file_range EOPNOTSUPP after 100000 bytes: error, no retry" { cfr_after EOPNOTSUPP; }
@test "copy_file_range EBADF after 100000 bytes: error, no retry" { cfr_after EBADF; }
@test "copy_file_range ETXTBSY after 100000 bytes: error, no retry" { cfr_after ETXTBSY; }
@test "copy_file_range ENOTTY after 100000 bytes: error, no retry" { cfr_after ENOTTY; }
@test "copy_file_range EACCES after 100000 bytes: error, no retry" { cfr_after EACCES; }
@test "copy_file_range ENOENT after 100000 bytes: error, no retry" { cfr_after ENOENT; }
@test "copy_file_range EFBIG after 100000 bytes: error, no retry" { cfr_after EFBIG; }

sendfile_after() {
	run --separate-stderr fkcp_topipe "sendfile:$1:after=$AFTER" -v a -
	failed_1
	fired sendfile
	holds_prefix out "$AFTER"
	assert_offload_error a - "$1"
	assert_equal "$(vline)" \
	    "kcp: 'a' -> '-': $AFTER bytes in T s via sendfile, failed: $(strerror "$1")"
	no_retry
}

@test "sendfile ENOSYS after 100000 bytes, file to pipe: error, no retry" { sendfile_after ENOSYS; }
@test "sendfile EXDEV after 100000 bytes, file to pipe: error, no retry" { sendfile_after EXDEV; }
@test "sendfile EINVAL after 100000 bytes, file to pipe: error, no retry" { sendfile_after EINVAL; }
@test "sendfile EPERM after 100000 bytes, file to pipe: error, no retry" { sendfile_after EPERM; }
@test "sendfile EOPNOTSUPP after 100000 bytes, file to pipe: error, no retry" { sendfile_after EOPNOTSUPP; }
@test "sendfile EBADF after 100000 bytes, file to pipe: error, no retry" { sendfile_after EBADF; }
@test "sendfile ETXTBSY after 100000 bytes, file to pipe: error, no retry" { sendfile_after ETXTBSY; }
@test "sendfile ENOTTY after 100000 bytes, file to pipe: error, no retry" { sendfile_after ENOTTY; }
@test "sendfile EACCES after 100000 bytes, file to pipe: error, no retry" { sendfile_after EACCES; }
@test "sendfile ENOENT after 100000 bytes, file to pipe: error, no retry" { sendfile_after ENOENT; }
@test "sendfile EFBIG after 100000 bytes, file to pipe: error, no retry" { sendfile_after EFBIG; }

splice_after() {
	run --separate-stderr fkcp_frompipe "splice:$1:after=$AFTER" -v - b
	failed_1
	fired splice
	holds_prefix b "$AFTER"
	assert_offload_error - b "$1"
	assert_equal "$(vline)" \
	    "kcp: '-' -> 'b': $AFTER bytes in T s via splice, failed: $(strerror "$1")"
	no_retry
}

@test "splice ENOSYS after 100000 bytes, pipe to file: error, no retry" { splice_after ENOSYS; }
@test "splice EXDEV after 100000 bytes, pipe to file: error, no retry" { splice_after EXDEV; }
@test "splice EINVAL after 100000 bytes, pipe to file: error, no retry" { splice_after EINVAL; }
@test "splice EPERM after 100000 bytes, pipe to file: error, no retry" { splice_after EPERM; }
@test "splice EOPNOTSUPP after 100000 bytes, pipe to file: error, no retry" { splice_after EOPNOTSUPP; }
@test "splice EBADF after 100000 bytes, pipe to file: error, no retry" { splice_after EBADF; }
@test "splice ETXTBSY after 100000 bytes, pipe to file: error, no retry" { splice_after ETXTBSY; }
@test "splice ENOTTY after 100000 bytes, pipe to file: error, no retry" { splice_after ENOTTY; }
@test "splice EACCES after 100000 bytes, pipe to file: error, no retry" { splice_after EACCES; }
@test "splice ENOENT after 100000 bytes, pipe to file: error, no retry" { splice_after ENOENT; }
@test "splice EFBIG after 100000 bytes, pipe to file: error, no retry" { splice_after EFBIG; }

@test "the probe cache does not hide an error after bytes: ENOSYS mid-copy, then a second file" {
	# ENOSYS after bytes moved is an error for that copy; the next
	# source is still copied, and exit status is 1.
	cp a c
	mkdir d
	run --separate-stderr fkcp "copy_file_range:ENOSYS:after=$AFTER" a c d
	failed_1
	holds_prefix d/a "$AFTER"
	cmp a d/c
	assert_offload_error a d/a ENOSYS
}

# --- terminal errnos at the first call: an error, never a fallback ----------

# The -v line of a copy that failed before moving a byte: 0 bytes, the
# error, and no method but the one that failed (or none).
assert_failed_at_once() {	# SRC DEST METHOD ERRNO
	assert_regex "$(vline)" \
	    "^kcp: '$1' -> '$2': 0 bytes in T s via ($3|none), failed: $(strerror "$4")\$"
}

cfr_terminal() {
	run --separate-stderr fkcp "copy_file_range:$1" -v a b
	failed_1
	fired copy_file_range
	holds_prefix b 0
	assert_offload_error a b "$1"
	assert_failed_at_once a b copy_file_range "$1"
	no_retry
}

@test "copy_file_range EIO at once: error, no fallback" { cfr_terminal EIO; }
@test "copy_file_range ENOSPC at once: error, no fallback" { cfr_terminal ENOSPC; }
@test "copy_file_range EDQUOT at once: error, no fallback" { cfr_terminal EDQUOT; }
@test "copy_file_range ENOMEM at once: error, no fallback" { cfr_terminal ENOMEM; }

sendfile_terminal() {
	run --separate-stderr fkcp_topipe "sendfile:$1" -v a -
	failed_1
	fired sendfile
	holds_prefix out 0
	assert_offload_error a - "$1"
	assert_failed_at_once a - sendfile "$1"
	no_retry
}

@test "sendfile EIO at once, file to pipe: error, no fallback" { sendfile_terminal EIO; }
@test "sendfile ENOSPC at once, file to pipe: error, no fallback" { sendfile_terminal ENOSPC; }
@test "sendfile EDQUOT at once, file to pipe: error, no fallback" { sendfile_terminal EDQUOT; }
@test "sendfile ENOMEM at once, file to pipe: error, no fallback" { sendfile_terminal ENOMEM; }

splice_terminal() {
	run --separate-stderr fkcp_frompipe "splice:$1" -v - b
	failed_1
	fired splice
	holds_prefix b 0
	assert_offload_error - b "$1"
	assert_failed_at_once - b splice "$1"
	no_retry
}

@test "splice EIO at once, pipe to file: error, no fallback" { splice_terminal EIO; }
@test "splice ENOSPC at once, pipe to file: error, no fallback" { splice_terminal ENOSPC; }
@test "splice EDQUOT at once, pipe to file: error, no fallback" { splice_terminal EDQUOT; }
@test "splice ENOMEM at once, pipe to file: error, no fallback" { splice_terminal ENOMEM; }

# --- EOVERFLOW: fall back keeping the bytes already moved --------------------

@test "copy_file_range EOVERFLOW after 100000 bytes: sendfile continues" {
	run --separate-stderr fkcp "copy_file_range:EOVERFLOW:after=$AFTER" -v a b
	succeeded
	cmp a b
	fired copy_file_range
	assert_equal "$(msgs)" ""
	assert_equal "$(vline)" \
	    "kcp: 'a' -> 'b': $SIZE bytes in T s via copy_file_range $AFTER, sendfile $((SIZE - AFTER)) (copy_file_range: EOVERFLOW)"
}

@test "copy_file_range EOVERFLOW after 100000 bytes with --skip, --seek, --length: offsets kept" {
	printf 'x%.0s' $(seq 5000) >b
	run --separate-stderr fkcp "copy_file_range:EOVERFLOW:after=$AFTER" \
	    --skip=1000 --seek=3000 --length=250000 --no-truncate -v a b
	succeeded
	fired copy_file_range
	assert_equal "$(stat -c %s b)" 253000
	cmp -n 3000 b <(printf 'x%.0s' $(seq 3000))
	cmp -n 250000 -i 1000:3000 a b
	assert_equal "$(vline)" \
	    "kcp: 'a' -> 'b': 250000 bytes in T s via copy_file_range $AFTER, sendfile $((250000 - AFTER)) (copy_file_range: EOVERFLOW)"
}

@test "copy_file_range EOVERFLOW at once: falls back to sendfile" {
	run --separate-stderr fkcp "copy_file_range:EOVERFLOW" -v a b
	succeeded
	cmp a b
	fired copy_file_range
	assert_equal "$(vline)" \
	    "kcp: 'a' -> 'b': $SIZE bytes in T s via sendfile (copy_file_range: EOVERFLOW)"
}

@test "sendfile EOVERFLOW after 100000 bytes, file to file: readwrite continues" {
	run --separate-stderr fkcp \
	    "copy_file_range:EXDEV;sendfile:EOVERFLOW:after=$AFTER" -v a b
	succeeded
	cmp a b
	fired sendfile
	assert_equal "$(msgs)" ""
	assert_equal "$(vline)" \
	    "kcp: 'a' -> 'b': $SIZE bytes in T s via sendfile $AFTER, readwrite $((SIZE - AFTER)) (copy_file_range: EXDEV, sendfile: EOVERFLOW)"
}

@test "sendfile EOVERFLOW after 100000 bytes with --skip and --seek: offsets kept" {
	printf 'x%.0s' $(seq 5000) >b
	run --separate-stderr fkcp \
	    "copy_file_range:EXDEV;sendfile:EOVERFLOW:after=$AFTER" \
	    --skip=1000 --seek=3000 --no-truncate -v a b
	succeeded
	fired sendfile
	assert_equal "$(stat -c %s b)" $((SIZE - 1000 + 3000))
	cmp -n 3000 b <(printf 'x%.0s' $(seq 3000))
	cmp -i 1000:3000 a b
	assert_equal "$(vline)" \
	    "kcp: 'a' -> 'b': $((SIZE - 1000)) bytes in T s via sendfile $AFTER, readwrite $((SIZE - 1000 - AFTER)) (copy_file_range: EXDEV, sendfile: EOVERFLOW)"
}

@test "sendfile EOVERFLOW after 100000 bytes, file to pipe: splice continues" {
	run --separate-stderr fkcp_topipe "sendfile:EOVERFLOW:after=$AFTER" -v a -
	succeeded
	cmp a out
	fired sendfile
	assert_equal "$(vline)" \
	    "kcp: 'a' -> '-': $SIZE bytes in T s via sendfile $AFTER, splice $((SIZE - AFTER)) (sendfile: EOVERFLOW)"
}

@test "splice EOVERFLOW after 100000 bytes, pipe to file: readwrite continues" {
	run --separate-stderr fkcp_frompipe "splice:EOVERFLOW:after=$AFTER" -v - b
	succeeded
	cmp a b
	fired splice
	assert_equal "$(vline)" \
	    "kcp: '-' -> 'b': $SIZE bytes in T s via splice $AFTER, readwrite $((SIZE - AFTER)) (splice: EOVERFLOW)"
}

# --- copy_file_range returning 0 before any byte ----------------------------

@test "copy_file_range returning 0 at once on a non-empty file: falls back" {
	run --separate-stderr fkcp "copy_file_range:zero" -v a b
	succeeded
	cmp a b
	fired copy_file_range
	assert_equal "$(msgs)" ""
	assert_equal "$(vline)" \
	    "kcp: 'a' -> 'b': $SIZE bytes in T s via sendfile (copy_file_range: ENODATA)"
}

@test "copy_file_range returning 0 at once with --skip: falls back at the offset" {
	run --separate-stderr fkcp "copy_file_range:zero" --skip=1234 -v a b
	succeeded
	cmp -i 1234:0 a b
	assert_equal "$(stat -c %s b)" $((SIZE - 1234))
	assert_equal "$(vline)" \
	    "kcp: 'a' -> 'b': $((SIZE - 1234)) bytes in T s via sendfile (copy_file_range: ENODATA)"
}

# --- short counts, EINTR and EAGAIN: the copy goes on ------------------------

# Run kcp through helper $1 with rules $2 and arguments; the copy must
# succeed with method $3 alone and the data land in file $4.
goes_on() {	# RUNNER RULES METHOD DESTFILE ARGS...
	local runner=$1 rules=$2 method=$3 dest=$4 src dst

	shift 4
	run --separate-stderr "$runner" "$rules" -v "$@"
	succeeded
	cmp a "$dest"
	src=${*: -2:1}
	dst=${*: -1}
	assert_equal "$(msgs)" ""
	assert_equal "$(vline)" \
	    "kcp: '$src' -> '$dst': $SIZE bytes in T s via $method"
}

@test "copy_file_range short counts: continues" {
	goes_on fkcp "copy_file_range:short=70001:always" copy_file_range b a b
	fired copy_file_range
	[ "$(calls copy_file_range)" -ge 5 ]
}

@test "copy_file_range EINTR once: restarts" {
	goes_on fkcp "copy_file_range:EINTR" copy_file_range b a b
	fired copy_file_range
}

@test "copy_file_range EAGAIN once: retries" {
	goes_on fkcp "copy_file_range:EAGAIN" copy_file_range b a b
	fired copy_file_range
}

@test "sendfile short counts, file to pipe: continues" {
	goes_on fkcp_topipe "sendfile:short=70001:always" sendfile out a -
	fired sendfile
	[ "$(calls sendfile)" -ge 5 ]
}

@test "sendfile EINTR once, file to pipe: restarts" {
	goes_on fkcp_topipe "sendfile:EINTR" sendfile out a -
	fired sendfile
}

@test "sendfile EAGAIN once, file to pipe: retries" {
	goes_on fkcp_topipe "sendfile:EAGAIN" sendfile out a -
	fired sendfile
}

@test "sendfile short counts, file to file: continues at the right offsets" {
	goes_on fkcp "copy_file_range:EXDEV:always;sendfile:short=70001:always" \
	    "sendfile (copy_file_range: EXDEV)" b a b
	fired sendfile
	[ "$(calls sendfile)" -ge 5 ]
}

@test "sendfile EINTR once, file to socket: restarts" {
	goes_on fkcp_tosocket "sendfile:EINTR" sendfile out \
	    --method=sendfile,readwrite a -
	fired sendfile
}

@test "sendfile EAGAIN once, file to socket: retries" {
	goes_on fkcp_tosocket "sendfile:EAGAIN" sendfile out \
	    --method=sendfile,readwrite a -
	fired sendfile
}

@test "splice short counts, pipe to file: continues" {
	goes_on fkcp_frompipe "splice:short=7001:always" splice b - b
	fired splice
	[ "$(calls splice)" -ge 10 ]
}

@test "splice EINTR once, pipe to file: restarts" {
	goes_on fkcp_frompipe "splice:EINTR" splice b - b
	fired splice
}

@test "splice EAGAIN once, pipe to file: retries" {
	goes_on fkcp_frompipe "splice:EAGAIN" splice b - b
	fired splice
}

@test "splice short counts through the internal pipe: continues" {
	goes_on fkcp "splice:short=7001:always" splice b --method=splice a b
	fired splice
	[ "$(calls splice)" -ge 20 ]
}

@test "splice EINTR once on each side of the internal pipe: restarts" {
	goes_on fkcp "splice:EINTR;splice:EINTR:3" splice b --method=splice a b
	[ "$(grep -c '^splice .* injected$' "$LOG")" -eq 2 ]
}

@test "splice EAGAIN once on each side of the internal pipe: retries" {
	goes_on fkcp "splice:EAGAIN;splice:EAGAIN:3" splice b --method=splice a b
	[ "$(grep -c '^splice .* injected$' "$LOG")" -eq 2 ]
}

# A regular SOURCE and DEST are read and written by offset (pread/pwrite)
# or at the descriptor's offset (read/write): a rule for each, so that
# whichever kcp uses meets the fault.

@test "read short counts, readwrite file to file: continues" {
	goes_on fkcp "read:short=7001:always;pread:short=7001:always" \
	    readwrite b --method=readwrite a b
	grep -q ' injected$' "$LOG"
}

@test "read EINTR once, readwrite file to file: restarts" {
	goes_on fkcp "read:EINTR;pread:EINTR" readwrite b --method=readwrite a b
	grep -q ' injected$' "$LOG"
}

@test "read EAGAIN once, readwrite file to file: retries" {
	goes_on fkcp "read:EAGAIN;pread:EAGAIN" readwrite b --method=readwrite a b
	grep -q ' injected$' "$LOG"
}

@test "write short counts, readwrite file to file: continues" {
	goes_on fkcp "write:short=7001:always;pwrite:short=7001:always" \
	    readwrite b --method=readwrite a b
	grep -q ' injected$' "$LOG"
}

@test "write EINTR once, readwrite file to file: restarts" {
	goes_on fkcp "write:EINTR;pwrite:EINTR" readwrite b --method=readwrite a b
	grep -q ' injected$' "$LOG"
}

@test "write EAGAIN once, readwrite file to file: retries" {
	goes_on fkcp "write:EAGAIN;pwrite:EAGAIN" readwrite b --method=readwrite a b
	grep -q ' injected$' "$LOG"
}

@test "read short counts, readwrite pipe to pipe: continues" {
	goes_on fkcp_pipes "read:short=7001:always:fd=0" readwrite out \
	    --method=readwrite - -
	fired read
}

@test "read EINTR once, readwrite pipe to pipe: restarts" {
	goes_on fkcp_pipes "read:EINTR:fd=0" readwrite out --method=readwrite - -
	fired read
}

@test "read EAGAIN once, readwrite pipe to pipe: retries" {
	goes_on fkcp_pipes "read:EAGAIN:fd=0" readwrite out --method=readwrite - -
	fired read
}

@test "write short counts, readwrite pipe to pipe: continues" {
	goes_on fkcp_pipes "write:short=7001:always:fd=1" readwrite out \
	    --method=readwrite - -
	fired write
}

@test "write EINTR once, readwrite pipe to pipe: restarts" {
	goes_on fkcp_pipes "write:EINTR:fd=1" readwrite out --method=readwrite - -
	fired write
}

@test "write EAGAIN once, readwrite pipe to pipe: retries" {
	goes_on fkcp_pipes "write:EAGAIN:fd=1" readwrite out --method=readwrite - -
	fired write
}

# --- a single --method: no last resort ---------------------------------------

@test "--method=copy_file_range with copy_file_range EXDEV: error naming the method" {
	run --separate-stderr fkcp "copy_file_range:EXDEV" --method=copy_file_range a b
	failed_1
	fired copy_file_range
	assert_equal "$stderr" \
	    "kcp: cannot copy 'a' to 'b' with copy_file_range: Invalid cross-device link (EXDEV)"
	holds_prefix b 0
	no_retry
}

@test "--method=copy_file_range with copy_file_range returning 0 at once: error" {
	run --separate-stderr fkcp "copy_file_range:zero" --method=copy_file_range a b
	failed_1
	fired copy_file_range
	assert_equal "$stderr" \
	    "kcp: cannot copy 'a' to 'b' with copy_file_range: No data available (ENODATA)"
	no_retry
}

@test "--method=sendfile with sendfile EINVAL: error naming the method" {
	run --separate-stderr fkcp "sendfile:EINVAL" --method=sendfile a b
	failed_1
	fired sendfile
	assert_equal "$stderr" \
	    "kcp: cannot copy 'a' to 'b' with sendfile: Invalid argument (EINVAL)"
	no_retry
}

@test "--method=splice with splice ENOSYS, pipe to file: error naming the method" {
	run --separate-stderr fkcp_frompipe "splice:ENOSYS" --method=splice - b
	failed_1
	fired splice
	assert_equal "$stderr" \
	    "kcp: cannot copy '-' to 'b' with splice: Function not implemented (ENOSYS)"
	holds_prefix b 0
	no_retry
}

@test "--method=copy_file_range,sendfile both refused: readwrite is the last resort" {
	run --separate-stderr fkcp "copy_file_range:EXDEV;sendfile:EINVAL" \
	    --method=copy_file_range,sendfile -v a b
	succeeded
	cmp a b
	assert_equal "$(vline)" \
	    "kcp: 'a' -> 'b': $SIZE bytes in T s via readwrite (copy_file_range: EXDEV, sendfile: EINVAL)"
}

# --- the probe cache: ENOSYS or EPERM disables a call for the run ------------

@test "copy_file_range ENOSYS once: not called again for the next source" {
	mkdata 5000 c
	mkdir d
	run --separate-stderr fkcp "copy_file_range:ENOSYS" -v a c d
	succeeded
	cmp a d/a
	cmp c d/c
	assert_equal "$(calls copy_file_range)" 1
	assert_equal "$(vline)" \
	    "kcp: 'a' -> 'd/a': $SIZE bytes in T s via sendfile (copy_file_range: ENOSYS)
kcp: 'c' -> 'd/c': 5000 bytes in T s via sendfile"
}

@test "copy_file_range EPERM once (seccomp): not called again for the next source" {
	mkdata 5000 c
	mkdir d
	run --separate-stderr fkcp "copy_file_range:EPERM" -v a c d
	succeeded
	cmp a d/a
	cmp c d/c
	assert_equal "$(calls copy_file_range)" 1
	assert_equal "$(vline)" \
	    "kcp: 'a' -> 'd/a': $SIZE bytes in T s via sendfile (copy_file_range: EPERM)
kcp: 'c' -> 'd/c': 5000 bytes in T s via sendfile"
}

@test "copy_file_range EXDEV once: still tried for the next source" {
	mkdata 5000 c
	mkdir d
	run --separate-stderr fkcp "copy_file_range:EXDEV" -v a c d
	succeeded
	cmp a d/a
	cmp c d/c
	[ "$(calls copy_file_range)" -ge 2 ]
	assert_equal "$(vline)" \
	    "kcp: 'a' -> 'd/a': $SIZE bytes in T s via sendfile (copy_file_range: EXDEV)
kcp: 'c' -> 'd/c': 5000 bytes in T s via copy_file_range"
}

@test "sendfile ENOSYS once: not called again for the next source" {
	mkdata 5000 c
	mkdir d
	run --separate-stderr fkcp "copy_file_range:EXDEV:always;sendfile:ENOSYS" \
	    -v a c d
	succeeded
	cmp a d/a
	cmp c d/c
	assert_equal "$(calls sendfile)" 1
	assert_equal "$(vline)" \
	    "kcp: 'a' -> 'd/a': $SIZE bytes in T s via readwrite (copy_file_range: EXDEV, sendfile: ENOSYS)
kcp: 'c' -> 'd/c': 5000 bytes in T s via readwrite (copy_file_range: EXDEV)"
}

# --- read and write errors on the readwrite path -----------------------------

@test "read EIO, --method=readwrite: error reading SOURCE" {
	run --separate-stderr fkcp "read:EIO;pread:EIO" --method=readwrite -v a b
	failed_1
	grep -q ' injected$' "$LOG"
	holds_prefix b 0
	assert_equal "$(msgs)" "kcp: error reading 'a': Input/output error"
	assert_failed_at_once a b readwrite EIO
	no_retry
}

@test "write ENOSPC, --method=readwrite: error writing DEST" {
	run --separate-stderr fkcp "write:ENOSPC;pwrite:ENOSPC" --method=readwrite -v a b
	failed_1
	grep -q ' injected$' "$LOG"
	holds_prefix b 0
	assert_equal "$(msgs)" "kcp: error writing 'b': No space left on device"
	assert_failed_at_once a b readwrite ENOSPC
	no_retry
}

@test "write EDQUOT, --method=readwrite: error writing DEST" {
	run --separate-stderr fkcp "write:EDQUOT;pwrite:EDQUOT" --method=readwrite a b
	failed_1
	grep -q ' injected$' "$LOG"
	assert_equal "$stderr" "kcp: error writing 'b': Disk quota exceeded"
	no_retry
}

@test "write EIO, --method=readwrite: error writing DEST, not reading" {
	run --separate-stderr fkcp "write:EIO;pwrite:EIO" --method=readwrite a b
	failed_1
	grep -q ' injected$' "$LOG"
	assert_equal "$stderr" "kcp: error writing 'b': Input/output error"
	no_retry
}

@test "read EIO after 100000 bytes, --method=readwrite: the bytes before stay" {
	run --separate-stderr fkcp "read:EIO:after=$AFTER;pread:EIO:after=$AFTER" \
	    --method=readwrite -v a b
	failed_1
	grep -q ' injected$' "$LOG"
	holds_prefix b "$AFTER"
	assert_equal "$(msgs)" "kcp: error reading 'a': Input/output error"
	assert_equal "$(vline)" \
	    "kcp: 'a' -> 'b': $AFTER bytes in T s via readwrite, failed: Input/output error"
}

@test "read EIO from a pipe, readwrite: error reading '-'" {
	run --separate-stderr fkcp_frompipe "read:EIO:fd=0" --method=readwrite - b
	failed_1
	fired read
	assert_equal "$stderr" "kcp: error reading '-': Input/output error"
	holds_prefix b 0
}

@test "write ENOSPC into a pipe, readwrite: error writing '-'" {
	run --separate-stderr fkcp_pipes "write:ENOSPC:fd=1" --method=readwrite - -
	failed_1
	fired write
	assert_equal "$stderr" "kcp: error writing '-': No space left on device"
}

@test "read EIO in the default ladder, pipe to file after splice EINVAL: error reading '-'" {
	run --separate-stderr fkcp_frompipe "splice:EINVAL;read:EIO:fd=0" -v - b
	failed_1
	fired splice
	fired read
	assert_equal "$(msgs)" "kcp: error reading '-': Input/output error"
	assert_equal "$(vline)" \
	    "kcp: '-' -> 'b': 0 bytes in T s via readwrite (splice: EINVAL), failed: Input/output error"
}

# --- non-blocking descriptors: waited on with poll, never spun on ------------

@test "non-blocking pipe SOURCE, splice EAGAIN then poll EINTR: waits and restarts" {
	run --separate-stderr fkcp_nb_frompipe "splice:EAGAIN;poll:EINTR" -v - b
	succeeded
	cmp a b
	fired splice
	fired poll
	[ "$(calls poll)" -ge 2 ]
	assert_equal "$(vline)" "kcp: '-' -> 'b': $SIZE bytes in T s via splice"
}

@test "non-blocking pipe SOURCE, readwrite, read EAGAIN then poll EINTR: waits and restarts" {
	run --separate-stderr fkcp_nb_frompipe "read:EAGAIN:fd=0;poll:EINTR" \
	    --method=readwrite -v - b
	succeeded
	cmp a b
	fired read
	fired poll
	assert_equal "$(vline)" "kcp: '-' -> 'b': $SIZE bytes in T s via readwrite"
}

@test "non-blocking pipe DEST with a slow reader: waits with poll, no busy loop" {
	# Bigger than the pipe, even one kcp has enlarged.
	mkdata 3000000 big
	run --separate-stderr fkcp_nb_toslowpipe "" -v big -
	succeeded
	cmp big out
	[ "$(calls poll)" -ge 1 ] || fail "no poll: $(cat "$LOG")"
	# A second of spinning on EAGAIN would be many thousands of calls.
	[ "$(wc -l <"$LOG")" -lt 500 ] || fail "$(wc -l <"$LOG") calls: busy loop"
	assert_equal "$(vline)" "kcp: 'big' -> '-': 3000000 bytes in T s via sendfile"
}
