#!/usr/bin/env bats
# dd operand mode (kcp(1), DD OPERANDS) against GNU dd: block sizes,
# records, skip=, seek=, count=, truncation, conv= and the flags on files,
# dd's number grammar, and what dd says about its operands.  Each case
# compares DEST's bytes, standard output, standard error (the closing
# lines byte for byte, with a preloaded clock) and the exit status.
# Conversions are in dd-conv.bats, streams, signals and errors in
# dd-streams.bats.

load helpers/test_helper
load dd-lib

export KCP

setup_file() {
	dd_setup_file
	mkdata $((2 * 1024 * 1024)) "$BATS_FILE_TMPDIR/big"
	export BIG=$BATS_FILE_TMPDIR/big
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}

@test "dd: the comparison itself can fail" {
	# A sanity check of the harness: a different count must show.
	old=$OLD run ddcmp if="$IN" of=out bs=1K count=2
	assert_success
	KCP=$(command -v cat) old=$OLD run ddcmp if="$IN" of=out bs=1K count=2
	assert_failure
}

@test "dd: block sizes, suffixes (c w b K kB KiB M) and NxM products" {
	old=$OLD matrix \
	    "if=$IN of=out" "if=$IN of=out bs=1M" "if=$IN of=out bs=512" \
	    "if=$IN of=out bs=3" "if=$IN of=out bs=4K" "if=$IN of=out bs=100000" \
	    "if=$IN of=out bs=99999" "if=$IN of=out bs=1b count=7" \
	    "if=$IN of=out bs=4w count=100" "if=$IN of=out bs=3c count=10" \
	    "if=$IN of=out bs=2x1K count=5" "if=$IN of=out bs=1K count=1x3" \
	    "if=$IN of=out bs=2x512 count=4" "if=$IN of=out bs=3x1b count=4" \
	    "if=$IN of=out bs=1kB count=9" "if=$IN of=out bs=1KB count=9" \
	    "if=$IN of=out bs=1KiB count=9" "if=$IN of=out bs=1k count=9" \
	    "if=$IN of=out bs=1M count=1" "if=$IN of=out bs=8K count=2x3" \
	    "if=$IN of=out bs=2G count=1" "if=$IN of=out ibs=1E count=0"
}

@test "dd: ibs= and obs= differ: records in and out counted apart" {
	old=$OLD matrix \
	    "if=$IN of=out ibs=1K obs=3K" "if=$IN of=out ibs=3K obs=1K" \
	    "if=$IN of=out ibs=1K obs=3K count=7" \
	    "if=$IN of=out ibs=1K obs=3K skip=10 seek=4" \
	    "if=$IN of=out ibs=1000 obs=4096 count=33" \
	    "if=$IN of=out ibs=4K obs=512 skip=3 seek=9 conv=notrunc" \
	    "if=$IN of=out ibs=1K bs=4K count=3" \
	    "if=$IN of=out obs=1K bs=4K count=3 seek=2" \
	    "if=$IN of=out bs=4K ibs=1K count=3" \
	    "if=$IN of=out bs=2K ibs=1K obs=3K skip=2 count=5" \
	    "if=$IN of=out ibs=7 obs=13 count=100" "if=$IN of=out obs=1"
}

