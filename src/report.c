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
#include <unistd.h>

#include "quote.h"
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

	if (r->resumed > 0 && r->bytes == 0 && r->err == 0) {
		fprintf(fp, "%s: %s -> %s: complete already (%" PRIu64
		    " bytes): nothing to copy\n", getprogname(), quote(src),
		    quote(dst), r->resumed);
		return;
	}
	for (m = 0; m < M_COUNT; m++) {
		if (r->m[m].bytes > 0)
			nused++;
		if (r->m[m].left)
			nleft++;
	}
	/* One line whole, whatever other threads of -j write meanwhile. */
	flockfile(fp);
	fprintf(fp, "%s: %s -> %s: %" PRIu64 " bytes in %.2f s",
	    getprogname(), quote(src), quote(dst), r->bytes, secs);
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
		if (m == M_COUNT)	/* the one that failed, if any */
			m = r->err != 0 && !r->no_method ? r->err_method :
			    M_NONE;
		fprintf(fp, " %s", method_name(m));
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
	if (r->resumed > 0)
		fprintf(fp, ", resumed at %jd", (intmax_t)r->out_start);
	if (r->err != 0)
		fprintf(fp, ", failed: %s", strerror(r->err));
	fputc('\n', fp);
	funlockfile(fp);
}

void
report_decision(FILE *fp, const char *src, const char *dst, enum method m,
    int err, const char *why)
{
	if (err != 0)
		fprintf(fp, "%s: %s -> %s: %s left: %s (%s)\n",
		    getprogname(), quote(src), quote(dst), method_name(m),
		    report_errname(err), strerror(err));
	else
		fprintf(fp, "%s: %s -> %s: %s skipped: %s\n",
		    getprogname(), quote(src), quote(dst), method_name(m),
		    why != NULL ? why : "not applicable");
}

/* "1:02:03" or "2:03" for a number of seconds. */
static void
clock_fmt(char *buf, size_t len, double secs)
{
	unsigned long t = secs < 0 ? 0 : (unsigned long)(secs + 0.5);

	if (t >= 3600)
		snprintf(buf, len, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60,
		    t % 60);
	else
		snprintf(buf, len, "%lu:%02lu", t / 60, t % 60);
}

void
progress_start(struct progress *p, FILE *fp, bool live, bool known,
    uint64_t total)
{
	memset(p, 0, sizeof(*p));
	p->fp = fp;
	p->live = live;
	p->tty = live && isatty(fileno(fp));
	p->known = known;
	p->total = total;
	p->t0 = p->last = report_now();
}

static void
progress_line(struct progress *p, const struct copy_result *r, enum method m,
    bool final)
{
	char done[16], total[16], rate[16], eta[48];
	double secs = report_now() - p->t0;
	double bps = secs > 0 ? (double)r->bytes / secs : 0;

	size_human(done, sizeof(done), r->bytes);
	size_human(rate, sizeof(rate), (uint64_t)bps);
	fprintf(p->fp, "%s: %s", getprogname(), done);
	if (p->known) {
		size_human(total, sizeof(total), p->total);
		fprintf(p->fp, " of %s (%d%%)", total, p->total == 0 ? 100 :
		    (int)((double)r->bytes * 100 / (double)p->total));
	}
	fprintf(p->fp, ", %s/s", rate);
	if (final) {
		clock_fmt(eta, sizeof(eta), secs);
		fprintf(p->fp, ", %s elapsed", eta);
	} else if (p->known && bps > 0 && r->bytes <= p->total) {
		clock_fmt(eta, sizeof(eta),
		    (double)(p->total - r->bytes) / bps);
		fprintf(p->fp, ", ETA %s", eta);
	}
	if (m != M_NONE)
		fprintf(p->fp, ", via %s", method_name(m));
}

/* One copy's line, for draw(). */
struct copy_line {
	const struct copy_result	*r;
	enum method			 m;
};

static void
copy_line(struct progress *p, const void *arg)
{
	const struct copy_line *c = arg;

	progress_line(p, c->r, c->m, false);
}

/*
 * Put a line out as -P and SIGUSR1 want it: a status line whole, below
 * any live one; a live one redrawn in place on a terminal, elsewhere a
 * plain line a second at most.
 */
static void
draw(struct progress *p, bool status, void (*line)(struct progress *,
    const void *), const void *arg)
{
	double now = report_now();

	flockfile(p->fp);
	if (status || !p->live) {
		if (p->drawn)
			fputc('\n', p->fp);
		p->drawn = false;
		line(p, arg);
		fputc('\n', p->fp);
	} else if (p->tty) {
		fputc('\r', p->fp);
		line(p, arg);
		fputs("\033[K", p->fp);
		p->drawn = true;
	} else if (now - p->last >= 1.0) {
		line(p, arg);
		fputc('\n', p->fp);
		p->last = now;
	}
	fflush(p->fp);
	funlockfile(p->fp);
}

void
progress_show(struct progress *p, const struct copy_result *r, enum method m,
    bool status)
{
	struct copy_line c = { r, m };

	draw(p, status, copy_line, &c);
}

/* The line of a tree: files and bytes of the totals, rate, ETA, file. */
static void
tree_line(struct progress *p, const void *arg)
{
	const struct tree_status *t = arg;
	char done[16], total[16], rate[16], eta[48];
	double secs = report_now() - p->t0;
	double bps = secs > 0 ? (double)t->bytes_done / secs : 0;
	const char *more = t->counting ? "+" : "";

	size_human(done, sizeof(done), t->bytes_done);
	size_human(total, sizeof(total), t->bytes_total);
	size_human(rate, sizeof(rate), (uint64_t)bps);
	fprintf(p->fp, "%s: %" PRIu64 " of %" PRIu64 "%s files, %s of %s%s",
	    getprogname(), t->files_done, t->files_total, more, done, total,
	    more);
	if (t->counting)
		fputs(" (counting)", p->fp);
	else
		fprintf(p->fp, " (%d%%)", t->bytes_total == 0 ? 100 :
		    (int)((double)t->bytes_done * 100 /
		    (double)t->bytes_total));
	fprintf(p->fp, ", %s/s", rate);
	if (t->final) {
		clock_fmt(eta, sizeof(eta), secs);
		fprintf(p->fp, ", %s elapsed", eta);
	} else if (!t->counting && bps > 0 && t->bytes_done <= t->bytes_total) {
		clock_fmt(eta, sizeof(eta),
		    (double)(t->bytes_total - t->bytes_done) / bps);
		fprintf(p->fp, ", ETA %s", eta);
	}
	if (!t->final && t->current != NULL)
		fprintf(p->fp, ", %s", quote(t->current));
}

void
progress_tree(struct progress *p, const struct tree_status *t, bool status)
{
	if (t->final) {
		if (!p->live)
			return;
		if (p->tty)
			fputc('\r', p->fp);
		tree_line(p, t);
		if (p->tty)
			fputs("\033[K", p->fp);
		fputc('\n', p->fp);
		p->drawn = false;
		fflush(p->fp);
		return;
	}
	draw(p, status, tree_line, t);
}

void
progress_end(struct progress *p, const struct copy_result *r)
{
	enum method m, last = M_NONE;

	if (!p->live)
		return;
	for (m = 0; m < M_COUNT; m++)
		if (r->m[m].bytes > 0 || r->m[m].used)
			last = m;
	if (p->tty)
		fputc('\r', p->fp);
	progress_line(p, r, last, true);
	if (p->tty)
		fputs("\033[K", p->fp);
	fputc('\n', p->fp);
	p->drawn = false;
	fflush(p->fp);
}
