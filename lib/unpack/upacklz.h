/*
 * upacklz.h - Upack's LZMA variant.
 *
 * Upack 0.39 and later decode LZMA (no position bits; the literal
 * context is the previous byte shifted right by 2..8) with 32-bit
 * probabilities and a range coder that reads a 32-bit big-endian window
 * of the input less the coder's low end, all kept in the unpacking
 * buffer: six state words (range, low, the four last distances) and the
 * probabilities follow each other at ebx. upacklz_decode follows ClamAV
 * 1.4's unupack399 to the bit, including where a probability or the
 * input window lies outside the buffer: most bit reads then count as a
 * one and leave the coder as it was (ClamAV's behaviour), the ones of
 * bit trees end the decoding.
 */
#ifndef VG_UNPACK_UPACKLZ_H
#define VG_UNPACK_UPACKLZ_H

#include <stddef.h>
#include <stdint.h>

/* Where the decoder works, as offsets into the buffer (they may lie
 * outside it: every access is checked). */
struct upacklz_job {
    int64_t ebx;        /* state words, then the probabilities */
    int64_t edi, end;   /* output from edi up to end */
    int64_t in;         /* the input window */
    uint32_t eax, ecx;  /* the stub's registers at the start */
    uint32_t shift;     /* literal context: previous byte >> shift */
};

/* Decode in buf[0 .. blen). Returns 0 when end was reached, -1 on
 * broken data. Pure; time linear in the output. */
int upacklz_decode(uint8_t *buf, size_t blen, const struct upacklz_job *job);

#endif
