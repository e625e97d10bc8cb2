/*
 * fuzz_unpack.c - unpack_pe on arbitrary bytes taken as a PE layer: the
 * PE parse, packer recognition, every unpacker and rebuild, and the scan
 * of what comes out (with the small limits of fuzz_walkctx.h).
 */
#include "fuzz_walkctx.h"
#include "unpack/unpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vg_scanner *sc = fuzz_scanner();
    const vg_result *r;
    struct layer_ctx lc;

    vg_scan_mem(sc, "", 0, &r);
    memset(&lc, 0, sizeof(lc));
    lc.path = "";
    (void)unpack_pe(sc, data, size, &lc);
    return 0;
}
