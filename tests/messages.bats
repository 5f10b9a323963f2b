#!/usr/bin/env bats
# Error messages and exit status: each failure kcp reports, word for word.
#
# Every message of kcp(1), DIAGNOSTICS with its exact text and exit status
# (EXIT STATUS): opening, reading and writing, option arguments, failures
# among several sources, the same-file rules (kcp(1), Semantics: Same
# file), DEST symlinks, unreadable and unwritable files.  Real files and
# real errors only: the faults injected with the shim are in
# fallback.bats, faultinj-matrix.bats and storage-and-safety.bats.

load helpers/test_helper
bats_require_minimum_version 1.5.0

export KCP

setup_file() {
	make_pool
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}


# Fail unless stderr is the message and the usage hint.
stderr_is_usage() {
	stderr_is "$1" "$USAGE_HINT"
}

# Write to file OUT what FILE holds after the bytes [SKIP, SKIP+N) are
# written at offset SEEK of it (N = LEN, or to the end).
# Usage: expect_self OUT FILE SKIP SEEK [LEN]
expect_self() {
	python3 - "$@" <<'PY'
import sys
out, path, skip, seek = sys.argv[1:5]
ln = sys.argv[5] if len(sys.argv) > 5 else None
skip, seek = int(skip), int(seek)
d = open(path, "rb").read()
data = d[skip:] if ln is None else d[skip:skip + int(ln)]
b = bytearray(d)
if data and len(b) < seek:
    b += bytes(seek - len(b))
b[seek:seek + len(data)] = data
open(out, "wb").write(b)
PY
}

# ------------------------------------------------------------ opening

@test "missing SOURCE: cannot open for reading, DEST not created" {
	run -1 --separate-stderr kcp missing out
	stderr_is "kcp: cannot open 'missing' for reading: No such file or directory"
	assert_equal "$output" ""
	assert_file_not_exists out
}

@test "missing SOURCE to standard output" {
	run -1 --separate-stderr kcp missing
	stderr_is "kcp: cannot open 'missing' for reading: No such file or directory"
	assert_equal "$output" ""
}

@test "a missing SOURCE among several: the others are still copied" {
	mkdir d
	mkd 1000 a
	mkd 2000 b
	run -1 --separate-stderr kcp a missing b d
	stderr_is "kcp: cannot open 'missing' for reading: No such file or directory"
	cmp a d/a
	cmp b d/b
	assert_file_not_exists d/missing
}

@test "unreadable SOURCE: cannot open for reading: Permission denied" {
	local src
	if [ "$(id -u)" != 0 ]; then
		mkd 100 src
		chmod 000 src
		src=src
	else
		# Root reads any mode-000 file; sysctl files check their mode
		# bits even for root, and drop_caches is write-only.
		src=/proc/sys/vm/drop_caches
		if cat "$src" >/dev/null 2>&1 || [ ! -e "$src" ]; then
			skip "no file here that root cannot open for reading"
		fi
	fi
	run -1 --separate-stderr kcp "$src" out
	stderr_is "kcp: cannot open '$src' for reading: Permission denied"
	assert_file_not_exists out
}

@test "DEST in a missing directory: cannot create regular file, as cp" {
	mkd 100 a
	run -1 --separate-stderr kcp a nodir/b
	stderr_is "kcp: cannot create regular file 'nodir/b': No such file or directory"
	assert_file_not_exists nodir
}

@test "DEST below a regular file: cannot stat: Not a directory, as cp" {
	mkd 100 a
	mkd 10 f
	cp f saved
	run -1 --separate-stderr kcp a f/b
	stderr_is "kcp: cannot stat 'f/b': Not a directory"
	cmp saved f
}

@test "-T onto a directory: cannot overwrite directory, as cp" {
	mkd 100 a
	mkdir d
	run -1 --separate-stderr kcp -T a d
	stderr_is "kcp: cannot overwrite directory 'd' with non-directory"
	assert [ -d d ]
}

@test "DEST a symlink loop: cannot stat or cannot open" {
	# cp says "cannot stat"; "cannot open 'x' for writing" (kcp(1),
	# DIAGNOSTICS) fits too.
	mkd 100 a
	ln -s loop loop
	run -1 --separate-stderr kcp a loop
	assert_regex "$stderr" \
	    "^kcp: (cannot stat 'loop'|cannot open 'loop' for writing): Too many levels of symbolic links\$"
	assert_link_exists loop
}

