#!/usr/bin/env bats
# The -v report (kcp(1), VERBOSE OUTPUT): one line per copy on stderr,
#   kcp: 'A' -> 'B': N bytes in T.TT s (R/s) via METHODS (LEFT: ERRNO, ...)
# and the methods it names for each kind of descriptor pair.

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
	mkdata 1048579 "$BATS_FILE_TMPDIR/data.1048579"
	mkdata 65537 "$BATS_FILE_TMPDIR/data.65537"
}

# testdata N FILE: mkdata, from a copy made once per file for the common sizes.
testdata() {
	if [ -f "$BATS_FILE_TMPDIR/data.$1" ] && [ "$2" != "$BATS_FILE_TMPDIR/data.$1" ]; then
		cp "$BATS_FILE_TMPDIR/data.$1" "$2"
	else
		mkdata "$1" "$2"
	fi
}

setup() {
	T=$BATS_TEST_TMPDIR
	export T
	cd "$T"
	SHM=
}

teardown() {
	if [ -n "$SHM" ]; then
		rm -rf -- "$SHM"
	fi
}

# Skip unless the test directory is on ext2/3/4 (copy_file_range works
# there, reflink is skipped without a call).
require_ext4() {
	local t
	t=$(stat -f -c %T "$T")
	case $t in
	ext2/ext3 | ext2 | ext3 | ext4) ;;
	*) skip "$T is on $t, not ext2/ext3/ext4" ;;
	esac
}

# Make SHM, a directory on a tmpfs other than the test directory's
# filesystem.
require_shm() {
	[ -d /dev/shm ] || skip "no /dev/shm"
	[ "$(stat -f -c %T /dev/shm)" = tmpfs ] || skip "/dev/shm is not tmpfs"
	[ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$T")" ] ||
		skip "/dev/shm is on the same filesystem as $T"
	SHM=$(mktemp -d /dev/shm/kcp-verbose.XXXXXX)
}

# Escape a string for use in an ERE.
reesc() {
	printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'
}

# The ERE of a -v line for SRC -> DST with BYTES bytes, up to "via ".
vline_re() {
	local s d
	s=$(reesc "$1")
	d=$(reesc "$2")
	printf '%s' "^kcp: '$s' -> '$d': $3 bytes in [0-9]+\\.[0-9]{2} s( \\([^)]*/s\\))? via "
}

# Check a -v line's time and rate agree with kcp(1), VERBOSE OUTPUT: the
# rate is shown exactly when the time is at least 0.01 s.
check_rate() {
	local l=$1
	[[ $l =~ bytes\ in\ ([0-9]+\.[0-9]{2})\ s(\ \(([^\)]*)/s\))?\ via ]] || {
		echo "no time in: $l" >&2
		return 1
	}
	local t=${BASH_REMATCH[1]} rate=${BASH_REMATCH[3]}
	if [ "$t" = 0.00 ] && [ -n "$rate" ]; then
		echo "rate shown with a time of 0.00 s: $l" >&2
		return 1
	fi
	if [ "$t" != 0.00 ] && [ -z "$rate" ]; then
		echo "no rate with a time of $t s: $l" >&2
		return 1
	fi
}

# The only stderr line of the last `run --separate-stderr` matches the
# ERE, and its time and rate agree.
assert_only_line() {
	if [ "${#stderr_lines[@]}" -ne 1 ] || ! [[ ${stderr_lines[0]} =~ $1 ]]; then
		printf 'expected exactly one stderr line matching\n  %s\ngot:\n%s\n' "$1" "$stderr" >&2
		return 1
	fi
	check_rate "${stderr_lines[0]}"
}

# Some stderr line matches the ERE.
assert_some_line() {
	local l
	for l in "${stderr_lines[@]}"; do
		if [[ $l =~ $1 ]]; then
			return 0
		fi
	done
	printf 'expected a stderr line matching\n  %s\ngot:\n%s\n' "$1" "$stderr" >&2
	return 1
}

@test "same-filesystem file copy reports copy_file_range" {
	require_ext4
	testdata 1048579 a
	run --separate-stderr "$KCP" -v a b
	assert_success
	cmp a b
	assert_only_line "$(vline_re a b 1048579)copy_file_range\$"
}

