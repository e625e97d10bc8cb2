/*
 * rebuild.h - the plain PE that clamscan's ASPack and Petite unpackers
 * write around the sections they unpacked (ClamAV's cli_rebuildpe).
 *
 * The image is not runnable; it is laid out so that a scan of it sees
 * what clamscan's sees at the same offsets: a DOS header with e_lfanew
 * 0xd0, a PE header with the given entry point and image base, the
 * resource directory, one section header per section (plus an "empty"
 * one when the first section starts past the headers' page), each
 * section's data at a 0x200-aligned file offset, sizes as given.
 */
#ifndef VG_UNPACK_REBUILD_H
#define VG_UNPACK_REBUILD_H

#include <stddef.h>
#include <stdint.h>

/* One section to lay out: its data is src[raw .. raw + rsz). */
struct rebuild_sect {
    uint32_t rva, vsz, raw, rsz;
};

enum { REBUILD_OK = 0, REBUILD_FAIL = -1, REBUILD_NOMEM = -2 };

/* Build the image of nsect sections taken from src[0..srclen) into a
 * new buffer (*out, *outlen; the caller frees it). REBUILD_FAIL where
 * ClamAV's rebuild fails (more than 96 sections, over 1 GiB of data) and
 * where a section's data is not inside src (ClamAV would read past its
 * buffer); REBUILD_NOMEM when out of memory. Pure. */
int rebuild_pe(const uint8_t *src, size_t srclen, const struct rebuild_sect *s, uint32_t nsect,
               uint32_t base, uint32_t ep, uint32_t res_rva, uint32_t res_size, uint8_t **out,
               size_t *outlen);

#endif
