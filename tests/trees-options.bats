#!/usr/bin/env bats
# Directory trees (SPEC section 7): the cp options kcp takes for trees.
# Each case runs GNU cp and kcp on clones of one input (helpers/oracle.bash)
# and wants the same status, messages and tree; oracle_matters then runs cp
# without the option (or with its neighbour) and wants another outcome, so
# that a kcp that ignores the option cannot pass.

load helpers/test_helper
load helpers/mktree
load helpers/oracle
bats_require_minimum_version 1.5.0

export KCP

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

# ------------------------------------------------------------- symlinks

@test "-L, --dereference: every symlink is followed" {
	mkt_small src
	mkt_symlinks src
	rm src/sym/self src/sym/loop1 src/sym/loop2 src/sym/dangling
	ln -s src lsrc
	oracle -rL lsrc dst
	oracle_same --no-times
	oracle_matters --no-times -- -r lsrc dst
	[ -d "$KCPW/dst" ] && [ ! -L "$KCPW/dst" ]
	[ -f "$KCPW/dst/sym/rel" ] && [ ! -L "$KCPW/dst/sym/rel" ]
	[ -d "$KCPW/dst/sym/reldir" ] && [ ! -L "$KCPW/dst/sym/reldir" ]
	cmp src/sym/target "$KCPW/dst/sym/abs"
	oracle --dereference -r lsrc dst
	oracle_same --no-times
}

@test "-L: a dangling symlink and a loop in the tree are errors, the rest is copied" {
	mkt_small src
	ln -s nowhere src/dangling
	ln -s loop src/loop
	ORACLE_UNORDERED=1 oracle -rL src dst
	ORACLE_UNORDERED=1 oracle_same --no-times
	assert_equal "$KCP_STATUS" 1
	cmp src/b "$KCPW/dst/b"
}

@test "-H: symlinks named on the command line are followed, the others not" {
	mkt_small src
	ln -s src lsrc
	oracle -rH lsrc dst
	oracle_same --no-times
	oracle_matters --no-times -- -r lsrc dst
	oracle_matters --no-times -- -rL lsrc dst
	[ -d "$KCPW/dst" ] && [ ! -L "$KCPW/dst" ] && [ -L "$KCPW/dst/link" ]
}

@test "-d, --no-dereference: a SOURCE symlink is copied as a link, without -r too" {
	mkd 100 f
	ln -s f l
	oracle -d l l2
	oracle_same --no-times
	oracle_matters --no-times -- l l2
	[ -L "$KCPW/l2" ]
	oracle --no-dereference l l3
	oracle_same --no-times
	[ -L "$KCPW/l3" ]
}

@test "-d: hard-linked SOURCEs stay linked (it implies --preserve=links)" {
	mkd 100 f
	ln f g
	mkdir d
	oracle -d f g d
	oracle_same --no-times
	oracle_matters --no-times -- f g d
	[ "$(stat -c %i "$KCPW/d/f")" = "$(stat -c %i "$KCPW/d/g")" ]
}

# ------------------------------------------------------ special files

# Feed the FIFO of one clone once, in the background.
feed_fifo() {
	(timeout 30 sh -c 'printf "fifo data\n" >"$1/src/fifo"' _ "$1" \
	    </dev/null >/dev/null 2>&1 &)
}

@test "--copy-contents: FIFOs and devices are read like files" {
	mkt_small src
	mkfifo src/fifo
	if mkt_can mknod .; then
		mknod src/null c 1 3
	fi
	ORACLE_PRE=feed_fifo ORACLE_TIMEOUT=30 oracle -r --copy-contents src dst
	oracle_same --no-times
	assert_equal "$(cat "$KCPW/dst/fifo")" "fifo data"
	[ -f "$KCPW/dst/fifo" ] && [ -L "$KCPW/dst/link" ]
	if [ -e src/null ]; then
		[ -f "$KCPW/dst/null" ] && [ ! -s "$KCPW/dst/null" ]
	fi
	ORACLE_TIMEOUT=30 oracle_matters --no-times -- -r src dst
}

