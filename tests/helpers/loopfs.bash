# Small loop-mounted filesystems for kcp's bats tests (btrfs, XFS, ext4).
#
# Load after test_helper:
#	load helpers/test_helper
#	load helpers/loopfs
#
# In setup_file, mount what the file needs; in teardown_file, take it all
# down again; in a test, ask for a mount by name:
#
#	setup_file()    { loopfs_mount btrfs btrfs 128M; loopfs_mount xfs xfs 300M -m reflink=1; }
#	teardown_file() { loopfs_umount_all; }
#	@test "..."     { loopfs_require btrfs; cd "$LOOPFS_DIR"; ...; }
#
# loopfs_mount never fails: when the filesystem cannot be had (not root, no
# /dev/loop-control, no mkfs tool, mkfs or mount failing) it records the
# reason and loopfs_require skips the tests that need it with that reason.
# Set KCP_TEST_REQUIRE_LOOPFS=1 (CI does, where root and the tools are
# present) to make those tests fail instead of skipping.
#
# Images are sparse files made with truncate(1), mounted with -o loop (the
# loop device is set to autoclear, so unmounting detaches it), both under
# $BATS_FILE_TMPDIR/loopfs.  Minimum image sizes of current mkfs tools:
# btrfs about 110 MiB, XFS 300 MiB.

# mkfs, losetup and filefrag live in sbin, which a non-login PATH may lack.
case ":$PATH:" in
*:/usr/sbin:*) ;;
*) PATH=$PATH:/usr/sbin:/sbin ;;
esac

# Where the images and mount points live; mount bookkeeping is a file here
# because setup_file, the tests and teardown_file are separate processes.
_loopfs_root() {
	printf '%s\n' "$BATS_FILE_TMPDIR/loopfs"
}

# loopfs_mount NAME FSTYPE SIZE [MKFS_OPTION]...
# Make a SIZE image of FSTYPE (btrfs, xfs or ext4) and mount it at
# $BATS_FILE_TMPDIR/loopfs/NAME.  Always returns 0.
loopfs_mount() {
	local name=$1 fstype=$2 size=$3
	shift 3
	local root img mnt mkfs reason=
	root=$(_loopfs_root)
	img=$root/$name.img
	mnt=$root/$name
	mkdir -p "$root"
	rm -f "$root/$name.skip" "$root/$name.mnt"

	case $fstype in
	btrfs) mkfs=mkfs.btrfs; set -- -q -f "$@" ;;
	xfs) mkfs=mkfs.xfs; set -- -q -f "$@" ;;
	ext4) mkfs=mkfs.ext4; set -- -q -F "$@" ;;
	*) reason="loopfs: unknown filesystem type '$fstype'" ;;
	esac

	if [ -n "$reason" ]; then
		:
	elif [ "$(id -u)" != 0 ]; then
		reason="$fstype loop image needs root"
	elif [ ! -e /dev/loop-control ]; then
		reason="$fstype loop image needs /dev/loop-control"
	elif ! command -v "$mkfs" >/dev/null; then
		reason="$mkfs not installed"
	elif ! truncate -s "$size" "$img" 2>"$root/$name.log"; then
		reason="cannot create $size image: $(tail -n 1 "$root/$name.log")"
	elif ! "$mkfs" "$@" "$img" \
	    >"$root/$name.log" 2>&1; then
		reason="$mkfs $* failed: $(tail -n 1 "$root/$name.log")"
	elif ! mkdir -p "$mnt"; then
		reason="cannot create mount point $mnt"
	elif ! mount -o loop -t "$fstype" "$img" "$mnt" \
	    >"$root/$name.log" 2>&1; then
		reason="mount -o loop of $fstype image failed: $(tail -n 1 "$root/$name.log")"
	fi

	if [ -n "$reason" ]; then
		# mount(8) detaches the loop device itself when it fails;
		# make sure of it, and leave nothing else behind.
		_loopfs_detach "$img"
		rm -f "$img"
		printf '%s\n' "$reason" >"$root/$name.skip"
		return 0
	fi
	printf '%s\n' "$mnt" >"$root/$name.mnt"
	# New files must be writable by the tests whatever the umask.
	chmod 0777 "$mnt"
	return 0
}

