#!/usr/bin/env bats
# Sockets as SOURCE and DEST (kcp(1), THE METHOD LADDER: the socket rows
# of the table).  Only 127.0.0.1 and socketpairs; every wait is bounded.

load helpers/test_helper
bats_require_minimum_version 1.5.0

export KCP

setup_file() {
	# Resolve python3 once: a version-manager shim on PATH can cost a
	# quarter second per call.
	local py
	py=$(python3 -c 'import sys; print(sys.executable)')
	PATH=${py%/*}:$PATH
	export PATH
	local d=$BATS_FILE_TMPDIR
	mkdata 3145733 "$d/src.3m"
	mkdata 42 "$d/src.42"
	mkdata 0 "$d/src.0"

	# sock.py MODE KIND [IN] [OUT] -- CMD...
	#   feed:  CMD's stdin is a socket; IN is sent into it, then EOF.
	#   drain: CMD's stdout is a socket; what arrives is written to OUT.
	#   both:  stdin and stdout are sockets (IN sent, OUT received).
	# KIND: unix (socketpair) or tcp (a connection over 127.0.0.1).
	# The other descriptors are inherited.  Exit status: CMD's (128+N
	# for a signal).  Environment: SOCK_NB=1 makes CMD's sockets
	# non-blocking; SOCK_DELAY=S sleeps S seconds after each 64 KiB sent
	# or received (and before the first receive); SOCK_LIMIT=N makes the
	# receiver close its end after N bytes.
	cat >"$d/sock.py" <<'PY'
import os, socket, subprocess, sys, threading, time
DELAY = float(os.environ.get("SOCK_DELAY", "0"))
LIMIT = int(os.environ.get("SOCK_LIMIT", "-1"))

def pair(kind):
    if kind == "unix":
        return socket.socketpair()
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    c = socket.create_connection(ls.getsockname(), timeout=10)
    c.settimeout(None)
    s, _ = ls.accept()
    ls.close()
    return c, s

def feed(sock, path):
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 16)
            if not b:
                break
            sock.sendall(b)
            time.sleep(DELAY)
    sock.shutdown(socket.SHUT_WR)
    sock.close()

def drain(sock, path):
    got = 0
    time.sleep(DELAY)
    with open(path, "wb") as f:
        while LIMIT < 0 or got < LIMIT:
            b = sock.recv(1 << 16 if LIMIT < 0 else min(1 << 16, LIMIT - got))
            if not b:
                break
            f.write(b)
            got += len(b)
            time.sleep(DELAY)
    sock.close()

args = sys.argv[1:]
i = args.index("--")
opts, cmd = args[:i], args[i + 1:]
mode, kind, files = opts[0], opts[1], opts[2:]
stdin = stdout = None
jobs = []
mine = []
if mode in ("feed", "both"):
    a, b = pair(kind)
    stdin = a.fileno()
    mine.append(a)
    jobs.append(threading.Thread(target=feed, args=(b, files[0])))
if mode in ("drain", "both"):
    a, b = pair(kind)
    stdout = a.fileno()
    mine.append(a)
    jobs.append(threading.Thread(target=drain, args=(b, files[-1])))
if os.environ.get("SOCK_NB"):
    for a in mine:
        a.setblocking(False)
p = subprocess.Popen(cmd, stdin=stdin, stdout=stdout)
for s in mine:
    s.close()
for t in jobs:
    t.daemon = True
    t.start()
rc = p.wait()
for t in jobs:
    t.join(20)
    if t.is_alive():
        sys.exit("sock.py: peer thread did not finish")
sys.exit(rc if rc >= 0 else 128 - rc)
PY
}

setup() {
	D=$BATS_FILE_TMPDIR
	T=$BATS_TEST_TMPDIR
	export D T
	cd "$T"
}

sockpy() {
	run --separate-stderr timeout 60 python3 "$D/sock.py" "$@"
}

# The only stderr line is a -v line for SRC -> DST with BYTES bytes whose
# "via" part matches VIA_RE (an ERE, anchored at the end).
assert_verbose() {
	local src=$1 dst=$2 bytes=$3 via=$4
	local re="^kcp: '$src' -> '$dst': $bytes bytes in [0-9]+\\.[0-9]{2} s( \\([^)]*/s\\))? via $via\$"
	if [ "${#stderr_lines[@]}" -ne 1 ] || ! [[ ${stderr_lines[0]} =~ $re ]]; then
		printf 'expected one stderr line matching\n  %s\ngot:\n%s\n' "$re" "$stderr" >&2
		return 1
	fi
}

