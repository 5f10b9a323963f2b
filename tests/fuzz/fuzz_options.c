/*
 * libFuzzer harness for the whole option and operand parser, options_parse
 * (options.c never prints and never exits, so it can be driven directly).
 *
 * The input is split on NUL bytes into words that follow argv[0] = "kcp".
 * Besides "no crash, no leak, no sanitizer report", the harness checks
 * what a caller relies on:
 *   - the return is 0, or -1 with a non-empty, terminated message;
 *   - after success: operands are the words given, in range; --skip,
 *     --seek and --length are non-negative and their sums fit in an
 *     int64_t; the buffer size is 1 byte to 1 GiB; the method set is a
 *     non-empty subset; the refused combinations are not let through;
 *   - parsing the same words twice gives the same answer (getopt's state
 *     is reset), since kcp and the fuzzer both rely on it.
 *
 * Built by ./configure --enable-fuzzing (CC=clang) and run by tests/fuzz/run.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dd.h"
#include "engine.h"
#include "options.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAXARGS	128

static void
die(const char *what, int rc, const char *err)
{
	fprintf(stderr, "fuzz_options: %s (rc %d, message \"%s\")\n", what,
	    rc, err);
	abort();
}

/* Split data on NUL into words after "kcp"; returns argc. */
static int
split(char *buf, size_t size, char **argv)
{
	static char prog[] = "kcp";
	char *p = buf, *end = buf + size;
	int argc = 0;

	argv[argc++] = prog;
	while (p < end && argc < MAXARGS) {
		argv[argc++] = p;
		p += strlen(p) + 1;
	}
	argv[argc] = NULL;
	return argc;
}

/* True when p is the start of one of the words. */
static int
is_word(char **argv, int argc, const char *p)
{
	int i;

	for (i = 1; i < argc; i++)
		if (argv[i] == p)
			return 1;
	return 0;
}

static void
check_ok(const struct options *o, char **argv, int argc, const char *err)
{
	int i;

	if (o->action != ACT_COPY)
		return;
	if (o->nops < 0 || o->nops > argc - 1)
		die("operand count out of range", 0, err);
	for (i = 0; i < o->nops; i++)
		if (o->ops[i] == NULL || !is_word(argv, argc, o->ops[i]))
			die("operand is not one of the words", 0, err);
	if (o->ops[o->nops] != NULL)
		die("operand list not NULL-terminated", 0, err);
	if (o->skip < 0 || o->seek < 0 || o->length < 0)
		die("negative offset or length", 0, err);
	if (o->length_set && (o->skip > INT64_MAX - o->length ||
	    o->seek > INT64_MAX - o->length))
		die("offset plus length past INT64_MAX accepted", 0, err);
	if (o->copy.bufsize == 0 || o->copy.bufsize > (1u << 30))
		die("buffer size out of range", 0, err);
	if (o->copy.methods == 0 || (o->copy.methods & ~M_ALL) != 0)
		die("method set empty or out of range", 0, err);
	if (o->copy.single &&
	    __builtin_popcount(o->copy.methods) != 1)
		die("single method but several bits", 0, err);
	if (o->append && o->seek_set)
		die("--append with --seek accepted", 0, err);
	if (o->target != NULL && o->no_target)
		die("-t with -T accepted", 0, err);
	if (o->copy.reflink == REFLINK_ALWAYS &&
	    o->copy.sparse == SPARSE_NEVER)
		die("--reflink=always with --sparse=never accepted", 0, err);
	if (o->atomic && (o->seek_set || o->append || o->no_truncate ||
	    o->trunc_at_seek))
		die("--atomic with --seek/--append/--no-truncate accepted", 0,
		    err);
	if (o->target != NULL && !is_word(argv, argc, o->target) &&
	    (o->target < argv[1] || o->target > argv[argc - 1] +
	    strlen(argv[argc - 1])))
		die("-t argument outside the words", 0, err);
	if (o->dd.on && (o->dd.ibs <= 0 || o->dd.obs <= 0))
		die("dd block size out of range", 0, err);
	(void)dd_is_operands(o->nops, o->ops);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAXARGS + 1], *argv2[MAXARGS + 1];
	char err[512], err2[512];
	struct options o, o2;
	char *buf;
	int argc, rc, rc2, i;

	/* One extra NUL so that the last word is terminated. */
	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argc = split(buf, size, argv);

	memset(err, 0, sizeof(err));
	rc = options_parse(argc, argv, &o, err, sizeof(err));
	if (rc != 0 && rc != -1)
		die("return is neither 0 nor -1", rc, err);
	if (rc == -1 && (err[0] == '\0' ||
	    memchr(err, '\0', sizeof(err)) == NULL))
		die("failure without a message", rc, "");
	if (rc == 0)
		check_ok(&o, argv, argc, err);

	/* Again on a fresh argv: the same answer. */
	for (i = 0; i <= argc; i++)
		argv2[i] = argv[i];
	memset(err2, 0, sizeof(err2));
	rc2 = options_parse(argc, argv2, &o2, err2, sizeof(err2));
	if (rc2 != rc || strcmp(err, err2) != 0)
		die("a second parse of the same words differs", rc2, err2);
	if (rc == 0 && (o2.nops != o.nops || o2.skip != o.skip ||
	    o2.seek != o.seek || o2.length != o.length ||
	    o2.copy.methods != o.copy.methods ||
	    o2.copy.bufsize != o.copy.bufsize || o2.verbose != o.verbose ||
	    o2.action != o.action || o2.dd.on != o.dd.on))
		die("a second parse of the same words gives other options",
		    rc2, err2);

	free(o.ops);
	free(o2.ops);
	free(buf);
	return 0;
}
