/*
 * yc.h - decrypting PE files protected with yoda's Crypter (yC) 1.x.
 *
 * yC appends a section holding a polymorphic decryptor: a short run of
 * byte operations (add, sub, xor, rotate, with constants or the
 * counter) applied to every byte of the other sections, itself
 * encrypted once more by a first decryptor. yc_decrypt runs both the way
 * ClamAV 1.4's yc.c does - it interprets the decryptor's instructions
 * rather than recognising them - in place over a copy of the file, then
 * drops the yC section from the header, clears the import directory and
 * puts back the original entry point.
 */
#ifndef VG_UNPACK_YC_H
#define VG_UNPACK_YC_H

#include <stdint.h>

#include "formats/pe.h"

enum { YC_OK = 0, YC_FAIL = 1, YC_BOUNDS = 2 };

/* Decrypt f[0..fsize) in place; f has fsize + 1 bytes (ClamAV's bound
 * checks let the decryptor touch the byte just past the file: vigil
 * gives it a zero byte there). ecx and offset are what the stub at the
 * entry point says (the first decryptor's length, the variant's shift).
 * YC_OK with *outlen the unpacked file's length (the yC section's raw
 * data cut off); YC_FAIL when the decryptor holds an instruction it does
 * not know, loops (10^8 jumps) or the header cannot be fixed; YC_BOUNDS
 * when the decryptor runs outside the file (clamscan then reports
 * Heuristics.BoundsCheck). Pure. */
int yc_decrypt(uint8_t *f, uint32_t fsize, const struct pe_image *pe, uint32_t ecx,
               int16_t offset, uint32_t *outlen);

/* What the stub at the entry point (ep: 4096 bytes, zero-padded) says:
 * 1 with *ecx and *offset for a yC 1.3, 1.3 variant or 1.x stub that
 * cli_scanpe would decrypt (file size fsize), 0 if none. */
int yc_detect(const struct pe_image *pe, const uint8_t *ep, uint64_t fsize, uint32_t *ecx,
              int16_t *offset);

#endif
