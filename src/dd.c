/*
 * dd's closing lines.  Scripts parse these, so they follow dd's own format
 * ("3.1 MB", "3.0 MiB", lower-case "kB"), which humanize_number does not
 * produce; hence the small formatter here.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "dd.h"

/* dd's human-readable form: autoscaled, rounded, one decimal below 10. */
static void
dd_human(char *buf, size_t len, double v, int base)
{
	static const char si[] = "kMGTPEZY";
	static const char iec[] = "KMGTPEZY";
	int power = 0;
	double r;

	while (v >= base && power < 8) {
		v /= base;
		power++;
	}
	r = v < 10 ? round(v * 10) / 10 : round(v);
	if (r >= base && power < 8) {
		r = round(r / base * 10) / 10;
		power++;
	}
	if (power == 0)
		snprintf(buf, len, "%.0f B", r);
	else
		snprintf(buf, len, r < 10 ? "%.1f %c%sB" : "%.0f %c%sB", r,
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
		dd_human(rate, sizeof(rate), (double)bytes / secs, 1000);
	else
		snprintf(rate, sizeof(rate), "Infinity B");
	if (bytes == 1)
		fprintf(fp, "1 byte copied");
	else if (bytes < 1000)
		fprintf(fp, "%" PRIu64 " bytes copied", bytes);
	else {
		dd_human(sibuf, sizeof(sibuf), (double)bytes, 1000);
		dd_human(iecbuf, sizeof(iecbuf), (double)bytes, 1024);
		if (bytes < 1024)
			fprintf(fp, "%" PRIu64 " bytes (%s) copied", bytes,
			    sibuf);
		else
			fprintf(fp, "%" PRIu64 " bytes (%s, %s) copied", bytes,
			    sibuf, iecbuf);
	}
	fprintf(fp, ", %g s, %s/s\n", secs, rate);
}
