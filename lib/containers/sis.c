/*
 * sis.c - Symbian installation files (SIS, EPOC releases 3 to 6): a
 * header with UIDs, counts and pointers, then file records (simple and
 * multi-language) pointing at each file's data, deflated unless the
 * header's NoCompress option is set. Every file is a member named by its
 * source name. Conditional and option records end the walk.
 */
#include "containers/walk.h"

#include <string.h>

#include "containers/inflate.h"
#include "containers/sink.h"
#include "core/rd.h"

#define UID3 0x10000419u
#define UID2_V6 0x10003a12u
#define MAX_RECORDS 4096

static void
name16(const uint8_t *b, size_t n, uint32_t off, uint32_t len, int unicode, char *out, size_t cap)
{
    size_t k = 0, step = unicode ? 2 : 1;

    out[0] = '\0';
    if (off >= n || len > n - off)
        return;
    for (size_t i = 0; i + step <= len && k + 1 < cap; i += step) {
        uint8_t c = b[off + i];
        out[k++] = (char)(c ? c : '?');
    }
    out[k] = '\0';
}

static vg_status
one_file(struct walk *w, const char *name, const uint8_t *d, size_t n, uint32_t orig, int packed)
{
    struct member m;
    struct sink s;
    int go, r;
    vg_status st;

    memset(&m, 0, sizeof(m));
    m.name = name[0] ? name : NULL;
    m.csize = n;
    m.usize = orig;
    if ((st = walk_announce(w, &m, &go)) != VG_OK || !go || n == 0)
        return st;
    sink_init(&s, walk_cap(w, &m));
    r = packed ? inflate_zlib(d, n, &s, NULL) : (sink_write(&s, d, n) ? DEC_FULL : DEC_END);
    if (r == DEC_NOMEM || s.nomem) {
        sink_free(&s);
        return VG_ENOMEM;
    }
    st = s.len ? walk_scan(w, &m, s.p, s.len, s.over ? WALK_TRUNCATED : 0) : VG_OK;
    sink_free(&s);
    return st;
}

vg_status
sis_walk(struct walk *w)
{
    const uint8_t *b = w->buf;
    size_t n = w->len;
    uint32_t uid2, uid3, fptr;
    uint16_t nlang, nfiles, opts;
    int v6, unicode, packed;
    size_t p;
    vg_status st = VG_OK;

    if (rd_u32le(b, n, 4, &uid2) || rd_u32le(b, n, 8, &uid3) || uid3 != UID3 ||
        rd_u16le(b, n, 0x12, &nlang) || rd_u16le(b, n, 0x14, &nfiles) ||
        rd_u16le(b, n, 0x24, &opts) || rd_u32le(b, n, 0x34, &fptr))
        return VG_OK;
    v6 = uid2 == UID2_V6;
    unicode = (opts & 1) != 0;
    packed = !(opts & 8);
    if (nlang == 0)
        nlang = 1;
    p = fptr;
    for (unsigned i = 0; i < nfiles && i < MAX_RECORDS && st == VG_OK && !walk_done(w); i++) {
        uint32_t rtype, sl, sp, nl;
        char name[256];
        unsigned langs;

        if (rd_u32le(b, n, p, &rtype) || rtype > 1)
            break;
        langs = rtype == 1 ? nlang : 1;
        if (rd_u32le(b, n, p + 12, &sl) || rd_u32le(b, n, p + 16, &sp))
            break;
        name16(b, n, sp, sl, unicode, name, sizeof(name));
        p += 28;
        nl = 0;
        for (unsigned l = 0; l < langs && st == VG_OK; l++) {
            uint32_t flen, fp, orig = 0;
            if (rd_u32le(b, n, p + 4 * (uint64_t)l, &flen) ||
                rd_u32le(b, n, p + 4 * (uint64_t)(langs + l), &fp))
                return st;
            if (v6)
                rd_u32le(b, n, p + 4 * (uint64_t)(2 * langs + l), &orig);
            if (fp < n)
                st = one_file(w, name, b + fp, flen < n - fp ? flen : n - fp, orig, packed);
            nl++;
        }
        p += 4 * (size_t)langs * 2 + (v6 ? 4 * (size_t)langs + 8 : 0);
    }
    return st;
}