@test "/tmp -> /dev/shm reports sendfile (copy_file_range: EXDEV)" {
	require_ext4
	require_shm
	testdata 1048579 a
	run --separate-stderr "$KCP" -v a "$SHM/b"
	assert_success
	cmp a "$SHM/b"
	assert_only_line "$(vline_re a "$SHM/b" 1048579)sendfile \\(copy_file_range: EXDEV\\)\$"
}

@test "pipe -> file reports splice" {
	testdata 1048579 a
	run --separate-stderr bash -o pipefail -c 'cat a | "$KCP" -v - b'
	assert_success
	cmp a b
	assert_only_line "$(vline_re - b 1048579)splice\$"
}

@test "pipe -> file, empty pipe: 0 bytes via splice (the method that met EOF)" {
	run --separate-stderr bash -o pipefail -c 'cat /dev/null | "$KCP" -v - b'
	assert_success
	[ -f b ] && [ ! -s b ]
	assert_only_line "$(vline_re - b 0)splice\$"
}

@test "pipe -> pipe reports splice" {
	testdata 1048579 a
	run --separate-stderr bash -o pipefail -c 'cat a | "$KCP" -v | cat >b'
	assert_success
	cmp a b
	assert_only_line "$(vline_re - - 1048579)splice\$"
}

@test "file -> pipe reports sendfile or splice" {
	testdata 1048579 a
	run --separate-stderr bash -o pipefail -c '"$KCP" -v a | cat >b'
	assert_success
	cmp a b
	assert_only_line "$(vline_re a - 1048579)(sendfile|splice)( \\([^)]*\\))?\$"
}

@test "/proc/version -> file reports readwrite" {
	[ -r /proc/version ] || skip "no /proc/version"
	cat /proc/version >expect
	local n
	n=$(stat -c %s expect)
	run --separate-stderr "$KCP" -v /proc/version b
	assert_success
	cmp expect b
	assert_only_line "$(vline_re /proc/version b "$n")readwrite\$"
}

forced() {
	local m=$1
	testdata 1048579 a
	run --separate-stderr "$KCP" -v --method="$m" a b
	assert_success
	cmp a b
	assert_only_line "$(vline_re a b 1048579)$m\$"
}

@test "--method=copy_file_range on file -> file" {
	require_ext4
	forced copy_file_range
}

@test "--method=sendfile on file -> file" {
	forced sendfile
}

@test "--method=splice on file -> file" {
	forced splice
}

@test "--method=readwrite on file -> file" {
	forced readwrite
}

@test "--method=copy_file_range across filesystems fails with EXDEV" {
	require_ext4
	require_shm
	testdata 65537 a
	run --separate-stderr "$KCP" --method=copy_file_range a "$SHM/b"
	assert_failure 1
	[ "$stderr" = "kcp: cannot copy 'a' to '$SHM/b' with copy_file_range: Invalid cross-device link (EXDEV)" ]
}

@test "--method=copy_file_range across filesystems with -v: error and a failed line" {
	require_ext4
	require_shm
	testdata 65537 a
	run --separate-stderr "$KCP" -v --method=copy_file_range a "$SHM/b"
	assert_failure 1
	assert_some_line "^kcp: cannot copy 'a' to '$(reesc "$SHM")/b' with copy_file_range: Invalid cross-device link \\(EXDEV\\)\$"
	assert_some_line "$(vline_re a "$SHM/b" 0).*, failed: Invalid cross-device link\$"
}

@test "--method=sendfile,readwrite works across filesystems" {
	require_shm
	testdata 1048579 a
	run --separate-stderr "$KCP" -v --method=sendfile,readwrite a "$SHM/b"
	assert_success
	cmp a "$SHM/b"
	assert_only_line "$(vline_re a "$SHM/b" 1048579)sendfile\$"
}

@test "--method=sendfile,readwrite works on the same filesystem" {
	testdata 1048579 a
	run --separate-stderr "$KCP" -v --method=sendfile,readwrite a b
	assert_success
	cmp a b
	assert_only_line "$(vline_re a b 1048579)sendfile\$"
}

