/*
 * fuzz_decoders.c - the stream decoders on hostile bytes; the first byte
 * picks one: Deflate64, implode (with each flag combination), the PDF
 * filters (ASCIIHex, ASCII85, LZW, RunLength), base64, quoted-printable,
 * uuencode, zlib. Output is bounded to 1 MiB.
 */
#include <stdint.h>
#include <stdlib.h>

#include "containers/explode.h"
#include "containers/inflate.h"
#include "containers/maildec.h"
#include "containers/pdffilt.h"
#include "containers/sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sink s;
    const uint8_t *in = data + 1;
    size_t n, used;
    char name[64];

    if (size < 1)
        return 0;
    n = size - 1;
    sink_init(&s, 1u << 20);
    switch (data[0] % 12) {
    case 0: (void)inflate64_raw(in, n, &s, &used); break;
    case 1: (void)explode(in, n, (uint16_t)(data[0] & 6), 1u << 16, &s); break;
    case 2: (void)pdffilt_ahx(in, n, &s); break;
    case 3: (void)pdffilt_a85(in, n, &s); break;
    case 4: (void)pdffilt_lzw(in, n, data[0] & 1, &s); break;
    case 5: (void)pdffilt_rl(in, n, &s); break;
    case 6: (void)maildec_base64(in, n, &s); break;
    case 7: (void)maildec_qp(in, n, &s); break;
    case 8: (void)maildec_uu(in, n, &s, &used); break;
    case 9: (void)maildec_uu_find(in, n, name, sizeof(name), &used); break;
    case 10: (void)inflate_zlib(in, n, &s, &used); break;
    default: (void)inflate_raw(in, n, &s, &used); break;
    }
    sink_free(&s);
    return 0;
}
