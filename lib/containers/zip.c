/*
 * zip.c - ZIP archives (and OOXML, JAR, APK, which are ZIP), read in place.
 *
 * vigil reads the ZIP structure itself rather than through libarchive
 * because it needs what clamscan looks at: every record of the central
 * directory and every local header the directory does not list (malware
 * hides members there), the stored sizes, CRC and flags for .cdb rules,
 * and the record extents for the overlapping-files check that stops
 * non-recursive zip bombs. Members are decoded with zlib (deflate),
 * inflate64.c (Deflate64), explode.c (implode) and libarchive's filters
 * (bzip2, LZMA, XZ, Zstandard).
 *
 * Steps: find the end-of-central-directory record (Zip64 too); read the
 * central directory into a catalogue, each entry checked against its local
 * header; search the gaps between catalogued records for local headers;
 * sort by offset; look for overlapping records (clamscan's rule: more
 * than 5 overlaps, with 2 bytes of slack, exact duplicates ignored, gives
 * Heuristics.Zip.OverlappingFiles and nothing is extracted); then extract
 * the records in offset order. The catalogue holds at most max_files + 1
 * records (2^20 without a file limit).
 */
#include <stdlib.h>
#include <string.h>

#include "containers/archive_dec.h"
#include "containers/explode.h"
#include "containers/inflate.h"
#include "containers/sink.h"
#include "containers/walk.h"
#include "core/ckd.h"
#include "core/rd.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_EOCD64 0x06064b50u
#define SIG_LOC64 0x07064b50u
#define SIG_DD 0x08074b50u

#define F_ENCR 0x0001u
#define F_USEDD 0x0008u
#define F_STRONG 0x0040u

#define OVERLAP_FUDGE 2
#define OVERLAP_MAX 5
#define MAX_RECORDS_NOLIMIT (1u << 20)

struct zrec {
    uint64_t off;     /* local header */
    uint64_t lhsize;  /* local header with name and extra field */
    uint64_t csize, usize;
    uint32_t crc;
    uint16_t method, flags;
    const uint8_t *name; /* in the container, not terminated */
    uint16_t nlen;
};

struct zcat {
    struct zrec *r;
    size_t n, cap, max;
    int full;       /* more records than max */
};

static int
cat_add(struct zcat *c, const struct zrec *z)
{
    if (c->n >= c->max) {
        c->full = 1;
        return 0;
    }
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 64;
        struct zrec *p;
        if (nc > c->max)
            nc = c->max;
        if ((p = realloc(c->r, nc * sizeof(*p))) == NULL)
            return -1;
        c->r = p;
        c->cap = nc;
    }
    c->r[c->n++] = *z;
    return 0;
}

/* Zip64 extended information (0x0001) in an extra field. In the central
 * directory only the fields whose 32-bit value is 0xffffffff are present,
 * in the order usize, csize, offset; a local header has both sizes. */
static void
zip64_extra(const uint8_t *ex, size_t elen, int central, uint64_t *usize, uint64_t *csize,
            uint64_t *off)
{
    size_t p = 0;

    while (elen >= 4 && p <= elen - 4) {
        uint16_t id = 0, sz = 0;
        if (rd_u16le(ex, elen, p, &id) || rd_u16le(ex, elen, p + 2, &sz))
            return;
        p += 4;
        if (sz > elen - p)
            return;
        if (id == 0x0001) {
            const uint8_t *d = ex + p;
            size_t q = 0;
            uint64_t v;
            int need_u = !central || *usize == 0xffffffffu;
            int need_c = !central || *csize == 0xffffffffu;
            if (need_u && rd_u64le(d, sz, q, &v) == 0) {
                *usize = v;
                q += 8;
            }
            if (need_c && rd_u64le(d, sz, q, &v) == 0) {
                *csize = v;
                q += 8;
            }
            if (central && off && *off == 0xffffffffu && rd_u64le(d, sz, q, &v) == 0)
                *off = v;
            return;
        }
        p += sz;
    }
}

/* Parse the local header at off into z (sizes from it unless it defers
 * them to a data descriptor). -1 if there is no valid header. */