@test "dd: skip=, seek=, count= in blocks, and of= truncated at seek= unless notrunc" {
	old=$OLD matrix \
	    "if=$IN of=out bs=4K skip=5" "if=$IN of=out bs=4K seek=2" \
	    "if=$IN of=out bs=4K skip=5 seek=2" \
	    "if=$IN of=out bs=4K skip=5 seek=2 conv=notrunc" \
	    "if=$IN of=out bs=4K seek=3 count=1" \
	    "if=$IN of=out bs=4K seek=3 count=1 conv=notrunc" \
	    "if=$IN of=out bs=4K seek=30 count=2" \
	    "if=$IN of=out bs=4K seek=30 count=2 conv=notrunc" \
	    "if=$IN of=out bs=1K skip=97" "if=$IN of=out bs=1K skip=97 count=5" \
	    "if=$IN of=out skip=1 count=0" "if=$IN of=out count=0" \
	    "if=$IN of=out bs=1K seek=10 count=0 conv=notrunc" \
	    "if=$IN of=out seek=1x2 skip=2x2 count=2" \
	    "if=$IN of=out bs=1K seek=100 count=0" "if=$IN of=out bs=1K skip=200 seek=80" \
	    "if=$IN of=out iseek=3 oseek=5 bs=1K count=2" \
	    "if=$IN of=out skip=1000 bs=1K" "if=$IN of=out skip=98 bs=1K" \
	    "if=$IN of=out skip=1 count=1 status=none bs=99999"
	old='' matrix "if=$IN of=out bs=512 seek=3 count=0" \
	    "if=$IN of=out seek=7 count=1"
}

@test "dd: a trailing B counts bytes, as do skip_bytes, count_bytes, seek_bytes" {
	old=$OLD matrix \
	    "if=$IN of=out count=14B" "if=$IN of=out iseek=10B bs=4K" \
	    "if=$IN of=out skip=777B count=5555B bs=4K" "if=$IN of=out oseek=2B bs=1K count=1" \
	    "if=$IN of=out seek=5000B bs=4K" "if=$IN of=out count=1KB" \
	    "if=$IN of=out count=1KiB" "if=$IN of=out count=2bB" "if=$IN of=out count=1Bx3" \
	    "if=$IN of=out iflag=skip_bytes skip=777 bs=4K" \
	    "if=$IN of=out iflag=count_bytes count=5555 bs=4K" \
	    "if=$IN of=out iflag=skip_bytes,count_bytes skip=100 count=3333 bs=1K" \
	    "if=$IN of=out iflag=count_bytes count=1 bs=4K" \
	    "if=$IN of=out oflag=seek_bytes seek=5000 bs=4K" \
	    "if=$IN of=out oflag=seek_bytes seek=5000 bs=4K conv=notrunc" \
	    "if=$IN of=out oflag=seek_bytes seek=100 bs=4K" \
	    "if=$IN of=out oflag=seek_bytes seek=90000 count=0" \
	    "if=$IN of=out iflag=seek_bytes oflag=skip_bytes,count_bytes count=3" \
	    "if=$IN of=out iflag=skip_bytes skip=1K count=3 bs=1000"
}

@test "dd: conv=notrunc, sparse, excl, nocreat, fsync, fdatasync" {
	old=$OLD matrix \
	    "if=$IN of=out conv=notrunc" "if=$IN of=out conv=notrunc bs=1K count=5" \
	    "if=$IN of=out conv=fsync bs=8K" "if=$IN of=out conv=fdatasync bs=8K seek=1" \
	    "if=$IN of=out conv=fsync,notrunc bs=4K seek=1 count=2" \
	    "if=$IN of=out conv=nocreat bs=4K" "if=$IN of=out conv=nocreat,notrunc bs=4K count=2" \
	    "if=$IN of=out conv=excl" "if=$IN of=out conv=excl,notrunc bs=1K" \
	    "if=$IN of=/dev/null conv=fsync" "if=$IN of=/dev/null conv=fdatasync"
	old='' matrix "if=$IN of=out conv=excl bs=4K" \
	    "if=$IN of=out conv=excl,fsync bs=1K count=3" "if=$IN of=out conv=nocreat" \
	    "if=$IN of=out conv=nocreat bs=1K count=1"
	[ ! -e cmp/kcp/out ] || fail "conv=nocreat created DEST"
}

