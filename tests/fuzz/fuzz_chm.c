/*
 * fuzz_chm.c - the CHM reader (lib/containers/chm.c, with the LZX decoder
 * under it) on hostile bytes, walked as a container with its members
 * scanned (small limits).
 */
#include "fuzz_walkctx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_walk_as(data, size, FT_CHM, chm_walk);
    return 0;
}
