/*
 * fuzz_lzx.c - the LZX decoder (lib/containers/lzx.c) on arbitrary
 * streams. Byte 0 picks the window (2^15..2^21), the reset interval (0..3
 * frames) and whether the stream length is known; byte 1 the output asked
 * for (4..256 KiB) and whether it is taken in one call or skipped in part
 * first and then written in pieces. What comes out must stay inside the
 * sink's bound and the length asked for.
 */
#include <stdint.h>
#include <stdlib.h>

#include "containers/lzx.h"
#include "containers/sink.h"

#define OUT_MAX (128u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lzx *z;
    struct sink s;
    uint64_t want, done = 0;
    unsigned bits;
    uint32_t reset;

    if (size < 2)
        return 0;
    bits = 15 + data[0] % 7;
    reset = (uint32_t)(data[0] >> 3) & 3;
    want = ((uint64_t)(data[1] & 0x3f) + 1) << 12;
    z = lzx_new(bits, reset, (data[0] & 0x20) ? want : 0, data + 2, size - 2);
    if (z == NULL)
        return 0;
    sink_init(&s, OUT_MAX);
    if (data[1] & 0x80) {
        /* skip a third, then write the rest in three pieces */
        uint64_t step = want / 3;
        int ok = lzx_decompress(z, step, NULL) == 0;
        done = ok ? step : 0;
        for (int i = 0; i < 3 && ok; i++) {
            uint64_t n = i < 2 ? (want - step) / 3 : want - done;
            ok = lzx_decompress(z, n, &s) == 0;
            if (ok)
                done += n;
        }
    } else if (lzx_decompress(z, want, &s) == 0) {
        done = want;
    }
    if (s.len > OUT_MAX || lzx_offset(z) > want || (done == want && lzx_offset(z) != want))
        abort();
    sink_free(&s);
    lzx_free(z);
    return 0;
}
