#!/usr/bin/env bats
# Shell completions (completions/): bash's through scripted calls of its
# function and one real TAB press in tmux; zsh's and fish's syntax, and
# fish's answers through `complete -C`.

bats_load_library bats-support
bats_load_library bats-assert
bats_require_minimum_version 1.5.0

COMPLETIONS=$(cd "$BATS_TEST_DIRNAME/../completions" && pwd)
BASH_COMPLETION=$COMPLETIONS/bash/kcp

setup() {
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	if [ -n "${TMUX_SOCKET:-}" ]; then
		tmux -S "$TMUX_SOCKET" kill-server 2>/dev/null || true
	fi
}

# bash_complete LINE: run the bash completion for LINE, with the cursor at its
# end, in a fresh `bash --norc`; $output is then COMPREPLY, one per line.
# Words are split as readline splits them with the default
# COMP_WORDBREAKS: at blanks, and around each '='.  LINE has no quotes.
bash_complete() {
	run -0 bash --norc --noprofile -c '
		. "$1" || exit 1
		COMP_LINE=$2 COMP_POINT=${#2}
		read -ra COMP_WORDS <<<"${2//=/ = }"
		case $2 in
		*" ") COMP_WORDS+=("") ;;
		esac
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_kcp kcp "${COMP_WORDS[COMP_CWORD]}" \
		    "${COMP_WORDS[COMP_CWORD - 1]}" || exit 1
		printf "%s\n" "${COMPREPLY[@]}"' bash "$BASH_COMPLETION" "$1"
}

