#!/usr/bin/env bats
# Full and failing storage, a SOURCE that changes, and safe new files.
#
# Really full storage (ENOSPC, EDQUOT, EFBIG) and injected EIO on every
# path, a SOURCE that changes under the copy, and the security rules for
# new files, -n and DEST symlinks (kcp(1), Semantics and THE METHOD
# LADDER).
#
# Full storage is a small tmpfs mounted under $BATS_TEST_TMPDIR (root
# only; skipped with the reason otherwise) and always unmounted in
# teardown.  Every copy that could hang runs under `timeout 20`, so a hang
# shows as status 124 and fails the test.  The LD_PRELOAD shim is put into
# kcp only (an ASan-built shim cannot load into other programs), and kcp
# runs under strace with LeakSanitizer off (it cannot work under ptrace).

load helpers/test_helper
bats_require_minimum_version 1.5.0

export KCP

setup_file() {
	export SRC4="$BATS_FILE_TMPDIR/src4"
	head -c 4194304 /dev/urandom >"$SRC4"
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	MNT=
	BGPIDS=()
}

# LeakSanitizer cannot work under ptrace: kcp from an ASan build run by
# strace must not try (no effect on other builds).
strace() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    command strace "$@"
}
export -f strace

teardown() {
	local p
	for p in "${BGPIDS[@]}"; do
		kill "$p" 2>/dev/null || :
	done
	for p in "${BGPIDS[@]}"; do
		wait "$p" 2>/dev/null || :
	done
	cd /
	if [ -n "$MNT" ] && mountpoint -q "$MNT"; then
		umount "$MNT" 2>/dev/null || umount -l "$MNT"
	fi
	return 0
}

# mount_tmpfs SIZE: a fresh tmpfs of SIZE at $MNT, or skip without root.
mount_tmpfs() {
	[ "$(id -u)" = 0 ] || skip "mounting a tmpfs needs root"
	MNT=$BATS_TEST_TMPDIR/mnt
	mkdir -p "$MNT"
	mount -t tmpfs -o "size=$1" tmpfs "$MNT" ||
	    skip "cannot mount a tmpfs here (mount -t tmpfs failed)"
}

# Fail if the call log shows any of the named functions.
no_calls() {
	local f
	for f in "$@"; do
		if grep -q "^$f " calls; then
			echo "a terminal error was answered with $f:" >&2
			cat calls >&2
			return 1
		fi
	done
}

# The full-disk outcome: status 1 within the time limit, the one message,
# and DEST holding a correct prefix of SOURCE no longer than the disk.
# Usage: expect_enospc SOURCE DEST-AS-NAMED
expect_enospc() {
	local src=$1 dst=$2
	assert_equal "$status" 1
	assert_equal "$stderr" "kcp: error writing '$dst': No space left on device"
	if [ -f "$dst" ]; then
		local n
		n=$(stat -c %s "$dst")
		[ "$n" -le 1048576 ]
		cmp -n "$n" "$src" "$dst"
	fi
}

# ------------------------------------------------------------ full storage

@test "full tmpfs: file to file, default ladder (offload): error writing" {
	mount_tmpfs 1m
	run --separate-stderr timeout 20 "$KCP" "$SRC4" "$MNT/out"
	expect_enospc "$SRC4" "$MNT/out"
}

@test "full tmpfs: file to file on the same tmpfs (copy_file_range)" {
	mount_tmpfs 5m
	head -c 3145728 "$SRC4" >"$MNT/src"
	run --separate-stderr timeout 20 "$KCP" -vv "$MNT/src" "$MNT/out"
	assert_equal "$status" 1
	# -vv: decision lines, then the message, then the -v line.
	assert_equal "${stderr_lines[-2]}" "kcp: error writing '$MNT/out': No space left on device"
	[[ "${stderr_lines[-1]}" == *" via copy_file_range, failed: No space left on device" ]]
	n=$(stat -c %s "$MNT/out")
	cmp -n "$n" "$MNT/src" "$MNT/out"
}

@test "full tmpfs: --method=readwrite" {
	mount_tmpfs 1m
	run --separate-stderr timeout 20 "$KCP" --method=readwrite "$SRC4" "$MNT/out"
	expect_enospc "$SRC4" "$MNT/out"
}