# ------------------------------------------------------------ preserve

@test "--preserve=mode: set-ID bits and modes kept whatever the umask" {
	mkt_modes src
	mkt_small src
	umask 077
	oracle -r --preserve=mode src dst
	oracle_same --no-times
	oracle_matters --no-times -- -r src dst
	[ -u "$KCPW/dst/modes/setuid" ] && [ -k "$KCPW/dst/modes/sticky-dir" ]
}

@test "--preserve=ownership (root)" {
	require_root
	mkt_owners src
	oracle -r --preserve=ownership src dst
	oracle_same --no-times
	oracle_matters --no-times -- -r src dst
	assert_equal "$(stat -c %u:%g "$KCPW/dst/owners/dir")" 1234:5678
}

@test "--preserve=timestamps: files, directories and symlinks, in nanoseconds" {
	mkt_small src
	mkt_symlinks src
	mkt_times src
	oracle -r --preserve=timestamps src dst
	oracle_same --atime
	oracle_matters -- -r src dst
	tree_same --atime src "$KCPW/dst"
}

@test "--preserve=links: hard links kept with -r" {
	mkt_hardlinks src
	oracle -r --preserve=links src dst
	oracle_same --no-times
	oracle_matters --no-times -- -r src dst
	tree_same --no-times src "$KCPW/dst"
}

@test "--preserve=xattr: extended attributes and ACLs kept with -r" {
	mkt_can xattr . || skip "no user xattrs on this filesystem"
	mkt_xattrs src
	mkt_acls src
	oracle -r --preserve=xattr src dst
	oracle_same --no-times
	oracle_matters --no-times -- -r src dst
}

@test "--preserve=all, -p and a list of attributes" {
	mkt_all src
	oracle -r --preserve=all src dst
	oracle_same --atime
	oracle_matters -- -rp src dst
	oracle -rp src dst
	oracle_same --atime
	oracle_matters -- -r src dst
	oracle -r --preserve=mode,timestamps,links src dst
	oracle_same --atime
	oracle_matters -- -rp src dst
}

@test "--preserve with an unknown attribute: usage error" {
	mkt_small src
	run -1 --separate-stderr kcp -r --preserve=bogus src dst
	# The wording of today's kcp for files (cp lists the valid words).
	assert_equal "${stderr_lines[0]}" "kcp: invalid attribute 'bogus' for --preserve"
	assert_equal "${stderr_lines[${#stderr_lines[@]} - 1]}" "$USAGE_HINT"
	assert_not_exists dst
}

@test "--no-preserve=mode with -a" {
	mkt_modes src
	mkt_acls src
	mkt_times src
	umask 027
	oracle -a --no-preserve=mode src dst
	oracle_same
	oracle_matters -- -a src dst
}

@test "--no-preserve=ownership with -a (root)" {
	require_root
	mkt_owners src
	mkt_times src
	oracle -a --no-preserve=ownership src dst
	oracle_same
	oracle_matters -- -a src dst
}

@test "--no-preserve=timestamps and --no-preserve=links with -a" {
	mkt_hardlinks src
	mkt_times src
	oracle -a --no-preserve=timestamps src dst
	oracle_same --no-times
	oracle_matters -- -a src dst
	oracle -a --no-preserve=links src dst
	oracle_same
	oracle_matters -- -a src dst
}

@test "--no-preserve=xattr and --no-preserve=all with -a" {
	mkt_can xattr . || skip "no user xattrs on this filesystem"
	mkt_xattrs src
	mkt_acls src
	mkt_times src
	oracle -a --no-preserve=xattr src dst
	oracle_same
	oracle_matters -- -a src dst
	oracle -a --no-preserve=all src dst
	oracle_same --no-times
	oracle_matters --no-times -- -a src dst
}

# ------------------------------------------------------------------- -x

