/*
 * dd's closing lines, its status=progress line and its SIGUSR1 report.
 * Scripts parse these, so they follow dd's own formats byte for byte
 * ("3.1 MB", "3.0 MiB", lower-case "kB", "0.5 kB/s"), which
 * humanize_number does not produce; hence the small formatters here.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dd.h"
#include "xio.h"

/* dd's largest unit is Y, the 8th power. */
#define DD_MAX_POWER	8

/* The unit after a number: " B", " kB", " KiB", ... */
static void
unit(char *buf, size_t len, int power, unsigned base)
{
	static const char si[] = "kMGTPEZY";
	static const char iec[] = "KMGTPEZY";

	if (power == 0)
		snprintf(buf, len, " B");
	else
		snprintf(buf, len, " %c%sB",
		    base == 1000 ? si[power - 1] : iec[power - 1],
		    base == 1000 ? "" : "i");
}

/*
 * An exact amount, num / den, the way dd's integer arithmetic prints it:
 * autoscaled while at least base, with the tenths and how the rest
 * compares with a half carried along, one decimal below 10, rounded to
 * the nearest with halves to even.  den is 1 for sizes; rates come here
 * when the elapsed time divides a second or is whole seconds.
 */
static void
human_exact(char *buf, size_t len, unsigned __int128 num,
    unsigned __int128 den, unsigned base)
{
	unsigned __int128 amt = num / den, r = num % den * 10;
	unsigned tenths = (unsigned)(r / den), rounding, r10, r2;
	int power = 0, point = -1;
	char u[8];

	r %= den;
	rounding = r == 0 ? 0 : 2 * r < den ? 1 : 2 * r == den ? 2 : 3;
	if (amt >= base) {
		do {
			r10 = (unsigned)(amt % base) * 10 + tenths;
			r2 = r10 % base * 2 + (rounding >> 1);
			amt /= base;
			tenths = r10 / base;
			rounding = r2 < base ? (r2 + rounding) != 0 :
			    2 + (base < r2 + rounding);
			power++;
		} while (amt >= base && power < DD_MAX_POWER);
		if (amt < 10) {
			if (rounding + (tenths & 1) > 2) {
				rounding = 0;
				if (++tenths == 10) {
					amt++;
					tenths = 0;
				}
			}
			if (amt < 10) {
				point = (int)tenths;
				tenths = rounding = 0;
			}
		}
	}
	if (tenths + (rounding + (amt & 1) > 0) > 5 && ++amt == base &&
	    power < DD_MAX_POWER) {
		power++;
		amt = 1;
		point = 0;
	}
	unit(u, sizeof(u), power, base);
	if (point >= 0)
		snprintf(buf, len, "%u.%d%s", (unsigned)amt, point, u);
	else
		snprintf(buf, len, "%" PRIu64 "%s", (uint64_t)amt, u);
}

void
dd_human(char *buf, size_t len, uint64_t v, unsigned base)
{
	human_exact(buf, len, v, 1, base);
}

/*
 * bytes per second over ns nanoseconds.  Where the division is not exact
 * dd works in floating point, where the unit is at least kB: 6 bytes a
 * second is "0.0 kB/s", and one decimal stays below 100.
 */
static void
dd_rate(char *buf, size_t len, uint64_t bytes, int64_t ns)
{
	static const long double sec = 1000000000.0L;
	long double v, e = 1;
	int power = 0;
	char num[64], u[8];

	if (ns <= 0) {
		snprintf(buf, len, "Infinity B/s");
		return;
	}
	if (1000000000 % ns == 0 &&
	    bytes <= UINT64_MAX / (uint64_t)(1000000000 / ns)) {
		human_exact(buf, len, bytes * (uint64_t)(1000000000 / ns), 1,
		    1000);
	} else if (ns % 1000000000 == 0) {
		human_exact(buf, len, bytes, (uint64_t)ns / 1000000000, 1000);
	} else {
		v = (long double)bytes * (sec / (long double)ns);
		do {
			e *= 1000;
			power++;
		} while (e * 1000 <= v && power < DD_MAX_POWER);
		v /= e;
		snprintf(num, sizeof(num), "%.1Lf", v);
		if (strlen(num) > 4)
			snprintf(num, sizeof(num), "%.0Lf", v);
		unit(u, sizeof(u), power, 1000);
		snprintf(buf, len, "%s%s", num, u);
	}
	strlcat(buf, "/s", len);
}

/*
 * "N bytes (SI, IEC) copied, T s, R": with progress, the time in whole
 * seconds after a carriage return and no newline.  Returns its length.
 */
static int
xfer_line(struct dd_run *r, int64_t now, bool progress)
{
	char si[32], iec[32], rate[48], t[64];
	int64_t ns = now - r->t0;
	double secs = ns > 0 ? (double)ns / 1e9 : 0;
	uint64_t b = (uint64_t)r->w_bytes;
	int n;

	dd_human(si, sizeof(si), b, 1000);
	dd_human(iec, sizeof(iec), b, 1024);
	dd_rate(rate, sizeof(rate), b, ns);
	snprintf(t, sizeof(t), progress ? "%.0f s" : "%g s", secs);
	if (progress)
		fputc('\r', stderr);
	if (b < 1000)
		n = fprintf(stderr, "%" PRIu64 " byte%s copied, %s, %s", b,
		    b == 1 ? "" : "s", t, rate);
	else if (b < 1024)
		n = fprintf(stderr, "%" PRIu64 " bytes (%s) copied, %s, %s",
		    b, si, t, rate);
	else
		n = fprintf(stderr, "%" PRIu64 " bytes (%s, %s) copied, %s, "
		    "%s", b, si, iec, t, rate);
	r->reported = r->w_bytes;
	return n;
}

void
dd_stats(struct dd_run *r)
{
	if (r->dd->status == DD_STATUS_NONE)
		return;
	if (r->progress_len > 0) {
		fputc('\n', stderr);
		r->progress_len = 0;
	}
	fprintf(stderr, "%" PRId64 "+%" PRId64 " records in\n"
	    "%" PRId64 "+%" PRId64 " records out\n", r->r_full, r->r_partial,
	    r->w_full, r->w_partial);
	if (r->r_truncate != 0)
		fprintf(stderr, "%" PRId64 " truncated record%s\n",
		    r->r_truncate, r->r_truncate == 1 ? "" : "s");
	if (r->dd->status == DD_STATUS_NOXFER)
		return;
	xfer_line(r, dd_now(), false);
	fputc('\n', stderr);
}

/* status=progress: the line again, padded over a longer one before. */
void
dd_progress(struct dd_run *r, int64_t now)
{
	int n = xfer_line(r, now, true);

	if (n >= 0 && n < r->progress_len)
		fprintf(stderr, "%*s", r->progress_len - n, "");
	r->progress_len = n;
	fflush(stderr);
}

/*
 * Between calls, and when a signal interrupts a blocked one: SIGUSR1's
 * report, as dd prints it.  Other ticks (kcp's -P timer) ask for nothing
 * here; the progress line keeps dd's own once-a-second clock.
 */
void
dd_on_tick(void *arg)
{
	struct dd_run *r = arg;

	xio_tick = 0;
	if (xio_status) {
		xio_status = 0;
		dd_stats(r);
		fflush(stderr);
	}
}

/* The bytes line now, whole, as a sync about to start wants it. */
void
dd_xfer_now(struct dd_run *r)
{
	xfer_line(r, dd_now(), false);
	fputc('\n', stderr);
}
