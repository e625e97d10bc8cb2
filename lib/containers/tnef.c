/*
 * tnef.c - TNEF ("winmail.dat"): attributes of (level, id, length, data,
 * checksum) after a 6-byte signature; every attachment's data
 * (attAttachData, 0x800f) is a member, named by the attAttachTitle
 * (0x8010) before it. Lengths are checked against what is left.
 */
#include "containers/walk.h"

#include <string.h>

#include "core/rd.h"

vg_status
tnef_walk(struct walk *w)
{
    const uint8_t *b = w->buf;
    size_t n = w->len, p = 6;
    uint32_t sig;
    char title[128] = "";
    vg_status st = VG_OK;

    if (rd_u32le(b, n, 0, &sig) || sig != 0x223e9f78u)
        return VG_OK;
    while (st == VG_OK && n - p >= 9 && !walk_done(w)) {
        uint32_t id = 0, len = 0;
        if (rd_u32le(b, n, p + 1, &id) || rd_u32le(b, n, p + 5, &len))
            break;
        p += 9;
        if (len > n - p)
            len = (uint32_t)(n - p);
        if ((id & 0xffff) == 0x8010) {
            size_t k = len < sizeof(title) - 1 ? len : sizeof(title) - 1;
            memcpy(title, b + p, k);
            title[k] = '\0';
        } else if ((id & 0xffff) == 0x800f && len > 0) {
            struct member m;
            int go;
            memset(&m, 0, sizeof(m));
            m.name = title[0] ? title : NULL;
            m.usize = m.csize = len;
            if ((st = walk_announce(w, &m, &go)) == VG_OK && go)
                st = len > walk_cap(w, &m) - 1
                         ? walk_scan(w, &m, b + p, walk_cap(w, &m), WALK_TRUNCATED)
                         : walk_scan(w, &m, b + p, len, 0);
            title[0] = '\0';
        }
        p += len;
        p = n - p >= 2 ? p + 2 : n; /* checksum */
    }
    return st;
}
