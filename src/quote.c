/*
 * File names quoted for messages, byte for byte as GNU cp 9 quotes the
 * names in its diagnostics, so that kcp's messages can be compared with
 * cp's and every name, however awkward, reads as one shell word on one
 * line.  The rules, as observed from cp:
 *
 *  - A name goes between single quotes, always: 'a b', '-x', ''.
 *  - A name with a single quote in it, whose every character may stand
 *    between double quotes, goes between double quotes instead: "it's".
 *    Those characters are the ASCII letters and digits, space, %'+,-./:@]_
 *    and # or ~ as the first byte, and in a multibyte locale any printable
 *    character that is not ASCII.
 *  - Otherwise each single quote is written '\'' and each run of characters
 *    that do not print is a $'...' segment between the single-quoted
 *    parts: 'a'$'\n''b'.  The segment spells \a \b \f \n \r \t \v with
 *    letters and every other byte as three octal digits: $'\033', $'\377'.
 *  - One oddity of cp's is kept so that messages match: for a name with a
 *    single quote that goes between single quotes, the quoting starts as
 *    if a $'...' segment were open whenever the name ends with a character
 *    that does not print.  A plain first character then opens with an
 *    extra '' ('''it'\''s'$'\n' for "it's\n"), and an unprintable first
 *    character goes out without its $' ('\n''a'\'''$'\n' for "\na'\n",
 *    which a shell would read as a backslash and an n).
 *
 * What prints depends on the locale of LC_CTYPE.  In the C locale, and any
 * locale with single-byte characters, it is isprint() of each byte, so in
 * the C locale every byte from 0x80 up is escaped: $'\303\251' for a UTF-8
 * e-acute.  In a multibyte locale (after setlocale) a character prints if
 * mbrtowc() decodes it and iswprint() holds, so a UTF-8 locale keeps 'é'
 * as it is; each byte of a sequence that does not decode, or of a character
 * that does not print, is escaped.
 */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "quote.h"

/* Where quoted bytes go: stored while they fit, counted in any case. */
struct sink {
	char	*buf;
	size_t	 cap;		/* bytes that may be stored, NUL excluded */
	size_t	 n;		/* bytes produced so far */
};

/* What decides the form of a quoted name. */
struct shape {
	bool	 squote;	/* it holds a single quote */
	bool	 dq_ok;		/* every character may go between "" */
	bool	 ends_raw;	/* its last character does not print */
};

/* Characters beside letters and digits that may go between "" anywhere. */
static const char dq_punct[] = " %'+,-./:@]_";

/*
 * The calling thread's quote() buffers, used in turn.  A worker thread
 * that ends should call quote_free() first, or its buffers are lost.
 */
static _Thread_local struct {
	char	*buf;
	size_t	 cap;
} slots[QUOTE_SLOTS];
static _Thread_local unsigned int next_slot;

static void
put_bytes(struct sink *o, const char *s, size_t n)
{
	for (; n > 0; n--, s++) {
		if (o->n < o->cap)
			o->buf[o->n] = *s;
		o->n++;
	}
}

static void
put_str(struct sink *o, const char *s)
{
	put_bytes(o, s, strlen(s));
}

/* One byte of a $'...' segment. */
static void
put_escape(struct sink *o, unsigned char c)
{
	static const char letter[] = {
		['\a'] = 'a', ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n',
		['\r'] = 'r', ['\t'] = 't', ['\v'] = 'v'
	};
	char e[5];

	e[0] = '\\';
	if (c < sizeof(letter) && letter[c] != '\0') {
		e[1] = letter[c];
		put_bytes(o, e, 2);
	} else {
		e[1] = (char)('0' + (c >> 6));
		e[2] = (char)('0' + ((c >> 3) & 7));
		e[3] = (char)('0' + (c & 7));
		put_bytes(o, e, 4);
	}
}

/*
 * The length in bytes of the character at s, left bytes from the end of
 * the name, and whether it prints in the current locale.  A byte that does
 * not start a valid character counts as one character that does not print.
 */
static size_t
char_len(const char *s, size_t left, mbstate_t *st, bool *print)
{
	wchar_t wc;
	size_t r;

	if (MB_CUR_MAX == 1) {
		*print = isprint((unsigned char)*s) != 0;
		return 1;
	}
	r = mbrtowc(&wc, s, left, st);
	if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
		memset(st, 0, sizeof(*st));
		*print = false;
		return 1;
	}
	*print = iswprint((wint_t)wc) != 0;
	return r;
}

