/*
 * The totals of -P for a tree: a thread that walks the SOURCE operands
 * while the copy starts, counting regular files and their bytes.
 */
#ifndef KCP_SCAN_H
#define KCP_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "options.h"

struct scan;

/* Start counting srcs[0..n); NULL where no thread could be started. */
struct scan	*scan_start(char **srcs, int n, const struct options *o);

/* What the scan has counted so far, and whether it is done. */
void		 scan_totals(struct scan *s, uint64_t *files, uint64_t *bytes,
		    bool *done);

/* Stop the scan (if it still runs), wait for it and free it. */
void		 scan_stop(struct scan *s);

#endif
