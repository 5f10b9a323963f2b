/*
 * quote() and quote_buf() against GNU cp.  Every expected string in the
 * tables was observed from cp 9.x's messages ("cp: cannot stat 'NAME': No
 * such file or directory", from cp -- NAME /nonexistent/x) with LC_ALL=C,
 * or LC_ALL=C.UTF-8 for the multibyte table, and written here as captured.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quote.h"
#include "tap.h"

struct qcase {
	const char	*name;
	const char	*want;
};

/* The C locale: kcp's tests run with LC_ALL=C. */
static const struct qcase c_cases[] = {
	{ "abc",
	    "'abc'" },
	{ "a b",
	    "'a b'" },
	{ "-x",
	    "'-x'" },
	{ "",
	    "''" },
	{ "\a",
	    "''$'\\a'" },
	{ "\b",
	    "''$'\\b'" },
	{ "\f",
	    "''$'\\f'" },
	{ "\n",
	    "''$'\\n'" },
	{ "\r",
	    "''$'\\r'" },
	{ "\t",
	    "''$'\\t'" },
	{ "\v",
	    "''$'\\v'" },
	{ "\001",
	    "''$'\\001'" },
	{ "\037",
	    "''$'\\037'" },
	{ "\033",
	    "''$'\\033'" },
	{ "e\033[31mx",
	    "'e'$'\\033''[31mx'" },
	{ "\177",
	    "''$'\\177'" },
	{ "a\nb",
	    "'a'$'\\n''b'" },
	{ "a\n\nb",
	    "'a'$'\\n\\n''b'" },
	{ "'",
	    "\"'\"" },
	{ "''",
	    "\"''\"" },
	{ "it's",
	    "\"it's\"" },
	{ "'a b'",
	    "\"'a b'\"" },
	{ "a'b\"",
	    "'a'\\''b\"'" },
	{ "a'b$",
	    "'a'\\''b$'" },
	{ "a'b\\",
	    "'a'\\''b\\'" },
	{ "a'b`",
	    "'a'\\''b`'" },
	{ "a'b!",
	    "'a'\\''b!'" },
	{ "a'b\nc",
	    "'a'\\''b'$'\\n''c'" },
	/* cp's oddity: a quote, and an unprintable last character. */
	{ "it's\n",
	    "'''it'\\''s'$'\\n'" },
	{ "a'\n",
	    "'''a'\\'''$'\\n'" },
	{ "'\n",
	    "''\\'''$'\\n'" },
	/* The same, with an unprintable first character: no $'. */
	{ "\na'\n",
	    "'\\n''a'\\'''$'\\n'" },
	{ "x\n'y'",
	    "'x'$'\\n'\\''y'\\'''" },
	{ "a\\b",
	    "'a\\b'" },
	{ "a$b",
	    "'a$b'" },
	{ "a`b",
	    "'a`b'" },
	{ "a!b",
	    "'a!b'" },
	{ "a\"b",
	    "'a\"b'" },
	{ "*?[]",
	    "'*?[]'" },
	{ "~a",
	    "'~a'" },
	{ "#a",
	    "'#a'" },
	{ "#a'",
	    "\"#a'\"" },
	{ "~'",
	    "\"~'\"" },
	{ "a#'",
	    "'a#'\\'''" },
	{ "a~'",
	    "'a~'\\'''" },
	{ "a=b",
	    "'a=b'" },
	{ "a=b'",
	    "'a=b'\\'''" },
	{ "\377",
	    "''$'\\377'" },
	{ "a\377b",
	    "'a'$'\\377''b'" },
	{ "\303\251",
	    "''$'\\303\\251'" },
	{ "it's\303\251",
	    "'''it'\\''s'$'\\303\\251'" },
};

/* A UTF-8 locale, where printable characters that are not ASCII stay. */
static const struct qcase utf8_cases[] = {
	{ "\303\251",
	    "'\303\251'" },
	{ "it's\303\251",
	    "\"it's\303\251\"" },
	{ "a\302\205b",
	    "'a'$'\\302\\205''b'" },
	{ "\303a",
	    "''$'\\303''a'" },
	{ "\377",
	    "''$'\\377'" },
	{ "\342\200\213",
	    "'\342\200\213'" },
	{ "\342\200\250",
	    "''$'\\342\\200\\250'" },
	{ "it's\302\205",
	    "'''it'\\''s'$'\\302\\205'" },
};

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

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

