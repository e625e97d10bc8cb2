/*
 * fuzz_mime.c - the mime reader (lib/containers/mime.c) on hostile bytes,
 * walked as a container with its members scanned (small limits).
 */
#include "fuzz_walkctx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_walk_as(data, size, FT_MAIL, mime_walk);
    return 0;
}
