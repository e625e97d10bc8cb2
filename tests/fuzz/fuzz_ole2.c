/*
 * fuzz_ole2.c - the ole2 reader (lib/containers/ole2.c) on hostile bytes,
 * walked as a container with its members scanned (small limits).
 */
#include "fuzz_walkctx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_walk_as(data, size, FT_OLE2, ole2_walk);
    return 0;
}