@test "dd: conv=sparse seeks over zero blocks, and with notrunc leaves the old bytes there" {
	old=$OLD blocks=1 matrix \
	    "if=$ZIN of=out conv=sparse bs=4K" "if=$ZIN of=out conv=sparse bs=4K seek=2" \
	    "if=$ZIN of=out conv=sparse bs=4K seek=30" "if=$ZIN of=out conv=sparse bs=1K skip=3" \
	    "if=$ZIN of=out conv=sparse,notrunc bs=4K" \
	    "if=$ZIN of=out conv=sparse,notrunc bs=4K seek=3" \
	    "if=$ZIN of=out conv=sparse,notrunc bs=1K skip=2 seek=1" \
	    "if=$ZIN of=out conv=sparse ibs=1K obs=8K" \
	    "if=$ZIN of=out conv=sparse,notrunc bs=8K count=3" \
	    "if=$ZIN of=out conv=sparse,notrunc bs=8K skip=5"
	old='' blocks=1 matrix "if=$ZIN of=out conv=sparse bs=512" \
	    "if=$ZIN of=out conv=sparse bs=4K seek=100"
	# the old bytes under the zero blocks are still there, as in dd
	cp "$OLD" out
	"$KCP" if="$ZIN" of=out conv=sparse,notrunc bs=4K status=none
	cmp <(head -c 4096 out) <(head -c 4096 "$ZIN")
	cmp <(tail -c +4097 out | head -c 16384) <(tail -c +4097 "$OLD" | head -c 16384)
}

@test "dd: if= and of= naming the same file, as dd does" {
	cp "$IN" a
	cp "$IN" b
	dd if=a of=a conv=notrunc bs=1K skip=1 status=none
	"$KCP" if=b of=b conv=notrunc bs=1K skip=1 status=none
	cmp a b
	dd if=a of=a bs=1K status=none
	"$KCP" if=b of=b bs=1K status=none
	cmp a b
	[ ! -s b ]
}

@test "dd: iflag= and oflag= on files: fullblock, direct, dsync, sync, nocache, noatime, append, ..." {
	old=$OLD matrix \
	    "if=$IN of=out iflag=fullblock bs=4K" "if=$IN of=out iflag=fullblock bs=3K count=5" \
	    "if=$IN of=out iflag=direct bs=4K" "if=$IN of=out oflag=direct bs=4K" \
	    "if=$IN of=out iflag=direct oflag=direct bs=64K" \
	    "if=$IN of=out iflag=direct oflag=direct bs=4K skip=3 seek=2 count=9" \
	    "if=$IN of=out oflag=direct bs=4K count=3B" \
	    "if=$IN of=out iflag=nocache bs=16K" "if=$IN of=out oflag=nocache bs=16K seek=1" \
	    "if=$IN of=out iflag=nocache oflag=nocache bs=16K" \
	    "if=$IN of=out iflag=nocache count=0" "if=$IN of=out oflag=nocache count=0" \
	    "if=$IN of=out oflag=dsync bs=16K" "if=$IN of=out oflag=sync bs=64K" \
	    "if=$IN of=out iflag=dsync,sync bs=64K" \
	    "if=$IN of=out oflag=dsync bs=4K count=3 seek=2 conv=notrunc" \
	    "if=$IN of=out oflag=append conv=notrunc" \
	    "if=$IN of=out oflag=append conv=notrunc bs=1K count=3" \
	    "if=$IN of=out oflag=append,dsync conv=notrunc bs=4K skip=2" \
	    "if=$IN of=out oflag=append" "if=$IN of=out oflag=append bs=1K count=3 seek=2" \
	    "if=$IN of=out iflag=noatime,noctty,nonblock,nofollow" \
	    "if=$IN of=out oflag=noatime,noctty,nonblock,nofollow" \
	    "if=$IN of=out iflag=directory" "if=$IN of=out oflag=directory" \
	    "if=. of=out iflag=directory" "if=$IN of=out iflag=append bs=1K"
	ln -s "$IN" link
	old='' matrix "if=$BATS_TEST_TMPDIR/link of=out iflag=nofollow" \
	    "if=/dev/null of=out iflag=direct" "if=$IN of=/dev/null oflag=direct"
}

