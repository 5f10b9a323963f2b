#!/usr/bin/env bats
# Offsets and lengths: --skip, --seek, --length and --append, checked
# against python3; inherited descriptors (kcp(1), Semantics): offsets that
# count from the descriptor's position, exact splitting of standard input,
# O_APPEND standard output; offset arithmetic past INT64_MAX.

load helpers/test_helper
bats_require_minimum_version 1.5.0

export KCP

setup_file() {
	make_pool
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}


# The model.  Writes want.SKIP.SEEK.LEN for every combination: OLD (or
# nothing, when OLD is '') with SRC[SKIP:SKIP+LEN] written at SEEK.  A copy
# that moves no bytes changes nothing (dd conv=notrunc does the same).
# LEN 'eof' means to the end.
# Usage: model SRC OLD "SKIPS" "SEEKS" "LENS"
model() {
	python3 - "$@" <<'PY'
import sys
src, old, skips, seeks, lens = sys.argv[1:6]
s = open(src, "rb").read()
o = open(old, "rb").read() if old else b""
for skip in map(int, skips.split()):
    for seek in map(int, seeks.split()):
        for ln in lens.split():
            data = s[skip:] if ln == "eof" else s[skip:skip + int(ln)]
            b = bytearray(o)
            if data and len(b) < seek:
                b += bytes(seek - len(b))
            b[seek:seek + len(data)] = data
            with open(f"want.{skip}.{seek}.{ln}", "wb") as f:
                f.write(b)
PY
}

# -l argument for a LEN of the model.
len_args() {
	if [ "$1" != eof ]; then
		echo "-l $1"
	fi
}

SKIPS="0 1 4095 4096 10000 12345 13000"
SEEKS="0 1 4097 30000"
LENS="eof 0 1 5000 1000000"

# ------------------------------------------------------ the matrices

@test "--skip/--seek/--length into an existing DEST (never truncated)" {
	mkd 12345 src
	mkd 20000 old
	model src old "$SKIPS" "$SEEKS" "$LENS"
	local skip seek ln
	for skip in $SKIPS; do
		for seek in $SEEKS; do
			for ln in $LENS; do
				cp old dst
				# shellcheck disable=SC2046
				kcp --skip="$skip" --seek="$seek" $(len_args "$ln") src dst ||
				    fail "skip=$skip seek=$seek len=$ln: failed"
				cmp "want.$skip.$seek.$ln" dst ||
				    fail "skip=$skip seek=$seek len=$ln: wrong data"
			done
		done
	done
}

@test "--skip/--seek/--length into a new DEST" {
	mkd 12345 src
	model src '' "$SKIPS" "$SEEKS" "$LENS"
	local skip seek ln
	for skip in $SKIPS; do
		for seek in $SEEKS; do
			for ln in $LENS; do
				rm -f dst
				# shellcheck disable=SC2046
				kcp --skip="$skip" --seek="$seek" $(len_args "$ln") src dst ||
				    fail "skip=$skip seek=$seek len=$ln: failed"
				cmp "want.$skip.$seek.$ln" dst ||
				    fail "skip=$skip seek=$seek len=$ln: wrong data"
			done
		done
	done
}

@test "--skip/--length without --seek truncate an existing DEST" {
	mkd 12345 src
	model src '' "$SKIPS" 0 "$LENS"
	mkd 20000 old
	local skip ln
	for skip in $SKIPS; do
		for ln in $LENS; do
			cp old dst
			# shellcheck disable=SC2046
			kcp --skip="$skip" $(len_args "$ln") src dst ||
			    fail "skip=$skip len=$ln: failed"
			cmp "want.$skip.0.$ln" dst ||
			    fail "skip=$skip len=$ln: wrong data"
		done
	done
}

@test "--no-truncate without --seek writes at 0 and keeps the rest" {
	mkd 12345 src
	mkd 20000 old
	model src old "0 100 12000" 0 "eof 0 10"
	local skip ln
	for skip in 0 100 12000; do
		for ln in eof 0 10; do
			cp old dst
			# shellcheck disable=SC2046
			kcp --no-truncate --skip="$skip" $(len_args "$ln") src dst ||
			    fail "skip=$skip len=$ln: failed"
			cmp "want.$skip.0.$ln" dst ||
			    fail "skip=$skip len=$ln: wrong data"
		done
	done
}

