/*
 * szdd.c - files packed by Microsoft's COMPRESS.EXE ("SZDD", the
 * "file.ex_" of old installers): a 14-byte header and LZSS with a 4 KiB
 * window that starts filled with spaces, as clamscan's msexpand.c reads
 * them. The output is bounded by walk_cap, not by the size the header
 * declares.
 */
#include "containers/walk.h"

#include <string.h>

#include "containers/sink.h"
#include "core/rd.h"

#define WIN 4096

vg_status
szdd_walk(struct walk *w)
{
    const uint8_t *b = w->buf;
    size_t n = w->len, p = 14;
    uint8_t win[WIN];
    unsigned pos = WIN - 16;
    uint32_t usize;
    struct member m;
    struct sink s;
    int go;
    vg_status st;

    if (n < 14 || memcmp(b, "SZDD\x88\xf0\x27\x33", 8) != 0 || b[8] != 'A' ||
        rd_u32le(b, n, 10, &usize))
        return VG_OK;
    memset(&m, 0, sizeof(m));
    m.csize = n - 14;
    m.usize = usize;
    if ((st = walk_announce(w, &m, &go)) != VG_OK || !go)
        return st;
    memset(win, ' ', sizeof(win));
    sink_init(&s, walk_cap(w, &m));
    while (p < n && !s.over && !s.nomem) {
        uint8_t ctl = b[p++];
        for (int bit = 0; bit < 8 && p < n; bit++) {
            if (ctl & (1u << bit)) {
                win[pos] = b[p];
                pos = (pos + 1) % WIN;
                if (sink_byte(&s, b[p++]))
                    break;
                continue;
            }
            if (p + 1 >= n) {
                p = n;
                break;
            }
            unsigned src = b[p] | ((unsigned)(b[p + 1] & 0xf0) << 4);
            unsigned len = (b[p + 1] & 0x0f) + 3u;
            p += 2;
            for (unsigned k = 0; k < len; k++) {
                uint8_t c = win[(src + k) % WIN];
                win[pos] = c;
                pos = (pos + 1) % WIN;
                if (sink_byte(&s, c))
                    break;
            }
        }
    }
    if (s.nomem) {
        sink_free(&s);
        return VG_ENOMEM;
    }
    st = s.len ? walk_scan(w, &m, s.p, s.len, s.over ? WALK_TRUNCATED : 0) : VG_OK;
    sink_free(&s);
    return st;
}