@test "dd: oflag=append conv=notrunc onto an append-only file (chattr +a)" {
	require_root
	command -v chattr >/dev/null || skip "no chattr"
	local who
	for who in dd kcp; do
		cp "$OLD" "ao.$who"
		chattr +a "ao.$who" 2>/dev/null || skip "no append-only files here"
	done
	dd if="$IN" of=ao.dd oflag=append conv=notrunc bs=4K 2>dd.err || true
	run -0 --separate-stderr "$KCP" if="$IN" of=ao.kcp oflag=append conv=notrunc bs=4K
	chattr -a ao.dd ao.kcp
	cmp ao.dd ao.kcp
	cmp <(head -c 70000 ao.kcp) "$OLD"
}

@test "dd: status=none, noxfer, progress, and lists of them" {
	old=$OLD matrix \
	    "if=$IN of=out status=none" "if=$IN of=out status=none bs=1K count=3" \
	    "if=$IN of=out status=noxfer" "if=$IN of=out status=noxfer bs=3K skip=1 seek=1 count=4" \
	    "if=$IN of=out status=noxfer ibs=1K obs=4K" \
	    "if=$IN of=out status=progress" "if=$IN of=out status=none,noxfer" \
	    "if=$IN of=out status=noxfer,progress" "if=$IN of=out status=progress,none" \
	    "if=$IN of=out status=none skip=1000" "if=$IN of=out status=progress conv=fsync"
	# 3.5 s on the clock: dd's once-a-second line comes out three times.
	old=$OLD ns=3500000000 matrix "if=$IN of=out status=progress bs=10K" \
	    "if=$IN of=out status=progress bs=30K conv=fdatasync" \
	    "if=$IN of=out status=progress bs=10K count=0"
	old=$OLD matrix "if=$IN of=out status=none"
	[ ! -s cmp/kcp/stderr ]
}

@test "dd: the bytes line for many sizes (bytes, kB/MB and KiB/MiB forms)" {
	local n cases=()
	for n in 0 1 2 999 1000 1001 1023 1024 1025 1049 1050 1051 1100 1150 \
	    1250 1536 9949 9950 9951 9999 10000 10239 10240 10241 12500 \
	    13500 99499 99500 99999 100000 102400 125000 999499 999500 \
	    999999 1000000 1048575 1048576 1048577 1050000 1572864 2000000 \
	    2097152; do
		cases+=("if=$BIG of=out iflag=count_bytes bs=64K count=$n")
	done
	old='' matrix "${cases[@]}"
}

@test "dd: the rate for many times: B/s, 0.0 kB/s, one decimal below 100, exact divisions" {
	local ns n
	for ns in 1 3 7 999 4000 500000000 1000000000 2000000000 3000000000 \
	    12345678 123456789 1234567891 9876543210 60000000000; do
		for n in 1 99 999 1000 1049 12345 99950 999999 1048576; do
			old='' ns=$ns ddcmp "if=$BIG" of=out iflag=count_bytes \
			    bs=1M count=$n || fail "ns=$ns n=$n"
		done
	done
}

@test "dd: the number grammar: valid numbers, with the value they give" {
	# seek=N bs=1 count=0 truncates out to N bytes: its size, or the
	# message of a failed truncation, shows the value.
	local v failed=0
	for v in 0 1 010 +1 ' 1' "$(printf '\t1')" 1c 1w 1b 1k 1K 1kB 1KB 1KiB 1kiB \
	    1M 1MB 1MiB 1G 1GB 1GiB 1T 1P 1E 1EiB 1KD 1kD k K b c w KB KiB MB \
	    2x3 2Bx3 1x01 1x0 2x0 1x00 1x0k 1x0b 0b 0bx5 0kx5 +0x1 00 \
	    00x99999999999999999999 99999999999999999999x0 ' 0x2' \
	    1x' 2' 1x+2 3037000499x3037000499 9223372036854775807 \
	    1bB 1cB 1wB 2bB 1B 14B 0B 4611686018427387903x2 \
	    7x1K 1Kx1K 1KBx2 1Mx1k; do
		ddcmp if=/dev/null of=out bs=1 count=0 "seek=$v" ||
		    failed=$((failed + 1))
	done
	[ "$failed" = 0 ] || fail "$failed numbers differ from GNU dd"
}

