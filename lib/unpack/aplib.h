/*
 * aplib.h - the aPLib-style LZ77 decoder of MEW and FSG.
 *
 * MEW 11 (and FSG) compress each section with the same code: a first
 * literal byte, then tag bits read MSB first from bytes interleaved with
 * the data, telling apart a literal, a one-byte reference with a 4-bit
 * offset (or a zero byte), a short reference with a 7-bit offset (whose
 * offset 0 ends the stream), and a reference with a gamma-coded offset
 * and length (or a repeat of the last offset). ClamAV 1.4's packlibs.c
 * (unmew, cli_unfsg) decodes it inside one buffer where the packed and
 * the unpacked bytes may overlap; aplib_decode does the same over offsets
 * into one buffer, and gives up where ClamAV does (a tag byte read needs
 * two bytes left in the stream, a reference before the output's start or
 * past its end).
 */
#ifndef VG_UNPACK_APLIB_H
#define VG_UNPACK_APLIB_H

#include <stddef.h>
#include <stdint.h>

/* Decode the stream at buf[src .. src + slen) into buf[dst .. dst + dlen)
 * (windows of buf[0 .. blen), both at least one byte, may overlap; the
 * caller checked them). On success returns 0 with *send the offset just
 * past the end marker and *dend the offset just past the last byte
 * written; -1 when the stream is broken or leaves a window. Pure; time
 * linear in slen + dlen. */
int aplib_decode(uint8_t *buf, size_t blen, size_t src, size_t slen, size_t dst, size_t dlen,
                 size_t *send, size_t *dend);

#endif
