# fish completion for kcp(1): its options and their values, dd's operands
# and their values, and file names.

# __kcp_list WORD...: complete the last item of the comma list being
# typed (the token's value after '=', if any) with the WORDs not yet in it.
function __kcp_list
    set -l val (string replace -r '^[^=]*=' '' -- (commandline -ct))
    set -l head (string match -r '^.*,' -- $val)
    set -l have (string split , -- $head)
    for w in $argv
        contains -- $w $have; or printf '%s%s\n' "$head" $w
    end
end

# __kcp_operands: the operands before the token being completed, options
# and their values left out.
function __kcp_operands
    set -l skip
    set -l dashdash
    for w in (commandline -opc)[2..-1]
        if set -q skip[1]
            set -e skip
        else if set -q dashdash[1]
            echo -- $w
        else if test "$w" = --
            set dashdash 1
        else if string match -qr -- '^--(skip|offset|input-offset|seek|output-offset|length|count|sparse|method|target-directory|no-preserve|suffix|buffer-size)$' $w
            set skip 1
        else if string match -qr -- '^-[^-]*[lBSt]$' $w
            # -t DIR, -l SIZE, -vB SIZE: the value is the next word.
            string match -qr -- '^-[^lBSt]*[lBSt]$' $w; and set skip 1
        else if not string match -qr -- '^-.' $w
            echo -- $w
        end
    end
end

# __kcp_operand: dd operands and their values while every operand so far
# is one (the first a dd operand name, the others key=value), file names
# while cp's operands are still possible.
function __kcp_operand
    set -l tok (commandline -ct)
    set -l ops (__kcp_operands)
    set -l keys if of bs ibs obs cbs skip seek iseek oseek count conv iflag oflag status
    set -l dd 1
    if set -q ops[1]
        string match -qr -- '^('(string join '|' $keys)')=' $ops[1]; or set -e dd
        for w in $ops
            string match -q -- '*=*' $w; or set -e dd
        end
    end

    if set -q dd[1]; and string match -qr -- '^[a-z]+=' $tok
        set -l key (string replace -r '=.*' '' -- $tok)
        set -l val (string replace -r '^[^=]*=' '' -- $tok)
        switch $key
            case if of
                __fish_complete_path $val | string replace -r '^' "$key="
            case conv
                __kcp_list ascii ebcdic ibm block unblock lcase ucase sparse swab sync excl nocreat notrunc noerror fdatasync fsync | string replace -r '^' "$key="
            case iflag oflag
                __kcp_list append direct directory dsync sync fullblock nonblock noatime nocache noctty nofollow count_bytes skip_bytes seek_bytes | string replace -r '^' "$key="
            case status
                printf 'status=%s\n' none noxfer progress
        end
        contains -- $key $keys; and return
    end
    if set -q dd[1]; and begin
            set -q ops[1]; or string match -qr -- '^[a-z]' $tok
        end
        set -l used (string replace -r '=.*' '' -- $ops)
        for k in $keys
            contains -- $k $used; or printf '%s=\tdd operand\n' $k
        end
    end
    if not set -q ops[1]; or not set -q dd[1]
        __fish_complete_path $tok
    end
end

complete -c kcp -f -a '(__kcp_operand)'

complete -c kcp -l skip -x -d 'Start reading SOURCE at byte SIZE'
complete -c kcp -l offset -x -d 'Start reading SOURCE at byte SIZE'
complete -c kcp -l input-offset -x -d 'Start reading SOURCE at byte SIZE'
complete -c kcp -l seek -x -d 'Start writing DEST at byte SIZE'
complete -c kcp -l output-offset -x -d 'Start writing DEST at byte SIZE'
complete -c kcp -s l -l length -x -d 'Copy at most SIZE bytes'
complete -c kcp -l count -x -d 'Copy at most SIZE bytes'
complete -c kcp -l append -d 'Write at the end of DEST'
complete -c kcp -l no-truncate -d 'Do not truncate an existing DEST'
complete -c kcp -l sparse -x -a 'auto always never' -d 'Keep or make holes'
complete -c kcp -l reflink -f -a 'auto always never' -d 'Share extents with SOURCE'
complete -c kcp -l method -x -a '(__kcp_list reflink copy_file_range sendfile splice readwrite)' -d 'Methods to try'
complete -c kcp -s v -l verbose -d 'Report each copy and the method used'
complete -c kcp -s P -l progress -d 'Show progress on standard error'
complete -c kcp -s n -l no-clobber -d 'Never overwrite an existing DEST'
complete -c kcp -s f -l force -d 'Remove a DEST that cannot be opened and retry'
complete -c kcp -s i -l interactive -d 'Ask before overwriting'
complete -c kcp -s t -l target-directory -x -a '(__fish_complete_directories)' -d 'Copy every SOURCE into DIRECTORY'
complete -c kcp -s T -l no-target-directory -d 'Treat DEST as a file always'
complete -c kcp -s p -d 'Same as --preserve=mode,ownership,timestamps'
complete -c kcp -l preserve -f -a '(__kcp_list mode ownership timestamps links xattr context all)' -d 'Keep the attributes in LIST'
complete -c kcp -l no-preserve -x -a '(__kcp_list mode ownership timestamps links xattr context all)' -d 'Do not keep the attributes in LIST'
complete -c kcp -s r -s R -l recursive -d 'Copy directories and everything in them'
complete -c kcp -s a -l archive -d 'Same as -R --no-dereference --preserve=all'
complete -c kcp -s d -d 'Same as --no-dereference --preserve=links'
complete -c kcp -l no-dereference -d 'Copy symbolic links as links'
complete -c kcp -s L -l dereference -d 'Follow every symbolic link in SOURCE'
complete -c kcp -s H -d 'Follow the symbolic links named as SOURCE'
complete -c kcp -l copy-contents -d 'With -r, read FIFOs and devices as files'
complete -c kcp -s x -l one-file-system -d 'Stay on the filesystem of each SOURCE'
complete -c kcp -s u -d 'Replace only older DESTs'
complete -c kcp -l update -f -a 'all none older' -d 'Replace only older DESTs, none or all'
complete -c kcp -l parents -d 'Make DIRECTORY/SOURCE, with the directories of SOURCE'
complete -c kcp -s b -d 'Back up each existing DEST'
complete -c kcp -l backup -f -a 'none off numbered t existing nil simple never' -d 'Back up each existing DEST'
complete -c kcp -s S -l suffix -x -d 'Suffix of simple backups'
complete -c kcp -l remove-destination -d 'Remove each existing DEST before copying'
complete -c kcp -l strip-trailing-slashes -d 'Remove trailing slashes from SOURCEs'
complete -c kcp -l attributes-only -d 'Copy attributes, not data'
complete -c kcp -s s -l symbolic-link -d 'Make symbolic links instead of copies'
complete -c kcp -l link -d 'Make hard links instead of copies'
complete -c kcp -l fsync -d 'Sync DEST to stable storage before success'
complete -c kcp -l direct -d 'Use O_DIRECT I/O where the filesystem allows it'
complete -c kcp -l nocache -d 'Drop copied pages from the page cache'
complete -c kcp -l verify -d 'Read both files back and compare them'
complete -c kcp -l atomic -d 'Build DEST beside it and rename it into place'
complete -c kcp -s B -l buffer-size -x -d 'Read/write buffer and splice chunk size'
complete -c kcp -s h -l help -d 'Display help and exit'
complete -c kcp -l version -d 'Output version information and exit'
complete -c kcp -s j -l jobs -x -d 'Copy up to N files of a tree at once'
complete -c kcp -l resume -f -a 'strict' -d 'Continue an interrupted copy'
