/*
 * A tiny Test Anything Protocol emitter for the C unit tests, read by
 * automake's TAP driver.  Everything goes to stdout: "ok N - name" lines,
 * diagnostics as "# " lines, the plan at the start or at the end.
 *
 * Header-only; include it from one file per test program.  The functions
 * are static inline so that a test need not use all of them.
 */
#ifndef KCP_TAP_H
#define KCP_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAP_PRINTF(f, a)	__attribute__((__format__(__printf__, f, a)))

static int		 tap_run;	/* test points emitted */
static int		 tap_failed;	/* failed, not counting TODO */
static int		 tap_planned = -1;
static const char	*tap_todo_why;	/* set inside a TODO block */

/* Print a message as diagnostic lines, one "# " per line. */
static inline void
tap_vdiag(const char *fmt, va_list ap)
{
	char buf[2048], *p, *nl;

	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	for (p = buf;; p = nl + 1) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl = '\0';
		printf("# %s\n", p);
		if (nl == NULL || nl[1] == '\0')
			break;
	}
	fflush(stdout);
}

static inline void TAP_PRINTF(1, 2)
diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vdiag(fmt, ap);
	va_end(ap);
}

/* Announce the number of tests up front (optional: see done_testing). */
static inline void
plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

/* Stop the whole run: setup failed, nothing after this can mean much. */
static inline _Noreturn void TAP_PRINTF(1, 2)
bail_out(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

static inline int
tap_vok(int cond, const char *fmt, va_list ap)
{
	tap_run++;
	printf("%s %d - ", cond ? "ok" : "not ok", tap_run);
	vprintf(fmt, ap);
	if (tap_todo_why != NULL)
		printf(" # TODO %s", tap_todo_why);
	printf("\n");
	fflush(stdout);
	if (!cond && tap_todo_why == NULL)
		tap_failed++;
	return cond;
}

/* One test point; returns cond so that callers can add diagnostics. */
static inline int TAP_PRINTF(2, 3)
ok(int cond, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = tap_vok(cond, fmt, ap);
	va_end(ap);
	return r;
}

/* Compare two integers; on failure say what was got and expected. */
static inline int TAP_PRINTF(3, 4)
is_int(long long got, long long want, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = tap_vok(got == want, fmt, ap);
	va_end(ap);
	if (!r) {
		diag("     got: %lld", got);
		diag("expected: %lld", want);
	}
	return r;
}

/* Emit n test points that could not run here, with the reason. */
static inline void TAP_PRINTF(2, 3)
skip(int n, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	while (n-- > 0) {
		tap_run++;
		printf("ok %d # SKIP %s\n", tap_run, why);
	}
	fflush(stdout);
}

/* Test points until todo_end() are expected to fail for this reason. */
static inline void
todo_start(const char *why)
{
	tap_todo_why = why;
}

static inline void
todo_end(void)
{
	tap_todo_why = NULL;
}

/*
 * Print the plan if none was given, and return the exit status: 0 when
 * every test passed and the plan was kept, 1 otherwise.
 */
static inline int
done_testing(void)
{
	if (tap_planned < 0)
		printf("1..%d\n", tap_run);
	else if (tap_planned != tap_run)
		diag("planned %d tests but ran %d", tap_planned, tap_run);
	if (tap_failed > 0)
		diag("failed %d test%s of %d", tap_failed,
		    tap_failed == 1 ? "" : "s", tap_run);
	fflush(stdout);
	return tap_failed == 0 &&
	    (tap_planned < 0 || tap_planned == tap_run) ? 0 : 1;
}

#endif
