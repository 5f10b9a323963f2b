/*
 * Walking comma-separated option values without copying them.
 */
#include "config.h"

#include <string.h>

#include "commalist.h"

int
commalist_each(const char *s, int (*fn)(const char *, size_t, void *),
    void *arg, const char **bad, size_t *badlen)
{
	size_t n;
	int rc;

	for (;; s += n + 1) {
		n = strcspn(s, ",");
		/* Empty words ("a,,b", a trailing comma) are passed over. */
		if (n > 0 && (rc = fn(s, n, arg)) != 0) {
			if (bad != NULL)
				*bad = s;
			if (badlen != NULL)
				*badlen = n;
			return rc;
		}
		if (s[n] == '\0')
			return 0;
	}
}

int
commalist_is(const char *w, size_t len, const char *s)
{
	return strlen(s) == len && memcmp(w, s, len) == 0;
}
