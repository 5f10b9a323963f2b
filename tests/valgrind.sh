#!/usr/bin/env bash
# Run a representative set of kcp commands under valgrind memcheck and fail
# on any memory error or definite/indirect leak.  Run by CI from the top of
# a built tree:
#
#	KCP=src/kcp FAULTINJ=tests/helpers/faultinj.so tests/valgrind.sh
#
# FAULTINJ is optional: with it, fault-injection cases run too.  Each case
# is a shell command line run by bash in a scratch directory, where the
# function kcp runs "$KCP" under valgrind (cmp, cat and the rest of the
# line run as they are).  A case passes when valgrind reports nothing and
# the line exits with the status the case expects.  Prints one line per
# case and "valgrind: N cases, N failed"; exits 1 if any failed, 77 when
# valgrind is not installed.
set -uo pipefail

: "${KCP:=src/kcp}"
case $KCP in
/*) ;;
*) KCP=$(pwd)/$KCP ;;
esac
# Relative paths are made absolute: the cases run in a scratch directory.
if [ -n "${FAULTINJ:-}" ]; then
	case $FAULTINJ in
	/*) ;;
	*) FAULTINJ=$(pwd)/$FAULTINJ ;;
	esac
fi
if [ ! -x "$KCP" ]; then
	echo "valgrind: no kcp binary at $KCP (set KCP)" >&2
	exit 1
fi
if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind: not installed; skipping" >&2
	exit 77
fi

VG=(valgrind --error-exitcode=99 --leak-check=full
    --errors-for-leak-kinds=definite,indirect --track-fds=no -q)

work=$(mktemp -d "${TMPDIR:-/tmp}/kcp-valgrind.XXXXXX") || exit 1
trap 'cd /; rm -rf "$work"' EXIT
cd "$work" || exit 1
export LC_ALL=C

# Inputs: data, a sparse file, an empty file, a directory, symlinks.
head -c 3145728 /dev/urandom >data
head -c 1000 /dev/urandom >small
truncate -s 4M sparse
printf 'abc' | dd of=sparse bs=1 seek=1048576 conv=notrunc status=none
: >empty
mkdir dir
ln -s data link
ln -s nowhere dangling

# Every case runs in its own bash, where kcp is valgrind around $KCP;
# valgrind writes its report to one log per process (%p).
VG_CMD=$(printf '%q ' "${VG[@]}")
export KCP work

cases=0
failed=0

# run EXPECTED_STATUS 'shell command'
run() {
	local want=$1 cmd=$2 rc
	cases=$((cases + 1))
	rm -rf out out.d
	mkdir out.d
	# bash -c so that pipes and redirections in the case work.
	bash -c "set -o pipefail
		kcp() { $VG_CMD --log-file=\"\$work/vg.log.%p\" \"\$KCP\" \"\$@\"; }
		$cmd" >"$work/case.out" 2>"$work/case.err"
	rc=$?
	local report
	report=$(cat "$work"/vg.log.* 2>/dev/null)
	rm -f "$work"/vg.log.*
	if [ -n "$report" ] || [ "$rc" -eq 99 ] || [ "$rc" -ne "$want" ]; then
		failed=$((failed + 1))
		echo "FAIL: $cmd (status $rc, expected $want)"
		[ -n "$report" ] && printf '%s\n' "$report" | head -n 40
		grep -v '^==' "$work/case.err" | head -n 5 | sed 's/^/  stderr: /'
	else
		echo "ok: $cmd"
	fi
}

# File to file, each method, and the default ladder.
run 0 'kcp data out && cmp data out'
run 0 'kcp -v --method=reflink,copy_file_range data out && cmp data out'
run 0 'kcp -v --method=copy_file_range data out && cmp data out'
run 0 'kcp -v --method=sendfile data out && cmp data out'
run 0 'kcp -v --method=splice data out && cmp data out'
run 0 'kcp -v --method=readwrite -B 4K data out && cmp data out'
run 0 'kcp -vv --reflink=never --sparse=never data out && cmp data out'
run 0 'kcp -v --sparse=always sparse out && cmp sparse out'
run 0 'kcp -v sparse out && cmp sparse out'
run 0 'kcp -v --skip=1000 -l 100000 --seek=5 data out'
run 0 'kcp data out && kcp -v --no-truncate --seek=1M small out'
run 0 'kcp -v --append small out && kcp --append small out'
run 0 'kcp -v empty out && cmp empty out'
run 0 'kcp -v -l 0 data out'
run 0 'kcp -v /proc/self/status out'
run 0 'kcp -v link out && cmp data out'
run 0 'kcp -v data small out.d && cmp data out.d/data'
run 0 'kcp -v -t out.d data small && cmp small out.d/small'
run 0 'kcp -n data small'
# Pipes in and out.
run 0 'cat data | kcp -v - out && cmp data out'
run 0 'cat data | kcp -v --method=readwrite - out && cmp data out'
run 0 'kcp -v --skip=100 -l 4096 - out < <(cat data)'
run 0 'kcp -v data | cmp - data'
run 0 'kcp -v --method=readwrite data - | cmp - data'
run 0 'cat data | kcp -v | cmp - data'
run 0 'kcp -v -l 1M /dev/zero out'
run 0 'kcp -v -l 1M /dev/zero | cmp - <(head -c 1M /dev/zero)'
# dd operand mode.
run 0 'kcp if=data of=out bs=64K count=10 skip=2 seek=1'
run 0 'kcp if=data of=out bs=1M conv=notrunc,fsync status=progress'
run 0 'kcp if=data of=out ibs=512 obs=4K iflag=skip_bytes,count_bytes skip=7 count=100000 status=noxfer'
run 0 'kcp if=sparse of=out conv=sparse status=none && cmp sparse out'
# --verify, --atomic, --fsync, -p, -P.
run 0 'kcp -v --verify data out && cmp data out'
run 0 'kcp -v --verify --method=readwrite data out'
run 0 'kcp -v --atomic data out && cmp data out'
run 0 'kcp small out && kcp -v --atomic --fsync data out && cmp data out'
run 0 'kcp -p --fsync data out && cmp data out'
run 0 'kcp -P data out'
run 0 'kcp --nocache --direct -v data out && cmp data out'
# Errors: each must be clean too.
run 1 'kcp missing out'
run 1 'kcp dir out'
run 1 'kcp data dangling'
run 1 'kcp data data'
run 1 'kcp data small empty'
run 1 'kcp --skip=1x data out'
run 1 'kcp --method=bogus data out'
run 1 'kcp --bogus'
run 1 'kcp -i'
run 1 'kcp --atomic --seek=1 data out'
run 1 'kcp --reflink=always data out'
run 1 'cat data | kcp -v --method=sendfile - out'
run 1 'kcp --seek=1 data - | cat >/dev/null'
run 1 'kcp -v data /dev/full'
run 1 'cat data | kcp -v - /dev/full'
run 1 'kcp --atomic data /dev/full'
run 1 'kcp if=data of=out cbs=0'
run 1 'kcp data /proc/version'
run 1 'kcp -v data missing-dir/out'
run 1 'kcp --atomic dir/ out.d'
run 0 'kcp --help >/dev/null && kcp --version >/dev/null'

# Faults from the LD_PRELOAD shim, when the build has it (FAULTINJ=path):
# fallbacks and real errors take other paths through the code.
if [ -n "${FAULTINJ:-}" ] && [ -f "$FAULTINJ" ]; then
	export FAULTINJ
	F='LD_PRELOAD=$FAULTINJ KCP_FAULT'
	run 0 "$F=copy_file_range:EXDEV kcp -v data out && cmp data out"
	run 0 "$F='copy_file_range:EXDEV;sendfile:EINVAL' kcp -v data out && cmp data out"
	run 0 "$F=copy_file_range:short=4096 kcp -v data out && cmp data out"
	run 1 "$F=copy_file_range:EIO kcp -v data out"
	run 1 "$F=copy_file_range:ENOSPC:after=65536 kcp -v data out"
	run 1 "$F=pread:EIO kcp -v --method=readwrite data out"
	run 1 "$F=pwrite:ENOSPC:after=100000 kcp -v --method=readwrite data out"
	run 1 "$F=splice:EIO:3 kcp -v --method=splice data out"
	run 0 "$F=splice:EINVAL:2 kcp -v --method=splice,readwrite data out && cmp data out"
	run 1 "$F=splice:EIO kcp -v - out < <(cat data)"
	run 1 "$F=read:EIO:fd=0 kcp -v --method=readwrite - out < <(cat data)"
	run 0 "$F=write:EAGAIN:x3 kcp -v --method=readwrite data - | cmp - data"
	run 1 "$F=copy_file_range:EIO kcp -v --atomic data out"
	run 1 "$F=pread:EIO:3 kcp -v --verify data out"
	run 0 "$F=lseek:EINVAL kcp -v sparse out && cmp sparse out"
	run 0 "kcp data out && $F=fallocate:EOPNOTSUPP:always kcp -v --no-truncate sparse out && cmp sparse out"
else
	echo "valgrind: FAULTINJ not set: fault-injection cases not run"
fi

echo "valgrind: $cases cases, $failed failed"
[ "$failed" -eq 0 ]
