/*
 * fuzz_textnorm.c - the normaliser on any bytes: one shot, in two chunks
 * with the state carried over (same result), and into a short buffer;
 * the output is lower-case printable ASCII without double spaces.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/textnorm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *a = malloc(size ? size : 1), *b = malloc(size ? size : 1);
    struct textnorm st;
    size_t n, m, split = size ? data[0] % (size + 1) : 0, used;

    if (a == NULL || b == NULL)
        goto out;
    n = textnorm_normalize(data, size, a, size);
    if (n > size)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (a[i] < 0x20 || a[i] > 0x7f || (a[i] >= 'A' && a[i] <= 'Z'))
            abort();
        if (i > 0 && a[i] == ' ' && a[i - 1] == ' ')
            abort();
    }
    textnorm_init(&st);
    m = textnorm_feed(&st, data, split, b, size, &used);
    if (used != split)
        abort();
    m += textnorm_feed(&st, data + split, size - split, b + m, size - m, &used);
    if (m != n || memcmp(a, b, n) != 0)
        abort();
    m = textnorm_normalize(data, size, b, n / 2);
    if (m != n / 2 || memcmp(a, b, m) != 0)
        abort();
out:
    free(a);
    free(b);
    return 0;
}
