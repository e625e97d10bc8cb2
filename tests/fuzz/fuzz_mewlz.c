/*
 * fuzz_mewlz.c - MEW's LZMA variant on arbitrary block lists: byte 0
 * says whether the list is the "special" one (call filter); the list
 * starts at byte 1, with VAs taken as offsets (vma 0) into the input
 * followed by 32 KiB of zeros (room for the probabilities).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unpack/mewlz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[(1 << 16) + 0x8000];
    size_t n;
    int r;

    if (size < 2)
        return 0;
    n = size < (1u << 16) ? size : 1u << 16;
    memset(buf, 0, sizeof(buf));
    memcpy(buf, data, n);
    r = mewlz_decode(buf, n + 0x8000, 1, 0, data[0] & 1);
    if (r != 0 && r != -1)
        abort();
    return 0;
}
