/*
 * dd's conversions (conv=ascii, ebcdic, ibm, lcase, ucase, swab, block,
 * unblock) and its gathering of output into obs-sized writes.  Input
 * blocks come in whole; what they become leaves in blocks of obs bytes,
 * the last one short.
 */
#include "config.h"

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <string.h>

#include "dd.h"
#include "quote.h"

/*
 * EBCDIC to ASCII, the table of POSIX dd's ascii conversion, in octal.
 * It is one-to-one: ebcdic is its inverse.
 */
static const unsigned char ebcdic_to_ascii[256] = {
	0000, 0001, 0002, 0003, 0234, 0011, 0206, 0177,
	0227, 0215, 0216, 0013, 0014, 0015, 0016, 0017,
	0020, 0021, 0022, 0023, 0235, 0205, 0010, 0207,
	0030, 0031, 0222, 0217, 0034, 0035, 0036, 0037,
	0200, 0201, 0202, 0203, 0204, 0012, 0027, 0033,
	0210, 0211, 0212, 0213, 0214, 0005, 0006, 0007,
	0220, 0221, 0026, 0223, 0224, 0225, 0226, 0004,
	0230, 0231, 0232, 0233, 0024, 0025, 0236, 0032,
	0040, 0240, 0241, 0242, 0243, 0244, 0245, 0246,
	0247, 0250, 0325, 0056, 0074, 0050, 0053, 0174,
	0046, 0251, 0252, 0253, 0254, 0255, 0256, 0257,
	0260, 0261, 0041, 0044, 0052, 0051, 0073, 0176,
	0055, 0057, 0262, 0263, 0264, 0265, 0266, 0267,
	0270, 0271, 0313, 0054, 0045, 0137, 0076, 0077,
	0272, 0273, 0274, 0275, 0276, 0277, 0300, 0301,
	0302, 0140, 0072, 0043, 0100, 0047, 0075, 0042,
	0303, 0141, 0142, 0143, 0144, 0145, 0146, 0147,
	0150, 0151, 0304, 0305, 0306, 0307, 0310, 0311,
	0312, 0152, 0153, 0154, 0155, 0156, 0157, 0160,
	0161, 0162, 0136, 0314, 0315, 0316, 0317, 0320,
	0321, 0345, 0163, 0164, 0165, 0166, 0167, 0170,
	0171, 0172, 0322, 0323, 0324, 0133, 0326, 0327,
	0330, 0331, 0332, 0333, 0334, 0335, 0336, 0337,
	0340, 0341, 0342, 0343, 0344, 0135, 0346, 0347,
	0173, 0101, 0102, 0103, 0104, 0105, 0106, 0107,
	0110, 0111, 0350, 0351, 0352, 0353, 0354, 0355,
	0175, 0112, 0113, 0114, 0115, 0116, 0117, 0120,
	0121, 0122, 0356, 0357, 0360, 0361, 0362, 0363,
	0134, 0237, 0123, 0124, 0125, 0126, 0127, 0130,
	0131, 0132, 0364, 0365, 0366, 0367, 0370, 0371,
	0060, 0061, 0062, 0063, 0064, 0065, 0066, 0067,
	0070, 0071, 0372, 0373, 0374, 0375, 0376, 0377
};

/*
 * conv=ibm, the alternate EBCDIC of IBM's own dd: conv=ebcdic but for
 * these five bytes (the circumflex, the tilde and three that make room).
 */
static const unsigned char ibm_changes[][2] = {
	{ 0x5e, 0x5f }, { 0x7e, 0xa1 }, { 0xcb, 0x9a }, { 0xd5, 0xad },
	{ 0xe5, 0xbd }
};

/*
 * The one table of all the byte conversions, composed in dd's order:
 * EBCDIC to ASCII, then the case, then ASCII to EBCDIC.  block and
 * unblock then look for the newline and space as converted.
 */
void
dd_conv_setup(struct dd_run *r)
{
	unsigned char to_ebcdic[256];
	unsigned c = r->conv;
	size_t i;

	for (i = 0; i < 256; i++) {
		r->trans[i] = (unsigned char)i;
		to_ebcdic[ebcdic_to_ascii[i]] = (unsigned char)i;
	}
	if (c & DD_C_IBM)
		for (i = 0; i < sizeof(ibm_changes) / sizeof(ibm_changes[0]);
		    i++)
			to_ebcdic[ibm_changes[i][0]] = ibm_changes[i][1];
	for (i = 0; i < 256; i++) {
		if (c & DD_C_ASCII)
			r->trans[i] = ebcdic_to_ascii[i];
		if (c & DD_C_UCASE)
			r->trans[i] = (unsigned char)toupper(r->trans[i]);
		else if (c & DD_C_LCASE)
			r->trans[i] = (unsigned char)tolower(r->trans[i]);
		if (c & (DD_C_EBCDIC | DD_C_IBM))
			r->trans[i] = to_ebcdic[r->trans[i]];
	}
	r->translate = (c & (DD_C_ASCII | DD_C_EBCDIC | DD_C_IBM |
	    DD_C_UCASE | DD_C_LCASE)) != 0;
	r->nl = '\n';
	r->sp = ' ';
	if (c & (DD_C_EBCDIC | DD_C_IBM)) {
		r->nl = (char)to_ebcdic['\n'];
		r->sp = (char)to_ebcdic[' '];
	}
	r->saved = -1;
}

