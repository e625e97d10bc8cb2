/*
 * fuzz_macho.c - macho_parse and macho_fat_parse on any bytes, with the
 * counts and sizes ClamAV allows.
 */
#include <stdint.h>
#include <stdlib.h>

#include "formats/exe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct exe_info x;
    struct exe_fat_arch a[8];
    size_t n = 0;
    int rc;

    if (macho_parse(data, size, &x) == 0) {
        if (x.kind != EXE_MACHO || x.nsections > 0xffff || x.ep > UINT32_MAX ||
            x.nrecorded != (x.nsections < EXE_MAX_SECTIONS ? x.nsections : EXE_MAX_SECTIONS))
            abort();
        for (uint32_t i = 0; i < x.nrecorded; i++)
            if (x.sections[i].raw_size > UINT32_MAX || x.sections[i].raw_size < x.sections[i].vsize)
                abort();
    } else if (x.kind != EXE_NONE) {
        abort();
    }
    rc = macho_fat_parse(data, size, a, 8, &n);
    if (rc < -1 || rc > 1 || n > 32 || (rc == 1 && n != 0))
        abort();
    return 0;
}
