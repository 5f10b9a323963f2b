#!/usr/bin/env bats
# --resume (kcp(1), RESUME): copies killed with SIGKILL at random points
# and resumed, on ext4 (TMPDIR), tmpfs (/dev/shm) and a btrfs loop image,
# whole files and --skip/--seek/-l ranges, checked with cmp; a DEST whose
# kept part was altered is copied whole again, or refused with
# --resume=strict (DEST untouched); a DEST longer than the copy, or
# complete already; the -v and -P lines; a failing read during the
# comparison (fault-injection shim); trees (-a): skipped, resumed and
# recopied files; the usage errors.
#
# The copy to kill runs the readwrite method with a 4 KiB buffer and, under
# the shim, writes cut to 1 KiB, so that it is slow enough for the kill to
# land mid-copy: kcp is killed once DEST holds a random number of bytes.

bats_require_minimum_version 1.5.0
load helpers/test_helper
load helpers/loopfs

MiB=$((1024 * 1024))
BIG=$((64 * MiB))

setup_file() {
	make_pool
	export BIGSRC="$BATS_FILE_TMPDIR/big"
	mkdata "$BIG" "$BIGSRC"
	loopfs_mount btrfs btrfs 256M
}

teardown_file() {
	loopfs_umount_all
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	SHM=
	KPID=
}

teardown() {
	if [ -n "${KPID:-}" ]; then
		kill -KILL "$KPID" 2>/dev/null || :
		wait "$KPID" 2>/dev/null || :
	fi
	loopfs_cleanup_test
	if [ -n "${SHM:-}" ]; then
		rm -rf "$SHM"
	fi
	return 0
}

# A random number in [lo, hi].
rand_between() {
	local lo=$1 hi=$2
	echo $(((RANDOM * 32768 + RANDOM) % (hi - lo + 1) + lo))
}

# kill_mid_copy DST AT KCP-ARGS...: run kcp with KCP-ARGS slowly in the
# background and kill it with SIGKILL once DST holds AT bytes.  Sets
# KILLED=1 when the kill landed before kcp ended (the usual case), 0 when
# the copy had finished first.
kill_mid_copy() {
	local dst=$1 at=$2 rc=0
	shift 2
	# The shim goes into kcp only (see kcp_fault).
	env LD_PRELOAD="$FAULTINJ" KCP_FAULT='write:short=1024:always' \
	    "$KCP" --method=readwrite -B 4K "$@" &
	KPID=$!
	wait_size "$dst" "$at" || :
	kill -KILL "$KPID" 2>/dev/null || :
	wait "$KPID" || rc=$?
	echo "kill at $at: status $rc, dst $(stat -c %s "$dst")" >&2
	KPID=
	if [ "$rc" = 137 ]; then
		KILLED=1
	elif [ "$rc" = 0 ]; then
		KILLED=0
	else
		echo "the copy to kill ended with status $rc" >&2
		return 1
	fi
}

# interrupted_rounds N SRC DIR: N times, copy SRC to DIR/dst, kill the
# copy at a random point, resume it and compare.  At least one kill must
# land mid-copy, and every resumed copy says where it resumed.
interrupted_rounds() {
	# Not "i": bats' own helpers use that name without declaring it local.
	local n=$1 src=$2 dir=$3 round at size held=0
	size=$(stat -c %s "$src")
	for ((round = 0; round < n; round++)); do
		rm -f "$dir/dst"
		at=$(rand_between $MiB $((size * 3 / 4)))
		kill_mid_copy "$dir/dst" "$at" "$src" "$dir/dst"
		run --separate-stderr kcp -v --resume "$src" "$dir/dst"
		assert_success
		cmp "$src" "$dir/dst"
		if ((KILLED)); then
			held=$((held + 1))
			assert_regex "$stderr" ", resumed at [1-9][0-9]*\$"
		fi
	done
	echo "$held of $n kills landed mid-copy" >&2
	((held > 0))
}

# --- usage errors --------------------------------------------------------

@test "a pipe as SOURCE is a usage error: nothing to compare DEST with" {
	pipeline "cat '$BIGSRC' | '$KCP' --resume - dst"
	assert_failure 1
	stderr_is "kcp: --resume cannot be used with SOURCE '-' (a pipe): there is nothing to compare DEST with" \
	    "$USAGE_HINT"
	assert_not_exists dst
	mkfifo fifo
	run --separate-stderr kcp --resume fifo dst
	assert_failure 1
	stderr_is "kcp: --resume cannot be used with SOURCE 'fifo' (a pipe): there is nothing to compare DEST with" \
	    "$USAGE_HINT"
	run --separate-stderr kcp --resume -l 10 /dev/zero dst
	assert_failure 1
	stderr_is "kcp: --resume cannot be used with SOURCE '/dev/zero' (a character device): there is nothing to compare DEST with" \
	    "$USAGE_HINT"
	assert_not_exists dst
}