@test "dd: the number grammar: invalid numbers, too large ones, zero block sizes" {
	local v k failed=0
	for v in B B1 Bx1 KBB BB KBb KBx x1 1x 1xx1 1x0x 0x 00x '' 1q q -1 -0 \
	    ' -1' 1e 1m 1g 1t 1p 1R 1Q 1iB 1Ki 1KIB 1Kib 1mB 1D 1bD 1biB \
	    1kk 1bw 1wb 1BB 1KiBB 1xB 1x1B0 1BxB 0x1q -1x2 '1 x2' \
	    '1 ' 1Z 1Y 8E 1Ex8 9223372036854775808 99999999999999999999 \
	    99999999999999999999q 99999999999999999999qx2 \
	    2x99999999999999999999 4611686018427387904x2 \
	    3037000500x3037000500 "1'2" 'a\b' "$(printf 'x\ty')" \
	    "$(printf '1\001')" "$(printf '\351')"; do
		ddcmp if=/dev/null of=out "count=$v" || failed=$((failed + 1))
	done
	for v in 0 1x0 0x5 00 8E 9223372036854775807 9223372036854775806; do
		for k in bs ibs obs cbs; do
			ddcmp if=/dev/null of=out count=0 "$k=$v" ||
			    failed=$((failed + 1))
		done
	done
	[ "$failed" = 0 ] || fail "$failed numbers differ from GNU dd"
}

@test "dd: products of three and more factors, B after an x (coreutils 9.2 on; 9.1 refuses them)" {
	# GNU dd 9.1 reads only NxM, with B only on N; later versions read
	# any product, as kcp does.  Where the installed dd is 9.1, kcp is checked against
	# the values the grammar gives.
	local v want
	if [ "$(dd_version)" -ge 902 ]; then
		old='' matrix "if=/dev/null of=out bs=1 count=0 seek=1x2x4" \
		    "if=/dev/null of=out bs=1 count=0 seek=2x3x5x7" \
		    "if=/dev/null of=out bs=1 count=0 seek=1x0x3" \
		    "if=/dev/null of=out bs=1 count=0 seek=2Bx4B"
	fi
	while read -r v want; do
		rm -f out
		run --separate-stderr "$KCP" if=/dev/null of=out bs=1 count=0 seek="$v"
		assert_success
		assert_equal "$(stat -c %s out)" "$want"
	done <<'EOF'
1x2x4 8
2x3x5x7 210
1Kx2x3B 6144
2Bx4Bx1 8
2Bx4B 8
2x3B 6
1x1B 1
0x1B 0
1x0x3 0
2x0x99999999999999999999 0
1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1 1
EOF
	# a product of ten thousand factors: no stack trouble
	v=$(python3 -c "print('x'.join(['1'] * 9999 + ['5']))")
	rm -f out
	run -0 "$KCP" if=/dev/null of=out bs=1 count=0 seek="$v"
	assert_equal "$(stat -c %s out)" 5
	# the warning for each "0x" whose product is zero, as newer dd gives
	run -0 --separate-stderr "$KCP" if=/dev/null of=out bs=1 count=0 \
	    seek=0x0x3 status=none
	stderr_is "kcp: warning: '0x' is a zero multiplier; use '00x' if that is intended" \
	    "kcp: warning: '0x' is a zero multiplier; use '00x' if that is intended"
	for v in 1x2x 1x2xq 1xBx2 2x3x99999999999999999999 1x2x3x-1; do
		run -1 --separate-stderr "$KCP" if=/dev/null of=out count="$v"
		[[ "$stderr" == "kcp: invalid number: '$v'"* ]] || fail "$v: $stderr"
	done
}

