#!/usr/bin/env bats
# Regular files: the Go standard library's size matrix with limited copies,
# truncation, new-file modes, cross-file-system copies, /proc and /sys files,
# empty files, several sources into a directory, -n and -f.

load helpers/test_helper
bats_require_minimum_version 1.5.0

export KCP

setup_file() {
	make_pool
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	if [ -n "${SHM:-}" ]; then
		rm -rf "$SHM"
	fi
	if [ -n "${BUSY_PID:-}" ]; then
		kill "$BUSY_PID" 2>/dev/null || true
		wait "$BUSY_PID" 2>/dev/null || true
	fi
}


# The Go matrix for one size N: a whole copy; limited copies of N-1, N/2
# and N+1 bytes from a file and from standard input, each checked against
# head -c; and after each limited copy from standard input, the rest of
# standard input is exactly what follows.
size_matrix() {
	local n=$1 l
	mkd "$n" src
	kcp src dst
	cmp src dst
	kcp - dst2 <src
	cmp src dst2
	for l in $((n - 1)) $((n / 2)) $((n + 1)); do
		head -c "$l" src >want
		tail -c "+$((l + 1))" src >want_rest
		rm -f dst
		kcp -l "$l" src dst || fail "kcp -l $l src dst failed"
		cmp want dst || fail "kcp -l $l src dst: wrong bytes"
		rm -f a rest
		{ kcp -l "$l" - a; cat >rest; } <src
		cmp want a || fail "kcp -l $l - a: wrong bytes"
		cmp want_rest rest || fail "kcp -l $l - a: stdin offset wrong"
		{ kcp -l "$l" - -; } <src >b
		cmp want b || fail "kcp -l $l - -: wrong bytes"
	done
}

# ------------------------------------------------------------- sizes

@test "size 1" {
	size_matrix 1
}

@test "size 42" {
	size_matrix 42
}

@test "size 1025" {
	size_matrix 1025
}

@test "size pagesize+1" {
	size_matrix "$(($(getconf PAGESIZE) + 1))"
}

@test "size 32769" {
	size_matrix 32769
}

@test "size 64 MiB" {
	size_matrix $((64 * 1024 * 1024))
}

@test "empty SOURCE: empty DEST created; existing DEST truncated" {
	: >empty
	run -0 --separate-stderr kcp empty new
	assert_equal "$stderr" ""
	assert_file_exists new
	assert_equal "$(stat -c %s new)" 0
	mkd 5000 old
	kcp empty old
	assert_equal "$(stat -c %s old)" 0
	kcp - fromstdin </dev/null
	assert_equal "$(stat -c %s fromstdin)" 0
	kcp empty - >out
	assert_equal "$(stat -c %s out)" 0
}

# -------------------------------------------------------- truncation

@test "an existing longer DEST is truncated" {
	mkd 1000 src
	mkd 100000 dst
	kcp src dst
	cmp src dst
	mkd 100000 dst
	kcp - dst <src
	cmp src dst
	mkd 100000 dst
	cat src | kcp - dst
	cmp src dst
}

@test "--no-truncate keeps the tail of a longer DEST" {
	mkd 1000 src
	mkd 100000 dst
	{ cat src; tail -c +1001 dst; } >want
	kcp --no-truncate src dst
	cmp want dst
	mkd 100000 dst
	cat src | kcp --no-truncate - dst
	cmp want dst
	mkd 100000 dst
	kcp --no-truncate --method=readwrite src dst
	cmp want dst
}

@test "--no-truncate onto a shorter DEST extends it" {
	mkd 5000 src
	mkd 100 dst
	kcp --no-truncate src dst
	cmp src dst
}

# ------------------------------------------------------------- modes

