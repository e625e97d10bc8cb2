/*
 * nrv2.h - the NRV2B, NRV2D and NRV2E decompressors of UPX.
 *
 * UPX packs PE sections with one of these three LZ77 codes (the UCL
 * library's): literal bytes and back references, told apart by bits read
 * MSB first from little-endian 32-bit words. The decoders follow ClamAV
 * 1.4's upx.c to the bit, including where it gives up (a bit word that
 * is not complete, a reference before the output's start, an output past
 * its bound), so that what is unpacked is what clamscan unpacks.
 */
#ifndef VG_UNPACK_NRV2_H
#define VG_UNPACK_NRV2_H

#include <stddef.h>
#include <stdint.h>

enum nrv2_kind { NRV2B, NRV2D, NRV2E };

/* Decode src[0..slen) into dst[0..dcap). Returns 0 when the stream's end
 * marker was read (*dlen = bytes produced), -1 on malformed input or an
 * output that would pass dcap (*dlen = bytes produced until then; dst
 * holds them). Pure; time linear in slen + dcap. */
int nrv2_decode(enum nrv2_kind kind, const uint8_t *src, size_t slen, uint8_t *dst, size_t dcap,
                size_t *dlen);

#endif
