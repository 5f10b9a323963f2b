#!/usr/bin/env bats
# --atomic, --fsync/--direct/--nocache, -p and --verify (kcp(1), Options).
#
# --atomic (complete or untouched, never a mix, no temporary file left,
# even when killed), --fsync, --direct and --nocache on ext4 (/tmp) and
# tmpfs (/dev/shm), -p, and --verify (passes on good copies, fails naming
# the offset on a bad one).

load helpers/test_helper
bats_require_minimum_version 1.5.0

export KCP

SHM_BASE=/dev/shm

setup_file() {
	local d=$BATS_FILE_TMPDIR
	# 256 MiB for the kill tests: its content does not need to be
	# reproducible, so the kernel's generator is fast enough.
	head -c $((256 << 20)) /dev/urandom > "$d/big"
	mkdata 1000000 "$d/old"
	mkdata 3000001 "$d/src"
	export BIG=$d/big OLDC=$d/old SRC=$d/src
	if [ -d "$SHM_BASE" ] && [ -w "$SHM_BASE" ]; then
		SHM=$(mktemp -d "$SHM_BASE/kcp-atomic.XXXXXX")
		export SHM
	fi
}

teardown_file() {
	[ -z "${SHM:-}" ] || rm -rf "$SHM"
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	umask 022
}

teardown() {
	[ -z "${SHM:-}" ] || rm -rf "${SHM:?}"/t.*
}

need_shm() {
	[ -n "${SHM:-}" ] || skip "no writable /dev/shm"
	[ "$(stat -f -c %T "$SHM")" = tmpfs ] || skip "/dev/shm is not tmpfs"
	SHMT=$(mktemp -d "$SHM/t.XXXXXX")
}

# The files in directory $1 (hidden ones too), one line.
entries() {
	ls -A "$1" | tr '\n' ' ' | sed 's/ $//'
}

# ---------------------------------------------------------------- --atomic

@test "--atomic: a new DEST is complete and no temporary file remains" {
	mkdir d
	run -0 "$KCP" --atomic "$SRC" d/dest
	cmp "$SRC" d/dest
	assert_equal "$(entries d)" "dest"
	# the mode a new file gets: SOURCE's bits under the umask
	chmod 777 "$BATS_TEST_TMPDIR/d"
	cp "$SRC" s755; chmod 755 s755
	umask 027
	run -0 "$KCP" --atomic s755 d/new
	assert_equal "$(stat -c %a d/new)" 750
}

@test "--atomic: an existing DEST is replaced whole, keeping its mode" {
	mkdir d
	cp "$OLDC" d/dest
	chmod 640 d/dest
	run -0 "$KCP" --atomic "$SRC" d/dest
	cmp "$SRC" d/dest
	assert_equal "$(stat -c %a d/dest)" 640
	assert_equal "$(entries d)" "dest"
	# an empty SOURCE, and -l 0, still replace DEST
	: > empty
	run -0 "$KCP" --atomic empty d/dest
	[ ! -s d/dest ]
	assert_equal "$(entries d)" "dest"
}

@test "--atomic: as root, an existing DEST's owner and group are kept" {
	require_root
	mkdir d
	cp "$OLDC" d/dest
	chown 1234:5678 d/dest
	run -0 "$KCP" --atomic "$SRC" d/dest
	cmp "$SRC" d/dest
	assert_equal "$(stat -c %u:%g d/dest)" 1234:5678
}

@test "--atomic: a DEST symlink keeps the link and its target is replaced" {
	mkdir d t
	cp "$OLDC" t/target
	chmod 600 t/target
	ln -s ../t/target d/link
	run -0 "$KCP" --atomic "$SRC" d/link
	[ -L d/link ]
	assert_equal "$(readlink d/link)" ../t/target
	cmp "$SRC" t/target
	assert_equal "$(stat -c %a t/target)" 600
	assert_equal "$(entries d)" "link"
	assert_equal "$(entries t)" "target"
	# a dangling one is refused
	ln -s nowhere d/dangling
	run -1 --separate-stderr "$KCP" --atomic "$SRC" d/dangling
	assert_equal "$stderr" "kcp: not writing through dangling symlink 'd/dangling'"
	[ ! -e d/nowhere ]
}