@test "-x, --one-file-system: a mounted filesystem's contents are left out (root)" {
	require_root
	local src=$BATS_TEST_TMPDIR/xsrc
	mkdir -p "$src/mnt" "$src/d"
	mkd 100 "$src/d/f"
	mount -t tmpfs -o size=4m tmpfs "$src/mnt" 2>/dev/null ||
	    skip "cannot mount a tmpfs here"
	MOUNTS+=("$src/mnt")
	mkd 200 "$src/mnt/inner"
	mkdir "$src/mnt/sub"
	oracle -rx "$src" dst
	oracle_same --no-times
	oracle_matters --no-times -- -r "$src" dst
	[ -d "$KCPW/dst/mnt" ] && assert_not_exists "$KCPW/dst/mnt/inner"
	oracle -a --one-file-system "$src" dst
	oracle_same
}

# -------------------------------------------------------------- update

# DEST holds older and newer copies of SOURCE's files.
update_case() {
	mkt_small src
	mkdir -p dst/src/sub
	echo old >dst/src/a
	echo old >dst/src/sub/c
	touch -d '2000-01-01' src/a
	touch -d '2001-01-01' dst/src/sub/c
	touch -d '2010-01-01' src/sub/c
}

@test "-u, --update: only SOURCE files newer than DEST's replace them" {
	update_case
	oracle -ru src dst
	oracle_same --no-times
	oracle_matters --no-times -- -r src dst
	assert_equal "$(cat "$KCPW/dst/src/a")" old
	cmp src/sub/c "$KCPW/dst/src/sub/c"
	oracle -au src dst
	oracle_same -- dst/src
	oracle --update -r src dst
	oracle_same --no-times
}

# Does this cp know --update=WHEN (coreutils 9.3 and later)?
cp_has_update_when() {
	: >"$BATS_TEST_TMPDIR/u1"
	cp --update=none "$BATS_TEST_TMPDIR/u1" "$BATS_TEST_TMPDIR/u2" 2>/dev/null
}

@test "--update=older, --update=all, --update=none" {
	update_case
	if cp_has_update_when; then
		oracle -r --update=older src dst
		oracle_same --no-times
		oracle -r --update=all src dst
		oracle_same --no-times
		oracle -r --update=none src dst
		oracle_same --no-times
	else
		# cp 9.1 lacks them; their documented equivalents there.
		oracle_split -ru src dst ::: -r --update=older src dst
		oracle_same --no-times
		oracle_split -r src dst ::: -r --update=all src dst
		oracle_same --no-times
		oracle_split -rn src dst ::: -r --update=none src dst
		oracle_same --no-times
	fi
	assert_equal "$(cat "$KCPW/dst/src/a")" old
	assert_equal "$(cat "$KCPW/dst/src/sub/c")" old
}

@test "-n, --no-clobber: existing DEST files kept, exit 0" {
	update_case
	oracle -rn src dst
	oracle_same --no-times
	oracle_matters --no-times -- -r src dst
	assert_equal "$KCP_STATUS" 0
	cmp src/b "$KCPW/dst/src/b"
}

@test "-i: asked about each existing file; no keeps it, yes replaces it" {
	mkt_small src
	mkdir -p dst/src
	echo old >dst/src/a
	printf 'n\n' >answer
	ORACLE_STDIN=$W/answer oracle -ri src dst
	oracle_same --no-times
	assert_equal "$(cat "$KCPW/dst/src/a")" old
	printf 'y\n' >answer
	ORACLE_STDIN=$W/answer oracle -ri src dst
	oracle_same --no-times
	cmp src/a "$KCPW/dst/src/a"
}

@test "-f: an unwritable DEST file is removed and replaced (nobody)" {
	require_nobody
	oracle_setup public
	chmod 0777 "$W"
	mkt_small src
	mkdir -p dst/src
	echo old >dst/src/a
	chmod 0444 dst/src/a
	chown -R 65534:65534 dst
	ORACLE_AS=("${NOBODY[@]}")
	oracle -rf src dst
	oracle_same --no-times
	oracle_matters --no-times -- -r src dst
	cmp src/a "$KCPW/dst/src/a"
}

