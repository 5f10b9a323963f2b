# Shared setup for kcp's bats tests.  Load it with:
#   load helpers/test_helper
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

# The binary under test; `make check` exports KCP.
: "${KCP:=$(cd "$BATS_TEST_DIRNAME/.." && pwd)/src/kcp}"

# kcp with no environment surprises.
kcp() {
	"$KCP" "$@"
}

# Write N bytes of reproducible, non-repeating data to FILE.
mkdata() {
	local n=$1 file=$2
	python3 - "$n" "$file" <<'PY'
import sys, random
n, path = int(sys.argv[1]), sys.argv[2]
r = random.Random(n)
with open(path, "wb") as f:
    left = n
    while left:
        k = min(left, 1 << 20)
        f.write(r.randbytes(k))
        left -= k
PY
}

# Allocated 512-byte blocks of FILE.
blocks() {
	stat -c %b "$1"
}

# Skip unless running as root.
require_root() {
	[ "$(id -u)" = 0 ] || skip "needs root"
}

# One reproducible pool of bytes per test file (python starts slowly):
# call make_pool from setup_file, then mkd N FILE takes N bytes from an
# offset that depends on N, so files of different sizes differ and two
# files of one size are equal, as with mkdata.
POOL_SIZE=$((8 * 1024 * 1024))

make_pool() {
	export POOL="$BATS_FILE_TMPDIR/pool"
	mkdata "$POOL_SIZE" "$POOL"
}

# mkd N FILE: like mkdata N FILE.
mkd() {
	local n=$1 file=$2
	if [ "$n" -gt "$POOL_SIZE" ]; then
		mkdata "$n" "$file"
		return
	fi
	dd if="$POOL" of="$file" iflag=skip_bytes,count_bytes bs=64K \
	    skip=$(((n * 40503) % (POOL_SIZE - n + 1))) count="$n" status=none
}

# Fail unless $stderr (from run --separate-stderr) is exactly these lines.
stderr_is() {
	local IFS=$'\n'
	assert_equal "$stderr" "$*"
}

# The usage hint that follows every usage error.
USAGE_HINT="Try 'kcp --help' for more information."

# expect_copy OUT OLD SRC SEEK SKIP N: write to OUT what a copy of N bytes
# (or "-": to the end) of SRC from SKIP, written at SEEK over OLD (or "-":
# nothing), must give.
expect_copy() {
	python3 - "$@" <<'PY'
import sys
out, old, src, seek, skip, n = sys.argv[1:7]
buf = bytearray(b"" if old == "-" else open(old, "rb").read())
data = open(src, "rb").read()[int(skip):]
if n != "-":
    data = data[:int(n)]
seek = int(seek)
end = seek + len(data)
if len(buf) < end:
    buf.extend(bytes(end - len(buf)))
buf[seek:end] = data
open(out, "wb").write(buf)
PY
}

# wait_size FILE BYTES: wait (at most 10 s) until FILE holds BYTES.
wait_size() {
	local i
	for ((i = 0; i < 1000; i++)); do
		[ -f "$1" ] && [ "$(stat -c %s "$1")" -ge "$2" ] && return 0
		sleep 0.01
	done
	echo "$1 never reached $2 bytes" >&2
	return 1
}
