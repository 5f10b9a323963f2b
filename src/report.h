/*
 * What kcp tells the user about a copy: the verbose line (kcp(1), VERBOSE
 * OUTPUT), the -vv decision lines, and the progress and status lines.
 */
#ifndef KCP_REPORT_H
#define KCP_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine.h"

/* A live progress line (-P), or the one-shot status line (SIGUSR1). */
struct progress {
	FILE		*fp;
	bool		 live;		/* -P: redraw as the copy goes */
	bool		 tty;		/* redraw in place with \r */
	bool		 drawn;		/* a line is on screen, unfinished */
	bool		 known;		/* the total is known */
	uint64_t	 total;
	double		 t0;
	double		 last;		/* when the last plain line was out */
};

/* Monotonic seconds, for timing a copy. */
double	report_now(void);

/* The errno's symbolic name ("EXDEV"), or its number. */
const char *report_errname(int e);

/* Write the one-line summary of a copy to fp. */
void	report_copy(FILE *fp, const char *src, const char *dst,
	    const struct copy_result *r, double secs);

/* A -vv line: method m was left with err, or skipped for why. */
void	report_decision(FILE *fp, const char *src, const char *dst,
	    enum method m, int err, const char *why);

/* Start a copy's progress; total is bytes expected, or known = false. */
void	progress_start(struct progress *p, FILE *fp, bool live, bool known,
	    uint64_t total);

/* Draw the line now (live redraw, or a status line when !live). */
void	progress_show(struct progress *p, const struct copy_result *r,
	    enum method cur, bool status);

/* Where a tree copy stands, for its one progress line. */
struct tree_status {
	uint64_t	 files_done, files_total;
	uint64_t	 bytes_done, bytes_total;
	bool		 counting;	/* the totals are still being counted */
	bool		 final;		/* the copy is over */
	const char	*current;	/* the file being copied, or NULL */
};

/* Draw a tree's line (-P), or a status line (SIGUSR1); final ends it. */
void	progress_tree(struct progress *p, const struct tree_status *t,
	    bool status);

/* The final line of a live progress display. */
void	progress_end(struct progress *p, const struct copy_result *r);

#endif
