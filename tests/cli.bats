#!/usr/bin/env bats
# Command line: --help/--version, operand forms, option aliases, the SIZE
# grammar (kcp(1), Sizes), --method parsing, -n/-f/-i and usage errors.

load helpers/test_helper
bats_require_minimum_version 1.5.0

export KCP

setup_file() {
	make_pool
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}


# Fail unless the last line of $stderr is the usage hint.
assert_usage_hint() {
	[ "${#stderr_lines[@]}" -ge 1 ] || fail "no stderr at all"
	assert_equal "${stderr_lines[${#stderr_lines[@]} - 1]}" "$USAGE_HINT"
}

teardown() {
	if [ -n "${SHM:-}" ]; then
		rm -rf "$SHM"
	fi
}

# ---------------------------------------------------------------- help

@test "--help: usage on stdout, nothing on stderr, exit 0" {
	run -0 --separate-stderr kcp --help
	assert_equal "$stderr" ""
	assert_regex "${lines[0]}" '^Usage: kcp '
	# The options of kcp(1), Options.
	for opt in --skip --seek --length --append --no-truncate --sparse \
	    --reflink --method --verbose --no-clobber --force --interactive \
	    --buffer-size --help --version; do
		assert_output --partial -- "$opt"
	done
}

@test "-h is --help" {
	run -0 --separate-stderr kcp --help
	local long=$output
	run -0 --separate-stderr kcp -h
	assert_equal "$stderr" ""
	assert_equal "$output" "$long"
}

@test "--version: name and version on stdout, exit 0" {
	run -0 --separate-stderr kcp --version
	assert_equal "$stderr" ""
	assert_regex "${lines[0]}" '^kcp( \(kcp\))? [0-9]+\.[0-9]+'
}

@test "--help into a full stdout is an error" {
	run -1 --separate-stderr bash -c '"$KCP" --help >/dev/full'
	assert_regex "$stderr" 'No space left on device'
}

# ------------------------------------------------------------ operands

@test "no operands: standard input to standard output" {
	mkd 100000 src
	kcp <src >out
	cmp src out
}

@test "one operand: SOURCE to standard output" {
	mkd 100001 src
	kcp src >out
	cmp src out
}

@test "two operands: SOURCE to a new DEST" {
	mkd 100002 src
	run -0 --separate-stderr kcp src dst
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	cmp src dst
}

@test "two operands: SOURCE over an existing DEST" {
	mkd 5000 src
	mkd 9000 dst
	kcp src dst
	cmp src dst
}

@test "'-' as SOURCE and as DEST" {
	mkd 70000 src
	kcp - dst <src
	cmp src dst
	kcp src - >out
	cmp src out
	kcp - - <src >out2
	cmp src out2
}

@test "two operands: DEST an existing directory receives DEST/basename" {
	mkdir d
	mkd 3000 src
	kcp src d
	cmp src d/src
	mkdir sub
	cp src sub/inner
	kcp sub/inner d/
	cmp src d/inner
}

@test "SOURCE... DIRECTORY: three and four operands" {
	mkdir d
	mkd 10 a
	mkd 20 b
	mkd 30 c
	run -0 --separate-stderr kcp a b d
	assert_equal "$stderr" ""
	cmp a d/a
	cmp b d/b
	rm d/a d/b
	kcp a b c d
	cmp a d/a
	cmp b d/b
	cmp c d/c
}

@test "-t DIRECTORY SOURCE... and --target-directory" {
	mkdir d e
	mkd 11 a
	mkd 22 b
	kcp -t d a b
	cmp a d/a
	cmp b d/b
	kcp -t e a
	cmp a e/a
	rm e/a
	kcp --target-directory=e b a
	cmp a e/a
	cmp b e/b
}

@test "-T treats DEST as a file" {
	mkd 123 a
	kcp -T a newfile
	cmp a newfile
	kcp --no-target-directory a newfile2
	cmp a newfile2
	mkdir d
	run -1 --separate-stderr kcp -T a d
	stderr_is "kcp: cannot overwrite directory 'd' with non-directory"
	assert [ -d d ]
	assert_file_not_exists d/a
}

@test "'--' ends options: names with a leading '-'" {
	mkd 77 ./-a
	kcp -- -a -b
	cmp ./-a ./-b
	kcp -- -a >out
	cmp ./-a out
	kcp ./-a ./-c
	cmp ./-a ./-c
}

@test "'-' after '--' is still standard input; ./- is a file named '-'" {
	mkd 66 src
	kcp -- - out <src
	cmp src out
	mkd 55 ./-
	kcp ./- out2 </dev/null
	cmp ./- out2
}

