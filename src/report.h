/*
 * What kcp tells the user about a copy: the verbose line of SPEC section 4
 * and the -vv decision lines.
 */
#ifndef KCP_REPORT_H
#define KCP_REPORT_H

#include <stdio.h>

#include "engine.h"

/* Monotonic seconds, for timing a copy. */
double	report_now(void);

/* The errno's symbolic name ("EXDEV"), or its number. */
const char *report_errname(int);

/* Write the one-line summary of a copy to fp. */
void	report_copy(FILE *, const char *, const char *,
	    const struct copy_result *, double);

/* A -vv line: method m was left with err, or skipped for why. */
void	report_decision(FILE *, const char *, const char *, enum method,
	    int, const char *);

#endif
