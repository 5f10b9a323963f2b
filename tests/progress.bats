#!/usr/bin/env bats
# Progress (-P) and status on demand (SIGUSR1), kcp(1), Progress: what a
# person sees on a terminal (a pseudo-terminal, and a real tmux pane), what
# a log gets through a pipe, and that the data are right all the same.

load helpers/test_helper
bats_require_minimum_version 1.5.0

export KCP

setup_file() {
	local d=$BATS_FILE_TMPDIR
	mkdata $((48 << 20)) "$d/src"
	export SRC=$d/src H=$d

	# ptyrun OUT CMD: run 'bash -c CMD' with its stderr on a raw
	# pseudo-terminal (no \n -> \r\n translation), standard input from
	# /dev/null; the bytes written to the terminal go to OUT.  Exits with
	# CMD's status.
	cat > "$d/ptyrun" <<'PY'
import os, pty, subprocess, sys, tty
out, cmd = sys.argv[1], sys.argv[2]
m, s = pty.openpty()
tty.setraw(s)
p = subprocess.Popen(["bash", "-c", cmd], stdin=subprocess.DEVNULL,
                     stderr=s, close_fds=True)
os.close(s)
buf = b""
while True:
    try:
        d = os.read(m, 65536)
    except OSError:
        break
    if not d:
        break
    buf += d
open(out, "wb").write(buf)
sys.exit(p.wait())
PY

	# slowsink OUT: copy standard input to OUT, 1 MiB each 40 ms at most
	# (about 25 MiB/s), so that a copy into a pipe takes a while.
	cat > "$d/slowsink" <<'PY'
import sys, time
with open(sys.argv[1], "wb") as f:
    while True:
        b = sys.stdin.buffer.read(1 << 20)
        if not b:
            break
        f.write(b)
        time.sleep(0.04)
PY

	# slowsrc FILE CHUNK DELAY: write FILE to standard output in CHUNK
	# bytes with DELAY seconds between them (a slow producer).
	cat > "$d/slowsrc" <<'PY'
import sys, time
f, chunk, delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
out = sys.stdout.buffer
with open(f, "rb") as fh:
    while True:
        b = fh.read(chunk)
        if not b:
            break
        out.write(b)
        out.flush()
        time.sleep(delay)
PY

	# kcpw PIDFILE ARG...: kcp, its process ID written to PIDFILE first.
	printf '%s\n' '#!/bin/sh' 'echo $$ > "$1"; shift; exec "$KCP" "$@"' > "$d/kcpw"
	chmod +x "$d/kcpw"

	# screen FILE: what a terminal shows after FILE's bytes: \r goes to
	# column 0, ESC[K erases to the end of the line, \n starts a new line.
	# Prints the screen's lines.
	cat > "$d/screen" <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
lines, cur, col = [], [], 0
i = 0
while i < len(data):
    c = data[i]
    if data.startswith("\x1b[K", i):
        del cur[col:]
        i += 3
        continue
    if c == "\r":
        col = 0
    elif c == "\n":
        lines.append("".join(cur)); cur, col = [], 0
    else:
        if col < len(cur):
            cur[col] = c
        else:
            cur.append(c)
        col += 1
    i += 1
if cur:
    lines.append("".join(cur))
print("\n".join(lines))
PY
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	if [ -n "${TMUX_SOCK:-}" ]; then
		tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || true
	fi
}

ptyrun() { python3 "$H/ptyrun" "$@"; }
slowsink() { python3 "$H/slowsink" "$@"; }
slowsrc() { python3 "$H/slowsrc" "$@"; }
screen() { python3 "$H/screen" "$@"; }

# The redraws in a terminal capture: the pieces between carriage returns
# (escape sequences and the final newline removed), one a line.
redraws() {
	tr '\r' '\n' < "$1" | sed -e 's/\x1b\[K//g' -e '/^$/d'
}

# ------------------------------------------------------------- on a terminal

