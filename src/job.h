/*
 * One copy job: SOURCE to DEST, step by step (open SOURCE, open DEST,
 * check, plan, run the engine, finish, close).  Any caller may run one
 * for one file: the cp-style operands and dd mode do.
 */
#ifndef KCP_JOB_H
#define KCP_JOB_H

#include <stdint.h>

#include "atname.h"
#include "engine.h"
#include "options.h"

/*
 * Copy src to dst ("-": the standard streams) as o says.  Returns 0, or 1
 * after a diagnosed error.  *bytes, when not NULL, receives the bytes
 * copied (with --resume, those DEST held already too), and is left alone
 * when the copy never started (dd's report).
 */
int	job_copy(const char *src, const char *dst, const struct options *o,
	    uint64_t *bytes);

/* The same for files named relative to directories (trees). */
int	job_run(const struct atname *src, const struct atname *dst,
	    const struct options *o, uint64_t *bytes);

/*
 * A caller that draws its own progress line (a tree's): told at each
 * tick of -P, and at SIGUSR1 (status), instead of the job drawing one.
 */
struct job_watch {
	void	(*tick)(void *arg, const struct copy_result *r, bool status);
	void	*arg;
};

int	job_run_watched(const struct atname *src, const struct atname *dst,
	    const struct options *o, const struct job_watch *w,
	    uint64_t *bytes);

#endif