@test "--skip/--length from standard input: a file and a pipe" {
	mkd 123457 src
	model src '' "0 1 4096 65537 123457 200000" 0 "eof 0 1 70000"
	local skip ln
	for skip in 0 1 4096 65537 123457 200000; do
		for ln in eof 0 1 70000; do
			rm -f a rest
			# shellcheck disable=SC2046
			{ kcp --skip="$skip" $(len_args "$ln") - a; cat >rest; } <src ||
			    fail "file: skip=$skip len=$ln: failed"
			cmp "want.$skip.0.$ln" a ||
			    fail "file: skip=$skip len=$ln: wrong data"
			cat a rest | cmp - <(tail -c "+$((skip + 1))" src) ||
			    fail "file: skip=$skip len=$ln: offset left wrong"
			rm -f a rest
			# shellcheck disable=SC2046
			cat src | { kcp --skip="$skip" $(len_args "$ln") - a; cat >rest; } ||
			    fail "pipe: skip=$skip len=$ln: failed"
			cmp "want.$skip.0.$ln" a ||
			    fail "pipe: skip=$skip len=$ln: wrong data"
			cat a rest | cmp - <(tail -c "+$((skip + 1))" src) ||
			    fail "pipe: skip=$skip len=$ln: consumed too much"
		done
	done
}

@test "dd agrees: skip, seek and count in bytes" {
	mkd 50000 src
	mkd 30000 old
	cp old want
	dd if=src of=want iflag=skip_bytes,count_bytes oflag=seek_bytes \
	    skip=1234 seek=25000 count=9999 conv=notrunc status=none
	cp old dst
	kcp --skip=1234 --seek=25000 -l 9999 src dst
	cmp want dst
}

# ---------------------------------------------------------- --seek

@test "--seek does not truncate" {
	mkd 100 src
	mkd 10000 dst
	cp dst saved
	kcp --seek=10 -l 5 src dst
	assert_equal "$(stat -c %s dst)" 10000
	{ head -c 10 saved; head -c 5 src; tail -c +16 saved; } | cmp - dst
}

@test "--seek past the end leaves zeros in the gap" {
	mkd 100 src
	mkd 50 dst
	{ cat dst; head -c 4950 /dev/zero; cat src; } >want
	kcp --seek=5000 src dst
	assert_equal "$(stat -c %s dst)" 5100
	cmp want dst
}

@test "--seek on a pipe DEST is an error; nothing is written" {
	mkd 100 src
	run -1 --separate-stderr bash -c \
	    'set -o pipefail; "$KCP" --seek=5 src - | cat >out'
	stderr_is "kcp: cannot seek in '-': Illegal seek"
	assert_equal "$(stat -c %s out)" 0
	run -1 --separate-stderr bash -c \
	    'set -o pipefail; cat src | "$KCP" --seek=1K - - | cat >out'
	stderr_is "kcp: cannot seek in '-': Illegal seek"
	assert_equal "$(stat -c %s out)" 0
}

# -------------------------------------------------------- --append

@test "--append writes at the end and never truncates" {
	mkd 1000 src
	mkd 3000 dst
	{ cat dst src; } >want
	kcp --append src dst
	cmp want dst
	cp want want2
	kcp --append -l 0 src dst
	cmp want2 dst
	{ cat want2; tail -c +101 src | head -c 50; } >want3
	kcp --append --skip=100 -l 50 src dst
	cmp want3 dst
	: >empty
	kcp --append empty dst
	cmp want3 dst
}

@test "--append creates a missing DEST" {
	mkd 1000 src
	kcp --append src new
	cmp src new
	cat src | kcp --append - new2
	cmp src new2
}

@test "--append from a pipe and from standard input" {
	mkd 100000 src
	mkd 300 dst
	{ cat dst src; } >want
	cat src | kcp --append - dst
	cmp want dst
	mkd 300 dst
	kcp --append - dst <src
	cmp want dst
}

