/*
 * fuzz_autoit.c - the AutoIt reader (autoit.c) on arbitrary record data:
 * byte 0 picks EA05 (even) or EA06 (odd), the rest follows the marker
 * and version byte, so every input reaches the record parser, the key
 * streams, the decompressor and the EA06 script tokeniser; what comes
 * out is scanned with the small limits of fuzz_walkctx.h.
 */
#include "containers/autoit.h"
#include "fuzz_walkctx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t head[AUTOIT_MARKER_LEN] = {
    0xa3, 0x48, 0x4b, 0xbe, 0x98, 0x6c, 0x4a, 0xa9, 0x99, 0x4c, 0x53, 0x0a,
    0x86, 0xd6, 0x48, 0x7d, 'A',  'U',  '3',  '!',  'E',  'A',  '0'};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf;

    if (size == 0 || size > (1u << 20) || (buf = malloc(AUTOIT_MARKER_LEN + size)) == NULL)
        return 0;
    memcpy(buf, head, AUTOIT_MARKER_LEN);
    buf[AUTOIT_MARKER_LEN] = (data[0] & 1) ? '6' : '5';
    memcpy(buf + AUTOIT_MARKER_LEN + 1, data + 1, size - 1);
    fuzz_walk_as(buf, AUTOIT_MARKER_LEN + size, FT_AUTOIT, autoit_walk);
    free(buf);
    return 0;
}
