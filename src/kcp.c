/*
 * kcp: copy files, streams and ranges with the kernel's offload calls.
 *
 * main: signals, --help and --version, usage errors, the cp-style
 * operands (SOURCE DEST, SOURCE... DIRECTORY, -t) or dd mode, and the exit
 * status.  options.c parses the command line, job.c runs each copy.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/time.h>
#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dd.h"
#include "fdinfo.h"
#include "job.h"
#include "options.h"
#include "quote.h"
#include "resume.h"
#include "tree.h"
#include "xio.h"

static _Noreturn void
usage_error(const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		vwarnx(fmt, ap);
		va_end(ap);
	}
	fprintf(stderr, "Try '%s --help' for more information.\n",
	    getprogname());
	exit(1);
}

/* Standard output's last word: a failed flush or close is a failure. */
static int
close_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warn("write error");
		return 1;
	}
	if (close(STDOUT_FILENO) == -1 && errno != EBADF) {
		warn("error writing '-'");
		return 1;
	}
	return 0;
}

static _Noreturn void
help(void)
{
	printf("Usage: %s [OPTION]... [SOURCE [DEST]]\n"
	    "  or:  %s [OPTION]... SOURCE... DIRECTORY\n"
	    "  or:  %s [OPTION]... -t DIRECTORY SOURCE...\n"
	    "  or:  %s -r [OPTION]... SOURCE... DIRECTORY\n"
	    "  or:  %s if=FILE of=FILE [bs=N] [skip=N] [seek=N] [count=N] "
	    "...\n", getprogname(), getprogname(), getprogname(),
	    getprogname(), getprogname());
	fputs(
"Copy SOURCE to DEST, or several SOURCEs into DIRECTORY, moving the bytes\n"
"with the kernel's offload calls (reflink, copy_file_range, sendfile, splice)\n"
"and falling back to read/write where they do not apply.  '-' is standard\n"
"input as SOURCE and standard output as DEST; with no DEST, standard output.\n"
"\n"
"      --skip=SIZE         start reading SOURCE at byte SIZE\n"
"                            (also --offset, --input-offset)\n"
"      --seek=SIZE         start writing DEST at byte SIZE; DEST is not\n"
"                            truncated (also --output-offset)\n"
"  -l, --length=SIZE       copy at most SIZE bytes (also --count)\n"
"      --append            write at the end of DEST; never truncate\n"
"      --no-truncate       do not truncate an existing DEST\n"
"      --sparse=WHEN       auto (default), always or never: keep holes,\n"
"                            also make holes of zero blocks, or write all\n"
"      --reflink[=WHEN]    auto (default), always (bare --reflink) or never:\n"
"                            share extents with SOURCE where possible\n"
"      --method=LIST       comma list of reflink, copy_file_range, sendfile,\n"
"                            splice, readwrite; auto (default) is all\n"
"  -v, --verbose           report each copy and the method used; -vv also\n"
"                            reports every method left and why\n"
"  -P, --progress          show progress on standard error\n"
"  -n, --no-clobber        never overwrite an existing DEST\n"
"  -f, --force             remove a DEST that cannot be opened and retry\n"
"  -i, --interactive       ask before overwriting\n"
"  -t, --target-directory=DIRECTORY  copy every SOURCE into DIRECTORY\n"
"  -T, --no-target-directory         treat DEST as a file always\n"
"  -p                      same as --preserve=mode,ownership,timestamps\n"
"      --preserve[=LIST]   keep the attributes of LIST: mode, ownership,\n"
"                            timestamps (the default), links, xattr, all\n"
"      --no-preserve=LIST  do not keep the attributes of LIST\n"
"  -r, -R, --recursive     copy directories and everything in them\n"
"  -a, --archive           same as -R --no-dereference --preserve=all\n"
"  -d                      same as --no-dereference --preserve=links\n"
"      --no-dereference    copy symbolic links as links (default with -r)\n"
"  -L, --dereference       follow every symbolic link in SOURCE\n"
"  -H                      follow the symbolic links named as SOURCE\n"
"      --copy-contents     with -r, read FIFOs and devices as files\n"
"  -x, --one-file-system   stay on the filesystem of each SOURCE\n"
"  -u, --update[=WHICH]    replace only older DESTs (older), none or all\n"
"      --parents           make DIRECTORY/SOURCE, with SOURCE's directories\n"
"  -b, --backup[=CONTROL]  back up each existing DEST: none, numbered,\n"
"                            existing (default) or simple\n"
"  -S, --suffix=SUFFIX     suffix of simple backups (default ~)\n"
"      --remove-destination  remove each existing DEST before copying\n"
"      --strip-trailing-slashes  remove trailing slashes from SOURCEs\n"
"      --attributes-only   copy attributes, not data\n"
"  -s, --symbolic-link     make symbolic links instead of copies\n"
"      --link              make hard links instead of copies\n"
"  -j, --jobs=N            copy up to N files of a tree, or N parts of one\n"
"                            large file, at once (default: 4, at most the\n"
"                            CPUs online)\n"
"      --fsync             sync DEST to stable storage before success\n"
"      --direct            use O_DIRECT I/O where the filesystem allows it\n"
"      --nocache           drop copied pages from the page cache\n"
"      --verify            read both files back and compare them\n"
"      --atomic            build DEST beside it and rename it into place\n"
"      --resume[=strict]   continue an interrupted copy (strict: or fail)\n"
"  -B, --buffer-size=SIZE  read/write buffer and splice chunk size\n"
"  -h, --help              display this help and exit\n"
"      --version           output version information and exit\n"
"\n"
"SIZE is digits with an optional suffix: K, M, G, T, P, E (powers of 1024,\n"
"also KiB, MiB, ...) or KB, MB, GB, TB, PB, EB (powers of 1000).\n"
"With dd's operands (if= of= bs= ibs= obs= cbs= skip= seek= count= conv=\n"
"iflag= oflag= status= ...) kcp behaves as GNU dd; see kcp(1).\n"
"SIGUSR1 prints a status line.  Exit status is 0 when every copy\n"
"succeeded, 1 otherwise.\n", stdout);
	exit(close_stdout());
}