@test "-P on a terminal: one line redrawn with \\r: bytes, percent, rate, ETA, method; final 100% and elapsed" {
	local t0 t1
	t0=$(date +%s.%N)
	run -0 ptyrun tty.out "\"$KCP\" -P \"$SRC\" - | python3 \"$H/slowsink\" out"
	t1=$(date +%s.%N)
	cmp "$SRC" out
	# redrawn in place: carriage returns, and the only newline at the end
	grep -q $'\r' tty.out
	assert_equal "$(tr -cd '\n' < tty.out | wc -c)" 1
	[ "$(tail -c 1 tty.out | od -An -c | tr -d ' ')" = '\n' ]
	# what the person sees at the end: one line
	run -0 screen tty.out
	assert_equal "${#lines[@]}" 1
	[[ "${lines[0]}" =~ ^kcp:\ 48\ MiB\ of\ 48\ MiB\ \(100%\),\ [0-9.]+\ [KMG]?i?B/s,\ [0-9]+:[0-9][0-9]\ elapsed,\ via\ [a-z_]+$ ]] ||
	    fail "final line: '${lines[0]}'"
	# the redraws before it: bytes of the total, percent, rate, ETA, method
	redraws tty.out > draws
	local n
	n=$(wc -l < draws)
	[ "$n" -ge 3 ] || fail "only $n redraws in a copy of $(echo "$t1 - $t0" | bc) s"
	head -n -1 draws > mid
	while IFS= read -r l; do
		[[ "$l" =~ ^kcp:\ [0-9.]+\ [KMG]?i?B\ of\ 48\ MiB\ \([0-9]+%\),\ [0-9.]+\ [KMG]?i?B/s,\ ETA\ [0-9]+:[0-9][0-9],\ via\ (sendfile|splice|readwrite)$ ]] ||
		    fail "progress line: '$l'"
	done < mid
	# the percentage never goes back
	sed 's/.*(\([0-9]*\)%).*/\1/' draws | sort -n -c
	# at most four redraws a second (and a final one)
	python3 -c "import sys; n, s = int(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if n <= 4 * s + 2 else 1)" \
	    "$n" "$(echo "$t1 - $t0" | bc)" || fail "$n redraws in $(echo "$t1 - $t0" | bc) s"
}

@test "-P on a terminal, pipe source (total unknown): no percentage, no ETA" {
	run -0 ptyrun tty.out "python3 \"$H/slowsrc\" \"$SRC\" 1048576 0.03 | \"$KCP\" -P - out"
	cmp "$SRC" out
	assert_equal "$(tr -cd '\n' < tty.out | wc -c)" 1
	redraws tty.out > draws
	[ "$(wc -l < draws)" -ge 3 ]
	run ! grep -e '%' -e ETA draws
	while IFS= read -r l; do
		[[ "$l" =~ ^kcp:\ [0-9.]+\ [KMG]?i?B,\ [0-9.]+\ [KMG]?i?B/s,\ (ETA|[0-9]).*via\ [a-z_]+$ ]] ||
		[[ "$l" =~ ^kcp:\ [0-9.]+\ [KMG]?i?B,\ [0-9.]+\ [KMG]?i?B/s,\ via\ [a-z_]+$ ]] ||
		    fail "progress line: '$l'"
	done < <(head -n -1 draws)
	run -0 screen tty.out
	assert_equal "${#lines[@]}" 1
	[[ "${lines[0]}" =~ ^kcp:\ 48\ MiB,\ .*/s,\ [0-9]+:[0-9][0-9]\ elapsed,\ via\ (splice|readwrite)$ ]] ||
	    fail "final line: '${lines[0]}'"
}

@test "-P on a terminal with a fast copy still ends with one final line" {
	mkdata 100000 small
	run -0 ptyrun tty.out "\"$KCP\" -P small out"
	cmp small out
	run -0 screen tty.out
	assert_equal "${#lines[@]}" 1
	[[ "${lines[0]}" == "kcp: "*" of "*"(100%)"*"elapsed, via "* ]] || fail "'${lines[0]}'"
	# an empty file: 100% of nothing
	: > empty
	run -0 ptyrun tty2.out "\"$KCP\" -P empty out2"
	run -0 screen tty2.out
	[[ "${lines[0]}" == *"(100%)"*"elapsed"* ]] || fail "'${lines[0]}'"
}

