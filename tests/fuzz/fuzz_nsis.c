/*
 * fuzz_nsis.c - the NSIS reader on arbitrary bytes: the data is walked as
 * an NSIS archive (first header onwards, as nsis_open hands it over), so
 * the solid/compressor guess, the block chain and the three decoders
 * (deflate, LZMA, NSIS's bzip2) all see hostile input; members go through
 * the whole pipeline with the fuzz scanner's small limits.
 */
#include "fuzz_walkctx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_walk_as(data, size, FT_NULSFT, nsis_walk);
    return 0;
}
