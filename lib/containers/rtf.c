/*
 * rtf.c - objects embedded in RTF documents: the hex digits of each
 * \objdata group are decoded; the result is an OLE1 object (version,
 * format, class, topic and item names, then the native data). The native
 * data is a member, and when it is an OLE "Package" its payload (after
 * the label, file name and path, as in \x01Ole10Native) is one too.
 * Without a parsable OLE1 header the decoded bytes themselves are scanned.
 */
#include "containers/walk.h"

#include <stdio.h>
#include <string.h>

#include "containers/sink.h"
#include "core/rd.h"

#define MAX_OBJECTS 256

static int
hexv(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static vg_status
scan_bytes(struct walk *w, const char *name, const uint8_t *p, size_t n)
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

/* Skip a length-prefixed OLE1 string at *off. */
static int
ole1_string(const uint8_t *p, size_t n, size_t *off)
{
    uint32_t l;

    if (rd_u32le(p, n, *off, &l) || l > n - *off - 4)
        return -1;
    *off += 4 + (size_t)l;
    return 0;
}

/* A Package's payload: type u16, label, file name, 8 bytes, path, size. */
static vg_status
package(struct walk *w, const char *name, const uint8_t *p, size_t n)
{
    size_t off = 2;
    uint32_t size;
    const uint8_t *q;

    for (int k = 0; k < 2; k++) {
        if (off >= n || (q = memchr(p + off, 0, n - off)) == NULL)
            return VG_OK;
        off = (size_t)(q - p) + 1;
    }
    if (8 > n - off)
        return VG_OK;
    off += 8;
    if (off >= n || (q = memchr(p + off, 0, n - off)) == NULL)
        return VG_OK;
    off = (size_t)(q - p) + 1;
    if (rd_u32le(p, n, off, &size) || size > n - off - 4)
        return VG_OK;
    return scan_bytes(w, name, p + off + 4, size);
}

static vg_status
object(struct walk *w, unsigned k, const uint8_t *p, size_t n)
{
    size_t off = 8, coff;
    uint32_t clen = 0, nlen;
    char name[32];
    vg_status st;

    snprintf(name, sizeof(name), "object%u", k);
    coff = off;
    if (ole1_string(p, n, &off) || ole1_string(p, n, &off) || ole1_string(p, n, &off) ||
        rd_u32le(p, n, off, &nlen) || nlen > n - off - 4)
        return scan_bytes(w, name, p, n);
    off += 4;
    st = scan_bytes(w, name, p + off, nlen);
    rd_u32le(p, n, coff, &clen);
    if (st == VG_OK && clen >= 7 && clen - 1 <= n - coff - 4 &&
        memcmp(p + coff + 4, "Package", 7) == 0 && !walk_done(w)) {
        snprintf(name, sizeof(name), "object%u/payload", k);
        st = package(w, name, p + off, nlen);
    }
    return st;
}

vg_status
rtf_walk(struct walk *w)
{
    const uint8_t *b = w->buf;
    size_t n = w->len, p = 0;
    unsigned k = 0;
    vg_status st = VG_OK;

    while (st == VG_OK && k < MAX_OBJECTS && !walk_done(w)) {
        const uint8_t *q = memmem(b + p, n - p, "\\objdata", 8);
        struct sink s;
        int hi = -1;

        if (q == NULL)
            break;
        p = (size_t)(q - b) + 8;
        sink_init(&s, walk_cap(w, NULL));
        for (; p < n && b[p] != '}'; p++) {
            int v = hexv(b[p]);
            if (b[p] == '\\' || b[p] == '{') {
                /* a control word or group inside the data: skip its name */
                while (p + 1 < n && b[p + 1] != ' ' && b[p + 1] != '}' && hexv(b[p + 1]) < 0)
                    p++;
                continue;
            }
            if (v < 0)
                continue;
            if (hi < 0) {
                hi = v;
                continue;
            }
            if (sink_byte(&s, (uint8_t)(hi << 4 | v)))
                break;
            hi = -1;
        }
        if (s.nomem) {
            sink_free(&s);
            return VG_ENOMEM;
        }
        st = object(w, k++, s.p, s.len);
        sink_free(&s);
    }
    return st;
}