/* Expect name to quote as want, through quote() and quote_buf(). */
static void
check(const char *name, const char *want)
{
	char buf[256];
	const char *got;
	size_t n;

	got = quote(name);
	if (!ok(strcmp(got, want) == 0, "quote(\"%s\") = %s", vis(name),
	    vis(want)))
		diag("got %s", vis(got));
	n = quote_buf(buf, sizeof(buf), name);
	if (!ok(n == strlen(want) && strcmp(buf, want) == 0,
	    "quote_buf(\"%s\") agrees, length %zu", vis(name), strlen(want)))
		diag("got %s, length %zu", vis(buf), n);
}

static void
test_table(const struct qcase *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		check(c[i].name, c[i].want);
}

/* Names longer than any first buffer, so that the slots grow. */
static void
test_long(void)
{
	char *name, *want, *p;
	size_t i;

	if ((name = malloc(20000)) == NULL || (want = malloc(20000)) == NULL)
		bail_out("out of memory");

	/* 4 KiB of a: 'aaa...'. */
	memset(name, 'a', 4096);
	name[4096] = '\0';
	sprintf(want, "'%s'", name);
	ok(strcmp(quote(name), want) == 0, "4 KiB of plain name");

	/* 2048 times a and a newline: 'a'$'\n''a'$'\n'...'a'$'\n'. */
	for (i = 0, p = want; i < 2048; i++) {
		memcpy(name + 2 * i, "a\n", 2);
		p += sprintf(p, "'a'$'\\n'");
	}
	name[4096] = '\0';
	is_int((long long)strlen(want), 16384, "expected form is 16 KiB");
	ok(strcmp(quote(name), want) == 0, "4 KiB of a and newline");

	/* 1024 times it's: all between double quotes. */
	for (i = 0; i < 1024; i++)
		memcpy(name + 4 * i, "it's", 4);
	name[4096] = '\0';
	sprintf(want, "\"%s\"", name);
	ok(strcmp(quote(name), want) == 0, "4 KiB of it's");
	free(name);
	free(want);
}

/* Five names in a row: the last QUOTE_SLOTS results still hold. */
static void
test_ring(void)
{
	static const char *const names[] = { "one", "t\two", "it's", "4",
	    "five" };
	static const char *const want[] = { "'one'", "'t'$'\\t''wo'",
	    "\"it's\"", "'4'", "'five'" };
	const char *got[5];
	size_t i;
	int good = 1;

	for (i = 0; i < 5; i++)
		got[i] = quote(names[i]);
	for (i = 5 - QUOTE_SLOTS; i < 5; i++)
		if (strcmp(got[i], want[i]) != 0) {
			diag("result %zu is now %s", i, vis(got[i]));
			good = 0;
		}
	ok(good, "the last %d of 5 results are still valid", QUOTE_SLOTS);
	ok(got[0] == got[4], "the fifth call reuses the first slot");
}

/* quote_buf truncates like snprintf and returns the whole length. */
static void
test_truncate(void)
{
	char buf[8];

	is_int((long long)quote_buf(NULL, 0, "a\nb"), 11,
	    "quote_buf(NULL, 0) measures");
	memset(buf, 'X', sizeof(buf));
	is_int((long long)quote_buf(buf, 1, "abc"), 5, "length 1: full length");
	ok(buf[0] == '\0' && buf[1] == 'X', "length 1: only the NUL");
	memset(buf, 'X', sizeof(buf));
	is_int((long long)quote_buf(buf, 6, "a\nb"), 11, "length 6: 11");
	ok(strcmp(buf, "'a'$'") == 0 && buf[6] == 'X', "length 6: 5 bytes");
	is_int((long long)quote_buf(buf, 6, "abc"), 5, "exact fit");
	ok(strcmp(buf, "'abc'") == 0, "exact fit written whole");
}

int
main(void)
{
	test_table(c_cases, NITEMS(c_cases));
	test_long();
	test_ring();
	test_truncate();
	quote_free();
	ok(strcmp(quote("again"), "'again'") == 0, "quote after quote_free");
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL &&
	    setlocale(LC_CTYPE, "en_US.UTF-8") == NULL)
		skip(2 * (int)NITEMS(utf8_cases), "no UTF-8 locale here");
	else
		test_table(utf8_cases, NITEMS(utf8_cases));
	quote_free();
	return done_testing();
}
