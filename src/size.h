/*
 * SIZE operands (kcp(1), Sizes) and human-readable sizes.
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
int	size_parse(const char *s, int64_t *out);

/* Format a byte count or rate like "1.2 GiB" into buf (libbsd underneath). */
void	size_human(char *buf, size_t len, uint64_t bytes);

#endif