# ----------------------------------------------------------------- in a pipe

@test "-P with stderr not a terminal: plain lines, about one a second, and a final line" {
	local t0 t1 n
	t0=$(date +%s.%N)
	"$KCP" -P "$SRC" - 2>err | slowsink out
	t1=$(date +%s.%N)
	cmp "$SRC" out
	# no carriage returns, no escape sequences
	run ! grep -q -e $'\r' -e $'\x1b' err
	n=$(wc -l < err)
	[ "$n" -ge 2 ] || fail "only $n lines: $(cat err)"
	python3 -c "import sys; n, s = int(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if n <= s + 2 else 1)" \
	    "$n" "$(echo "$t1 - $t0" | bc)" || fail "$n lines in $(echo "$t1 - $t0" | bc) s"
	while IFS= read -r l; do
		[[ "$l" =~ ^kcp:\ [0-9.]+\ [KMG]?i?B\ of\ 48\ MiB\ \([0-9]+%\),\ .*/s,\ ETA\ [0-9:]+,\ via\ [a-z_]+$ ]] ||
		    fail "line: '$l'"
	done < <(head -n -1 err)
	[[ "$(tail -n 1 err)" =~ ^kcp:\ 48\ MiB\ of\ 48\ MiB\ \(100%\),\ .*/s,\ [0-9:]+\ elapsed,\ via\ [a-z_]+$ ]] ||
	    fail "final: '$(tail -n 1 err)'"
}

@test "-P on a pipe source with an unknown total: no percentage" {
	slowsrc "$SRC" 1048576 0.04 | "$KCP" -P - out 2>err
	cmp "$SRC" out
	[ "$(wc -l < err)" -ge 2 ]
	run ! grep -e '%' -e ETA -e $'\r' err
	[[ "$(tail -n 1 err)" =~ ^kcp:\ 48\ MiB,\ .*/s,\ [0-9:]+\ elapsed,\ via\ [a-z_]+$ ]] ||
	    fail "final: '$(tail -n 1 err)'"
	# with --length the total is known again
	slowsrc "$SRC" 1048576 0.02 | "$KCP" -P -l 30M - out2 2>err2
	cmp out2 <(head -c $((30 << 20)) "$SRC")
	[[ "$(tail -n 1 err2)" == "kcp: 30 MiB of 30 MiB (100%), "*" elapsed, via "* ]] ||
	    fail "final: '$(tail -n 1 err2)'"
}

@test "-P with every method: the data are right" {
	local m
	for m in copy_file_range sendfile splice readwrite; do
		"$KCP" -P --method=$m "$SRC" "out.$m" 2>"err.$m"
		cmp "$SRC" "out.$m"
		[[ "$(tail -n 1 "err.$m")" == *"(100%)"*"via $m" ]] || fail "$m: $(tail -n 1 "err.$m")"
	done
}

# ------------------------------------------------------------------ SIGUSR1

@test "SIGUSR1 mid-copy prints a status line and the copy goes on" {
	slowsrc "$SRC" 1048576 0.05 | "$H/kcpw" kcp.pid - out 2>err &
	local pid=$!
	sleep 0.7
	kill -USR1 "$(cat kcp.pid)"
	sleep 0.5
	kill -USR1 "$(cat kcp.pid)"
	wait "$pid"
	cmp "$SRC" out
	assert_equal "$(wc -l < err)" 2
	while IFS= read -r l; do
		[[ "$l" =~ ^kcp:\ [0-9.]+\ [KMG]?i?B,\ [0-9.]+\ [KMG]?i?B/s,\ via\ [a-z_]+$ ]] || fail "'$l'"
	done < err
	# the second one further than the first
	[ "$(head -n 1 err)" != "$(tail -n 1 err)" ]
}

