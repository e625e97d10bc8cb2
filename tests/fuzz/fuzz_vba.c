/*
 * fuzz_vba.c - MS-OVBA decompression and "dir" stream parsing (vba.c) on
 * hostile bytes: the input is decompressed, the result parsed as a dir
 * stream, and the input also parsed as an already decompressed dir.
 */
#include <stdint.h>
#include <stdlib.h>

#include "containers/sink.h"
#include "containers/vba.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct vba_module mods[64];
    struct sink s;

    sink_init(&s, 1u << 20);
    (void)vba_decompress(data, size, &s);
    (void)vba_dir_modules(s.p, s.len, mods, 64);
    sink_free(&s);
    (void)vba_dir_modules(data, size, mods, 64);
    return 0;
}
