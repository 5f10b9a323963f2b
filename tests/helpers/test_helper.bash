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

# A /dev/shm scratch directory in SHM (tmpfs takes offsets up to
# INT64_MAX), or skip.  The file's teardown removes "$SHM".
shm_dir() {
	[ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] ||
	    skip "/dev/shm is not tmpfs"
	SHM=$(mktemp -d /dev/shm/kcp-test.XXXXXX) || skip "cannot write /dev/shm"
}

# strerror(3) in the C locale for the errno named $1 (EIO, ...); fails on
# a name that is not an errno.
strerror() {
	case $1 in
	ENOSYS)		echo "Function not implemented" ;;
	EXDEV)		echo "Invalid cross-device link" ;;
	EINVAL)		echo "Invalid argument" ;;
	EPERM)		echo "Operation not permitted" ;;
	EOPNOTSUPP)	echo "Operation not supported" ;;
	EBADF)		echo "Bad file descriptor" ;;
	ETXTBSY)	echo "Text file busy" ;;
	ENOTTY)		echo "Inappropriate ioctl for device" ;;
	EACCES)		echo "Permission denied" ;;
	ENOENT)		echo "No such file or directory" ;;
	EFBIG)		echo "File too large" ;;
	EIO)		echo "Input/output error" ;;
	ENOSPC)		echo "No space left on device" ;;
	EDQUOT)		echo "Disk quota exceeded" ;;
	ENOMEM)		echo "Cannot allocate memory" ;;
	EOVERFLOW)	echo "Value too large for defined data type" ;;
	ENODATA)	echo "No data available" ;;
	*)
		LC_ALL=C python3 -c 'import errno, os, sys
print(os.strerror(getattr(errno, sys.argv[1])))' "$1" 2>/dev/null || {
			echo "strerror: unknown $1" >&2
			return 1
		}
		;;
	esac
}

# --- fault injection (tests/helpers/faultinj.c) ------------------------------

# The shim, or skip with the reason it cannot be used.  It works with
# clang's ASan (its runtime is linked into kcp, whose interceptors forward
# to the shim), but gcc's shared libasan must come first in the preload
# list and makes kcp refuse to start: the probe below skips then.
require_faultinj() {
	local why
	[ -n "${FAULTINJ:-}" ] && [ -f "$FAULTINJ" ] ||
	    skip "fault-injection shim not built (FAULTINJ unset)"
	if ! why=$(env LD_PRELOAD="$FAULTINJ" "$KCP" --version 2>&1 >/dev/null); then
		skip "kcp does not start with the shim preloaded: ${why%%$'\n'*}"
	fi
}

# kcp under the shim, with rules $1 and a call log in ./calls, bounded to
# 20 s (a hang shows as status 124).
kcp_fault() {
	local rules=$1
	shift
	: >calls
	# The shim goes into kcp only: an ASan-built shim cannot be loaded
	# into timeout(1).
	timeout 20 env LD_PRELOAD="$FAULTINJ" KCP_FAULT="$rules" \
	    KCP_FAULT_LOG="$PWD/calls" "$KCP" "$@"
}

# --- pipelines --------------------------------------------------------------

# Run a shell command line under bash with pipefail, bounded in time:
# any failing stage fails the whole line.
pipeline() {
	run --separate-stderr timeout 60 bash -o pipefail -c "$1"
}

# The previous `run` succeeded and wrote nothing on stderr.
assert_quiet_success() {
	assert_success
	if [ -n "$stderr" ]; then
		printf 'unexpected stderr:\n%s\n' "$stderr" >&2
		return 1
	fi
}

# assert_not_spinning FILE MIN_WALL: FILE is the output of
# `/usr/bin/time -o FILE -f '%e %U %S'` (elapsed, user, system seconds).
# Fail unless the command ran at least MIN_WALL seconds (shorter says
# nothing) and used at most a fifth of that in CPU (a busy loop on EAGAIN
# would use about all of it).
assert_not_spinning() {
	local e u s
	read -r e u s <"$1"
	echo "wall $e s, user $u s, sys $s s" >&2
	awk -v e="$e" -v u="$u" -v s="$s" -v min="$2" \
	    'BEGIN { exit !(e >= min && (u + s) * 5 < e) }'
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
