/*
 * Comma-separated option values: --method=LIST, --preserve=LIST, dd's
 * conv=, iflag= and oflag=.
 */
#ifndef KCP_COMMALIST_H
#define KCP_COMMALIST_H

#include <stddef.h>

/*
 * Call fn(word, len, arg) for each non-empty word of the comma list s, in
 * order.  Stops at the first call that returns non-zero and returns that
 * value, with *bad and *badlen (when not NULL) naming the word; else 0.
 */
int	commalist_each(const char *s, int (*fn)(const char *word, size_t len,
	    void *arg), void *arg, const char **bad, size_t *badlen);

/* True when the word w[0..len) is the string s. */
int	commalist_is(const char *w, size_t len, const char *s);

#endif
