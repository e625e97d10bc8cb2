/*
 * ole2.c - OLE2 compound files (Office 97-2003 documents, MSI, ...).
 *
 * A compound file is a small FAT file system: 512- or 4096-byte sectors,
 * a FAT of next-sector links (its own sectors listed by the header's
 * DIFAT and a DIFAT chain), a directory of 128-byte entries forming
 * red-black trees per storage, and a mini stream (64-byte sectors, its own
 * mini FAT) for streams under the 4 KiB cutoff. Every stream is a member.
 * As clamscan does, some streams get more:
 *   - \x01Ole10Native: the embedded OLE1 "package" payload is a member too;
 *   - "PowerPoint Document": compressed embedded objects (record 0x1011)
 *     are inflated and scanned (they are OLE2 documents themselves);
 *   - VBA projects: the "dir" stream gives the modules; each module's
 *     source is decompressed and matched as OLE2 content (Target:2), the
 *     whole project as a script, and VG_SCAN_ALERT_MACROS raises
 *     Heuristics.OLE2.ContainsMacros.VBA;
 *   - an "EncryptionInfo" stream or a Word document's encrypted flag mark
 *     the document encrypted (Heuristics.Encrypted.OLE2 when asked).
 *
 * Bounds: every chain walk stops after as many steps as the file has
 * sectors (loops end there), the directory is read up to 64 Ki entries,
 * tree walks visit an entry once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "containers/inflate.h"
#include "containers/sink.h"
#include "containers/vba.h"
#include "containers/walk.h"
#include "core/rd.h"

#define ENDCHAIN 0xfffffffeu
#define NOSTREAM 0xffffffffu
#define MAX_ENTRIES 65536u
#define MAX_MODULES 256u
#define MAX_PROJECTS 8u
#define NAME_MAX_OLE 96
#define PATH_OLE 400

struct dent {
    char name[NAME_MAX_OLE]; /* ASCII form: control characters as _N_ */
    uint8_t type;            /* 1 storage, 2 stream, 5 root */
    uint32_t left, right, child;
    uint32_t start;
    uint64_t size;
    uint32_t parent;         /* NOSTREAM for the root and orphans */
};

struct ole {
    struct walk *w;
    const uint8_t *b;
    size_t len;
    unsigned shift;          /* sector size 1 << shift */
    uint32_t nsect;          /* sectors the file can hold */
    uint32_t *fat;
    uint32_t nfat;
    uint32_t *minifat;
    uint32_t nminifat;
    uint32_t cutoff;
    struct sink ministream;  /* the root entry's data */
    struct dent *d;
    uint32_t nd;
};

static const uint8_t *
sector(const struct ole *o, uint32_t s, size_t *n)
{
    uint64_t off = ((uint64_t)s + 1) << o->shift;
    size_t ss = (size_t)1 << o->shift;

    if (s >= o->nsect || off >= o->len)
        return NULL;
    *n = ss < o->len - off ? ss : o->len - (size_t)off;
    return o->b + off;
}

/* Follow a chain of big sectors, appending up to size bytes to out. */
static int
read_chain(const struct ole *o, uint32_t s, uint64_t size, struct sink *out)
{
    for (uint32_t steps = 0; s < o->nsect && steps <= o->nsect && size > 0; steps++) {
        size_t n;
        const uint8_t *p = sector(o, s, &n);
        if (p == NULL)
            break;
        if (n > size)
            n = (size_t)size;
        if (sink_write(out, p, n))
            return -1;
        size -= n;
        s = s < o->nfat ? o->fat[s] : ENDCHAIN;
    }
    return 0;
}

static int
read_mini(const struct ole *o, uint32_t s, uint64_t size, struct sink *out)
{
    for (uint32_t steps = 0; s < o->nminifat && steps <= o->nminifat && size > 0; steps++) {
        uint64_t off = (uint64_t)s * 64;
        size_t n = 64;
        if (off >= o->ministream.len)
            break;
        if (n > o->ministream.len - off)
            n = o->ministream.len - (size_t)off;
        if (n > size)
            n = (size_t)size;
        if (sink_write(out, o->ministream.p + off, n))
            return -1;
        size -= n;
        s = o->minifat[s];
    }
    return 0;
}

static int
read_stream(const struct ole *o, const struct dent *e, struct sink *out)
{
    if (e->size < o->cutoff && e->type == 2)
        return read_mini(o, e->start, e->size, out);
    return read_chain(o, e->start, e->size, out);
}

