# GNU cp as the oracle for kcp's directory-tree tests.  Load it after
# test_helper and mktree:
#   load helpers/test_helper
#   load helpers/mktree
#   load helpers/oracle
#
# oracle_setup makes the work directory $W (and cd's into it); the test
# builds its input there, then `oracle ARG...` clones $W twice with cp -a
# and runs `cp ARG...` inside one clone ($CPW) and `kcp ARG...` inside the
# other ($KCPW), keeping each one's exit status ($CP_STATUS, $KCP_STATUS),
# stdout and stderr.  oracle_same then wants the same status, the same
# stdout, the same stderr (cp's "cp: " read as "kcp: ") and the same trees;
# oracle_matters checks that the case depends on what it tests, by running
# cp with other arguments and wanting a different outcome.
#
# Both programs run from inside their clone, so relative operands name the
# same things and their messages can be compared byte for byte.  Set, for
# one call:
#   ORACLE_AS     an array, a command prefix (e.g. as_nobody's setpriv)
#   ORACLE_STDIN  a file for standard input (default /dev/null)
#   ORACLE_UNORDERED  when set, oracle_same compares stderr lines as sets
#                 (the order of per-entry errors follows each program's
#                 walk, which need not be cp's)
#   ORACLE_CP_CD  a directory of the clone where cp (only) runs, with
#                 oracle_split (to steer cp around a bug of its own)
#   ORACLE_PRE    a command run with the clone's path just before the
#                 program runs in it (to start a FIFO writer, say)
# and the environment (VERSION_CONTROL=...) is passed through.

TREECMP=${TREECMP:-$BATS_TEST_DIRNAME/helpers/treecmp}
ORACLE_TIMEOUT=${ORACLE_TIMEOUT:-300}
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# treecmp ARG...: the comparison tool itself.
treecmp() {
	"$TREECMP" "$@"
}

# tree_same [TREECMP-OPTION]... A B: fail, showing the first differences,
# unless treecmp finds A and B identical.
tree_same() {
	local out st=0
	out=$("$TREECMP" "$@" 2>&1) || st=$?
	[ "$st" -eq 0 ] && return 0
	{
		printf 'treecmp %s: exit %d\n' "$*" "$st"
		printf '%s\n' "$out" | head -n 40
	} >&2
	return 1
}

# tree_differs [TREECMP-OPTION]... A B: fail unless treecmp says they
# differ (exit 1).
tree_differs() {
	local st=0
	"$TREECMP" "$@" >/dev/null 2>&1 || st=$?
	[ "$st" -eq 1 ] && return 0
	printf 'treecmp %s: exit %d, expected 1\n' "$*" "$st" >&2
	return 1
}

# oracle_setup [public]: the work directory $W, the current directory.
# With "public", everything lives in a fresh directory under /tmp that
# other users can enter (for tests run as nobody); oracle_teardown
# removes it.
oracle_setup() {
	if [ "${1:-}" = public ]; then
		ORACLE_PUBLIC=$(mktemp -d /tmp/kcp-trees.XXXXXX)
		chmod 0755 "$ORACLE_PUBLIC"
		ORACLE_BASE=$ORACLE_PUBLIC
	else
		ORACLE_BASE=$BATS_TEST_TMPDIR
	fi
	W=$ORACLE_BASE/w
	CPW=$ORACLE_BASE/cp
	KCPW=$ORACLE_BASE/kcp
	mkdir -p "$W"
	cd "$W"
}

oracle_teardown() {
	if [ -n "${ORACLE_PUBLIC:-}" ]; then
		cd /
		rm -rf "$ORACLE_PUBLIC"
		ORACLE_PUBLIC=
	fi
}

# require_nobody: skip unless this test can run commands as nobody.
require_nobody() {
	[ "$(id -u)" = 0 ] || skip "running as nobody needs root"
	type -P setpriv >/dev/null || skip "setpriv (util-linux) not installed"
	# A build in a private directory (mktemp -d) is out of nobody's reach.
	setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$KCP" -a \
	    -r "$BATS_TEST_DIRNAME/helpers/treecmp" ||
	    skip "user 65534 cannot reach $KCP or the test helpers from here"
}

_oracle_clone() {
	rm -rf "${ORACLE_BASE:?}/$1"
	cp -a "$W" "$ORACLE_BASE/$1" || {
		echo "oracle: cannot clone $W for $1" >&2
		return 1
	}
}

# _oracle_run SIDE PROGRAM ARG...: run in clone SIDE, set SIDE_STATUS.
_oracle_run() {
	local side=$1 prog=$2 st=0 dir=$ORACLE_BASE/$1
	shift 2
	if [ "$side" = cp ] && [ -n "${ORACLE_CP_CD:-}" ]; then
		dir=$dir/$ORACLE_CP_CD
	fi
	if [ -n "${ORACLE_PRE:-}" ]; then
		$ORACLE_PRE "$ORACLE_BASE/$side"
	fi
	(cd "$dir" &&
	    exec timeout -k 5 "$ORACLE_TIMEOUT" ${ORACLE_AS[@]+"${ORACLE_AS[@]}"} \
	    "$prog" "$@") \
	    <"${ORACLE_STDIN:-/dev/null}" >"$ORACLE_BASE/$side.out" \
	    2>"$ORACLE_BASE/$side.err" || st=$?
	printf -v "${side^^}_STATUS" %s "$st"
}

