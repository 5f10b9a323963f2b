/*
 * dd mode's copy and dd's closing lines.  Scripts parse these, so they
 * follow dd's own format ("3.1 MB", "3.0 MiB", lower-case "kB"), which
 * humanize_number does not produce; hence the small formatter here.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "dd.h"
#include "job.h"
#include "report.h"

/*
 * dd's human-readable form: autoscaled, one decimal below 10, rounded to
 * the nearest with exact halves to even, in integer arithmetic so that
 * 1050 bytes is "1.0 kB" as dd says.
 */
static void
dd_human(char *buf, size_t len, uint64_t v, unsigned base)
{
	static const char si[] = "kMGTPEZY";
	static const char iec[] = "KMGTPEZY";
	unsigned __int128 unit = 1, q, r, twice;
	int power = 0, tenths;

	while (v / unit >= base && power < 6) {
		unit *= base;
		power++;
	}
	if (power == 0) {
		snprintf(buf, len, "%" PRIu64 " B", v);
		return;
	}
	tenths = (unsigned __int128)v < 10 * unit;
	q = (unsigned __int128)v * (tenths ? 10 : 1) / unit;
	r = (unsigned __int128)v * (tenths ? 10 : 1) % unit;
	twice = 2 * r;
	if (twice > unit || (twice == unit && (q & 1)))
		q++;
	if (!tenths && q >= base && power < 6) {
		/* 999.6 kB is 1.0 MB. */
		unit *= base;
		power++;
		tenths = 1;
		q = (unsigned __int128)v * 10 / unit;
		r = (unsigned __int128)v * 10 % unit;
		if (2 * r > unit || (2 * r == unit && (q & 1)))
			q++;
	}
	if (tenths && q >= 100) {
		/* 9.96 rounds to 10: drop the decimal. */
		snprintf(buf, len, "%u %c%sB", (unsigned)(q / 10),
		    base == 1000 ? si[power - 1] : iec[power - 1],
		    base == 1000 ? "" : "i");
		return;
	}
	if (tenths)
		snprintf(buf, len, "%u.%u %c%sB", (unsigned)(q / 10),
		    (unsigned)(q % 10),
		    base == 1000 ? si[power - 1] : iec[power - 1],
		    base == 1000 ? "" : "i");
	else
		snprintf(buf, len, "%u %c%sB", (unsigned)q,
		    base == 1000 ? si[power - 1] : iec[power - 1],
		    base == 1000 ? "" : "i");
}

void
dd_report(FILE *fp, const struct dd_options *dd, uint64_t bytes, double secs)
{
	char sibuf[32], iecbuf[32], rate[32];

	if (dd->status == DD_STATUS_NONE)
		return;
	fprintf(fp, "%" PRIu64 "+%d records in\n",
	    bytes / (uint64_t)dd->ibs, bytes % (uint64_t)dd->ibs != 0);
	fprintf(fp, "%" PRIu64 "+%d records out\n",
	    bytes / (uint64_t)dd->obs, bytes % (uint64_t)dd->obs != 0);
	if (dd->status == DD_STATUS_NOXFER)
		return;

	if (secs > 0)
		dd_human(rate, sizeof(rate), (uint64_t)((double)bytes / secs),
		    1000);
	else
		snprintf(rate, sizeof(rate), "Infinity B");
	if (bytes == 1)
		fprintf(fp, "1 byte copied");
	else if (bytes < 1000)
		fprintf(fp, "%" PRIu64 " bytes copied", bytes);
	else {
		dd_human(sibuf, sizeof(sibuf), bytes, 1000);
		dd_human(iecbuf, sizeof(iecbuf), bytes, 1024);
		if (bytes < 1024)
			fprintf(fp, "%" PRIu64 " bytes (%s) copied", bytes,
			    sibuf);
		else
			fprintf(fp, "%" PRIu64 " bytes (%s, %s) copied", bytes,
			    sibuf, iecbuf);
	}
	fprintf(fp, ", %g s, %s/s\n", secs, rate);
}

int
dd_main(struct options *o)
{
	uint64_t bytes = UINT64_MAX;
	double t0 = report_now();
	int rval;

	rval = job_copy(o->dd.in != NULL ? o->dd.in : "-",
	    o->dd.out != NULL ? o->dd.out : "-", o, &bytes);
	/* As dd: no record lines when the files could not be opened. */
	if (bytes != UINT64_MAX)
		dd_report(stderr, &o->dd, bytes, report_now() - t0);
	return rval;
}
