#!/usr/bin/env bats
# Signals (kcp(1), SIGNALS): SIGINT and SIGTERM stop a
# copy at its next pause, print the -v line with the bytes copied so far and
# ", failed: Interrupted system call", and end kcp by the signal (status
# 130, 143) within 2 s; SIGPIPE from a closed reader ends it quietly;
# SIGUSR1 prints one status line and the copy goes on.
#
# kcp runs in the background here.  A non-interactive shell starts
# background commands with SIGINT ignored, and kcp rightly keeps an ignored
# SIGINT ignored, so every background kcp is started through
# `env --default-signal=...` to get the default dispositions a terminal
# user would have.

load helpers/test_helper
bats_require_minimum_version 1.5.0

export KCP

setup_file() {
	# One 1 GiB file without holes for the file-to-file cases.
	export BIG="$BATS_FILE_TMPDIR/big"
	head -c 1G /dev/urandom >"$BIG"
	# A producer: COUNT chunks of CHUNK bytes (byte i % 251 in chunk i),
	# DELAY seconds apart, then it sleeps HOLD seconds before EOF.
	export PRODUCER="$BATS_FILE_TMPDIR/producer.py"
	cat >"$PRODUCER" <<'PY'
import sys, time
chunk, count, delay, hold = int(sys.argv[1]), int(sys.argv[2]), \
    float(sys.argv[3]), float(sys.argv[4])
out = sys.stdout.buffer
try:
    for i in range(count):
        out.write(bytes([i % 251]) * chunk)
        out.flush()
        time.sleep(delay)
    time.sleep(hold)
except BrokenPipeError:
    pass
PY
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	BGPIDS=()
	env --default-signal=INT true 2>/dev/null ||
	    skip "env --default-signal (coreutils 8.31) not available"
}

teardown() {
	local p
	for p in "${BGPIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null || :
	done
	for p in "${BGPIDS[@]}"; do
		wait "$p" 2>/dev/null || :
	done
	return 0
}

# producer ARGS... > FIFO in the background; sets PPID_ (its pid).
start_producer() {
	local fifo=$1
	shift
	mkfifo "$fifo"
	python3 "$PRODUCER" "$@" >"$fifo" 3>&- &
	PPID_=$!
	BGPIDS+=("$PPID_")
}

# start_kcp IN OUT ARGS...: kcp ARGS with stdin IN, stdout OUT, stderr to
# ./err, default signal handling, in the background; sets KPID.
start_kcp() {
	local in=$1 out=$2
	shift 2
	env --default-signal=INT,TERM,PIPE,USR1 "$KCP" "$@" \
	    <"$in" >"$out" 2>err 3>&- &
	KPID=$!
	BGPIDS+=("$KPID")
}


# now_ms: monotonic enough wall clock in milliseconds.
now_ms() {
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}

# signal_and_wait SIG MAXMS [PID]: send SIG to kcp ($KPID), wait for it
# to end; fails if it takes more than MAXMS (giving up 1 s later).  Sets
# rc (the status of PID, default kcp itself) and took (ms).
signal_and_wait() {
	local sig=$1 max=$2 pid=${3:-$KPID} t0 i
	t0=$(now_ms)
	kill -"$sig" "$KPID"
	for ((i = 0; i < max / 10 + 100; i++)); do
		kill -0 "$KPID" 2>/dev/null || break
		sleep 0.01
	done
	took=$(($(now_ms) - t0))
	if kill -0 "$KPID" 2>/dev/null; then
		echo "kcp still running $took ms after SIG$sig" >&2
		return 1
	fi
	rc=0
	wait "$pid" || rc=$?
	if [ "$took" -gt "$max" ]; then
		echo "kcp took $took ms to end after SIG$sig" >&2
		return 1
	fi
}