static int
local_header(const uint8_t *b, size_t len, uint64_t off, struct zrec *z)
{
    uint32_t sig, crc, cs, us;
    uint16_t flags, method, nl, el;
    uint64_t usize, csize;

    if (rd_u32le(b, len, off, &sig) || sig != SIG_LOCAL || rd_u16le(b, len, off + 6, &flags) ||
        rd_u16le(b, len, off + 8, &method) || rd_u32le(b, len, off + 14, &crc) ||
        rd_u32le(b, len, off + 18, &cs) || rd_u32le(b, len, off + 22, &us) ||
        rd_u16le(b, len, off + 26, &nl) || rd_u16le(b, len, off + 28, &el))
        return -1;
    if (!rd_ok(len, off + 30, (uint64_t)nl + el))
        return -1;
    usize = us;
    csize = cs;
    zip64_extra(b + off + 30 + nl, el, 0, &usize, &csize, NULL);
    z->off = off;
    z->lhsize = 30 + (uint64_t)nl + el;
    z->flags = flags;
    z->method = method;
    z->crc = crc;
    z->usize = usize;
    z->csize = csize;
    z->name = b + off + 30;
    z->nlen = nl;
    return 0;
}

/* Positions of data descriptor signatures, found once per archive, so
 * that resolving a local header that defers its sizes costs a binary
 * search and a few checks, not a pass over the rest of the file. */
struct ddlist {
    uint64_t *pos;
    size_t n;
    int built;
};

#define MAX_DD 65536
#define DD_TRIES 16

static int
dd_build(const uint8_t *b, size_t len, struct ddlist *dl)
{
    size_t p = 0, cap = 0;

    dl->built = 1;
    while (p + 4 <= len && dl->n < MAX_DD) {
        const uint8_t *q = memmem(b + p, len - p, "PK\x07\x08", 4);
        if (q == NULL)
            break;
        if (dl->n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            uint64_t *np = realloc(dl->pos, nc * sizeof(*np));
            if (np == NULL)
                return -1;
            dl->pos = np;
            cap = nc;
        }
        dl->pos[dl->n++] = (uint64_t)(q - b);
        p = (size_t)(q - b) + 4;
    }
    return 0;
}

/* For a local header that defers its sizes and is not in the central
 * directory: the data descriptor whose compressed size matches the
 * distance to it (among the first few after the data). -1 if none. */
static int
find_descriptor(const uint8_t *b, size_t len, struct ddlist *dl, struct zrec *z)
{
    uint64_t data = z->off + z->lhsize;
    size_t lo = 0, hi = dl->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (dl->pos[mid] < data)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < dl->n && i < lo + DD_TRIES; i++) {
        uint64_t p = dl->pos[i];
        uint32_t crc, cs, us;
        if (rd_u32le(b, len, p + 4, &crc) || rd_u32le(b, len, p + 8, &cs) ||
            rd_u32le(b, len, p + 12, &us))
            return -1;
        if (cs == p - data) {
            z->crc = crc;
            z->csize = cs;
            z->usize = us;
            return 0;
        }
    }
    return -1;
}

/* End of central directory: offset and entry count of the central
 * directory (Zip64 aware). -1 if there is none. */
static int
find_eocd(const uint8_t *b, size_t len, uint64_t *cdoff, uint64_t *count)
{
    size_t lo = len > 65535 + 22 ? len - (65535 + 22) : 0;
    uint32_t sig;

    if (len < 22)
        return -1;
    for (size_t p = len - 22 + 1; p-- > lo;) {
        uint16_t n16 = 0;
        uint32_t o32 = 0, loc, sig64;
        uint64_t o64, n64, e64;

        if (b[p] != 'P' || rd_u32le(b, len, p, &sig) || sig != SIG_EOCD)
            continue;
        rd_u16le(b, len, p + 10, &n16);
        rd_u32le(b, len, p + 16, &o32);
        *cdoff = o32;
        *count = n16;
        if (p >= 20 && rd_u32le(b, len, p - 20, &loc) == 0 && loc == SIG_LOC64 &&
            rd_u64le(b, len, p - 20 + 8, &e64) == 0 && rd_u32le(b, len, e64, &sig64) == 0 &&
            sig64 == SIG_EOCD64 && rd_u64le(b, len, e64 + 32, &n64) == 0 &&
            rd_u64le(b, len, e64 + 48, &o64) == 0) {
            *cdoff = o64;
            *count = n64;
        }
        return 0;
    }
    return -1;
}