@test "--atomic with --seek, --append or --no-truncate is refused" {
	cp "$OLDC" dest
	local opt
	for opt in --seek=10 --append --no-truncate; do
		run -1 --separate-stderr "$KCP" --atomic "$opt" "$SRC" dest
		assert_equal "${stderr_lines[0]}" "kcp: --atomic cannot be used with --seek, --append or --no-truncate"
		cmp "$OLDC" dest
	done
	# dd operands that keep DEST's bytes cannot be atomic either
	run -1 "$KCP" --atomic if="$SRC" of=dest conv=notrunc
	cmp "$OLDC" dest
}

@test "--atomic: a DEST that is not a regular file is refused" {
	mkdir d
	mkfifo d/fifo
	run -1 --separate-stderr "$KCP" --atomic "$SRC" d/fifo
	assert_equal "$stderr" "kcp: cannot replace 'd/fifo' atomically: not a regular file"
	[ -p d/fifo ]
	assert_equal "$(entries d)" "fifo"
}

@test "--atomic: a failed copy leaves DEST as it was and no temporary file" {
	[ -n "${FAULTINJ:-}" ] && [ -e "$FAULTINJ" ] || skip "no fault-injection shim (FAULTINJ)"
	mkdir d
	cp "$OLDC" d/dest
	run -1 --separate-stderr env KCP_FAULT="pread:EIO:5" \
	    LD_PRELOAD="$FAULTINJ" "$KCP" --atomic --method=readwrite -B 64K "$SRC" d/dest
	assert_equal "$stderr" "kcp: error reading '$SRC': Input/output error"
	cmp "$OLDC" d/dest
	assert_equal "$(entries d)" "dest"
	# a DEST that did not exist still does not
	run -1 env KCP_FAULT="pread:EIO:5" \
	    LD_PRELOAD="$FAULTINJ" "$KCP" --atomic --method=readwrite -B 64K "$SRC" d/new
	assert_equal "$(entries d)" "dest"
}

@test "--atomic: the same file is refused and left alone" {
	mkdir d
	cp "$SRC" d/f
	run -1 --separate-stderr "$KCP" --atomic d/f d/f
	assert_equal "$stderr" "kcp: 'd/f' and 'd/f' are the same file"
	cmp "$SRC" d/f
	assert_equal "$(entries d)" "f"
}

# kill_loop DIR N [WRAPPER...]: N times, copy $BIG over DIR/dest (which
# holds $OLDC) with --atomic, and send SIGKILL, SIGINT or SIGTERM (in turn)
# after a random 0-300 ms.  DEST must then be the old or the new content
# and nothing but dest may be in DIR (except after SIGKILL with a named
# temporary file, when $NAMED is set).  Prints a summary line.
kill_loop() {
	local dir=$1 n=$2 i sig pid rc res sigs=(KILL INT TERM) old=0 new=0
	shift 2
	for ((i = 0; i < n; i++)); do
		sig=${sigs[i % 3]}
		cp "$OLDC" "$dir/dest"
		"$@" "$KCP" --atomic --method=readwrite -B 64K "$BIG" "$dir/dest" 2>/dev/null &
		pid=$!
		sleep "0.$(printf %03d $((RANDOM % 301)))"
		kill -s "$sig" "$pid" 2>/dev/null || true
		rc=0
		wait "$pid" || rc=$?
		if cmp -s "$dir/dest" "$OLDC"; then
			res=old; old=$((old + 1))
		elif cmp -s "$dir/dest" "$BIG"; then
			res=new; new=$((new + 1))
		else
			fail "SIG$sig (exit $rc): DEST is neither the old content nor the new one ($(stat -c %s "$dir/dest") bytes)"
		fi
		case $rc in
		0) [ "$res" = new ] || fail "exit 0 but DEST is old" ;;
		137 | 130 | 143) ;;
		*) fail "SIG$sig: unexpected exit status $rc" ;;
		esac
		if [ -n "${NAMED:-}" ] && [ "$sig" = KILL ]; then
			rm -f "$dir"/.kcp.*	# SIGKILL leaves a named one: documented
		fi
		assert_equal "$(entries "$dir")" "dest"
	done
	echo "# $n kills: $old old, $new new" >&3
}

