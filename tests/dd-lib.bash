# Shared by tests/dd*.bats: GNU dd is the oracle of kcp's dd operand mode.
# ddcmp runs both on the same input, over the same old DEST, and compares
# DEST's bytes, standard output, standard error (kcp's name put back to
# dd's) and the exit status.  A preloaded clock makes the time and rate
# fields of the closing lines the same in both, so that those are compared
# too, byte for byte.

bats_require_minimum_version 1.5.0

# dd_setup_file: data files and the fake clock, for setup_file.
dd_setup_file() {
	local d=$BATS_FILE_TMPDIR
	command -v dd >/dev/null || skip "GNU dd is not installed"
	dd --version 2>/dev/null | grep -q coreutils || skip "dd is not GNU dd"
	export LC_ALL=C
	# 100000 bytes: not a multiple of any block size used.
	mkdata 100000 "$d/in"
	# An old DEST: other bytes, shorter than the input, so that
	# truncation at seek= and conv=notrunc both show.
	python3 -c 'import random,sys; r=random.Random(7); sys.stdout.buffer.write(r.randbytes(70000))' >"$d/old"
	# Whole 4K blocks of zeros (and a zero tail) for conv=sparse.
	python3 - "$d/zin" <<'PY'
import random, sys
r = random.Random(3)
d = bytearray(r.randbytes(64 * 1024))
d[4096:20480] = bytes(16384)
d[-8192:] = bytes(8192)
open(sys.argv[1], "wb").write(d)
PY
	# Every byte value, and text lines of many lengths for cbs=.
	python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 3)' >"$d/all"
	python3 - "$d/text" <<'PY'
import random, sys
r = random.Random(5)
words = ["alpha", "Beta", "GAMMA", "delta  ", "  eps", "", "zeta-ETA", "x" * 40]
lines = [" ".join(r.choice(words) for _ in range(r.randrange(0, 6))) for _ in range(300)]
open(sys.argv[1], "w").write("\n".join(lines) + "\nno newline at the end   ")
PY
	export IN=$d/in OLD=$d/old ZIN=$d/zin ALL=$d/all TEXT=$d/text
	# The clock: the first reading, then that plus FAKE_CLOCK_NS ever
	# after, in both programs alike.
	FAKECLOCK=
	cat >"$d/fakeclock.c" <<'C'
#include <stdlib.h>
#include <time.h>
static int calls;
int
clock_gettime(clockid_t id, struct timespec *ts)
{
	const char *s = getenv("FAKE_CLOCK_NS");
	long long t = 1000000000000LL + (calls++ > 0 && s ? atoll(s) : 0);

	(void)id;
	ts->tv_sec = t / 1000000000;
	ts->tv_nsec = t % 1000000000;
	return 0;
}
C
	# A sanitizer's allocator reads the clock too, between kcp's own
	# readings: there the time and rate are masked instead.
	if ! grep -qa __asan_init "$KCP" && "${CC:-cc}" -shared -fPIC \
	    -o "$d/fakeclock.so" "$d/fakeclock.c" 2>/dev/null; then
		FAKECLOCK=$d/fakeclock.so
	fi
	export FAKECLOCK
	: >"$d/count"
	export DD_COUNT=$d/count
	# The shim for dd: a sanitizer build of it cannot go into GNU dd,
	# so then a plain one is built for dd alone.
	DD_FAULTINJ=${FAULTINJ-}
	if [ -n "$DD_FAULTINJ" ] && ! env LD_PRELOAD="$DD_FAULTINJ" dd \
	    --version >/dev/null 2>&1; then
		DD_FAULTINJ=
		"${CC:-cc}" -shared -fPIC -o "$d/faultinj.so" \
		    "$BATS_TEST_DIRNAME/helpers/faultinj.c" -ldl 2>/dev/null &&
		    DD_FAULTINJ=$d/faultinj.so
	fi
	export DD_FAULTINJ
}

# require_faultinj, and a shim that goes into GNU dd as well.
require_dd_faultinj() {
	require_faultinj
	[ -n "$DD_FAULTINJ" ] ||
	    skip "no fault-injection shim that GNU dd can load"
}

# The staged writer: the bytes of FILE in chunks of the sizes listed (then
# the rest in 4096-byte chunks), each written only once the reader has
# taken all of the one before, so that every read sees exactly one chunk
# (or part of it): short reads, and dd's partial records, without timing.
stager() {
	python3 - "$@" <<'PY'
import fcntl, os, select, struct, sys, termios, time
spec, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
sizes = [int(x) for x in spec.split(",") if x]
pos, p = 0, select.poll()
p.register(1, 0)
def drained():
    while True:
        if any(ev & (select.POLLERR | select.POLLHUP) for _, ev in p.poll(5)):
            return False
        n = struct.unpack("i", fcntl.ioctl(1, termios.FIONREAD, b"\0" * 4))[0]
        if n == 0:
            time.sleep(0.005)
            return True
while pos < len(data):
    n = sizes.pop(0) if sizes else 4096
    try:
        os.write(1, data[pos:pos + n])
    except BrokenPipeError:
        sys.exit(0)
    pos += n
    if not drained():
        sys.exit(0)
PY
}

