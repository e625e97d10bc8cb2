/*
 * fuzz_ishield.c - the InstallShield readers on arbitrary bytes: the input
 * taken as an MSI stream starting at its "InstallShield\0" signature, and
 * as a PE overlay of files, data1.hdr and ISc( cabinets; every member
 * found is scanned (with the small limits of fuzz_walkctx.h).
 */
#include "containers/ishield.h"
#include "fuzz_walkctx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vg_scanner *sc = fuzz_scanner();
    const vg_result *r;
    struct layer_ctx lc;
    int stop;

    memset(&lc, 0, sizeof(lc));
    lc.path = "";
    vg_scan_mem(sc, "", 0, &r);
    (void)ishield_msi_scan(sc, data, size, 0, &lc);
    vg_scan_mem(sc, "", 0, &r);
    (void)ishield_overlay_scan(sc, data, size, 0, size, &lc, &stop);
    return 0;
}