@test "names with spaces and newlines" {
	mkd 999 'a b'
	kcp 'a b' 'c d'
	cmp 'a b' 'c d'
	nl=$'new\nline'
	kcp 'a b' "$nl"
	cmp 'a b' "$nl"
	mkdir "dir $nl"
	kcp "$nl" 'a b' "dir $nl"
	cmp 'a b' "dir $nl/$nl"
	cmp 'a b' "dir $nl/a b"
}

# ------------------------------------------------------------- aliases

@test "--offset and --input-offset are --skip" {
	mkd 10000 src
	tail -c +1235 src >exp
	for opt in --skip --offset --input-offset; do
		rm -f out
		kcp "$opt=1234" src out
		cmp exp out
		rm -f out
		kcp "$opt" 1234 src out
		cmp exp out
	done
}

@test "--output-offset is --seek" {
	mkd 10000 src
	mkd 20000 old
	python3 - <<'PY'
d = open("old", "rb").read()
s = open("src", "rb").read()
open("exp", "wb").write(d[:777] + s + d[777 + len(s):])
PY
	for opt in --seek --output-offset; do
		cp old out
		kcp "$opt=777" src out
		cmp exp out
	done
}

@test "--count and --length are -l" {
	mkd 10000 src
	head -c 4321 src >exp
	for form in "-l 4321" "-l4321" "--length=4321" "--length 4321" \
	    "--count=4321" "--count 4321"; do
		rm -f out
		# shellcheck disable=SC2086
		kcp $form src out
		cmp exp out
	done
}

# ---------------------------------------------------------------- SIZE

@test "SIZE: digits and K/M/G suffixes, checked with -l" {
	# 3 MiB + 7: bigger than every tested length but 1G.
	mkd 3145735 src
	while read -r size want; do
		rm -f out
		kcp -l "$size" src out ||
		    fail "kcp -l '$size' failed"
		assert_equal "$(stat -c %s out)" "$want"
		head -c "$want" src | cmp - out ||
		    fail "kcp -l '$size': wrong bytes"
	done <<'EOF'
0 0
1 1
7 7
010 10
00 0
1K 1024
1k 1024
1KiB 1024
2K 2048
1KB 1000
1kB 1000
3KB 3000
1M 1048576
1m 1048576
1MiB 1048576
2M 2097152
1MB 1000000
1mB 1000000
3MB 3000000
1G 3145735
1g 3145735
1GB 3145735
EOF
}

@test "SIZE: G/T/P/E suffixes, checked with --seek on tmpfs" {
	shm_dir
	printf x >"$SHM/one"
	while read -r size want; do
		rm -f "$SHM/out"
		kcp -l 1 --seek="$size" "$SHM/one" "$SHM/out" ||
		    fail "kcp --seek='$size' failed"
		assert_equal "$(stat -c %s "$SHM/out")" "$((want + 1))"
	done <<'EOF'
1G 1073741824
1GiB 1073741824
1g 1073741824
1GB 1000000000
1T 1099511627776
1TiB 1099511627776
1t 1099511627776
1TB 1000000000000
1P 1125899906842624
1PiB 1125899906842624
1p 1125899906842624
1PB 1000000000000000
1E 1152921504606846976
1EiB 1152921504606846976
1e 1152921504606846976
1EB 1000000000000000000
7E 8070450532247928832
9EB 9000000000000000000
9223372036854775806 9223372036854775806
EOF
}

@test "SIZE: INT64_MAX is accepted" {
	mkd 100 src
	run -0 --separate-stderr kcp --skip=9223372036854775807 src out
	assert_equal "$stderr" ""
	assert_equal "$(stat -c %s out)" 0
}

@test "SIZE: bad forms are 'invalid size ...: Invalid argument'" {
	mkd 100 src
	local bad
	for bad in '+1' '-1' ' 1' '1 ' '0x10' '0X10' '1X' '' '1.5K' '1,5K' \
	    'K' 'KiB' '1KK' '1 K' '1Ki' '1iB' '1Kib' '1B' '1KBB' '1e3' \
	    'one' '1Z' '1Y' '１'; do
		run -1 --separate-stderr kcp --skip="$bad" src out
		assert_equal "${stderr_lines[0]}" \
		    "kcp: invalid size '$bad' for --skip: Invalid argument"
		assert_equal "$output" ""
		assert_file_not_exists out
	done
}

@test "SIZE: past INT64_MAX is 'Numerical result out of range'" {
	mkd 100 src
	local big
	for big in 9223372036854775808 18446744073709551615 \
	    18446744073709551616 99999999999999999999999 \
	    8E 8EiB 8e 16E 10EB 9223372036854775807K 9007199254740992K; do
		run -1 --separate-stderr kcp --skip="$big" src out
		assert_equal "${stderr_lines[0]}" \
		    "kcp: invalid size '$big' for --skip: Numerical result out of range"
		assert_file_not_exists out
	done
}

