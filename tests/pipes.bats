#!/usr/bin/env bats
# Pipes, FIFOs, character devices and /proc files: kcp as cat (kcp(1),
# Semantics and THE METHOD LADDER).
# Every copy is checked with cmp against the source or against an
# independent tool (head -c, tail -c, cat).

load helpers/test_helper
bats_require_minimum_version 1.5.0

# Pipelines run under `bash -c` need the binary's path.
export KCP

SIZES="0 1 42 65537 67108864"

setup_file() {
	# Resolve python3 once: a version-manager shim on PATH can cost a
	# quarter second per call.
	local py
	py=$(python3 -c 'import sys; print(sys.executable)')
	PATH=${py%/*}:$PATH
	export PATH
	local d=$BATS_FILE_TMPDIR n
	for n in $SIZES; do
		mkdata "$n" "$d/src.$n"
	done
	mkdata 4194304 "$d/src.4m"
	mkdata 1048579 "$d/src.1m"

	# nb.py FDS CMD...: set O_NONBLOCK on the comma-separated descriptors
	# (clear it for one written as -N), then exec CMD (same process, so
	# /usr/bin/time measures CMD).
	cat >"$d/nb.py" <<'PY'
import fcntl, os, sys
for x in sys.argv[1].split(","):
    fd = abs(int(x))
    fl = fcntl.fcntl(fd, fcntl.F_GETFL)
    if x.startswith("-"):
        fcntl.fcntl(fd, fcntl.F_SETFL, fl & ~os.O_NONBLOCK)
    else:
        fcntl.fcntl(fd, fcntl.F_SETFL, fl | os.O_NONBLOCK)
        assert fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK
os.execvp(sys.argv[2], sys.argv[2:])
PY
	# slowwrite.py FILE CHUNK DELAY: FILE to stdout in CHUNK-byte writes,
	# sleeping DELAY seconds after each.
	cat >"$d/slowwrite.py" <<'PY'
import sys, time
data = open(sys.argv[1], "rb").read()
k, delay = int(sys.argv[2]), float(sys.argv[3])
out = sys.stdout.buffer
for i in range(0, len(data), k):
    out.write(data[i:i + k])
    out.flush()
    time.sleep(delay)
PY
	# slowread.py OUT FIRST CHUNK DELAY: sleep FIRST seconds, then copy
	# stdin to OUT in CHUNK-byte reads, sleeping DELAY after each.
	cat >"$d/slowread.py" <<'PY'
import os, sys, time
out = open(sys.argv[1], "wb")
first, k, delay = float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
time.sleep(first)
while True:
    b = os.read(0, k)
    if not b:
        break
    out.write(b)
    time.sleep(delay)
PY
}

setup() {
	D=$BATS_FILE_TMPDIR
	T=$BATS_TEST_TMPDIR
	export D T
}

pipe_to_file() {
	local src=$D/src.$1
	pipeline "cat '$src' | \"\$KCP\" - \"\$T/out\""
	assert_quiet_success
	cmp "$src" "$T/out"
	# No operands means "- -".
	pipeline "cat '$src' | \"\$KCP\" >\"\$T/out2\""
	assert_quiet_success
	cmp "$src" "$T/out2"
}

file_to_pipe() {
	local src=$D/src.$1
	pipeline "\"\$KCP\" '$src' | cat >\"\$T/out\""
	assert_quiet_success
	cmp "$src" "$T/out"
	pipeline "\"\$KCP\" '$src' - | cat >\"\$T/out2\""
	assert_quiet_success
	cmp "$src" "$T/out2"
}

pipe_to_pipe() {
	local src=$D/src.$1
	pipeline "cat '$src' | \"\$KCP\" | cat >\"\$T/out\""
	assert_quiet_success
	cmp "$src" "$T/out"
	pipeline "cat '$src' | \"\$KCP\" - - | cat >\"\$T/out2\""
	assert_quiet_success
	cmp "$src" "$T/out2"
}

@test "pipe to file: 0 bytes" {
	pipe_to_file 0
	[ "$(stat -c %s "$T/out")" = 0 ]
}

@test "pipe to file: 1 byte" {
	pipe_to_file 1
}

@test "pipe to file: 42 bytes" {
	pipe_to_file 42
}

@test "pipe to file: 65537 bytes" {
	pipe_to_file 65537
}

@test "pipe to file: 64 MiB" {
	pipe_to_file 67108864
}

@test "file to pipe: 0 bytes" {
	file_to_pipe 0
	[ "$(stat -c %s "$T/out")" = 0 ]
}

@test "file to pipe: 1 byte" {
	file_to_pipe 1
}

@test "file to pipe: 42 bytes" {
	file_to_pipe 42
}

@test "file to pipe: 65537 bytes" {
	file_to_pipe 65537
}

@test "file to pipe: 64 MiB" {
	file_to_pipe 67108864
}

@test "pipe to pipe (middle stage): 0 bytes" {
	pipe_to_pipe 0
	[ "$(stat -c %s "$T/out")" = 0 ]
}

@test "pipe to pipe (middle stage): 1 byte" {
	pipe_to_pipe 1
}

@test "pipe to pipe (middle stage): 42 bytes" {
	pipe_to_pipe 42
}

@test "pipe to pipe (middle stage): 65537 bytes" {
	pipe_to_pipe 65537
}

@test "pipe to pipe (middle stage): 64 MiB" {
	pipe_to_pipe 67108864
}

@test "pipe to file: producer writing in small bursts" {
	pipeline "python3 \"\$D/slowwrite.py\" \"\$D/src.65537\" 1000 0.002 | \"\$KCP\" - \"\$T/out\""
	assert_quiet_success
	cmp "$D/src.65537" "$T/out"
}

@test "regular file on stdin to a pipe on stdout" {
	pipeline "\"\$KCP\" <\"\$D/src.1m\" | cat >\"\$T/out\""
	assert_quiet_success
	cmp "$D/src.1m" "$T/out"
}

@test "/dev/zero --length to a file" {
	local n=5242883
	head -c "$n" /dev/zero >"$T/expect"
	run --separate-stderr timeout 30 "$KCP" --length="$n" /dev/zero "$T/out"
	assert_quiet_success
	cmp "$T/expect" "$T/out"
	# -l with a suffix.
	head -c 1048576 /dev/zero >"$T/expect"
	run --separate-stderr timeout 30 "$KCP" -l 1M /dev/zero "$T/out"
	assert_quiet_success
	cmp "$T/expect" "$T/out"
}

@test "/dev/zero --length to a pipe" {
	local n=5242883
	head -c "$n" /dev/zero >"$T/expect"
	pipeline "\"\$KCP\" --length=$n /dev/zero | cat >\"\$T/out\""
	assert_quiet_success
	cmp "$T/expect" "$T/out"
	pipeline "\"\$KCP\" -l 1 /dev/zero - | cat >\"\$T/out\""
	assert_quiet_success
	head -c 1 /dev/zero | cmp - "$T/out"
}

@test "/dev/zero --length past the 0x7ffff000 per-call cap, to a pipe" {
	local n=2147483651
	pipeline "\"\$KCP\" -l $n /dev/zero | wc -c >\"\$T/count\""
	assert_quiet_success
	[ "$(cat "$T/count")" = "$n" ]
}

@test "/dev/zero --length to a file through stdout" {
	local n=1000001
	head -c "$n" /dev/zero >"$T/expect"
	run --separate-stderr timeout 30 bash -c '"$KCP" -l 1000001 /dev/zero >"$T/out"'
	assert_quiet_success
	cmp "$T/expect" "$T/out"
}

@test "--skip on a pipe source discards the bytes read" {
	local src=$D/src.1m
	tail -c +1001 "$src" >"$T/expect"
	pipeline "cat '$src' | \"\$KCP\" --skip=1000 - \"\$T/out\""
	assert_quiet_success
	cmp "$T/expect" "$T/out"

	# More than a pipe buffer, into a pipe.
	tail -c +200001 "$src" >"$T/expect"
	pipeline "cat '$src' | \"\$KCP\" --skip=200000 | cat >\"\$T/out\""
	assert_quiet_success
	cmp "$T/expect" "$T/out"
}

@test "--skip and --length on a pipe source" {
	local src=$D/src.1m
	tail -c +70001 "$src" | head -c 300000 >"$T/expect"
	# The producer may die of SIGPIPE once kcp has what it needs.
	pipeline "{ cat '$src' || true; } | \"\$KCP\" --skip=70000 --length=300000 - \"\$T/out\""
	assert_quiet_success
	cmp "$T/expect" "$T/out"
	# --input-offset alias, --count alias, from a slow producer.
	tail -c +3 "$D/src.65537" | head -c 5000 >"$T/expect"
	pipeline "{ python3 \"\$D/slowwrite.py\" \"\$D/src.65537\" 999 0.001 2>/dev/null || true; } | \"\$KCP\" --input-offset=2 --count=5000 | cat >\"\$T/out\""
	assert_quiet_success
	cmp "$T/expect" "$T/out"
}

@test "--skip on a FIFO source" {
	local src=$D/src.1m
	mkfifo "$T/fifo"
	timeout 30 cat "$src" >"$T/fifo" 3>&- &
	run --separate-stderr timeout 30 "$KCP" --skip=123457 "$T/fifo" "$T/out"
	wait
	assert_quiet_success
	tail -c +123458 "$src" | cmp - "$T/out"
}

@test "O_NONBLOCK stdin from a slow producer, O_NONBLOCK stdout into a pipe" {
	[ -x /usr/bin/time ] || skip "/usr/bin/time is not installed"
	pipeline "python3 \"\$D/slowwrite.py\" \"\$D/src.1m\" 100000 0.1 |
	    /usr/bin/time -o \"\$T/time\" -f '%e %U %S' python3 \"\$D/nb.py\" 0,1 \"\$KCP\" |
	    cat >\"\$T/out\""
	assert_quiet_success
	cmp "$D/src.1m" "$T/out"
	assert_not_spinning "$T/time" 0.7
}

@test "O_NONBLOCK stdin from a slow producer into a file" {
	[ -x /usr/bin/time ] || skip "/usr/bin/time is not installed"
	pipeline "python3 \"\$D/slowwrite.py\" \"\$D/src.1m\" 100000 0.1 |
	    /usr/bin/time -o \"\$T/time\" -f '%e %U %S' python3 \"\$D/nb.py\" 0 \"\$KCP\" - \"\$T/out\""
	assert_quiet_success
	cmp "$D/src.1m" "$T/out"
	assert_not_spinning "$T/time" 0.7
}

@test "O_NONBLOCK stdout into a slow consumer, from a file" {
	[ -x /usr/bin/time ] || skip "/usr/bin/time is not installed"
	# 4 MiB: more than the largest pipe kcp can ask for (pipe-max-size),
	# so writes really meet a full pipe.
	pipeline "/usr/bin/time -o \"\$T/time\" -f '%e %U %S' python3 \"\$D/nb.py\" 1 \"\$KCP\" \"\$D/src.4m\" |
	    python3 \"\$D/slowread.py\" \"\$T/out\" 0.4 65536 0.01"
	assert_quiet_success
	cmp "$D/src.4m" "$T/out"
	assert_not_spinning "$T/time" 0.7
}

@test "O_NONBLOCK stdin and stdout, fast pipes both sides" {
	pipeline "cat \"\$D/src.67108864\" | python3 \"\$D/nb.py\" 0,1 \"\$KCP\" | cat >\"\$T/out\""
	assert_quiet_success
	cmp "$D/src.67108864" "$T/out"
}

@test "O_NONBLOCK stdin with --length from a slow producer" {
	pipeline "python3 \"\$D/slowwrite.py\" \"\$D/src.1m\" 100000 0.05 |
	    { python3 \"\$D/nb.py\" 0 \"\$KCP\" -l 250000 - \"\$T/a\" &&
	      python3 \"\$D/nb.py\" -0 cat >\"\$T/b\"; }"
	assert_quiet_success
	head -c 250000 "$D/src.1m" | cmp - "$T/a"
	tail -c +250001 "$D/src.1m" | cmp - "$T/b"
}

@test "stdio splitting from a pipe: { kcp -l 10 - a; kcp - b; }" {
	local src=$D/src.1m
	pipeline "cat '$src' | { \"\$KCP\" -l 10 - \"\$T/a\" && \"\$KCP\" - \"\$T/b\"; }"
	assert_quiet_success
	head -c 10 "$src" | cmp - "$T/a"
	tail -c +11 "$src" | cmp - "$T/b"
}

@test "stdio splitting from a pipe: three parts, boundaries past a pipe buffer" {
	local src=$D/src.1m
	pipeline "cat '$src' | { \"\$KCP\" -l 65537 - \"\$T/a\" && \"\$KCP\" -l 300001 >\"\$T/b\" && \"\$KCP\" - \"\$T/c\"; }"
	assert_quiet_success
	head -c 65537 "$src" | cmp - "$T/a"
	tail -c +65538 "$src" | head -c 300001 | cmp - "$T/b"
	tail -c +365539 "$src" | cmp - "$T/c"
}

@test "stdio splitting from a slow pipe" {
	local src=$D/src.65537
	pipeline "python3 \"\$D/slowwrite.py\" '$src' 7000 0.005 |
	    { \"\$KCP\" -l 10000 - \"\$T/a\" && \"\$KCP\" -l 1 - \"\$T/b\" && cat >\"\$T/c\"; }"
	assert_quiet_success
	head -c 10000 "$src" | cmp - "$T/a"
	tail -c +10001 "$src" | head -c 1 | cmp - "$T/b"
	tail -c +10002 "$src" | cmp - "$T/c"
}

@test "stdio splitting from a regular file" {
	local src=$D/src.1m
	run --separate-stderr bash -c '{ "$KCP" -l 10 - "$T/a" && "$KCP" -l 100000 - "$T/b" && "$KCP" - "$T/c"; } <"$0"' "$src"
	assert_quiet_success
	head -c 10 "$src" | cmp - "$T/a"
	tail -c +11 "$src" | head -c 100000 | cmp - "$T/b"
	tail -c +100011 "$src" | cmp - "$T/c"
}

# Compare kcp's exit status in a pipeline into `head -c 10` with cat's in
# the same place; kcp(1), SIGNALS: SIGPIPE keeps its default action, as
# with cat.
sigpipe_check() {
	local cat_cmd=$1 kcp_cmd=$2 idx=$3
	run --separate-stderr timeout 30 bash -c "$cat_cmd | head -c 10 >/dev/null; echo \${PIPESTATUS[$idx]}"
	[ "$output" = 141 ] || skip "cat does not die of SIGPIPE here (status $output)"
	run --separate-stderr timeout 30 bash -c "$kcp_cmd | head -c 10 >/dev/null; echo \${PIPESTATUS[$idx]}"
	echo "kcp status: $output; stderr: $stderr" >&2
	assert_success	# not killed by timeout
	[ "$output" = 141 ]
	[ -z "$stderr" ]
}

@test "SIGPIPE: kcp bigfile | head -c 10 ends quietly" {
	sigpipe_check "cat \"\$D/src.67108864\"" "\"\$KCP\" \"\$D/src.67108864\"" 0
}

@test "SIGPIPE: kcp /dev/zero | head -c 10 ends quietly" {
	sigpipe_check "cat /dev/zero" "\"\$KCP\" /dev/zero" 0
}

@test "SIGPIPE: cat bigfile | kcp | head -c 10 ends quietly" {
	sigpipe_check "cat /dev/zero | cat" "cat /dev/zero | \"\$KCP\"" 1
}

@test "SIGPIPE: --method=readwrite also ends quietly" {
	sigpipe_check "cat \"\$D/src.67108864\"" "\"\$KCP\" --method=readwrite \"\$D/src.67108864\"" 0
}

@test "SIGPIPE ignored by the parent: EPIPE is an error, exit 1, as with cat" {
	local cmd
	for cmd in '"$KCP" "$D/src.67108864"' \
	    '"$KCP" --method=readwrite "$D/src.67108864"' \
	    'cat /dev/zero 2>/dev/null | "$KCP" -'; do
		run --separate-stderr timeout 30 bash -c "trap '' PIPE; $cmd | head -c 10 >/dev/null; exit \${PIPESTATUS[-2]}"
		echo "$cmd: status $status, stderr: $stderr" >&2
		assert_failure 1
		[ "$stderr" = "kcp: error writing '-': Broken pipe" ]
	done
}

proc_check() {
	local f=$1
	[ -r "$f" ] || skip "$f is not readable"
	cat "$f" >"$T/expect"
	cat "$f" >"$T/expect2"
	cmp -s "$T/expect" "$T/expect2" || skip "$f is not stable between reads"
	[ -s "$T/expect" ] || skip "$f is empty here"

	run --separate-stderr timeout 30 "$KCP" "$f" "$T/out"
	assert_quiet_success
	cmp "$T/expect" "$T/out"

	pipeline "\"\$KCP\" '$f' | cat >\"\$T/out2\""
	assert_quiet_success
	cmp "$T/expect" "$T/out2"

	# Through stdin too.
	pipeline "\"\$KCP\" <'$f' >\"\$T/out3\""
	assert_quiet_success
	cmp "$T/expect" "$T/out3"
}

@test "/proc/version to a file and to a pipe equals cat" {
	proc_check /proc/version
}

@test "/proc/cpuinfo to a file and to a pipe equals cat" {
	proc_check /proc/cpuinfo
}

@test "/proc file larger than a page (/proc/kallsyms) equals cat" {
	[ -r /proc/kallsyms ] || skip "/proc/kallsyms not readable"
	proc_check /proc/kallsyms
	[ "$(stat -c %s "$T/out")" -gt 65536 ] || skip "/proc/kallsyms is small here"
}

@test "FIFO as SOURCE" {
	local src=$D/src.4m
	mkfifo "$T/fifo"
	timeout 30 cat "$src" >"$T/fifo" 3>&- &
	run --separate-stderr timeout 30 "$KCP" "$T/fifo" "$T/out"
	wait
	assert_quiet_success
	cmp "$src" "$T/out"
}

@test "FIFO as DEST" {
	local src=$D/src.4m
	mkfifo "$T/fifo"
	timeout 30 cat "$T/fifo" >"$T/out" 3>&- &
	local reader=$!
	run --separate-stderr timeout 30 "$KCP" "$src" "$T/fifo"
	wait "$reader"
	assert_quiet_success
	cmp "$src" "$T/out"
	[ -p "$T/fifo" ]	# still a FIFO, not replaced by a file
}

@test "FIFO as SOURCE and as DEST" {
	local src=$D/src.1m
	mkfifo "$T/in" "$T/outfifo"
	timeout 30 cat "$src" >"$T/in" 3>&- &
	timeout 30 cat "$T/outfifo" >"$T/out" 3>&- &
	local reader=$!
	run --separate-stderr timeout 30 "$KCP" "$T/in" "$T/outfifo"
	wait "$reader"
	wait
	assert_quiet_success
	cmp "$src" "$T/out"
}

@test "FIFO as DEST, empty SOURCE" {
	mkfifo "$T/fifo"
	timeout 30 cat "$T/fifo" >"$T/out" 3>&- &
	local reader=$!
	run --separate-stderr timeout 30 "$KCP" "$D/src.0" "$T/fifo"
	wait "$reader"
	assert_quiet_success
	[ -f "$T/out" ] && [ ! -s "$T/out" ]
}