static _Noreturn void
version(void)
{
	printf("%s\n", PACKAGE_STRING);
	puts("Copyright (c) 2026 The kcp developers.\n"
	    "License ISC: <https://opensource.org/licenses/ISC>.\n"
	    "This is free software: you are free to change and redistribute it.\n"
	    "There is NO WARRANTY, to the extent permitted by law.");
	exit(close_stdout());
}

static void
on_stop(int sig)
{
	xio_stop = sig;
}

static void
on_status(int sig)
{
	(void)sig;
	xio_status = 1;
	xio_tick = 1;
}

static void
on_tick(int sig)
{
	(void)sig;
	xio_tick = 1;
}

/*
 * Handlers only set flags.  No SA_RESTART: a blocked call returns EINTR so
 * that the copy notices a stop or draws its progress line.
 */
static void
install_signals(const struct options *o)
{
	struct sigaction sa, old;
	struct itimerval it;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* A signal the caller ignored stays ignored, as with cat and dd. */
	sa.sa_handler = on_stop;
	if (sigaction(SIGINT, &sa, &old) == 0 && old.sa_handler == SIG_IGN)
		sigaction(SIGINT, &old, NULL);
	if (sigaction(SIGTERM, &sa, &old) == 0 && old.sa_handler == SIG_IGN)
		sigaction(SIGTERM, &old, NULL);
	sa.sa_handler = on_status;
	sigaction(SIGUSR1, &sa, NULL);
	if (o->progress) {
		sa.sa_handler = on_tick;
		sigaction(SIGALRM, &sa, NULL);
		memset(&it, 0, sizeof(it));
		/* Four redraws a second on a terminal. */
		it.it_interval.tv_usec = 250000;
		it.it_value = it.it_interval;
		setitimer(ITIMER_REAL, &it, NULL);
	}
}