@test "SIZE: the message names the option, long form" {
	mkd 100 src
	run -1 --separate-stderr kcp --seek=1X src out
	assert_equal "${stderr_lines[0]}" \
	    "kcp: invalid size '1X' for --seek: Invalid argument"
	run -1 --separate-stderr kcp -l 1X src out
	assert_equal "${stderr_lines[0]}" \
	    "kcp: invalid size '1X' for --length: Invalid argument"
	run -1 --separate-stderr kcp --length=-5 src out
	assert_equal "${stderr_lines[0]}" \
	    "kcp: invalid size '-5' for --length: Invalid argument"
	run -1 --separate-stderr kcp -B 1X src out
	assert_equal "${stderr_lines[0]}" \
	    "kcp: invalid size '1X' for --buffer-size: Invalid argument"
	assert_file_not_exists out
}

@test "SIZE: the message names an alias as typed" {
	mkd 100 src
	run -1 --separate-stderr kcp --offset=1X src out
	assert_equal "${stderr_lines[0]}" \
	    "kcp: invalid size '1X' for --offset: Invalid argument"
	run -1 --separate-stderr kcp --input-offset=1X src out
	assert_equal "${stderr_lines[0]}" \
	    "kcp: invalid size '1X' for --input-offset: Invalid argument"
	run -1 --separate-stderr kcp --output-offset=1X src out
	assert_equal "${stderr_lines[0]}" \
	    "kcp: invalid size '1X' for --output-offset: Invalid argument"
	run -1 --separate-stderr kcp --count=1X src out
	assert_equal "${stderr_lines[0]}" \
	    "kcp: invalid size '1X' for --count: Invalid argument"
}

@test "-B/--buffer-size sizes copy correctly" {
	mkd 300007 src
	for b in 1 512 4K 64KiB 1M; do
		rm -f out
		kcp --method=readwrite -B "$b" src out
		cmp src out
		rm -f out
		kcp --buffer-size="$b" - out <src
		cmp src out
	done
}

# -------------------------------------------------------------- method

@test "--method: each single method and lists copy a regular file" {
	mkd 200003 src
	for m in auto copy_file_range sendfile splice readwrite \
	    copy_file_range,sendfile sendfile,readwrite \
	    reflink,copy_file_range,sendfile,splice,readwrite; do
		rm -f out
		kcp --method="$m" src out || fail "--method=$m failed"
		cmp src out || fail "--method=$m: wrong data"
	done
}

@test "--method: an unknown token is a usage error" {
	mkd 100 src
	local list tok
	while IFS=: read -r list tok; do
		run -1 --separate-stderr kcp --method="$list" src out
		assert_equal "${stderr_lines[0]}" \
		    "kcp: unknown method '$tok' in --method"
		assert_usage_hint
		assert_file_not_exists out
	done <<'EOF'
bogus:bogus
readwrite,bogus:bogus
bogus,readwrite:bogus
sendfile,splice,nope:nope
read:read
readwrite :readwrite 
copy-file-range:copy-file-range
EOF
}

@test "--method: an empty list is a usage error" {
	mkd 100 src
	run -1 --separate-stderr kcp --method= src out
	assert_usage_hint
	assert_file_not_exists out
}

@test "--sparse and --reflink accept their words" {
	mkd 50000 src
	for o in --sparse=auto --sparse=always --sparse=never \
	    --reflink=auto --reflink=never; do
		rm -f out
		kcp "$o" src out || fail "$o failed"
		cmp src out
	done
}

@test "bare --reflink means --reflink=always" {
	case "$(stat -f -c %T .)" in
	ext2/ext3|tmpfs) ;;
	*) skip "this file system may clone ($(stat -f -c %T .))" ;;
	esac
	mkd 8192 src
	run -1 --separate-stderr kcp --reflink src out
	assert_equal "${stderr_lines[0]}" \
	    "kcp: failed to clone 'src' to 'out': Operation not supported"
	assert_not_exists out
}

# ------------------------------------------------------------ -n -f -i

@test "-n/--no-clobber keeps an existing DEST, exit 0" {
	mkd 100 src
	mkd 200 dst
	cp dst saved
	run -0 --separate-stderr kcp -n src dst
	assert_equal "$stderr" ""
	cmp saved dst
	run -0 --separate-stderr kcp --no-clobber src dst
	cmp saved dst
	kcp -n src new
	cmp src new
}

@test "-f/--force on a writable DEST just copies" {
	mkd 100 src
	mkd 200 dst
	kcp -f src dst
	cmp src dst
	kcp --force src new
	cmp src new
}