@test "--atomic killed at random points (SIGKILL, SIGINT, SIGTERM) on ext4" {
	mkdir d
	[ "$(stat -f -c %T d)" = ext2/ext3 ] || [ "$(stat -f -c %T d)" = ext4 ] ||
	    echo "# note: $BATS_TEST_TMPDIR is on $(stat -f -c %T d), not ext4" >&3
	kill_loop d 10
}

@test "--atomic killed at random points (SIGKILL, SIGINT, SIGTERM) on tmpfs" {
	need_shm
	mkdir "$SHMT/d"
	kill_loop "$SHMT/d" 8
}

@test "--atomic with a named temporary file (no /proc): SIGINT and SIGTERM remove it" {
	require_root
	[ "${KCP_ASAN:-0}" = 1 ] && skip "ASan needs /proc"
	# With /proc hidden, kcp cannot name an O_TMPFILE file at the end and
	# uses .kcp.PID.XXXXXXXX: check that path too.
	unshare -m sh -c 'mount -t tmpfs none /proc' 2>/dev/null ||
	    skip "cannot unshare a mount namespace"
	mkdir d
	run -0 unshare -m sh -c 'mount -t tmpfs none /proc && exec "$0" --atomic "$1" "$2"' "$KCP" "$SRC" d/dest
	cmp "$SRC" d/dest
	assert_equal "$(entries d)" "dest"
	# a killed copy shows the name it used: proof this path was taken
	cp "$OLDC" d/dest
	unshare -m sh -c 'mount -t tmpfs none /proc && exec "$0" --atomic --method=readwrite -B 64K "$1" "$2"' "$KCP" "$BIG" d/dest &
	local pid=$!
	sleep 0.05
	kill -KILL "$pid"
	wait "$pid" || true
	cmp -s d/dest "$OLDC" || cmp -s d/dest "$BIG"
	rm -f d/.kcp.*
	NAMED=1 kill_loop d 6 unshare -m sh -c 'mount -t tmpfs none /proc && exec "$0" "$@"'
}

# ------------------------------------------------- --fsync --direct --nocache

# model SRC SKIP SEEK LEN OUT: SRC[SKIP:SKIP+LEN] (LEN -1: to the end)
# written at SEEK of an empty file.
model() {
	local src=$1 skip=$2 seek=$3 len=$4 out=$5
	{
		if [ "$len" = -1 ]; then
			tail -c +$((skip + 1)) "$src"
		else
			tail -c +$((skip + 1)) "$src" | head -c "$len"
		fi
	} > "$out.data"
	if [ -s "$out.data" ]; then
		{ head -c "$seek" /dev/zero; cat "$out.data"; } > "$out"
	else
		: > "$out"
	fi
	rm -f "$out.data"
}

# io_opts_on DIR: every option set, with and without ranges, into DIR.
io_opts_on() {
	local dir=$1 opt r skip seek len
	mkdata 1048576 aligned
	for src in "$SRC" aligned; do
		for r in "0 0 -1" "1000 777 300001" "4096 8192 -1" "512 0 65536"; do
			read -r skip seek len <<<"$r"
			model "$src" "$skip" "$seek" "$len" "want.${src##*/}.$skip.$seek.$len"
		done
		# (--direct --verify has its own test below)
		for opt in --fsync --direct --nocache "--direct --nocache --fsync" \
		    "--nocache --verify" "--fsync --verify" "--fsync --nocache --atomic"; do
			for r in "0 0 -1" "1000 777 300001" "4096 8192 -1" "512 0 65536"; do
				read -r skip seek len <<<"$r"
				# --atomic cannot be combined with --seek
				[[ $opt != *--atomic* || $seek = 0 ]] || continue
				rm -f "$dir/out"
				local ropts=()
				[ "$skip" = 0 ] || ropts+=(--skip="$skip")
				[ "$seek" = 0 ] || ropts+=(--seek="$seek")
				[ "$len" = -1 ] || ropts+=(-l "$len")
				# shellcheck disable=SC2086
				run "$KCP" $opt "${ropts[@]}" "$src" "$dir/out"
				[ "$status" = 0 ] || fail "kcp $opt ${ropts[*]} $src $dir/out: exit $status: $output"
				cmp "want.${src##*/}.$skip.$seek.$len" "$dir/out" || fail "kcp $opt ${ropts[*]} $src: wrong data"
			done
		done
	done
}