# loopfs_require NAME
# In a test: skip (or fail under KCP_TEST_REQUIRE_LOOPFS=1) unless NAME is
# mounted; otherwise set LOOPFS_DIR to a fresh directory inside it, private
# to this test (loopfs_cleanup_test removes it).
loopfs_require() {
	local name=$1 root reason
	root=$(_loopfs_root)
	if [ ! -f "$root/$name.mnt" ]; then
		if [ -f "$root/$name.skip" ]; then
			reason=$(cat "$root/$name.skip")
		else
			reason="$name loop filesystem was not set up"
		fi
		if [ "${KCP_TEST_REQUIRE_LOOPFS:-0}" = 1 ]; then
			echo "KCP_TEST_REQUIRE_LOOPFS=1 but: $reason" >&2
			return 1
		fi
		skip "$reason"
	fi
	local mnt
	mnt=$(cat "$root/$name.mnt")
	if ! mountpoint -q "$mnt"; then
		echo "$mnt is no longer mounted" >&2
		return 1
	fi
	LOOPFS_DIR=$mnt/test-$BATS_SUITE_TEST_NUMBER
	rm -rf "$LOOPFS_DIR"
	mkdir "$LOOPFS_DIR"
}

# loopfs_cleanup_test
# In teardown: remove this test's directory in whichever filesystem it used,
# so that the small images do not fill up over a file's tests.
loopfs_cleanup_test() {
	if [ -n "${LOOPFS_DIR:-}" ]; then
		cd / || :
		rm -rf "$LOOPFS_DIR"
		LOOPFS_DIR=
	fi
	return 0
}

# Detach every loop device still backed by IMG.
_loopfs_detach() {
	local img=$1 dev
	[ -e "$img" ] || return 0
	for dev in $(losetup -n -O NAME -j "$img" 2>/dev/null); do
		losetup -d "$dev" 2>/dev/null || :
	done
}

# loopfs_umount_all
# In teardown_file: unmount every loop filesystem of this file and detach
# its loop device, even when setup_file or tests failed.  Mounts are found
# in the kernel's table, not from the image files, which may already be
# gone (bats removes its temp dirs when it is killed).  A busy mount is
# detached lazily so that nothing stays mounted.  Fails only if something
# is still mounted afterwards, so that CI notices.
loopfs_umount_all() {
	local root mnt img rc=0
	root=$(_loopfs_root)
	cd / || :
	for mnt in $(_loopfs_mounts_under "$root"); do
		umount "$mnt" 2>/dev/null ||
		    { sync; umount "$mnt" 2>/dev/null; } ||
		    umount -l "$mnt" 2>/dev/null
		if _loopfs_mounts_under "$root" | grep -qxF "$mnt"; then
			echo "loopfs: cannot unmount $mnt" >&2
			rc=1
		fi
	done
	# mount -o loop sets autoclear, so unmounting detached the devices;
	# detach any that a failed mount or a lazy unmount left.
	for img in "$root"/*.img; do
		[ -e "$img" ] || continue
		_loopfs_detach "$img"
		rm -f "$img"
	done
	rm -f "$root"/*.mnt
	return $rc
}

# Mount points at or under DIR, deepest first, from /proc/self/mounts
# (whose octal escapes do not occur in bats' temp paths).
_loopfs_mounts_under() {
	local dir=$1
	[ -n "$dir" ] || return 0
	awk -v d="$dir/" 'index($2 "/", d) == 1 { print $2 }' /proc/self/mounts |
	    sort -r
}

# loopfs_shared FILE
# Succeeds if some extent of FILE is shared with another file, per FIEMAP
# (filefrag -v, flag "shared").  -s syncs first so delayed allocations are
# real extents.
loopfs_shared() {
	filefrag -s -v "$1" | grep -Eq '(^|[ ,])shared([ ,]|$)'
}

# loopfs_require_filefrag: skip without e2fsprogs' filefrag.
loopfs_require_filefrag() {
	command -v filefrag >/dev/null ||
	    skip "filefrag (e2fsprogs) not installed"
}
