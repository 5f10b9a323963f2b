/*
 * dd operand mode (kcp(1), DD OPERANDS): the key=value operands, the copy
 * they ask for, and dd's closing record and byte lines.
 */
#ifndef KCP_DD_H
#define KCP_DD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "options.h"

/* dd_args.c: true when the operands are dd's key=value words. */
bool	dd_is_operands(int nops, char **ops);

/*
 * dd_args.c: translate o's key=value operands into kcp's options.
 * Returns 0, or -1 with a message in err (options_parse's convention).
 */
int	dd_parse(struct options *o, char *err, size_t len);

/* dd.c: run the copy and print dd's closing lines; the exit status. */
int	dd_main(struct options *o);

/* dd.c: print "N+M records in", "N+M records out" and the bytes line. */
void	dd_report(FILE *fp, const struct dd_options *dd, uint64_t bytes,
	    double secs);

#endif