@test "SIGUSR1 with a known total shows the percentage; with -P on a terminal it does not break the line" {
	"$H/kcpw" kcp.pid "$SRC" - 2>err | slowsink out &
	local pid=$!
	sleep 0.6
	kill -USR1 "$(cat kcp.pid)"
	wait "$pid"
	cmp "$SRC" out
	[[ "$(cat err)" =~ ^kcp:\ [0-9.]+\ [KMG]?i?B\ of\ 48\ MiB\ \([0-9]+%\),\ .*ETA.*via\ [a-z_]+$ ]] || fail "'$(cat err)'"
	# on a terminal with -P: the status line is a whole line of its own
	run -0 ptyrun tty.out "\"$H/kcpw\" k2.pid -P \"$SRC\" - | python3 \"$H/slowsink\" out2 & sleep 0.6; kill -USR1 \$(cat k2.pid); wait"
	cmp "$SRC" out2
	# As dd with status=progress does: the live line is left where it
	# was, the status line goes below it as a whole line, and the live
	# line goes on below that: three lines at the end.
	run -0 screen tty.out
	assert_equal "${#lines[@]}" 3
	[[ "${lines[0]}" =~ ^kcp:\ .*\ of\ 48\ MiB\ \([0-9]+%\),\ .*ETA\ [0-9:]+,\ via\ [a-z_]+$ ]] || fail "'${lines[0]}'"
	[[ "${lines[1]}" =~ ^kcp:\ .*\ of\ 48\ MiB\ \([0-9]+%\),\ .*ETA\ [0-9:]+,\ via\ [a-z_]+$ ]] || fail "'${lines[1]}'"
	[[ "${lines[2]}" == *"(100%)"*elapsed* ]] || fail "'${lines[2]}'"
	# the status line was written whole: newline, line, newline
	python3 -c 'import re, sys; sys.exit(not re.search(rb"\nkcp: [^\r\n]* ETA [0-9:]+, via [a-z_]+\n", open("tty.out", "rb").read()))' ||
	    fail "no whole status line: $(od -c tty.out | head -20)"
}

@test "SIGUSR1 while kcp waits to open a FIFO does not fail the copy" {
	# dd retries an open that a signal interrupted; a status request must
	# never turn into "Interrupted system call".
	mkfifo fifo
	mkdata 100000 small
	timeout 10 "$H/kcpw" kcp.pid fifo out 2>err &
	local pid=$! rc=0
	sleep 0.3
	kill -USR1 "$(cat kcp.pid)"
	sleep 0.3
	cat small > fifo &
	wait "$pid" || rc=$?
	# unblock the writer if kcp went away without reading
	timeout 2 cat fifo > /dev/null 2>&1 || true
	wait
	[ "$rc" = 0 ] || fail "exit $rc: $(cat err)"
	cmp small out
}

@test "-P while kcp waits to open a FIFO (source or DEST) does not fail the copy" {
	# The progress timer ticks four times a second from the start; a
	# blocking open(2) of a FIFO must not fail with EINTR because of it.
	mkdata 100000 small
	mkfifo in.fifo
	( sleep 0.7; cat small > in.fifo ) &
	local rc=0
	timeout 10 "$KCP" -P in.fifo out 2>err || rc=$?
	timeout 2 cat in.fifo > /dev/null 2>&1 || true
	wait
	[ "$rc" = 0 ] || fail "source FIFO: exit $rc: $(cat err)"
	cmp small out
	mkfifo out.fifo
	( sleep 0.7; cat out.fifo > got ) &
	rc=0
	timeout 10 "$KCP" -P small out.fifo 2>err || rc=$?
	[ "$rc" = 0 ] || { timeout 2 sh -c ': > out.fifo' 2>/dev/null; wait; fail "DEST FIFO: exit $rc: $(cat err)"; }
	wait
	cmp small got
}

@test "-P -i: an answer typed after a while is still read" {
	# The progress timer must not make the prompt's read fail (EINTR),
	# which would count as "no".
	mkdata 100000 small
	echo old > dest
	run -0 --separate-stderr bash -c '{ sleep 0.8; echo y; } | "$0" -P -i "$1" dest' "$KCP" "$PWD/small"
	[[ "$stderr" == "kcp: overwrite 'dest'?"* ]] || fail "stderr: '$stderr'"
	cmp small dest
}