@test "--append to a pipe on standard output just writes" {
	# A pipe has no end to seek to: like >> on a pipe, the bytes go out.
	mkd 5000 src
	run -0 --separate-stderr bash -c \
	    'set -o pipefail; "$KCP" --append src - | cat >out'
	assert_equal "$stderr" ""
	cmp src out
}

@test "--append to standard output that is a regular file" {
	mkd 5000 src
	mkd 300 out
	{ cat out src; } >want
	kcp --append src - 1<>out
	cmp want out
}

# -------------------------------------------------------------- -l 0

@test "-l 0 copies nothing but creates or truncates DEST" {
	mkd 1000 src
	kcp -l 0 src new
	assert_file_exists new
	assert_equal "$(stat -c %s new)" 0
	mkd 5000 dst
	kcp -l 0 src dst
	assert_equal "$(stat -c %s dst)" 0
	mkd 5000 dst
	cp dst saved
	kcp -l 0 --no-truncate src dst
	cmp saved dst
	kcp -l 0 --seek=100 src dst
	cmp saved dst
	kcp -l 0 src - >out
	assert_equal "$(stat -c %s out)" 0
}

@test "-l 0 consumes nothing from standard input" {
	mkd 1000 src
	{ kcp -l 0 - a; cat >rest; } <src
	assert_equal "$(stat -c %s a)" 0
	cmp src rest
	cat src | { kcp -l 0 - a; cat >rest; }
	cmp src rest
}

# ------------------------------------------------ splitting stdin

@test "{ kcp -l 10 - a; kcp - b; } < f splits a file exactly" {
	mkd 100000 f
	head -c 10 f >want_a
	tail -c +11 f >want_b
	local m
	for m in auto copy_file_range sendfile splice readwrite; do
		rm -f a b
		{ kcp --method="$m" -l 10 - a; kcp --method="$m" - b; } <f
		cmp want_a a || fail "--method=$m: first part"
		cmp want_b b || fail "--method=$m: second part"
	done
}

@test "{ kcp -l 10 - a; kcp - b; } splits a pipe exactly" {
	mkd 100000 f
	head -c 10 f >want_a
	tail -c +11 f >want_b
	local m
	for m in auto splice readwrite; do
		rm -f a b
		cat f | { kcp --method="$m" -l 10 - a; kcp --method="$m" - b; }
		cmp want_a a || fail "--method=$m: first part"
		cmp want_b b || fail "--method=$m: second part"
	done
}

@test "splitting a large file and pipe at an odd length" {
	mkd $((3 * 1024 * 1024 + 5)) f
	local l=$((1024 * 1024 + 333))
	head -c "$l" f >want_a
	tail -c "+$((l + 1))" f >want_b
	{ kcp -l "$l" - a; kcp - b; } <f
	cmp want_a a
	cmp want_b b
	rm a b
	cat f | { kcp -l "$l" - a; kcp - b; }
	cmp want_a a
	cmp want_b b
}

@test "splitting with --skip between the parts, file and pipe" {
	mkd 50000 f
	python3 - <<'PY'
f = open("f", "rb").read()
open("want_a", "wb").write(f[0:10])
open("want_b", "wb").write(f[15:25])
open("want_c", "wb").write(f[25:])
PY
	{ kcp -l 10 - a; kcp --skip=5 -l 10 - b; kcp - c; } <f
	cmp want_a a
	cmp want_b b
	cmp want_c c
	rm a b c
	cat f | { kcp -l 10 - a; kcp --skip=5 -l 10 - b; kcp - c; }
	cmp want_a a
	cmp want_b b
	cmp want_c c
}

@test "splitting to standard output joins back exactly" {
	mkd 100000 f
	{ kcp -l 10 - -; kcp -l 20000 - -; kcp - -; } <f >out
	cmp f out
	cat f | { kcp -l 10 - -; kcp -l 20000 - -; kcp - -; } | cat >out2
	cmp f out2
}

# ------------------------------------------- inherited descriptors

