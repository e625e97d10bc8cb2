/*
 * fuzz_htmlnorm.c - HTML normalisation (htmlnorm.c) on hostile bytes: the
 * three normalised texts, then every data: URI decoded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "containers/htmlnorm.h"
#include "containers/sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct htmlnorm h;

    memset(&h, 0, sizeof(h));
    sink_init(&h.nocomment, size + 16);
    sink_init(&h.notags, size + 16);
    sink_init(&h.script, size / 2 + 1);
    if (htmlnorm_run(data, size, &h) == 0)
        for (size_t i = 0; i < h.nuri; i++) {
            struct sink s;
            sink_init(&s, 1u << 16);
            (void)htmlnorm_uri_decode(data, size, &h.uri[i], &s);
            sink_free(&s);
        }
    sink_free(&h.nocomment);
    sink_free(&h.notags);
    sink_free(&h.script);
    return 0;
}
