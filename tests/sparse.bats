#!/usr/bin/env bats
# Sparse files: --sparse=auto|always|never (kcp(1), SPARSE FILES).
#
# Content is always checked against something kcp did not produce: the
# random islands the source was built from, a python-computed expectation,
# or cmp(1).  Allocation is checked with stat -c %b (512-byte blocks).
# Files of several GiB apparent size are compared with sparse_cmp (below),
# which reads only where either file has data, since reading 4 GiB of holes
# back on ext4 takes longer than the whole file should.

bats_require_minimum_version 1.5.0
load helpers/test_helper

KiB=1024
MiB=$((1024 * 1024))
GiB=$((1024 * 1024 * 1024))

# The big sparse file: 4 GiB + 12345 bytes, holes at both ends, three
# random islands of different sizes at unaligned places.
BIG_SIZE=$((4 * GiB + 12345))
BIG_ISLANDS="$((1 * GiB)):$((1 * MiB)) $((2 * GiB + 3 * 4096 + 17)):$((2 * MiB + 123)) $((3 * GiB + 1 * MiB)):$((512 * KiB + 4095))"
# Blocks (512 B) a copy may allocate beyond its source: metadata, rounding.
MARGIN=1024

# island FILE OFFSET N: write N reproducible random bytes at byte OFFSET of
# FILE without truncating it; the bytes are kept as FILE.island.OFFSET so
# that the copy can be checked against them.
island() {
	local file=$1 off=$2 n=$3
	mkdata "$n" "$file.island.$off"
	dd if="$file.island.$off" of="$file" bs=1M seek="$off" \
	    oflag=seek_bytes conv=notrunc status=none
}

# make_big DIR: DIR/big, the 4 GiB file, built with truncate and dd.
make_big() {
	local f=$1/big spec
	rm -f "$f"
	truncate -s "$BIG_SIZE" "$f"
	for spec in $BIG_ISLANDS; do
		island "$f" "${spec%%:*}" "${spec##*:}"
	done
}

