/*
 * mewlz.h - MEW's LZMA variant.
 *
 * MEW 11's LZMA stub decodes plain LZMA (4 literal context bits, no
 * literal position bits, 2 position bits) with 16-bit probabilities it
 * keeps in the unpacking buffer itself, and a block list in front of the
 * streams. mewlz_decode follows ClamAV 1.4's mew_lzma to the bit: the
 * same block list, the same checks (a probability or an input byte
 * outside the buffer, a copy whose window leaves it), the same end (the
 * block's size, or a zero distance), and, when the stub filtered calls,
 * the same fix-up of e8/e9 operands.
 */
#ifndef VG_UNPACK_MEWLZ_H
#define VG_UNPACK_MEWLZ_H

#include <stddef.h>
#include <stdint.h>

/* Decode in buf[0 .. blen), the block list at offset at: [count (when
 * special)] probabilities' VA, then per block: output size, output VA,
 * stream size, 1 byte, 5-byte range coder start, stream; a zero size
 * ends the list (special: one block, then count bytes of output get
 * their call operands fixed). VAs become offsets by subtracting vma.
 * Returns 0, or -1 on broken data. Pure; time linear in the output. */
int mewlz_decode(uint8_t *buf, size_t blen, size_t at, uint32_t vma, int special);

#endif
