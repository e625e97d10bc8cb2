/*
 * upx.h - unpacking PE files packed with UPX (NRV2B/2D/2E).
 *
 * UPX moves the program's sections into one compressed section (UPX1)
 * behind an empty one (UPX0) that the stub decompresses into at run time.
 * upx_unpack decompresses UPX1 the way ClamAV 1.4's cli_scanpe and upx.c
 * do (which decoder, which skew, in which order) and rebuilds a PE around
 * the result (pefromupx): the original headers when the stub's import
 * pointer or a scan finds them in the output, else a forged one-section
 * header. The output goes to a buffer the caller bounds.
 */
#ifndef VG_UNPACK_UPX_H
#define VG_UNPACK_UPX_H

#include <stddef.h>
#include <stdint.h>

#include "formats/pe.h"

/* Room past the decompressed size that the rebuild may use (ClamAV's). */
#define UPX_HEADROOM 8192u

/* What upx_unpack works on. */
struct upx_job {
    const struct pe_image *pe;
    const uint8_t *src;   /* UPX1's raw data (section i + 1) */
    uint32_t ssize;       /* its length */
    uint32_t upx0, upx1;  /* RVAs of sections i and i + 1 */
    const uint8_t *ep;    /* 4096 bytes at the entry point (zero-padded) */
};

/* Decompress and rebuild into dst, which holds dsize + UPX_HEADROOM
 * bytes (dsize = the two sections' virtual sizes; zeroed by the caller).
 * Returns 0 with *outlen the unpacked image's length (at most
 * dsize + UPX_HEADROOM), -1 when every decoder failed. Pure. */
int upx_unpack(const struct upx_job *job, uint8_t *dst, uint32_t dsize, uint32_t *outlen);

/* The PE rebuild alone (exposed for tests): dst[0..dend) holds the
 * decompressed sections, dst has dsize + UPX_HEADROOM bytes; magic lists
 * the stub offsets where the import pointer may be, 0-terminated. Sets
 * *outlen to the image's length. */
void upx_rebuild(const struct upx_job *job, uint32_t ep, const uint8_t *src, uint32_t ssize,
                 uint8_t *dst, uint32_t dsize, uint32_t dend, const uint32_t *magic,
                 uint32_t *outlen);

#endif