# check_big FILE: FILE has the big file's size, its islands byte for
# byte, and zeros in the leading and trailing holes (checked by reading,
# independently of SEEK_DATA), and allocates no more than the source SRC.
check_big() {
	local src=$1 out=$2 spec off n
	assert_equal "$(stat -c %s "$out")" "$BIG_SIZE"
	for spec in $BIG_ISLANDS; do
		off=${spec%%:*} n=${spec##*:}
		cmp -n "$n" -i "$off:0" "$out" "$src.island.$off" ||
		    fail "island at $off differs"
	done
	cmp -n "$MiB" "$out" /dev/zero || fail "leading hole is not zeros"
	cmp -n "$MiB" -i "$((BIG_SIZE - MiB)):0" "$out" /dev/zero ||
	    fail "trailing hole is not zeros"
	sparse_cmp "$src" "$out"
	assert_blocks_le "$out" "$(($(blocks "$src") + MARGIN))"
}

# sparse_cmp A B: like cmp, but reads only the union of the data regions of
# A and B (SEEK_DATA/SEEK_HOLE on each); elsewhere both are holes, which
# read as zeros.  Sizes must be equal.
sparse_cmp() {
	python3 - "$1" "$2" <<'PY'
import errno, os, sys

def segments(fd, size):
    out, off = [], 0
    while off < size:
        try:
            d = os.lseek(fd, off, os.SEEK_DATA)
        except OSError as e:
            if e.errno == errno.ENXIO:
                break
            raise
        h = os.lseek(fd, d, os.SEEK_HOLE)
        out.append((d, h))
        off = h
    return out

a, b = sys.argv[1], sys.argv[2]
fa, fb = os.open(a, os.O_RDONLY), os.open(b, os.O_RDONLY)
sa, sb = os.fstat(fa).st_size, os.fstat(fb).st_size
if sa != sb:
    sys.exit(f"sparse_cmp: {a} has {sa} bytes, {b} has {sb}")
segs = sorted(segments(fa, sa) + segments(fb, sb))
merged = []
for s, e in segs:
    if merged and s <= merged[-1][1]:
        merged[-1][1] = max(merged[-1][1], e)
    else:
        merged.append([s, e])
for s, e in merged:
    off = s
    while off < e:
        n = min(e - off, 1 << 20)
        x, y = os.pread(fa, n, off), os.pread(fb, n, off)
        if x != y:
            i = next(i for i in range(min(len(x), len(y))) if x[i] != y[i]) \
                if len(x) == len(y) else min(len(x), len(y))
            sys.exit(f"sparse_cmp: {a} {b} differ: byte {off + i + 1}")
        off += n
PY
}

# assert_blocks_le FILE MAX / assert_blocks_ge FILE MIN
assert_blocks_le() {
	local b
	b=$(blocks "$1")
	[ "$b" -le "$2" ] || fail "$1 allocates $b blocks, expected at most $2"
}
assert_blocks_ge() {
	local b
	b=$(blocks "$1")
	[ "$b" -ge "$2" ] || fail "$1 allocates $b blocks, expected at least $2"
}

# ff N FILE: N bytes of 0xFF, the "stale" old contents of a DEST.
ff() {
	head -c "$1" /dev/zero | tr '\0' '\377' >"$2"
}


# make_src8 FILE: 8 MiB, hole [0,1M), island 1M at 1M, hole [2M,5M), island
# 1M+333 at 5M, hole to the end.
make_src8() {
	rm -f "$1"
	truncate -s "$((8 * MiB))" "$1"
	island "$1" "$((1 * MiB))" "$MiB"
	island "$1" "$((5 * MiB))" "$((MiB + 333))"
}

# make_src64 FILE: 64 MiB apparent, one 1 MiB + 7 island at 10 MiB.
make_src64() {
	rm -f "$1"
	truncate -s "$((64 * MiB))" "$1"
	island "$1" "$((10 * MiB))" "$((MiB + 7))"
}

# make_zero_heavy FILE: 32 MiB + 1000 bytes, every byte written (dense):
# 3 MiB of zeros, 1 MiB + 100 random, zeros, 2000 random bytes at
# 12 MiB + 5000, zeros to the end.
make_zero_heavy() {
	python3 - "$1" <<'PY'
import random, sys
M = 1 << 20
r = random.Random(42)
buf = bytearray(32 * M + 1000)
buf[3 * M:4 * M + 100] = r.randbytes(M + 100)
buf[12 * M + 5000:12 * M + 7000] = r.randbytes(2000)
with open(sys.argv[1], "wb") as f:
    f.write(buf)
    f.flush()
PY
}

# require_sparse_fs FILE: skip unless FILE (just made sparse) is sparse
# on disk, i.e. the filesystem keeps holes.
require_sparse_fs() {
	local b
	b=$(blocks "$1")
	[ "$b" -lt $((16 * MiB / 512)) ] ||
	    skip "filesystem of $1 does not keep holes ($b blocks)"
}

setup_file() {
	make_big "$BATS_FILE_TMPDIR"
	if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] &&
	    SPARSE_SHM=$(mktemp -d /dev/shm/kcp-sparse.XXXXXX); then
		make_big "$SPARSE_SHM"
	else
		SPARSE_SHM=
	fi
	export SPARSE_SHM
}

