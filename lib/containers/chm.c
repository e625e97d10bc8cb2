/*
 * chm.c - Microsoft compiled HTML help (CHM, "ITSF") files, read the way
 * libmspack's chmd reads them for clamscan:
 *
 *   - the ITSF header (signature, the two GUIDs) points at header
 *     section 0 (the file's length) and section 1, the directory
 *     ("ITSP"): chunks of chunk_size bytes, of which the listing ones
 *     ("PMGL") from first_pmgl to last_pmgl hold the entries: name,
 *     section (0 stored, 1 LZX), offset and length, as 7-bit varints;
 *   - a directory chunk whose entries run past its end loses the entries
 *     from there on; the other chunks are still read, and the file opens
 *     with what was found (libmspack 0.11 returns such partial results)
 *     unless nothing was; a chunk outside the file makes the whole file
 *     unreadable (clamscan scans no member);
 *   - members are the entries not starting with "::" (those are the
 *     container's own files), in directory order; directory names (ending
 *     in '/', empty) and one-character names are skipped;
 *   - section 0 members are copied from the content offset (in 512-byte
 *     runs: a short last run is dropped, as libmspack's reads fail there);
 *   - section 1 members come out of one LZX stream
 *     (::DataSpace/Storage/MSCompressed/Content) whose window and reset
 *     interval are in ControlData; decoding starts at the ResetTable
 *     entry before the member (or at 0, SpanInfo giving the length) and
 *     goes on across members in increasing order, restarting only when a
 *     member lies behind the decoder or decoding failed.
 * A member larger than the limits has its first part scanned (clamscan
 * writes the first max-file-size bytes and scans them). Output skipped to
 * reach a member counts against the scan size, bounding the work.
 */
#include "containers/walk.h"

#include <stdlib.h>
#include <string.h>

#include "containers/lzx.h"
#include "containers/sink.h"
#include "core/rd.h"
#include "scan/scanner.h"

#define PMGL_ENTRIES 0x14
#define HS1_SIZE 0x54
#define MAX_CHUNKS 100000u
#define MAX_CHUNK_SIZE 8192u
#define CONTROL_SIZE 0x1c
#define RTABLE_HEADER 0x28
#define RTABLE_MAX 1000000

static const uint8_t guids[32] = {
    0x10, 0xfd, 0x01, 0x7c, 0xaa, 0x7b, 0xd0, 0x11, 0x9e, 0x0c, 0x00, 0xa0, 0xc9, 0x22, 0xe6, 0xec,
    0x11, 0xfd, 0x01, 0x7c, 0xaa, 0x7b, 0xd0, 0x11, 0x9e, 0x0c, 0x00, 0xa0, 0xc9, 0x22, 0xe6, 0xec};

static const char content_name[] = "::DataSpace/Storage/MSCompressed/Content";
static const char control_name[] = "::DataSpace/Storage/MSCompressed/ControlData";
static const char spaninfo_name[] = "::DataSpace/Storage/MSCompressed/SpanInfo";
static const char rtable_name[] =
    "::DataSpace/Storage/MSCompressed/Transform/{7FC28940-9D31-11D0-9B27-00A0C91E9C7C}/"
    "InstanceData/ResetTable";

/* A directory entry (name points into the file, not terminated). */
struct entry {
    const uint8_t *name;
    uint32_t name_len;
    uint32_t section;
    int64_t offset, length;
};

/* The decoder of section 1, kept across members. */
struct sec1 {
    int have_content, have_control, have_spaninfo, have_rtable;
    struct entry content, control, spaninfo, rtable;
    struct lzx *z;
    int64_t base;     /* uncompressed offset where z started */
};

struct chm {
    struct walk *w;
    const uint8_t *b;
    size_t len;
    int64_t sec0;     /* content offset */
    int64_t length;   /* file length from header section 0 */
    uint32_t chunk_size, num_chunks, first_pmgl, last_pmgl;
    int64_t dir;      /* offset of chunk 0 */
    uint32_t kept;    /* directory entries kept (members and system files) */
    struct sec1 s1;
};