# -------------------------------------------------------------- parents

@test "--parents: SOURCE's directories are made under DIRECTORY" {
	mkdir -p a/b/c dst
	mkd 100 a/b/c/f
	mkd 200 a/b/g
	oracle -r --parents a/b dst
	oracle_same --no-times
	oracle_matters --no-times -- -r a/b dst
	cmp a/b/c/f "$KCPW/dst/a/b/c/f"
	oracle --parents a/b/c/f a/b/g dst
	oracle_same --no-times
	chmod 0750 a/b
	mkt_times a
	oracle -a --parents a/b/c dst
	oracle_same --atime -- dst/a
}

@test "--parents: DEST must be a directory" {
	mkdir -p a/b
	mkd 100 a/b/f
	oracle --parents a/b/f nodir
	oracle_same
	assert_equal "$KCP_STATUS" 1
}

# -------------------------------------------------------------- backups

# DEST holds some of SOURCE's files, one with a numbered backup already.
# GNU cp 9.1 makes simple backups relative to the current directory, not
# to DEST's (https://bugs.gnu.org/55029, fixed after 9.1), so the cases
# copy into "." (from/src .), where both places are one.
backup_case() {
	mkt_small from/src
	mkdir -p src/sub
	echo old-a >src/a
	echo older-a >src/a.~1~
	echo old-b >src/b
	echo old-c >src/sub/c
}

@test "-b: existing DEST files are backed up (numbered where numbered ones exist)" {
	backup_case
	oracle -rb from/src .
	oracle_same --no-times
	oracle_matters --no-times -- -r from/src .
	assert_equal "$(cat "$KCPW/src/b~")" old-b
	assert_equal "$(cat "$KCPW/src/a.~2~")" old-a
	cmp from/src/b "$KCPW/src/b"
}

@test "--backup=CONTROL: every method and its aliases" {
	backup_case
	local c
	for c in numbered t existing nil simple never none off; do
		oracle -r --backup="$c" from/src .
		oracle_same --no-times
	done
	oracle -r --backup from/src .
	oracle_same --no-times
	oracle -r --backup=numbered from/src .
	oracle_matters --no-times -- -r --backup=existing from/src .
	oracle -r --backup=simple from/src .
	oracle_matters --no-times -- -r --backup=existing from/src .
	assert_equal "$(cat "$KCPW/src/a~")" old-a
}

@test "--backup=simple into a directory other than the current one" {
	backup_case
	mkdir dst
	mv src dst/src
	# cp runs in dst (see backup_case), kcp where the test is.
	ORACLE_CP_CD=dst oracle_split -r --backup=simple ../from/src . ::: \
	    -r --backup=simple from/src dst
	oracle_same --no-times
	assert_equal "$(cat "$KCPW/dst/src/b~")" old-b
	assert_not_exists "$KCPW/src"
	assert_not_exists "$KCPW/from/src/b~"
}

@test "-S, --suffix and SIMPLE_BACKUP_SUFFIX" {
	backup_case
	oracle -rb -S .bak from/src .
	oracle_same --no-times
	oracle_matters --no-times -- -rb from/src .
	[ -f "$KCPW/src/b.bak" ]
	oracle -r --backup=simple --suffix=.old from/src .
	oracle_same --no-times
	[ -f "$KCPW/src/a.old" ]
	SIMPLE_BACKUP_SUFFIX=.env oracle -rb from/src .
	SIMPLE_BACKUP_SUFFIX=.env oracle_same --no-times
	[ -f "$KCPW/src/sub/c.env" ]
	# -S without -b or --backup makes backups too, as in cp.
	oracle -r -S .s from/src .
	oracle_same --no-times
	oracle_matters --no-times -- -r from/src .
}

@test "VERSION_CONTROL chooses the method of -b; --backup=CONTROL wins" {
	backup_case
	local c
	for c in numbered existing simple none; do
		VERSION_CONTROL=$c oracle -rb from/src .
		oracle_same --no-times
	done
	VERSION_CONTROL=numbered oracle -rb from/src .
	oracle_matters --no-times -- -rb from/src .
	VERSION_CONTROL=numbered oracle -r --backup=simple from/src .
	oracle_same --no-times
	[ -f "$KCPW/src/b~" ]
}

