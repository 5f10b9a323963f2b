/*
 * The verbose report.  One line per copy: names, bytes, time, rate, the
 * methods that moved bytes and the ones left, with the errno that made the
 * engine leave them.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"
#include "size.h"

double
report_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *
report_errname(int e)
{
	static char num[16];
	const char *s = NULL;

#if HAVE_STRERRORNAME_NP
	s = strerrorname_np(e);
#endif
	if (s == NULL) {
		snprintf(num, sizeof(num), "E%d", e);
		s = num;
	}
	return s;
}

void
report_copy(FILE *fp, const char *src, const char *dst,
    const struct copy_result *r, double secs)
{
	char rate[16];
	const struct method_acct *a;
	int m, nused = 0, nleft = 0;

	for (m = 0; m < M_COUNT; m++) {
		if (r->m[m].bytes > 0)
			nused++;
		if (r->m[m].left)
			nleft++;
	}
	fprintf(fp, "%s: '%s' -> '%s': %" PRIu64 " bytes in %.2f s",
	    getprogname(), src, dst, r->bytes, secs);
	if (secs >= 0.005) {
		size_human(rate, sizeof(rate),
		    (uint64_t)((double)r->bytes / secs));
		fprintf(fp, " (%s/s)", rate);
	}
	fputs(" via", fp);
	if (nused == 0) {
		/* Nothing moved: name the method that found the end. */
		for (m = 0; m < M_COUNT && !r->m[m].used; m++)
			;
		fprintf(fp, " %s", m < M_COUNT ? method_name(m) : "none");
	} else {
		const char *sep = " ";

		for (m = 0; m < M_COUNT; m++) {
			a = &r->m[m];
			if (a->bytes == 0)
				continue;
			fprintf(fp, "%s%s", sep, method_name(m));
			if (nused > 1)
				fprintf(fp, " %" PRIu64, a->bytes);
			sep = ", ";
		}
	}
	if (nleft > 0) {
		const char *sep = " (";

		for (m = 0; m < M_COUNT; m++) {
			a = &r->m[m];
			if (!a->left)
				continue;
			fprintf(fp, "%s%s: %s", sep, method_name(m),
			    report_errname(a->err));
			sep = ", ";
		}
		fputc(')', fp);
	}
	if (r->err != 0)
		fprintf(fp, ", failed: %s", strerror(r->err));
	fputc('\n', fp);
}

void
report_decision(FILE *fp, const char *src, const char *dst, enum method m,
    int err, const char *why)
{
	if (err != 0)
		fprintf(fp, "%s: '%s' -> '%s': %s left: %s (%s)\n",
		    getprogname(), src, dst, method_name(m),
		    report_errname(err), strerror(err));
	else
		fprintf(fp, "%s: '%s' -> '%s': %s skipped: %s\n",
		    getprogname(), src, dst, method_name(m),
		    why != NULL ? why : "not applicable");
}
