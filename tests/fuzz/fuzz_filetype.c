/*
 * fuzz_filetype.c - file typing and the embedded-type scan on any bytes,
 * with invariants: valid types, names for them, recorded objects inside
 * the input and within the room given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/filetype.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ft_embedded e[16];
    enum ftype t = filetype_detect(data, size), x = filetype_extra_container(data, size), fin, back;
    enum ftype layer = size ? (enum ftype)(data[size - 1] % FT_COUNT) : FT_BINARY;
    size_t cap = size ? data[0] % 17 : 0, n;

    if ((unsigned)t >= FT_COUNT || (unsigned)x >= FT_COUNT)
        abort();
    if (filetype_name(t) == NULL || filetype_from_cltype(filetype_cltype(t), &back) != 0 || back != t)
        abort();
    n = filetype_scan_embedded(data, size, layer, e, cap, &fin);
    if (n > cap || (unsigned)fin >= FT_COUNT)
        abort();
    for (size_t i = 0; i < n; i++)
        if (e[i].offset >= size || (unsigned)e[i].type >= FT_COUNT)
            abort();
    for (unsigned k = 0; k < 16; k++)
        (void)filetype_matches_target(t, k);
    return 0;
}
