/*
 * The offload methods: their order on the ladder, their names (the tokens
 * of --method and of the -v line) and the parsing of a --method list.
 */
#ifndef KCP_METHOD_H
#define KCP_METHOD_H

#include <stdbool.h>

/* The methods, in ladder order. */
enum method {
	M_NONE = -1,	/* no method: none ran, or not a method's doing */
	M_REFLINK,
	M_COPY_FILE_RANGE,
	M_SENDFILE,
	M_SPLICE,
	M_READWRITE,
	M_COUNT
};

#define M_BIT(m)	(1u << (m))
#define M_ALL		((1u << M_COUNT) - 1)

/* The token of m ("copy_file_range"), or "none" for M_NONE. */
const char	*method_name(enum method m);

/*
 * Parse "auto" or a comma list of method tokens into a set of M_BITs.
 * *single is true when the list names one method, which is then forced;
 * otherwise readwrite is added as the last resort.  Returns 0, or -1 with
 * *bad and *badlen naming the word that is not a method (an empty list:
 * an empty word).
 */
int		 method_parse_list(const char *list, unsigned *set,
		    bool *single, const char **bad, int *badlen);

#endif