@test "full tmpfs: --method=sendfile" {
	mount_tmpfs 1m
	run --separate-stderr timeout 20 "$KCP" --method=sendfile "$SRC4" "$MNT/out"
	expect_enospc "$SRC4" "$MNT/out"
}

@test "full tmpfs: --method=splice (through the internal pipe)" {
	mount_tmpfs 1m
	run --separate-stderr timeout 20 "$KCP" --method=splice "$SRC4" "$MNT/out"
	expect_enospc "$SRC4" "$MNT/out"
}

@test "full tmpfs: --sparse=always (readwrite that makes holes)" {
	mount_tmpfs 1m
	run --separate-stderr timeout 20 "$KCP" --sparse=always "$SRC4" "$MNT/out"
	expect_enospc "$SRC4" "$MNT/out"
}

@test "full tmpfs: pipe input (splice)" {
	mount_tmpfs 1m
	run --separate-stderr bash -c \
	    'timeout 20 "$KCP" -v - "$1" < <(cat "$2")' _ "$MNT/out" "$SRC4"
	assert_equal "$status" 1
	assert_equal "${stderr_lines[0]}" "kcp: error writing '$MNT/out': No space left on device"
	[[ "${stderr_lines[1]}" == "kcp: '-' -> '$MNT/out': "*" via splice, failed: No space left on device" ]]
	n=$(stat -c %s "$MNT/out")
	cmp -n "$n" "$SRC4" "$MNT/out"
}

@test "full tmpfs: pipe input, --method=readwrite" {
	mount_tmpfs 1m
	run --separate-stderr bash -c \
	    'timeout 20 "$KCP" --method=readwrite - "$1" < <(cat "$2")' _ \
	    "$MNT/out" "$SRC4"
	expect_enospc "$SRC4" "$MNT/out"
}