# --- file -> socket ---------------------------------------------------

@test "file -> socket (tcp)" {
	sockpy drain tcp out -- "$KCP" "$D/src.3m"
	assert_quiet_success
	cmp "$D/src.3m" out
}

@test "file -> socket (unix socketpair)" {
	sockpy drain unix out -- "$KCP" "$D/src.3m" -
	assert_quiet_success
	cmp "$D/src.3m" out
}

@test "file -> socket: small and empty files" {
	sockpy drain tcp out -- "$KCP" "$D/src.42"
	assert_quiet_success
	cmp "$D/src.42" out
	sockpy drain tcp out -- "$KCP" "$D/src.0"
	assert_quiet_success
	cmp "$D/src.0" out
}

@test "file -> socket: -v names a method that applies" {
	cp "$D/src.3m" src
	sockpy drain tcp out -- "$KCP" -v src
	assert_success
	cmp src out
	assert_verbose src - 3145733 '(sendfile|splice|readwrite)( \(.*\))?'
}

@test "file -> socket: --method=sendfile" {
	cp "$D/src.3m" src
	sockpy drain tcp out -- "$KCP" -v --method=sendfile src
	assert_success
	cmp src out
	assert_verbose src - 3145733 sendfile
}

@test "file -> socket (unix): --method=sendfile" {
	cp "$D/src.3m" src
	sockpy drain unix out -- "$KCP" -v --method=sendfile src
	assert_success
	cmp src out
	assert_verbose src - 3145733 sendfile
}

@test "file -> socket: --method=readwrite" {
	cp "$D/src.3m" src
	sockpy drain tcp out -- "$KCP" -v --method=readwrite src
	assert_success
	cmp src out
	assert_verbose src - 3145733 readwrite
}

@test "file -> socket: --method=splice (through the internal pipe)" {
	cp "$D/src.3m" src
	sockpy drain tcp out -- "$KCP" -v --method=splice src
	assert_success
	cmp src out
	assert_verbose src - 3145733 splice
}

@test "file -> socket: --method=copy_file_range fails with EINVAL" {
	cp "$D/src.3m" src
	sockpy drain tcp out -- "$KCP" --method=copy_file_range src
	assert_failure 1
	[ "$stderr" = "kcp: cannot copy 'src' to '-' with copy_file_range: Invalid argument (EINVAL)" ]
	[ ! -s out ]
}

@test "file -> socket: --length and --skip" {
	sockpy drain tcp out -- "$KCP" --skip=1000 --length=2000000 "$D/src.3m"
	assert_quiet_success
	tail -c +1001 "$D/src.3m" | head -c 2000000 | cmp - out
}

# --- socket -> file ---------------------------------------------------

@test "socket (tcp) -> file" {
	sockpy feed tcp "$D/src.3m" -- "$KCP" - out
	assert_quiet_success
	cmp "$D/src.3m" out
}

@test "socket (unix socketpair) -> file" {
	sockpy feed unix "$D/src.3m" -- "$KCP" - out
	assert_quiet_success
	cmp "$D/src.3m" out
}

@test "socket -> file: small and empty" {
	sockpy feed tcp "$D/src.42" -- "$KCP" - out
	assert_quiet_success
	cmp "$D/src.42" out
	sockpy feed tcp "$D/src.0" -- "$KCP" - out
	assert_quiet_success
	cmp "$D/src.0" out
}

@test "socket -> file: -v reports splice" {
	sockpy feed tcp "$D/src.3m" -- "$KCP" -v - out
	assert_success
	cmp "$D/src.3m" out
	assert_verbose - out 3145733 splice
}

@test "socket -> file: --method=splice" {
	sockpy feed tcp "$D/src.3m" -- "$KCP" -v --method=splice - out
	assert_success
	cmp "$D/src.3m" out
	assert_verbose - out 3145733 splice
}