/* Catalogue the central directory. */
static int
read_central(struct walk *w, struct zcat *c, uint64_t cdoff, uint64_t count)
{
    const uint8_t *b = w->buf;
    size_t len = w->len;
    uint64_t p = cdoff;

    for (uint64_t i = 0; i < count || count == 0xffff; i++) {
        uint32_t sig, crc, cs, us, lho;
        uint16_t flags, method, nl, el, cl;
        uint64_t usize, csize, off;
        struct zrec z;

        if ((i & 1023) == 1023 && walk_done(w))
            return 0;
        if (rd_u32le(b, len, p, &sig) || sig != SIG_CENTRAL)
            break;
        if (rd_u16le(b, len, p + 8, &flags) || rd_u16le(b, len, p + 10, &method) ||
            rd_u32le(b, len, p + 16, &crc) || rd_u32le(b, len, p + 20, &cs) ||
            rd_u32le(b, len, p + 24, &us) || rd_u16le(b, len, p + 28, &nl) ||
            rd_u16le(b, len, p + 30, &el) || rd_u16le(b, len, p + 32, &cl) ||
            rd_u32le(b, len, p + 42, &lho) || !rd_ok(len, p + 46, (uint64_t)nl + el + cl))
            break;
        usize = us;
        csize = cs;
        off = lho;
        zip64_extra(b + p + 46 + nl, el, 1, &usize, &csize, &off);
        if (local_header(b, len, off, &z) == 0) {
            /* the central directory's name, flags and CRC are what it says;
               sizes come from the local header unless it defers them */
            z.name = b + p + 46;
            z.nlen = nl;
            z.flags = (uint16_t)(z.flags | (flags & F_ENCR));
            z.method = method;
            z.crc = crc;
            if (z.flags & F_USEDD) {
                z.csize = csize;
                z.usize = usize;
            }
            if (cat_add(c, &z))
                return -1;
            if (c->full)
                return 0;
        }
        p += 46 + (uint64_t)nl + el + cl;
    }
    return 0;
}

static int
by_offset(const void *a, const void *b)
{
    const struct zrec *x = a, *y = b;

    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    return 0;
}

/* Search [lo, hi) for local headers not in the catalogue. */
static int
scan_gap(struct walk *w, struct zcat *c, struct ddlist *dl, uint64_t lo, uint64_t hi)
{
    const uint8_t *b = w->buf;
    size_t len = w->len;
    unsigned tries = 0;

    if (hi > len)
        hi = len;
    while (lo + 30 <= hi && !c->full) {
        const uint8_t *q = memmem(b + lo, hi - lo, "PK\x03\x04", 4);
        struct zrec z;
        uint64_t end;

        if (q == NULL)
            break;
        lo = (uint64_t)(q - b);
        if ((++tries & 1023) == 0 && walk_done(w))
            break;
        if (local_header(b, len, lo, &z) == 0 && (z.flags & F_USEDD) && !dl->built &&
            dd_build(b, len, dl))
            return -1;
        if (local_header(b, len, lo, &z) != 0 ||
            ((z.flags & F_USEDD) && find_descriptor(b, len, dl, &z) != 0) ||
            ckd_add(&end, lo + z.lhsize, z.csize) || end > len) {
            lo++;
            continue;
        }
        if (cat_add(c, &z))
            return -1;
        lo = end > lo ? end : lo + 1;
    }
    return 0;
}

/* Local headers before, between and after the catalogued records. */
static int
scan_gaps(struct walk *w, struct zcat *c)
{
    size_t known = c->n;
    uint64_t lo = 0;
    struct ddlist dl = {NULL, 0, 0};
    int r = 0;

    for (size_t i = 0; i <= known && !c->full; i++) {
        uint64_t hi = i < known ? c->r[i].off : w->len, end;
        if (hi > lo && (r = scan_gap(w, c, &dl, lo, hi)) != 0)
            break;
        if (i < known) {
            if (ckd_add(&end, c->r[i].off + c->r[i].lhsize, c->r[i].csize))
                end = w->len;
            if (end > lo)
                lo = end;
        }
    }
    free(dl.pos);
    if (r == 0 && c->n > known)
        qsort(c->r, c->n, sizeof(*c->r), by_offset);
    return r;
}

static int
duplicate(const struct zrec *a, const struct zrec *b)
{
    return a->off == b->off && a->lhsize == b->lhsize && a->csize == b->csize;
}

/* clamscan's overlapping-files rule over the sorted catalogue. */
static int
overlapping(const struct zcat *c)
{
    unsigned n = 0;

    for (size_t i = 1; i < c->n; i++) {
        const struct zrec *p = &c->r[i - 1], *q = &c->r[i];
        uint64_t pend, qend;
        if (ckd_add(&pend, p->off + p->lhsize, p->csize) ||
            ckd_add(&qend, q->off + q->lhsize, q->csize))
            return 1;
        if ((q->off >= p->off && q->off + OVERLAP_FUDGE < pend) ||
            (p->off >= q->off && p->off + OVERLAP_FUDGE < qend)) {
            n++;
            if (!duplicate(p, q) && n > OVERLAP_MAX)
                return 1;
        }
    }
    return 0;
}