@test "--backup and VERSION_CONTROL with an unknown word: errors" {
	backup_case
	run -1 --separate-stderr kcp -r --backup=bogus from/src .
	assert_regex "${stderr_lines[0]}" "^kcp: .*'bogus'"
	assert_equal "${stderr_lines[${#stderr_lines[@]} - 1]}" "$USAGE_HINT"
	assert_equal "$(cat src/a)" old-a
	VERSION_CONTROL=bogus run -1 --separate-stderr kcp -rb from/src .
	assert_regex "${stderr_lines[0]}" "^kcp: .*'bogus'.*VERSION_CONTROL"
	assert_equal "$(cat src/a)" old-a
	# Without a backup asked for, VERSION_CONTROL is not read.
	VERSION_CONTROL=bogus oracle -r from/src .
	oracle_same --no-times
}

# ------------------------------------------------ replacing, linking

@test "--remove-destination: DEST files are replaced, not written through" {
	mkt_small src
	mkdir -p dst/src
	echo keep >keep
	echo keep2 >keep2
	ln keep dst/src/a
	ln -s ../../keep2 dst/src/b
	oracle -r --remove-destination src dst
	oracle_same --no-times
	oracle_matters --no-times -- -r src dst
	assert_equal "$(cat "$KCPW/keep")" keep
	assert_equal "$(cat "$KCPW/keep2")" keep2
	[ ! -L "$KCPW/dst/src/b" ]
}

@test "--strip-trailing-slashes: a SOURCE symlink named with a slash" {
	# In cp 9.1 the option acts where SOURCE goes into a directory.
	mkt_small src
	ln -s src lsrc
	mkdir d
	oracle -r --strip-trailing-slashes lsrc/ d
	oracle_same --no-times
	oracle_matters --no-times -- -r lsrc/ d
	[ -L "$KCPW/d/lsrc" ]
	oracle -r --strip-trailing-slashes lsrc/ newname
	oracle_same --no-times
}

@test "--attributes-only: attributes copied, data not" {
	mkt_small src
	mkt_times src
	chmod 0640 src/a
	mkdir -p dst/src
	echo "old content" >dst/src/a
	oracle -a --attributes-only src dst
	oracle_same -- dst/src
	oracle_matters -- -a src dst
	assert_equal "$(cat "$KCPW/dst/src/a")" "old content"
	[ "$(stat -c %a "$KCPW/dst/src/a")" = 640 ]
	[ -f "$KCPW/dst/src/b" ] && [ ! -s "$KCPW/dst/src/b" ]
}

@test "-s, --symbolic-link: a tree of symlinks to absolute SOURCE names" {
	mkt_small src
	oracle -rs "$W/src" dst
	oracle_same --no-times
	oracle_matters --no-times -- -r "$W/src" dst
	[ -d "$KCPW/dst/sub" ] && [ -L "$KCPW/dst/sub/c" ]
	assert_equal "$(readlink "$KCPW/dst/sub/c")" "$W/src/sub/c"
	oracle -r --symbolic-link "$W/src" dst2
	oracle_same --no-times
}

@test "-s: relative SOURCE names outside the current directory are errors" {
	mkt_small src
	ORACLE_UNORDERED=1 oracle -rs src dst
	ORACLE_UNORDERED=1 oracle_same --no-times
	assert_equal "$KCP_STATUS" 1
}

@test "--link: DEST files are hard links to SOURCE files" {
	mkt_small src
	oracle -r --link src dst
	oracle_same --no-times
	oracle_matters --no-times -- -r src dst
	[ "$(stat -c %i "$KCPW/dst/sub/c")" = "$(stat -c %i "$KCPW/src/sub/c")" ]
	[ -d "$KCPW/dst/sub" ] && [ -d "$KCPW/dst/empty" ]
	# cp 9.1 -r --link links a symlink's target, not the symlink (it
	# dereferences unless -P/-d is given); with -d the symlink is linked.
	[ "$(stat -c %i "$KCPW/dst/link")" = "$(stat -c %i "$KCPW/src/a")" ]
	oracle -r --link -d src dst2
	oracle_same --no-times
	oracle_matters --no-times -- -r --link src dst2
	[ -L "$KCPW/dst2/link" ]
}

