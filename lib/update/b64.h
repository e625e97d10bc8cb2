/*
 * b64.h - strict standard base64 decoding (RFC 4648, with padding) for the
 * PKCS#7 blobs in ClamAV's detached .sign files.
 */
#ifndef VG_UPDATE_B64_H
#define VG_UPDATE_B64_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode len characters of base64 into out (room for at least len / 4 * 3
 * bytes). Padding is required when the length is not a multiple of 4 and
 * only allowed at the end; any other character, and non-zero bits under
 * the padding, are errors. Returns the
 * number of bytes written, or -1 on malformed input.
 */
long b64_decode(const char *in, size_t len, uint8_t *out);

#endif
