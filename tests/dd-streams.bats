#!/usr/bin/env bats
# dd operand mode on streams and in trouble, against GNU dd: short reads
# from pipes as partial records (a staged writer makes them happen the same
# way every time), skip= past the end of standard input, output into pipes
# and /dev/full, closed standard descriptors, read and write errors from
# the fault-injection shim with and without conv=noerror, nocache and
# direct where they cannot apply, and the signals: SIGUSR1's report,
# SIGINT's closing lines.

load helpers/test_helper
load dd-lib

export KCP

setup_file() {
	dd_setup_file
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}

@test "dd streams: a short read is a partial record; one splice of up to ibs is one read" {
	# 1 byte, then 2, then 5, then 300, each read on its own.
	feed=1,2,5,300 old='' matrix \
	    "of=out bs=4" "of=out bs=4 count=1" "of=out bs=4 count=2" \
	    "of=out bs=4 count=3" "of=out bs=4 count=5" "of=out ibs=1 obs=1" \
	    "of=out ibs=3 obs=2" "of=out bs=4 iflag=fullblock" \
	    "of=out bs=4 iflag=fullblock count=3" "of=out bs=4 count=5B" \
	    "of=out bs=2 count=3 iflag=count_bytes" "of=out" "of=out bs=64K" \
	    "of=out ibs=3 obs=7 count=9" "of=out bs=512 iflag=direct count=2"
	# the issue's examples: 1 then 2
	feed=1,1 feedsrc=$IN old='' matrix "of=out bs=4 count=1" "of=out ibs=1 obs=1 count=2" \
	    "of=out bs=4 count=2"
}

@test "dd streams: dd's partial read warning, once, where count= or skip= is in blocks" {
	feed=1,2,5,300 old='' matrix \
	    "of=out bs=4 count=3" "of=out bs=4 skip=1" "of=out bs=4 skip=2 count=2" \
	    "of=out bs=4 count=3 status=none" "of=out bs=4 iflag=count_bytes count=9" \
	    "of=out bs=4 iflag=skip_bytes skip=3" "of=out ibs=4 obs=4 count=3"
}

@test "dd streams: skip= on standard input: read and thrown away, or past its end" {
	feed=1,2,5,300 old='' matrix \
	    "of=out bs=4 skip=1" "of=out bs=4 skip=3" "of=out bs=4 skip=100000" \
	    "of=out bs=4 iflag=fullblock skip=2" "of=out bs=1M skip=1" \
	    "of=out bs=4 iflag=skip_bytes skip=3" "of=out skip=1000B" \
	    "of=out bs=4 skip=1 status=none"
	stdin=$IN old='' matrix "of=out skip=1000 bs=1K" "of=out skip=97 bs=1K" \
	    "of=out iseek=100000B"
}

@test "dd streams: count= leaves the rest of a pipe for the next reader" {
	cat "$IN" | { "$KCP" iflag=fullblock bs=1K count=3 of=head 2>/dev/null
	    cat >rest; }
	cmp head <(head -c 3072 "$IN")
	cmp rest <(tail -c +3073 "$IN")
}

@test "dd streams: output into a pipe, seek= on it, /dev/full, /dev/null" {
	pipeout=1 old='' matrix \
	    "if=$IN bs=64K" "if=$IN" "if=$IN bs=1K seek=2" "if=$IN conv=fsync" \
	    "if=$IN conv=fdatasync bs=4K" "if=$IN oflag=nocache" "if=$IN oflag=nocache count=0" \
	    "if=$IN oflag=direct" "if=$IN conv=sparse bs=4K count=3"
	stdin=$IN pipeout=1 old='' matrix "bs=1 seek=2 count=3" "bs=4K" "conv=ucase bs=1K"
	old='' matrix "if=$IN of=/dev/full" "if=$IN of=/dev/full bs=5" \
	    "if=/dev/zero of=/dev/full count=3 conv=noerror" \
	    "if=$IN of=/dev/full ibs=100 obs=1000" "if=$IN of=/dev/full bs=1K seek=1" \
	    "if=$IN of=/dev/null bs=4K seek=1000" "if=/dev/zero of=/dev/null count=5 bs=1M" \
	    "if=/dev/zero of=out count=5 bs=64K" "if=/dev/zero of=out bs=4K skip=3 count=2" \
	    "if=/dev/null of=out bs=4K skip=3"
	feed=1,2 old='' matrix "of=/dev/full bs=4" "of=/dev/full"
}

