/*
 * fuzz_clamdconf.c - the clamd.conf reader on arbitrary text.
 */
#include <stdint.h>
#include <stdlib.h>

#include "clamd/clamdconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct clamdconf c;
    vg_err err;

    if (size > 1 << 20)
        return 0;
    clamdconf_defaults(&c);
    (void)clamdconf_parse(&c, (const char *)data, size, "fuzz.conf", &err);
    clamdconf_free(&c);
    return 0;
}
