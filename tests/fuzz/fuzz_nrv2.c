/*
 * fuzz_nrv2.c - the NRV2B/2D/2E decoders on arbitrary streams: the first
 * byte picks the code and the output bound; what is decoded must stay
 * inside it.
 */
#include <stdint.h>
#include <stdlib.h>

#include "unpack/nrv2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[1 << 16];
    size_t cap, dlen = 0;
    int r;

    if (size < 1)
        return 0;
    cap = (size_t)(data[0] >> 2) << 10; /* 0 .. 63 KiB */
    r = nrv2_decode((enum nrv2_kind)(data[0] % 3), data + 1, size - 1, out, cap, &dlen);
    if (dlen > cap || (r != 0 && r != -1))
        abort();
    return 0;
}
