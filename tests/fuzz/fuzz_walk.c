/*
 * fuzz_walk.c - the whole pipeline on arbitrary bytes: type detection,
 * matching and the container walker with every parser it dispatches to
 * (archives, documents, mail, HTML, embedded objects), recursively.
 */
#include "fuzz_walkctx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const vg_result *r;

    vg_scan_mem(fuzz_scanner(), data, size, &r);
    return 0;
}