@test "dd streams: closing lines that cannot be written make the exit status 1" {
	redir='>stdout 2>&-' old='' matrix "if=$IN of=out" "if=$IN of=out status=none" \
	    "if=$IN of=out status=noxfer"
	redir='>stdout 2>/dev/full' old='' matrix "if=$IN of=out" \
	    "if=$IN of=out status=none" "if=$IN of=/dev/full status=none"
	redir='>&- 2>stderr' old='' matrix "if=$IN bs=1 count=2" "if=$IN count=0"
	redir='<&- >stdout 2>stderr' old='' matrix "bs=1 count=2 of=out" \
	    "if=$IN bs=1 count=2 of=out"
}

@test "dd streams: nocache and direct where they cannot apply" {
	feed=1,2 old='' matrix "of=out iflag=nocache" "of=out iflag=nocache count=0" \
	    "of=out iflag=nocache count=0 status=none"
	old='' matrix "if=/dev/null of=out iflag=direct" "if=$IN of=/dev/null oflag=direct"
	stdin=/dev/null old='' matrix "iflag=direct of=out" "oflag=direct of=out" \
	    "iflag=directory of=out"
}

@test "dd streams: iflag=nonblock on an empty pipe: EAGAIN is an error, as in dd" {
	local prog rc
	for prog in dd "$KCP"; do
		rc=0
		{ sleep 0.5; printf 12; } | env LD_PRELOAD="$FAKECLOCK" \
		    FAKE_CLOCK_NS=1234567891 "$prog" iflag=nonblock of=out bs=4 \
		    2>"err.${prog##*/}" || rc=$?
		echo "$rc" >>"err.${prog##*/}"
		sed -i -e 's/^kcp: /dd: /' -e 's/ copied, .*/ copied/' "err.${prog##*/}"
	done
	cmp err.dd err.kcp
	assert_equal "$(head -1 err.kcp)" \
	    "dd: error reading 'standard input': Resource temporarily unavailable"
}

@test "dd streams: read and write errors, with and without conv=noerror" {
	require_dd_faultinj
	# dd reads and writes; kcp moves these blocks with copy_file_range
	# or splice, which the rules fail first, so that kcp reads and
	# writes the same block and meets the same error there.
	local r ops
	for r in 2 3; do
		for ops in "bs=1000" "bs=1000 skip=1" "bs=1000 count=4" \
		    "bs=1000 status=noxfer"; do
			old='' fault_dd="read:EIO:$r" \
			    fault_kcp="copy_file_range:EIO:$r;read:EIO:1" \
			    ddcmp if="$IN" of=out $ops || fail "read $r $ops"
			# (kcp's skip= reads, then splices: no rule fits both)
			[ "$ops" = "bs=1000 skip=1" ] ||
			old='' feed=1000,1000,1000,1000,1000 fault_dd="read:EIO:$r" \
			    fault_kcp="splice:EIO:$r;read:EIO:1" \
			    ddcmp of=out $ops || fail "pipe read $r $ops"
			old='' fault_dd="write:EIO:$r" \
			    fault_kcp="copy_file_range:EIO:$r;write:EIO:1" \
			    ddcmp if="$IN" of=out $ops || fail "write $r $ops"
			old='' fault_dd="write:ENOSPC:$r" \
			    fault_kcp="copy_file_range:ENOSPC:$r;write:ENOSPC:1" \
			    ddcmp if="$IN" of=out $ops || fail "ENOSPC $r $ops"
		done
	done
	# conversions read and write in both: the same rules
	for r in 'read:EIO:3' 'read:EIO:3:x2' 'read:EIO:1' 'write:EIO:2' \
	    'write:short:2' 'write:ENOSPC:3'; do
		for ops in "bs=1000 conv=noerror" "bs=1000 conv=noerror,sync" \
		    "ibs=1000 obs=700 conv=noerror,sync" "bs=1000 conv=noerror status=none" \
		    "bs=1000 skip=2 conv=noerror" "bs=1000 conv=noerror,sync,block cbs=7" \
		    "ibs=1000 obs=300" "bs=1000 conv=ucase" "bs=1000 conv=noerror skip=3"; do
			old='' fault_dd=$r fault_kcp=$r ddcmp if="$IN" of=out $ops ||
			    fail "$r $ops"
			old='' fault_dd=$r fault_kcp=$r feed=1000,1000,1000,1000,1000 \
			    ddcmp of=out $ops || fail "pipe $r $ops"
		done
	done
}

