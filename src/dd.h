/*
 * dd operand mode: dd's closing record and byte lines.
 */
#ifndef KCP_DD_H
#define KCP_DD_H

#include <stdint.h>
#include <stdio.h>

#include "options.h"

/* Print "N+M records in", "N+M records out" and the bytes line. */
void	dd_report(FILE *, const struct dd_options *, uint64_t, double);

#endif
