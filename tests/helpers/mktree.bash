# Build test trees for kcp's directory-tree tests.  Load it after
# test_helper:
#   load helpers/test_helper
#   load helpers/mktree
#
# Every mkt_* function takes the directory to build in as its first
# argument and creates it (and its parents) when missing.  Functions that
# need root or a filesystem feature build nothing and return 0 when it is
# missing; mkt_can tells a test beforehand, so that it can skip.
#
# Timestamps: adding entries changes a directory's modification time, so
# call mkt_times last, on the whole tree.

# mkt_can FEATURE DIR: succeed when FEATURE (root, xattr, trusted, acl,
# mknod, holes) works in DIR.
mkt_can() {
	local what=$1 dir=$2 probe
	mkdir -p "$dir"
	probe=$(mktemp "$dir/.probe.XXXXXX") || return 1
	case $what in
	root)	[ "$(id -u)" = 0 ] ;;
	xattr)	setfattr -n user.kcp.probe -v 1 "$probe" 2>/dev/null ;;
	trusted)
		[ "$(id -u)" = 0 ] &&
		    setfattr -n trusted.kcp.probe -v 1 "$probe" 2>/dev/null ;;
	acl)	setfacl -m u:65534:r "$probe" 2>/dev/null ;;
	mknod)	[ "$(id -u)" = 0 ] && rm -f "$probe" &&
		    mknod "$probe" c 1 3 2>/dev/null ;;
	holes)	truncate -s 1M "$probe" &&
		    [ "$(stat -c %b "$probe")" -lt 1024 ] ;;
	*)	echo "mkt_can: unknown feature $what" >&2; rm -f "$probe"
		return 2 ;;
	esac
	local rc=$?
	rm -f "$probe"
	return $rc
}

# N bytes of test data into FILE (the test file's byte pool when there is
# one, else fresh data).
_mkt_data() {
	if [ -n "${POOL:-}" ]; then
		mkd "$1" "$2"
	else
		mkdata "$1" "$2"
	fi
}

# mkt_regular DIR: regular files of a few sizes, an empty one among them.
mkt_regular() {
	mkdir -p "$1"
	_mkt_data 1 "$1/one"
	_mkt_data 4095 "$1/page-1"
	_mkt_data 65537 "$1/odd"
	_mkt_data 1048576 "$1/mib"
	: >"$1/empty"
}

# mkt_sparse FILE: 4 MiB apparent, one 64 KiB data region at 1 MiB, holes
# before and after it (the file ends in a hole).
mkt_sparse() {
	mkdir -p "$(dirname "$1")"
	local data
	data=$(mktemp)
	_mkt_data 65536 "$data"
	truncate -s 4M "$1"
	dd if="$data" of="$1" bs=64K seek=16 conv=notrunc status=none
	rm -f "$data"
}

# mkt_hardlinks DIR: a group of three names for one file across
# directories, a pair of names for an empty file, and a lone file.
mkt_hardlinks() {
	mkdir -p "$1/links/sub"
	_mkt_data 5000 "$1/links/a"
	ln "$1/links/a" "$1/links/sub/b"
	ln "$1/links/a" "$1/links/c"
	: >"$1/links/e1"
	ln "$1/links/e1" "$1/links/sub/e2"
	_mkt_data 5001 "$1/links/alone"
}

# mkt_symlinks DIR: relative (to a file, to a directory, through ..),
# absolute, dangling, a self loop, a two-link loop and a link to a link.
mkt_symlinks() {
	mkdir -p "$1/sym/dir"
	_mkt_data 300 "$1/sym/target"
	_mkt_data 301 "$1/sym/dir/inner"
	ln -s target "$1/sym/rel"
	ln -s dir "$1/sym/reldir"
	ln -s ../target "$1/sym/dir/up"
	ln -s "$(cd "$1/sym" && pwd)/target" "$1/sym/abs"
	ln -s does-not-exist "$1/sym/dangling"
	ln -s self "$1/sym/self"
	ln -s loop2 "$1/sym/loop1"
	ln -s loop1 "$1/sym/loop2"
	ln -s rel "$1/sym/chain"
}

# mkt_fifo PATH, mkt_socket PATH: a named pipe, a bound unix socket (the
# socket file stays after the binding process exits).
mkt_fifo() {
	mkdir -p "$(dirname "$1")"
	mkfifo "$1"
}