@test "dd streams: an offload call that fails for good in the middle of a block" {
	require_dd_faultinj
	# copy_file_range moves 1500 bytes, then fails: dd's count is still
	# one read of the block, and the error dd's when its write of the
	# block stops at the same place.
	old='' fault_dd='write:short=1500:1;write:ENOSPC:2' \
	    fault_kcp='copy_file_range:short=1500:1;copy_file_range:ENOSPC:2;write:ENOSPC:1' \
	    ddcmp if="$IN" of=out bs=4K
	# a method that says "not here" is left for the next one, or for
	# read and write, with the same records
	old='' fault_kcp='copy_file_range:EXDEV:always' matrix "if=$IN of=out bs=4K"
	old='' fault_kcp='copy_file_range:EXDEV:always;sendfile:EINVAL:always' \
	    matrix "if=$IN of=out bs=4K" "if=$IN of=out"
	old='' feed=1,2,300 fault_kcp='splice:EINVAL' matrix "of=out bs=4"
	old='' feed=1,2,300 fault_kcp='splice:EINTR;splice:EINTR:3' matrix "of=out bs=4"
}

# bg_kcp SECONDS OPERAND...: kcp in the background on a FIFO that gets
# 1000 bytes of $IN, then 10 more after SECONDS; its pid in $kpid.  SIGINT
# is put back to its default, which a background job of a script ignores.
bg_kcp() {
	local secs=$1
	shift
	rm -f fifo
	mkfifo fifo
	{ head -c 1000 "$IN"; sleep "$secs"; head -c 10 "$IN"; } >fifo &
	python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$KCP" "$@" <fifo 2>err &
	kpid=$!
}

@test "dd streams: SIGUSR1 prints dd's report at once, even while a read waits" {
	bg_kcp 1.5 bs=100 of=out
	sleep 0.5
	kill -USR1 "$kpid"
	sleep 0.2
	kill -USR1 "$kpid"
	wait
	run cat err
	assert_equal "${#lines[@]}" 9
	assert_equal "${lines[0]}" "10+0 records in"
	assert_equal "${lines[1]}" "10+0 records out"
	[[ "${lines[2]}" =~ ^1000\ bytes\ \(1\.0\ kB\)\ copied,\ [0-9.e-]+\ s,\ [0-9.]+\ [kM]?B/s$ ]] ||
	    fail "${lines[2]}"
	assert_equal "${lines[6]}" "10+1 records in"
	[[ "${lines[8]}" == "1010 bytes (1.0 kB) copied, "* ]]
	# and status=none says nothing
	bg_kcp 1 bs=100 of=out status=none
	sleep 0.4
	kill -USR1 "$kpid"
	wait
	[ ! -s err ]
}

@test "dd streams: SIGINT prints the closing lines and kcp dies of it; SIGTERM prints none" {
	local rc=0
	bg_kcp 3 bs=100 of=out
	sleep 0.5
	kill -INT "$kpid"
	wait "$kpid" || rc=$?
	assert_equal "$rc" 130
	run cat err
	assert_equal "${#lines[@]}" 3
	assert_equal "${lines[0]}" "10+0 records in"
	assert_equal "${lines[1]}" "10+0 records out"
	[[ "${lines[2]}" == "1000 bytes (1.0 kB) copied, "* ]]
	wait
	rc=0
	bg_kcp 3 bs=100 of=out
	sleep 0.5
	kill -TERM "$kpid"
	wait "$kpid" || rc=$?
	assert_equal "$rc" 143
	[ ! -s err ] || fail "SIGTERM: $(cat err)"
	wait
}

@test "dd streams: status=progress on a slow pipe: dd's line, then the closing lines below it" {
	{ head -c 3000 "$IN"; sleep 1.3; head -c 10 "$IN"; } |
	    "$KCP" bs=1000 of=out status=progress 2>err
	run od -c err
	python3 - err <<'PY'
import re, sys
s = open(sys.argv[1], "rb").read().decode()
m = re.fullmatch(r"\r3010 bytes \(3\.0 kB, 2\.9 KiB\) copied, 1 s, [0-9.]+ kB/s\n"
                 r"3\+1 records in\n3\+1 records out\n"
                 r"3010 bytes \(3\.0 kB, 2\.9 KiB\) copied, [0-9.]+ s, [0-9.]+ kB/s\n", s)
sys.exit(0 if m else repr(s))
PY
}

@test "dd streams: the cases compared with GNU dd, counted" {
	echo "# $(wc -l <"$DD_COUNT") dd/kcp comparisons in this file" >&3
}