@test "--fsync, --direct, --nocache: right data and exit 0 on ext4" {
	mkdir d
	io_opts_on d
}

@test "--fsync, --direct, --nocache: right data and exit 0 on tmpfs" {
	need_shm
	io_opts_on "$SHMT"
}

@test "--fsync, --direct, --nocache: across ext4 and tmpfs, both ways" {
	need_shm
	local opt
	for opt in --fsync --direct --nocache "--direct --nocache --fsync"; do
		# shellcheck disable=SC2086
		run -0 "$KCP" $opt "$SRC" "$SHMT/x"
		cmp "$SRC" "$SHMT/x"
		# shellcheck disable=SC2086
		run -0 "$KCP" $opt "$SHMT/x" back
		cmp "$SRC" back
		rm -f back "$SHMT/x"
	done
}

@test "--fsync, --direct, --nocache: pipes in and out" {
	local opt
	for opt in --fsync --direct --nocache; do
		cat "$SRC" | "$KCP" $opt - out
		cmp "$SRC" out
		"$KCP" $opt "$SRC" - | cat > out2
		cmp "$SRC" out2
	done
}

@test "dd conv=fsync/fdatasync and oflag=direct,dsync on tmpfs give dd's bytes" {
	need_shm
	local ops
	for ops in "conv=fsync" "conv=fdatasync seek=3" "oflag=direct" "oflag=dsync" \
	    "iflag=direct oflag=direct" "iflag=nocache oflag=nocache"; do
		cp "$OLDC" "$SHMT/a"; cp "$OLDC" "$SHMT/b"
		# shellcheck disable=SC2086
		dd if="$SRC" of="$SHMT/a" bs=64K $ops status=none
		# shellcheck disable=SC2086
		"$KCP" if="$SRC" of="$SHMT/b" bs=64K $ops status=none
		cmp "$SHMT/a" "$SHMT/b"
	done
}

# ----------------------------------------------------------------------- -p

# A SOURCE with distinct, nanosecond atime and mtime and mode 640.
mksrc() {
	mkdata 5000 "$1"
	chmod 640 "$1"
	touch -m -d '2001-02-03 04:05:06.123456789' "$1"
	touch -a -d '2002-03-04 05:06:07.987654321' "$1"
}

@test "-p keeps mode, mtime and atime with nanoseconds" {
	mksrc s
	local want
	want=$(stat -c '%y %x %a' s)
	run -0 "$KCP" -p s d
	# (stat before cmp: reading d would update its atime)
	assert_equal "$(stat -c '%y %x %a' d)" "$want"
	cmp s d
	# onto an existing DEST, whose mode changes too
	cp "$OLDC" d2; chmod 604 d2
	touch -m -d '2001-02-03 04:05:06.123456789' s
	touch -a -d '2002-03-04 05:06:07.987654321' s
	run -0 "$KCP" --preserve s d2
	assert_equal "$(stat -c '%y %x %a' d2)" "$want"
	# on tmpfs too
	if [ -n "${SHM:-}" ]; then
		need_shm
		touch -a -d '2002-03-04 05:06:07.987654321' s
		run -0 "$KCP" -p s "$SHMT/d"
		assert_equal "$(stat -c '%y %x %a' "$SHMT/d")" "$want"
	fi
}

@test "-p as root keeps ownership" {
	require_root
	mksrc s
	chown 1234:5678 s
	run -0 "$KCP" -p s d
	assert_equal "$(stat -c '%u:%g' d)" 1234:5678
	cp "$OLDC" d2
	run -0 "$KCP" --preserve=ownership s d2
	assert_equal "$(stat -c '%u:%g %a' d2)" "1234:5678 644"
}

