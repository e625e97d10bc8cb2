/*
 * fuzz_aplib.c - the aPLib-style decoder of MEW and FSG on arbitrary
 * streams: byte 0 picks the output window (its size, and whether it
 * overlaps the stream as in MEW's buffer); what is decoded must stay
 * inside it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unpack/aplib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[1 << 17];
    size_t n, dst, dlen, send = 0, dend = 0;

    if (size < 2)
        return 0;
    n = size - 1 < (1u << 16) ? size - 1 : 1u << 16;
    memset(buf, 0, sizeof(buf));
    memcpy(buf, data + 1, n);
    dlen = ((size_t)(data[0] >> 1) << 9) + 1; /* 1 .. 64 KiB */
    dst = (data[0] & 1) ? 0 : n;              /* overlapping, or behind */
    if (aplib_decode(buf, sizeof(buf), 0, n, dst, dlen, &send, &dend) == 0 &&
        (send > n || dend < dst || dend > dst + dlen))
        abort();
    return 0;
}
