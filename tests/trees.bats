#!/usr/bin/env bats
# Directory trees (SPEC section 7): operand forms, file types, what -a
# keeps, large, deep and system trees, -v.  GNU cp is the oracle: each case
# runs `cp ARGS` and `kcp ARGS` on clones of one input and wants the same
# exit status, output, messages and resulting tree (see helpers/oracle.bash),
# and where it matters the copy is also compared with its source.
#
# Options of cp that kcp takes for trees are in trees-options.bats; errors,
# copying into itself, unprivileged copies and races in trees-safety.bats.

load helpers/test_helper
load helpers/mktree
load helpers/oracle
bats_require_minimum_version 1.5.0

export KCP

setup_file() {
	make_pool
}

setup() {
	oracle_setup
}

teardown() {
	oracle_teardown
}

# ------------------------------------------------------------ operands

@test "-r: a missing DEST becomes the copy of SOURCE" {
	mkt_small src
	oracle -r src dst
	oracle_same --no-times
	assert_equal "$KCP_STATUS" 0
	[ -d "$KCPW/dst/sub" ] && [ -L "$KCPW/dst/link" ] && [ -d "$KCPW/dst/empty" ]
	tree_same --no-times src "$KCPW/dst"
}

@test "-r: an existing directory DEST receives DEST/basename(SOURCE)" {
	mkt_small src
	mkdir dst
	oracle -r src dst
	oracle_same --no-times
	tree_same --no-times src "$KCPW/dst/src"
	assert_not_exists "$KCPW/dst/a"
}

@test "-r: trailing slashes on SOURCE and DEST" {
	mkt_small src
	mkdir dst
	oracle -r src// dst/
	oracle_same --no-times
	tree_same --no-times src "$KCPW/dst/src"
	oracle -r src/ new/
	oracle_same --no-times
	tree_same --no-times src "$KCPW/new"
}

@test "-R and --recursive are -r" {
	mkt_small src
	mkdir dst
	oracle -R src dst
	oracle_same --no-times
	tree_same --no-times src "$KCPW/dst/src"
	oracle --recursive src dst
	oracle_same --no-times
	tree_same --no-times src "$KCPW/dst/src"
}

@test "-T: SOURCE merged into an existing DEST" {
	mkt_small src
	mkdir -p dst/sub
	echo keep >dst/keep
	echo old >dst/sub/c
	echo old >dst/sub/old
	oracle -rT src dst
	oracle_same --no-times
	oracle_matters --no-times -- -r src dst
	cmp src/sub/c "$KCPW/dst/sub/c"
	[ -f "$KCPW/dst/keep" ] && [ -f "$KCPW/dst/sub/old" ]
	assert_not_exists "$KCPW/dst/src"
	oracle -r --no-target-directory src dst
	oracle_same --no-times
}

@test "-r: several SOURCEs, directories and a file, into a directory" {
	mkt_small s1
	mkt_regular s2
	mkd 500 f
	mkdir dst
	oracle -r s1 f s2 dst
	oracle_same --no-times
	tree_same --no-times s1 "$KCPW/dst/s1"
	tree_same --no-times s2 "$KCPW/dst/s2"
	cmp f "$KCPW/dst/f"
}

@test "-r: -t DIRECTORY and --target-directory" {
	mkt_small s1
	mkt_regular s2
	mkd 500 f
	mkdir dst
	oracle -r -t dst s1 f s2
	oracle_same --no-times
	tree_same --no-times s2 "$KCPW/dst/s2"
	oracle --target-directory=dst -r s1 s2
	oracle_same --no-times
	tree_same --no-times s1 "$KCPW/dst/s1"
}

@test "-r: three operands whose last is not a directory" {
	mkt_small s1
	mkt_small s2
	oracle -r s1 s2 nodir
	oracle_same
	assert_equal "$KCP_STATUS" 1
	mkd 10 file
	oracle -r s1 s2 file
	oracle_same
}

@test "a directory SOURCE without -r: omitting directory, the others copied" {
	mkdir d dst
	mkd 10 f
	run -1 --separate-stderr kcp d f dst
	# kcp keeps its own wording; GNU cp 9.1 says
	# "cp: -r not specified; omitting directory 'd'".
	stderr_is "kcp: omitting directory 'd'"
	cmp f dst/f
	assert_not_exists dst/d
	# The same when the directory is named through a symlink.
	ln -s d ld
	run -1 --separate-stderr kcp ld f dst
	stderr_is "kcp: omitting directory 'ld'"
}

