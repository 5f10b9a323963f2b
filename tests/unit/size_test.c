/*
 * size_parse and size_human against SPEC section 2: decimal digits, an
 * optional K/KiB/KB-style suffix whose letter alone may be lower case, and
 * nothing else; EINVAL for a bad form, ERANGE past INT64_MAX.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "size.h"
#include "tap.h"

/* s as a C string literal body, for test names (no newlines in TAP). */
static const char *
vis(const char *s)
{
	static char buf[4][512];
	static int slot;
	char *b = buf[slot++ % 4], *p = b;

	for (; *s != '\0' && p < b + sizeof(buf[0]) - 5; s++) {
		if (*s == '\n')
			p += sprintf(p, "\\n");
		else if (*s == '\t')
			p += sprintf(p, "\\t");
		else if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			p += sprintf(p, "\\x%02x", (unsigned char)*s);
		else
			*p++ = *s;
	}
	*p = '\0';
	return b;
}

/* Expect s to parse to want. */
static void
good(const char *s, int64_t want)
{
	int64_t v = -12345;
	int rc;

	errno = 0;
	rc = size_parse(s, &v);
	if (!ok(rc == 0 && v == want, "size_parse(\"%s\") = %" PRId64, vis(s),
	    want))
		diag("rc %d, value %" PRId64 ", errno %d (%s)", rc, v, errno,
		    strerror(errno));
}

/* Expect s to be refused with errno e. */
static void
bad(const char *s, int e)
{
	int64_t v = -12345;
	int rc;

	errno = 0;
	rc = size_parse(s, &v);
	if (!ok(rc == -1 && errno == e, "size_parse(\"%s\") fails with %s",
	    vis(s), e == ERANGE ? "ERANGE" : "EINVAL"))
		diag("rc %d, value %" PRId64 ", errno %d (%s)", rc, v, errno,
		    strerror(errno));
}

static void
test_suffixes(void)
{
	static const char letters[] = "KMGTPE";
	static const char *const forms[] = { "", "iB", "B" };
	char s[32];
	int64_t bin, dec;
	size_t i, f;
	int up;

	bin = dec = 1;
	for (i = 0; i < sizeof(letters) - 1; i++) {
		bin *= 1024;
		dec *= 1000;
		for (up = 0; up < 2; up++) {
			for (f = 0; f < 3; f++) {
				snprintf(s, sizeof(s), "1%c%s",
				    up ? letters[i] : letters[i] + 32,
				    forms[f]);
				good(s, f == 2 ? dec : bin);
			}
		}
		/* A multiple, to see the product and not just the unit. */
		snprintf(s, sizeof(s), "7%c", letters[i]);
		good(s, 7 * bin);
		snprintf(s, sizeof(s), "3%cB", letters[i]);
		good(s, 3 * dec);
	}
}

static void
test_plain(void)
{
	char s[128];

	good("0", 0);
	good("00", 0);
	good("0K", 0);
	good("0EB", 0);
	good("1", 1);
	good("010", 10);		/* not octal */
	good("0010K", 10240);
	good("08", 8);			/* would be invalid octal */
	good("123456789", 123456789);
	good("9223372036854775807", INT64_MAX);
	good("09223372036854775807", INT64_MAX);
	/* Leading zeros do not count towards any length limit. */
	memset(s, '0', 100);
	strcpy(s + 100, "42");
	good(s, 42);
	bad("9223372036854775808", ERANGE);
	bad("18446744073709551615", ERANGE);
	bad("18446744073709551616", ERANGE);
	bad("99999999999999999999999999999999999999999999999999999999999999"
	    "99999999999999", ERANGE);
}

static void
test_limits(void)
{
	good("7E", INT64_C(7) << 60);
	good("7EiB", INT64_C(7) << 60);
	bad("8E", ERANGE);		/* 2^63 */
	bad("8EiB", ERANGE);
	bad("16E", ERANGE);		/* 2^64: wraps a uint64_t to 0 */
	bad("17E", ERANGE);
	good("9EB", INT64_C(9000000000000000000));
	bad("10EB", ERANGE);
	bad("19EB", ERANGE);
	bad("9223372036854775K", ERANGE);
	good("9007199254740991K", INT64_MAX - 1023);
	bad("9007199254740992K", ERANGE);	/* 2^63 */
	good("8388607T", INT64_C(8388607) << 40);
	bad("8388608T", ERANGE);
	good("9223372036854775KB", INT64_C(9223372036854775000));
	bad("9223372036854776KB", ERANGE);
	good("9223372036854MB", INT64_C(9223372036854000000));
	bad("9223372036855MB", ERANGE);
	bad("9223372036854775807K", ERANGE);
	bad("9223372036854775807KB", ERANGE);
	bad("9223372036854775808K", ERANGE);
}

static void
test_rejects(void)
{
	static const char *const inval[] = {
		"", "+1", "-1", " 1", "1 ", "\t1", "1\n", "0x10", "0X10",
		"1.5K", "1.0", "1,000", "1_000", "1e3", "1X", "1KiBB", "1KBB",
		"K", "KiB", "B", "1B", "1b", "1kb", "1kib", "1Kib", "1KIB",
		"1KIb", "1Kb", "1mb", "1Mib", "1i", "1iB", "1KiB ", "1 K",
		"1K B", "1Ki", "1KiBs", "1Z", "1Y", "1ZiB", "-0", "+0", "1-",
		"--1", "1K1", "١", "1\xef\xbc\x91",
	};
	size_t i;

	for (i = 0; i < sizeof(inval) / sizeof(inval[0]); i++)
		bad(inval[i], EINVAL);
}

static void
human(uint64_t v, const char *want)
{
	char buf[32];

	memset(buf, 'X', sizeof(buf));
	size_human(buf, sizeof(buf), v);
	if (!ok(strcmp(buf, want) == 0, "size_human(%" PRIu64 ") = \"%s\"",
	    v, want))
		diag("got \"%.*s\"", (int)sizeof(buf) - 1, buf);
}

static void
test_human(void)
{
	human(0, "0 B");
	human(1, "1 B");
	human(100 * 1024 * 1024, "100 MiB");
	human(UINT64_C(1288490188), "1.2 GiB");		/* 1.2 GiB */
	human(UINT64_C(1073741824), "1.0 GiB");
	human(UINT64_C(10) << 30, "10 GiB");
}

int
main(void)
{
	test_suffixes();
	test_plain();
	test_limits();
	test_rejects();
	test_human();
	return done_testing();
}