@test "--resume with --atomic, --append or dd operands, or a bad WHEN, is a usage error" {
	mkd 1000 src
	run --separate-stderr kcp --resume --atomic src dst
	assert_failure 1
	stderr_is "kcp: --resume cannot be used with --atomic: an interrupted --atomic copy leaves nothing to resume" \
	    "$USAGE_HINT"
	run --separate-stderr kcp --resume --append src dst
	assert_failure 1
	stderr_is "kcp: --resume and --append cannot be used together" \
	    "$USAGE_HINT"
	run --separate-stderr kcp --resume if=src of=dst
	assert_failure 1
	stderr_is "kcp: --resume cannot be used with dd operands" "$USAGE_HINT"
	run --separate-stderr kcp --resume=always src dst
	assert_failure 1
	stderr_is "kcp: invalid argument 'always' for --resume" "$USAGE_HINT"
	assert_not_exists dst
}

@test "--help lists --resume" {
	run kcp --help
	assert_success
	assert_line --partial "--resume[=strict]"
}

# --- killed and resumed ----------------------------------------------------

@test "killed at random points on ext4 (TMPDIR), resumed: cmp equal every time" {
	require_faultinj
	interrupted_rounds 3 "$BIGSRC" "$BATS_TEST_TMPDIR"
}

@test "killed at random points on tmpfs (/dev/shm), resumed: cmp equal every time" {
	require_faultinj
	shm_dir
	cp "$BIGSRC" "$SHM/src"
	interrupted_rounds 3 "$SHM/src" "$SHM"
}

@test "killed on btrfs, resumed: the rest is cloned from a block boundary" {
	require_faultinj
	loopfs_require btrfs
	loopfs_require_filefrag
	cd "$LOOPFS_DIR" || return 1
	cp "$BIGSRC" src
	sync
	kill_mid_copy dst $((5 * MiB + 1000)) src dst
	((KILLED)) || skip "the copy ended before the kill"
	size=$(stat -c %s dst)
	run --separate-stderr kcp -v --resume src dst
	assert_success
	cmp src dst
	at=$((size / 4096 * 4096))
	assert_regex "$stderr" "^kcp: 'src' -> 'dst': $((BIG - at)) bytes in [0-9.]+ s.* via reflink, resumed at $at\$"
	loopfs_shared dst
}

@test "a killed range (--skip, --seek, -l) over an older DEST resumes to the same bytes" {
	require_faultinj
	local round skip seek len at
	for round in 1 2; do
		skip=$(rand_between 0 $((4 * MiB)))
		seek=$(rand_between 0 $((2 * MiB)))
		len=$(rand_between $((40 * MiB)) $((56 * MiB)))
		# An older DEST that ends before the range starts.
		mkd $((seek / 2)) dst
		cp dst old
		expect_copy want old "$BIGSRC" "$seek" "$skip" "$len"
		at=$(rand_between $((seek + MiB)) $((seek + len / 2)))
		kill_mid_copy dst "$at" --skip="$skip" --seek="$seek" -l "$len" \
		    "$BIGSRC" dst
		run --separate-stderr kcp -v --resume --skip="$skip" \
		    --seek="$seek" -l "$len" "$BIGSRC" dst
		assert_success
		cmp want dst
		if ((KILLED)); then
			assert_regex "$stderr" ", resumed at [1-9][0-9]*\$"
		fi
	done
}

@test "a sparse SOURCE killed and resumed keeps its holes" {
	require_faultinj
	# 16 islands of 2 MiB, 2 MiB apart, and a hole at the end.
	python3 - <<'PY'
import os
with open("src", "wb") as f:
    for i in range(16):
        f.seek(i * 4 << 20)
        f.write(os.urandom(2 << 20))
    f.truncate(72 << 20)
PY
	kill_mid_copy dst $((21 * MiB)) src dst
	((KILLED)) || skip "the copy ended before the kill"
	run --separate-stderr kcp -v --resume src dst
	assert_success
	cmp src dst
	assert_regex "$stderr" ", resumed at [1-9][0-9]*\$"
	# Holes stay holes: what is allocated is about the data (32 MiB).
	(($(blocks dst) * 512 <= 36 * MiB))
}

