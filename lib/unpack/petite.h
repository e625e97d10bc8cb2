/*
 * petite.h - unpacking PE files packed with Petite 2.x.
 *
 * Petite compresses each section with an NRV-like LZ coder (literals
 * XORed with the count of bytes left), keeps a list of packed sections
 * at a fixed offset in its own section, appends its decoder to the last
 * one it unpacks and hides the original entry point, encrypted with a
 * key taken from its import table. petite_unpack does what ClamAV 1.4's
 * petite.c does: decompress each section into the image laid out from
 * the lowest RVA, strip the decoder, guess the sections' sizes, decrypt
 * the entry point and rebuild a PE around the sections.
 */
#ifndef VG_UNPACK_PETITE_H
#define VG_UNPACK_PETITE_H

#include <stddef.h>
#include <stdint.h>

#include "formats/pe.h"

enum { PETITE_OK = 0, PETITE_FAIL = -1, PETITE_NOMEM = -2 };

/* Which Petite stub the entry point holds (ep: 4096 bytes, zero-padded):
 * 2 (its section is the last), 1 (the one before), 0 none or a level 0
 * (stored) file, which clamscan does not unpack. */
int petite_detect(const struct pe_image *pe, const uint8_t *ep);

/* Unpack buf[0..bufsz) (the sections' raw data at rva - pe->min) for
 * version 1 or 2, with sectcount the sections Petite's own is the last
 * of. PETITE_OK with *out the rebuilt PE (malloc'ed, *outlen);
 * PETITE_FAIL when the packed data is not Petite's or is broken. Pure. */
int petite_unpack(uint8_t *buf, uint32_t bufsz, const struct pe_image *pe, uint32_t sectcount,
                  int version, uint8_t **out, size_t *outlen);

#endif