@test "--skip on standard input counts from its current offset" {
	mkd 1000 f
	# os.read on the raw descriptor reads exactly 5 bytes: no buffering.
	{
		python3 -c 'import os; assert len(os.read(0, 5)) == 5'
		kcp --skip=3 -l 4 - out
		cat >rest
	} <f
	python3 - <<'PY'
f = open("f", "rb").read()
assert open("out", "rb").read() == f[8:12], "copied bytes"
assert open("rest", "rb").read() == f[12:], "offset left"
PY
}

@test "a limited copy from standard input leaves the offset past the bytes" {
	mkd 1000 f
	{
		dd bs=1 count=7 status=none of=/dev/null
		kcp -l 100 - out
		python3 -c 'import os; print(os.lseek(0, 0, os.SEEK_CUR))' >pos
	} <f
	assert_equal "$(cat pos)" 107
	tail -c +8 f | head -c 100 | cmp - out
}

@test "--seek on standard output counts from its current offset" {
	mkd 100 src
	{ printf HEADER; kcp --seek=4 -l 3 src -; printf T; } >out
	{ printf HEADER; head -c 4 /dev/zero; head -c 3 src; printf T; } >want
	cmp want out
}

@test "standard output is never truncated (1<> opens without O_TRUNC)" {
	mkd 100 src
	mkd 1000 out
	{ head -c 3 src; tail -c +4 out; } >want
	kcp -l 3 src - 1<>out
	cmp want out
	{ head -c 20 want; head -c 5 src; tail -c +26 want; } >want2
	kcp --seek=20 -l 5 src - 1<>out
	cmp want2 out
}

@test "O_APPEND standard output: bytes land at the end" {
	mkd 5000 src
	printf abc >out
	kcp src - >>out
	{ printf abc; cat src; } | cmp - out
	printf abc >out
	{ kcp -l 10 src -; kcp --skip=10 -l 10 src -; } >>out
	{ printf abc; head -c 20 src; } | cmp - out
	printf abc >out
	cat src | kcp - - >>out
	{ printf abc; cat src; } | cmp - out
	printf abc >out
	kcp - - <src >>out
	{ printf abc; cat src; } | cmp - out
}

@test "O_APPEND standard output with another writer in between" {
	mkd 5000 src
	: >out
	{
		kcp -l 100 src -
		printf XYZ
		kcp --skip=100 -l 100 src -
	} >>out
	{ head -c 100 src; printf XYZ; tail -c +101 src | head -c 100; } |
	    cmp - out
}

# ---------------------------------------------- past EOF, INT64_MAX

@test "--skip past the end of SOURCE copies nothing, exit 0" {
	mkd 100 src
	run -0 --separate-stderr kcp --skip=1M src out
	assert_equal "$stderr" ""
	assert_equal "$(stat -c %s out)" 0
	run -0 --separate-stderr bash -c 'cat src | "$KCP" --skip=1M - out2'
	assert_equal "$(stat -c %s out2)" 0
	run -0 --separate-stderr kcp --skip=9223372036854775806 -l 1 src out3
	assert_equal "$stderr" ""
	assert_equal "$(stat -c %s out3)" 0
}

@test "offsets plus length past INT64_MAX are errors, not wrap-arounds" {
	mkd 100 src
	mkd 100 dst
	cp dst saved
	run -1 --separate-stderr kcp --skip=9223372036854775807 -l 1 src dst
	assert_equal "${stderr_lines[0]}" \
	    "kcp: --skip plus --length is past the largest file offset"
	run -1 --separate-stderr kcp --skip=8000000000000000000 -l 2E src dst
	assert_equal "${stderr_lines[0]}" \
	    "kcp: --skip plus --length is past the largest file offset"
	run -1 --separate-stderr kcp --seek=9223372036854775807 -l 1 src dst
	assert_equal "${stderr_lines[0]}" \
	    "kcp: --seek plus --length is past the largest file offset"
	run -1 --separate-stderr kcp --seek=4E -l 4E src dst
	assert_equal "${stderr_lines[0]}" \
	    "kcp: --seek plus --length is past the largest file offset"
	cmp saved dst
}