@test "--preserve=LIST keeps only what it names" {
	mksrc s
	local mt
	mt=$(stat -c %y s)
	run -0 "$KCP" --preserve=mode s m
	assert_equal "$(stat -c %a m)" 640
	[ "$(stat -c %y m)" != "$mt" ]
	umask 077
	run -0 "$KCP" --preserve=timestamps s t
	assert_equal "$(stat -c '%y %a' t)" "$mt 600"
	run -0 "$KCP" --preserve=mode,timestamps s mt
	assert_equal "$(stat -c '%y %a' mt)" "$mt 640"
	run -1 --separate-stderr "$KCP" --preserve=bogus s x
	[[ "$stderr" == *"'bogus'"* ]]
	[ ! -e x ]
}

@test "without -p the mtime is new, and an existing DEST keeps its mode" {
	mksrc s
	local before
	before=$(date +%s)
	run -0 "$KCP" s d
	[ "$(stat -c %Y d)" -ge "$before" ]
	[ "$(stat -c %y d)" != "$(stat -c %y s)" ]
	assert_equal "$(stat -c %a d)" 640
	cp "$OLDC" e; chmod 600 e
	run -0 "$KCP" s e
	assert_equal "$(stat -c %a e)" 600
	[ "$(stat -c %Y e)" -ge "$before" ]
}

@test "-p --atomic over an existing DEST gives SOURCE's mode and owner, as -p alone does" {
	# -p without --atomic sets SOURCE's attributes on an existing DEST;
	# --atomic must not change that (the man page: the temporary file is
	# "given its attributes, as the other options ask" before the rename).
	mksrc s
	local want
	want=$(stat -c '%y %a' s)
	cp "$OLDC" d; chmod 604 d
	run -0 "$KCP" -p --atomic s d
	cmp s d
	assert_equal "$(stat -c '%y %a' d)" "$want"
	if [ "$(id -u)" = 0 ]; then
		chown 1234:5678 s
		chown 42:43 d
		run -0 "$KCP" -p --atomic s d
		assert_equal "$(stat -c '%u:%g' d)" 1234:5678
	fi
}

# ------------------------------------------------------------------ --verify

@test "--verify passes on good copies on ext4, with ranges" {
	run -0 --separate-stderr "$KCP" --verify "$SRC" a
	cmp "$SRC" a
	assert_equal "$stderr" ""
	run -0 "$KCP" --verify --skip=1000 --seek=3000 -l 5000 "$SRC" b
	model "$SRC" 1000 3000 5000 want
	cmp want b
	cp "$OLDC" c
	run -0 "$KCP" --verify --no-truncate --seek=12345 -l 100000 "$SRC" c
	run -0 "$KCP" --verify --append "$SRC" c
	local m
	for m in copy_file_range sendfile readwrite; do
		run -0 "$KCP" --verify --method=$m "$SRC" "m.$m"
		cmp "$SRC" "m.$m"
	done
	run -0 "$KCP" --verify --reflink=never --sparse=never "$SRC" n
	run -0 "$KCP" --verify -l 0 "$SRC" z
	[ ! -s z ]
}

@test "--verify passes on tmpfs and across ext4 and tmpfs" {
	need_shm
	run -0 "$KCP" --verify "$SRC" "$SHMT/a"
	cmp "$SRC" "$SHMT/a"
	run -0 "$KCP" --verify --skip=7 --seek=9 -l 1000000 "$SHMT/a" "$SHMT/b"
	run -0 "$KCP" --verify "$SHMT/a" back
	cmp "$SRC" back
	run -0 "$KCP" --verify --fsync --atomic "$SHMT/a" back
	cmp "$SRC" back
}

@test "--verify passes on sparse files" {
	truncate -s 10M sp
	printf abc | dd of=sp bs=1 seek=5000000 conv=notrunc 2>/dev/null
	head -c 4096 "$SRC" | dd of=sp bs=4096 seek=2000 conv=notrunc 2>/dev/null
	local s
	for s in auto always never; do
		run -0 "$KCP" --verify --sparse=$s sp "o.$s"
		cmp sp "o.$s"
	done
	run -0 "$KCP" --verify --skip=4M -l 4M sp part
	cmp part <(tail -c +$((4 * 1048576 + 1)) sp | head -c $((4 * 1048576)))
	if [ -n "${SHM:-}" ]; then
		need_shm
		run -0 "$KCP" --verify sp "$SHMT/sp"
		cmp sp "$SHMT/sp"
	fi
}

