/*
 * mew.h - unpacking PE files packed with MEW 11 SE.
 *
 * MEW keeps the program's sections compressed in its second section
 * behind an empty one they are unpacked into. A stub in the PE header
 * area (at file offset 0x154 or 0x158, reached by a jmp at the entry
 * point) starts with "mov esi, <table>": the table holds the original
 * entry point, the first section's destination and then, stream after
 * stream, aPLib data each followed by the next destination (0 ends).
 * When the stub calls an LZMA routine instead (a call at stub + 0x7b),
 * the sections were aPLib-packed once more and LZMA-packed (MEW's LZMA
 * variant, lib/unpack/mewlz.c).
 *
 * mew_unpack follows ClamAV 1.4's unmew11: everything happens in one
 * buffer of dsize + ssize bytes (the empty section's virtual size, then
 * the MEW section's raw data), and the result is rebuilt as a PE
 * (lib/unpack/pebuild.c) with one section per stream (aPLib) or one
 * section of dsize bytes (LZMA).
 */
#ifndef VG_UNPACK_MEW_H
#define VG_UNPACK_MEW_H

#include <stddef.h>
#include <stdint.h>

struct mew_job {
    uint8_t *buf;      /* dsize + ssize bytes: zeros, then the MEW section's raw data */
    uint32_t ssize;    /* the MEW section's virtual size */
    uint32_t dsize;    /* the empty section's virtual size */
    uint32_t offdiff;  /* the table's offset in the MEW section */
    uint32_t base;     /* image base */
    uint32_t vadd;     /* RVA of the first section */
    uint32_t uselzma;  /* 0, or the offset of the stub's LZMA routine */
};

/* Unpack and rebuild. Returns 0 with *out (malloc'd) and *outlen, -1
 * when unpacking fails (clamscan then tries the next packer), -2 when
 * out of memory. Modifies job->buf. */
int mew_unpack(const struct mew_job *job, uint8_t **out, size_t *outlen);

#endif
