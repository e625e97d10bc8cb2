/*
 * pespin.h - unpacking PE files protected with PESpin 1.1.
 *
 * PESpin encrypts its own loader in layers (a byte key counting down, a
 * 32-bit LFSR, a polymorphic byte routine given as x86 code), then the
 * program's sections with a key checked against a checksum of the file,
 * a second LFSR and the polymorphic routine, and compresses some of them
 * with the aPLib-style code (lib/unpack/aplib.c). pespin_unpack follows
 * ClamAV 1.4's unspin step by step: the same magic values it requires
 * in the loader, the same emulation of the polymorphic routine (add,
 * sub, xor, inc, dec, rol, ror on AL), the same bitmaps choosing the
 * sections, the resources' partial compression, and a PE rebuilt from
 * the sections (lib/unpack/pebuild.c; image base 0x400000, entry point
 * 0x1000, as ClamAV writes it).
 */
#ifndef VG_UNPACK_PESPIN_H
#define VG_UNPACK_PESPIN_H

#include <stddef.h>
#include <stdint.h>

#include "formats/pe.h"

struct pespin_job {
    uint8_t *src;              /* a copy of the whole file (modified) */
    uint32_t ssize;            /* its size */
    const struct pe_sect *sect;/* the file's sections */
    uint32_t n;                /* the program's sections: all but the last (PESpin's) */
    uint32_t nep;              /* the entry point's RVA (in the last section) */
    uint64_t maxfilesize;      /* 0: none; the unpacked sections may not pass it */
};

/* Unpack and rebuild. Returns 0 with *out (malloc'd) and *outlen; -1
 * when the loader or the data is not what PESpin 1.1 writes (clamscan
 * then tries the next packer); -2 when out of memory; -3 when the
 * compressed sections would pass maxfilesize. */
int pespin_unpack(const struct pespin_job *job, uint8_t **out, size_t *outlen);

#endif
