/*
 * SIZE operands (SPEC section 2) and human-readable sizes.
 */
#ifndef KCP_SIZE_H
#define KCP_SIZE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse a SIZE: decimal digits and an optional suffix (K, KiB, KB, ...).
 * Returns 0 and stores the value, or -1 with errno set to EINVAL (bad form)
 * or ERANGE (past INT64_MAX).
 */
int	size_parse(const char *, int64_t *);

/* Format a byte count or rate like "1.2 GiB" into buf (libbsd underneath). */
void	size_human(char *, size_t, uint64_t);

#endif