/* The FAT: its sector numbers come from the header's 109 DIFAT entries,
 * then from the DIFAT chain (each DIFAT sector: entries, then the next
 * DIFAT sector's number). */
static int
load_fat(struct ole *o)
{
    uint32_t nfatsect, difat, ndifat, nlist = 0, have = 0;
    size_t per = ((size_t)1 << o->shift) / 4;
    uint32_t *list;

    if (rd_u32le(o->b, o->len, 0x2c, &nfatsect) || rd_u32le(o->b, o->len, 0x44, &difat) ||
        rd_u32le(o->b, o->len, 0x48, &ndifat))
        return -1;
    if (nfatsect > o->nsect)
        nfatsect = o->nsect;
    if ((list = malloc(((size_t)nfatsect + 1) * sizeof(uint32_t))) == NULL)
        return -2;
    for (uint32_t i = 0; i < 109 && nlist < nfatsect; i++)
        if (rd_u32le(o->b, o->len, 0x4c + 4 * (uint64_t)i, &list[nlist++]))
            break;
    for (uint32_t d = 0; d < ndifat && d <= o->nsect && nlist < nfatsect; d++) {
        size_t n;
        const uint8_t *p = sector(o, difat, &n);
        if (p == NULL)
            break;
        for (size_t k = 0; k + 1 < per && nlist < nfatsect; k++)
            if (rd_u32le(p, n, 4 * (uint64_t)k, &list[nlist++]))
                break;
        if (rd_u32le(p, n, 4 * (uint64_t)(per - 1), &difat))
            break;
    }
    o->nfat = (uint64_t)nlist * per < o->nsect ? (uint32_t)(nlist * per) : o->nsect;
    if ((o->fat = malloc(((size_t)o->nfat + 1) * sizeof(uint32_t))) == NULL) {
        free(list);
        return -2;
    }
    memset(o->fat, 0xff, ((size_t)o->nfat + 1) * sizeof(uint32_t));
    for (uint32_t i = 0; i < nlist && have < o->nfat; i++) {
        size_t n;
        const uint8_t *p = sector(o, list[i], &n);
        for (size_t k = 0; k < per && have < o->nfat; k++, have++)
            if (p == NULL || rd_u32le(p, n, 4 * (uint64_t)k, &o->fat[have]))
                o->fat[have] = NOSTREAM;
    }
    free(list);
    return 0;
}

static int
load_minifat(struct ole *o)
{
    uint32_t first, count;
    struct sink s;

    if (rd_u32le(o->b, o->len, 0x3c, &first) || rd_u32le(o->b, o->len, 0x40, &count))
        return -1;
    sink_init(&s, (size_t)o->nsect << o->shift);
    if (read_chain(o, first, (uint64_t)count << o->shift, &s) && s.nomem) {
        sink_free(&s);
        return -2;
    }
    o->nminifat = (uint32_t)(s.len / 4);
    o->minifat = malloc(((size_t)o->nminifat + 1) * sizeof(uint32_t));
    if (o->minifat == NULL) {
        sink_free(&s);
        return -2;
    }
    for (uint32_t i = 0; i < o->nminifat; i++)
        rd_u32le(s.p, s.len, 4 * (uint64_t)i, &o->minifat[i]);
    sink_free(&s);
    return 0;
}

static void
ascii_name(const uint8_t *u16, uint16_t nbytes, char *out)
{
    size_t k = 0;

    if (nbytes > 64)
        nbytes = 64;
    for (size_t i = 0; i + 1 < nbytes; i += 2) {
        unsigned c = u16[i] | (unsigned)u16[i + 1] << 8;
        if (c == 0)
            break;
        if (k + 6 >= NAME_MAX_OLE)
            break;
        if (c < 0x20) {
            out[k++] = '_';
            if (c >= 10)
                out[k++] = (char)('0' + c / 10);
            out[k++] = (char)('0' + c % 10);
            out[k++] = '_';
        } else {
            out[k++] = c < 0x7f ? (char)c : '_';
        }
    }
    out[k] = '\0';
}

