#!/usr/bin/env bats
# Reflink clones: --reflink[=auto|always|never] and the reflink method
# (kcp(1), REFLINK).
#
# Cloning is tested on small btrfs and XFS loop images made in setup_file
# (helpers/loopfs.bash); without root, loop devices or the mkfs tools those
# tests skip with the reason.  Sharing is checked with FIEMAP (filefrag -v,
# flag "shared"), data with cmp against the source or a python-computed
# expectation.  The failure cases use ext4 (TMPDIR when it is ext4, else a
# loop image) and /dev/shm (tmpfs), which cannot share extents.  The
# fault-injection tests need $FAULTINJ (make check builds and exports it).
# Trees copied with kcp -a and kcp -r are checked file by file the same
# way, and with helpers/treecmp.

bats_require_minimum_version 1.5.0
load helpers/test_helper
load helpers/loopfs
load helpers/oracle

MiB=$((1024 * 1024))

setup_file() {
	loopfs_mount btrfs btrfs 128M
	loopfs_mount xfs xfs 300M -m reflink=1
	# The "cannot clone" cases want ext4: TMPDIR if it is, else an image.
	if [ "$(stat -f -c %T "$BATS_FILE_TMPDIR")" != ext2/ext3 ]; then
		loopfs_mount ext4 ext4 32M
	fi
}

teardown_file() {
	loopfs_umount_all
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	SHMDIR=
	FROMDIR=
}

teardown() {
	loopfs_cleanup_test
	if [ -n "${SHMDIR:-}" ]; then
		rm -rf "$SHMDIR"
	fi
	if [ -n "${FROMDIR:-}" ]; then
		rm -rf "$FROMDIR"
	fi
}

# on_fs NAME: work in a fresh directory of loop filesystem NAME.
on_fs() {
	loopfs_require "$1"
	loopfs_require_filefrag
	cd "$LOOPFS_DIR" || return 1
}

# on_ext4: work in TMPDIR if it is ext4 (as on most machines), else in an
# ext4 loop image.
on_ext4() {
	if [ "$(stat -f -c %T "$BATS_TEST_TMPDIR")" = ext2/ext3 ]; then
		cd "$BATS_TEST_TMPDIR" || return 1
	else
		loopfs_require ext4
		cd "$LOOPFS_DIR" || return 1
	fi
}

# on_shm: work in a fresh directory on /dev/shm (tmpfs).
on_shm() {
	[ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] ||
	    skip "/dev/shm is not tmpfs"
	SHMDIR=$(mktemp -d /dev/shm/kcp-reflink.XXXXXX) ||
	    skip "cannot write to /dev/shm"
	cd "$SHMDIR" || return 1
}


# The verbose line of a successful copy of N bytes from 'a' to 'b', with
# the "via ..." part as the regular expression VIA.
vline() {
	printf "^kcp: '%s' -> '%s': %s bytes in [0-9]+\\\\.[0-9]{2} s( \\\\([^)]*/s\\\\))? via %s\$" \
	    "$1" "$2" "$3" "$4"
}

assert_shared() {
	loopfs_shared "$1" || fail "$1 shares no extent: $(filefrag -v "$1")"
}

refute_shared() {
	! loopfs_shared "$1" || fail "$1 shares extents: $(filefrag -v "$1")"
}

# --- bodies shared by the btrfs and XFS tests ---------------------------------

# kcp -v a b clones a whole file (size not a multiple of the block size).
t_clone_default() {
	mkdata $((MiB + 100)) a
	run -0 --separate-stderr kcp -v a b
	assert_output ""
	assert_regex "$stderr" "$(vline a b $((MiB + 100)) reflink)"
	cmp a b
	assert_shared b
}

t_clone_always() {
	mkdata $((2 * MiB)) a
	run -0 --separate-stderr kcp -v --reflink=always a b
	assert_regex "$stderr" "$(vline a b $((2 * MiB)) reflink)"
	cmp a b
	assert_shared b
}

# Bare --reflink means always, and works here.
t_clone_bare() {
	mkdata $((MiB + 1)) a
	run -0 --separate-stderr kcp -v --reflink a b
	assert_regex "$stderr" "$(vline a b $((MiB + 1)) reflink)"
	cmp a b
	assert_shared b
}

