#!/usr/bin/env bats
# dd operand mode (kcp(1), DD OPERANDS): for a matrix of operands, kcp's
# DEST and its "records in/out" and bytes lines equal GNU dd's for the same
# operands on the same input and the same pre-existing DEST; standard
# streams, pipes; unsupported operands; a file named like an operand.

load helpers/test_helper
bats_require_minimum_version 1.5.0

export KCP

setup_file() {
	local d=$BATS_FILE_TMPDIR
	# 100000 bytes: not a multiple of any block size used below.
	mkdata 100000 "$d/in"
	# The old DEST: other bytes, shorter than the input, so that
	# truncation at seek= and conv=notrunc both show.
	python3 -c 'import random,sys; r=random.Random(7); sys.stdout.buffer.write(r.randbytes(70000))' > "$d/old"
	# Zero runs of whole 4K blocks (and a zero tail) for conv=sparse.
	python3 - "$d/zin" <<'PY'
import random, sys
r = random.Random(3)
d = bytearray(r.randbytes(64 * 1024))
d[4096:20480] = bytes(16384)
d[-8192:] = bytes(8192)
open(sys.argv[1], "wb").write(d)
PY
	mkdata $((2 * 1024 * 1024)) "$d/big"
	export IN=$d/in OLD=$d/old ZIN=$d/zin BIG=$d/big
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# The lines of a dd-style stderr that dd and kcp must agree on: everything
# but the diagnostics, which start with the program's name (dd's "you
# probably want conv=notrunc with oflag=append", kcp's error messages).
# The third line keeps only "N bytes ... copied": the timing differs.
closing() {
	grep -v -e '^dd: ' -e '^kcp: ' "$1" | sed '3s/ copied.*/ copied/'
}

# same_as_dd SRC OPERAND...: run dd and kcp with if=SRC of=DEST and the
# operands, each over its own copy of $OLD (no DEST when OLD is empty);
# SRC '|FILE' feeds FILE through a pipe with no if=.  Prints what differs
# and returns 1, else returns 0.
same_as_dd() {
	local src=$1 who rc bad= rc_dd=0 rc_kcp=0
	shift
	for who in dd kcp; do
		rm -f "$who.out"
		[ -z "$OLD" ] || cp "$OLD" "$who.out"
		local prog=dd
		[ "$who" = dd ] || prog=$KCP
		rc=0
		if [ "${src:0:1}" = '|' ]; then
			"$prog" of="$who.out" "$@" 2>"$who.err" < <(cat "${src:1}") || rc=$?
		else
			"$prog" if="$src" of="$who.out" "$@" 2>"$who.err" || rc=$?
		fi
		if [ "$who" = dd ]; then rc_dd=$rc; else rc_kcp=$rc; fi
		closing "$who.err" > "$who.lines"
	done
	[ "$rc_dd" = "$rc_kcp" ] || bad+=" exit status: dd $rc_dd, kcp $rc_kcp;"
	if [ -e dd.out ] || [ -e kcp.out ]; then
		cmp -s dd.out kcp.out || bad+=" DEST differs ($(cmp dd.out kcp.out 2>&1 | head -1); sizes $(stat -c %s dd.out kcp.out 2>/dev/null | tr '\n' ' '));"
	fi
	cmp -s dd.lines kcp.lines || bad+=" closing lines differ;"
	if [ -n "$bad" ]; then
		echo "== $* :$bad"
		echo "-- dd stderr:"; cat dd.err
		echo "-- kcp stderr:"; cat kcp.err
		return 1
	fi
}

# matrix SRC CASE...: same_as_dd SRC for each CASE (a word-split operand
# list); fails after trying them all, naming every one that differed.
matrix() {
	local src=$1 c failed=0
	shift
	for c in "$@"; do
		# shellcheck disable=SC2086
		same_as_dd "$src" $c || failed=$((failed + 1))
	done
	[ "$failed" = 0 ] || fail "$failed of $# operand sets differ from dd"
}

@test "dd: the comparison itself can fail (kcp's DEST is checked)" {
	# A sanity check of the harness: different operands must differ.
	cp "$OLD" dd.out
	dd if="$IN" of=dd.out bs=1K count=2 2>/dev/null
	cp "$OLD" kcp.out
	"$KCP" if="$IN" of=kcp.out bs=1K count=3 2>/dev/null
	run ! cmp -s dd.out kcp.out
}

@test "dd: block sizes, suffixes (K M kB KiB c w b) and NxM products" {
	matrix "$IN" \
	    "" "bs=1M" "bs=512" "bs=3" "bs=4K" "bs=100000" "bs=99999" \
	    "bs=1b count=7" "bs=4w count=100" "bs=3c count=10" \
	    "bs=2x1K count=5" "bs=1K count=1x3" "bs=2x512 count=4" "bs=3x1b count=4" \
	    "bs=1kB count=9" "bs=1KB count=9" "bs=1KiB count=9" \
	    "bs=1k count=9" "bs=1M count=1" "bs=8K count=2x3"
}

@test "dd: ibs= and obs= differ (records in and out counted apart)" {
	matrix "$IN" \
	    "ibs=1K obs=3K" "ibs=3K obs=1K" "ibs=1K obs=3K count=7" \
	    "ibs=1K obs=3K skip=10 seek=4" "ibs=1K obs=3K skip=10 seek=4 count=7" \
	    "ibs=1000 obs=4096 count=33" "ibs=4K obs=512 skip=3 seek=9 conv=notrunc" \
	    "ibs=1K bs=4K count=3" "obs=1K bs=4K count=3 seek=2"
}

@test "dd: bs= overrides ibs= and obs= given before it, as in dd" {
	# GNU dd: "bs=BYTES read and write up to BYTES bytes at a time
	# (default: 512); overrides ibs and obs", whatever the order.
	matrix "$IN" "bs=4K ibs=1K count=3" "bs=4K obs=1K count=3 seek=2" \
	    "bs=2K ibs=1K obs=3K skip=2 count=5"
}

@test "dd: skip=, seek=, count= in blocks, truncating at seek= or not" {
	matrix "$IN" \
	    "bs=4K skip=5" "bs=4K seek=2" "bs=4K skip=5 seek=2" \
	    "bs=4K skip=5 seek=2 conv=notrunc" "bs=4K seek=3 count=1" \
	    "bs=4K seek=3 count=1 conv=notrunc" "bs=4K seek=30 count=2" \
	    "bs=4K seek=30 count=2 conv=notrunc" "bs=1K skip=97" \
	    "bs=1K skip=97 count=5" "skip=1 count=0" "count=0" \
	    "bs=1K seek=10 count=0 conv=notrunc" "seek=1x2 skip=2x2 count=2"
}

@test "dd: seek= past DEST's end extends DEST even when nothing is copied" {
	# dd truncates (ftruncate) the output to seek= bytes unless
	# conv=notrunc, which makes a short file longer, too.
	local ok=0
	matrix "$IN" "bs=1K seek=100 count=0" "bs=1K skip=200 seek=80" \
	    "oflag=seek_bytes seek=90000 count=0" || ok=1
	OLD='' matrix "$IN" "bs=512 seek=3 count=0" || ok=1
	return "$ok"
}

@test "dd: iflag=skip_bytes,count_bytes and oflag=seek_bytes" {
	# seek_bytes values are at least obs: GNU dd 9.1 truncates the whole
	# output when oflag=seek_bytes seek= is below one block (its bug).
	matrix "$IN" \
	    "iflag=skip_bytes skip=777 bs=4K" "iflag=count_bytes count=5555 bs=4K" \
	    "iflag=skip_bytes,count_bytes skip=100 count=3333 bs=1K" \
	    "iflag=count_bytes count=1 bs=4K" "iflag=count_bytes count=4096 bs=4K" \
	    "oflag=seek_bytes seek=5000 bs=4K" \
	    "oflag=seek_bytes seek=5000 bs=4K conv=notrunc" \
	    "oflag=seek_bytes seek=100000 bs=4K count=1" \
	    "iflag=skip_bytes,count_bytes oflag=seek_bytes skip=10 count=20000 seek=4099 bs=4K" \
	    "iflag=skip_bytes skip=1K count=3 bs=1000"
}

@test "dd: conv=notrunc,sparse,excl,nocreat,fsync,fdatasync" {
	matrix "$IN" \
	    "conv=notrunc" "conv=notrunc bs=1K count=5" \
	    "conv=fsync bs=8K" "conv=fdatasync bs=8K seek=1" \
	    "conv=fsync,notrunc bs=4K seek=1 count=2" \
	    "conv=nocreat bs=4K" "conv=nocreat,notrunc bs=4K count=2"
	matrix "$ZIN" "conv=sparse bs=4K" "conv=sparse bs=4K seek=2" \
	    "conv=sparse bs=4K seek=30" "conv=sparse bs=1K skip=3"
	OLD='' matrix "$IN" "conv=excl bs=4K" "conv=excl,fsync bs=1K count=3" \
	    "conv=sparse bs=512"
}

@test "dd: conv=excl on an existing DEST and conv=nocreat on a missing one fail as dd does" {
	# Same exit status, DEST untouched, and no closing lines: dd stops
	# before copying and prints none.
	local ok=0
	matrix "$IN" "conv=excl" "conv=excl,notrunc bs=1K" || ok=1
	OLD='' matrix "$IN" "conv=nocreat" "conv=nocreat bs=1K count=1" || ok=1
	[ ! -e kcp.out ] || fail "conv=nocreat created DEST"
	# a SOURCE that cannot be opened
	OLD='' matrix "$BATS_TEST_TMPDIR/no-such-file" "bs=1K" || ok=1
	return "$ok"
}

@test "dd: conv=sparse,notrunc: zero blocks never let old DEST bytes show through" {
	# GNU dd seeks over zero blocks and leaves the old DEST's bytes
	# there; kcp does not (kcp(1), DD OPERANDS, Differences from GNU dd:
	# the old bytes never show through).  The result is SOURCE's bytes.
	local ops
	for ops in "bs=4K" "bs=4K seek=3" "bs=1K skip=2 seek=1"; do
		cp "$OLD" out
		# shellcheck disable=SC2086
		"$KCP" if="$ZIN" of=out conv=sparse,notrunc $ops status=none
		cp "$OLD" want
		# shellcheck disable=SC2086
		dd if="$ZIN" of=want conv=notrunc $ops status=none
		cmp want out
	done
}

@test "dd: iflag=fullblock,direct,nocache and oflag=append,dsync,direct,nocache" {
	matrix "$IN" \
	    "iflag=fullblock bs=4K" "iflag=fullblock bs=3K count=5" \
	    "iflag=direct bs=4K" "oflag=direct bs=4K" \
	    "iflag=direct oflag=direct bs=64K" "iflag=direct oflag=direct bs=4K skip=3 seek=2 count=9" \
	    "iflag=nocache bs=16K" "oflag=nocache bs=16K seek=1" \
	    "iflag=nocache oflag=nocache bs=16K" "oflag=dsync bs=16K" \
	    "oflag=dsync bs=4K count=3 seek=2 conv=notrunc" \
	    "oflag=append conv=notrunc" "oflag=append conv=notrunc bs=1K count=3" \
	    "oflag=append,dsync conv=notrunc bs=4K skip=2"
}

@test "dd: oflag=append without conv=notrunc truncates DEST first, as dd does" {
	# dd opens with O_TRUNC|O_APPEND here (and warns "you probably want
	# conv=notrunc with oflag=append"): DEST ends up as the input alone.
	matrix "$IN" "oflag=append" "oflag=append bs=1K count=3"
}

@test "dd: status=none and status=noxfer" {
	matrix "$IN" "status=none" "status=none bs=1K count=3" \
	    "status=noxfer" "status=noxfer bs=3K skip=1 seek=1 count=4" \
	    "status=noxfer ibs=1K obs=4K"
	matrix "$IN" "status=none"
	[ ! -s kcp.err ]
}

@test "dd: the bytes line for many sizes (bytes, kB/MB and KiB/MiB forms)" {
	# count_bytes copies exactly N bytes; the sizes cross dd's
	# "N bytes", "(X)" and "(X, Y)" forms and the rounding boundaries.
	# Exact halves are in the next test.
	local n cases=()
	for n in 0 1 2 999 1000 1001 1023 1024 1025 1049 1051 1100 1536 \
	    9949 9951 9999 10000 10239 10240 10241 99999 100000 102400 \
	    999499 999999 1000000 1048575 1048576 1048577 1572864 2000000 \
	    2097152; do
		cases+=("iflag=count_bytes bs=64K count=$n")
	done
	matrix "$BIG" "${cases[@]}"
}

@test "dd: the bytes line rounds exact halves as dd does (to even)" {
	# dd's human_round_to_nearest rounds a half to the even neighbour:
	# 1050 bytes is "1.0 kB", 1250 "1.2 kB", 12500 "12 kB", 1150 "1.2 kB".
	local n cases=()
	for n in 1050 1150 1250 12500 13500 125000 1050000; do
		cases+=("iflag=count_bytes bs=64K count=$n")
	done
	matrix "$BIG" "${cases[@]}"
}

@test "dd: input from a pipe with iflag=fullblock, skip= and count=" {
	matrix "|$IN" "iflag=fullblock bs=4K" "iflag=fullblock bs=4K count=7" \
	    "iflag=fullblock bs=1K skip=2 count=3" \
	    "iflag=fullblock ibs=3K obs=1K skip=1 count=5 seek=2" \
	    "iflag=fullblock,count_bytes bs=4K count=5000" \
	    "iflag=fullblock,skip_bytes bs=4K skip=10 count=2" \
	    "iflag=fullblock bs=64K count=1 conv=notrunc seek=1"
}

@test "dd: count= leaves the rest of a pipe for the next reader" {
	cat "$IN" | { "$KCP" iflag=fullblock bs=1K count=3 of=head 2>/dev/null
	    cat > rest; }
	cmp head <(head -c 3072 "$IN")
	cmp rest <(tail -c +3073 "$IN")
}

@test "dd: a slow pipe with iflag=fullblock still gets whole blocks" {
	# Chunks of 100 bytes every few ms: without fullblock dd would count
	# short reads; with it both see 3 full 1K records.
	local i
	slow() { for i in $(seq 0 39); do tail -c +$((i * 100 + 1)) "$IN" | head -c 100; sleep 0.005; done; }
	slow | "$KCP" iflag=fullblock bs=1K count=3 of=out 2>err
	cmp out <(head -c 3072 "$IN")
	assert_equal "$(sed -n 1,2p err)" $'3+0 records in\n3+0 records out'
}

@test "dd: of= missing writes standard output" {
	dd if="$IN" bs=1K skip=3 count=5 > dd.out 2>dd.err
	"$KCP" if="$IN" bs=1K skip=3 count=5 > kcp.out 2>kcp.err
	cmp dd.out kcp.out
	cmp <(closing dd.err) <(closing kcp.err)
	# seek= on standard output counts from its offset and never truncates
	cp "$OLD" dd.out; cp "$OLD" kcp.out
	dd if="$IN" bs=1K seek=2 count=3 1<>dd.out 2>/dev/null
	"$KCP" if="$IN" bs=1K seek=2 count=3 1<>kcp.out 2>/dev/null
	cmp dd.out kcp.out
}

@test "dd: if= missing reads standard input" {
	dd of=dd.out bs=1K skip=3 < "$IN" 2>dd.err
	"$KCP" of=kcp.out bs=1K skip=3 < "$IN" 2>kcp.err
	cmp dd.out kcp.out
	cmp <(closing dd.err) <(closing kcp.err)
	# neither: a filter
	"$KCP" bs=4K count=2 < "$IN" > filt 2>/dev/null
	cmp filt <(head -c 8192 "$IN")
}

@test "dd: unsupported operands fail with exit 1 naming the operand" {
	cp "$OLD" out
	local op
	for op in cbs=3 conv=ucase iflag=foo status=bogus oflag=sync \
	    conv=noerror conv=notrunc,lcase ibs=1K,obs=2K bogus=1; do
		run -1 --separate-stderr "$KCP" if="$IN" of=out "$op"
		assert_equal "$output" ""
		# the message names the operand (or the flag in it)
		[[ "$stderr" == kcp:*"${op##*[=,]}"* ]] || fail "$op: $stderr"
		cmp out "$OLD"
	done
	run -1 --separate-stderr "$KCP" if="$IN" of=out cbs=3
	assert_equal "${stderr_lines[0]}" "kcp: unsupported dd operand 'cbs=3'"
	run -1 --separate-stderr "$KCP" if="$IN" of=out conv=ucase
	[[ "$stderr" == *"unsupported dd flag 'ucase' in 'conv=ucase'"* ]]
	run -1 --separate-stderr "$KCP" if="$IN" of=out iflag=foo
	[[ "$stderr" == *"'foo'"*"'iflag=foo'"* ]]
	run -1 --separate-stderr "$KCP" if="$IN" of=out status=bogus
	[[ "$stderr" == *"status=bogus"* ]]
	run -1 --separate-stderr "$KCP" if="$IN" of=out bs=0
	[[ "$stderr" == *"bs=0"* ]]
	run -1 --separate-stderr "$KCP" if="$IN" of=out count=1q
	[[ "$stderr" == *"count=1q"* ]]
	cmp out "$OLD"
}

@test "dd: a file literally named 'if=x' is copied with ./if=x" {
	mkdata 5000 'if=x'
	run -0 "$KCP" ./if=x out
	cmp 'if=x' out
	run -0 "$KCP" -- ./if=x of=y
	cmp 'if=x' 'of=y'
}

@test "dd: status=progress copies the data and ends with the closing lines" {
	run -0 --separate-stderr "$KCP" if="$BIG" of=out bs=64K status=progress
	cmp "$BIG" out
	[[ "$stderr" == *"32+0 records in"*"32+0 records out"*"2097152 bytes (2.1 MB, 2.0 MiB) copied"* ]]
}
