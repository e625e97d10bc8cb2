/*
 * fuzz_pe.c - pe_parse on any bytes; a success must describe a PE the way
 * ClamAV keeps it (32-bit values, sections cut at the end of the input).
 */
#include <stdint.h>
#include <stdlib.h>

#include "formats/exe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct exe_info x;

    if (pe_parse(data, size, &x) != 0) {
        if (x.kind != EXE_NONE)
            abort();
        return 0;
    }
    if (x.kind != EXE_PE || !x.has_ep || x.nsections == 0 || x.ep > UINT32_MAX)
        abort();
    if (x.nrecorded != (x.nsections < EXE_MAX_SECTIONS ? x.nsections : EXE_MAX_SECTIONS))
        abort();
    for (uint32_t i = 0; i < x.nrecorded; i++) {
        const struct exe_section *s = &x.sections[i];

        if (s->raw_size != 0 && (s->raw_off >= size || s->raw_size > size - s->raw_off))
            abort();
    }
    return 0;
}
