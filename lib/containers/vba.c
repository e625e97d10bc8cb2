/*
 * vba.c - MS-OVBA decompression and "dir" stream records.
 *
 * Compression (MS-OVBA 2.4.1): a signature byte 0x01, then chunks with a
 * 2-byte header (size - 3 in the low 12 bits, bit 15 set when compressed).
 * A compressed chunk is groups of a flag byte and 8 tokens: literal bytes
 * and 2-byte copy tokens whose split between offset and length bits
 * depends on how far into the 4 KiB chunk the output is. Copies never
 * reach before the chunk's start; a chunk never yields more than 4 KiB.
 *
 * The "dir" stream is records of (id u16, size u32, data); PROJECTVERSION
 * (0x0009) is the exception, its size field says 4 but 6 bytes follow.
 * Modules are MODULESTREAMNAME (0x001A) ... MODULEOFFSET (0x0031) ...
 * MODULETERMINATOR (0x002B).
 */
#include "containers/vba.h"

#include <string.h>

#include "containers/inflate.h"
#include "core/rd.h"

#define CHUNK 4096

static int
chunk(const uint8_t *in, size_t n, struct sink *out)
{
    size_t p = 0, start = out->len;

    while (p < n) {
        uint8_t flags = in[p++];
        for (int t = 0; t < 8 && p < n; t++) {
            size_t done = out->len - start;
            if (!(flags & (1u << t))) {
                if (done >= CHUNK)
                    return DEC_BAD;
                if (sink_byte(out, in[p++]))
                    return out->nomem ? DEC_NOMEM : DEC_FULL;
                continue;
            }
            uint16_t tok;
            unsigned bits = 4;
            if (rd_u16le(in, n, p, &tok))
                return DEC_TRUNC;
            p += 2;
            while ((1u << bits) < done)
                bits++;
            if (bits > 12)
                bits = 12;
            size_t len = (size_t)(tok & (0xffffu >> bits)) + 3;
            size_t off = (size_t)(tok >> (16 - bits)) + 1;
            if (off > done || len > CHUNK - done)
                return DEC_BAD;
            for (size_t i = 0; i < len; i++)
                if (sink_byte(out, out->p[out->len - off]))
                    return out->nomem ? DEC_NOMEM : DEC_FULL;
        }
    }
    return DEC_END;
}

int
vba_decompress(const uint8_t *in, size_t n, struct sink *out)
{
    size_t p = 1;

    if (n < 1 || in[0] != 1)
        return DEC_BAD;
    while (p < n) {
        uint16_t h;
        size_t sz;
        int r;

        if (rd_u16le(in, n, p, &h))
            return DEC_TRUNC;
        p += 2;
        sz = (size_t)(h & 0x0fff) + 1; /* bytes after the header */
        if (sz > n - p)
            sz = n - p;
        if (h & 0x8000) {
            if ((r = chunk(in + p, sz, out)) != DEC_END)
                return r;
        } else {
            /* a raw chunk is 4096 bytes whatever the header says */
            size_t raw = CHUNK < n - p ? CHUNK : n - p;
            if (sink_write(out, in + p, raw))
                return out->nomem ? DEC_NOMEM : DEC_FULL;
            sz = raw;
        }
        p += sz;
    }
    return DEC_END;
}

size_t
vba_dir_modules(const uint8_t *dir, size_t n, struct vba_module *mods, size_t max)
{
    size_t p = 0, nm = 0;
    int open = 0;

    while (p < n && nm < max) {
        uint16_t id;
        uint32_t sz;

        if (rd_u16le(dir, n, p, &id) || rd_u32le(dir, n, p + 2, &sz))
            break;
        p += 6;
        if (id == 0x0009)
            sz = 6;
        if (sz > n - p)
            break;
        switch (id) {
        case 0x0019: /* MODULENAME: a new module starts */
            memset(&mods[nm], 0, sizeof(mods[nm]));
            open = 1;
            break;
        case 0x001a: /* MODULESTREAMNAME */
            if (open) {
                size_t k = sz < VBA_NAME_MAX - 1 ? sz : VBA_NAME_MAX - 1;
                memcpy(mods[nm].stream, dir + p, k);
                mods[nm].stream[k] = '\0';
            }
            break;
        case 0x0031: /* MODULEOFFSET */
            if (open && sz == 4)
                rd_u32le(dir, n, p, &mods[nm].offset);
            break;
        case 0x002b: /* MODULETERMINATOR */
            if (open && mods[nm].stream[0])
                nm++;
            open = 0;
            break;
        default:
            break;
        }
        p += sz;
    }
    return nm;
}
