/*
 * What kcp knows of a copy in parts outside the engine: the extended
 * attribute that marks a DEST while its parts are being copied (only a
 * killed copy leaves it), for --resume.
 */
#ifndef KCP_PARTS_H
#define KCP_PARTS_H

#define PARTS_XATTR	"user.kcp.parts"

#endif