@test "-i: exact prompt on stderr; y overwrites" {
	mkd 100 src
	mkd 200 b
	kcp -i src b <<<y 2>err
	printf "kcp: overwrite 'b'? " >want
	cmp want err
	cmp src b
}

@test "-i: answers starting with y or Y overwrite" {
	mkd 100 src
	for ans in y Y yes Yes YES yup; do
		mkd 200 b
		kcp --interactive src b <<<"$ans" 2>/dev/null
		cmp src b || fail "answer '$ans' did not overwrite"
	done
}

@test "-i: any other answer skips that DEST, exit 0" {
	mkd 100 src
	mkd 200 b
	cp b saved
	for ans in n N no '' x ' y' 'ny' 1; do
		kcp -i src b <<<"$ans" 2>err ||
		    fail "answer '$ans': non-zero exit"
		printf "kcp: overwrite 'b'? " | cmp - err
		cmp saved b || fail "answer '$ans' overwrote"
	done
	# End of file on standard input is a "no".
	kcp -i src b </dev/null 2>/dev/null
	cmp saved b
}

@test "-i: no prompt for a new DEST" {
	mkd 100 src
	run -0 --separate-stderr kcp -i src new </dev/null
	assert_equal "$stderr" ""
	cmp src new
}

@test "-i: DEST in a directory is named DIR/base; one answer per DEST" {
	mkdir d
	mkd 10 a
	mkd 20 b
	mkd 30 d/a
	mkd 40 d/b
	cp d/a saved_a
	printf 'n\ny\n' | kcp -i a b d 2>err
	printf "kcp: overwrite 'd/a'? kcp: overwrite 'd/b'? " | cmp - err
	cmp saved_a d/a
	cmp b d/b
}

@test "-i: a DIRECTORY with a trailing slash still gives 'DIR/base'" {
	mkdir d
	mkd 10 a
	mkd 30 d/a
	kcp -i a d/ <<<n 2>err
	printf "kcp: overwrite 'd/a'? " | cmp - err
}

@test "-i with SOURCE '-' is a usage error" {
	mkd 100 src
	run -1 --separate-stderr kcp -i - out <src
	assert_equal "${stderr_lines[0]}" \
	    "kcp: --interactive cannot be used with standard input as SOURCE"
	assert_usage_hint
	assert_file_not_exists out
	# No operands means '-' too.
	run -1 --separate-stderr kcp -i <src
	assert_equal "${stderr_lines[0]}" \
	    "kcp: --interactive cannot be used with standard input as SOURCE"
	assert_usage_hint
	assert_equal "$output" ""
}

# -------------------------------------------------------- usage errors

@test "usage errors: unknown options, missing arguments (kcp-shaped)" {
	mkd 10 src
	local args msg
	while IFS=: read -r args msg; do
		# shellcheck disable=SC2086
		run -1 --separate-stderr kcp $args
		stderr_is "$msg" "$USAGE_HINT"
		assert_equal "$output" ""
		assert_file_not_exists out
	done <<'EOF'
--bogus src out:kcp: unrecognized option '--bogus'
-Z src out:kcp: invalid option -- 'Z'
--skip:kcp: option '--skip' requires an argument
--method:kcp: option '--method' requires an argument
--sparse:kcp: option '--sparse' requires an argument
-l:kcp: option requires an argument -- 'l'
-t:kcp: option requires an argument -- 't'
--verbose=2 src out:kcp: option '--verbose' doesn't allow an argument
--reflink= src out:kcp: invalid argument '' for --reflink
EOF
}

@test "usage errors: -T with three operands, -t with -T, -t alone" {
	mkdir d
	mkd 10 a
	mkd 20 b
	run -1 --separate-stderr kcp -T a b d
	stderr_is "kcp: extra operand 'd'" "$USAGE_HINT"
	assert_file_not_exists d/a
	assert_file_not_exists d/b
	run -1 --separate-stderr kcp -t d -T a
	stderr_is "kcp: -t and -T cannot be used together" "$USAGE_HINT"
	assert_file_not_exists d/a
	run -1 --separate-stderr kcp -t d
	stderr_is "kcp: missing file operand" "$USAGE_HINT"
}

@test "usage errors: conflicting options" {
	mkd 10 a
	run -1 --separate-stderr kcp --append --seek=1 a b
	stderr_is "kcp: --append and --seek cannot be used together" "$USAGE_HINT"
	run -1 --separate-stderr kcp --reflink=always --sparse=never a b
	stderr_is "kcp: --reflink=always cannot be used with --sparse=never" \
	    "$USAGE_HINT"
	assert_file_not_exists b
}