/* A full obuf goes out as one write of obs bytes. */
static void
write_output(struct dd_run *r)
{
	size_t obs = (size_t)r->dd->obs, n;

	n = dd_write(r, r->obuf, obs);
	r->w_bytes += (int64_t)n;
	if (n != obs) {
		if (!r->stopped)
			warn("writing to %s", quote(r->oname));
		r->status = 1;
		r->quit = true;
		return;
	}
	r->w_full++;
	r->oc = 0;
}

static void
output_char(struct dd_run *r, char c)
{
	if (r->quit)
		return;
	r->obuf[r->oc++] = c;
	if (r->oc >= (size_t)r->dd->obs)
		write_output(r);
}

static void
copy_simple(struct dd_run *r, const char *buf, size_t n)
{
	size_t room;

	while (n > 0 && !r->quit) {
		room = (size_t)r->dd->obs - r->oc;
		if (room > n)
			room = n;
		memcpy(r->obuf + r->oc, buf, room);
		r->oc += room;
		buf += room;
		n -= room;
		if (r->oc >= (size_t)r->dd->obs)
			write_output(r);
	}
}

/*
 * conv=block: each line becomes a record of cbs bytes, padded with
 * spaces, its newline dropped; a longer line is cut and counted.
 */
static void
copy_block(struct dd_run *r, const char *buf, size_t n)
{
	int64_t cbs = r->dd->cbs;
	size_t i;

	/* dd stops at a failed write, counting no further. */
	for (i = 0; i < n && !r->quit; i++) {
		if (buf[i] == r->nl) {
			for (; r->col < cbs; r->col++)
				output_char(r, r->sp);
			r->col = 0;
		} else {
			if (r->col == cbs)
				r->r_truncate++;
			else if (r->col < cbs)
				output_char(r, buf[i]);
			r->col++;
		}
	}
}

/*
 * conv=unblock: records of cbs bytes become lines, without their
 * trailing spaces.  Spaces wait until something else follows them.
 */
static void
copy_unblock(struct dd_run *r, const char *buf, size_t n)
{
	size_t i = 0;

	while (i < n && !r->quit) {
		if (r->col++ >= r->dd->cbs) {
			r->col = r->pending = 0;
			output_char(r, r->nl);
			continue;	/* this byte starts the next record */
		}
		if (buf[i] == r->sp)
			r->pending++;
		else {
			for (; r->pending > 0; r->pending--)
				output_char(r, r->sp);
			output_char(r, buf[i]);
		}
		i++;
	}
}

static void
copy_out(struct dd_run *r, const char *buf, size_t n)
{
	if (r->conv & DD_C_BLOCK)
		copy_block(r, buf, n);
	else if (r->conv & DD_C_UNBLOCK)
		copy_unblock(r, buf, n);
	else
		copy_simple(r, buf, n);
}

/*
 * conv=swab over the stream: bytes pair up across blocks, and an odd one
 * waits for the next block (or the end) in r->saved.
 */
static size_t
swab_stream(struct dd_run *r, const char *buf, size_t n, char *out)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (r->saved < 0) {
			r->saved = (unsigned char)buf[i];
			continue;
		}
		out[k++] = buf[i];
		out[k++] = (char)r->saved;
		r->saved = -1;
	}
	return k;
}

void
dd_convert(struct dd_run *r, char *buf, size_t n)
{
	size_t i;

	if (r->translate)
		for (i = 0; i < n; i++)
			buf[i] = (char)r->trans[(unsigned char)buf[i]];
	if (r->conv & DD_C_SWAB) {
		n = swab_stream(r, buf, n, r->swab_buf);
		buf = r->swab_buf;
	}
	copy_out(r, buf, n);
}

/*
 * After the last block: swab's odd byte, block's padding of a last line
 * without a newline, unblock's last newline, then the short last write.
 */
void
dd_conv_flush(struct dd_run *r)
{
	char c;
	size_t n;

	if (r->saved >= 0) {
		c = (char)r->saved;
		r->saved = -1;
		copy_out(r, &c, 1);
	}
	if ((r->conv & DD_C_BLOCK) && r->col > 0)
		for (; r->col < r->dd->cbs; r->col++)
			output_char(r, r->sp);
	if ((r->conv & DD_C_UNBLOCK) && r->col > 0)
		output_char(r, r->nl);
	if (r->quit || r->oc == 0)
		return;
	n = dd_write(r, r->obuf, r->oc);
	r->w_bytes += (int64_t)n;
	if (n != 0)
		r->w_partial++;
	if (n != r->oc) {
		if (!r->stopped)
			warn("error writing %s", quote(r->oname));
		r->status = 1;
		r->quit = true;
	}
	r->oc = 0;
}
