/*
 * File names quoted for messages, as GNU cp quotes them in its diagnostics
 * ("cannot stat 'NAME'"), so that kcp's messages read the same and any
 * name, however awkward, comes out on one line as a shell word.
 */
#ifndef KCP_QUOTE_H
#define KCP_QUOTE_H

#include <stddef.h>

/* How many quote() results stay valid at once, per thread. */
#define QUOTE_SLOTS	4

/*
 * Quote name, quotes included: 'a b', "it's", 'a'$'\n''b'.  The result
 * lives in one of QUOTE_SLOTS buffers of the calling thread, used in turn,
 * so it stays valid until that many more calls from the same thread: enough
 * for a message that names two or three files.  Never NULL: when memory
 * runs out the result is the fixed marker '?'.
 */
const char *quote(const char *name);

/*
 * The same quoting into buf, truncated to len - 1 bytes and terminated
 * when len > 0.  Returns the length of the whole quoted name, without the
 * terminating NUL, as snprintf does: a result >= len means truncation.
 */
size_t	quote_buf(char *buf, size_t len, const char *name);

/*
 * name as it is where a shell would read it so (letters, digits and
 * "%+,-./:=@_^"), else quote(name): the style of cp's messages that put
 * a name in front ("d/x: can make relative symbolic links ...").
 */
const char *quote_maybe(const char *name);

/* Free the calling thread's buffers, e.g. before a worker thread ends. */
void	quote_free(void);

#endif
