/*
 * nsisbz.h - the bzip2 variant of NSIS installers (makensis's
 * "SetCompressor bzip2"), as clamscan's nsis_bzlib reads it.
 *
 * NSIS stripped bzip2 of everything but the blocks: no "BZh" stream
 * header, no block magic beyond its first byte (0x31; 0x17 ends the
 * stream), no CRCs and no randomisation bit; blocks are at most 900,000
 * bytes (level 9). Inside a block the coding is bzip2's: symbol map,
 * Huffman groups with selectors, move-to-front with RUNA/RUNB runs, the
 * inverse Burrows-Wheeler transform and the run-length step.
 *
 * The whole input is in memory; output is pulled in pieces, so that a
 * solid installer can be read member by member without holding more than
 * one block (3.6 MB of state).
 */
#ifndef VG_CONTAINERS_NSISBZ_H
#define VG_CONTAINERS_NSISBZ_H

#include <stddef.h>
#include <stdint.h>

struct nsisbz;

/* A decoder over in[0..n) (borrowed until nsisbz_free). NULL when out of
 * memory. */
struct nsisbz *nsisbz_new(const uint8_t *in, size_t n);

/* Decode up to cap bytes into out; *got receives how many. Returns
 * NSISBZ_MORE (out is full, more may follow), NSISBZ_END (the end marker
 * was reached and everything before it delivered), NSISBZ_TRUNC (the
 * input ended inside a block), NSISBZ_BAD (malformed) or NSISBZ_NOMEM.
 * After anything but NSISBZ_MORE the decoder only returns that again. */
int nsisbz_read(struct nsisbz *z, uint8_t *out, size_t cap, size_t *got);

/* Input bytes not yet taken into the bit reader. */
size_t nsisbz_left(const struct nsisbz *z);

void nsisbz_free(struct nsisbz *z);

enum { NSISBZ_MORE, NSISBZ_END, NSISBZ_TRUNC, NSISBZ_BAD, NSISBZ_NOMEM };

#endif