@test "socket (unix) -> file: --method=splice" {
	sockpy feed unix "$D/src.3m" -- "$KCP" -v --method=splice - out
	assert_success
	cmp "$D/src.3m" out
	assert_verbose - out 3145733 splice
}

@test "socket -> file: --method=readwrite" {
	sockpy feed tcp "$D/src.3m" -- "$KCP" -v --method=readwrite - out
	assert_success
	cmp "$D/src.3m" out
	assert_verbose - out 3145733 readwrite
}

@test "socket -> file: --method=sendfile,readwrite falls back to readwrite" {
	# sendfile(2) cannot read from a socket (EINVAL).
	sockpy feed tcp "$D/src.3m" -- "$KCP" -v --method=sendfile,readwrite - out
	assert_success
	cmp "$D/src.3m" out
	assert_verbose - out 3145733 'readwrite( \(sendfile: EINVAL\))?'
}

@test "socket -> file: --skip and --length read only what they need" {
	# The rest stays in the socket for the next reader.
	sockpy feed tcp "$D/src.3m" -- bash -c '"$KCP" --skip=10 -l 100000 - a && "$KCP" - b'
	assert_quiet_success
	tail -c +11 "$D/src.3m" | head -c 100000 | cmp - a
	tail -c +100011 "$D/src.3m" | cmp - b
}

# --- socket -> pipe ---------------------------------------------------

@test "socket -> pipe" {
	pipeline "python3 \"\$D/sock.py\" feed tcp \"\$D/src.3m\" -- \"\$KCP\" | cat >out"
	assert_quiet_success
	cmp "$D/src.3m" out
}

@test "socket -> pipe: -v reports splice" {
	pipeline "python3 \"\$D/sock.py\" feed tcp \"\$D/src.3m\" -- \"\$KCP\" -v | cat >out"
	assert_success
	cmp "$D/src.3m" out
	assert_verbose - - 3145733 splice
}

@test "socket -> pipe: --method=splice" {
	pipeline "python3 \"\$D/sock.py\" feed unix \"\$D/src.3m\" -- \"\$KCP\" -v --method=splice | cat >out"
	assert_success
	cmp "$D/src.3m" out
	assert_verbose - - 3145733 splice
}

@test "socket -> pipe: --method=readwrite" {
	pipeline "python3 \"\$D/sock.py\" feed tcp \"\$D/src.3m\" -- \"\$KCP\" -v --method=readwrite | cat >out"
	assert_success
	cmp "$D/src.3m" out
	assert_verbose - - 3145733 readwrite
}

# --- pipe -> socket ---------------------------------------------------

@test "pipe -> socket" {
	pipeline "cat \"\$D/src.3m\" | python3 \"\$D/sock.py\" drain tcp out -- \"\$KCP\""
	assert_quiet_success
	cmp "$D/src.3m" out
}

@test "pipe -> socket: -v reports splice" {
	pipeline "cat \"\$D/src.3m\" | python3 \"\$D/sock.py\" drain tcp out -- \"\$KCP\" -v"
	assert_success
	cmp "$D/src.3m" out
	assert_verbose - - 3145733 splice
}

@test "pipe -> socket: --method=splice" {
	pipeline "cat \"\$D/src.3m\" | python3 \"\$D/sock.py\" drain unix out -- \"\$KCP\" -v --method=splice"
	assert_success
	cmp "$D/src.3m" out
	assert_verbose - - 3145733 splice
}

@test "pipe -> socket: --method=readwrite" {
	pipeline "cat \"\$D/src.3m\" | python3 \"\$D/sock.py\" drain tcp out -- \"\$KCP\" -v --method=readwrite"
	assert_success
	cmp "$D/src.3m" out
	assert_verbose - - 3145733 readwrite
}

# --- socket -> socket -------------------------------------------------

@test "socket -> socket (tcp)" {
	sockpy both tcp "$D/src.3m" out -- "$KCP" -v
	assert_success
	cmp "$D/src.3m" out
	assert_verbose - - 3145733 splice
}

@test "socket -> socket (unix): --method=splice and --method=readwrite" {
	sockpy both unix "$D/src.3m" out -- "$KCP" -v --method=splice
	assert_success
	cmp "$D/src.3m" out
	assert_verbose - - 3145733 splice
	sockpy both unix "$D/src.3m" out2 -- "$KCP" -v --method=readwrite
	assert_success
	cmp "$D/src.3m" out2
	assert_verbose - - 3145733 readwrite
}