/* After SIGINT or SIGTERM: die of that signal, for the caller's sake. */
static _Noreturn void
die_of_signal(void)
{
	int sig = xio_stop;

	signal(sig, SIG_DFL);
	raise(sig);
	_exit(128 + sig);
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * The DIRECTORY of SOURCE... DIRECTORY (what "target" names) or of -t
 * ("target directory"): 0, or 1 after a message in cp's words.
 */
static int
check_target(const char *what, const char *dir)
{
	struct stat st;

	if (stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		errno = ENOTDIR;
	}
	warn("%s %s", what, quote(dir));
	return 1;
}

/*
 * --skip, --seek, --length, --append and --no-truncate are for one file:
 * with a directory SOURCE to copy as a tree they are a usage error.
 */
static void
refuse_ranges(const struct options *o, char **srcs, int n)
{
	int i;

	if (!o->recursive || (o->skip == 0 && !o->seek_set &&
	    !o->length_set && !o->append && !o->no_truncate))
		return;
	for (i = 0; i < n; i++)
		if (is_dir(srcs[i]))
			usage_error("--skip, --seek, --length, --append and "
			    "--no-truncate cannot be used with a directory "
			    "SOURCE %s", quote(srcs[i]));
}

static int
cp_main(struct options *o)
{
	char **ops = o->ops;
	const char *dir;
	struct tree *t;
	char msg[512];
	int i, n = o->nops, rval = 0;

	if (o->clobber == CLOBBER_ASK) {
		for (i = 0; i < n; i++)
			if (strcmp(ops[i], "-") == 0 &&
			    (o->target != NULL || i < n - 1 || n == 1))
				usage_error("--interactive cannot be used with "
				    "standard input as SOURCE");
		if (n == 0)
			usage_error("--interactive cannot be used with "
			    "standard input as SOURCE");
	}

	refuse_ranges(o, ops, o->target != NULL || n < 2 ? n : n - 1);
	if (o->resume && resume_check_sources(ops, o->target != NULL ||
	    n < 2 ? n : n - 1, msg, sizeof(msg)) == -1)
		usage_error("%s", msg);
	if (o->parents && o->target == NULL && n > 0 && (n < 2 ||
	    o->no_target || !is_dir(ops[n - 1])))
		usage_error("with --parents, the destination must be a "
		    "directory");
	if (o->target != NULL && n == 0)
		usage_error("missing file operand");
	if (o->target != NULL && check_target("target directory",
	    o->target) != 0)
		return 1;
	t = tree_new(o);
	tree_watch(t, ops, o->target != NULL || n < 2 ? n : n - 1);
	if (o->target != NULL) {
		for (i = 0; i < n && !xio_stop; i++)
			rval |= tree_copy_into(t, ops[i], o->target);
	} else if (n == 0) {
		rval = tree_copy(t, "-", "-");
	} else if (n == 1) {
		rval = tree_copy(t, ops[0], "-");
	} else if (n == 2 && !o->parents) {
		if (!o->no_target && strcmp(ops[1], "-") != 0 &&
		    is_dir(ops[1]))
			rval = tree_copy_into(t, ops[0], ops[1]);
		else
			rval = tree_copy(t, ops[0], ops[1]);
	} else {
		if (o->no_target)
			usage_error("extra operand %s", quote(ops[2]));
		dir = ops[n - 1];
		if (check_target("target", dir) != 0) {
			(void)tree_free(t);
			return 1;
		}
		for (i = 0; i < n - 1 && !xio_stop; i++)
			rval |= tree_copy_into(t, ops[i], dir);
	}
	rval |= tree_free(t);
	return rval;
}

int
main(int argc, char **argv)
{
	struct options o;
	char msg[512];
	int rval;

	/*
	 * Hold the places of closed standard descriptors, so that no file
	 * kcp opens is taken for '-'.
	 */
	if (fdinfo_hold_std() == -1)
		return 1;
	/* Whole lines: messages of parallel kcp runs must not interleave. */
	setvbuf(stderr, NULL, _IOLBF, BUFSIZ);
	if (options_parse(argc, argv, &o, msg, sizeof(msg)) == -1)
		usage_error("%s", msg);
	if (o.action == ACT_HELP)
		help();
	if (o.action == ACT_VERSION)
		version();

	install_signals(&o);
	rval = o.dd.on ? dd_main(&o) : cp_main(&o);
	free(o.ops);
	if (xio_stop)
		die_of_signal();

	if (close_stdout() != 0)
		rval = 1;
	return rval;
}