static int64_t
get64(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return (int64_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Whether [off, off + n) lies in the file (off may be negative). */
static int
in_file(const struct chm *c, int64_t off, uint64_t n)
{
    return off >= 0 && rd_ok(c->len, (uint64_t)off, n);
}

/* The headers: 0 when they are what libmspack accepts. */
static int
read_headers(struct chm *c)
{
    const uint8_t *b = c->b;
    int64_t hs0, hs1;
    uint32_t version, index_root;

    if (!in_file(c, 0, 0x38 + 0x28) || memcmp(b, "ITSF", 4) != 0 ||
        memcmp(b + 0x18, guids, 32) != 0)
        return -1;
    version = get32(b + 4);
    hs0 = get64(b + 0x38);
    hs1 = get64(b + 0x48);
    c->sec0 = get64(b + 0x58);
    if (!in_file(c, hs0, 0x18))
        return -1;
    c->length = get64(b + hs0 + 8);
    if (!in_file(c, hs1, HS1_SIZE))
        return -1;
    c->dir = hs1 + HS1_SIZE;
    c->chunk_size = get32(b + hs1 + 0x10);
    index_root = get32(b + hs1 + 0x1c);
    c->first_pmgl = get32(b + hs1 + 0x20);
    c->last_pmgl = get32(b + hs1 + 0x24);
    c->num_chunks = get32(b + hs1 + 0x2c);
    if (version < 3)
        c->sec0 = c->dir + (int64_t)(uint32_t)(c->chunk_size * c->num_chunks);
    if (c->sec0 > c->length || c->chunk_size < PMGL_ENTRIES + 2 || c->num_chunks == 0 ||
        c->num_chunks > MAX_CHUNKS || c->chunk_size > MAX_CHUNK_SIZE ||
        (int64_t)c->chunk_size * c->num_chunks > c->length || c->first_pmgl > c->last_pmgl ||
        (index_root != 0xffffffffu && index_root >= c->num_chunks))
        return -1;
    return 0;
}

/* A 7-bit varint (high bit: more), wrapping as libmspack's does. */
static int
encint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    do {
        if (*p >= end)
            return -1;
        *v = (*v << 7) | (**p & 0x7fu);
    } while (*(*p)++ & 0x80);
    return 0;
}

/* Call fn on every entry of the listing chunks. Returns 0; 1 when a
 * chunk's entries were cut short (the rest of that chunk is skipped, the
 * next chunks are read); -1 when a chunk lies outside the file (libmspack
 * then fails to open it: nothing is scanned). fn returns nonzero to stop. */
static int
each_entry(struct chm *c, int (*fn)(struct chm *, const struct entry *), int *stopped)
{
    int64_t at = c->dir + (int64_t)(uint32_t)(c->first_pmgl * c->chunk_size);
    uint32_t n = c->last_pmgl - c->first_pmgl + 1;
    int cut = 0;

    *stopped = 0;
    for (; n > 0; n--, at += c->chunk_size) {
        const uint8_t *chunk, *p, *end;
        int num;

        if (!in_file(c, at, c->chunk_size))
            return -1;
        chunk = c->b + at;
        if (memcmp(chunk, "PMGL", 4) != 0)
            continue;
        p = chunk + PMGL_ENTRIES;
        end = chunk + c->chunk_size - 2;
        num = end[0] | end[1] << 8;
        while (num-- > 0) {
            struct entry e;
            uint64_t v;

            if (encint(&p, end, &v) != 0)
                goto chunk_cut;
            e.name_len = (uint32_t)v;
            if (e.name_len > (uint64_t)(end - p))
                goto chunk_cut;
            e.name = p;
            p += e.name_len;
            if (encint(&p, end, &v) != 0)
                goto chunk_cut;
            e.section = (uint32_t)v;
            if (encint(&p, end, &v) != 0)
                goto chunk_cut;
            e.offset = (int64_t)v;
            if (encint(&p, end, &v) != 0)
                goto chunk_cut;
            e.length = (int64_t)v;
            if (!*stopped && fn(c, &e))
                *stopped = 1;
        }
        continue;
    chunk_cut:
        cut = 1;
    }
    return cut;
}

static int
is_named(const struct entry *e, const char *name)
{
    return e->name_len == strlen(name) && memcmp(e->name, name, e->name_len) == 0;
}

/* Whether libmspack keeps the entry (as a member or a system file). */
static int
kept(const struct entry *e)
{
    if (e->name_len < 2 || !e->name[0] || !e->name[1] || e->section > 1)
        return 0;
    return !(e->offset == 0 && e->length == 0 && e->name[e->name_len - 1] == '/');
}

/* First pass: the system files of section 1, and how many entries are
 * kept (a damaged directory opens only when there is one). */
static int
find_system(struct chm *c, const struct entry *e)
{
    struct sec1 *s = &c->s1;

    if (!kept(e))
        return 0;
    c->kept++;
    if (e->name[0] != ':' || e->name[1] != ':')
        return 0;
    if (is_named(e, content_name))
        s->content = *e, s->have_content = 1;
    else if (is_named(e, control_name))
        s->control = *e, s->have_control = 1;
    else if (is_named(e, spaninfo_name))
        s->spaninfo = *e, s->have_spaninfo = 1;
    else if (is_named(e, rtable_name))
        s->rtable = *e, s->have_rtable = 1;
    return 0;
}

/* A system file's bytes (it must be stored, in section 0), or NULL. */
static const uint8_t *
sys_file(const struct chm *c, const struct entry *e)
{
    int64_t at;

    if (e->section != 0 || e->length < 0 || c->sec0 < 0 || e->offset < 0 ||
        e->offset > INT64_MAX - c->sec0)
        return NULL;
    at = c->sec0 + e->offset;
    return in_file(c, at, (uint64_t)e->length) ? c->b + at : NULL;
}

/* The reset table entry for frame entry: 1 with the stream's length
 * and the compressed offset, 0 when there is none. */
static int
reset_entry(const struct chm *c, uint32_t entry, int64_t *length, int64_t *offset)
{
    const struct sec1 *s = &c->s1;
    const uint8_t *d;
    uint32_t size, pos;
    uint64_t rlen;

    if (!s->have_rtable || s->rtable.length < RTABLE_HEADER || s->rtable.length > RTABLE_MAX ||
        (d = sys_file(c, &s->rtable)) == NULL || get32(d + 0x20) != LZX_FRAME)
        return 0;
    rlen = (uint64_t)s->rtable.length;
    *length = get64(d + 0x10);
    size = get32(d + 8);
    pos = get32(d + 0x0c) + entry * size;
    if (entry >= get32(d + 4) || size > rlen || pos > rlen - size)
        return 0;
    if (size == 4)
        *offset = get32(d + pos);
    else if (size == 8)
        *offset = get64(d + pos);
    else
        return 0;
    return 1;
}

/* Start the LZX decoder for a member at offset off. 0 or -1. */
static int
start_lzx(struct chm *c, int64_t off)
{
    struct sec1 *s = &c->s1;
    const uint8_t *d;
    uint32_t reset, window, bits = 0;
    int64_t entry, length = 0, coff = 0, in;

    lzx_free(s->z);
    s->z = NULL;
    if (!s->have_content || !s->have_control || s->control.length != CONTROL_SIZE ||
        (d = sys_file(c, &s->control)) == NULL || memcmp(d + 4, "LZXC", 4) != 0)
        return -1;
    switch (get32(d + 8)) {
    case 1:
        reset = get32(d + 0x0c);
        window = get32(d + 0x10);
        break;
    case 2:
        reset = get32(d + 0x0c) * LZX_FRAME;
        window = get32(d + 0x10) * LZX_FRAME;
        break;
    default:
        return -1;
    }
    for (uint32_t wb = 15; wb <= 21; wb++)
        if (window == 1u << wb)
            bits = wb;
    /* libmspack keeps both in an int */
    if (bits == 0 || reset == 0 || reset % LZX_FRAME || reset > INT32_MAX)
        return -1;
    entry = off / (int64_t)reset;
    entry *= reset / LZX_FRAME;
    if (entry >= 0 && entry <= UINT32_MAX && reset_entry(c, (uint32_t)entry, &length, &coff)) {
        length += (int64_t)reset - 1;
        length &= -(int64_t)reset;
    } else {
        const uint8_t *sp;
        entry = 0;
        coff = 0;
        if (!s->have_spaninfo || s->spaninfo.length != 8 ||
            (sp = sys_file(c, &s->spaninfo)) == NULL || (length = get64(sp)) <= 0)
            return -1;
    }
    s->base = entry * (int64_t)LZX_FRAME;
    length -= s->base;
    if (length < 0 || s->content.offset < 0 || coff < 0 || c->sec0 < 0)
        return -1;
    in = c->sec0 + s->content.offset;
    if (in < 0 || coff > INT64_MAX - in || (in += coff) > (int64_t)c->len)
        return -1;
    s->z = lzx_new(bits, reset / LZX_FRAME, (uint64_t)length, c->b + in, c->len - (size_t)in);
    return s->z ? 0 : -1;
}

/* Charge bytes decoded only to be skipped to the scan size. */
static void
charge(struct chm *c, uint64_t n)
{
    struct vg_scanner *sc = c->w->sc;

    sc->scanned = UINT64_MAX - sc->scanned > n ? sc->scanned + n : UINT64_MAX;
}

/* A section 1 member into s. 0, or -1 when decoding failed (what came
 * out before is in s and is scanned, as clamscan scans what it wrote). */
static int
extract_lzx(struct chm *c, const struct entry *e, struct sink *s)
{
    struct sec1 *sc1 = &c->s1;
    uint64_t cur, skip;

    if (e->offset < 0)
        return -1;
    if (sc1->z == NULL || e->offset < sc1->base + (int64_t)lzx_offset(sc1->z)) {
        if (start_lzx(c, e->offset) != 0)
            return -1;
    }
    cur = (uint64_t)sc1->base + lzx_offset(sc1->z);
    if ((uint64_t)e->offset < cur)
        return -1;
    skip = (uint64_t)e->offset - cur;
    if (skip) {
        const vg_scan_opts *o = &c->w->sc->opts;
        /* skipping is decoding too: it may not pass the scan size left */
        if (o->max_scansize && (c->w->sc->scanned >= o->max_scansize ||
                                skip > o->max_scansize - c->w->sc->scanned)) {
            (void)walk_limit(c->w, VG_LIMIT_SCANSIZE);
            return -1;
        }
        if (lzx_decompress(sc1->z, skip, NULL) != 0) {
            charge(c, lzx_offset(sc1->z));
            lzx_free(sc1->z);
            sc1->z = NULL;
            return -1;
        }
        charge(c, skip);
    }
    if (lzx_decompress(sc1->z, (uint64_t)e->length, s) != 0) {
        /* a member cut at the limits leaves the decoder mid-member */
        lzx_free(sc1->z);
        sc1->z = NULL;
        return -1;
    }
    return 0;
}

/* A section 0 member into s (see the file comment for the 512-byte runs). */
static void
extract_stored(struct chm *c, const struct entry *e, struct sink *s)
{
    int64_t at;
    uint64_t avail, n = (uint64_t)e->length;

    if (c->sec0 < 0 || e->offset < 0 || e->offset > INT64_MAX - c->sec0)
        return;
    at = c->sec0 + e->offset;
    if (at > (int64_t)c->len)
        return;
    avail = c->len - (uint64_t)at;
    if (n > avail)
        n = avail / 512 * 512;
    (void)sink_write(s, c->b + at, (size_t)(n < SIZE_MAX ? n : SIZE_MAX));
}

/* Second pass: every member. */
static int
member(struct chm *c, const struct entry *e)
{
    struct walk *w = c->w;
    struct member m;
    struct sink s;
    char *name;
    int go;
    vg_status st;

    if (walk_done(w))
        return 1;
    if (!kept(e) || (e->name[0] == ':' && e->name[1] == ':'))
        return 0;
    if ((name = malloc(e->name_len + 1)) == NULL) {
        w->err = VG_ENOMEM;
        return 1;
    }
    memcpy(name, e->name, e->name_len);
    name[e->name_len] = '\0';
    memset(&m, 0, sizeof(m));
    m.name = name;
    m.usize = e->length > 0 ? (uint64_t)e->length : 0;
    st = walk_announce(w, &m, &go);
    if (st == VG_OK && go) {
        sink_init(&s, walk_cap(w, &m));
        if (e->length > 0) {
            if (e->section == 0)
                extract_stored(c, e, &s);
            else
                (void)extract_lzx(c, e, &s);
        }
        if (s.nomem)
            st = VG_ENOMEM;
        else
            st = walk_scan(w, &m, s.p, s.len, s.over ? WALK_TRUNCATED | WALK_PREFIX : 0);
        sink_free(&s);
    }
    free(name);
    if (st != VG_OK) {
        w->err = st;
        return 1;
    }
    return 0;
}

vg_status
chm_walk(struct walk *w)
{
    struct chm c;
    int stopped, r;

    memset(&c, 0, sizeof(c));
    c.w = w;
    c.b = w->buf;
    c.len = w->len;
    /* libmspack reads the whole directory before extracting anything: a
       chunk it cannot read means no member at all, a damaged one the
       entries found, if any */
    if (read_headers(&c) != 0 || (r = each_entry(&c, find_system, &stopped)) < 0 ||
        (r > 0 && c.kept == 0))
        return VG_OK;
    (void)each_entry(&c, member, &stopped);
    lzx_free(c.s1.z);
    return w->err;
}