static int
load_dir(struct ole *o)
{
    uint32_t first;
    struct sink s;

    if (rd_u32le(o->b, o->len, 0x30, &first))
        return -1;
    sink_init(&s, (size_t)MAX_ENTRIES * 128);
    read_chain(o, first, (uint64_t)MAX_ENTRIES * 128, &s);
    if (s.nomem) {
        sink_free(&s);
        return -2;
    }
    o->nd = (uint32_t)(s.len / 128);
    if (o->nd == 0 || (o->d = calloc(o->nd, sizeof(*o->d))) == NULL) {
        sink_free(&s);
        return o->nd == 0 ? -1 : -2;
    }
    for (uint32_t i = 0; i < o->nd; i++) {
        const uint8_t *e = s.p + (size_t)i * 128;
        struct dent *d = &o->d[i];
        uint16_t nl;
        uint32_t lo, hi;
        rd_u16le(e, 128, 64, &nl);
        ascii_name(e, nl, d->name);
        d->type = e[66];
        rd_u32le(e, 128, 68, &d->left);
        rd_u32le(e, 128, 72, &d->right);
        rd_u32le(e, 128, 76, &d->child);
        rd_u32le(e, 128, 116, &d->start);
        rd_u32le(e, 128, 120, &lo);
        rd_u32le(e, 128, 124, &hi);
        /* version 3 files keep garbage in the high half */
        d->size = o->shift == 9 ? lo : ((uint64_t)hi << 32 | lo);
        d->parent = NOSTREAM;
    }
    sink_free(&s);
    return 0;
}

/* Set each entry's parent storage by walking the trees from the root
 * (an explicit stack; each entry is visited at most once). */
static int
link_tree(struct ole *o)
{
    uint32_t *stack = malloc(((size_t)o->nd + 1) * sizeof(uint32_t));
    uint8_t *seen = calloc(o->nd, 1);
    size_t top = 0;

    if (stack == NULL || seen == NULL) {
        free(stack);
        free(seen);
        return -2;
    }
    seen[0] = 1;
    if (o->d[0].child < o->nd && !seen[o->d[0].child]) {
        o->d[o->d[0].child].parent = 0;
        seen[o->d[0].child] = 1;
        stack[top++] = o->d[0].child;
    }
    while (top > 0) {
        uint32_t i = stack[--top];
        uint32_t next[3] = {o->d[i].left, o->d[i].right, o->d[i].child};
        for (int k = 0; k < 3; k++) {
            uint32_t c = next[k];
            if (c >= o->nd || seen[c] || top >= o->nd)
                continue;
            seen[c] = 1;
            o->d[c].parent = k < 2 ? o->d[i].parent : i;
            stack[top++] = c;
        }
    }
    free(stack);
    free(seen);
    return 0;
}

/* "storage/storage/stream" for entry i, into out. */
static void
entry_path(const struct ole *o, uint32_t i, char *out, size_t cap)
{
    uint32_t chain[16];
    int n = 0;
    size_t k = 0;

    for (uint32_t c = i; c != NOSTREAM && c != 0 && n < 16; c = o->d[c].parent)
        chain[n++] = c;
    out[0] = '\0';
    while (n-- > 0) {
        const char *nm = o->d[chain[n]].name;
        size_t l = strlen(nm);
        if (k + l + 2 >= cap)
            break;
        if (k)
            out[k++] = '/';
        memcpy(out + k, nm, l);
        k += l;
        out[k] = '\0';
    }
}

static vg_status
scan_buf(struct walk *w, const char *name, const uint8_t *p, size_t n, uint64_t csize, int over)
{
    struct member m;
    int go;
    vg_status st;

    memset(&m, 0, sizeof(m));
    m.name = name;
    m.csize = csize;
    m.usize = n;
    if ((st = walk_announce(w, &m, &go)) != VG_OK || !go)
        return st;
    if (n > walk_cap(w, &m) - 1) {
        n = walk_cap(w, &m);
        over = 1;
    }
    return walk_scan(w, &m, p, n, over ? WALK_TRUNCATED : 0);
}

/* The OLE1 package in an \x01Ole10Native stream (clamscan's layout). */
static vg_status
ole10(struct walk *w, const char *path, const uint8_t *p, size_t n)
{
    uint32_t size;
    size_t off = 4;
    char name[PATH_OLE + 16];

    if (rd_u32le(p, n, 0, &size) || size > n)
        return VG_OK;
    if (n - size >= 4) {
        const uint8_t *q;
        off += 2;
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
        if (rd_u32le(p, n, off, &size))
            return VG_OK;
        off += 4;
        if (size > n - off)
            return VG_OK;
    } else if (size > n - off) {
        return VG_OK;
    }
    snprintf(name, sizeof(name), "%.399s/payload", path);
    return scan_buf(w, name, p + off, size, size, 0);
}