@test "empty names: cannot open for reading / for writing" {
	mkd 100 a
	run -1 --separate-stderr kcp '' out
	stderr_is "kcp: cannot open '' for reading: No such file or directory"
	assert_not_exists out
	run -1 --separate-stderr kcp a ''
	stderr_is "kcp: cannot create regular file '': No such file or directory"
}

@test "a directory SOURCE: omitting directory, others still copied" {
	mkdir src.d d
	mkd 10 a
	mkd 20 b
	run -1 --separate-stderr kcp a src.d b d
	stderr_is "kcp: omitting directory 'src.d'"
	cmp a d/a
	cmp b d/b
	assert_not_exists d/src.d
}

@test "a directory SOURCE with two operands: omitting directory, no DEST" {
	mkdir src.d
	run -1 --separate-stderr kcp src.d out
	stderr_is "kcp: omitting directory 'src.d'"
	assert_not_exists out
}

@test "target is not a directory (three operands), as cp says" {
	mkd 10 a
	mkd 20 b
	cp b saved
	run -1 --separate-stderr kcp a b c
	stderr_is "kcp: target 'c': No such file or directory"
	assert_not_exists c
	mkd 30 c
	cp c savedc
	run -1 --separate-stderr kcp a b c
	stderr_is "kcp: target 'c': Not a directory"
	cmp savedc c
	cmp saved b
}

@test "target is not a directory (-t), as cp says" {
	mkd 10 a
	mkd 30 f
	cp f saved
	run -1 --separate-stderr kcp -t f a
	stderr_is "kcp: target directory 'f': Not a directory"
	cmp saved f
	run -1 --separate-stderr kcp -t nodir a
	stderr_is "kcp: target directory 'nodir': No such file or directory"
	assert_not_exists nodir
}

@test "standard input into a directory is an error" {
	mkdir d
	mkd 10 a
	run -1 --separate-stderr kcp - d <a
	stderr_is "kcp: cannot copy standard input into directory 'd'"
	run -1 --separate-stderr kcp -t d - <a
	stderr_is "kcp: cannot copy standard input into directory 'd'"
	run -0 ls -A d
	assert_output ""
}

# ---------------------------------------------------- reading, writing

@test "read error: error reading, exit 1" {
	# Offset 0 of a process's memory is unmapped: read(2) gives EIO.
	[ -r /proc/self/mem ] || skip "no /proc/self/mem"
	run -1 --separate-stderr kcp /proc/self/mem out
	stderr_is "kcp: error reading '/proc/self/mem': Input/output error"
}

@test "write to /dev/full: error writing, No space left on device" {
	[ -c /dev/full ] || skip "no /dev/full"
	mkd 100000 a
	run -1 --separate-stderr kcp a /dev/full
	stderr_is "kcp: error writing '/dev/full': No space left on device"
	run -1 --separate-stderr bash -c '"$KCP" a - >/dev/full'
	stderr_is "kcp: error writing '-': No space left on device"
	run -1 --separate-stderr bash -c '"$KCP" - - <a >/dev/full'
	stderr_is "kcp: error writing '-': No space left on device"
	run -1 --separate-stderr bash -c 'cat a | "$KCP" - /dev/full'
	stderr_is "kcp: error writing '/dev/full': No space left on device"
}

@test "closed standard output: an error about '-', not about SOURCE" {
	# With descriptor 1 closed, opening SOURCE must not make it '-'.
	mkd 1000 a
	cp a saved
	# (bash -c: run's own pipe would take a descriptor closed around it.)
	run -1 --separate-stderr bash -c '"$KCP" a - >&-'
	assert_regex "$stderr" \
	    "^kcp: (error writing|cannot stat) '-': Bad file descriptor\$"
	run -1 --separate-stderr bash -c '"$KCP" a >&-'
	assert_regex "$stderr" \
	    "^kcp: (error writing|cannot stat) '-': Bad file descriptor\$"
	cmp saved a
}

@test "closed standard input: cannot stat '-'" {
	run -1 --separate-stderr bash -c '"$KCP" - out <&-' 
	stderr_is "kcp: cannot stat '-': Bad file descriptor"
	assert_not_exists out
}

@test "a forced single method that fails names the method and errno" {
	# copy_file_range(2) takes regular files only: EINVAL from /dev/zero.
	run -1 --separate-stderr kcp --method=copy_file_range -l 10 /dev/zero out
	stderr_is "kcp: cannot copy '/dev/zero' to 'out' with copy_file_range: Invalid argument (EINVAL)"
}

