/*
 * pebuild.h - a PE file around unpacked sections, as ClamAV 1.4's
 * rebuildpe.c (cli_rebuildpe_align) writes it for MEW, Upack and the
 * other unpackers that lose the original header.
 *
 * The result is parsable, not runnable: a DOS header with e_lfanew 0xd0,
 * a PE32 header (i386, image base and entry point as given, section and
 * file alignment 0x1000 and 0x200), 16 empty data directories, then one
 * section entry per unpacked section (".clam01", ...; all characteristic
 * bits set), preceded by an "empty" one when the first section starts
 * past the headers' page. Each section's raw data follows at 0x200
 * alignment. The field values and offsets are ClamAV's, so offsets in
 * the rebuilt file agree with clamscan's; the header's text bytes are
 * vigil's own.
 */
#ifndef VG_UNPACK_PEBUILD_H
#define VG_UNPACK_PEBUILD_H

#include <stddef.h>
#include <stdint.h>

/* One unpacked section: where it goes (rva, vsz) and where its bytes are
 * in the unpacker's buffer (raw, rsz). */
struct pebuild_sect {
    uint32_t rva, vsz, raw, rsz;
};

/* Build the file from n sections of buf[0 .. blen): align 0 keeps the
 * sizes, else sizes and RVAs are rounded up to it (cli_rebuildpe_align).
 * Returns 0 with *out (malloc'd, the caller frees) and *outlen; -1 when
 * ClamAV gives up (more than 96 sections, data past 1 GiB) or a section
 * lies outside buf; -2 when out of memory. */
int pebuild_write(const uint8_t *buf, size_t blen, const struct pebuild_sect *s, uint32_t n,
                  uint32_t base, uint32_t ep, uint32_t align, uint8_t **out, size_t *outlen);

#endif
