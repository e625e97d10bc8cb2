/*
 * fuzz_clamdcmd.c - the clamd command framer and parser on arbitrary bytes,
 * as a connection would feed them: frame, parse, drop what was consumed,
 * until nothing more frames.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clamd/clamdcmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t max = 1024, len, first = 1;
    char *buf;

    if (size > 1 << 16)
        return 0;
    len = size < max ? size : max;
    if ((buf = malloc(len + 1)) == NULL)
        return 0;
    memcpy(buf, data, len);
    for (int i = 0; i < 4096 && len > 0; i++) {
        struct clamdcmd_raw raw;
        const char *arg;
        enum clamdcmd_frame fr = clamdcmd_frame(buf, len, (int)first, max, &raw);

        first = 0;
        if (fr != CLAMDCMD_FRAMED)
            break;
        if (raw.consumed == 0 || raw.consumed > len)
            abort(); /* the framer must consume what it framed, and no more */
        (void)clamdcmd_parse(raw.text, raw.oldstyle, &arg);
        if (arg && (arg < buf || arg > buf + len))
            abort();
        (void)clamdcmd_name(clamdcmd_parse(raw.text, raw.oldstyle, &arg));
        memmove(buf, buf + raw.consumed, len - raw.consumed);
        len -= raw.consumed;
    }
    free(buf);
    return 0;
}
