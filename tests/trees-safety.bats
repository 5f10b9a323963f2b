#!/usr/bin/env bats
# Directory trees (SPEC section 7): copying a directory into itself, a
# DEST just created by the same run, per-entry errors, unprivileged copies
# (set-ID bits, what -a cannot keep), and races: a directory swapped for a
# symlink during the copy must never make kcp read or write outside the
# trees it was given.

load helpers/test_helper
load helpers/mktree
load helpers/oracle
bats_require_minimum_version 1.5.0

export KCP

SWAPPER=$BATS_TEST_DIRNAME/helpers/swapper

setup_file() {
	make_pool
}

setup() {
	MOUNTS=()
	oracle_setup
}

teardown() {
	local m
	for m in ${MOUNTS[@]+"${MOUNTS[@]}"}; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || :
	done
	oracle_teardown
}

# Run the test's oracle calls as nobody, in a directory nobody can enter.
as_nobody() {
	require_nobody
	oracle_setup public
	chmod 0777 "$W"
	ORACLE_AS=("${NOBODY[@]}")
}

# ------------------------------------------------------- into itself

# kcp says what cp says, but copies nothing of the SOURCE (cp 9.1 leaves
# a partial copy below itself before it notices).
into_itself() {
	oracle "$@"
	oracle_same_output
	assert_equal "$KCP_STATUS" 1
	tree_same "$W/a" "$KCPW/a"
}

@test "a directory into itself: cp's message, exit 1, nothing created" {
	mkt_small a
	mkdir a/inner
	mkt_times a
	into_itself -r a a/inner
	# For the record, the message is this one:
	assert_equal "$(kcp_stderr)" "kcp: cannot copy a directory, 'a', into itself, 'a/inner/a'"
	into_itself -r a a/new
	assert_not_exists "$KCPW/a/new"
	into_itself -r a a
	into_itself -a a a/inner/
	into_itself -r a/ a/inner/sub
}

@test "a directory into itself through a symlink" {
	mkt_small a
	mkdir a/inner
	ln -s a la
	mkt_times a
	into_itself -r a la/inner
	into_itself -r la/ a/inner
}

@test "a directory into itself among other SOURCEs: the others are copied" {
	mkt_small a
	mkdir a/inner
	mkd 100 f
	mkt_small other
	oracle -r f a other a/inner
	oracle_same_output
	assert_equal "$KCP_STATUS" 1
	cmp f "$KCPW/a/inner/f"
	tree_same --no-times other "$KCPW/a/inner/other"
	assert_not_exists "$KCPW/a/inner/a"
}

# ---------------------------------------------------- just created

@test "will not overwrite just-created DEST/x with another SOURCE x" {
	mkdir a b d
	mkd 100 a/x
	mkd 200 b/x
	oracle a/x b/x d
	oracle_same --no-times
	assert_equal "$KCP_STATUS" 1
	assert_equal "$(kcp_stderr)" "kcp: will not overwrite just-created 'd/x' with 'b/x'"
	cmp a/x "$KCPW/d/x"
	oracle -r a/x b/x d
	oracle_same --no-times
	oracle -a a/x b/x d
	oracle_same -- d/x
}

@test "just-created applies to SOURCE operands, not to entries of merged trees" {
	# cp -r a/t b/t d merges both into d/t, and b/t/x replaces a/t/x
	# there without a word; only operands are checked.
	mkdir -p a/t b/t d
	mkd 100 a/t/x
	mkd 200 b/t/x
	mkd 300 b/t/y
	oracle -r a/t b/t d
	oracle_same --no-times
	assert_equal "$KCP_STATUS" 0
	cmp b/t/x "$KCPW/d/t/x"
	cmp b/t/y "$KCPW/d/t/y"
	oracle -r a/t/x b/t/x d
	oracle_same --no-times
	assert_equal "$KCP_STATUS" 1
}

# -------------------------------------------------- per-entry errors

@test "an unreadable file and directory in the tree: named, the rest copied, exit 1 (nobody)" {
	as_nobody
	mkt_small src
	mkd 100 src/secret
	chmod 0000 src/secret
	mkdir src/closed
	mkd 10 src/closed/f
	chmod 0000 src/closed
	mkd 20 src/zz
	ORACLE_UNORDERED=1 oracle -r src dst
	ORACLE_UNORDERED=1 oracle_same --no-times
	assert_equal "$KCP_STATUS" 1
	cmp src/zz "$KCPW/dst/zz"
	cmp src/sub/c "$KCPW/dst/sub/c"
	# One line each, naming the entry.
	assert_equal "$(kcp_stderr | grep -c "'src/secret'")" 1
	assert_equal "$(kcp_stderr | grep -c "'src/closed'")" 1
	ORACLE_UNORDERED=1 oracle -a src dst
	ORACLE_UNORDERED=1 oracle_same
}