@test "--reflink=always where cloning is impossible: failed to clone" {
	case "$(stat -f -c %T .)" in
	ext2/ext3|tmpfs) ;;
	*) skip "this file system may clone ($(stat -f -c %T .))" ;;
	esac
	mkd 8192 a
	run -1 --separate-stderr kcp --reflink=always a b
	stderr_is "kcp: failed to clone 'a' to 'b': Operation not supported"
	# The DEST kcp created is removed.
	assert_not_exists b
}

@test "--seek on a pipe DEST: cannot seek, Illegal seek" {
	mkd 100 a
	run -1 --separate-stderr bash -c \
	    'set -o pipefail; "$KCP" --seek=1 a - | cat >piped'
	stderr_is "kcp: cannot seek in '-': Illegal seek"
	assert_equal "$(stat -c %s piped)" 0
}

@test "--seek on a FIFO DEST: cannot seek, Illegal seek" {
	mkd 100 a
	mkfifo fifo
	cat fifo >piped 3>&- &
	local reader=$!
	run -1 --separate-stderr kcp --seek=10 a fifo
	wait "$reader"
	stderr_is "kcp: cannot seek in 'fifo': Illegal seek"
	assert_equal "$(stat -c %s piped)" 0
}

# ------------------------------------------------ option argument errors

@test "invalid size: Invalid argument and Numerical result out of range" {
	mkd 10 a
	run -1 --separate-stderr kcp --skip=12Q a out
	assert_equal "${stderr_lines[0]}" \
	    "kcp: invalid size '12Q' for --skip: Invalid argument"
	run -1 --separate-stderr kcp --skip=9223372036854775808 a out
	assert_equal "${stderr_lines[0]}" \
	    "kcp: invalid size '9223372036854775808' for --skip: Numerical result out of range"
	assert_not_exists out
}

@test "offset plus length past INT64_MAX is an error" {
	# A usage error (kcp(1), DIAGNOSTICS): only its first line is checked.
	mkd 10 a
	run -1 --separate-stderr kcp --skip=9223372036854775807 -l 1 a out
	assert_equal "${stderr_lines[0]}" \
	    "kcp: --skip plus --length is past the largest file offset"
	run -1 --separate-stderr kcp --skip=4E -l 4E a out
	assert_equal "${stderr_lines[0]}" \
	    "kcp: --skip plus --length is past the largest file offset"
	run -1 --separate-stderr kcp --seek=9223372036854775000 -l 1000 a out
	assert_equal "${stderr_lines[0]}" \
	    "kcp: --seek plus --length is past the largest file offset"
	run -1 --separate-stderr kcp --seek=7E -l 1E a out
	assert_equal "${stderr_lines[0]}" \
	    "kcp: --seek plus --length is past the largest file offset"
	assert_not_exists out
}

@test "unknown method: message and usage hint" {
	mkd 10 a
	run -1 --separate-stderr kcp --method=fastest a out
	stderr_is_usage "kcp: unknown method 'fastest' in --method"
	assert_not_exists out
}

@test "invalid --sparse and --reflink words: message and usage hint" {
	mkd 10 a
	run -1 --separate-stderr kcp --sparse=sometimes a out
	stderr_is_usage "kcp: invalid argument 'sometimes' for --sparse"
	run -1 --separate-stderr kcp --reflink=maybe a out
	stderr_is_usage "kcp: invalid argument 'maybe' for --reflink"
	run -1 --separate-stderr kcp --sparse= a out
	stderr_is_usage "kcp: invalid argument '' for --sparse"
	assert_not_exists out
}

@test "--interactive with standard input: message and usage hint" {
	mkd 10 a
	run -1 --separate-stderr kcp --interactive - out <a
	stderr_is_usage "kcp: --interactive cannot be used with standard input as SOURCE"
	assert_not_exists out
}

@test "usage error: unknown option ends with the usage hint" {
	run -1 --separate-stderr kcp --no-such-option a b
	assert_equal "${stderr_lines[-1]}" "$USAGE_HINT"
	assert_regex "${stderr_lines[0]}" "unrecognized option '--no-such-option'"
	assert_equal "$output" ""
}

# ----------------------------------------------------------- same file

@test "same file: same path, nothing changed" {
	mkd 5000 f
	cp f saved
	run -1 --separate-stderr kcp f f
	stderr_is "kcp: 'f' and 'f' are the same file"
	cmp saved f
}