# ---------------------------------------------------------- file types

@test "-r: symlinks are copied as symlinks, a SOURCE symlink too" {
	mkt_small src
	mkt_symlinks src
	ln -s src lsrc
	oracle -r src dst
	oracle_same --no-times
	tree_same --no-times src "$KCPW/dst"
	assert_equal "$(readlink "$KCPW/dst/sym/abs")" "$(readlink src/sym/abs)"
	[ -L "$KCPW/dst/sym/self" ] && [ -L "$KCPW/dst/sym/dangling" ]
	oracle -r lsrc dst2
	oracle_same --no-times
	[ -L "$KCPW/dst2" ]
	assert_equal "$(readlink "$KCPW/dst2")" src
}

@test "-r: FIFOs, sockets and device nodes are recreated, not read" {
	mkt_specials src
	ORACLE_TIMEOUT=30 oracle -r src dst
	oracle_same --no-times
	assert_equal "$KCP_STATUS" 0
	[ -p "$KCPW/dst/special/fifo" ] && [ -S "$KCPW/dst/special/sock" ]
	if mkt_can mknod .; then
		[ -c "$KCPW/dst/special/null" ] && [ -b "$KCPW/dst/special/blk" ]
	fi
	tree_same --no-times src "$KCPW/dst"
}

@test "-r: empty files, empty directories and sparse files" {
	mkdir -p src/e1/e2
	: >src/empty
	mkt_can holes . || skip "no holes on this filesystem"
	mkt_sparse src/sparse
	oracle -r src dst
	oracle_same --no-times
	tree_same --no-times --sparse src "$KCPW/dst"
	cmp src/sparse "$KCPW/dst/sparse"
}

@test "-r: names with spaces, newlines, leading dashes, bytes not UTF-8" {
	mkt_odd_names src
	mkdir -- -dash
	printf 'x\n' >-dash/$'\xff'
	oracle -r src dst
	oracle_same --no-times
	tree_same --no-times src "$KCPW/dst"
	oracle -r -- -dash $'new\nname'
	oracle_same --no-times
	tree_same --no-times -- -dash "$KCPW/"$'new\nname'
}

@test "-r: nested directories 30 levels deep" {
	mkt_deep src 30
	mkt_nested src 10
	oracle -r src dst
	oracle_same --no-times
	tree_same --no-times src "$KCPW/dst"
}

@test "-r: modes are SOURCE's masked by the umask, set-ID bits dropped" {
	mkt_modes src
	mkt_small src
	umask 077
	oracle -r src dst
	oracle_same --no-times
	oracle_matters --no-times -- -a src dst
	umask 022
	oracle -r src dst
	oracle_same --no-times
	[ ! -u "$KCPW/dst/modes/setuid" ]
}

@test "-r: existing files in DEST are overwritten and keep their mode" {
	mkt_small src
	mkdir -p dst/src/sub
	echo old >dst/src/a
	chmod 0600 dst/src/a
	echo extra >dst/src/sub/extra
	oracle -r src dst
	oracle_same --no-times
	cmp src/a "$KCPW/dst/src/a"
	[ "$(stat -c %a "$KCPW/dst/src/a")" = 600 ]
	[ -f "$KCPW/dst/src/sub/extra" ]
}

@test "-r: a directory onto a non-directory and the reverse are errors, the rest is copied" {
	mkt_small src
	mkdir -p dst/src/a
	echo file >dst/src/sub
	ORACLE_UNORDERED=1 oracle -r src dst
	ORACLE_UNORDERED=1 oracle_same --no-times
	assert_equal "$KCP_STATUS" 1
	cmp src/b "$KCPW/dst/src/b"
	mkdir dst2
	echo file >dst2/src
	oracle -r src dst2
	oracle_same --no-times
}

@test "-r: DEST symlinks: one to a file is written through, one where a directory goes is refused" {
	mkt_small src
	mkdir -p out/src elsewhere
	echo old >outside
	ln -s ../../elsewhere out/src/sub
	ln -s ../../outside out/src/a
	oracle -r src out
	oracle_same --no-times
	assert_equal "$KCP_STATUS" 1
	cmp src/a "$KCPW/outside"
	[ -L "$KCPW/out/src/sub" ] && [ -L "$KCPW/out/src/a" ]
	assert_equal "$(ls -A "$KCPW/elsewhere")" ""
}