t_clone_method() {
	mkdata $((MiB + 2)) a
	run -0 --separate-stderr kcp -v --method=reflink a b
	assert_regex "$stderr" "$(vline a b $((MiB + 2)) reflink)"
	cmp a b
	assert_shared b
}

# --reflink=never shares nothing: neither FICLONE nor copy_file_range.
t_never() {
	mkdata $((2 * MiB + 3)) a
	run -0 --separate-stderr kcp -v --reflink=never a b
	assert_output ""
	assert_regex "$stderr" "$(vline a b $((2 * MiB + 3)) '(sendfile|readwrite)')"
	refute_regex "$stderr" "reflink|copy_file_range"
	cmp a b
	refute_shared b
	refute_shared a
}

# An existing longer DEST is truncated and then cloned into.
t_into_existing() {
	local how=$1
	mkdata $((MiB + 100)) a
	mkdata $((3 * MiB + 5)) b
	run -0 --separate-stderr kcp -v $how a b
	assert_regex "$stderr" "$(vline a b $((MiB + 100)) reflink)"
	cmp a b
	assert_equal "$(stat -c %s b)" $((MiB + 100))
	assert_shared b
}

# Aligned --skip/--seek/--length clone a range.
t_range_aligned() {
	local how=$1
	mkdata $((4 * MiB)) a
	# A new DEST, written at 2 MiB: [0, 2 MiB) is a hole.
	run -0 --separate-stderr kcp -v $how --skip=1M --seek=2M --length=1M a b
	assert_regex "$stderr" "$(vline a b "$MiB" reflink)"
	expect_copy want - a $((2 * MiB)) "$MiB" "$MiB"
	cmp want b
	assert_shared b

	# Into the middle of an existing DEST, which keeps the rest.
	mkdata $((5 * MiB + 3)) c
	cp c old
	run -0 --separate-stderr kcp -v $how --seek=1M --skip=2M -l 1M a c
	assert_regex "$stderr" "$(vline a c "$MiB" reflink)"
	expect_copy want old a "$MiB" $((2 * MiB)) "$MiB"
	cmp want c
	assert_shared c
}

# A range that ends at SOURCE's EOF counts as aligned.
t_range_to_eof() {
	local how=$1
	mkdata $((4 * MiB + 100)) a
	run -0 --separate-stderr kcp -v $how --skip=1M a b
	assert_regex "$stderr" "$(vline a b $((3 * MiB + 100)) reflink)"
	expect_copy want - a 0 "$MiB" -
	cmp want b
	assert_shared b
}

# Unaligned ranges still copy the right bytes under auto, by another method.
t_range_unaligned() {
	mkdata $((4 * MiB)) a

	run -0 --separate-stderr kcp -v --skip=1000 -l 100000 a b
	assert_regex "$stderr" "$(vline a b 100000 '(copy_file_range|sendfile|readwrite).*')"
	expect_copy want - a 0 1000 100000
	cmp want b

	run -0 --separate-stderr kcp -v --seek=100 --skip=1M -l 1M a c
	assert_regex "$stderr" "$(vline a c "$MiB" '(copy_file_range|sendfile|readwrite).*')"
	expect_copy want - a 100 "$MiB" "$MiB"
	cmp want c

	# Aligned offsets, a length that is not a block multiple nor at EOF.
	run -0 kcp --skip=4096 -l 5000 a d
	expect_copy want - a 0 4096 5000
	cmp want d

	# Into an existing DEST at an unaligned offset.
	mkdata $((2 * MiB + 1)) e
	cp e old
	run -0 kcp --seek=4097 --skip=8192 -l 1M a e
	expect_copy want old a 4097 8192 "$MiB"
	cmp want e

	# To SOURCE's EOF, unaligned, into the middle of a longer DEST: the
	# kernel refuses that clone (EINVAL); auto must still copy it.
	mkdata $((4 * MiB + 100)) f
	mkdata $((10 * MiB)) g
	cp g old
	run -0 kcp --seek=8192 --skip=1M f g
	expect_copy want old f 8192 "$MiB" -
	cmp want g
}