@test "dd: operands and symbols dd does not know, and what cannot go together" {
	local cases=(
	    "if=$IN bogus=1" "if=$IN of=out IF=x" "if=$IN =1" "if=$IN bogus=0x1"
	    "if=$IN count=0x1 bogus=1" "if=$IN count=1 bogus=1 count=0x1"
	    "if=$IN of=out conv=" "if=$IN of=out conv=," "if=$IN of=out conv=notrunc,"
	    "if=$IN of=out conv=notrunc,,sync" "if=$IN of=out conv=NOTRUNC"
	    "if=$IN of=out conv=foo" "if=$IN of=out conv=foo,bar count=1q"
	    "if=$IN of=out iflag=" "if=$IN of=out iflag=foo" "if=$IN of=out oflag=foo"
	    "if=$IN of=out iflag=binary" "if=$IN of=out iflag=cio"
	    "if=$IN of=out oflag=nolinks" "if=$IN of=out oflag=text"
	    "if=$IN of=out status=" "if=$IN of=out status=foo" "if=$IN of=out status=noxfer,"
	    "if=$IN of=out oflag=fullblock" "if=$IN of=out oflag=append,fullblock"
	    "if=$IN of=out oflag=fullblock conv=ascii,ebcdic"
	    "if=$IN of=out conv=ascii,ebcdic" "if=$IN of=out conv=ebcdic,ibm"
	    "if=$IN of=out conv=ibm,ascii,lcase,ucase"
	    "if=$IN of=out conv=block,unblock cbs=4" "if=$IN of=out conv=block,unblock"
	    "if=$IN of=out conv=ascii,block cbs=4" "if=$IN of=out conv=ebcdic,unblock cbs=4"
	    "if=$IN of=out conv=lcase,ucase" "if=$IN of=out conv=excl,nocreat"
	    "if=$IN of=out iflag=direct,nocache" "if=$IN of=out oflag=direct,nocache"
	    "if=$IN of=out iflag=nocache oflag=direct"
	    "if=$IN of=out oflag=append,direct,nocache conv=excl,nocreat"
	    "if=$IN of=out conv=ucase,lcase conv=ascii,ebcdic"
	    "if=$IN of=out oflag=append count=0x1" "if=$IN of=out oflag=append count=1q"
	    "if=$BATS_TEST_TMPDIR/nonexistent of=out oflag=append"
	    "if=$IN of=out count=1 count=2" "if=$IN if=$BATS_TEST_TMPDIR/x of=out"
	    "if=$IN of=out of=" "if= of=out" "if=$IN of=$BATS_TEST_TMPDIR/no/such"
	)
	old=$OLD matrix "${cases[@]}"
	# names quoted as dd quotes them
	touch "it's" 'a b'
	ddcmp "if=$BATS_TEST_TMPDIR/a b" of=out skip=1
	ddcmp "if=$BATS_TEST_TMPDIR/it's" of=out skip=1
	ddcmp "if=$BATS_TEST_TMPDIR/it'sx" of=out
	ddcmp "if=$BATS_TEST_TMPDIR/a
b" of=out
	ddcmp if="$IN" "of=$BATS_TEST_TMPDIR/a b/c"
	ddcmp if="$IN" "bogus=it's"
	ddcmp if="$IN" "bogus=a
b"
}

@test "dd: a file literally named 'if=x' is copied with ./if=x" {
	mkdata 5000 'if=x'
	run -0 "$KCP" ./if=x out
	cmp 'if=x' out
	run -0 "$KCP" -- ./if=x of=y
	cmp 'if=x' 'of=y'
}

@test "dd: of= missing writes standard output, if= missing reads standard input" {
	matrix "if=$IN bs=1K skip=3 count=5" "if=$IN" "bs=4K count=2"
	stdin=$IN old=$OLD matrix "of=out bs=1K skip=3" "of=out" "bs=4K count=2" \
	    "skip=1000 bs=1K" "skip=1 bs=1M" "of=out iflag=directory" \
	    "of=out iflag=direct" "oflag=directory"
	# seek= on standard output counts from its offset and truncates it
	cp "$OLD" dd.out
	cp "$OLD" kcp.out
	dd if="$IN" bs=1K seek=2 count=3 1<>dd.out 2>/dev/null
	"$KCP" if="$IN" bs=1K seek=2 count=3 1<>kcp.out 2>/dev/null
	cmp dd.out kcp.out
}