@test "-vv prints 'copy_file_range left: EXDEV' before the line" {
	require_ext4
	require_shm
	testdata 65537 a
	run --separate-stderr "$KCP" -vv a "$SHM/b"
	assert_success
	cmp a "$SHM/b"
	local p
	p="^kcp: 'a' -> '$(reesc "$SHM")/b': "
	assert_some_line "${p}copy_file_range left: EXDEV \\(Invalid cross-device link\\)\$"
	# The summary is the last line; every other line is a decision line.
	local last=$((${#stderr_lines[@]} - 1))
	[ "$last" -ge 1 ]
	local sum dec i
	sum="$(vline_re a "$SHM/b" 65537)sendfile \\(copy_file_range: EXDEV\\)\$"
	[[ ${stderr_lines[$last]} =~ $sum ]]
	check_rate "${stderr_lines[$last]}"
	dec="^kcp: 'a' -> '.*': [a-z_]+ (left|skipped): "
	for ((i = 0; i < last; i++)); do
		[[ ${stderr_lines[$i]} =~ $dec ]] || {
			echo "not a decision line: ${stderr_lines[$i]}" >&2
			return 1
		}
	done
}

@test "-v without -vv prints no decision lines" {
	require_ext4
	require_shm
	testdata 65537 a
	run --separate-stderr "$KCP" -v a "$SHM/b"
	assert_success
	assert_only_line "$(vline_re a "$SHM/b" 65537)"
	[[ $stderr != *" left: "* ]]
}

@test "--verbose --verbose is -vv" {
	require_ext4
	require_shm
	testdata 100 a
	run --separate-stderr "$KCP" --verbose --verbose a "$SHM/b"
	assert_success
	assert_some_line "copy_file_range left: EXDEV \\(Invalid cross-device link\\)\$"
}

@test "the byte count equals the file size" {
	local n
	for n in 1 4097 123457; do
		testdata "$n" "a$n"
		run --separate-stderr "$KCP" -v "a$n" "b$n"
		assert_success
		[ "$(stat -c %s "b$n")" = "$n" ]
		assert_only_line "$(vline_re "a$n" "b$n" "$n")"
	done
}

@test "the byte count honours --skip and --length" {
	testdata 100000 a
	run --separate-stderr "$KCP" -v --skip=99000 --length=5000 a b
	assert_success
	tail -c +99001 a | cmp - b
	assert_only_line "$(vline_re a b 1000)"
	run --separate-stderr "$KCP" -v --length=5000 a b
	assert_success
	assert_only_line "$(vline_re a b 5000)"
}

@test "-l 0 says 0 bytes via none" {
	testdata 1000 a
	printf 'old contents' >b
	run --separate-stderr "$KCP" -v -l 0 a b
	assert_success
	[ -f b ] && [ ! -s b ]
	assert_only_line "$(vline_re a b 0)none\$"
}

@test "empty file: 0 bytes" {
	: >a
	run --separate-stderr "$KCP" -v a b
	assert_success
	[ -f b ] && [ ! -s b ]
	assert_only_line "$(vline_re a b 0)[a-z_]+( \\([^)]*\\))?\$"
}

@test "-v on a failing copy (to /dev/full) still prints the line" {
	[ -c /dev/full ] || skip "no /dev/full"
	testdata 65537 a
	run --separate-stderr "$KCP" -v a /dev/full
	assert_failure 1
	assert_some_line "^kcp: error writing '/dev/full': No space left on device\$"
	assert_some_line "$(vline_re a /dev/full 0).*, failed: No space left on device\$"
	[ "${#stderr_lines[@]}" -eq 2 ]
}

@test "-v on a failing copy from a pipe (to /dev/full)" {
	[ -c /dev/full ] || skip "no /dev/full"
	run --separate-stderr bash -c 'head -c 100000 /dev/zero | "$KCP" -v - /dev/full'
	assert_failure 1
	assert_some_line "^kcp: error writing '/dev/full': No space left on device\$"
	assert_some_line "$(vline_re - /dev/full 0).*, failed: No space left on device\$"
}

@test "no verbose line without -v" {
	testdata 65537 a
	run --separate-stderr "$KCP" a b
	assert_success
	cmp a b
	[ -z "$stderr" ]
	run --separate-stderr bash -o pipefail -c 'cat a | "$KCP" | cat >c'
	assert_success
	cmp a c
	[ -z "$stderr" ]
	[ -z "$output" ]
}

@test "no verbose line without -v, even when a method is left" {
	require_shm
	testdata 65537 a
	run --separate-stderr "$KCP" a "$SHM/b"
	assert_success
	cmp a "$SHM/b"
	[ -z "$stderr" ]
	[ -z "$output" ]
}

@test "the verbose line goes to stderr, not stdout" {
	seq 1 1000 >a
	run --separate-stderr "$KCP" -v a
	assert_success
	[ "$output" = "$(cat a)" ]
	assert_only_line "$(vline_re a - "$(stat -c %s a)")"
}

@test "one line per copy with several sources into a directory" {
	testdata 10 a
	testdata 20 'b c'
	mkdir d
	run --separate-stderr "$KCP" -v a 'b c' d
	assert_success
	cmp a d/a
	cmp 'b c' 'd/b c'
	[ "${#stderr_lines[@]}" -eq 2 ]
	[[ ${stderr_lines[0]} =~ $(vline_re a d/a 10) ]]
	[[ ${stderr_lines[1]} =~ $(vline_re 'b c' 'd/b c' 20) ]]
}

@test "time and rate: a slow pipe shows about the wall time and a rate" {
	run --separate-stderr bash -c '{ sleep 0.1; printf x; sleep 0.5; printf y; } | "$KCP" -v - b'
	assert_success
	[ "$(cat b)" = xy ]
	assert_only_line "$(vline_re - b 2)"
	[[ ${stderr_lines[0]} =~ bytes\ in\ ([0-9]+\.[0-9]{2})\ s\ \(([0-9]+(\.[0-9]+)?\ ?[KMGTPE]?i?B)/s\)\ via ]] || {
		echo "no rate like (6.6 B/s) in: ${stderr_lines[0]}" >&2
		return 1
	}
	awk -v t="${BASH_REMATCH[1]}" 'BEGIN { exit !(t >= 0.45 && t < 5) }'
}

@test "the rate is bytes over time" {
	run --separate-stderr bash -c '{ head -c 3000000 /dev/zero; sleep 0.5; } | "$KCP" -v - b'
	assert_success
	[ "$(stat -c %s b)" = 3000000 ]
	assert_only_line "$(vline_re - b 3000000)splice\$"
	[[ ${stderr_lines[0]} =~ bytes\ in\ ([0-9]+\.[0-9]{2})\ s\ \(([0-9.]+)\ ?([KMGTPE]?)i?B/s\) ]]
	local t=${BASH_REMATCH[1]} v=${BASH_REMATCH[2]} u=${BASH_REMATCH[3]}
	awk -v t="$t" -v v="$v" -v u="$u" 'BEGIN {
		m = index("KMGTPE", u); f = 1
		if (u != "") for (i = 0; i < m; i++) f *= 1024
		want = 3000000 / t; got = v * f
		printf "time %s s, rate %s %s = %.0f B/s, expected %.0f B/s\n", t, v, u, got, want > "/dev/stderr"
		exit !(got > want * 0.85 && got < want * 1.15)
	}'
}

# The report line must reach stderr in one write(2): kcp processes sharing
# stderr (a pipeline of two kcp -v, xargs -P) must not interleave halves
# of lines that scripts grep.
one_write_check() {
	command -v strace >/dev/null || skip "strace is not installed"
	strace -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
	# (LeakSanitizer cannot work under ptrace: off for this run.)
	run --separate-stderr env \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -qq -o trace -e trace=write -e signal=none \
	    -s 4096 "$KCP" -v "$@"
	local starts whole
	starts=$(grep -c "^write(2, \"kcp: '$1' -> " trace || true)
	whole=$(grep -cE "^write\\(2, \"kcp: '$1' -> '[^']*': [0-9]+ bytes in [0-9]+\\.[0-9]{2} s.* via [^\"]*\\\\n\", [0-9]+\\) += [0-9]+\$" trace || true)
	if [ "$starts" != 1 ] || [ "$whole" != 1 ]; then
		echo "writes to stderr:" >&2
		grep '^write(2,' trace >&2
		return 1
	fi
}

@test "-v: the report line is written with one write(2)" {
	testdata 65537 a
	one_write_check a b
	assert_success
}

@test "-v: a failed copy's report line is written with one write(2)" {
	[ -c /dev/full ] || skip "no /dev/full"
	testdata 65537 a
	one_write_check a /dev/full
	assert_failure 1
}
