/*
 * libFuzzer harness for size_parse (kcp(1), Sizes).
 *
 * Besides "never crash", every input is checked against a small reference
 * parser written from the grammar alone:
 *
 *	SIZE   = DIGIT+ [ LETTER [ "iB" | "B" ] ]
 *	LETTER = one of K M G T P E, or its lower-case form
 *
 * with K..E (alone or with "iB") powers of 1024 and with "B" powers of
 * 1000.  An input the grammar takes must parse to the reference value, or
 * fail with ERANGE exactly when that value is past INT64_MAX; any other
 * input must fail with EINVAL.  A value that parses must come back
 * unchanged through printf("%lld") and size_parse, and size_human must
 * write a terminated string into its buffer.
 *
 * Built by ./configure --enable-fuzzing (CC=clang) and run by tests/fuzz/run.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "size.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Inputs longer than this say nothing new about a number parser. */
#define MAXLEN	4096

static void
die(const char *s, const char *what, int rc, int64_t v, int e)
{
	fprintf(stderr, "fuzz_size: \"%s\": %s (rc %d, value %" PRId64
	    ", errno %d %s)\n", s, what, rc, v, e, strerror(e));
	abort();
}

/*
 * The reference: 1 and *v when the grammar takes s and the value fits,
 * 0 when the grammar takes s but the value is past INT64_MAX, -1 when the
 * grammar does not take s.
 */
static int
reference(const char *s, int64_t *v)
{
	static const char units[] = "KMGTPE";
	const char *p, *u;
	unsigned __int128 acc = 0, base;
	int power, i;
	bool big = false;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		acc = acc * 10 + (unsigned)(*p - '0');
		if (acc > INT64_MAX)
			big = true, acc = (unsigned __int128)INT64_MAX + 1;
	}
	if (p == s)
		return -1;
	if (*p != '\0') {
		char c = *p >= 'a' && *p <= 'z' ? (char)(*p - 32) : *p;

		if (c == '\0' || (u = strchr(units, c)) == NULL)
			return -1;
		power = (int)(u - units) + 1;
		if (p[1] == '\0' || strcmp(p + 1, "iB") == 0)
			base = 1024;
		else if (strcmp(p + 1, "B") == 0)
			base = 1000;
		else
			return -1;
		for (i = 0; i < power && !big; i++) {
			acc *= base;
			if (acc > INT64_MAX)
				big = true;
		}
	}
	if (big)
		return 0;
	*v = (int64_t)acc;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[MAXLEN + 1], back[32], human[32];
	int64_t v, w, ref = 0;
	size_t n;
	int rc, want, e;

	n = size < MAXLEN ? size : MAXLEN;
	memcpy(s, data, n);
	s[n] = '\0';	/* size_parse sees a C string: up to the first NUL */

	v = -1;
	errno = 0;
	rc = size_parse(s, &v);
	e = errno;
	want = reference(s, &ref);

	switch (want) {
	case 1:
		if (rc != 0)
			die(s, "grammar takes it but size_parse refused it",
			    rc, v, e);
		if (v != ref)
			die(s, "value differs from the reference", rc, v, e);
		break;
	case 0:
		if (rc != -1 || e != ERANGE)
			die(s, "past INT64_MAX but not ERANGE", rc, v, e);
		break;
	default:
		if (rc != -1 || e != EINVAL)
			die(s, "not in the grammar but not EINVAL", rc, v, e);
		break;
	}
	if (rc != 0)
		return 0;

	/* Accepted: non-negative, and it round-trips through printf. */
	if (v < 0)
		die(s, "negative value", rc, v, e);
	snprintf(back, sizeof(back), "%lld", (long long)v);
	w = -1;
	errno = 0;
	if (size_parse(back, &w) != 0 || w != v)
		die(back, "printed value does not parse back", -1, w, errno);

	/* The human form fits its buffer and is terminated. */
	memset(human, 'X', sizeof(human));
	size_human(human, sizeof(human), (uint64_t)v);
	if (memchr(human, '\0', sizeof(human)) == NULL)
		die(s, "size_human left no terminator", rc, v, 0);
	memset(human, 'X', sizeof(human));
	size_human(human, 8, (uint64_t)v);
	if (memchr(human, '\0', 8) == NULL || human[8] != 'X')
		die(s, "size_human wrote past an 8-byte buffer", rc, v, 0);
	return 0;
}