# The last stderr line must be the -v line of a stopped copy of SRC to
# DST by METHOD (a regular expression); echoes its byte count.
# Usage: stopped_line SRC DST METHOD
stopped_line() {
	local last head re
	last=$(tail -n 1 err)
	head="kcp: '$1' -> '$2': "
	re="^([0-9]+) bytes in [0-9]+\.[0-9]{2} s( \([^)]*/s\))? via $3( [0-9]+)?(, [a-z_]+ [0-9]+)*( \([^)]*\))?, failed: Interrupted system call$"
	if [[ $last != "$head"* ]] || ! [[ ${last#"$head"} =~ $re ]]; then
		echo "unexpected last line: $last" >&2
		cat err >&2
		return 1
	fi
	echo "${BASH_REMATCH[1]}"
}

# ------------------------------------------------------------ SIGINT, SIGTERM

@test "SIGINT during a stalled pipe copy (splice): 130 within 2 s, -v line" {
	start_producer in 1048576 1 0 30
	start_kcp in /dev/null -v - out
	wait_size out 1048576
	signal_and_wait INT 2000
	assert_equal "$rc" 130
	n=$(stopped_line - out splice)
	assert_equal "$n" 1048576
	assert_equal "$(stat -c %s out)" 1048576
	# Nothing but the -v line: no error message for a stop.
	assert_equal "$(wc -l <err)" 1
}

@test "SIGTERM during a stalled pipe copy (splice): 143 within 2 s, -v line" {
	start_producer in 1048576 1 0 30
	start_kcp in /dev/null -v - out
	wait_size out 1048576
	signal_and_wait TERM 2000
	assert_equal "$rc" 143
	n=$(stopped_line - out splice)
	assert_equal "$n" 1048576
}

@test "SIGINT during a stalled pipe copy, --method=readwrite: 130, -v line" {
	start_producer in 1048576 1 0 30
	start_kcp in /dev/null -v --method=readwrite - out
	wait_size out 1048576
	signal_and_wait INT 2000
	assert_equal "$rc" 130
	n=$(stopped_line - out readwrite)
	assert_equal "$n" 1048576
}

@test "SIGTERM while blocked writing into a full pipe: 143 within 2 s" {
	# A reader that opens the pipe and never reads.
	mkfifo pipe
	python3 -c 'import sys, time; f = open(sys.argv[1], "rb"); time.sleep(30)' \
	    pipe 3>&- &
	BGPIDS+=("$!")
	start_kcp "$BIG" pipe -v -
	sleep 0.5
	signal_and_wait TERM 2000
	assert_equal "$rc" 143
	n=$(stopped_line - - '(sendfile|splice)')
	[ "$n" -gt 0 ] && [ "$n" -lt 1073741824 ]
}

@test "SIGINT while blocked writing into a full pipe, readwrite: 130" {
	mkfifo pipe
	python3 -c 'import sys, time; f = open(sys.argv[1], "rb"); time.sleep(30)' \
	    pipe 3>&- &
	BGPIDS+=("$!")
	start_kcp "$BIG" pipe -v --method=readwrite -
	sleep 0.5
	signal_and_wait INT 2000
	assert_equal "$rc" 130
	stopped_line - - readwrite
}

# A file-to-file copy of the 1 GiB file, stopped by SIG once DEST has
# data; the -v count must be what DEST holds, and DEST a correct prefix.
stop_file_copy() {
	local sig=$1 want=$2 method=$3
	shift 3
	start_kcp /dev/null /dev/null -v "$@" "$BIG" out
	wait_size out 1
	signal_and_wait "$sig" 2000
	assert_equal "$rc" "$want"
	n=$(stopped_line "$BIG" out "$method")
	assert_equal "$n" "$(stat -c %s out)"
	cmp -n "$n" "$BIG" out
}

@test "SIGINT during a 1 GiB file copy (copy_file_range): 130 within 2 s" {
	stop_file_copy INT 130 copy_file_range
}

@test "SIGTERM during a 1 GiB file copy (copy_file_range): 143 within 2 s" {
	stop_file_copy TERM 143 copy_file_range
}

@test "SIGINT during a 1 GiB file copy, --method=sendfile: 130 within 2 s" {
	stop_file_copy INT 130 sendfile --method=sendfile
}

@test "SIGINT during a 1 GiB file copy, --method=splice: 130 within 2 s" {
	stop_file_copy INT 130 splice --method=splice
}

@test "SIGINT during a 1 GiB file copy, --method=readwrite: 130 within 2 s" {
	stop_file_copy INT 130 readwrite --method=readwrite
}

@test "SIGINT during an --atomic copy: no DEST, no temporary file left" {
	start_kcp /dev/null /dev/null -v --atomic "$BIG" out
	# The copy goes to an unnamed or hidden file: wait for kcp to be busy.
	sleep 0.1
	signal_and_wait INT 2000
	assert_equal "$rc" 130
	assert_file_not_exists out
	assert_equal "$(ls -A | grep -v '^err$')" ""
}

@test "SIGINT ignored by the caller stays ignored: the copy completes" {
	env --ignore-signal=INT "$KCP" "$BIG" out 2>err 3>&- &
	KPID=$!
	BGPIDS+=("$KPID")
	wait_size out 1
	kill -INT "$KPID"
	rc=0
	wait "$KPID" || rc=$?
	assert_equal "$rc" 0
	cmp "$BIG" out
	assert_equal "$(cat err)" ""
}

@test "SIGINT while --skip discards a fast pipe: 130 within 2 s" {
	# cat keeps the pipe full, so no read ever waits (and returns EINTR):
	# the stop must be noticed between reads.
	mkfifo in
	cat /dev/zero >in 3>&- &
	BGPIDS+=("$!")
	start_kcp in /dev/null -v --skip=1T -l 1 - out
	sleep 0.5
	signal_and_wait INT 2000
	assert_equal "$rc" 130
	stopped_line - out '[a-z_]+'
}

@test "SIGINT during --verify: 130 within 2 s, DEST kept" {
	type -P strace >/dev/null || skip "strace not installed"
	head -c 64M "$BIG" >src
	# Every pread (only --verify reads with pread here: the copy itself
	# is copy_file_range) takes 20 ms more: verifying takes 10 s.
	env --default-signal=INT,TERM \
	    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    strace -f -qq -o /dev/null -e trace=pread64 \
	    -e inject=pread64:delay_exit=20000 \
	    "$KCP" -v --verify src out 2>err 3>&- &
	local spid=$! i
	BGPIDS+=("$spid")
	wait_size out 67108864
	sleep 0.5
	# The signal goes to kcp itself, not to strace.
	for ((i = 0; i < 100; i++)); do
		KPID=$(pgrep -P "$spid") && break
		sleep 0.01
	done
	# strace ends as kcp did: its status is kcp's.
	signal_and_wait INT 2000 "$spid"
	assert_equal "$rc" 130
	stopped_line src out copy_file_range
	cmp src out
}

# ------------------------------------------------------------ SIGPIPE

# kcp ARGS | head -c 10: kcp must die of SIGPIPE (141) with nothing on
# stderr.  Input from $1 (a file, or "pipe:FILE" for a pipe of FILE).
sigpipe_quiet() {
	local in=$1
	shift
	head -c 64M "$BIG" >src
	if [ "$in" = pipe ]; then
		cat src | env --default-signal=PIPE "$KCP" "$@" - 2>err |
		    head -c 10 >/dev/null
		rc=${PIPESTATUS[1]}
	else
		env --default-signal=PIPE "$KCP" "$@" src 2>err |
		    head -c 10 >/dev/null
		rc=${PIPESTATUS[0]}
	fi
	assert_equal "$rc" 141
	assert_equal "$(cat err)" ""
}

@test "SIGPIPE: file to a closed pipe (default ladder) ends quietly, 141" {
	sigpipe_quiet file
}

@test "SIGPIPE: file to a closed pipe, --method=readwrite, 141, quiet" {
	sigpipe_quiet file --method=readwrite
}

@test "SIGPIPE: pipe to a closed pipe (splice), 141, quiet" {
	sigpipe_quiet pipe
}

@test "SIGPIPE: pipe to a closed pipe, --method=readwrite, 141, quiet" {
	sigpipe_quiet pipe --method=readwrite
}

@test "SIGPIPE: -v adds nothing when the reader goes away" {
	sigpipe_quiet file -v
}

# ------------------------------------------------------------ SIGUSR1

# The status line of SIGUSR1 (report.c): done, [of total (N%),] rate,
# [ETA,] via method.
STATUS_RE='^kcp: [0-9.]+ [KMGTPE]?i?B( of [0-9.]+ [KMGTPE]?i?B \([0-9]+%\))?, [0-9.]+ [KMGTPE]?i?B/s(, ETA [0-9:]+)?, via [a-z_]+$'

@test "SIGUSR1 during a pipe copy: one status line, the copy completes" {
	# 16 chunks of 256 KiB, 0.1 s apart: kcp is surely mid-copy.
	start_producer in 262144 16 0.1 0
	start_kcp in /dev/null - out
	wait_size out 262144
	kill -USR1 "$KPID"
	rc=0
	wait "$KPID" || rc=$?
	assert_equal "$rc" 0
	python3 "$PRODUCER" 262144 16 0 0 | cmp - out
	assert_equal "$(wc -l <err)" 1
	[[ "$(cat err)" =~ $STATUS_RE ]]
}

@test "SIGUSR1 during a 1 GiB file copy: one status line, correct copy" {
	start_kcp /dev/null /dev/null "$BIG" out
	wait_size out 1
	kill -USR1 "$KPID"
	rc=0
	wait "$KPID" || rc=$?
	assert_equal "$rc" 0
	cmp "$BIG" out
	assert_equal "$(wc -l <err)" 1
	[[ "$(cat err)" =~ $STATUS_RE ]]
	grep -q ' of 1.0 GiB (' err
}

@test "SIGUSR1 several times: a line each, the copy completes" {
	start_producer in 262144 16 0.1 0
	start_kcp in /dev/null -v - out
	wait_size out 262144
	kill -USR1 "$KPID"
	sleep 0.3
	kill -USR1 "$KPID"
	rc=0
	wait "$KPID" || rc=$?
	assert_equal "$rc" 0
	python3 "$PRODUCER" 262144 16 0 0 | cmp - out
	# Two status lines, then the -v line.
	assert_equal "$(wc -l <err)" 3
	assert_equal "$(grep -cE "$STATUS_RE" err)" 2
	tail -n 1 err | grep -q "^kcp: '-' -> 'out': 4194304 bytes"
}

@test "SIGUSR1 while readwrite waits on a stalled pipe: the line comes at once" {
	start_producer in 1048576 1 0 30
	start_kcp in /dev/null --method=readwrite - out
	wait_size out 1048576
	kill -USR1 "$KPID"
	sleep 1
	# The status line must not wait for the next byte from the producer.
	[[ "$(cat err)" =~ $STATUS_RE ]]
	kill -0 "$KPID"
}

@test "SIGUSR1 while splice waits on a stalled pipe: the line comes at once" {
	start_producer in 1048576 1 0 30
	start_kcp in /dev/null - out
	wait_size out 1048576
	kill -USR1 "$KPID"
	sleep 1
	[[ "$(cat err)" =~ $STATUS_RE ]]
	kill -0 "$KPID"
}

@test "SIGUSR1 while readwrite waits on a full pipe: the line comes at once" {
	mkfifo pipe
	python3 -c 'import sys, time; f = open(sys.argv[1], "rb"); time.sleep(30)' \
	    pipe 3>&- &
	BGPIDS+=("$!")
	start_kcp "$BIG" pipe --method=readwrite -
	sleep 0.5
	kill -USR1 "$KPID"
	sleep 1
	[[ "$(cat err)" =~ $STATUS_RE ]]
	kill -0 "$KPID"
}
