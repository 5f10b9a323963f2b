#!/usr/bin/env bats
# The tree comparison tool of the directory-tree tests, checked on trees
# made with GNU cp -a: it must find every kind of difference it claims to
# and none where there is none.  These tests do not run kcp.

load helpers/test_helper
load helpers/mktree
load helpers/oracle
bats_require_minimum_version 1.5.0

setup_file() {
	make_pool
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# A and B: the full test tree and a cp -a copy of it.
two_trees() {
	mkt_all A
	cp -a A B
}

# flip_byte FILE OFFSET: change one byte in place, keeping the mtime.
flip_byte() {
	python3 - "$1" "$2" <<'PY'
import os, sys
path, off = sys.argv[1], int(sys.argv[2])
st = os.stat(path)
with open(path, "r+b") as f:
    f.seek(off)
    b = f.read(1)
    f.seek(off)
    f.write(bytes([b[0] ^ 0x01]))
os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
PY
}

# treecmp A B must exit 1 and print exactly these lines.
differs_by() {
	run -1 --separate-stderr treecmp "$@" A B
	assert_equal "$stderr" ""
}

@test "treecmp: a tree and its cp -a copy are identical" {
	two_trees
	run -0 --separate-stderr treecmp A B
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	# ...and a tree is identical to itself.
	run -0 treecmp A A
}

@test "treecmp: the test tree holds what the comparisons rely on" {
	two_trees
	[ "$(stat -c %h A/links/a)" = 3 ]
	[ -L A/sym/abs ] && [ -p A/special/fifo ] && [ -S A/special/sock ]
	[ "$(stat -c %a A/ro)" = 555 ] && [ "$(stat -c %a A/modes/both)" = 6755 ]
	[ "$(stat -c %y A/nest)" != "$(stat -c %y A/nest/l1)" ]
	[ -f A/names/$'new\nline' ] && [ -f A/names/$'\xff\xfe-not-utf8' ]
	if mkt_can xattr A; then
		[ "$(getfattr --only-values -n user.kcp.text A/xattr/file)" = "some text" ]
	fi
	if mkt_can acl A; then
		getfacl -n -d A/acl/dir | grep -q '^user:65534:r-x'
	fi
	if mkt_can root A; then
		[ -c A/special/null ] && [ -b A/special/blk ]
		[ "$(stat -c %u A/owners/file)" = 65534 ]
	fi
}

@test "treecmp: a changed byte" {
	two_trees
	flip_byte B/mib 524288
	differs_by
	assert_equal "$output" "'mib': content differs at byte 524288"
}

@test "treecmp: a different size, an extra and a missing entry, a type" {
	two_trees
	printf 'x' >>B/one
	touch -r A/one B/one
	rm B/page-1
	: >B/extra
	rm B/sym/rel
	mkdir B/sym/rel
	touch -h -r A/sym/rel B/sym/rel
	touch -r A B
	touch -r A/sym B/sym
	differs_by
	assert_equal "${#lines[@]}" 4
	assert_line "'extra': only in B"
	assert_line "'one': size 1 != 2"
	assert_line "'page-1': only in A"
	assert_line "'sym/rel': type symlink != directory"
}

@test "treecmp: a changed mode, set-user-ID and sticky bits included" {
	two_trees
	chmod 0640 B/names/'with space'
	chmod u-s B/modes/setuid
	chmod -t B/modes/sticky-dir
	differs_by
	assert_equal "${#lines[@]}" 3
	assert_line "'modes/setuid': mode 4755 != 0755"
	assert_line "'modes/sticky-dir': mode 1777 != 0777"
	assert_line "'names/with space': mode 0644 != 0640"
	run -0 treecmp --no-mode A B
}

@test "treecmp: a broken hard-link group" {
	two_trees
	rm B/links/sub/b
	cp -p A/links/sub/b B/links/sub/b
	touch -r A/links/sub B/links/sub
	differs_by
	assert_output "'links/sub/b': hard links differ: same inode as 'links/a' in A, as 'links/sub/b' in B"
	run -0 treecmp --no-links A B
}

@test "treecmp: a hard-link group only in B" {
	two_trees
	rm B/links/alone
	ln B/links/a B/links/alone
	differs_by --no-content --no-times
	assert_output "'links/alone': hard links differ: same inode as 'links/alone' in A, as 'links/a' in B"
}

@test "treecmp: a missing user xattr, a changed value, trusted ones" {
	mkt_can xattr "$BATS_TEST_TMPDIR" || skip "no user xattrs here"
	two_trees
	setfattr -x user.kcp.text B/xattr/file
	setfattr -n user.kcp.dir -v "other" B/xattr/dir
	setfattr -n user.kcp.new -v 1 B/one
	differs_by
	assert_equal "${#lines[@]}" 3
	assert_line "'one': xattr 'user.kcp.new' only in B"
	assert_line "'xattr/dir': xattr 'user.kcp.dir' differs: 'on a directory' != 'other'"
	assert_line "'xattr/file': xattr 'user.kcp.text' only in A"
	run -0 treecmp --no-xattr A B
	if mkt_can trusted .; then
		cp -a A C
		setfattr -x trusted.kcp.t C/xattr/file
		run -1 treecmp A C
		assert_output "'xattr/file': xattr 'trusted.kcp.t' only in A"
	fi
}

@test "treecmp: a missing default ACL, a changed access ACL" {
	mkt_can acl "$BATS_TEST_TMPDIR" || skip "no POSIX ACLs here"
	two_trees
	setfacl -k B/acl/dir
	setfacl -m u:65534:r,m::rw B/acl/file
	differs_by
	assert_equal "${#lines[@]}" 2
	assert_line "'acl/dir': acl 'system.posix_acl_default' only in A"
	assert_regex "${lines[1]}" "^'acl/file': acl 'system.posix_acl_access' differs: "
	run -0 treecmp --no-acl A B
	# ACLs are not user xattrs: --no-xattr still compares them.
	run -1 treecmp --no-xattr A B
}

@test "treecmp: a different symlink target" {
	two_trees
	ln -sfn dir/inner B/sym/rel
	touch -h -r A/sym/rel B/sym/rel
	touch -r A/sym B/sym
	differs_by
	assert_output "'sym/rel': symlink target 'target' != 'dir/inner'"
}

@test "treecmp: modification times one nanosecond apart, a symlink's own" {
	two_trees
	touch -d '2001-02-03 04:05:06.123456789' A/one A/empty
	touch -d '2001-02-03 04:05:06.123456790' B/one
	touch -d '2001-02-03 04:05:06.123456789' B/empty
	touch -h -d '2010-01-01 00:00:00' B/sym/dangling
	differs_by
	assert_equal "${#lines[@]}" 2
	assert_regex "${lines[0]}" "^'one': mtime [0-9]+\.123456789 != [0-9]+\.123456790$"
	assert_regex "${lines[1]}" "^'sym/dangling': mtime "
	run -0 treecmp --no-times A B
}

@test "treecmp: the top directories are compared too" {
	two_trees
	chmod 0700 B
	touch -d 2011-01-01 B
	differs_by
	assert_equal "${#lines[@]}" 2
	assert_line "'.': mode 0755 != 0700"
	assert_regex "${lines[1]}" "^'\.': mtime "
	run -0 treecmp --no-top A B
}

@test "treecmp: access times only with --atime" {
	two_trees
	touch -a -d '2012-01-01 00:00:00.5' B/one
	run -1 treecmp --atime A B
	assert_output --regexp "^'one': atime [0-9]+\.[0-9]{9} != [0-9]+\.500000000$"
	# treecmp reads files without moving their access times.
	run -1 treecmp --atime A B
	run -0 treecmp A B
}

@test "treecmp: owner and group (root)" {
	require_root
	two_trees
	chown 1:2 B/nest
	chown -h 7 B/sym/abs
	run -1 treecmp A B
	assert_equal "${#lines[@]}" 3
	assert_line "'nest': uid 0 != 1"
	assert_line "'nest': gid 0 != 2"
	assert_line "'sym/abs': uid 0 != 7"
	run -0 treecmp --no-owner --no-times A B
}

@test "treecmp: device numbers (root)" {
	require_root
	mkt_can mknod "$BATS_TEST_TMPDIR" || skip "mknod does not work here"
	two_trees
	rm B/special/chr
	mknod B/special/chr c 10 201
	touch -r A/special/chr B/special/chr
	touch -r A/special B/special
	differs_by
	assert_output "'special/chr': device 10,200 != 10,201"
}

@test "treecmp: names with a newline and bytes that are not UTF-8 stay on one line" {
	two_trees
	printf 'changed\n' >B/names/$'new\nline'
	printf 'changed\n' >B/names/$'\xff\xfe-not-utf8'
	printf 'changed\n' >B/names/"quote'single"
	printf 'changed\n' >B/names/'back\slash'
	differs_by --no-times
	assert_equal "${#lines[@]}" 4
	assert_line "'names/back\\\\slash': size 11 != 8"
	assert_line "'names/new\\nline': size 9 != 8"
	assert_line "'names/quote\\'single': size 13 != 8"
	assert_line "'names/\\xff\\xfe-not-utf8': size 12 != 8"
}

@test "treecmp: --sparse finds holes that were filled" {
	mkt_can holes "$BATS_TEST_TMPDIR" || skip "no holes on this filesystem"
	mkt_sparse A/f
	cp -a A B
	run -0 treecmp --sparse A B
	cp --sparse=never A/f B/f
	touch -r A/f B/f
	run -0 treecmp A B
	run -1 treecmp --sparse A B
	assert_output --regexp "^'f': blocks [0-9]+ > [0-9]+ \+ 8 \(holes not kept\)$"
	# B with fewer blocks than A is fine.
	run -0 treecmp --sparse B A
}

@test "treecmp: trees deeper than PATH_MAX" {
	mkt_pathmax A
	mkt_pathmax B
	mkt_times A
	mkt_times B
	run -0 treecmp A B
	python3 - <<'PY'
import os
fd = os.open(b"B", os.O_RDONLY)
while True:
    names = [n for n in os.listdir(fd) if os.path.isdir("/proc/self/fd/%d/%s" % (fd, n))]
    if not names:
        break
    sub = os.open(names[0], os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = sub
os.chmod(b"bottom", 0o644, dir_fd=fd)
PY
	run -1 treecmp A B
	assert_output --regexp "/bottom': mode 0600 != 0644$"
	[ "${#output}" -gt 4096 ]
}

@test "treecmp: regular files as operands" {
	mkd 100 a
	mkd 100 b
	touch -r a b
	run -0 treecmp a b
	mkd 101 c
	run -1 treecmp --no-times a c
	assert_output "'.': size 100 != 101"
}

@test "treecmp: usage errors and missing operands exit 2" {
	mkdir A B
	run -2 treecmp A
	run -2 treecmp A B C
	run -2 treecmp --no-such-option A B
	run -2 treecmp --sparse-margin=-1 A B
	run -2 --separate-stderr treecmp A missing
	assert_equal "$output" ""
	assert_equal "$stderr" "treecmp: cannot lstat 'missing': No such file or directory"
	run -0 treecmp --help
}

@test "treecmp: an unreadable entry is trouble, not a difference (nobody)" {
	require_nobody
	oracle_setup public
	mkdir -p A/d B/d
	: >A/d/f
	: >B/d/f
	chmod 0700 A/d
	run -2 --separate-stderr "${NOBODY[@]}" "$TREECMP" --no-owner A B
	assert_equal "$stderr" "treecmp: cannot open directory 'd': Permission denied"
	oracle_teardown
}

teardown() {
	oracle_teardown
}