@test "--verify with a pipe source is skipped: exit 0" {
	cat "$SRC" | "$KCP" --verify - out
	cmp "$SRC" out
	# a regular file as standard input is verified (from its offset)
	{ head -c 1000 >/dev/null; "$KCP" --verify -l 5000 - out2; } < "$SRC"
	cmp out2 <(tail -c +1001 "$SRC" | head -c 5000)
	# standard output that is a pipe: nothing to read back
	"$KCP" --verify "$SRC" - | cat > out3
	cmp "$SRC" out3
}

@test "--verify into standard output redirected to a file (write-only) succeeds" {
	# '>' opens the file write-only: kcp cannot read it back through that
	# descriptor; the copy is right, so it must not fail (reopen it, or
	# skip the check as for other files it cannot read).
	run -0 --separate-stderr bash -c '"$0" --verify "$1" - > out' "$KCP" "$SRC"
	cmp "$SRC" out
	assert_equal "$stderr" ""
	# read-write standard output is verified
	cp "$OLDC" rw
	run -0 bash -c '"$0" --verify "$1" - 1<>rw' "$KCP" "$SRC"
	cmp "$SRC" rw
}

@test "--verify with --direct passes (ext4 and tmpfs)" {
	mkdata 1048576 aligned
	run -0 --separate-stderr "$KCP" --direct --verify aligned a
	cmp aligned a
	run -0 --separate-stderr "$KCP" --direct --verify "$SRC" b
	cmp "$SRC" b
	need_shm
	run -0 --separate-stderr "$KCP" --direct --verify aligned "$SHMT/a"
	cmp aligned "$SHMT/a"
}

@test "--verify fails (exit 1, first differing byte named) when a write is corrupted" {
	# The shim's 'corrupt' action flips a byte of the buffer handed to the
	# real write/pwrite (the Nth matching call), so the file gets bad data
	# while the copy itself "succeeds".
	grep -q corrupt "$BATS_TEST_DIRNAME/helpers/faultinj.c" ||
	    skip "shim has no corrupt mode yet"
	[ -n "${FAULTINJ:-}" ] && [ -e "$FAULTINJ" ] || skip "no fault-injection shim (FAULTINJ)"
	local n
	# readwrite writes a regular DEST with pwrite, 64 KiB a call: the third
	# call covers bytes [131072, 196608).
	run -1 --separate-stderr env KCP_FAULT="pwrite:corrupt:3" \
	    LD_PRELOAD="$FAULTINJ" "$KCP" --verify --method=readwrite -B 64K "$SRC" b
	local err=$stderr
	! cmp -s "$SRC" b
	n=$(($(cmp "$SRC" b | sed -n 's/.* \(byte\|char\) \([0-9]*\),.*/\2/p') - 1))
	[ "$n" -ge 131072 ] && [ "$n" -lt 196608 ]
	assert_equal "$err" "kcp: verification failed: '$SRC' and 'b' differ at byte $n"
	# with ranges the offset counts from the start of the copied range
	rm -f c
	run -1 --separate-stderr env KCP_FAULT="pwrite:corrupt:2" \
	    LD_PRELOAD="$FAULTINJ" "$KCP" --verify --method=readwrite -B 64K --skip=100 --seek=50 "$SRC" c
	n=$(($(cmp <(tail -c +101 "$SRC") <(tail -c +51 c) | sed -n 's/.* \(byte\|char\) \([0-9]*\),.*/\2/p') - 1))
	assert_equal "$stderr" "kcp: verification failed: '$SRC' and 'c' differ at byte $n"
	# --atomic: a copy that fails verification never replaces DEST
	cp "$OLDC" d
	run -1 env KCP_FAULT="pwrite:corrupt:3" \
	    LD_PRELOAD="$FAULTINJ" "$KCP" --verify --atomic --method=readwrite -B 64K "$SRC" d
	cmp "$OLDC" d
}