# oracle ARG...: `cp ARG...` in $CPW and `kcp ARG...` in $KCPW.
oracle() {
	_oracle_clone cp
	_oracle_clone kcp
	_oracle_run cp cp "$@"
	_oracle_run kcp "$KCP" "$@"
}

# oracle_split CP_ARG... ::: KCP_ARG...: as oracle, with other arguments
# for kcp (a spelling that this cp lacks, --update=older for cp -u, say).
oracle_split() {
	local cpargs=()
	while [ $# -gt 0 ] && [ "$1" != ::: ]; do
		cpargs+=("$1")
		shift
	done
	[ "${1:-}" = ::: ] || {
		echo "oracle_split: missing :::" >&2
		return 2
	}
	shift
	_oracle_clone cp
	_oracle_clone kcp
	_oracle_run cp cp ${cpargs[@]+"${cpargs[@]}"}
	_oracle_run kcp "$KCP" "$@"
}

# cp's stderr as kcp would say it.
_oracle_cp_err() {
	sed -e 's/^cp: /kcp: /' -e "s/'cp --help'/'kcp --help'/" \
	    "$ORACLE_BASE/cp.err"
}

# oracle_same_output: the same exit status, stdout and stderr.
oracle_same_output() {
	local want have
	if [ -n "${ORACLE_UNORDERED:-}" ]; then
		want=$(_oracle_cp_err | LC_ALL=C sort)
		have=$(LC_ALL=C sort "$ORACLE_BASE/kcp.err")
	else
		want=$(_oracle_cp_err)
		have=$(cat "$ORACLE_BASE/kcp.err")
	fi
	if [ "$CP_STATUS" != "$KCP_STATUS" ] || [ "$want" != "$have" ]; then
		printf 'cp: exit %s, stderr (as kcp):\n%s\n' "$CP_STATUS" "$want"
		printf 'kcp: exit %s, stderr:\n%s\n' "$KCP_STATUS" "$have"
		return 1
	fi >&2
	if ! cmp -s "$ORACLE_BASE/cp.out" "$ORACLE_BASE/kcp.out"; then
		diff -u "$ORACLE_BASE/cp.out" "$ORACLE_BASE/kcp.out" >&2
		return 1
	fi
}

# oracle_same [TREECMP-OPTION]... [-- PATH...]: the same output, and the
# same trees.  Without PATHs: the whole clones, their top directories' own
# attributes aside.  With PATHs (relative to the clones): each PATH with
# the options given, and the whole clones without comparing times (a
# directory that receives the copy gets a new mtime, cp's a little before
# kcp's).
oracle_same() {
	local opts=() paths=() loose=() p
	while [ $# -gt 0 ]; do
		if [ "$1" = -- ]; then
			shift
			paths=("$@")
			break
		fi
		opts+=("$1")
		[ "$1" = --atime ] || loose+=("$1")
		shift
	done
	oracle_same_output
	if [ ${#paths[@]} -eq 0 ]; then
		tree_same --no-top ${opts[@]+"${opts[@]}"} "$CPW" "$KCPW"
	else
		tree_same --no-top --no-times ${loose[@]+"${loose[@]}"} \
		    "$CPW" "$KCPW"
		for p in "${paths[@]}"; do
			tree_same ${opts[@]+"${opts[@]}"} "$CPW/$p" "$KCPW/$p"
		done
	fi
}

# oracle_matters [TREECMP-OPTION]... -- ARG...: run `cp ARG...` (the same
# case without the option under test, say) in a third clone, and fail
# unless its status, output or tree differs from what `cp` gave in the
# last oracle call.  This keeps a test from passing whatever kcp does
# about the option it is about.
oracle_matters() {
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	[ "${1:-}" = -- ] || {
		echo "oracle_matters: missing --" >&2
		return 2
	}
	shift
	_oracle_clone alt
	_oracle_run alt cp "$@"
	if [ "$ALT_STATUS" = "$CP_STATUS" ] &&
	    cmp -s "$ORACLE_BASE/alt.err" "$ORACLE_BASE/cp.err" &&
	    cmp -s "$ORACLE_BASE/alt.out" "$ORACLE_BASE/cp.out" &&
	    "$TREECMP" --no-top ${opts[@]+"${opts[@]}"} "$CPW" \
	    "$ORACLE_BASE/alt" >/dev/null 2>&1; then
		echo "oracle_matters: cp $* gives the same result:" \
		    "the case does not test its option" >&2
		return 1
	fi
	rm -rf "${ORACLE_BASE:?}/alt"
}

# The outputs of the last oracle call, for tests that check them
# themselves.
cp_stderr() { _oracle_cp_err; }
kcp_stderr() { cat "$ORACLE_BASE/kcp.err"; }
kcp_stdout() { cat "$ORACLE_BASE/kcp.out"; }