# complete_words WORD...: as bash_complete, with COMP_WORDS given (a bash whose
# COMP_WORDBREAKS has no '=' keeps "--sparse=al" one word).
complete_words() {
	run -0 bash --norc --noprofile -c '
		. "$1" || exit 1
		shift
		COMP_WORDS=("$@") COMP_CWORD=$(($# - 1))
		COMP_LINE="$*" COMP_POINT=${#COMP_LINE}
		_kcp kcp "${COMP_WORDS[COMP_CWORD]}" || exit 1
		printf "%s\n" "${COMPREPLY[@]}"' bash "$BASH_COMPLETION" "$@"
}

# Fail unless $output holds exactly these lines, in any order.
replies_are() {
	assert_equal "$(printf '%s\n' "$output" | sort)" \
	    "$(printf '%s\n' "$@" | sort)"
}

# ------------------------------------------------------------- options

@test "bash: every option of kcp --help completes, long and short" {
	[ -x "${KCP:-}" ] || skip "KCP is not set to a built kcp"
	local help opt
	help=$("$KCP" --help)
	bash_complete "kcp -"
	local -a longs shorts
	longs=($(grep -oE -- '--[a-z][a-z-]+' <<<"$help" | sort -u))
	shorts=($(grep -oE -- '(^|[ ,])-[a-zA-Z]\b' <<<"$help" |
	    tr -d ' ,' | sort -u))
	[ "${#longs[@]}" -gt 40 ] || fail "too few options in --help"
	[ "${#shorts[@]}" -gt 15 ] || fail "too few short options in --help"
	for opt in "${longs[@]}" "${shorts[@]}"; do
		[[ $'\n'$output$'\n' == *$'\n'"$opt"$'\n'* ||
		    $'\n'$output$'\n' == *$'\n'"$opt="$'\n'* ]] ||
		    fail "$opt is not among the completions of '-'"
	done
}

@test "bash: long options: a prefix, '=' on those that take a value" {
	bash_complete "kcp --spa"
	assert_output "--sparse="
	bash_complete "kcp --no-t"
	replies_are --no-truncate --no-target-directory
	bash_complete "kcp --ref"
	replies_are --reflink --reflink=
	bash_complete "kcp --vers"
	assert_output "--version"
	bash_complete "kcp -"
	assert_line -- -a
	assert_line -- -R
	assert_line -- --buffer-size=
	bash_complete "kcp --"
	refute_line -- -a
}

@test "bash: after -- no options, only file names" {
	touch -- -x
	bash_complete "kcp -- -"
	assert_output -- "-x"
}

# -------------------------------------------------------- option values

@test "bash: --method: its methods, a comma list" {
	bash_complete "kcp --method="
	assert_output "$(printf '%s\n' reflink copy_file_range sendfile \
	    splice readwrite)"
	bash_complete "kcp --method=s"
	replies_are sendfile splice
	bash_complete "kcp --method=reflink,co"
	assert_output "reflink,copy_file_range"
	bash_complete "kcp --method=reflink,sendfile,"
	replies_are reflink,sendfile,copy_file_range reflink,sendfile,splice \
	    reflink,sendfile,readwrite
	# The value in the next word.
	bash_complete "kcp --method re"
	replies_are reflink readwrite
}

@test "bash: --sparse and --reflink: auto, always, never" {
	bash_complete "kcp --sparse="
	assert_output "$(printf '%s\n' auto always never)"
	bash_complete "kcp --sparse=al"
	assert_output always
	bash_complete "kcp --sparse n"
	assert_output never
	bash_complete "kcp --reflink="
	assert_output "$(printf '%s\n' auto always never)"
	bash_complete "kcp --reflink=n"
	assert_output never
}

@test "bash: --preserve and --no-preserve: attributes, a comma list" {
	local all
	all=$(printf '%s\n' mode ownership timestamps links xattr context all)
	bash_complete "kcp --preserve="
	assert_output "$all"
	bash_complete "kcp --no-preserve="
	assert_output "$all"
	bash_complete "kcp --preserve=mode,o"
	assert_output "mode,ownership"
	bash_complete "kcp --no-preserve=xattr,t"
	assert_output "xattr,timestamps"
	bash_complete "kcp --no-preserve li"
	assert_output links
}

@test "bash: --update and --backup: their words" {
	bash_complete "kcp --update="
	assert_output "$(printf '%s\n' all none older)"
	bash_complete "kcp --update=o"
	assert_output older
	bash_complete "kcp --backup="
	assert_output "$(printf '%s\n' none off numbered t existing nil \
	    simple never)"
	bash_complete "kcp --backup=n"
	replies_are none numbered nil never
}

@test "bash: options that take a number or a word of the user's: nothing" {
	touch file
	local l
	for l in "kcp --skip=" "kcp --seek " "kcp -l " "kcp -vB " \
	    "kcp --suffix=" "kcp -S " "kcp --buffer-size "; do
		bash_complete "$l"
		assert_output ""
	done
	# -l4M carries its value: the next word is a file.
	bash_complete "kcp -l4M f"
	assert_output file
}

@test "bash: -t and --target-directory: directories only" {
	mkdir dir1 dir2
	touch dfile
	bash_complete "kcp -t d"
	replies_are dir1 dir2
	bash_complete "kcp -vt d"
	replies_are dir1 dir2
	bash_complete "kcp --target-directory=d"
	replies_are dir1 dir2
	bash_complete "kcp --target-directory d"
	replies_are dir1 dir2
}

@test "bash: a value kept in its word when '=' does not split words" {
	touch file1
	complete_words kcp --sparse=al
	assert_output --sparse=always
	complete_words kcp --method=reflink,s
	replies_are --method=reflink,sendfile --method=reflink,splice
	complete_words kcp if=fi
	assert_output if=file1
	complete_words kcp if=x conv=notr
	assert_output conv=notrunc
}

# ------------------------------------------------------------ dd operands

@test "bash: dd operand names for a word that may begin one" {
	bash_complete "kcp i"
	replies_are if= ibs= iseek= iflag=
	bash_complete "kcp st"
	assert_output status=
	bash_complete "kcp -v co"
	replies_are count= conv=
}

@test "bash: after a dd operand, the others (once each), not file names" {
	touch ofile
	bash_complete "kcp if=x "
	replies_are of= bs= ibs= obs= cbs= skip= seek= iseek= oseek= count= \
	    conv= iflag= oflag= status=
	bash_complete "kcp if=x bs=1M o"
	replies_are of= obs= oseek= oflag=
}

@test "bash: dd operand values: conv, iflag, oflag and status" {
	bash_complete "kcp if=x conv="
	assert_output "$(printf '%s\n' ascii ebcdic ibm block unblock lcase \
	    ucase sparse swab sync excl nocreat notrunc noerror fdatasync \
	    fsync)"
	bash_complete "kcp if=x conv=notrunc,fs"
	assert_output notrunc,fsync
	bash_complete "kcp if=x conv=notrunc,fsync,n"
	replies_are notrunc,fsync,nocreat notrunc,fsync,noerror
	local flags
	flags=$(printf '%s\n' append direct directory dsync sync fullblock \
	    nonblock noatime nocache noctty nofollow count_bytes skip_bytes \
	    seek_bytes)
	bash_complete "kcp if=x iflag="
	assert_output "$flags"
	bash_complete "kcp if=x oflag="
	assert_output "$flags"
	bash_complete "kcp if=x iflag=direct,sk"
	assert_output direct,skip_bytes
	bash_complete "kcp if=x status="
	assert_output "$(printf '%s\n' none noxfer progress)"
	bash_complete "kcp if=x status=p"
	assert_output progress
	bash_complete "kcp if=x bs="
	assert_output ""
}

@test "bash: if= and of= complete file names" {
	mkdir sub
	touch input.img sub/inner
	bash_complete "kcp if=inp"
	assert_output input.img
	bash_complete "kcp if=input.img of=sub/"
	assert_output sub/inner
}

# ------------------------------------------------------------- file names

@test "bash: file names for cp's operands" {
	mkdir dir
	touch file1 file2 'a b' dir/inner
	bash_complete "kcp fi"
	replies_are file1 file2
	bash_complete "kcp -a "
	replies_are 'a b' dir file1 file2
	bash_complete "kcp file1 d"
	assert_output dir
	bash_complete "kcp file1 dir/"
	assert_output dir/inner
	# Once an operand is a file, no dd operand names.
	bash_complete "kcp file1 i"
	assert_output ""
}

@test "bash: both file names and dd operand names where either fits" {
	touch skipfile
	bash_complete "kcp sk"
	replies_are skip= skipfile
}

# ------------------------------------------------------------------ tmux

# tmux_bash: a `bash --norc` in a detached tmux session with the completion
# sourced; sets TMUX_SOCKET (the teardown ends the server).
tmux_bash() {
	command -v tmux >/dev/null || skip "tmux is not installed"
	TMUX_SOCKET=$BATS_TEST_TMPDIR/tmux.sock
	tmux -S "$TMUX_SOCKET" -f /dev/null new-session -d -x 120 -y 20 \
	    "env -i PATH=/usr/bin:/bin TERM=xterm HOME=$BATS_TEST_TMPDIR bash --norc --noprofile" ||
	    skip "tmux cannot start a session here"
	# The prompt shows once the file is sourced: keys typed before would
	# be echoed by the terminal ahead of it.
	tmux_keys ". '$BASH_COMPLETION'; PS1='prompt\$ '" Enter
	tmux_wait '^prompt\$$'
}

tmux_keys() {
	tmux -S "$TMUX_SOCKET" send-keys "$@"
}

# tmux_wait REGEX: wait until the last line of the pane that is not blank
# matches REGEX (capture-pane drops the blanks at the end of a line).
tmux_wait() {
	local i pane
	for ((i = 0; i < 100; i++)); do
		pane=$(tmux -S "$TMUX_SOCKET" capture-pane -p | grep -v '^$') ||
		    pane=
		grep -qE -- "$1" <<<"${pane##*$'\n'}" && return 0
		sleep 0.1
	done
	fail "the pane never ended in a line matching /$1/: $pane"
}

@test "bash in tmux: TAB after 'kcp --spa' gives 'kcp --sparse='" {
	tmux_bash
	tmux_keys "kcp --spa" Tab
	tmux_wait '^prompt\$ kcp --sparse=$'
	# No blank after the '=', one after the value.
	tmux_keys "al" Tab "x"
	tmux_wait '^prompt\$ kcp --sparse=always x$'
}

# ----------------------------------------------------------- zsh and fish

# tmux_zsh: `zsh -f` in a detached tmux session, with compinit loading
# _kcp from completions/zsh; as tmux_bash.
tmux_zsh() {
	command -v zsh >/dev/null || skip "zsh is not installed"
	command -v tmux >/dev/null || skip "tmux is not installed"
	TMUX_SOCKET=$BATS_TEST_TMPDIR/tmux.sock
	tmux -S "$TMUX_SOCKET" -f /dev/null new-session -d -x 120 -y 20 \
	    "env -i PATH=/usr/bin:/bin TERM=xterm HOME=$BATS_TEST_TMPDIR zsh -f" ||
	    skip "tmux cannot start a session here"
	tmux_keys "fpath=('$COMPLETIONS/zsh' \$fpath); autoload -Uz compinit; compinit -u -D; PS1='prompt\$ '" Enter
	tmux_wait '^prompt\$$'
}

@test "zsh in tmux: TAB completes an option and a dd operand" {
	tmux_zsh
	tmux_keys "kcp --spa" Tab
	tmux_wait '^prompt\$ kcp --sparse=$'
	tmux_keys "al" Tab "x"
	tmux_wait '^prompt\$ kcp --sparse=always x$'
	tmux_keys C-u "kcp -l 4M if=x st" Tab
	tmux_wait '^prompt\$ kcp -l 4M if=x status=$'
}

@test "zsh: _kcp parses (zsh -n)" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	run -0 zsh -n "$COMPLETIONS/zsh/_kcp"
}

@test "fish: kcp.fish parses (fish -n)" {
	command -v fish >/dev/null || skip "fish is not installed"
	run -0 fish --no-config -n "$COMPLETIONS/fish/kcp.fish"
}

# fish_complete LINE: fish's completions for LINE, without descriptions.
fish_complete() {
	run -0 fish --no-config -c \
	    'source $argv[1]; complete -C $argv[2] | sed "s/\t.*//"' \
	    "$COMPLETIONS/fish/kcp.fish" "$1"
}

@test "fish: options, their values, dd operands and file names" {
	command -v fish >/dev/null || skip "fish is not installed"
	touch file1 skipfile
	fish_complete "kcp --spa"
	assert_output --sparse
	fish_complete "kcp --sparse=al"
	assert_output --sparse=always
	fish_complete "kcp --method=reflink,co"
	assert_output --method=reflink,copy_file_range
	fish_complete "kcp --preserve=mode,ow"
	assert_output --preserve=mode,ownership
	fish_complete "kcp sk"
	replies_are skip= skipfile
	fish_complete "kcp if=fi"
	assert_output if=file1
	fish_complete "kcp if=x conv=notrunc,fs"
	assert_output conv=notrunc,fsync
	fish_complete "kcp if=x status=p"
	assert_output status=progress
	fish_complete "kcp file1 fi"
	assert_output file1
}
