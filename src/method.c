/*
 * Method names and --method lists.
 */
#include "config.h"

#include <string.h>

#include "commalist.h"
#include "method.h"

static const char *const names[M_COUNT] = {
	[M_REFLINK] = "reflink",
	[M_COPY_FILE_RANGE] = "copy_file_range",
	[M_SENDFILE] = "sendfile",
	[M_SPLICE] = "splice",
	[M_READWRITE] = "readwrite",
};

const char *
method_name(enum method m)
{
	return m >= 0 && m < M_COUNT ? names[m] : "none";
}

/* commalist_each callback: add one token to the set, or -1. */
static int
add_method(const char *w, size_t len, void *arg)
{
	unsigned *bits = arg;
	int m;

	for (m = 0; m < M_COUNT; m++)
		if (commalist_is(w, len, names[m])) {
			*bits |= M_BIT(m);
			return 0;
		}
	return -1;
}

int
method_parse_list(const char *list, unsigned *set, bool *single,
    const char **bad, int *badlen)
{
	unsigned bits = 0;
	size_t n;

	if (strcmp(list, "auto") == 0) {
		*set = M_ALL;
		*single = false;
		return 0;
	}
	if (commalist_each(list, add_method, &bits, bad, &n) != 0) {
		*badlen = (int)n;
		return -1;
	}
	if (bits == 0) {
		*bad = list;
		*badlen = 0;
		return -1;
	}
	*single = __builtin_popcount(bits) == 1;
	/* readwrite is the last resort unless one method was asked for. */
	*set = *single ? bits : bits | M_BIT(M_READWRITE);
	return 0;
}
