#!/usr/bin/env bats
# dd operand mode's conversions (kcp(1), DD OPERANDS, Conversions) against
# GNU dd: the ASCII and EBCDIC tables over all 256 bytes, block and unblock
# with cbs=, swab of odd lengths and across blocks, sync padding with NULs
# and spaces, lcase and ucase, and their combinations.

load helpers/test_helper
load dd-lib

export KCP

setup_file() {
	dd_setup_file
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}

@test "dd conv: ascii, ebcdic and ibm over all 256 bytes are GNU dd's tables" {
	local c bs cases=()
	for c in ascii ebcdic ibm; do
		for bs in "" bs=1 bs=7 bs=256 "ibs=5 obs=3" "ibs=100 obs=1000"; do
			cases+=("if=$ALL of=out conv=$c $bs")
		done
	done
	old='' matrix "${cases[@]}"
	# the tables themselves: one byte of each value
	for c in ascii ebcdic ibm; do
		head -c 256 "$ALL" | dd conv=$c status=none >want
		head -c 256 "$ALL" | "$KCP" conv=$c status=none >got
		cmp want got || fail "conv=$c: $(cmp want got)"
	done
}

@test "dd conv: ebcdic then ascii gives every byte back; ebcdic is one-to-one" {
	"$KCP" if="$ALL" conv=ebcdic status=none | "$KCP" conv=ascii status=none >back
	cmp "$ALL" back
	"$KCP" if="$ALL" conv=ascii status=none | "$KCP" conv=ebcdic status=none >back
	cmp "$ALL" back
	[ "$(head -c 256 "$ALL" | "$KCP" conv=ebcdic status=none | od -An -v -tx1 |
	    tr -s ' ' '\n' | sed '/^$/d' | sort -u | wc -l)" = 256 ]
}

@test "dd conv: lcase and ucase, alone and with the EBCDIC tables" {
	old='' matrix \
	    "if=$TEXT of=out conv=lcase" "if=$TEXT of=out conv=ucase" \
	    "if=$ALL of=out conv=lcase" "if=$ALL of=out conv=ucase bs=10" \
	    "if=$ALL of=out conv=ascii,ucase" "if=$ALL of=out conv=ebcdic,lcase" \
	    "if=$ALL of=out conv=ibm,ucase" "if=$TEXT of=out conv=ucase ibs=3 obs=5" \
	    "if=$TEXT of=out conv=lcase,notrunc bs=1K"
}

@test "dd conv: block and unblock for many cbs=, with the truncated records line" {
	local cbs bs cases=()
	for cbs in 1 3 8 17 40 41 80 200; do
		for bs in "" "bs=100" "ibs=7 obs=13" "bs=1"; do
			cases+=("if=$TEXT of=out conv=block cbs=$cbs $bs"
			    "if=$TEXT of=out conv=unblock cbs=$cbs $bs")
		done
	done
	old='' matrix "${cases[@]}"
	# the blocked text back: unblock undoes block, but trailing spaces
	"$KCP" if="$TEXT" conv=block cbs=50 status=none | "$KCP" conv=unblock cbs=50 status=none >back
	dd if="$TEXT" conv=block cbs=50 status=none | dd conv=unblock cbs=50 status=none >want
	cmp want back
}

@test "dd conv: block and unblock with the EBCDIC tables, ascii and ebcdic without cbs" {
	old='' matrix \
	    "if=$TEXT of=out conv=ebcdic cbs=20" "if=$TEXT of=out conv=ibm cbs=33" \
	    "if=$TEXT of=out conv=ebcdic,ucase cbs=8 obs=100" \
	    "if=$ALL of=out conv=ascii cbs=20" "if=$ALL of=out conv=ascii cbs=7 bs=9" \
	    "if=$TEXT of=out conv=ebcdic" "if=$TEXT of=out conv=block" \
	    "if=$TEXT of=out conv=unblock" "if=$TEXT of=out conv=block,unblock" \
	    "if=$TEXT of=out conv=block,lcase cbs=10"
	"$KCP" if="$TEXT" conv=ebcdic cbs=60 status=none | "$KCP" conv=ascii cbs=60 status=none >back
	dd if="$TEXT" conv=ebcdic cbs=60 status=none | dd conv=ascii cbs=60 status=none >want
	cmp want back
}

@test "dd conv: swab of odd and even lengths, and across blocks" {
	local n bs cases=()
	for n in 0 1 2 3 4 5 511 512 513 1023 99999; do
		cases+=("if=$IN of=out conv=swab iflag=count_bytes count=$n")
	done
	for bs in bs=1 bs=2 bs=3 bs=7 "ibs=3 obs=2" "ibs=5 obs=4" "ibs=4 obs=3"; do
		cases+=("if=$IN of=out conv=swab $bs count=101")
	done
	cases+=("if=$TEXT of=out conv=swab,block cbs=9 ibs=5" \
	    "if=$TEXT of=out conv=swab,unblock cbs=9 ibs=5" \
	    "if=$ALL of=out conv=swab,ebcdic bs=3")
	old='' matrix "${cases[@]}"
}

@test "dd conv: sync pads short blocks with NULs, with block or unblock with spaces" {
	old=$OLD matrix \
	    "if=$IN of=out conv=sync bs=3000" "if=$IN of=out conv=sync bs=64K" \
	    "if=$IN of=out conv=sync ibs=3000 obs=1000" \
	    "if=$IN of=out conv=sync bs=3000 iflag=count_bytes count=4000" \
	    "if=$TEXT of=out conv=sync,block cbs=10 bs=3000" \
	    "if=$TEXT of=out conv=sync,unblock cbs=10 bs=3000" \
	    "if=$TEXT of=out conv=sync,ebcdic cbs=10 bs=3000" \
	    "if=$IN of=out conv=sync,swab bs=3001" \
	    "if=$IN of=out conv=sync,notrunc bs=7000 seek=1"
}

@test "dd conv: partial records from a pipe: gathered into obs, padded by sync" {
	# The staged writer hands over 1, 2, 5 and 300 bytes, one read each.
	feed=1,2,5,300 feedsrc=$TEXT old='' matrix \
	    "of=out conv=sync bs=4" "of=out conv=sync,block cbs=3 bs=4" \
	    "of=out conv=sync,unblock cbs=3 ibs=4 obs=5" \
	    "of=out conv=ucase bs=4" "of=out conv=ucase" "of=out conv=swab bs=3" \
	    "of=out conv=swab" "of=out conv=ebcdic bs=100" "of=out conv=unblock cbs=7 bs=4" \
	    "of=out conv=block cbs=5 bs=2 count=6"
}

@test "dd conv: everything at once" {
	old=$OLD matrix \
	    "if=$TEXT of=out conv=ebcdic,ucase,swab,sync cbs=13 ibs=100 obs=77" \
	    "if=$TEXT of=out conv=ascii,lcase,swab,sync,notrunc cbs=13 ibs=100 obs=77 seek=2" \
	    "if=$ALL of=out conv=ibm,lcase,swab,sparse cbs=33 ibs=31 obs=512" \
	    "if=$TEXT of=out conv=block,ucase,fsync cbs=16 bs=1K skip=1 count=3"
}

@test "dd conv: the cases compared with GNU dd, counted" {
	echo "# $(wc -l <"$DD_COUNT") dd/kcp comparisons in this file" >&3
}
