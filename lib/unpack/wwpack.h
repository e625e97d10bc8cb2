/*
 * wwpack.h - unpacking PE files packed with WWPack32.
 *
 * WWPack32 compresses the program's sections in place and appends a
 * section with its stub and a table of compressed blocks (17 bytes
 * each: where the block ends, its length in dwords, a "more" flag). The
 * caller lays the headers and the other sections out at their RVAs;
 * wwpack_unpack decompresses each block there as ClamAV 1.4's
 * wwunpack.c does and fixes the header (the WWPack section dropped, the
 * entry point the stub keeps, raw offsets equal to RVAs).
 */
#ifndef VG_UNPACK_WWPACK_H
#define VG_UNPACK_WWPACK_H

#include <stdint.h>

#include "formats/pe.h"

/* Unpack in exe[0..exesz) (headers and sections at their RVAs, zeroed
 * elsewhere) with ww[0..wwsz) the WWPack section's raw data. 0 when
 * the image is ready to scan (all of exe), -1 when decompression or the
 * header fix failed. Pure. */
int wwpack_unpack(uint8_t *exe, uint32_t exesz, const uint8_t *ww, uint32_t wwsz,
                  const struct pe_image *pe);

/* Whether the stub at the entry point (ep: 4096 bytes, zero-padded) is
 * WWPack32's, in its last section, as cli_scanpe checks. */
int wwpack_detect(const struct pe_image *pe, const uint8_t *ep);

#endif
