/*
 * fuzz_upacklz.c - Upack's LZMA variant on arbitrary streams. Bytes
 * 0..3: flags, context shift, output length (16 bits). The stream
 * follows (the coder's window starts one byte in); the state and 0x1c00
 * probabilities are set up at 64 KiB as the stub does, the output goes
 * to 96 KiB. Flag bits move the state, the output or the starting
 * registers to where the input says, as broken files do.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unpack/upacklz.h"

#define MODEL 0x10000
#define OUT 0x18000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[0x20000];
    struct upacklz_job j;
    size_t n;
    uint8_t *m = buf + MODEL;

    if (size < 4)
        return 0;
    n = size < MODEL ? size : MODEL;
    memset(buf, 0, sizeof(buf));
    memcpy(buf, data, n);
    memset(m, 0xff, 4);
    for (int i = 2; i < 6; i++)
        m[4 * i] = 1;
    for (uint32_t i = 0; i < 0x1c00; i++) {
        m[0x18 + 4 * i] = 0x00;
        m[0x18 + 4 * i + 1] = 0x04;
    }
    j.ebx = (data[0] & 1) ? (int64_t)data[1] << 8 : MODEL;
    j.edi = (data[0] & 2) ? (int64_t)data[2] * 0x101 - 0x100 : OUT;
    j.end = j.edi + (int64_t)((uint32_t)data[2] | (uint32_t)data[3] << 8);
    j.in = 5;
    j.eax = (data[0] & 4) ? data[1] : 0;
    j.ecx = (data[0] & 8) ? 0x80 : 0;
    j.shift = 2 + (uint32_t)(data[1] % 7);
    if (!(data[0] & 1))
        j.shift = 2 + (uint32_t)((data[0] >> 4) % 7);
    (void)upacklz_decode(buf, sizeof(buf), &j);
    return 0;
}