# ----------------------------------------- kcp's own options on trees

@test "--skip, --seek, --length, --append, --no-truncate with a directory SOURCE: usage errors" {
	mkt_small src
	mkd 1000 f
	local -a opt
	local o
	for o in --skip=1 --offset=1 --input-offset=1 --seek=1 \
	    --output-offset=1 --length=1 --count=1 -l1 --append --no-truncate; do
		opt=("$o")
		run -1 --separate-stderr kcp -r "${opt[@]}" src dst
		assert_equal "${stderr_lines[${#stderr_lines[@]} - 1]}" "$USAGE_HINT"
		refute_regex "$stderr" "invalid option|unrecognized option|omitting directory"
		assert_not_exists dst
		run -1 --separate-stderr kcp -a "${opt[@]}" src f dst2
		assert_equal "${stderr_lines[${#stderr_lines[@]} - 1]}" "$USAGE_HINT"
		assert_not_exists dst2
	done
	# With -r, a regular SOURCE still takes them.
	run -0 --separate-stderr kcp -r --skip=10 --length=100 f out
	assert_equal "$stderr" ""
	expect_copy want - f 0 10 100
	cmp want out
}

@test "--sparse=never and --sparse=always apply to every file of the tree" {
	mkt_can holes . || skip "no holes on this filesystem"
	mkt_small src
	mkt_sparse src/sparse
	mkt_sparse src/sub/sparse
	head -c 2M /dev/zero >src/zeros
	oracle -r --sparse=always src dst
	oracle_same --no-times
	tree_same --no-times --sparse "$CPW/dst" "$KCPW/dst"
	[ "$(blocks "$KCPW/dst/zeros")" -lt 64 ]
	oracle -r --sparse=never src dst
	oracle_same --no-times
	[ "$(blocks "$KCPW/dst/sub/sparse")" -ge 8192 ]
	# The default keeps holes.
	oracle -a src dst
	oracle_same
	tree_same --sparse src "$KCPW/dst"
}

@test "--method, --reflink, --verify, --atomic, --fsync apply to every file of the tree" {
	mkt_small src
	mkt_regular src/reg
	mkt_times src
	local o
	for o in --method=readwrite --method=sendfile --reflink=never \
	    --verify --atomic --fsync; do
		rm -rf dst
		run -0 --separate-stderr kcp -a "$o" src dst
		assert_equal "$stderr" ""
		tree_same src dst
	done
	# -v shows the method forced on each file.
	rm -rf dst
	run -0 --separate-stderr kcp -av --method=readwrite src dst
	[ "$(printf '%s\n' "$stderr" | grep -c " bytes in .* via readwrite")" = 8 ]
	refute_regex "$stderr" "via (copy_file_range|sendfile|splice|reflink)"
}

@test "-a into a directory with a default ACL: files without an ACL get none, files with one keep theirs" {
	command -v setfacl >/dev/null || skip "setfacl (acl) is not installed"
	mkdir -p src/sub dst
	mkd 100 src/plain
	mkd 200 src/sub/plain
	mkd 300 src/acl
	chmod 0751 src/plain
	chmod 0604 src/sub/plain
	setfacl -m u:nobody:rw src/acl 2>/dev/null ||
	    skip "no ACLs on this filesystem"
	# other::--- shapes the mode new files are made with: kcp must fix it.
	setfacl -d -m u:nobody:rwx,o::- dst
	oracle -a src dst
	oracle_same -- dst/src
	# Without -a, the inherited ACL stays, as with cp.
	oracle -r src dst2
	oracle_same --no-times -- dst2
}