@test "dd: kcp's offload calls move the bytes where no conversion is asked" {
	run -0 --separate-stderr "$KCP" -v if="$BIG" of=out bs=64K
	cmp "$BIG" out
	[[ "${stderr_lines[3]}" == *" via copy_file_range"* ]] ||
	    [[ "${stderr_lines[3]}" == *" via sendfile"* ]] || fail "$stderr"
	run -0 --separate-stderr bash -c "\"$KCP\" -v if=\"$BIG\" bs=64K | cat > out"
	cmp "$BIG" out
	[[ "${stderr_lines[3]}" == *" via sendfile"* ]] || fail "$stderr"
	run -0 --separate-stderr bash -c "cat \"$BIG\" | \"$KCP\" -v of=out bs=64K"
	cmp "$BIG" out
	[[ "${stderr_lines[3]}" == *" via splice"* ]] || fail "$stderr"
	# a conversion needs the bytes: read and write
	run -0 --separate-stderr "$KCP" -v if="$BIG" of=out bs=64K conv=ucase
	[[ "${stderr_lines[3]}" == *" via readwrite" ]] || fail "$stderr"
	# and --method=readwrite asks for no offload at all
	run -0 --separate-stderr "$KCP" -v --method=readwrite if="$BIG" of=out bs=64K
	cmp "$BIG" out
	[[ "${stderr_lines[3]}" == *" via readwrite" ]] || fail "$stderr"
}

@test "dd: kcp's options with dd operands: -i, -n, -P, -v, --fsync; others refused" {
	cp "$OLD" ex
	# -i with standard input as the data: the usage error of 'kcp -i - ex'
	run -1 --separate-stderr bash -c "printf 'yes\nDATA\n' | \"$KCP\" -i of=ex"
	stderr_is "kcp: --interactive cannot be used with standard input as SOURCE" "$USAGE_HINT"
	cmp "$OLD" ex
	# -i with if=: asks about an existing of=
	run -0 --separate-stderr bash -c "echo n | \"$KCP\" -i if=\"$IN\" of=ex"
	[[ "$stderr" == "kcp: overwrite 'ex'?"* ]] || fail "$stderr"
	cmp "$OLD" ex
	run -0 --separate-stderr bash -c "echo y | \"$KCP\" -i if=\"$IN\" of=ex bs=1K"
	cmp "$IN" ex
	# -n leaves an existing of= alone
	cp "$OLD" ex
	run -0 --separate-stderr "$KCP" -n if="$IN" of=ex
	assert_equal "$stderr" ""
	cmp "$OLD" ex
	# -P is status=progress; --fsync is conv=fsync
	run -0 --separate-stderr "$KCP" -P --fsync if="$IN" of=ex
	cmp "$IN" ex
	for opt in -f --verify -p -a -r --sparse=always --reflink=always -B64K \
	    --direct --nocache -u -b --remove-destination --attributes-only -s \
	    --link -x -L --parents --copy-contents; do
		run -1 --separate-stderr "$KCP" "$opt" if="$IN" of=ex
		[[ "${stderr_lines[0]}" == "kcp: "*" cannot be used with dd operands" ]] ||
		    fail "$opt: $stderr"
		assert_equal "${stderr_lines[1]}" "$USAGE_HINT"
	done
	run -1 "$KCP" --atomic if="$IN" of=ex
}

@test "dd: the cases compared with GNU dd, counted" {
	local n
	n=$(wc -l <"$DD_COUNT")
	echo "# $n dd/kcp comparisons in this file" >&3
	[ "$n" -gt 0 ]
}