@test "same file: even an empty file, even with -l 0" {
	: >e
	run -1 --separate-stderr kcp e e
	stderr_is "kcp: 'e' and 'e' are the same file"
	mkd 100 f
	cp f saved
	run -1 --separate-stderr kcp -l 0 f f
	stderr_is "kcp: 'f' and 'f' are the same file"
	cmp saved f
}

@test "same file: through a hard link" {
	mkd 5000 f
	cp f saved
	ln f g
	run -1 --separate-stderr kcp f g
	stderr_is "kcp: 'f' and 'g' are the same file"
	cmp saved f
}

@test "same file: through a symlink, either side" {
	mkd 5000 f
	cp f saved
	ln -s f s
	run -1 --separate-stderr kcp f s
	stderr_is "kcp: 'f' and 's' are the same file"
	cmp saved f
	run -1 --separate-stderr kcp s f
	stderr_is "kcp: 's' and 'f' are the same file"
	cmp saved f
}

@test "same file: DEST resolved into a directory is named DIR/base" {
	mkdir d
	mkd 5000 d/f
	cp d/f saved
	run -1 --separate-stderr kcp d/f d
	stderr_is "kcp: 'd/f' and 'd/f' are the same file"
	cmp saved d/f
}

@test "same file: kcp f - >>f (would read its own output)" {
	mkd 5000 f
	cp f saved
	run -1 --separate-stderr bash -c '"$KCP" f - >>f'
	stderr_is "kcp: 'f' and '-' are the same file"
	cmp saved f
}

@test "same file: kcp - - <f >>f" {
	mkd 5000 f
	cp f saved
	run -1 --separate-stderr bash -c '"$KCP" - - <f >>f'
	stderr_is "kcp: '-' and '-' are the same file"
	cmp saved f
}

@test "same file: kcp - f <f (would truncate)" {
	mkd 5000 f
	cp f saved
	run -1 --separate-stderr bash -c '"$KCP" - f <f'
	stderr_is "kcp: '-' and 'f' are the same file"
	cmp saved f
}

@test "same file: kcp --append f f" {
	mkd 5000 f
	cp f saved
	run -1 --separate-stderr kcp --append f f
	stderr_is "kcp: 'f' and 'f' are the same file"
	cmp saved f
}

@test "same file: ranges that overlap with D at or after S are refused" {
	mkd 5000 f
	cp f saved
	run -1 --separate-stderr kcp --no-truncate f f
	stderr_is "kcp: 'f' and 'f' are the same file"
	cmp saved f
	run -1 --separate-stderr kcp --seek=0 -l 100 f f
	stderr_is "kcp: 'f' and 'f' are the same file"
	cmp saved f
	# S = [0, 100), D = [50, 150)
	run -1 --separate-stderr kcp --seek=50 -l 100 f f
	stderr_is "kcp: 'f' and 'f' are the same file"
	cmp saved f
	# S = [1000, 1100), D = [1099, 1199)
	run -1 --separate-stderr kcp --skip=1000 --seek=1099 -l 100 f f
	stderr_is "kcp: 'f' and 'f' are the same file"
	cmp saved f
}

@test "same file: overlap with D before S is a safe forward copy" {
	# S = [50, 150), D = [0, 100)
	mkd 5000 f
	expect_self want f 50 0 100
	run -0 --separate-stderr kcp --no-truncate --skip=50 -l 100 f f
	assert_equal "$stderr" ""
	cmp want f
	# n = 4000: S = [1000, 5000), D = [0, 4000)
	mkd 5000 f
	expect_self want f 1000 0
	run -0 --separate-stderr kcp --no-truncate --skip=1000 f f
	cmp want f
	# Several chunks of each method: S = [1, 3 MiB + 5), D = [0, 3 MiB + 4).
	# (copy_file_range(2) itself refuses overlapping ranges: EINVAL.)
	local m
	for m in auto sendfile splice readwrite; do
		mkd $((3 * 1024 * 1024 + 5)) f
		expect_self want f 1 0
		kcp --method="$m" -B 64K --no-truncate --skip=1 f f ||
		    fail "--method=$m failed"
		cmp want f || fail "--method=$m: wrong data"
	done
}

