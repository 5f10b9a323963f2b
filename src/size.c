/*
 * SIZE operands: decimal digits and an optional unit suffix.  libbsd does
 * the arithmetic (strtonum, expand_number); this file enforces the stricter
 * grammar of kcp(1), Sizes, since expand_number alone would take signs,
 * spaces, hexadecimal and octal.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libutil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "size.h"

/* Longest accepted digit string; anything longer is surely out of range. */
#define MAX_DIGITS	64

static const char units[] = "KMGTPE";

/* Multiply v by base**power, failing on overflow past INT64_MAX. */
static int
scale(int64_t *v, int base, int power)
{
	while (power-- > 0) {
		if (*v > INT64_MAX / base) {
			errno = ERANGE;
			return -1;
		}
		*v *= base;
	}
	return 0;
}

int
size_parse(const char *s, int64_t *out)
{
	char digits[MAX_DIGITS + 3];
	const char *p;
	const char *errstr;
	uint64_t binary;
	int64_t v;
	size_t n;

	for (p = s; isdigit((unsigned char)*p); p++)
		;
	n = (size_t)(p - s);
	if (n == 0) {
		errno = EINVAL;
		return -1;
	}
	/* Leading zeros would read as octal to expand_number. */
	while (n > 1 && *s == '0') {
		s++;
		n--;
	}
	/* The form first: a bad suffix is EINVAL however long the number. */
	if (*p != '\0' && (strchr(units, toupper((unsigned char)*p)) ==
	    NULL || (p[1] != '\0' && strcmp(p + 1, "iB") != 0 &&
	    strcmp(p + 1, "B") != 0))) {
		errno = EINVAL;
		return -1;
	}
	if (n > MAX_DIGITS) {
		errno = ERANGE;
		return -1;
	}
	memcpy(digits, s, n);
	digits[n] = '\0';

	/* The form check above leaves no unit, or K..E alone, +iB or +B. */
	if (*p != '\0' && strcmp(p + 1, "B") != 0) {
		/* Powers of 1024: libbsd's expand_number. */
		digits[n] = (char)toupper((unsigned char)*p);
		digits[n + 1] = '\0';
		if (expand_number(digits, &binary) != 0)
			return -1;	/* errno is ERANGE or EINVAL */
		if (binary > INT64_MAX) {
			errno = ERANGE;
			return -1;
		}
		*out = (int64_t)binary;
		return 0;
	}
	/* Plain bytes, or powers of 1000. */
	v = strtonum(digits, 0, INT64_MAX, &errstr);
	if (errstr != NULL) {
		errno = ERANGE;
		return -1;
	}
	if (*p != '\0' && scale(&v, 1000, (int)(strchr(units,
	    toupper((unsigned char)*p)) - units) + 1) != 0)
		return -1;
	*out = v;
	return 0;
}

void
size_human(char *buf, size_t len, uint64_t bytes)
{
	int64_t v;

	v = bytes > INT64_MAX ? INT64_MAX : (int64_t)bytes;
	/* Eight bytes make "1.2 GiB" and "100 MiB": three digits at most. */
	if (humanize_number(buf, len < 8 ? len : 8, v, "B", HN_AUTOSCALE,
	    HN_DECIMAL | HN_IEC_PREFIXES) == -1)
		snprintf(buf, len, "%" PRId64 " B", v);
}
