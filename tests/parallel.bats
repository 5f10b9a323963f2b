#!/usr/bin/env bats
# Parallel copying (kcp(1), TREES, -j): whatever the number of workers,
# the same bytes, holes, metadata, messages (as a set) and exit status.

load helpers/test_helper
load helpers/mktree
bats_require_minimum_version 1.5.0

export KCP
TREECMP=$BATS_TEST_DIRNAME/helpers/treecmp

setup_file() {
	make_pool
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	umask 022
}

# A tree of every kind of entry, many files in a few directories.
big_tree() {
	local d
	mkt_all src
	for d in 1 2 3 4 5 6; do
		mkdir -p "src/many/d$d"
		local f
		for f in $(seq 1 40); do
			mkd $((f * 97 + d)) "src/many/d$d/f$f"
		done
	done
	mkt_readonly src/ro
	mkt_times src
}

# run kcp with N workers: status, stderr sorted (timings masked).
run_jobs() {
	local n=$1
	shift
	run --separate-stderr "$KCP" -j "$n" "$@"
	printf '%s\n' "$status" >"status.$n"
	printf '%s\n' "$stderr" |
	    sed -E 's/ in [0-9.]+ s( \([^)]*\))?/ in T s/' | sort >"err.$n"
}

@test "-a with 1 and 8 workers: identical trees, messages and status" {
	big_tree
	run_jobs 1 -av src dest1
	run_jobs 8 -av src dest8
	"$TREECMP" --sparse src dest1
	"$TREECMP" --sparse src dest8
	"$TREECMP" --sparse dest1 dest8
	# The same lines, one for each file and directory, DEST names aside.
	sed -E "s/(['\"])dest1/\1X/g" err.1 | sort >e1
	sed -E "s/(['\"])dest8/\1X/g" err.8 | sort >e8
	diff e1 e8
	assert_equal "$(cat status.1)" "$(cat status.8)"
	assert_equal "$(cat status.8)" 0
}

@test "-j: each -v line is written whole, never interleaved" {
	big_tree
	run --separate-stderr "$KCP" -av -j 8 src copy
	assert_success
	local line
	# Names may be quoted either way ("it's"); the shape is what counts.
	while IFS= read -r line; do
		[[ $line =~ ^kcp:\ created\ directory\ [\'\"].*[\'\"]$ ||
		    $line =~ ^kcp:\ [\'\"].*[\'\"]\ -\>\ [\'\"].*[\'\"]:\ [0-9]+\ bytes\ in\ [0-9.]+\ s.*\ via\ [a-z_]+.*$ ||
		    $line =~ ^kcp:\ [\'\"].*[\'\"]\ -\>\ [\'\"].*[\'\"]$ ]] ||
		    fail "mangled line: $line"
	done <<<"$stderr"
}

@test "-j: read-only directories get their mode after their files, deep trees copy" {
	mkt_readonly src
	mkt_deep src 40
	mkdir -p src/ro2 && mkd 5000 src/ro2/x && chmod 555 src/ro2
	run --separate-stderr "$KCP" -a -j 4 src copy
	assert_success
	"$TREECMP" src copy
	assert_equal "$(stat -c %a copy/ro2)" 555
}

@test "-j: an unreadable file fails alone, named once, the rest copied (as a user)" {
	require_root
	command -v setpriv >/dev/null || skip "setpriv not installed"
	local u
	u=$(mktemp -d /tmp/kcp-parallel.XXXXXX)
	chmod 0777 "$u"
	mkdir -p "$u/src/a" "$u/src/b"
	local i
	for i in $(seq 1 30); do mkd $((i * 300)) "$u/src/a/f$i"; done
	mkd 1000 "$u/src/b/secret" && chmod 000 "$u/src/b/secret"
	chown -R 65534:65534 "$u/src"
	chown 0:0 "$u/src/b/secret"
	run --separate-stderr setpriv --reuid=65534 --regid=65534 \
	    --clear-groups "$KCP" -r -j 8 "$u/src" "$u/copy"
	assert_failure 1
	assert_equal "$(grep -c . <<<"$stderr")" 1
	[[ $stderr == "kcp: cannot open '$u/src/b/secret' for reading: Permission denied" ]] ||
	    fail "$stderr"
	for i in $(seq 1 30); do cmp "$u/src/a/f$i" "$u/copy/a/f$i"; done
	rm -rf "$u"
}

@test "-j: an I/O error on one file: one message, exit 1, the other files copied" {
	require_faultinj
	mkdir -p src
	local i
	for i in $(seq 1 20); do mkd $((i * 1000 + 1)) "src/f$i"; done
	# copy_file_range of src/f7 fails with EIO (terminal): that file
	# fails, named once; the other workers' files are whole.
	run --separate-stderr kcp_fault 'copy_file_range:EIO:name=src/f7:always' \
	    -r -j 4 src copy
	assert_failure 1
	stderr_is "kcp: error copying 'src/f7' to 'copy/f7': Input/output error"
	for i in $(seq 1 20); do
		[ "$i" = 7 ] || cmp "src/f$i" "copy/f$i"
	done
}

@test "-j: SIGINT stops every worker; --atomic leaves no temporary file" {
	mkdir -p src
	local i
	for i in $(seq 1 8); do mkdata $((16 << 20)) "src/f$i"; done
	# Small reads and writes: slow enough to be stopped midway.
	"$KCP" -r -j 4 --atomic --method=readwrite -B 512 src copy 2>err &
	local pid=$!
	sleep 0.3
	kill -INT "$pid" 2>/dev/null || skip "the copy ended before the signal"
	run wait "$pid"
	[ "$status" -ne 0 ]
	run find copy -name '.kcp.*'
	assert_output ""
	# Whatever was finished is whole.
	for f in copy/*; do
		[ -e "$f" ] || continue
		cmp "src/${f##*/}" "$f"
	done
}

@test "-j 0, -j x, --jobs=-1: usage errors" {
	run -1 --separate-stderr "$KCP" -j 0 -r a b
	[[ $stderr == "kcp: invalid number of jobs '0' for --jobs: "* ]]
	run -1 --separate-stderr "$KCP" -j x -r a b
	[[ $stderr == "kcp: invalid number of jobs 'x' for --jobs: "* ]]
	run -1 --separate-stderr "$KCP" --jobs=-1 -r a b
	[[ $stderr == "kcp: invalid number of jobs '-1' for --jobs: "* ]]
}