/* Compressed embedded objects (ExOleObjStgCompressedAtom, 0x1011) in a
 * PowerPoint Document stream, top-level records only as clamscan. */
static vg_status
ppt(struct walk *w, const char *path, const uint8_t *p, size_t n)
{
    size_t off = 0;
    unsigned k = 0;
    vg_status st = VG_OK;

    while (st == VG_OK && n - off >= 8 && !walk_done(w)) {
        uint16_t type = 0;
        uint32_t len = 0;
        if (rd_u16le(p, n, off + 2, &type) || rd_u32le(p, n, off + 4, &len))
            break;
        off += 8;
        if (len == 0 || len > n - off)
            break;
        if (type == 0x1011 && len > 4) {
            struct member m;
            struct sink s;
            char name[PATH_OLE + 32];
            int go;

            snprintf(name, sizeof(name), "%.399s/object%u", path, k++);
            memset(&m, 0, sizeof(m));
            m.name = name;
            m.csize = len - 4;
            if ((st = walk_announce(w, &m, &go)) != VG_OK || !go)
                break;
            sink_init(&s, walk_cap(w, &m));
            if (inflate_zlib(p + off + 4, len - 4, &s, NULL) == DEC_NOMEM)
                st = VG_ENOMEM;
            else if (s.len)
                st = walk_scan(w, &m, s.p, s.len, s.over ? WALK_TRUNCATED : 0);
            sink_free(&s);
        }
        off += len;
    }
    return st;
}

static uint32_t
find_child(const struct ole *o, uint32_t parent, const char *name)
{
    for (uint32_t i = 0; i < o->nd; i++)
        if (o->d[i].parent == parent && o->d[i].type == 2 && strcasecmp(o->d[i].name, name) == 0)
            return i;
    return NOSTREAM;
}

/* The VBA project whose "dir" stream is entry idir. */
static vg_status
vba(struct ole *o, uint32_t idir)
{
    struct walk *w = o->w;
    uint32_t storage = o->d[idir].parent;
    struct sink raw, dir, src, all;
    struct vba_module *mods = NULL;
    size_t nm, ndone = 0;
    char path[PATH_OLE + 64];
    vg_status st = VG_OK;

    if (storage == NOSTREAM || find_child(o, storage, "_VBA_PROJECT") == NOSTREAM)
        return VG_OK;
    sink_init(&raw, walk_cap(w, NULL));
    sink_init(&dir, 1u << 24);
    sink_init(&all, walk_cap(w, NULL));
    if ((mods = calloc(MAX_MODULES, sizeof(*mods))) == NULL ||
        (read_stream(o, &o->d[idir], &raw) && raw.nomem) ||
        vba_decompress(raw.p, raw.len, &dir) == DEC_NOMEM) {
        st = VG_ENOMEM;
        goto out;
    }
    nm = vba_dir_modules(dir.p, dir.len, mods, MAX_MODULES);
    for (size_t i = 0; i < nm && st == VG_OK && !walk_done(w); i++) {
        uint32_t im = find_child(o, storage, mods[i].stream);
        if (im == NOSTREAM)
            continue;
        raw.len = 0;
        raw.over = 0;
        if (read_stream(o, &o->d[im], &raw) && raw.nomem) {
            st = VG_ENOMEM;
            break;
        }
        if (mods[i].offset >= raw.len)
            continue;
        sink_init(&src, walk_cap(w, NULL));
        if (vba_decompress(raw.p + mods[i].offset, raw.len - mods[i].offset, &src) == DEC_NOMEM) {
            sink_free(&src);
            st = VG_ENOMEM;
            break;
        }
        if (src.len) {
            ndone++;
            entry_path(o, im, path, sizeof(path) - 8);
            strcat(path, "/source");
            st = walk_scan_text(w, path, src.p, src.len, FT_OLE2);
            if (st == VG_OK && (sink_write(&all, src.p, src.len) || sink_byte(&all, '\n')) &&
                all.nomem)
                st = VG_ENOMEM;
        }
        sink_free(&src);
    }
    if (st == VG_OK && ndone && (w->sc->opts.flags & VG_SCAN_ALERT_MACROS))
        st = scanner_alert_copy(w->sc, "Heuristics.OLE2.ContainsMacros.VBA", w->lc->path);
    if (st == VG_OK && all.len && !walk_done(w)) {
        entry_path(o, storage, path, sizeof(path) - 16);
        strcat(path, "/project");
        st = walk_scan_text(w, path, all.p, all.len, FT_SCRIPT);
    }
out:
    free(mods);
    sink_free(&raw);
    sink_free(&dir);
    sink_free(&all);
    return st;
}