mkt_socket() {
	mkdir -p "$(dirname "$1")"
	# Bind by a short relative name: sun_path holds 108 bytes.
	(cd "$(dirname "$1")" && python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.close()' "$(basename "$1")")
}

# mkt_devices DIR: a character and a block device node (root only).
mkt_devices() {
	mkt_can mknod "$1" || return 0
	mknod "$1/null" c 1 3
	mknod "$1/chr" c 10 200
	mknod "$1/blk" b 7 250
}

# mkt_specials DIR: a FIFO, a socket and (as root) device nodes.
mkt_specials() {
	mkdir -p "$1/special"
	mkt_fifo "$1/special/fifo"
	mkt_socket "$1/special/sock"
	mkt_devices "$1/special"
}

# mkt_nested DIR DEPTH: a chain of DEPTH directories, each holding a small
# file named after its level, and an empty directory at the bottom.
mkt_nested() {
	local d=$1/nest i
	for ((i = 1; i <= $2; i++)); do
		d=$d/l$i
		mkdir -p "$d"
		printf 'level %d\n' "$i" >"$d/f$i"
	done
	mkdir "$d/empty"
}

# mkt_readonly DIR: a mode 555 directory with files and a subdirectory in
# it (a copier must fill it before giving it its mode).
mkt_readonly() {
	mkdir -p "$1/ro/sub"
	_mkt_data 1234 "$1/ro/file"
	_mkt_data 1235 "$1/ro/sub/file"
	chmod 555 "$1/ro/sub" "$1/ro"
}

# mkt_modes DIR: set-user-ID, set-group-ID and sticky bits, and unusual
# permission bits, on files and directories.
mkt_modes() {
	mkdir -p "$1/modes/sgid-dir" "$1/modes/sticky-dir"
	_mkt_data 100 "$1/modes/setuid"
	_mkt_data 101 "$1/modes/setgid"
	_mkt_data 102 "$1/modes/both"
	_mkt_data 103 "$1/modes/none"
	_mkt_data 104 "$1/modes/owner-ro"
	_mkt_data 105 "$1/modes/all"
	chmod 4755 "$1/modes/setuid"
	chmod 2755 "$1/modes/setgid"
	chmod 6755 "$1/modes/both"
	chmod 0000 "$1/modes/none"
	chmod 0400 "$1/modes/owner-ro"
	chmod 0777 "$1/modes/all"
	chmod 2775 "$1/modes/sgid-dir"
	chmod 1777 "$1/modes/sticky-dir"
}

# mkt_odd_names DIR: names with spaces, a newline, a tab, a leading '-',
# quotes, a backslash, glob characters, UTF-8 and bytes that are not UTF-8.
mkt_odd_names() {
	local d=$1/names n
	mkdir -p "$d"
	for n in 'with space' $'new\nline' $'tab\there' '-leading-dash' \
	    "quote'single" 'quote"double' 'back\slash' '*star?' \
	    $'\xc3\xa9t\xc3\xa9' $'\xff\xfe-not-utf8' ' ' '...'; do
		printf '%s\n' "$n" >"$d/$n"
	done
	mkdir "$d/-dir with space" "$d/"$'\xff'
	printf 'x\n' >"$d/-dir with space/"$'\n'
	printf 'y\n' >"$d/"$'\xff/'$'\xfe'
	ln -s $'new\nline' "$d/link"$'\n'
}

# mkt_deep DIR DEPTH: DEPTH nested directories of short names, a file at
# the bottom.
mkt_deep() {
	local d=$1/deep i
	for ((i = 0; i < $2; i++)); do
		d=$d/d
	done
	mkdir -p "$d"
	printf 'bottom\n' >"$d/bottom"
}

# mkt_wide DIR N: a directory "wide" holding N small files (each its own
# content) and a few subdirectories.
mkt_wide() {
	mkdir -p "$1/wide"
	python3 - "$1/wide" "$2" <<'PY'
import os, sys
top, n = os.fsencode(sys.argv[1]), int(sys.argv[2])
fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
for i in range(n):
    f = os.open(b"e%06d" % i, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644,
                dir_fd=fd)
    os.write(f, b"%d\n" % i * (i % 7))
    os.close(f)
for i in range(3):
    os.mkdir(b"sub%d" % i, dir_fd=fd)
os.close(fd)
PY
}

# mkt_xattrs DIR: user.* attributes (text, binary, empty value) on a file
# and a directory; trusted.* ones as well when root.  Returns 0 and does
# nothing where the filesystem has no user attributes.
mkt_xattrs() {
	mkt_can xattr "$1" || return 0
	mkdir -p "$1/xattr/dir"
	_mkt_data 200 "$1/xattr/file"
	setfattr -n user.kcp.text -v "some text" "$1/xattr/file"
	setfattr -n user.kcp.binary -v 0x00ff7f80 "$1/xattr/file"
	setfattr -n user.kcp.empty "$1/xattr/file"
	setfattr -n user.kcp.dir -v "on a directory" "$1/xattr/dir"
	# A large value (3000 bytes; it does not fit in the inode on ext4).
	setfattr -n user.kcp.large -v "0s$(head -c 3000 /dev/zero | base64 -w0)" \
	    "$1/xattr/dir"
	if mkt_can trusted "$1"; then
		setfattr -n trusted.kcp.t -v "trusted value" "$1/xattr/file"
		setfattr -n trusted.kcp.d -v "trusted dir" "$1/xattr/dir"
	fi
}

# mkt_acls DIR: a default ACL (and an access ACL) on a directory, an
# access ACL on a file.  Nothing where ACLs do not work.
mkt_acls() {
	mkt_can acl "$1" || return 0
	mkdir -p "$1/acl/dir"
	_mkt_data 210 "$1/acl/file"
	setfacl -m u:65534:rw,g:65534:r,m::rw "$1/acl/file"
	setfacl -m u:65534:rwx "$1/acl/dir"
	setfacl -d -m u:65534:rx,g::r "$1/acl/dir"
	# A file made inside inherits the default ACL.
	_mkt_data 211 "$1/acl/dir/inherited"
}

# mkt_owners DIR: entries owned by other users and groups (root only):
# a file, a directory, a symlink (its own owner) and a FIFO.
mkt_owners() {
	mkt_can root "$1" || return 0
	mkdir -p "$1/owners/dir"
	_mkt_data 220 "$1/owners/file"
	ln -s file "$1/owners/link"
	mkfifo "$1/owners/fifo"
	chown 65534:65534 "$1/owners/file"
	chown 1234:5678 "$1/owners/dir"
	chown -h 4321:8765 "$1/owners/link"
	chown 0:65534 "$1/owners/fifo"
}

# mkt_times DIR [BASE]: give every entry of DIR (DIR itself, symlinks
# and entries deeper than PATH_MAX included) its own modification time,
# BASE (default 2001-02-03 04:05:06.123456789 UTC) plus 1001 ns per entry,
# and its own access time, a little in the future so that reading a file
# does not move it under relatime.
mkt_times() {
	local base=${2:-2001-02-03 04:05:06.123456789}
	local mns ans
	mns=$(date -u -d "$base" +%s%N)
	ans=$(($(date +%s%N) + 86400000000000 * 365))
	python3 - "$1" "$mns" "$ans" <<'PY'
import os, sys
top = os.fsencode(sys.argv[1])
m, a = int(sys.argv[2]), int(sys.argv[3])
n = 0
# Bottom up, so that setting a directory's time comes after its entries.
for root, dirs, files, fd in os.fwalk(top, topdown=False):
    for name in sorted(dirs + files):
        n += 1
        os.utime(name, ns=(a + n * 7, m + n * 1001), dir_fd=fd,
                 follow_symlinks=False)
os.utime(top, ns=(a, m), follow_symlinks=False)
PY
}

# mkt_pathmax DIR: a chain of directories whose full path is longer than
# PATH_MAX (4096): 24 levels of 200-byte names, with a file at some levels
# and at the bottom, and a symlink at the bottom.  Built through directory
# descriptors, as no single path can name the bottom.
mkt_pathmax() {
	mkdir -p "$1"
	python3 - "$1" <<'PY'
import os, random, sys
fd = os.open(os.fsencode(sys.argv[1]), os.O_RDONLY | os.O_DIRECTORY)
for i in range(24):
    name = (b"%02d" % i) * 100
    os.mkdir(name, dir_fd=fd)
    sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
    os.close(fd)
    fd = sub
    if i % 6 == 5:
        f = os.open(b"file%d" % i, os.O_WRONLY | os.O_CREAT, 0o640,
                    dir_fd=fd)
        os.write(f, b"level %d\n" % i * 1000)
        os.close(f)
f = os.open(b"bottom", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd)
os.write(f, random.Random(24).randbytes(100000))
os.close(f)
os.symlink(b"bottom", b"link", dir_fd=fd)
os.close(fd)
PY
}

# mkt_all DIR: every kind of entry above in one tree (not the wide or
# the deeper-than-PATH_MAX ones), times set last.
mkt_all() {
	mkdir -p "$1"
	mkt_regular "$1"
	if mkt_can holes "$1"; then
		mkt_sparse "$1/sparse"
	fi
	mkt_hardlinks "$1"
	mkt_symlinks "$1"
	mkt_specials "$1"
	mkt_nested "$1" 5
	mkt_modes "$1"
	mkt_odd_names "$1"
	mkt_deep "$1" 30
	mkt_xattrs "$1"
	mkt_acls "$1"
	mkt_owners "$1"
	mkt_readonly "$1"
	mkt_times "$1"
}

# mkt_small DIR: a small tree for option tests: two files, a
# subdirectory with a file, a symlink and an empty directory.
mkt_small() {
	mkdir -p "$1/sub" "$1/empty"
	_mkt_data 1000 "$1/a"
	_mkt_data 2000 "$1/b"
	_mkt_data 3000 "$1/sub/c"
	ln -s a "$1/link"
}