# --reflink=always with an unaligned range is an error; a DEST kcp created
# is removed, an existing one is left as it was.
t_always_unaligned() {
	mkdata $((4 * MiB)) a

	run -1 --separate-stderr kcp --reflink=always --skip=1000 a b
	assert_output ""
	assert_equal "$stderr" "kcp: failed to clone 'a' to 'b': Invalid argument"
	assert_file_not_exists b

	run -1 --separate-stderr kcp --reflink=always --skip=4096 -l 5000 a b
	assert_equal "$stderr" "kcp: failed to clone 'a' to 'b': Invalid argument"
	assert_file_not_exists b

	mkdata $((2 * MiB)) c
	cp c old
	run -1 --separate-stderr kcp --reflink=always --seek=100 a c
	assert_equal "$stderr" "kcp: failed to clone 'a' to 'c': Invalid argument"
	cmp old c
}

# --append clones at DEST's end when that is block-aligned; under always an
# unaligned end is an error that leaves DEST as it was.
t_append() {
	mkdata $((MiB + 100)) a
	mkdata 8192 b
	cp b old
	run -0 --separate-stderr kcp -v --reflink=always --append a b
	assert_regex "$stderr" "$(vline a b $((MiB + 100)) reflink)"
	cat old a >want
	cmp want b
	assert_shared b

	mkdata 1000 c
	cp c old
	run -1 --separate-stderr kcp --reflink=always --append a c
	assert_equal "$stderr" "kcp: failed to clone 'a' to 'c': Invalid argument"
	cmp old c
	# auto copies it by another method.
	run -0 kcp --append a c
	cat old a >want
	cmp want c
}

# Inherited descriptors: clones from standard input and into standard
# output, and the offsets end just past the bytes copied, as dd leaves them.
t_inherited() {
	mkdata $((MiB + 100)) a
	run -0 --separate-stderr bash -c '"$1" -v - d <a' _ "$KCP"
	assert_regex "$stderr" "$(vline - d $((MiB + 100)) reflink)"
	cmp a d
	assert_shared d

	run -0 --separate-stderr bash -c '{ "$1" -v a - && printf X; } >e' _ "$KCP"
	assert_regex "$stderr" "$(vline a - $((MiB + 100)) reflink)"
	printf X >x
	cat a x >want
	cmp want e
	assert_shared e

	run -0 bash -c '{ "$1" -l 1M - f && "$1" - g; } <a' _ "$KCP"
	cat f g >fg
	cmp a fg
	assert_equal "$(stat -c %s f)" "$MiB"
}

# Nothing to clone is not a failed clone: an empty SOURCE (cp
# --reflink=always and FICLONE both succeed here) and a --skip at SOURCE's
# end copy nothing and exit 0, as -l 0 does.
t_always_empty() {
	: >empty
	run -0 --separate-stderr kcp -v --reflink=always empty b
	assert_regex "$stderr" "^kcp: 'empty' -> 'b': 0 bytes in "
	assert_file_exists b
	assert_size_zero b

	mkdata $((MiB)) a
	run -0 --separate-stderr kcp --reflink=always --skip=1M a c
	assert_equal "$stderr" ""
	assert_file_exists c
	assert_size_zero c

	run -0 --separate-stderr kcp --reflink=always -l 0 a d
	assert_equal "$stderr" ""
	assert_size_zero d
}

# --- trees: every regular file of a tree is cloned -----------------------------

# The regular files of the test tree and their sizes: four files of about
# 1 MiB, two of them with a tail that is not a whole block.
TREE_FILES=(d1/f1 d1/f2 d2/f3 d2/e/f4)
TREE_SIZES=("$MiB" $((MiB + 100)) "$MiB" $((MiB + 1)))

# mk_tree DIR: the test tree, in nested directories, with a symbolic link.
mk_tree() {
	local i
	mkdir -p "$1/d1" "$1/d2/e"
	for i in "${!TREE_FILES[@]}"; do
		mkdata "${TREE_SIZES[$i]}" "$1/${TREE_FILES[$i]}"
	done
	ln -s d1/f1 "$1/link"
}

