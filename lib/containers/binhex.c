/*
 * binhex.c - BinHex 4.0 (Macintosh files sent as text): 6-bit characters
 * from a 64-character alphabet between ':' marks, then run-length
 * expansion (0x90 n repeats the previous byte), then a header (name,
 * type, creator, fork lengths) followed by the data and resource forks,
 * each a member.
 */
#include "containers/walk.h"

#include <string.h>

#include "containers/sink.h"
#include "core/rd.h"

static const char alphabet[] =
    "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr";

static vg_status
scan_fork(struct walk *w, const char *name, const uint8_t *p, size_t n)
{
    struct member m;
    int go;
    vg_status st;

    if (n == 0)
        return VG_OK;
    memset(&m, 0, sizeof(m));
    m.name = name;
    m.usize = n;
    if ((st = walk_announce(w, &m, &go)) != VG_OK || !go)
        return st;
    if (n > walk_cap(w, &m) - 1)
        return walk_scan(w, &m, p, walk_cap(w, &m), WALK_TRUNCATED);
    return walk_scan(w, &m, p, n, 0);
}

vg_status
binhex_walk(struct walk *w)
{
    const uint8_t *b = w->buf, *q;
    size_t n = w->len, p;
    struct sink s;
    uint32_t acc = 0, dlen, rlen;
    int bits = 0, last = -1, rle = 0;
    char name[64];
    size_t hl, off;
    vg_status st = VG_OK;

    if ((q = memmem(b, n, "(This file must be converted with BinHex", 40)) == NULL ||
        (q = memchr(q, ':', n - (size_t)(q - b))) == NULL)
        return VG_OK;
    p = (size_t)(q - b) + 1;
    sink_init(&s, walk_cap(w, NULL));
    for (; p < n && b[p] != ':' && !s.over && !s.nomem; p++) {
        const char *c = b[p] ? strchr(alphabet, b[p]) : NULL;
        uint8_t v;
        if (c == NULL)
            continue;
        acc = (acc << 6) | (uint32_t)(c - alphabet);
        bits += 6;
        if (bits < 8)
            continue;
        bits -= 8;
        v = (uint8_t)(acc >> bits);
        if (rle) {
            rle = 0;
            if (v == 0) {
                sink_byte(&s, 0x90);
                last = 0x90;
            } else {
                for (int k = 1; k < v && last >= 0; k++)
                    if (sink_byte(&s, (uint8_t)last))
                        break;
            }
        } else if (v == 0x90) {
            rle = 1;
        } else {
            sink_byte(&s, v);
            last = v;
        }
    }
    if (s.nomem) {
        sink_free(&s);
        return VG_ENOMEM;
    }
    /* header: name length, name, version, type, creator, flags, lengths, CRC */
    if (s.len > 0) {
        hl = s.p[0];
        off = 1 + hl + 1 + 4 + 4 + 2;
        if (rd_u32be(s.p, s.len, off, &dlen) == 0 && rd_u32be(s.p, s.len, off + 4, &rlen) == 0) {
            size_t k = hl < sizeof(name) - 1 ? hl : sizeof(name) - 1;
            size_t data = off + 8 + 2;
            memcpy(name, s.p + 1, k);
            name[k] = '\0';
            if (data <= s.len) {
                size_t dn = dlen < s.len - data ? dlen : s.len - data;
                st = scan_fork(w, name, s.p + data, dn);
                data += dn + 2;
                if (st == VG_OK && data < s.len && !walk_done(w)) {
                    size_t rn = rlen < s.len - data ? rlen : s.len - data;
                    st = scan_fork(w, "resource", s.p + data, rn);
                }
            }
        }
    }
    sink_free(&s);
    return st;
}
