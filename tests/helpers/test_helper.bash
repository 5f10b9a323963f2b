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