# tree_vlines OUT VIA: $stderr has exactly one -v line per regular file of
# the tree copied from src to OUT, each with "via VIA" (a regular
# expression), and no other copy line.
tree_vlines() {
	local out=$1 via=$2 i f
	for i in "${!TREE_FILES[@]}"; do
		f=${TREE_FILES[$i]}
		grep -Eq "$(vline "src/$f" "$out/$f" "${TREE_SIZES[$i]}" "$via")" <<<"$stderr" ||
		    fail "no '$via' line for src/$f in: $stderr"
	done
	assert_equal "$(grep -c ' bytes in ' <<<"$stderr")" "${#TREE_FILES[@]}"
}

# t_tree_clone OPTION: kcp OPTION -v (-a or -r) src dst clones every file:
# each -v line says via reflink, each copy shares its extents, the data
# are equal, the link is a link; -a also keeps the attributes.
t_tree_clone() {
	local how=$1 f
	mk_tree src
	run -0 --separate-stderr kcp "$how" -v src dst
	assert_output ""
	tree_vlines dst reflink
	for f in "${TREE_FILES[@]}"; do
		cmp "src/$f" "dst/$f"
		assert_shared "dst/$f"
	done
	assert_equal "$(readlink dst/link)" d1/f1
	if [ "$how" = -a ]; then
		tree_same src dst
	else
		tree_same --no-times src dst
	fi
}

# kcp -a --reflink=never shares nothing, in the copy or the source, and
# uses neither reflink nor copy_file_range.
t_tree_never() {
	local f
	mk_tree src
	run -0 --separate-stderr kcp -a -v --reflink=never src dst
	assert_output ""
	tree_vlines dst '(sendfile|readwrite)'
	refute_regex "$stderr" "reflink|copy_file_range"
	for f in "${TREE_FILES[@]}"; do
		cmp "src/$f" "dst/$f"
		refute_shared "dst/$f"
		refute_shared "src/$f"
	done
	tree_same src dst
}

# --- btrfs ------------------------------------------------------------------------

@test "btrfs: kcp -v a b clones, says via reflink, extents shared" {
	on_fs btrfs
	t_clone_default
}

@test "btrfs: --reflink=always clones" {
	on_fs btrfs
	t_clone_always
}

@test "btrfs: bare --reflink clones" {
	on_fs btrfs
	t_clone_bare
}

@test "btrfs: --method=reflink clones" {
	on_fs btrfs
	t_clone_method
}

@test "btrfs: --reflink=never shares nothing, uses neither reflink nor copy_file_range" {
	on_fs btrfs
	t_never
}

@test "btrfs: existing longer DEST is truncated and cloned into (auto)" {
	on_fs btrfs
	t_into_existing ""
}

@test "btrfs: existing longer DEST is truncated and cloned into (bare --reflink)" {
	on_fs btrfs
	t_into_existing --reflink
}

@test "btrfs: aligned --skip/--seek/--length clone the range" {
	on_fs btrfs
	t_range_aligned ""
}

@test "btrfs: aligned range with --reflink=always clones" {
	on_fs btrfs
	t_range_aligned --reflink=always
}

@test "btrfs: range ending at SOURCE's EOF clones" {
	on_fs btrfs
	t_range_to_eof ""
}

@test "btrfs: unaligned ranges give correct data by another method" {
	on_fs btrfs
	t_range_unaligned
}

@test "btrfs: --reflink=always with an unaligned range fails, exit 1" {
	on_fs btrfs
	t_always_unaligned
}

@test "btrfs: --append clones at an aligned end, fails at an unaligned one under always" {
	on_fs btrfs
	t_append
}

@test "btrfs: clones from standard input and into standard output, offsets right" {
	on_fs btrfs
	t_inherited
}

@test "btrfs: --reflink=always with nothing to copy succeeds" {
	on_fs btrfs
	t_always_empty
}

@test "btrfs: kcp -a clones every file of a tree, -v says via reflink, extents shared" {
	on_fs btrfs
	t_tree_clone -a
}

@test "btrfs: kcp -r clones every file of a tree" {
	on_fs btrfs
	t_tree_clone -r
}

@test "btrfs: kcp -a --reflink=never copies a tree sharing nothing" {
	on_fs btrfs
	t_tree_never
}

# --- XFS ----------------------------------------------------------------------------