# --- non-blocking sockets, peers that go away ---------------------------

@test "O_NONBLOCK socket stdin from a slow peer -> file" {
	[ -x /usr/bin/time ] || skip "/usr/bin/time is not installed"
	SOCK_NB=1 SOCK_DELAY=0.02 sockpy feed tcp "$D/src.3m" -- \
	    /usr/bin/time -o time -f '%e %U %S' "$KCP" - out
	assert_quiet_success
	cmp "$D/src.3m" out
	assert_not_spinning time 0.5
}

@test "O_NONBLOCK socket stdout to a slow peer, from a file" {
	[ -x /usr/bin/time ] || skip "/usr/bin/time is not installed"
	SOCK_NB=1 SOCK_DELAY=0.02 sockpy drain unix out -- \
	    /usr/bin/time -o time -f '%e %U %S' "$KCP" "$D/src.3m"
	assert_quiet_success
	cmp "$D/src.3m" out
	assert_not_spinning time 0.5
}

@test "O_NONBLOCK sockets both sides, --method=readwrite and splice" {
	local m
	for m in readwrite splice; do
		SOCK_NB=1 SOCK_DELAY=0.002 sockpy both unix "$D/src.3m" "out.$m" -- "$KCP" --method=$m
		assert_quiet_success
		cmp "$D/src.3m" "out.$m"
	done
}

@test "SIGPIPE: a socket whose peer closed ends kcp quietly, as cat" {
	SOCK_LIMIT=10 sockpy drain unix out -- cat "$D/src.3m"
	[ "$status" = 141 ] || skip "cat does not die of SIGPIPE here (status $status)"
	SOCK_LIMIT=10 sockpy drain unix out -- "$KCP" "$D/src.3m"
	[ "$status" = 141 ]
	[ -z "$stderr" ]
	head -c 10 "$D/src.3m" | cmp - out
}

# --- real TCP endpoints with socat and bash's /dev/tcp -----------------

# Start `socat ARGS...` listening on a random free port in 20000-40000
# (the word PORT in ARGS is replaced); sets PORT and SOCAT_PID.
start_socat() {
	command -v socat >/dev/null || skip "socat is not installed"
	local try a args
	for try in 1 2 3 4 5 6 7 8; do
		PORT=$((20000 + RANDOM % 20001))
		args=()
		for a in "$@"; do
			args+=("${a//PORT/$PORT}")
		done
		timeout 30 socat "${args[@]}" 2>socat.err 3>&- &
		SOCAT_PID=$!
		sleep 0.2
		if kill -0 "$SOCAT_PID" 2>/dev/null && ss -ltn 2>/dev/null | grep -q "127.0.0.1:$PORT "; then
			return 0
		fi
		if kill -0 "$SOCAT_PID" 2>/dev/null && ! command -v ss >/dev/null; then
			return 0
		fi
		kill "$SOCAT_PID" 2>/dev/null || true
		wait "$SOCAT_PID" 2>/dev/null || true
	done
	skip "could not start socat on a free port"
}

@test "file -> TCP socket made by bash (>/dev/tcp), socat listening" {
	start_socat -u "TCP-LISTEN:PORT,bind=127.0.0.1,reuseaddr" "OPEN:$T/out,creat,trunc"
	run --separate-stderr timeout 30 bash -c '"$KCP" "$0" >/dev/tcp/127.0.0.1/$1' "$D/src.3m" "$PORT"
	wait "$SOCAT_PID"
	assert_quiet_success
	cmp "$D/src.3m" out
}

@test "TCP socket made by bash (</dev/tcp) -> file, socat sending" {
	start_socat -u "OPEN:$D/src.3m" "TCP-LISTEN:PORT,bind=127.0.0.1,reuseaddr"
	run --separate-stderr timeout 30 bash -c '"$KCP" -v - out </dev/tcp/127.0.0.1/$0' "$PORT"
	wait "$SOCAT_PID"
	assert_success
	cmp "$D/src.3m" out
	assert_verbose - out 3145733 splice
}