@test "an unreadable SOURCE top directory (nobody)" {
	as_nobody
	mkt_small src
	chmod 0700 src
	oracle -r src dst
	oracle_same --no-times
	assert_equal "$KCP_STATUS" 1
}

@test "DEST directory not writable: error for each entry it should hold (nobody)" {
	as_nobody
	mkt_small src
	mkdir -p dst/src
	chown 65534 dst
	ORACLE_UNORDERED=1 oracle -r src dst
	ORACLE_UNORDERED=1 oracle_same --no-times
	assert_equal "$KCP_STATUS" 1
}

@test "an I/O error on one file: that file named, the rest copied, exit 1" {
	[ -n "${FAULTINJ:-}" ] && [ -e "$FAULTINJ" ] || skip "no fault-injection shim (FAULTINJ)"
	mkt_small src
	mkt_regular src/reg
	run -1 --separate-stderr env KCP_FAULT="copy_file_range:EIO" \
	    LD_PRELOAD="$FAULTINJ" "$KCP" -r src dst
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "^kcp: error copying 'src/[^']+' to 'dst/[^']+': Input/output error$"
	local bad f
	bad=$(printf '%s\n' "$stderr" | sed -n "s/^kcp: error copying 'src\/\([^']*\)'.*/\1/p")
	[ -f "src/$bad" ]
	# Every other file is whole.
	while IFS= read -r f; do
		[ "$f" = "$bad" ] || cmp "src/$f" "dst/$f"
	done < <(cd src && find . -type f -printf '%P\n')
}

# ------------------------------------------ unprivileged and lossy copies

@test "-a as nobody: set-ID bits dropped where ownership is not kept, silently" {
	as_nobody
	mkt_modes src
	rm src/modes/none src/modes/owner-ro
	mkt_small src
	mkt_times src
	oracle -a src dst
	oracle_same
	assert_equal "$KCP_STATUS" 0
	assert_equal "$(kcp_stderr)" ""
	[ ! -u "$KCPW/dst/modes/setuid" ] && [ ! -g "$KCPW/dst/modes/setgid" ]
	[ -k "$KCPW/dst/modes/sticky-dir" ]
	tree_same --no-owner --no-mode src "$KCPW/dst"
	oracle -rp src dst
	oracle_same
}

@test "-a as nobody: files the user owns keep their set-ID bits" {
	as_nobody
	mkt_small src
	mkd 100 src/mine
	chown -R 65534:65534 src
	chmod 4755 src/mine
	mkt_times src
	oracle -a src dst
	oracle_same
	[ -u "$KCPW/dst/mine" ]
	tree_same src "$KCPW/dst"
}

@test "--preserve=ownership asked for and impossible: silent, as cp (nobody)" {
	# cp 9.1 ignores EPERM from chown for a user who could not give
	# files away, even when ownership is asked for by name.
	as_nobody
	mkt_small src
	chown 1234:1234 src/a
	oracle -r --preserve=ownership src dst
	oracle_same --no-times
	assert_equal "$KCP_STATUS" 0
	assert_equal "$(kcp_stderr)" ""
}

# mount_ramfs CLONE: a ramfs (no extended attributes at all) at CLONE/m.
mount_ramfs() {
	mount -t ramfs ramfs "$1/m"
	MOUNTS+=("$1/m")
}

# Unmount what mount_ramfs mounted, before the next oracle call.
umount_all() {
	local m
	for m in ${MOUNTS[@]+"${MOUNTS[@]}"}; do
		umount "$m"
	done
	MOUNTS=()
}

@test "xattrs onto a filesystem without them: silent with -a, an error with --preserve=xattr (root)" {
	require_root
	mkt_can xattr . || skip "no user xattrs on this filesystem"
	mkdir m
	mount -t ramfs ramfs m 2>/dev/null || skip "cannot mount a ramfs"
	umount m
	mkt_small src
	setfattr -n user.kcp.x -v 1 src/a
	setfattr -n user.kcp.y -v 2 src/sub
	ORACLE_PRE=mount_ramfs oracle -a src m/dst
	oracle_same -- m/dst
	assert_equal "$KCP_STATUS" 0
	umount_all
	ORACLE_PRE=mount_ramfs ORACLE_UNORDERED=1 oracle -r --preserve=xattr src m/dst
	ORACLE_UNORDERED=1 oracle_same --no-times -- m/dst
	assert_equal "$KCP_STATUS" 1
}

@test "an ACL onto a filesystem without them: cp -a's error (root)" {
	require_root
	mkt_can acl . || skip "no POSIX ACLs on this filesystem"
	mkdir m
	mount -t ramfs ramfs m 2>/dev/null || skip "cannot mount a ramfs"
	umount m
	mkt_small src
	setfacl -m u:65534:r src/a
	ORACLE_PRE=mount_ramfs oracle -a src m/dst
	oracle_same -- m/dst
	assert_equal "$KCP_STATUS" 1
}