# ------------------------------------------------------------------ -a

@test "-a: every file type and attribute, as cp -a" {
	mkt_all src
	oracle -a src dst
	oracle_same --atime
	assert_equal "$KCP_STATUS" 0
	# The copy against its source: every attribute, the top included.
	tree_same --atime --sparse src "$KCPW/dst"
}

@test "-a: into an existing directory, and merged with -T" {
	mkt_all src
	mkdir dst
	oracle -a src dst
	oracle_same --atime -- dst/src
	tree_same --atime src "$KCPW/dst/src"
	oracle -aT src dst
	oracle_same --atime
	tree_same src "$KCPW/dst"
}

@test "-a: nanosecond times of files, directories and symlinks" {
	mkt_small src
	mkt_symlinks src
	mkt_times src '2001-02-03 04:05:06.123456789'
	oracle -a src dst
	oracle_same --atime
	local p
	for p in . a sub sub/c empty link sym/abs sym/dangling sym/self sym/dir; do
		assert_equal "$(stat -c '%y %x' "$KCPW/dst/$p")" "$(stat -c '%y %x' "src/$p")"
	done
	[ "$(stat -c %y src/sub/c)" != "$(stat -c %y src/sub)" ]
}

@test "-a: hard links, across directories and between SOURCE operands" {
	mkt_hardlinks src
	mkt_times src
	oracle -a src dst
	oracle_same
	tree_same src "$KCPW/dst"
	[ "$(stat -c %i "$KCPW/dst/links/a")" = "$(stat -c %i "$KCPW/dst/links/sub/b")" ]
	[ "$(stat -c %h "$KCPW/dst/links/a")" = 3 ]
	[ "$(stat -c %h "$KCPW/dst/links/e1")" = 2 ]
	mkdir d
	oracle -a src/links/a src/links/c src/links/alone d
	oracle_same -- d/a d/c d/alone
	[ "$(stat -c %i "$KCPW/d/a")" = "$(stat -c %i "$KCPW/d/c")" ]
	oracle_matters --no-times -- -r src/links/a src/links/c src/links/alone d
}

@test "-a: user and trusted extended attributes" {
	mkt_can xattr . || skip "no user xattrs on this filesystem"
	mkt_xattrs src
	mkt_times src
	oracle -a src dst
	oracle_same
	tree_same src "$KCPW/dst"
	assert_equal "$(getfattr --only-values -n user.kcp.text "$KCPW/dst/xattr/file")" "some text"
	if mkt_can trusted .; then
		assert_equal "$(getfattr --only-values -n trusted.kcp.d "$KCPW/dst/xattr/dir")" "trusted dir"
	fi
}

@test "-a: POSIX ACLs, access and default" {
	mkt_can acl . || skip "no POSIX ACLs on this filesystem"
	mkt_acls src
	mkt_times src
	oracle -a src dst
	oracle_same
	tree_same src "$KCPW/dst"
	assert_equal "$(getfacl -c -n -d "$KCPW/dst/acl/dir")" "$(getfacl -c -n -d src/acl/dir)"
	getfacl -n "$KCPW/dst/acl/file" 2>/dev/null | grep -qx 'user:65534:rw-'
}

@test "-a: owner and group of files, directories, symlinks and FIFOs (root)" {
	require_root
	mkt_owners src
	mkt_times src
	oracle -a src dst
	oracle_same
	tree_same src "$KCPW/dst"
	assert_equal "$(stat -c %u:%g "$KCPW/dst/owners/link")" 4321:8765
}

@test "-a: read-only directories are filled, then given their mode (unprivileged)" {
	if [ "$(id -u)" = 0 ]; then
		require_nobody
		oracle_setup public
		chmod 0777 "$W"
		ORACLE_AS=("${NOBODY[@]}")
	fi
	mkt_readonly src
	mkt_times src
	oracle -a src dst
	oracle_same
	assert_equal "$KCP_STATUS" 0
	tree_same --no-owner src "$KCPW/dst"
	[ "$(stat -c %a "$KCPW/dst/ro")" = 555 ]
	oracle -r src dst2
	oracle_same --no-times
	[ "$(stat -c %a "$KCPW/dst2/ro/sub")" = 555 ]
}

# ------------------------------------------------------- large and deep

