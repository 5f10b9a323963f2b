#!/usr/bin/env bats
# Fault-injection matrix: each kernel call on each path, times each errno.
#
# Every kernel call kcp makes on a path, driven by the LD_PRELOAD shim
# through each errno of the two lists of kcp(1), Falling back, at the
# first call and after bytes have moved, and through short counts, a zero
# return, EINTR and EAGAIN.  Each case ends either in the right bytes
# (cmp) or in exit 1 with the errno's message, and a terminal errno must
# never show up as a method that was left for another.  The last test
# prints how many cases ran.

load helpers/test_helper

UNSUP="ENOSYS EXDEV EINVAL EPERM EOPNOTSUPP EBADF ETXTBSY ENOTTY EACCES ENOENT EFBIG"
TERMINAL="EIO ENOSPC EDQUOT ENOMEM"

setup_file() {
	export SIZE=300000
	mkdata "$SIZE" "$BATS_FILE_TMPDIR/a"
	# A sparse SOURCE: holes at both ends and between two islands.
	python3 - "$BATS_FILE_TMPDIR/sp" <<'PY'
import sys
with open(sys.argv[1], "wb") as f:
    f.truncate(4 << 20)
    f.seek(1 << 20); f.write(b"\x5a" * 65536)
    f.seek(3 << 20); f.write(b"\xa5" * 65536)
PY
	: >"$BATS_FILE_TMPDIR/matrix"
}

setup() {
	[ -n "${FAULTINJ:-}" ] && [ -e "$FAULTINJ" ] ||
	    skip "no fault-injection shim (FAULTINJ)"
	cd "$BATS_TEST_TMPDIR"
	cp "$BATS_FILE_TMPDIR/a" a
	cp --sparse=always "$BATS_FILE_TMPDIR/sp" sp
}

# Run kcp under the shim on one path.  $1 path, $2 rules; the result is in
# 'b', the exit status in $rc, stderr in 'err'.
on_path() {
	local path=$1 rules=$2
	rm -f b err
	export KCP_FAULT=$rules
	rc=0
	case $path in
	copy_file_range)
		LD_PRELOAD=$FAULTINJ "$KCP" -v a b 2>err || rc=$? ;;
	sendfile)
		{ LD_PRELOAD=$FAULTINJ "$KCP" -v a 2>err || echo $? >rc; } |
		    cat >b ;;
	splice)
		cat a | { LD_PRELOAD=$FAULTINJ "$KCP" -v - b 2>err ||
		    echo $? >rc; } ;;
	read|write)
		cat a | { LD_PRELOAD=$FAULTINJ "$KCP" -v --method=readwrite \
		    2>err || echo $? >rc; } | cat >b ;;
	pread|pwrite)
		LD_PRELOAD=$FAULTINJ "$KCP" -v --method=readwrite a b 2>err ||
		    rc=$? ;;
	lseek)
		LD_PRELOAD=$FAULTINJ "$KCP" -v sp b 2>err || rc=$? ;;
	fallocate)
		# Over old bytes: SOURCE's holes must be punched (or zeroed).
		tr '\0' '\377' </dev/zero | head -c $((4 << 20)) >b
		LD_PRELOAD=$FAULTINJ "$KCP" -v --no-truncate sp b 2>err ||
		    rc=$? ;;
	esac
	# A stage of a pipeline left its status in 'rc'.
	if [ -e rc ]; then
		rc=$(cat rc)
		rm -f rc
	fi
	unset KCP_FAULT
}

# One case: $1 path, $2 rules, $3 expect (ok or fail), $4 errno for fail.
# Appends PASS or FAIL to the matrix file.
case_run() {
	local path=$1 rules=$2 expect=$3 e=${4:-} src=a why=""

	case $path in lseek|fallocate) src=sp ;; esac
	on_path "$path" "$rules"
	if [ "$expect" = ok ]; then
		[ "$rc" = 0 ] || why="exit $rc: $(head -c 300 err)"
		[ -z "$why" ] && ! cmp -s "$src" b && why="data differ"
	else
		[ "$rc" = 1 ] || why="exit $rc, wanted 1"
		[ -z "$why" ] && ! grep -qF "$(strerror "$e")" err &&
		    why="no '$(strerror "$e")' in: $(head -c 300 err)"
		# Terminal: never listed as a method left for another.
		[ -z "$why" ] && grep -E "^kcp: '.*' -> " err |
		    grep -qE "[a-z_]+: $e[,)]" && why="fell back: $(cat err)"
	fi
	if [ -z "$why" ]; then
		echo "PASS $path $rules" >>"$BATS_FILE_TMPDIR/matrix"
	else
		echo "FAIL $path $rules ($expect): $why" >>"$BATS_FILE_TMPDIR/matrix"
		echo "FAIL $path $rules ($expect): $why" >&2
		failed=1
	fi
}