# ---------------------------------------------------------------- races

# race_tree: src/d with many files, and a directory "outside" holding
# files of the same names with other contents (a leak shows in DEST).
race_tree() {
	mkdir -p src/d outside
	python3 - <<'PY'
import os
for i in range(4000):
    name = "f%04d" % i
    with open("src/d/" + name, "w") as f:
        f.write("inside %d\n" % i)
    if i % 10 == 0:
        with open("outside/" + name, "w") as f:
            f.write("OUTSIDE\n")
PY
	cp -a outside outside.pristine
}

# race ARG...: run kcp ARG... while the swapper (started by the caller's
# arguments in SWAP) swaps a directory; retry a few times until the swap
# lands during the copy.  Sets $swapped.
race() {
	local try
	swapped=
	for try in 1 2 3 4 5; do
		rm -rf dst swapped done
		if [ -L src/d ]; then
			rm src/d
			mv src/d.moved src/d
		fi
		"$SWAPPER" "${SWAP[@]}" swapped done 30 &
		timeout 120 "$KCP" "$@" >/dev/null 2>&1 || :
		touch done
		wait
		if [ -e swapped ]; then
			swapped=1
			return 0
		fi
	done
}

@test "race: a SOURCE directory swapped for a symlink mid-copy is not followed" {
	race_tree
	SWAP=(dst/d 200 src/d "$W/outside")
	race -r src dst
	[ -n "$swapped" ] || skip "the copy always ended before the swap"
	run grep -rl OUTSIDE dst
	assert_output ""
	tree_same outside.pristine outside
	# What was copied came from the directory kcp opened.
	local f
	for f in dst/d/f0*; do
		[ "$(cat "$f")" = "inside $((10#${f##*/f}))" ]
	done
}

@test "race: a DEST directory swapped for a symlink mid-copy is not written through" {
	race_tree
	rm -rf outside/* outside.pristine
	cp -a outside outside.pristine
	SWAP=(dst/d 200 dst/d "$W/outside")
	race -a src dst
	[ -n "$swapped" ] || skip "the copy always ended before the swap"
	assert_equal "$(ls -A outside)" ""
	tree_same outside.pristine outside
}

# The deterministic form of the races: faultinj runs a command at a chosen
# call (tests/helpers/faultinj.c):
#   FUNC:run=CMD[:name=NAME]       run CMD before the real call
#   FUNC:runafter=CMD[:name=NAME]  run CMD after it
# for FUNC openat, mkdirat, fstatat and the other calls on names, NAME
# matching the path argument.  A shim without the hook refuses the rule,
# and the tests skip.
faultinj_can_run() {
	[ -n "${FAULTINJ:-}" ] && [ -e "$FAULTINJ" ] || return 1
	KCP_FAULT="openat:run=/bin/true;mkdirat:runafter=/bin/true" \
	    LD_PRELOAD="$FAULTINJ" "$KCP" --version >/dev/null 2>&1
}

@test "race (faultinj): SOURCE directory swapped between listing and descent" {
	faultinj_can_run || skip "no faultinj with a run= hook on openat (FAULTINJ)"
	mkdir -p src/d outside
	mkd 100 src/d/f
	mkd 200 outside/leak
	cp -a outside outside.pristine
	cat >swap-src <<-EOF
	#!/bin/sh
	[ -L "$W/src/d" ] && exit 0
	mv "$W/src/d" "$W/src/d.moved" && ln -s "$W/outside" "$W/src/d"
	EOF
	chmod +x swap-src
	run --separate-stderr env KCP_FAULT="openat:run=$W/swap-src:name=d:always" \
	    LD_PRELOAD="$FAULTINJ" "$KCP" -r src dst
	[ -L src/d ]
	assert_not_exists dst/d/leak
	run find dst -name leak
	assert_output ""
	tree_same outside.pristine outside
}

@test "race (faultinj): DEST directory swapped between its creation and its use" {
	faultinj_can_run || skip "no faultinj with a runafter= hook on mkdirat (FAULTINJ)"
	mkdir -p src/d outside
	mkd 100 src/d/f
	mkt_times src
	cp -a outside outside.pristine
	cat >swap-dst <<-EOF
	#!/bin/sh
	[ -d "$W/dst/d" ] && [ ! -L "$W/dst/d" ] || exit 0
	mv "$W/dst/d" "$W/dst/d.moved" && ln -s "$W/outside" "$W/dst/d"
	EOF
	chmod +x swap-dst
	run --separate-stderr env KCP_FAULT="mkdirat:runafter=$W/swap-dst:name=d" \
	    LD_PRELOAD="$FAULTINJ" "$KCP" -a src dst
	[ -L dst/d ]
	assert_equal "$(ls -A outside)" ""
	tree_same outside.pristine outside
}