@test "seekable standard input resumes at the same offsets" {
	cp "$BIGSRC" src
	head -c 5000000 src >dst
	run --separate-stderr kcp -v --resume - dst <src
	assert_success
	cmp src dst
	assert_regex "$stderr" "^kcp: '-' -> 'dst': $((BIG - 4997120)) bytes in .*, resumed at 4997120\$"
}

@test "a killed tree copy (-a) resumes: skipped, resumed and copied files, the same tree" {
	require_faultinj
	mkdir -p t/sub t/empty
	mkd 3000 t/a
	cp "$BIGSRC" t/sub/big
	mkd 5000 t/z
	touch -d '2001-02-03 04:05:06.123456789' t/a t/z t/sub/big
	# Kill the tree copy inside its big file.
	kill_mid_copy d/sub/big $((20 * MiB)) -a t d
	((KILLED)) || skip "the copy ended before the kill"
	run --separate-stderr kcp -av --resume -T t d
	assert_success
	run "$BATS_TEST_DIRNAME/helpers/treecmp" t d
	assert_success
	# Again: everything is there.
	run --separate-stderr kcp -av --resume -T t d
	assert_success
	assert_regex "$stderr" "kcp: 't/sub/big' -> 'd/sub/big': skipped: same size and modification time"
	refute_regex "$stderr" "bytes in"
}

@test "-v in a tree: which files were skipped, resumed or copied whole" {
	mkdir t
	mkd 3000 t/same
	mkd $((3 * MiB)) t/part
	mkd 4000 t/other
	kcp -a t d
	head -c $((2 * MiB + 100)) t/part >d/part
	echo changed >d/other
	run --separate-stderr kcp -av --resume -T t d
	assert_success
	diff -r t d
	assert_regex "$stderr" "kcp: 't/same' -> 'd/same': skipped: same size and modification time"
	assert_regex "$stderr" "kcp: 't/part' -> 'd/part': $((MiB)) bytes in [^
]* via [a-z_]+, resumed at $((2 * MiB))"
	assert_regex "$stderr" "kcp: 'd/other': not a prefix of 't/other' \\(differs at byte 0\\): copying it whole"
	assert_regex "$stderr" "kcp: 't/other' -> 'd/other': 4000 bytes in "
}

# --- DEST that is not a prefix -----------------------------------------------

@test "an altered byte in the compared tail: copied whole again, -v says why" {
	mkd $((8 * MiB)) src
	head -c $((5 * MiB)) src >dst
	printf X | dd of=dst bs=1 seek=$((5 * MiB - 1000)) conv=notrunc status=none
	run --separate-stderr kcp -v --resume src dst
	assert_success
	cmp src dst
	stderr_is "kcp: 'dst': not a prefix of 'src' (differs at byte $((5 * MiB - 1000))): copying it whole" \
	    "kcp: 'src' -> 'dst': $((8 * MiB)) bytes in ${stderr##*bytes in }"
}

@test "--resume=strict refuses a DEST that is not a prefix and leaves it untouched" {
	mkd $((8 * MiB)) src
	head -c $((5 * MiB)) src >dst
	printf X | dd of=dst bs=1 seek=$((4 * MiB + 7)) conv=notrunc status=none
	cp dst before
	touch -d '2001-01-01' dst
	run --separate-stderr kcp -v --resume=strict src dst
	assert_failure 1
	stderr_is "kcp: cannot resume 'dst': not a prefix of 'src' (differs at byte $((4 * MiB + 7)))"
	cmp before dst
	assert_equal "$(stat -c %Y dst)" "$(date -d 2001-01-01 +%s)"
	# A prefix passes strict.
	head -c $((5 * MiB)) src >dst
	run --separate-stderr kcp --resume=strict src dst
	assert_quiet_success
	cmp src dst
}

@test "a DEST longer than the copy is copied whole again; strict refuses it" {
	mkd 100000 src
	cat src src >dst
	cp dst before
	run --separate-stderr kcp --resume=strict src dst
	assert_failure 1
	stderr_is "kcp: cannot resume 'dst': not a prefix of 'src' (200000 bytes, longer than the copy)"
	cmp before dst
	run --separate-stderr kcp -v --resume src dst
	assert_success
	cmp src dst
	assert_regex "$stderr" "^kcp: 'dst': not a prefix of 'src' \\(200000 bytes, longer than the copy\\): copying it whole"
}

