/*
 * inflate.c - deflate, zlib and gzip streams through zlib into a sink.
 *
 * zlib writes straight into the sink's buffer, which grows in steps as
 * output arrives; the bound of the sink is the only bound on output.
 */
#include "containers/inflate.h"

#include <string.h>
#define ZLIB_CONST
#include <zlib.h>

static int
run(const uint8_t *in, size_t n, struct sink *out, size_t *used, int wbits)
{
    z_stream z;
    int zr, res = DEC_TRUNC;
    size_t left = n;

    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, wbits) != Z_OK)
        return DEC_NOMEM;
    z.next_in = in;
    for (;;) {
        size_t room = sink_room(out, 65536);
        uInt ain = left > 0x40000000u ? 0x40000000u : (uInt)left;
        uInt aout = room > 0x40000000u ? 0x40000000u : (uInt)room;
        if (room == 0) {
            res = out->nomem ? DEC_NOMEM : DEC_FULL;
            if (!out->nomem)
                out->over = 1;
            break;
        }
        z.avail_in = ain;
        z.next_out = out->p + out->len;
        z.avail_out = aout;
        zr = inflate(&z, Z_NO_FLUSH);
        left -= ain - z.avail_in;
        out->len += aout - z.avail_out;
        if (zr == Z_STREAM_END) {
            res = DEC_END;
            break;
        }
        if (zr == Z_BUF_ERROR && z.avail_in == 0 && left == 0) {
            res = DEC_TRUNC;
            break;
        }
        if (zr == Z_MEM_ERROR) {
            res = DEC_NOMEM;
            break;
        }
        if (zr != Z_OK && zr != Z_BUF_ERROR) {
            res = DEC_BAD;
            break;
        }
        if (left == 0 && z.avail_in == 0 && z.avail_out != 0) {
            res = DEC_TRUNC;
            break;
        }
    }
    if (used)
        *used = n - left;
    inflateEnd(&z);
    return res;
}

int
inflate_raw(const uint8_t *in, size_t n, struct sink *out, size_t *used)
{
    return run(in, n, out, used, -15);
}

int
inflate_zlib(const uint8_t *in, size_t n, struct sink *out, size_t *used)
{
    /* PDF writers get the zlib header wrong now and then; decode raw past it */
    if (n >= 2 && (in[0] & 0x0f) == 8 && ((in[0] << 8) | in[1]) % 31 == 0) {
        int r = run(in + 2, n - 2, out, used, -15);
        if (used)
            *used += 2;
        return r;
    }
    return run(in, n, out, used, -15);
}

int
inflate_gzip(const uint8_t *in, size_t n, struct sink *out, size_t *used)
{
    return run(in, n, out, used, 16 + 15);
}
