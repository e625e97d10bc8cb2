/*
 * upack.h - unpacking PE files packed with Upack.
 *
 * Upack (0.39 and relatives) merges the program into a few sections with
 * overlapping headers and decodes it with an LZMA variant
 * (lib/unpack/upacklz.c) whose parameters, state and probabilities the
 * stub sets up in memory. upack_unpack follows ClamAV 1.4's unupack: it
 * reads the stub's jumps to find the decoder's parameters (context bits,
 * probability count, where the input, the output and the state are),
 * decodes, undoes the stub's call filter (e8/e9 operands stored
 * big-endian and relative, marked by a byte value) and rebuilds a PE
 * with one section (lib/unpack/pebuild.c).
 *
 * Supported, as in ClamAV: the 3-section layout of Upack 0.39 and of the
 * two variants ClamAV knows by sample (0151477, 0297729), and the
 * 2-section layouts of 0.39 and 1.1/1.2.
 */
#ifndef VG_UNPACK_UPACK_H
#define VG_UNPACK_UPACK_H

#include <stddef.h>
#include <stdint.h>

struct upack_job {
    uint8_t *buf;       /* dsize bytes laid out as clamscan does (see try_upack) */
    uint32_t dsize;
    int three;          /* the 3-section layout (SizeOfOptionalHeader 0x148) */
    const uint8_t *ep;  /* 168 bytes at the entry point */
    uint32_t vma;       /* 3 sections: image base + first RVA; 2: second RVA - its raw offset */
    uint32_t ep_off;    /* the entry point's file offset */
    uint32_t base;      /* image base */
    uint32_t va;        /* first section's RVA */
};

/* Unpack and rebuild. Returns 0 with *out (malloc'd) and *outlen, -1
 * when unpacking fails (clamscan then tries the next packer), -2 when
 * out of memory. Modifies job->buf. */
int upack_unpack(const struct upack_job *job, uint8_t **out, size_t *outlen);

#endif