@test "a complete DEST: nothing to copy; the same size with another tail is copied again" {
	mkd $((3 * MiB)) src
	cp src dst
	touch -d '2001-01-01' dst
	run --separate-stderr kcp -v --resume src dst
	assert_success
	stderr_is "kcp: 'src' -> 'dst': complete already ($((3 * MiB)) bytes): nothing to copy"
	# Nothing was written.
	assert_equal "$(stat -c %Y dst)" "$(date -d 2001-01-01 +%s)"
	printf X | dd of=dst bs=1 seek=$((3 * MiB - 1)) conv=notrunc status=none
	cp dst before
	run --separate-stderr kcp --resume=strict src dst
	assert_failure 1
	stderr_is "kcp: cannot resume 'dst': not a prefix of 'src' (differs at byte $((3 * MiB - 1)))"
	cmp before dst
	run --separate-stderr kcp -v --resume src dst
	assert_success
	cmp src dst
	assert_regex "$stderr" "^kcp: 'dst': not a prefix of 'src' \\(differs at byte $((3 * MiB - 1))\\): copying it whole"
}

@test "with --seek, bytes past the range are not the copy's: a complete range is left alone" {
	mkd 200000 src
	mkd 500000 dst
	kcp --seek=1000 -l 100000 src dst
	cp dst before
	run --separate-stderr kcp -v --resume --seek=1000 -l 100000 src dst
	assert_success
	stderr_is "kcp: 'src' -> 'dst': complete already (100000 bytes): nothing to copy"
	cmp before dst
}

@test "a change before the compared tail is found with --verify only" {
	mkd $((6 * MiB)) src
	head -c $((5 * MiB)) src >dst
	printf X | dd of=dst bs=1 seek=1000 conv=notrunc status=none
	cp dst damaged
	# Only the last 1 MiB is compared: the rest is resumed.
	run --separate-stderr kcp -v --resume src dst
	assert_success
	assert_regex "$stderr" ", resumed at $((5 * MiB))\$"
	run cmp src dst
	assert_failure
	# --verify compares all that DEST holds, and the whole range after.
	cp damaged dst
	run --separate-stderr kcp -v --resume --verify src dst
	assert_success
	cmp src dst
	assert_regex "$stderr" "^kcp: 'dst': not a prefix of 'src' \\(differs at byte 1000\\): copying it whole"
}

@test "--verify after a resumed copy reads the whole range back" {
	require_faultinj
	mkd $((6 * MiB)) src
	head -c $((5 * MiB)) src >dst
	# A rule that never fires, for the call log.
	run --separate-stderr kcp_fault 'fallocate:EIO:1000' --resume --verify src dst
	assert_quiet_success
	cmp src dst
	# Before: all 5 MiB kept, from both files; after: all 6 MiB, both.
	run awk '$1 == "pread" && $NF != "injected" { n += $(NF) } END { print n }' calls
	assert_output $((2 * 5 * MiB + 2 * 6 * MiB))
}

# --- the report ----------------------------------------------------------

@test "-v: the bytes copied this time and where the copy resumed" {
	mkd $((4 * MiB)) src
	head -c $((3 * MiB + 5)) src >dst
	run --separate-stderr kcp -v --resume src dst
	assert_success
	cmp src dst
	assert_regex "$stderr" "^kcp: 'src' -> 'dst': $((MiB)) bytes in [0-9]+\\.[0-9]{2} s( \\([^)]*\\))? via [a-z_]+, resumed at $((3 * MiB))\$"
}

@test "-P counts from where the copy resumed: the total is what is left" {
	mkd $((4 * MiB)) src
	head -c $((3 * MiB)) src >dst
	run --separate-stderr kcp -P --resume src dst
	assert_success
	cmp src dst
	assert_regex "$stderr" "^kcp: 1\\.0 MiB of 1\\.0 MiB \\(100%\\)"
}

# --- failures during the comparison ------------------------------------------

@test "a read that fails during the comparison: a clear error, DEST untouched" {
	require_faultinj
	mkd $((4 * MiB)) src
	head -c $((3 * MiB)) src >dst
	cp dst before
	run --separate-stderr kcp_fault 'pread:EIO' --resume src dst
	assert_failure 1
	stderr_is "kcp: cannot resume 'dst': error reading 'src': $(strerror EIO)"
	cmp before dst
	# The second read is DEST's.
	run --separate-stderr kcp_fault 'pread:EIO:2' --resume src dst
	assert_failure 1
	stderr_is "kcp: cannot resume 'dst': error reading 'dst': $(strerror EIO)"
	cmp before dst
	# SOURCE's second read.
	run --separate-stderr kcp_fault 'pread:EIO:3' -v --resume src dst
	assert_failure 1
	stderr_is "kcp: cannot resume 'dst': error reading 'src': $(strerror EIO)"
	cmp before dst
}