@test "full tmpfs: /dev/zero without -l ends with ENOSPC, no hang" {
	mount_tmpfs 1m
	run --separate-stderr timeout 20 "$KCP" -v /dev/zero "$MNT/out"
	assert_equal "$status" 1
	assert_equal "${stderr_lines[0]}" "kcp: error writing '$MNT/out': No space left on device"
	[[ "${stderr_lines[1]}" =~ ^kcp:\ \'/dev/zero\'\ -\>\ \'$MNT/out\':\ ([0-9]+)\ bytes ]]
	assert_equal "${BASH_REMATCH[1]}" "$(stat -c %s "$MNT/out")"
}

@test "full tmpfs: /dev/zero --method=readwrite" {
	mount_tmpfs 1m
	run --separate-stderr timeout 20 "$KCP" --method=readwrite /dev/zero "$MNT/out"
	assert_equal "$status" 1
	assert_equal "$stderr" "kcp: error writing '$MNT/out': No space left on device"
}

@test "full tmpfs: standard output on a full disk: error writing '-'" {
	mount_tmpfs 1m
	run --separate-stderr bash -c 'timeout 20 "$KCP" "$1" - >"$2"' _ \
	    "$SRC4" "$MNT/out"
	assert_equal "$status" 1
	assert_equal "$stderr" "kcp: error writing '-': No space left on device"
}

@test "full tmpfs: --atomic fails and leaves nothing behind" {
	mount_tmpfs 1m
	run --separate-stderr timeout 20 "$KCP" --atomic "$SRC4" "$MNT/out"
	assert_equal "$status" 1
	assert_equal "$stderr" "kcp: error writing '$MNT/out': No space left on device"
	assert_equal "$(ls -A "$MNT")" ""
}

@test "full tmpfs: --atomic over an existing DEST keeps the old DEST" {
	mount_tmpfs 1m
	echo old >"$MNT/out"
	run --separate-stderr timeout 20 "$KCP" --atomic "$SRC4" "$MNT/out"
	assert_equal "$status" 1
	assert_equal "$(cat "$MNT/out")" old
	assert_equal "$(ls -A "$MNT")" out
}

@test "full tmpfs: dd operand mode reports the error and dd's counts" {
	mount_tmpfs 1m
	run --separate-stderr timeout 20 "$KCP" if="$SRC4" of="$MNT/out" bs=64K
	assert_equal "$status" 1
	assert_equal "${stderr_lines[0]}" "kcp: error writing '$MNT/out': No space left on device"
	[[ "${stderr_lines[1]}" =~ ^[0-9]+\+[01]\ records\ in$ ]]
	[[ "${stderr_lines[2]}" =~ ^[0-9]+\+[01]\ records\ out$ ]]
	[[ "${stderr_lines[3]}" == "$(stat -c %s "$MNT/out") bytes "* ]]
}

@test "small tmpfs: a 100 MiB sparse SOURCE with 512 KiB of data fits, every method" {
	mount_tmpfs 1m
	truncate -s 100M sp
	head -c 262144 "$SRC4" | dd of=sp conv=notrunc status=none
	tail -c 262144 "$SRC4" | dd of=sp bs=1M seek=99 conv=notrunc status=none
	for m in auto readwrite sendfile; do
		rm -f "$MNT/out"
		run --separate-stderr timeout 20 "$KCP" --method=$m sp "$MNT/out"
		assert_equal "$status" 0
		cmp sp "$MNT/out"
	done
}

@test "full tmpfs: a sparse SOURCE whose data does not fit: error writing" {
	mount_tmpfs 1m
	truncate -s 8M sp
	head -c 2097152 "$SRC4" | dd of=sp conv=notrunc status=none
	tail -c 2097152 "$SRC4" | dd of=sp bs=1M seek=6 conv=notrunc status=none
	run --separate-stderr timeout 20 "$KCP" sp "$MNT/out"
	expect_enospc sp "$MNT/out"
}

@test "quota exceeded (tmpfs usrquota, unprivileged user): error writing, EDQUOT" {
	[ "$(id -u)" = 0 ] || skip "mounting a tmpfs needs root"
	type -P setpriv >/dev/null || skip "setpriv (util-linux) not installed"
	MNT=$BATS_TEST_TMPDIR/mnt
	mkdir -p "$MNT"
	mount -t tmpfs -o size=16m,usrquota,usrquota_block_hardlimit=1m \
	    tmpfs "$MNT" 2>/dev/null || {
		MNT=
		skip "tmpfs has no quota support here (Linux 6.6+, CONFIG_TMPFS_QUOTA)"
	}
	# root is above quota limits: SOURCE and the binary are put there by
	# root, the copy is made by nobody.
	chmod 0777 "$MNT"
	cp "$SRC4" "$MNT/src"
	cp "$KCP" "$MNT/kcp"
	chmod 0644 "$MNT/src"
	chmod 0755 "$MNT/kcp"
	cd "$MNT"
	run --separate-stderr timeout 20 setpriv --reuid=65534 --regid=65534 \
	    --clear-groups ./kcp src out
	assert_equal "$status" 1
	assert_equal "$stderr" "kcp: error writing 'out': Disk quota exceeded"
	n=$(stat -c %s out)
	[ "$n" -le 1048576 ]
	cmp -n "$n" src out
}

@test "file size limit (RLIMIT_FSIZE, SIGXFSZ ignored): error writing, EFBIG" {
	run --separate-stderr bash -c \
	    'ulimit -f 1024; exec env --ignore-signal=XFSZ timeout 20 "$KCP" "$1" out' \
	    _ "$SRC4"
	assert_equal "$status" 1
	assert_equal "$stderr" "kcp: error writing 'out': File too large"
	assert_equal "$(stat -c %s out)" 1048576
	cmp -n 1048576 "$SRC4" out
}

@test "file size limit past --seek: every method says EFBIG, then the error" {
	run --separate-stderr bash -c \
	    'ulimit -f 1024; exec env --ignore-signal=XFSZ timeout 20 "$KCP" -v --seek=2M "$1" out' \
	    _ "$SRC4"
	assert_equal "$status" 1
	assert_equal "${stderr_lines[0]}" "kcp: error writing 'out': File too large"
	[[ "${stderr_lines[1]}" == *"failed: File too large" ]]
}

# ------------------------------------------------------------ EIO: no fallback

@test "EIO from copy_file_range is an error, not a fallback" {
	require_faultinj
	run --separate-stderr kcp_fault copy_file_range:EIO "$SRC4" out
	assert_equal "$status" 1
	assert_equal "$stderr" "kcp: error copying '$SRC4' to 'out': Input/output error"
	no_calls sendfile splice read pread write pwrite
}

@test "EIO from copy_file_range after 1 MiB moved: error, no other method" {
	require_faultinj
	run --separate-stderr kcp_fault copy_file_range:EIO:after=1048576 "$SRC4" out
	assert_equal "$status" 1
	assert_equal "$stderr" "kcp: error copying '$SRC4' to 'out': Input/output error"
	no_calls sendfile splice read pread write pwrite
	assert_equal "$(stat -c %s out)" 1048576
	cmp -n 1048576 "$SRC4" out
}

@test "EIO from sendfile (file to file) is an error, not a fallback" {
	require_faultinj
	run --separate-stderr kcp_fault sendfile:EIO --reflink=never "$SRC4" out
	assert_equal "$status" 1
	assert_equal "$stderr" "kcp: error copying '$SRC4' to 'out': Input/output error"
	no_calls splice read pread write pwrite
}

@test "EIO from sendfile into a pipe is an error, not a fallback" {
	require_faultinj
	run --separate-stderr bash -c \
	    'timeout 20 env LD_PRELOAD="$FAULTINJ" KCP_FAULT=sendfile:EIO KCP_FAULT_LOG="$PWD/calls" "$KCP" "$1" | cat >/dev/null; exit ${PIPESTATUS[0]}' \
	    _ "$SRC4"
	assert_equal "$status" 1
	assert_equal "$stderr" "kcp: error copying '$SRC4' to '-': Input/output error"
	no_calls splice read pread write pwrite
}

@test "EIO from splice of a pipe input is an error, not a fallback" {
	require_faultinj
	run --separate-stderr bash -c \
	    'timeout 20 env LD_PRELOAD="$FAULTINJ" KCP_FAULT=splice:EIO:2 KCP_FAULT_LOG="$PWD/calls" "$KCP" - out < <(cat "$1")' \
	    _ "$SRC4"
	assert_equal "$status" 1
	assert_equal "$stderr" "kcp: error copying '-' to 'out': Input/output error"
	no_calls read pread write pwrite
}

@test "EIO from read of a pipe input (readwrite): error reading" {
	require_faultinj
	run --separate-stderr bash -c \
	    'timeout 20 env LD_PRELOAD="$FAULTINJ" KCP_FAULT=read:EIO:fd=0:2 "$KCP" --method=readwrite - out < <(cat "$1")' \
	    _ "$SRC4"
	assert_equal "$status" 1
	assert_equal "$stderr" "kcp: error reading '-': Input/output error"
}

@test "EIO from pread (readwrite): error reading" {
	require_faultinj
	run --separate-stderr kcp_fault pread:EIO:2 --method=readwrite -B 64K "$SRC4" out
	assert_equal "$status" 1
	assert_equal "$stderr" "kcp: error reading '$SRC4': Input/output error"
	assert_equal "$(stat -c %s out)" 65536
}

@test "EIO from pwrite (readwrite): error writing" {
	require_faultinj
	run --separate-stderr kcp_fault pwrite:EIO --method=readwrite "$SRC4" out
	assert_equal "$status" 1
	assert_equal "$stderr" "kcp: error writing 'out': Input/output error"
}

@test "EIO from splice /dev/zero through the internal pipe: error" {
	require_faultinj
	run --separate-stderr kcp_fault splice:EIO --method=splice,readwrite -l 1M /dev/zero out
	assert_equal "$status" 1
	assert_equal "$stderr" "kcp: error copying '/dev/zero' to 'out': Input/output error"
	no_calls read pread write pwrite
}

# ------------------------------------------------------------ changing SOURCE

# start_throttled: kcp -v ARGS... in the background with every write to
# DEST slowed down by strace (DELAY microseconds each), so that the copy is
# surely in progress when the test changes SOURCE.  Sets KPID.
start_throttled() {
	local delay=$1
	shift
	type -P strace >/dev/null || skip "strace not installed"
	strace -f -qq -o /dev/null -e trace=pwrite64,write \
	    -e inject=pwrite64:delay_exit="$delay" \
	    "$KCP" "$@" 2>err 3>&- &
	KPID=$!
	BGPIDS+=("$KPID")
}


# wait_for PID SECONDS: wait for the process; status in $rc; fails past
# SECONDS.
wait_for() {
	local pid=$1 max=$2 i
	for ((i = 0; i < max * 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.01
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "process $pid still running after $max s" >&2
		return 1
	fi
	rc=0
	wait "$pid" || rc=$?
}

@test "SOURCE truncated during a readwrite copy: exit 0, DEST a shorter prefix" {
	head -c 64M /dev/urandom >src
	cp src orig
	start_throttled 20000 -v -B 64K --method=readwrite src out
	wait_size out 2097152
	truncate -s 1M src
	wait_for "$KPID" 20
	assert_equal "$rc" 0
	n=$(stat -c %s out)
	# Shorter than SOURCE was, at least what was copied before.
	[ "$n" -ge 2097152 ] && [ "$n" -lt 67108864 ]
	cmp -n "$n" orig out
	grep -q "^kcp: 'src' -> 'out': $n bytes in .* via readwrite$" err
}

@test "SOURCE truncated while sendfile feeds a slow pipe: exit 0, prefix" {
	head -c 64M /dev/urandom >src
	cp src orig
	# The reader takes 64 KiB every 20 ms: kcp waits on the full pipe.
	python3 -c '
import sys, time
out = open(sys.argv[1], "wb")
while True:
    b = sys.stdin.buffer.read(65536)
    if not b:
        break
    out.write(b)
    time.sleep(0.02)
' got < <("$KCP" -v --method=sendfile src 2>err; echo $? >status) 3>&- &
	RPID=$!
	BGPIDS+=("$RPID")
	wait_size got 1048576
	truncate -s 512K src
	wait_for "$RPID" 20
	assert_equal "$rc" 0
	wait_size status 1
	assert_equal "$(cat status)" 0
	n=$(stat -c %s got)
	[ "$n" -ge 1048576 ] && [ "$n" -lt 67108864 ]
	cmp -n "$n" orig got
	grep -q "^kcp: 'src' -> '-': $n bytes in .* via sendfile$" err
}

@test "SOURCE grown during the copy: exit 0, DEST a prefix of the new SOURCE" {
	head -c 16M /dev/urandom >src
	start_throttled 20000 -v -B 64K --method=readwrite src out
	wait_size out 1048576
	head -c 1M /dev/urandom >>src
	wait_for "$KPID" 30
	assert_equal "$rc" 0
	n=$(stat -c %s out)
	[ "$n" -ge 16777216 ] && [ "$n" -le 17825792 ]
	cmp -n "$n" src out
}

# ------------------------------------------------------------ security

@test "umask 077, SOURCE 0666: DEST created 0600 in the open itself, no chmod" {
	type -P strace >/dev/null || skip "strace not installed"
	echo data >src
	chmod 0666 src
	run --separate-stderr bash -c \
	    'umask 077; strace -qq -o trace -e trace=openat,open,creat,chmod,fchmod,fchmodat "$KCP" src out'
	assert_equal "$status" 0
	assert_equal "$(stat -c %a out)" 600
	# The open that creates DEST carries the mode; nothing changes it later.
	grep -E '"out", [^)]*O_CREAT[^)]*, 0666\)' trace
	run grep -E 'chmod|creat\(' trace
	assert_equal "$status" 1
}

@test "-p: a new DEST made with SOURCE's bits gets no chmod; one the umask cut gets its bits back" {
	type -P strace >/dev/null || skip "strace not installed"
	echo data >src
	chmod 0640 src
	run --separate-stderr bash -c \
	    'umask 022; strace -qq -o trace -e trace=chmod,fchmod,fchmodat "$KCP" -p src a'
	assert_equal "$status" 0
	assert_equal "$(stat -c %a a)" 640
	run grep -E 'chmod' trace
	assert_equal "$status" 1
	chmod 0666 src
	run --separate-stderr bash -c \
	    'umask 022; strace -qq -o trace -e trace=chmod,fchmod,fchmodat "$KCP" -p src b'
	assert_equal "$status" 0
	assert_equal "$(stat -c %a b)" 666
	grep -E 'fchmod\([0-9]+, 0666\)' trace
}

@test "new DEST: SOURCE bits under the umask, never setuid or sticky" {
	echo data >src
	chmod 04755 src
	(umask 022 && "$KCP" src a)
	assert_equal "$(stat -c %a a)" 755
	chmod 0640 src
	(umask 027 && "$KCP" src b)
	assert_equal "$(stat -c %a b)" 640
	chmod 0777 src
	(umask 077 && "$KCP" src c)
	assert_equal "$(stat -c %a c)" 700
}

@test "new DEST from a pipe: 0666 under the umask" {
	(umask 027 && echo data | "$KCP" - out)
	assert_equal "$(stat -c %a out)" 640
}

@test "existing DEST keeps its mode even when SOURCE is more open" {
	echo data >src
	chmod 0777 src
	echo old >out
	chmod 0600 out
	"$KCP" src out
	assert_equal "$(stat -c %a out)" 600
	assert_equal "$(cat out)" data
}

@test "--atomic new DEST: SOURCE bits under the umask, no chmod" {
	type -P strace >/dev/null || skip "strace not installed"
	echo data >src
	chmod 0666 src
	run --separate-stderr bash -c \
	    'umask 077; strace -qq -f -o trace -e trace=chmod,fchmod,fchmodat "$KCP" --atomic src out'
	assert_equal "$status" 0
	assert_equal "$(stat -c %a out)" 600
	run grep -E 'chmod' trace
	assert_equal "$status" 1
}

@test "-n opens DEST with O_EXCL: no window to race" {
	type -P strace >/dev/null || skip "strace not installed"
	echo new >src
	run --separate-stderr strace -qq -o trace -e trace=openat,open,creat "$KCP" -n src out
	assert_equal "$status" 0
	assert_equal "$(cat out)" new
	grep -E '"out", [^)]*O_CREAT\|O_EXCL' trace
	# No other open of DEST, no stat-then-open.
	assert_equal "$(grep -c '"out"' trace)" 1
}

@test "-n with an existing DEST: O_EXCL fails, DEST untouched, exit 0" {
	type -P strace >/dev/null || skip "strace not installed"
	echo new >src
	echo old >out
	run --separate-stderr strace -qq -o trace -e trace=openat,open,creat "$KCP" -n src out
	assert_equal "$status" 0
	assert_equal "$(cat out)" old
	grep -E '"out", [^)]*O_EXCL[^)]*\) = -1 EEXIST' trace
	assert_equal "$(grep -c '"out"' trace)" 1
}

@test "-n with a dangling DEST symlink: refused as cp -n does, nothing created" {
	echo new >src
	ln -s target out
	run --separate-stderr "$KCP" -n src out
	assert_equal "$status" 1
	assert_equal "$stderr" "kcp: not writing through dangling symlink 'out'"
	assert_file_not_exists target
	[ -L out ]
}

@test "DEST symlink is followed: the target is written, the link stays" {
	echo new >src
	echo old >target
	ln -s target out
	run --separate-stderr "$KCP" src out
	assert_equal "$status" 0
	[ -L out ]
	assert_equal "$(readlink out)" target
	assert_equal "$(cat target)" new
}

@test "dangling DEST symlink is refused; nothing created at its target" {
	echo new >src
	ln -s target out
	run --separate-stderr "$KCP" src out
	assert_equal "$status" 1
	assert_equal "$stderr" "kcp: not writing through dangling symlink 'out'"
	assert_file_not_exists target
	[ -L out ]
}

@test "dangling DEST symlink is refused with -f and with --atomic too" {
	echo new >src
	ln -s target out
	run --separate-stderr "$KCP" -f src out
	assert_equal "$status" 1
	assert_equal "$stderr" "kcp: not writing through dangling symlink 'out'"
	run --separate-stderr "$KCP" --atomic src out
	assert_equal "$status" 1
	assert_equal "$stderr" "kcp: not writing through dangling symlink 'out'"
	assert_file_not_exists target
	[ -L out ]
}

@test "dangling DEST symlink into a directory: refused, nothing created" {
	mkdir d
	echo new >src
	ln -s d/sub/file out
	run --separate-stderr "$KCP" src out
	assert_equal "$status" 1
	assert_file_not_exists d/sub
}

@test "same file through a hard link and a symlink: refused, file intact" {
	head -c 100000 /dev/urandom >f
	cp f orig
	ln f hard
	ln -s f soft
	run --separate-stderr "$KCP" f hard
	assert_equal "$status" 1
	assert_equal "$stderr" "kcp: 'f' and 'hard' are the same file"
	run --separate-stderr "$KCP" f soft
	assert_equal "$status" 1
	assert_equal "$stderr" "kcp: 'f' and 'soft' are the same file"
	cmp f orig
}

@test "same file as standard output (>>f): refused, file intact" {
	head -c 100000 /dev/urandom >f
	cp f orig
	run --separate-stderr bash -c '"$KCP" f - >>f'
	assert_equal "$status" 1
	assert_equal "$stderr" "kcp: 'f' and '-' are the same file"
	cmp f orig
}