# The standard rows for an offload call that falls back: $1 path/call.
offload_rows() {
	local c=$1 e
	failed=0
	for e in $UNSUP; do
		case_run "$c" "$c:$e" ok
		case_run "$c" "$c:$e:after=100000" fail "$e"
	done
	for e in $TERMINAL; do
		case_run "$c" "$c:$e" fail "$e"
		case_run "$c" "$c:$e:after=100000" fail "$e"
	done
	case_run "$c" "$c:EOVERFLOW" ok
	case_run "$c" "$c:EOVERFLOW:after=100000" ok
	case_run "$c" "$c:short:always" ok
	case_run "$c" "$c:EINTR" ok
	case_run "$c" "$c:EAGAIN" ok
	return "$failed"
}

# The rows for a call of the last resort (readwrite): every errno is an
# error there, at the first call and later.
lastresort_rows() {
	local c=$1 fd=$2 e
	failed=0
	for e in $UNSUP $TERMINAL EOVERFLOW; do
		case_run "$c" "$c:$e$fd" fail "$e"
		case_run "$c" "$c:$e:after=100000$fd" fail "$e"
	done
	case_run "$c" "$c:short:always$fd" ok
	case_run "$c" "$c:EINTR$fd" ok
	case_run "$c" "$c:EAGAIN$fd" ok
	return "$failed"
}

@test "fault matrix: copy_file_range (file to file)" {
	offload_rows copy_file_range
	case_run copy_file_range "copy_file_range:zero" ok
	[ "$failed" = 0 ]
}

@test "fault matrix: sendfile (file to pipe)" {
	offload_rows sendfile
	case_run sendfile "sendfile:zero" ok
	[ "$failed" = 0 ]
}

@test "fault matrix: splice (pipe to file)" {
	offload_rows splice
	[ "$failed" = 0 ]
}

@test "fault matrix: read (readwrite, pipe to pipe)" {
	lastresort_rows read ":fd=0"
}

@test "fault matrix: write (readwrite, pipe to pipe)" {
	lastresort_rows write ":fd=1"
}

@test "fault matrix: pread (readwrite, file to file)" {
	lastresort_rows pread ""
}

@test "fault matrix: pwrite (readwrite, file to file)" {
	lastresort_rows pwrite ""
}

@test "fault matrix: lseek SEEK_DATA/SEEK_HOLE (sparse SOURCE)" {
	local e
	failed=0
	for e in $UNSUP; do
		case_run lseek "lseek:$e" ok
		case_run lseek "lseek:$e:2" ok
	done
	for e in $TERMINAL EOVERFLOW; do
		case_run lseek "lseek:$e" fail "$e"
		case_run lseek "lseek:$e:2" fail "$e"
	done
	[ "$failed" = 0 ]
}

@test "fault matrix: fallocate (holes over an old DEST)" {
	local e
	failed=0
	for e in $UNSUP; do
		case_run fallocate "fallocate:$e" ok
		case_run fallocate "fallocate:$e:always" ok
	done
	for e in $TERMINAL; do
		case_run fallocate "fallocate:$e" fail "$e"
	done
	[ "$failed" = 0 ]
}

@test "fault matrix: summary" {
	local n p
	n=$(wc -l <"$BATS_FILE_TMPDIR/matrix")
	p=$(grep -c '^PASS' "$BATS_FILE_TMPDIR/matrix" || true)
	echo "# fault matrix: $n cases, $p passed" >&3
	[ "$n" -gt 0 ] || skip "no case ran"
	[ "$n" = "$p" ]
}