# -------------------------------------------------------------------- tmux

@test "-P in a tmux pane: a single line redrawn, not a scroll of lines" {
	command -v tmux >/dev/null || skip "tmux not installed"
	TMUX_SOCK=$BATS_TEST_TMPDIR/tmux.sock
	local cmd during after
	cmd="\"$KCP\" -P \"$SRC\" - | python3 \"$H/slowsink\" \"$BATS_TEST_TMPDIR/out\"; echo \"rc=\$?\"; sleep 30"
	tmux -S "$TMUX_SOCK" new-session -d -s kcptest -x 120 -y 10 "$cmd"
	sleep 1.2
	during=$(tmux -S "$TMUX_SOCK" capture-pane -p -t kcptest)
	local i
	for i in $(seq 1 50); do
		grep -q '^rc=' <<<"$(tmux -S "$TMUX_SOCK" capture-pane -p -t kcptest)" && break
		sleep 0.1
	done
	after=$(tmux -S "$TMUX_SOCK" capture-pane -p -t kcptest)
	# mid-copy: exactly one non-empty line, a progress line
	[ "$(grep -c . <<<"$during")" = 1 ] || fail "pane mid-copy:
$during"
	[[ "$(grep . <<<"$during")" =~ ^kcp:\ .*\ of\ 48\ MiB\ \([0-9]+%\),\ .*ETA ]] || fail "pane mid-copy: $during"
	# at the end: the final line, then the shell's own output
	[ "$(grep -c . <<<"$after")" = 2 ] || fail "pane at the end:
$after"
	[[ "$(grep . <<<"$after" | head -n 1)" == "kcp: 48 MiB of 48 MiB (100%), "*"elapsed, via "* ]] || fail "$after"
	[ "$(grep . <<<"$after" | tail -n 1)" = rc=0 ]
	cmp "$SRC" out
}

# --------------------------------------------------------------- trees

@test "-rP: one line for the whole tree, files and bytes of the totals, final 100%" {
	mkdir -p tree/a/b
	local i
	for i in 1 2 3 4 5; do head -c $((i * 100000)) "$SRC" >"tree/a/f$i"; done
	tail -c 4096 "$SRC" >tree/a/b/g
	ln -s f1 tree/a/link
	run --separate-stderr "$KCP" -rP tree copy
	assert_success
	for i in 1 2 3 4 5; do cmp "tree/a/f$i" "copy/a/f$i"; done
	cmp tree/a/b/g copy/a/b/g
	# Not a terminal: plain lines; the last is the final one.
	[[ "${stderr_lines[-1]}" =~ ^kcp:\ 6\ of\ 6\ files,\ [0-9.]+\ [KM]iB\ of\ [0-9.]+\ [KM]iB\ \(100%\),\ [0-9.]+\ [KMG]?i?B/s,\ [0-9]+:[0-9]{2}\ elapsed$ ]] ||
	    fail "last line: ${stderr_lines[-1]}"
}

@test "-rP: SIGUSR1 mid-tree prints the tree's line, naming the file in progress" {
	mkdir -p tree/d
	head -c 200000 "$SRC" >tree/d/first
	mkfifo tree/d/slow
	# The FIFO is read as a file (--copy-contents) while a writer trickles.
	slowsrc "$SRC" 1048576 0.05 >tree/d/slow &
	local feeder=$!
	"$H/kcpw" kcp.pid -rP --copy-contents tree copy 2>err &
	local pid=$!
	sleep 0.8
	kill -USR1 "$(cat kcp.pid)"
	wait "$pid"
	wait "$feeder" || :
	cmp "$SRC" copy/d/slow
	cmp tree/d/first copy/d/first
	grep -q "^kcp: [0-9]* of [0-9]*+\? files, .*'tree/d/slow'" err ||
	    fail "no tree status line naming the FIFO: $(cat err)"
	[[ "$(tail -n 1 err)" == "kcp: 2 of 2 files, "*" elapsed" ]] ||
	    fail "final: $(tail -n 1 err)"
}