/* LZMA in ZIP (method 14): a 4-byte version/size header and 5 bytes of
 * properties before the raw stream; rewritten as an .lzma stream for the
 * decoder. */
static int
lzma_member(const uint8_t *d, size_t n, uint64_t usize, int eos, struct sink *out)
{
    uint16_t psz;
    uint8_t *tmp;
    int r;

    if (rd_u16le(d, n, 2, &psz) || psz != 5 || n < 9)
        return DEC_BAD;
    if ((tmp = malloc(n - 9 + 13)) == NULL)
        return DEC_NOMEM;
    memcpy(tmp, d + 4, 5);
    for (int i = 0; i < 8; i++)
        tmp[5 + i] = eos ? 0xff : (uint8_t)(usize >> (8 * i));
    memcpy(tmp + 13, d + 9, n - 9);
    r = archive_decode(tmp, n - 9 + 13, FT_LZMA_ALONE, out);
    free(tmp);
    return r;
}

static int
decode(const struct zrec *z, const uint8_t *d, size_t n, struct sink *out)
{
    switch (z->method) {
    case 0:
        return sink_write(out, d, n) ? (out->nomem ? DEC_NOMEM : DEC_FULL) : DEC_END;
    case 8:
        return inflate_raw(d, n, out, NULL);
    case 9:
        return inflate64_raw(d, n, out, NULL);
    case 6:
        return explode(d, n, z->flags, z->usize, out);
    case 12:
        return archive_decode(d, n, FT_BZIP2, out);
    case 14:
        return lzma_member(d, n, z->usize, (z->flags & 2) != 0, out);
    case 93:
        return archive_decode(d, n, FT_ZSTD, out);
    case 95:
        return archive_decode(d, n, FT_XZ, out);
    default:
        return DEC_BAD;
    }
}

static vg_status
extract(struct walk *w, const struct zrec *z)
{
    char name[256];
    size_t nl = z->nlen < sizeof(name) - 1 ? z->nlen : sizeof(name) - 1;
    struct member m;
    struct sink s;
    uint64_t data = z->off + z->lhsize;
    size_t n;
    int go, r;
    vg_status st;

    memcpy(name, z->name, nl);
    name[nl] = '\0';
    memset(&m, 0, sizeof(m));
    m.name = name;
    m.csize = z->csize;
    m.usize = z->usize;
    m.crc = z->crc;
    m.has_crc = 1;
    m.encrypted = (z->flags & (F_ENCR | F_STRONG)) != 0 || z->method == 99;
    if ((st = walk_announce(w, &m, &go)) != VG_OK || !go)
        return st;
    if (z->csize == 0 || data >= w->len)
        return VG_OK;
    n = z->csize < w->len - data ? (size_t)z->csize : w->len - (size_t)data;
    sink_init(&s, walk_cap(w, &m));
    r = decode(z, w->buf + data, n, &s);
    if (r == DEC_NOMEM) {
        sink_free(&s);
        return VG_ENOMEM;
    }
    st = s.len ? walk_scan(w, &m, s.p, s.len, s.over ? WALK_TRUNCATED : 0) : VG_OK;
    sink_free(&s);
    return st;
}

vg_status
zip_walk(struct walk *w)
{
    const vg_scan_opts *o = &w->sc->opts;
    struct zcat c;
    uint64_t cdoff, count;
    vg_status st = VG_OK;

    memset(&c, 0, sizeof(c));
    c.max = o->max_files ? (size_t)o->max_files + 1 : MAX_RECORDS_NOLIMIT;
    if (find_eocd(w->buf, w->len, &cdoff, &count) == 0 && read_central(w, &c, cdoff, count))
        goto nomem;
    if (c.n > 1)
        qsort(c.r, c.n, sizeof(*c.r), by_offset);
    if (scan_gaps(w, &c))
        goto nomem;
    if (overlapping(&c)) {
        /* as clamscan: the alert, and the archive is not extracted; without
           heuristics the records are extracted within the limits */
        if (!(o->flags & VG_SCAN_NO_HEURISTICS)) {
            st = walk_heuristic(w, "Heuristics.Zip.OverlappingFiles");
            goto out;
        }
    }
    for (size_t i = 0; i < c.n && st == VG_OK && !walk_done(w); i++) {
        if (i > 0 && duplicate(&c.r[i - 1], &c.r[i]))
            continue;
        st = extract(w, &c.r[i]);
    }
    if (st == VG_OK && c.full && !walk_done(w))
        st = walk_limit(w, VG_LIMIT_FILES);
out:
    free(c.r);
    return st;
nomem:
    free(c.r);
    return VG_ENOMEM;
}