@test "same file: unbounded copy with D after S is refused" {
	mkd 1500 f
	cp f saved
	# S = [0, 1500), D = [2000, 3500): no overlap, but no --length.
	run -1 --separate-stderr kcp --seek=2000 f f
	stderr_is "kcp: 'f' and 'f' are the same file"
	cmp saved f
	run -1 --separate-stderr kcp --no-truncate --seek=1500 f f
	stderr_is "kcp: 'f' and 'f' are the same file"
	cmp saved f
}

@test "same file allowed: --no-truncate --skip=1000 f f copies the tail to the front" {
	mkd 1500 f
	expect_self want f 1000 0
	run -0 --separate-stderr kcp --no-truncate --skip=1000 f f
	assert_equal "$stderr" ""
	cmp want f
}

@test "same file allowed: -l 100 --seek=1000 --no-truncate f f copies a block" {
	mkd 1500 f
	expect_self want f 0 1000 100
	run -0 --separate-stderr kcp -l 100 --seek=1000 --no-truncate f f
	assert_equal "$stderr" ""
	cmp want f
}

@test "same file allowed: bounded copies with disjoint ranges" {
	mkd 1500 f
	expect_self want f 0 2000 100
	kcp -l 100 --seek=2000 f f
	cmp want f
	mkd 1500 f
	expect_self want f 50 0 50
	kcp --no-truncate --skip=50 -l 50 f f
	cmp want f
}

@test "same file allowed: bounded append of a file to itself" {
	mkd 1500 f
	expect_self want f 0 1500 10
	kcp --append -l 10 f f
	cmp want f
	mkd 1500 f
	bash -c '"$KCP" -l 10 f - >>f'
	cmp want f
}

@test "same file allowed: kcp - - <f >>f with standard input at EOF" {
	mkd 5000 f
	cp f saved
	run -0 --separate-stderr bash -c '{ cat >/dev/null; "$KCP" - -; } <f >>f'
	assert_equal "$stderr" ""
	cmp saved f
}

@test "same file through inherited offsets: ranges count from the offsets" {
	mkd 1500 f
	cp f saved
	# stdin at 1000, stdout at 0: S = [1000, 1500), D = [0, 500).
	expect_self want f 1000 0
	bash -c '{ dd bs=1 count=1000 of=/dev/null status=none; "$KCP" - -; } <f 1<>f'
	cmp want f
	# stdout at 5, stdin at 0: S = [0, 10), D = [5, 15) overlap.
	cp saved f
	run -1 --separate-stderr bash -c '{ printf 12345; "$KCP" -l 10 - - <f; } 1<>f'
	stderr_is "kcp: '-' and '-' are the same file"
	{ printf 12345; tail -c +6 saved; } | cmp - f
	# S = [0, 3), D = [5, 8): allowed; S already holds "123".
	cp saved f
	bash -c '{ printf 12345; "$KCP" -l 3 - - <f; } 1<>f'
	{ printf 12345123; tail -c +9 saved; } | cmp - f
}

# ------------------------------------------------------- DEST symlinks

@test "dangling DEST symlink: refused, nothing created at the target" {
	mkd 100 a
	ln -s target link
	run -1 --separate-stderr kcp a link
	stderr_is "kcp: not writing through dangling symlink 'link'"
	assert_not_exists target
	assert_link_exists link
	# -n too, as cp -n: the symlink exists, but it is dangling.
	for o in --no-truncate --append --seek=5 -f -n; do
		run -1 --separate-stderr kcp "$o" a link
		stderr_is "kcp: not writing through dangling symlink 'link'"
		assert_not_exists target
	done
}

@test "dangling DEST symlink inside a directory DEST" {
	mkdir d
	mkd 100 a
	ln -s ../target d/a
	run -1 --separate-stderr kcp a d
	stderr_is "kcp: not writing through dangling symlink 'd/a'"
	assert_not_exists target
}

@test "dangling DEST symlink in a DIRECTORY given with a trailing slash" {
	# The DEST is named DIR/base as cp does: 'd/a', not 'd//a'.
	mkdir d
	mkd 100 a
	ln -s ../target d/a
	run -1 --separate-stderr kcp a d/
	stderr_is "kcp: not writing through dangling symlink 'd/a'"
	run -1 --separate-stderr kcp -t d/ a
	stderr_is "kcp: not writing through dangling symlink 'd/a'"
	assert_not_exists target
}

@test "DEST symlink to an existing file is followed" {
	mkd 100 a
	mkd 5000 real
	ln -s real link
	run -0 --separate-stderr kcp a link
	assert_equal "$stderr" ""
	assert_link_exists link
	cmp a real
	cmp a link
}