@test "xfs: kcp -v a b clones, says via reflink, extents shared" {
	on_fs xfs
	t_clone_default
}

@test "xfs: --reflink=always clones" {
	on_fs xfs
	t_clone_always
}

@test "xfs: bare --reflink clones" {
	on_fs xfs
	t_clone_bare
}

@test "xfs: --method=reflink clones" {
	on_fs xfs
	t_clone_method
}

@test "xfs: --reflink=never shares nothing, uses neither reflink nor copy_file_range" {
	on_fs xfs
	t_never
}

@test "xfs: existing longer DEST is truncated and cloned into (--reflink=always)" {
	on_fs xfs
	t_into_existing --reflink=always
}

@test "xfs: aligned --skip/--seek/--length clone the range" {
	on_fs xfs
	t_range_aligned ""
}

@test "xfs: range ending at SOURCE's EOF clones with --reflink=always" {
	on_fs xfs
	t_range_to_eof --reflink=always
}

@test "xfs: unaligned ranges give correct data by another method" {
	on_fs xfs
	t_range_unaligned
}

@test "xfs: --reflink=always with an unaligned range fails, exit 1" {
	on_fs xfs
	t_always_unaligned
}

@test "xfs: --append clones at an aligned end, fails at an unaligned one under always" {
	on_fs xfs
	t_append
}

@test "xfs: clones from standard input and into standard output, offsets right" {
	on_fs xfs
	t_inherited
}

@test "xfs: --reflink=always with nothing to copy succeeds" {
	on_fs xfs
	t_always_empty
}

@test "xfs: kcp -a clones every file of a tree, -v says via reflink, extents shared" {
	on_fs xfs
	t_tree_clone -a
}

@test "xfs: kcp -r clones every file of a tree" {
	on_fs xfs
	t_tree_clone -r
}

@test "xfs: kcp -a --reflink=never copies a tree sharing nothing" {
	on_fs xfs
	t_tree_never
}

@test "btrfs to xfs: --reflink=always fails with EXDEV, no DEST left" {
	loopfs_require btrfs
	local from=$LOOPFS_DIR
	FROMDIR=$from
	mkdata "$MiB" "$from/a"
	loopfs_require xfs
	local to=$LOOPFS_DIR
	run -1 --separate-stderr kcp --reflink=always "$from/a" "$to/b"
	assert_output ""
	assert_equal "$stderr" "kcp: failed to clone '$from/a' to '$to/b': Invalid cross-device link"
	assert_file_not_exists "$to/b"
}

@test "btrfs to xfs: auto copies without reflink" {
	loopfs_require btrfs
	local from=$LOOPFS_DIR
	FROMDIR=$from
	mkdata "$MiB" "$from/a"
	loopfs_require xfs
	run -0 --separate-stderr kcp -v "$from/a" "$LOOPFS_DIR/b"
	refute_regex "$stderr" "via reflink"
	cmp "$from/a" "$LOOPFS_DIR/b"
}

# --- fault injection (tests/helpers/faultinj.c) ------------------------------

@test "btrfs: FICLONE failing with EOPNOTSUPP falls back under auto, listed in -v" {
	on_fs btrfs
	require_faultinj
	mkdata $((MiB + 100)) a
	run -0 --separate-stderr kcp_fault ioctl:EOPNOTSUPP:always -v a b
	assert_regex "$stderr" "$(vline a b $((MiB + 100)) '(copy_file_range|sendfile|readwrite) \(reflink: EOPNOTSUPP\)')"
	cmp a b
}

@test "btrfs: FICLONE failing with EOPNOTSUPP under always: error, no DEST" {
	on_fs btrfs
	require_faultinj
	mkdata $((MiB + 100)) a
	run -1 --separate-stderr kcp_fault ioctl:EOPNOTSUPP:always --reflink=always a b
	assert_output ""
	assert_equal "$stderr" "kcp: failed to clone 'a' to 'b': Operation not supported"
	assert_file_not_exists b
}

