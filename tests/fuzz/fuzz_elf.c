/*
 * fuzz_elf.c - elf_parse on any bytes; a success records every section
 * (at most 256) and keeps 32-bit values.
 */
#include <stdint.h>
#include <stdlib.h>

#include "formats/exe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct exe_info x;

    if (elf_parse(data, size, &x) != 0) {
        if (x.kind != EXE_NONE)
            abort();
        return 0;
    }
    if (x.kind != EXE_ELF || !x.has_ep || x.nsections > 256 || x.nrecorded != x.nsections ||
        x.ep > UINT32_MAX)
        abort();
    for (uint32_t i = 0; i < x.nrecorded; i++)
        if (x.sections[i].raw_off > UINT32_MAX || x.sections[i].raw_size > UINT32_MAX)
            abort();
    return 0;
}
