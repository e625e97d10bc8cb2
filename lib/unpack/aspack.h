/*
 * aspack.h - unpacking PE files packed with ASPack 2.x.
 *
 * ASPack compresses each section with an LZ77 coder whose symbols are
 * Huffman-coded (canonical codes, lengths sent with a code of their
 * own, rebuilt whenever the stream says so), keeps a table of
 * compressed blocks (RVA, size) in its stub and the original entry
 * point in a "push imm32; ret" near its end. aspack_unpack decompresses
 * each block in place over the sections laid out at their RVAs, undoes
 * the call/jump address transform of the first block and rebuilds a PE
 * around the sections, as ClamAV 1.4's aspack.c does for the stubs of
 * versions 2.12, 2.12-2.42 and 2.42.
 */
#ifndef VG_UNPACK_ASPACK_H
#define VG_UNPACK_ASPACK_H

#include <stddef.h>
#include <stdint.h>

#include "formats/pe.h"

enum aspack_ver { ASPACK_NONE = 0, ASPACK_212, ASPACK_OTHER, ASPACK_242 };

/* aspack_unpack's results */
enum { ASPACK_OK = 0, ASPACK_RAW = 1, ASPACK_FAIL = -1, ASPACK_NOMEM = -2 };

/* Which stub is at the entry point (ep: 4096 bytes, zero-padded, epsize
 * of them from the file of flen bytes), as cli_scanpe looks: ASPACK_NONE
 * if none. */
enum aspack_ver aspack_detect(const struct pe_image *pe, const uint8_t *ep, size_t epsize,
                              size_t flen);

/* Unpack image[0..size) (the sections at their RVAs, as cli_scanpe lays
 * them out). ASPACK_OK with *out a rebuilt PE (malloc'ed, *outlen);
 * ASPACK_RAW when the blocks were unpacked but no PE could be rebuilt
 * around them: image itself is the result (ClamAV scans it so);
 * ASPACK_FAIL when a block does not decompress, the table is broken or
 * the stub lies outside the image. Pure. */
int aspack_unpack(uint8_t *image, uint32_t size, const struct pe_image *pe, enum aspack_ver ver,
                  uint8_t **out, size_t *outlen);

#endif