/* Encrypted: an EncryptionInfo stream (Office encryption), or a Word
 * document whose FIB has fEncrypted set. */
static int
encrypted(const struct ole *o)
{
    for (uint32_t i = 0; i < o->nd; i++) {
        const struct dent *e = &o->d[i];
        if (e->type != 2 || e->parent != 0)
            continue;
        if (strcasecmp(e->name, "EncryptionInfo") == 0 || strcasecmp(e->name, "EncryptedPackage") == 0)
            return 1;
        if (strcasecmp(e->name, "WordDocument") == 0) {
            struct sink s;
            uint16_t magic = 0, flags = 0;
            int r;
            sink_init(&s, 16);
            read_stream(o, e, &s);
            r = rd_u16le(s.p, s.len, 0, &magic) == 0 && rd_u16le(s.p, s.len, 0x0a, &flags) == 0 &&
                magic == 0xa5ec && (flags & 0x0100);
            sink_free(&s);
            if (r)
                return 1;
        }
    }
    return 0;
}

static vg_status
streams(struct ole *o)
{
    struct walk *w = o->w;
    char path[PATH_OLE];
    vg_status st = VG_OK;

    for (uint32_t i = 1; i < o->nd && st == VG_OK && !walk_done(w); i++) {
        const struct dent *e = &o->d[i];
        struct member m;
        struct sink s;
        int go;

        if (e->type != 2 || e->size == 0)
            continue;
        entry_path(o, i, path, sizeof(path));
        memset(&m, 0, sizeof(m));
        m.name = path;
        m.csize = m.usize = e->size;
        if ((st = walk_announce(w, &m, &go)) != VG_OK || !go)
            continue;
        sink_init(&s, walk_cap(w, &m));
        if (read_stream(o, e, &s) && s.nomem) {
            sink_free(&s);
            return VG_ENOMEM;
        }
        if (s.len)
            st = walk_scan(w, &m, s.p, s.len, s.over ? WALK_TRUNCATED : 0);
        if (st == VG_OK && !s.over && strcmp(e->name, "_1_Ole10Native") == 0)
            st = ole10(w, path, s.p, s.len);
        if (st == VG_OK && !s.over && strcasecmp(e->name, "PowerPoint Document") == 0)
            st = ppt(w, path, s.p, s.len);
        sink_free(&s);
    }
    /* each project costs a pass over the directory per module: a few only */
    for (uint32_t i = 1, np = 0; i < o->nd && np < MAX_PROJECTS && st == VG_OK && !walk_done(w); i++)
        if (o->d[i].type == 2 && strcasecmp(o->d[i].name, "dir") == 0) {
            st = vba(o, i);
            np++;
        }
    return st;
}

vg_status
ole2_walk(struct walk *w)
{
    struct ole o;
    uint16_t shift, bom;
    uint32_t cutoff;
    vg_status st = VG_OK;
    int r;

    memset(&o, 0, sizeof(o));
    o.w = w;
    o.b = w->buf;
    o.len = w->len;
    if (rd_u16le(o.b, o.len, 0x1c, &bom) || rd_u16le(o.b, o.len, 0x1e, &shift) ||
        rd_u32le(o.b, o.len, 0x38, &cutoff) || shift < 7 || shift > 16)
        return VG_OK;
    o.shift = shift;
    o.cutoff = cutoff ? cutoff : 4096;
    o.nsect = (uint32_t)((o.len >> shift) < 0xfffffff0u ? o.len >> shift : 0xfffffff0u);
    if ((r = load_fat(&o)) == 0 && (r = load_dir(&o)) == 0 && (r = load_minifat(&o)) == 0 &&
        (r = link_tree(&o)) == 0) {
        sink_init(&o.ministream, walk_cap(w, NULL));
        if (o.d[0].type == 5 && read_chain(&o, o.d[0].start, o.d[0].size, &o.ministream) &&
            o.ministream.nomem)
            r = -2;
    }
    if (r == -2) {
        st = VG_ENOMEM;
        goto out;
    }
    if (r == 0) {
        if (encrypted(&o))
            st = walk_encrypted(w, NULL);
        if (st == VG_OK)
            st = streams(&o);
    }
out:
    free(o.fat);
    free(o.minifat);
    free(o.d);
    sink_free(&o.ministream);
    return st;
}