@test "-a: a directory of 10,000 entries" {
	mkt_wide src 10000
	mkt_times src
	oracle -a src dst
	oracle_same
	tree_same src "$KCPW/dst"
	[ "$(find "$KCPW/dst/wide" -mindepth 1 -maxdepth 1 | wc -l)" = 10003 ]
}

@test "-a: a tree deeper than PATH_MAX (cp cannot copy it)" {
	mkt_pathmax src
	mkt_times src
	# The bottom really is beyond PATH_MAX.
	python3 - <<'PY'
import os
fd, n = os.open("src", os.O_RDONLY), len("src")
while True:
    subs = [e.name for e in os.scandir(fd) if e.is_dir(follow_symlinks=False)]
    if not subs:
        break
    n += 1 + len(subs[0])
    nfd = os.open(subs[0], os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = nfd
assert n > 4096, n
PY
	run --separate-stderr timeout 120 "$KCP" -a src dst
	assert_equal "$stderr" ""
	assert_equal "$status" 0
	tree_same src dst
	# Into an existing directory, with -r.
	mkdir into
	run --separate-stderr timeout 120 "$KCP" -r src into
	assert_equal "$stderr" ""
	assert_equal "$status" 0
	tree_same --no-times src into/src
}

@test "-a: a system tree (/usr/include), as cp -a copies it" {
	[ -d /usr/include ] || skip "no /usr/include"
	run --separate-stderr timeout 300 "$KCP" -a /usr/include inc
	assert_equal "$stderr" ""
	assert_equal "$status" 0
	tree_same /usr/include inc
	cp -a /usr/include inc.cp
	tree_same inc.cp inc
}

# ------------------------------------------------------------------ -v

# The SPEC section 4 line for one regular file of N bytes.
file_line() {
	printf '%s' "^kcp: '$1' -> '$2': $3 bytes in [0-9]+\\.[0-9]{2} s( \\([^)]*/s\\))? via [a-z_]+"
}

# count_lines REGEX: how many lines of $stderr match.
count_lines() {
	printf '%s\n' "$stderr" | grep -cE -- "$1" || true
}

@test "-v: 'created directory' per directory made, the section 4 line per file" {
	# GNU cp -v prints "'src' -> 'dst/src'" on stdout for a directory as
	# for a file; kcp reports on stderr in its own format.
	mkt_small src
	mkdir dst
	run -0 --separate-stderr kcp -rv src dst
	assert_equal "$output" ""
	local d
	for d in dst/src dst/src/sub dst/src/empty; do
		assert_equal "$(count_lines "^kcp: created directory '$d'\$")" 1
	done
	assert_equal "$(count_lines "^kcp: created directory ")" 3
	assert_equal "$(count_lines "$(file_line src/a dst/src/a 1000)")" 1
	assert_equal "$(count_lines "$(file_line src/b dst/src/b 2000)")" 1
	assert_equal "$(count_lines "$(file_line src/sub/c dst/src/sub/c 3000)")" 1
	assert_equal "$(count_lines "^kcp: ")" "${#stderr_lines[@]}"
	tree_same --no-times src dst/src
}

@test "-v: a missing DEST is a directory made; existing ones are not" {
	mkt_small src
	run -0 --separate-stderr kcp -rv src dst
	assert_equal "$(count_lines "^kcp: created directory 'dst'\$")" 1
	assert_equal "$(count_lines "$(file_line src/sub/c dst/sub/c 3000)")" 1
	# Again with -T: every directory exists now.
	run -0 --separate-stderr kcp -rvT src dst
	assert_equal "$(count_lines "^kcp: created directory ")" 0
	assert_equal "$(count_lines "$(file_line src/a dst/a 1000)")" 1
}

@test "-r SRC DIR/ where DIR/SRC is a symlink to a directory elsewhere: refused, as cp, nothing written there" {
	mkt_small src
	mkdir out elsewhere
	ln -s ../elsewhere out/src
	run -1 --separate-stderr kcp -r src out/
	stderr_is "kcp: cannot overwrite non-directory 'out/src' with directory 'src'"
	assert_equal "$(ls -A elsewhere)" ""
	run -1 --separate-stderr kcp -rT src out/src
	stderr_is "kcp: cannot overwrite non-directory 'out/src' with directory 'src'"
	assert_equal "$(ls -A elsewhere)" ""
	# Named as DEST itself, a link to a directory is a directory to copy into.
	run -0 --separate-stderr kcp -r src out/src
	[ -d elsewhere/src/sub ]
}