teardown_file() {
	if [ -n "${SPARSE_SHM:-}" ]; then
		rm -rf "$SPARSE_SHM"
	fi
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

teardown() {
	# The copies of the big file can be large if kcp is wrong; do not
	# keep them until the end of the run.
	rm -f "$BATS_TEST_TMPDIR"/out* "$BATS_TEST_TMPDIR"/dense*
	if [ -n "${SPARSE_SHM:-}" ]; then
		rm -f "$SPARSE_SHM"/out*
	fi
}

require_shm() {
	[ -n "${SPARSE_SHM:-}" ] || skip "/dev/shm is not a writable tmpfs"
}

# --- --sparse=auto (the default) on a 4 GiB file ---------------------------

@test "auto: 4 GiB file with islands, copy within TMPDIR keeps holes" {
	require_sparse_fs "$BATS_FILE_TMPDIR/big"
	run -0 --separate-stderr kcp "$BATS_FILE_TMPDIR/big" out
	assert_output ""
	assert_equal "$stderr" ""
	check_big "$BATS_FILE_TMPDIR/big" out
}

@test "auto: 4 GiB file with islands, copy within tmpfs keeps holes" {
	require_shm
	run -0 --separate-stderr kcp "$SPARSE_SHM/big" "$SPARSE_SHM/out"
	assert_equal "$stderr" ""
	check_big "$SPARSE_SHM/big" "$SPARSE_SHM/out"
	# Reading holes back is cheap on tmpfs: a plain cmp as well.
	cmp "$SPARSE_SHM/big" "$SPARSE_SHM/out"
}

@test "auto: 4 GiB file with islands, copy from TMPDIR to tmpfs keeps holes" {
	require_shm
	require_sparse_fs "$BATS_FILE_TMPDIR/big"
	run -0 --separate-stderr kcp "$BATS_FILE_TMPDIR/big" "$SPARSE_SHM/out"
	assert_equal "$stderr" ""
	check_big "$BATS_FILE_TMPDIR/big" "$SPARSE_SHM/out"
}

@test "auto: 4 GiB file with islands, copy from tmpfs to TMPDIR keeps holes" {
	require_shm
	require_sparse_fs "$BATS_FILE_TMPDIR/big"
	run -0 --separate-stderr kcp "$SPARSE_SHM/big" out
	assert_equal "$stderr" ""
	check_big "$SPARSE_SHM/big" out
}

@test "auto: explicit --sparse=auto and a truncated longer DEST give the same" {
	make_src8 src
	require_sparse_fs src
	ff $((10 * MiB)) out
	run -0 kcp --sparse=auto src out
	assert_output ""
	expect_copy want - src 0 0 -
	cmp want out
	assert_blocks_le out $(($(blocks src) + MARGIN))
}

# --- --sparse=never -----------------------------------------------------------

@test "never: 64 MiB sparse file is allocated in full" {
	make_src64 src
	require_sparse_fs src
	run -0 kcp --sparse=never src out
	assert_output ""
	cmp src out
	assert_equal "$(stat -c %s out)" $((64 * MiB))
	assert_blocks_ge out $((64 * MiB / 512))
}

@test "never: across filesystems (tmpfs to TMPDIR) is allocated in full" {
	require_shm
	make_src64 "$SPARSE_SHM/src64"
	run -0 kcp --sparse=never "$SPARSE_SHM/src64" out
	cmp "$SPARSE_SHM/src64" out
	rm -f "$SPARSE_SHM"/src64*
	assert_blocks_ge out $((64 * MiB / 512))
}

# --- --sparse=always ------------------------------------------------------------

@test "always: a fully written zero-heavy file becomes sparse" {
	make_zero_heavy src
	# Precondition: the source really is dense.
	assert_blocks_ge src $((32 * MiB / 512))
	run -0 kcp --sparse=always src out
	assert_output ""
	cmp src out
	assert_equal "$(stat -c %s out)" $((32 * MiB + 1000))
	# 1 MiB + 2100 bytes of data: a few MiB at most, against 64 Ki blocks.
	assert_blocks_le out $((4 * MiB / 512))
}

@test "always: zero-heavy data from a pipe becomes sparse, size exact" {
	make_zero_heavy src
	run -0 bash -c 'cat src | "$1" --sparse=always - out' _ "$KCP"
	assert_output ""
	cmp src out
	assert_equal "$(stat -c %s out)" $((32 * MiB + 1000))
	assert_blocks_le out $((4 * MiB / 512))
}

@test "always: zero-heavy data on standard input (a file) becomes sparse" {
	make_zero_heavy src
	run -0 kcp --sparse=always - out <src
	cmp src out
	assert_blocks_le out $((4 * MiB / 512))
}

@test "always: a sparse source stays sparse" {
	make_src64 src
	require_sparse_fs src
	run -0 kcp --sparse=always src out
	cmp src out
	assert_blocks_le out $(($(blocks src) + MARGIN))
}

@test "always: zero-heavy file into tmpfs becomes sparse" {
	require_shm
	make_zero_heavy src
	run -0 kcp --sparse=always src "$SPARSE_SHM/out"
	cmp src "$SPARSE_SHM/out"
	assert_blocks_le "$SPARSE_SHM/out" $((4 * MiB / 512))
}

@test "auto from a pipe writes every byte it reads (content only)" {
	make_zero_heavy src
	run -0 bash -c 'cat src | "$1" - out' _ "$KCP"
	cmp src out
}

@test "always: unaligned --seek=1000 into a new DEST, content and holes right" {
	make_zero_heavy src
	run -0 kcp --sparse=always --seek=1000 src out
	expect_copy want - src 1000 0 -
	cmp want out
	assert_blocks_le out $((4 * MiB / 512))
}

@test "always: -l from a pipe ending in a zero run gives the exact size" {
	make_zero_heavy src
	run -0 bash -c 'cat src | "$1" --sparse=always -l 20M - out' _ "$KCP"
	expect_copy want - src 0 0 $((20 * MiB))
	cmp want out
	assert_equal "$(stat -c %s out)" $((20 * MiB))
	assert_blocks_le out $((4 * MiB / 512))
}

@test "always: a pipe fed in 1000-byte writes still becomes sparse" {
	make_zero_heavy src
	# Reads from the pipe then return sizes that are not block multiples;
	# holes are DEST blocks that are all zeros, wherever reads ended.
	run -0 bash -c 'python3 -c "
import os, sys
d = open(sys.argv[1], \"rb\").read()
for i in range(0, len(d), 1000):
    os.write(1, d[i:i + 1000])
" src | "$1" --sparse=always - out' _ "$KCP"
	cmp src out
	assert_blocks_le out $((4 * MiB / 512))
}

@test "always: --skip=1000 from a pipe still becomes sparse" {
	make_zero_heavy src
	run -0 bash -c 'cat src | "$1" --sparse=always --skip=1000 - out' _ "$KCP"
	expect_copy want - src 0 1000 -
	cmp want out
	assert_blocks_le out $((4 * MiB / 512))
}

@test "always: a buffer size that is not a block multiple still makes holes" {
	make_zero_heavy src
	run -0 kcp --sparse=always -B 100000 src out
	cmp src out
	assert_blocks_le out $((4 * MiB / 512))
}

# --- inherited descriptors ------------------------------------------------------

@test "auto: sparse source to standard output (a file) keeps holes" {
	make_src8 src
	require_sparse_fs src
	run -0 bash -c '"$1" src - >out' _ "$KCP"
	cmp src out
	assert_blocks_le out $(($(blocks src) + MARGIN))
}

@test "auto: standard output's offset ends past a final hole" {
	make_src8 src
	run -0 bash -c '{ "$1" src - && printf X; } >out' _ "$KCP"
	printf X >x
	cat src x >want
	cmp want out
}

@test "auto: standard input's offset ends past a hole the copy ended in" {
	make_src8 src
	run -0 bash -c '{ "$1" -l 3M - a && "$1" - b; } <src' _ "$KCP"
	expect_copy want_a - src 0 0 $((3 * MiB))
	expect_copy want_b - src 0 $((3 * MiB)) -
	cmp want_a a
	cmp want_b b
}

@test "stale: O_APPEND standard output (>>) gets the holes as zeros" {
	make_src8 src
	ff 1000 old
	cp old out
	run -0 bash -c '"$1" src - >>out' _ "$KCP"
	expect_copy want old src 1000 0 -
	cmp want out
}

# --- stale data: DEST not freshly truncated -------------------------------------

@test "stale: --no-truncate over a longer 0xFF DEST, holes read as zeros" {
	make_src8 src
	ff $((10 * MiB)) old
	cp old out
	run -0 kcp --no-truncate src out
	assert_output ""
	expect_copy want old src 0 0 -
	cmp want out
}

@test "stale: --no-truncate over a shorter 0xFF DEST, holes read as zeros" {
	make_src8 src
	ff $((3 * MiB)) old
	cp old out
	run -0 kcp --no-truncate src out
	expect_copy want old src 0 0 -
	cmp want out
	assert_equal "$(stat -c %s out)" $((8 * MiB))
}

@test "stale: --seek=1M into a 0xFF DEST, holes read as zeros" {
	make_src8 src
	ff $((10 * MiB)) old
	cp old out
	run -0 kcp --seek=1M src out
	assert_output ""
	expect_copy want old src $MiB 0 -
	cmp want out
}

@test "stale: unaligned --seek=1000 into a 0xFF DEST, holes read as zeros" {
	make_src8 src
	ff $((10 * MiB)) old
	cp old out
	run -0 kcp --seek=1000 src out
	expect_copy want old src 1000 0 -
	cmp want out
}

@test "stale: --seek, --skip and -l with holes at both ends of the range" {
	make_src8 src
	ff $((10 * MiB)) old
	cp old out
	run -0 kcp --seek=1M --skip=512K -l 5M src out
	expect_copy want old src $MiB $((512 * KiB)) $((5 * MiB))
	cmp want out
}

@test "stale: --seek past a 0xFF DEST's end, holes read as zeros" {
	make_src8 src
	ff $((1 * MiB + 5)) old
	cp old out
	run -0 kcp --seek=$((2 * MiB + 100)) src out
	expect_copy want old src $((2 * MiB + 100)) 0 -
	cmp want out
}

@test "stale: --append after 0xFF bytes keeps source holes as zeros" {
	make_src8 src
	ff 1000 old
	cp old out
	run -0 kcp --append src out
	expect_copy want old src 1000 0 -
	cmp want out
}

@test "stale: --sparse=always --no-truncate, zero runs of a dense source are zeros" {
	make_zero_heavy src
	ff $((33 * MiB)) old
	cp old out
	run -0 kcp --sparse=always --no-truncate src out
	expect_copy want old src 0 0 -
	cmp want out
}

@test "stale: --sparse=always from a pipe with --seek=4096 over 0xFF" {
	make_zero_heavy src
	ff $((40 * MiB)) old
	cp old out
	run -0 bash -c 'cat src | "$1" --sparse=always --seek=4096 - out' _ "$KCP"
	expect_copy want old src 4096 0 -
	cmp want out
}

@test "stale: --sparse=always with unaligned --seek=1000 over 0xFF" {
	make_zero_heavy src
	ff $((40 * MiB)) old
	cp old out
	run -0 kcp --sparse=always --seek=1000 src out
	expect_copy want old src 1000 0 -
	cmp want out
}

@test "stale: --sparse=always, pipe in 1000-byte writes, --seek=1000 over 0xFF" {
	make_zero_heavy src
	ff $((40 * MiB)) old
	cp old out
	run -0 bash -c 'python3 -c "
import os, sys
d = open(sys.argv[1], \"rb\").read()
for i in range(0, len(d), 1000):
    os.write(1, d[i:i + 1000])
" src | "$1" --sparse=always --seek=1000 - out' _ "$KCP"
	expect_copy want old src 1000 0 -
	cmp want out
}

@test "stale: --method=readwrite --no-truncate over 0xFF, holes read as zeros" {
	make_src8 src
	ff $((10 * MiB)) old
	cp old out
	run -0 kcp --method=readwrite --no-truncate src out
	expect_copy want old src 0 0 -
	cmp want out
}

@test "stale: --no-truncate from tmpfs over a 0xFF DEST in TMPDIR" {
	require_shm
	make_src8 "$SPARSE_SHM/src8"
	ff $((10 * MiB)) old
	cp old out
	run -0 kcp --no-truncate "$SPARSE_SHM/src8" out
	expect_copy want old "$SPARSE_SHM/src8" 0 0 -
	rm -f "$SPARSE_SHM"/src8*
	cmp want out
}

@test "stale: --sparse=never --seek=1000 over 0xFF writes the zeros" {
	make_src8 src
	ff $((10 * MiB)) old
	cp old out
	run -0 kcp --sparse=never --seek=1000 src out
	expect_copy want old src 1000 0 -
	cmp want out
}

# --- ranges of a sparse source --------------------------------------------------

@test "range: --skip=512K -l 3M gives holes at both ends and the exact size" {
	make_src8 src
	require_sparse_fs src
	run -0 kcp --skip=512K -l 3M src out
	assert_output ""
	expect_copy want - src 0 $((512 * KiB)) $((3 * MiB))
	cmp want out
	assert_equal "$(stat -c %s out)" $((3 * MiB))
	assert_blocks_le out $((MiB / 512 + MARGIN))
}

@test "range: -l ending inside the final hole gives the exact size" {
	make_src8 src
	require_sparse_fs src
	run -0 kcp -l 7M src out
	expect_copy want - src 0 0 $((7 * MiB))
	cmp want out
	assert_equal "$(stat -c %s out)" $((7 * MiB))
	assert_blocks_le out $(($(blocks src) + MARGIN))
}

@test "range: -l past EOF stops at the source's size, hole at the end" {
	make_src8 src
	run -0 kcp -l 100M src out
	cmp src out
	assert_equal "$(stat -c %s out)" $((8 * MiB))
}

@test "range: --skip into the final hole gives a hole of the exact size" {
	make_src8 src
	require_sparse_fs src
	run -0 kcp --skip=7M src out
	assert_equal "$(stat -c %s out)" $((1 * MiB))
	cmp -n $((1 * MiB)) out /dev/zero
	assert_blocks_le out "$MARGIN"
}

@test "range: unaligned --skip=1000 -l 5000000 across holes and data" {
	make_src8 src
	run -0 kcp --skip=1000 -l 5000000 src out
	expect_copy want - src 0 1000 5000000
	cmp want out
}

@test "range: --skip into the last island of the 4 GiB file, -l past its end" {
	require_sparse_fs "$BATS_FILE_TMPDIR/big"
	run -0 kcp --skip=$((3 * GiB + MiB + 1)) -l 1M "$BATS_FILE_TMPDIR/big" out
	assert_equal "$(stat -c %s out)" "$MiB"
	# The island at 3 GiB + 1 MiB is 512 KiB + 4095 bytes; the rest is hole.
	local off=$((3 * GiB + MiB)) n=$((512 * KiB + 4095))
	cmp -n $((n - 1)) -i "0:1" out "$BATS_FILE_TMPDIR/big.island.$off"
	cmp -n $((MiB - n + 1)) -i "$((n - 1)):0" out /dev/zero
}

@test "range: --skip and -l on standard input redirected from a sparse file" {
	make_src8 src
	require_sparse_fs src
	run -0 kcp --skip=1M -l 5M - out <src
	expect_copy want - src 0 "$MiB" $((5 * MiB))
	cmp want out
	assert_equal "$(stat -c %s out)" $((5 * MiB))
	assert_blocks_le out $(($(blocks src) + MARGIN))
}

# --- every method keeps holes -------------------------------------------------

@test "--method=readwrite keeps holes" {
	make_src64 src
	require_sparse_fs src
	run -0 kcp --method=readwrite src out
	assert_output ""
	cmp src out
	assert_blocks_le out $(($(blocks src) + MARGIN))
}

@test "--method=readwrite keeps holes of the 4 GiB file" {
	require_sparse_fs "$BATS_FILE_TMPDIR/big"
	run -0 kcp --method=readwrite "$BATS_FILE_TMPDIR/big" out
	check_big "$BATS_FILE_TMPDIR/big" out
}

@test "--method=sendfile, splice and copy_file_range each keep holes" {
	make_src64 src
	require_sparse_fs src
	local m
	for m in sendfile splice copy_file_range; do
		run -0 kcp --method=$m src "out.$m"
		assert_output ""
		cmp src "out.$m"
		assert_blocks_le "out.$m" $(($(blocks src) + MARGIN))
	done
}

@test "-v names the method and the bytes of a sparse copy" {
	make_src8 src
	run -0 --separate-stderr kcp -v --method=readwrite src out
	assert_output ""
	cmp src out
	# Data regions only went through readwrite; the count is the range
	# copied (kcp(1), VERBOSE OUTPUT: "the number of bytes copied"),
	# holes included.
	assert_regex "$stderr" "^kcp: 'src' -> 'out': $((8 * MiB)) bytes in [0-9]+\.[0-9]{2} s( \([^)]*\))? via readwrite$"
}

# --- fault injection (tests/helpers/faultinj.c) ------------------------------

@test "fault: SEEK_DATA/SEEK_HOLE failing with EINVAL: copied whole, content right" {
	require_faultinj
	make_src8 src
	run -0 --separate-stderr kcp_fault lseek:EINVAL:always src out
	assert_equal "$stderr" ""
	cmp src out
}

@test "fault: SEEK_DATA/SEEK_HOLE failing mid-copy over a 0xFF DEST: content right" {
	require_faultinj
	make_src8 src
	ff $((10 * MiB)) old
	cp old out
	# The first calls find the first island; then the filesystem "stops
	# knowing" holes.
	run -0 --separate-stderr kcp_fault lseek:EINVAL:3:always --no-truncate src out
	assert_equal "$stderr" ""
	expect_copy want old src 0 0 -
	cmp want out
}

@test "fault: SEEK_HOLE failing under --method=readwrite, unaligned --seek: content right" {
	require_faultinj
	make_src8 src
	ff $((10 * MiB)) old
	cp old out
	run -0 --separate-stderr kcp_fault lseek:EINVAL:2:always --method=readwrite --seek=1000 src out
	expect_copy want old src 1000 0 -
	cmp want out
}

# --- usage ------------------------------------------------------------------------

@test "--sparse with an unknown value is a usage error" {
	run -1 --separate-stderr kcp --sparse=sometimes /dev/null out
	assert_output ""
	assert_equal "$stderr" "kcp: invalid argument 'sometimes' for --sparse
Try 'kcp --help' for more information."
	assert_file_not_exists out
}