@test "new files: SOURCE mode bits masked by the umask" {
	mkd 100 src
	local u m want
	for u in 022 077 002 000; do
		for m in 644 600 755 444 700 640; do
			rm -f dst
			chmod "$m" src
			(umask "$u" && kcp src dst)
			want=$(printf '%o' $((8#$m & ~8#$u & 8#777)))
			assert_equal "umask $u mode $m: $(stat -c %a dst)" \
			    "umask $u mode $m: $want"
			cmp src dst
		done
	done
}

@test "new files from a pipe: 0666 masked by the umask" {
	local u want
	for u in 022 077 027; do
		rm -f dst
		(umask "$u" && echo hello | kcp - dst)
		want=$(printf '%o' $((8#666 & ~8#$u)))
		assert_equal "umask $u: $(stat -c %a dst)" "umask $u: $want"
	done
}

@test "new files: --append and directory DEST get the same modes" {
	mkd 100 src
	mkdir d
	chmod 750 src
	(umask 022 && kcp --append src app && kcp src d)
	assert_equal "$(stat -c %a app)" 750
	assert_equal "$(stat -c %a d/src)" 750
}

@test "an existing DEST keeps its mode" {
	mkd 100 src
	mkd 200 dst
	chmod 755 src
	chmod 604 dst
	(umask 022 && kcp src dst)
	assert_equal "$(stat -c %a dst)" 604
	cmp src dst
	chmod 600 src
	chmod 666 dst
	(umask 077 && kcp src dst)
	assert_equal "$(stat -c %a dst)" 666
	(umask 077 && kcp --append src dst && kcp --seek=10 src dst)
	assert_equal "$(stat -c %a dst)" 666
}

# --------------------------------------------- other file systems, proc

@test "ext4 or other /tmp file system to tmpfs and back" {
	shm_dir
	mkd $((3 * 1024 * 1024 + 17)) src
	kcp src "$SHM/dst"
	cmp src "$SHM/dst"
	kcp "$SHM/dst" back
	cmp src back
	kcp -l 1000001 --skip=7 src "$SHM/part"
	tail -c +8 src | head -c 1000001 | cmp - "$SHM/part"
	mkd 10 "$SHM/old"
	{ head -c 5 "$SHM/old"; head -c 100 src; } >want
	kcp --seek=5 -l 100 src "$SHM/old"
	cmp want "$SHM/old"
}

@test "/proc files that report size 0 are copied fully" {
	local f
	for f in /proc/version /proc/filesystems /proc/self/limits; do
		[ -r "$f" ] || continue
		cat "$f" >want
		rm -f dst
		kcp "$f" dst
		# /proc/self/limits is the reader's: cat's and kcp's agree.
		cmp want dst || fail "$f differs"
		kcp "$f" - >out
		cmp want out || fail "$f to stdout differs"
	done
	head -c 10 /proc/version >want
	kcp -l 10 /proc/version dst
	cmp want dst
	tail -c +4 /proc/version >want
	kcp --skip=3 /proc/version dst
	cmp want dst
}

@test "a /proc file bigger than a page is copied fully" {
	# /proc/self/maps of kcp is unknown ahead; /proc/kallsyms is big and
	# the same for every reader with the same credentials.
	[ -r /proc/kallsyms ] || skip "no /proc/kallsyms"
	cat /proc/kallsyms >want
	[ "$(stat -c %s want)" -gt 65536 ] || skip "/proc/kallsyms is small"
	kcp /proc/kallsyms dst
	cmp want dst
}

@test "a sysfs file (st_size 4096, shorter contents) is copied exactly" {
	local f=/sys/kernel/mm/transparent_hugepage/enabled
	[ -r "$f" ] || f=/sys/kernel/profiling
	[ -r "$f" ] || skip "no readable sysfs file"
	cat "$f" >want
	kcp "$f" dst
	cmp want dst
}

@test "/dev/zero as SOURCE with -l; /dev/null as DEST" {
	kcp -l 1M /dev/zero zeros
	head -c 1048576 /dev/zero | cmp - zeros
	mkd 100000 src
	run -0 --separate-stderr kcp src /dev/null
	assert_equal "$stderr" ""
	assert [ -c /dev/null ]
}

@test "a SOURCE symlink is followed" {
	mkd 1000 real
	ln -s real link
	kcp link dst
	cmp real dst
	assert [ ! -L dst ]
}

# --------------------------------------------------- several sources

@test "several sources into a directory" {
	mkdir d
	mkd 1 a
	mkd 4097 b
	mkd 300000 c
	: >e
	mkd 50 d/b
	run -0 --separate-stderr kcp a b c e d/
	assert_equal "$stderr" ""
	cmp a d/a
	cmp b d/b
	cmp c d/c
	cmp e d/e
	mkdir -p x/y z
	kcp x/../a ./b z
	cmp a z/a
	cmp b z/b
}

# ------------------------------------------------------------- -n -f

@test "-n does not overwrite, and copies what is missing" {
	mkdir d
	mkd 10 a
	mkd 20 b
	mkd 30 d/a
	cp d/a saved
	run -0 --separate-stderr kcp -n a b d
	assert_equal "$stderr" ""
	cmp saved d/a
	cmp b d/b
	mkd 40 dst
	cp dst saved2
	run -0 --separate-stderr kcp -n --append a dst
	cmp saved2 dst
}

@test "-f replaces a DEST that cannot be opened for writing" {
	# A running program's file refuses O_WRONLY with ETXTBSY even for
	# root, yet can be unlinked: the case -f exists for.
	local sleep_bin
	sleep_bin=$(command -v sleep)
	cp "$sleep_bin" busy
	./busy 60 </dev/null >/dev/null 2>&1 3>&- &
	BUSY_PID=$!
	local i
	for i in $(seq 100); do
		[ "$(readlink "/proc/$BUSY_PID/exe" 2>/dev/null)" = "$PWD/busy" ] &&
		    break
		sleep 0.05
	done
	[ "$(readlink "/proc/$BUSY_PID/exe")" = "$PWD/busy" ] ||
	    skip "could not run a copy of sleep"
	if (exec 4>>busy) 2>/dev/null; then
		skip "this kernel lets a running program be opened for writing"
	fi
	mkd 5000 src
	run -1 --separate-stderr kcp src busy
	stderr_is "kcp: cannot open 'busy' for writing: Text file busy"
	run -0 --separate-stderr kcp -f src busy
	assert_equal "$stderr" ""
	cmp src busy
	# The running program still has its own (unlinked) file.
	kill -0 "$BUSY_PID"
}

@test "-f replaces an unwritable DEST (mode 0444) as a non-root user" {
	if [ "$(id -u)" = 0 ]; then
		skip "root opens a mode-0444 file for writing anyway"
	fi
	mkd 100 src
	mkd 200 dst
	chmod 444 dst
	run -1 --separate-stderr kcp src dst
	stderr_is "kcp: cannot open 'dst' for writing: Permission denied"
	kcp -f src dst
	cmp src dst
}

# ------------------------------------------------- found in code review

@test "an empty file copies with every forced method" {
	: >empty
	for m in copy_file_range sendfile splice readwrite; do
		rm -f out
		run -0 --separate-stderr "$KCP" --method=$m empty out
		assert_file_exists out
		[ ! -s out ]
	done
}

@test "--seek on a '>>' standard output is refused, the file untouched" {
	printf hello >g
	mkd 100 a
	run -1 --separate-stderr bash -c '"$KCP" --seek=10 a - >>g'
	stderr_is "kcp: cannot seek in '-': it is open for appending"
	[ "$(cat g)" = hello ]
}

@test "--verify of a '>>' standard output compares the bytes appended" {
	printf hello >g
	mkd 100000 a
	run -0 --separate-stderr bash -c '"$KCP" --verify a - >>g'
	{ printf hello; cat a; } | cmp - g
}

@test "a block device onto itself: tail to front, and two nodes are one file" {
	require_root
	[ -e /dev/loop-control ] || skip "no loop devices"
	mkd 4194304 img
	local dev
	dev=$(losetup -f --show img 2>/dev/null) || skip "losetup failed"
	python3 -c 'import sys; d = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(d[1 << 20:2 << 20] + d[1 << 20:])' img expect
	run --separate-stderr "$KCP" --no-truncate --skip=1M -l 1M "$dev" "$dev"
	local rc=$status
	head -c 4194304 "$dev" >got
	mknod node b "$((16#$(stat -c '%t' "$dev")))" \
	    "$((16#$(stat -c '%T' "$dev")))"
	run --separate-stderr "$KCP" --no-truncate --seek=2M "$dev" node
	local rc2=$status err2=$stderr
	losetup -d "$dev"
	[ "$rc" = 0 ]
	cmp expect got
	[ "$rc2" = 1 ]
	assert_equal "$err2" "kcp: '$dev' and 'node' are the same file"
}