# One program of ddrun, with the clock and any faults preloaded into it
# alone (not into the staged writer).
ddprog() {
	env LD_PRELOAD="$DDPRE" FAKE_CLOCK_NS="${ns:-1234567891}" \
	    KCP_FAULT="$DDFAULT" "$DDPROG" "$@"
}

# ddrun WHO DIR OPERAND...: one program's run, in DIR, as ddcmp set up.
ddrun() {
	local who=$1 dir=$2 rc=0
	shift 2
	local DDPROG=dd DDFAULT=${fault_dd-} DDPRE=$FAKECLOCK shim=$DD_FAULTINJ
	[ "$who" = dd ] || { DDPROG=$KCP; DDFAULT=${fault_kcp-}; shim=$FAULTINJ; }
	[ -z "$DDFAULT" ] || DDPRE+=" $shim"
	(
		cd "$dir" || exit 99
		if [ -n "${feed-}" ]; then
			stager "$feed" "${feedsrc:-$IN}" | eval 'ddprog "$@"' \
			    "${redir:->stdout 2>stderr}"
			exit "${PIPESTATUS[1]}"
		elif [ -n "${pipeout-}" ]; then
			eval 'ddprog "$@" 2>stderr <"${stdin:-/dev/null}"' |
			    cat >stdout
			exit "${PIPESTATUS[0]}"
		else
			eval 'ddprog "$@" <"${stdin:-/dev/null}"' \
			    "${redir:->stdout 2>stderr}"
		fi
	) || rc=$?
	echo "$rc" >"$dir/rc"
	touch "$dir/stdout" "$dir/stderr"
	sed -i -e "s/^kcp: /dd: /" -e "s/Try 'kcp --help'/Try 'dd --help'/" \
	    "$dir/stderr"
	[ -n "$FAKECLOCK" ] || sed -i -E 's/copied, [0-9.e+-]+ s, '\
'(Infinity|[0-9.]+) [kMGTPEZY]?B\/s/copied, T s, R/g' "$dir/stderr"
}

# same_dest A B: the same bytes; past 64 MiB (seek= far out, making a
# sparse file), the same size and the same first and last MiB.
same_dest() {
	local a b
	a=$(stat -c %s "$1" 2>/dev/null) || a=none
	b=$(stat -c %s "$2" 2>/dev/null) || b=none
	[ "$a" = "$b" ] || return 1
	[ "$a" != none ] || return 0
	[ "$a" -gt $((64 << 20)) ] || { cmp -s "$1" "$2"; return; }
	cmp -s <(head -c 1M "$1") <(head -c 1M "$2") &&
	    cmp -s <(tail -c 1M "$1") <(tail -c 1M "$2")
}

# ddcmp OPERAND...: dd and kcp with these operands, each in a directory of
# its own holding "out", a copy of $old when it is set.  Settings, as
# variables: old=FILE, stdin=FILE, feed=SIZES (feedsrc=FILE, default $IN:
# standard input from the staged writer), pipeout=1 (standard output into
# a pipe), redir='REDIRECTIONS' (replacing '>stdout 2>stderr'), ns=N (the
# elapsed nanoseconds), fault_dd=RULES and fault_kcp=RULES (faultinj.so),
# blocks=1 (compare DEST's allocated blocks too).  Prints what differs.
ddcmp() {
	local base=$BATS_TEST_TMPDIR/cmp who bad=
	rm -rf "$base"
	for who in dd kcp; do
		mkdir -p "$base/$who"
		[ -z "${old-}" ] || cp "$old" "$base/$who/out"
		ddrun "$who" "$base/$who" "$@"
	done
	echo x >>"$DD_COUNT"
	cd "$base" || return 1
	cmp -s dd/rc kcp/rc || bad+=" exit status $(cat dd/rc) vs $(cat kcp/rc);"
	cmp -s dd/stdout kcp/stdout || bad+=" stdout;"
	cmp -s dd/stderr kcp/stderr || bad+=" stderr;"
	if [ -e dd/out ] || [ -e kcp/out ]; then
		same_dest dd/out kcp/out || bad+=" DEST;"
		[ -z "${blocks-}" ] || [ "$(stat -c %b dd/out)" = \
		    "$(stat -c %b kcp/out)" ] || bad+=" allocated blocks;"
	fi
	cd "$BATS_TEST_TMPDIR" || return 1
	[ -z "$bad" ] && return 0
	echo "== [$*]:$bad"
	diff "$base/dd/stderr" "$base/kcp/stderr" | head -20
	return 1
}

# matrix CASE...: ddcmp with each CASE, a word-split operand list; fails
# after trying all of them, saying how many differed.
matrix() {
	local c failed=0
	for c in "$@"; do
		# shellcheck disable=SC2086
		ddcmp $c || failed=$((failed + 1))
	done
	[ "$failed" = 0 ] || fail "$failed of $# cases differ from GNU dd"
}

# The version of GNU dd, as a number: 9.1 is 901.
dd_version() {
	dd --version | sed -nE '1s/.* ([0-9]+)\.([0-9]+).*/\1 \2/p' |
	    { read -r a b; echo $((a * 100 + b)); }
}