/*
 * Whether the character at byte i of a name, clen bytes long, may go
 * between double quotes as it is.
 */
static bool
dq_char(const char *name, size_t i, size_t clen, bool print)
{
	unsigned char c = (unsigned char)name[i];

	if (!print)
		return false;
	if (clen > 1 || c >= 0x80)
		return true;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	if (i == 0 && (c == '#' || c == '~'))
		return true;
	return strchr(dq_punct, c) != NULL;
}

static void
scan(const char *name, size_t n, struct shape *sh)
{
	mbstate_t st;
	size_t i, clen;
	bool print;

	memset(&st, 0, sizeof(st));
	sh->squote = false;
	sh->dq_ok = true;
	sh->ends_raw = false;
	for (i = 0; i < n; i += clen) {
		clen = char_len(name + i, n - i, &st, &print);
		if (name[i] == '\'')
			sh->squote = true;
		if (!dq_char(name, i, clen, print))
			sh->dq_ok = false;
		sh->ends_raw = !print;
	}
}

/*
 * The single-quoted form.  in_esc tells whether a $'...' segment is open:
 * a printing character closes it and reopens the single quotes with '',
 * a single quote is written '\'' whatever is open, and a character that
 * does not print opens a segment with '$' unless one is open.
 */
static void
single(struct sink *o, const char *name, size_t n, bool in_esc)
{
	mbstate_t st;
	size_t i, k, clen;
	bool print;

	memset(&st, 0, sizeof(st));
	put_str(o, "'");
	for (i = 0; i < n; i += clen) {
		clen = char_len(name + i, n - i, &st, &print);
		if (name[i] == '\'') {
			put_str(o, "'\\''");
			in_esc = false;
		} else if (print) {
			if (in_esc)
				put_str(o, "''");
			in_esc = false;
			put_bytes(o, name + i, clen);
		} else {
			if (!in_esc)
				put_str(o, "'$'");
			in_esc = true;
			for (k = 0; k < clen; k++)
				put_escape(o, (unsigned char)name[i + k]);
		}
	}
	put_str(o, "'");
}

size_t
quote_buf(char *buf, size_t len, const char *name)
{
	struct sink o;
	struct shape sh;
	size_t n;

	o.buf = buf;
	o.cap = len > 0 ? len - 1 : 0;
	o.n = 0;
	n = strlen(name);
	scan(name, n, &sh);
	if (sh.squote && sh.dq_ok) {
		put_str(&o, "\"");
		put_bytes(&o, name, n);
		put_str(&o, "\"");
	} else {
		/* The oddity of the header comment: see there. */
		single(&o, name, n, sh.squote && sh.ends_raw);
	}
	if (len > 0)
		buf[o.n < o.cap ? o.n : o.cap] = '\0';
	return o.n;
}

const char *
quote(const char *name)
{
	size_t need, cap;
	char *p;
	unsigned int i;
	int e = errno;	/* callers pass quote() to warn(3): keep errno */

	i = next_slot++ % QUOTE_SLOTS;
	need = quote_buf(slots[i].buf, slots[i].cap, name) + 1;
	if (need > slots[i].cap) {
		cap = need < 64 ? 64 : need;
		/*
		 * Out of memory, a message is still better than none: give
		 * a fixed marker for the name rather than fail or crash.
		 */
		if ((p = realloc(slots[i].buf, cap)) == NULL) {
			errno = e;
			return "'?'";
		}
		slots[i].buf = p;
		slots[i].cap = cap;
		(void)quote_buf(p, cap, name);
	}
	errno = e;
	return slots[i].buf;
}

void
quote_free(void)
{
	unsigned int i;

	for (i = 0; i < QUOTE_SLOTS; i++) {
		free(slots[i].buf);
		slots[i].buf = NULL;
		slots[i].cap = 0;
	}
}

const char *
quote_maybe(const char *name)
{
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (!isalnum(*p) && strchr("%+,-./:=@_^", *p) == NULL)
			return quote(name);
	return *name != '\0' ? name : quote(name);
}
