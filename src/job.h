/*
 * One copy job: SOURCE to DEST, step by step (open SOURCE, open DEST,
 * check, plan, run the engine, finish, close).  Any caller may run one
 * for one file: the cp-style operands and dd mode do.
 */
#ifndef KCP_JOB_H
#define KCP_JOB_H

#include <stdint.h>

#include "atname.h"
#include "options.h"

/*
 * Copy src to dst ("-": the standard streams) as o says.  Returns 0, or 1
 * after a diagnosed error.  *bytes, when not NULL, receives the bytes
 * copied, and is left alone when the copy never started (dd's report).
 */
int	job_copy(const char *src, const char *dst, const struct options *o,
	    uint64_t *bytes);

/* The same for files named relative to directories (trees). */
int	job_run(const struct atname *src, const struct atname *dst,
	    const struct options *o, uint64_t *bytes);

#endif