@test "btrfs: FICLONERANGE failing with EXDEV falls back, range data right" {
	on_fs btrfs
	require_faultinj
	mkdata $((4 * MiB)) a
	run -0 --separate-stderr kcp_fault ioctl:EXDEV:always -v --skip=4096 --seek=8192 -l 1M a b
	assert_regex "$stderr" "$(vline a b "$MiB" '(copy_file_range|sendfile|readwrite) \(reflink: EXDEV\)')"
	expect_copy want - a 8192 4096 "$MiB"
	cmp want b
}

@test "btrfs: FICLONE failing with EIO is an error under auto, not retried" {
	on_fs btrfs
	require_faultinj
	mkdata $((MiB + 100)) a
	# kcp(1), Falling back: EIO is a real error, reported and never retried
	# on another path; VERBOSE OUTPUT: a method called and left is listed.
	run -1 --separate-stderr kcp_fault ioctl:EIO -v a b
	assert_output ""
	assert_regex "$stderr" "Input/output error"
	refute_regex "$stderr" "via (copy_file_range|sendfile|readwrite)"
}

# --- filesystems that cannot clone ----------------------------------------------

# t_always_fails: --reflink=always (or bare --reflink, as $1) in the current
# directory fails cleanly and leaves no DEST behind.
t_always_fails() {
	local how=$1
	mkdata $((MiB + 9)) a
	run -1 --separate-stderr kcp $how a b
	assert_output ""
	assert_equal "$stderr" "kcp: failed to clone 'a' to 'b': Operation not supported"
	assert_file_not_exists b
	# An existing DEST that kcp did not create is not removed.
	mkdata 5000 c
	run -1 --separate-stderr kcp $how a c
	assert_equal "$stderr" "kcp: failed to clone 'a' to 'c': Operation not supported"
	assert_file_exists c
	# The source is untouched.
	mkdata $((MiB + 9)) a.want
	cmp a.want a
}

# Under auto nothing is said about reflink (it is skipped by policy, without
# a call, on filesystems that cannot share extents); -v lists no reflink.
t_auto_noclone() {
	mkdata $((MiB + 9)) a
	run -0 --separate-stderr kcp -v a b
	assert_output ""
	assert_regex "$stderr" "$(vline a b $((MiB + 9)) '(copy_file_range|sendfile|readwrite)')"
	refute_regex "$stderr" "reflink"
	cmp a b
	run -0 --separate-stderr kcp -v --reflink=never a c
	assert_regex "$stderr" "$(vline a c $((MiB + 9)) '(sendfile|readwrite)')"
	refute_regex "$stderr" "reflink|copy_file_range"
	cmp a c
}

@test "ext4: --reflink=always fails with EOPNOTSUPP, no DEST left" {
	on_ext4
	t_always_fails --reflink=always
}

@test "ext4: bare --reflink means always and fails" {
	on_ext4
	t_always_fails --reflink
}

@test "ext4: auto and never copy without a word about reflink" {
	on_ext4
	t_auto_noclone
}

@test "tmpfs: --reflink=always fails with EOPNOTSUPP, no DEST left" {
	on_shm
	t_always_fails --reflink=always
}

@test "tmpfs: bare --reflink means always and fails" {
	on_shm
	t_always_fails --reflink
}

@test "tmpfs: auto and never copy without a word about reflink" {
	on_shm
	t_auto_noclone
}

@test "ext4 to tmpfs: --reflink=always fails with EXDEV, no DEST left" {
	on_ext4
	local from=$PWD
	mkdata "$MiB" "$from/a"
	on_shm
	run -1 --separate-stderr kcp --reflink=always "$from/a" b
	assert_output ""
	assert_equal "$stderr" "kcp: failed to clone '$from/a' to 'b': Invalid cross-device link"
	assert_file_not_exists b
}

@test "ext4: --method=reflink fails naming the method and errno" {
	on_ext4
	mkdata "$MiB" a
	run -1 --separate-stderr kcp --method=reflink a b
	assert_output ""
	assert_equal "$stderr" "kcp: cannot copy 'a' to 'b' with reflink: Operation not supported (EOPNOTSUPP)"
}

@test "--reflink with an unknown value is a usage error" {
	run -1 --separate-stderr kcp --reflink=maybe /dev/null out
	assert_output ""
	assert_equal "$stderr" "kcp: invalid argument 'maybe' for --reflink
Try 'kcp --help' for more information."
	assert_file_not_exists out
}
