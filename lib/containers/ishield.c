/*
 * ishield.c - InstallShield setups, read as clamscan 1.4's ishield.c
 * reads them (see ishield.h for where each entry point is called from).
 *
 * MSI-based setups (ishield_msi_scan): after "InstallShield\0" a 32-byte
 * header (file count, then 24 zero bytes from offset 8), and per file a
 * 312-byte block (name, NUL-terminated in its 260 bytes; compressed size,
 * 64-bit, at 0x10c) followed by the data: each byte has its nibbles
 * swapped and is XORed with the name XORed with ec ca 79 f8 (the key byte
 * is (i & 0x3ff) % strlen(name)); the result is a zlib stream. As in
 * clamscan:
 *   - a file block that does not fit, data of size 0 or past the end, or
 *     an empty name end the walk; data larger than max-filesize is skipped;
 *   - the input is decoded in 8 KiB runs; a corrupt stream ends the file
 *     (what was inflated is scanned) and the next block is read right
 *     after the run where it broke, not after the file's data.
 *
 * Older setups (ishield_overlay_scan): the PE overlay holds files one
 * after the other, each as four NUL-terminated strings (name, path,
 * version, decimal size; each string within 2048 bytes) and the data.
 * As in clamscan:
 *   - the walk ends at the first entry that does not parse or whose size
 *     does not fit in what is left of the overlay, strictly: an entry
 *     that ends at the end of the overlay is not taken (so the last file
 *     of a setup never is);
 *   - every entry's name and size are matched against .cdb rules;
 *   - the first "data1.hdr" and each new "data<N>.cab" (N 1..65535) are
 *     kept aside (clamscan's duplicate check compares N with the index in
 *     its list, and so does this one); every other entry is scanned;
 *   - data1.hdr ("ISc(" header) lists the files; those flagged internal
 *     (flags 4), not a duplicate, not empty, come out of data<N>.cab at
 *     their offset: 16-bit sized chunks of raw deflate, each a stream of
 *     its own, concatenated;
 *   - data1.hdr and the cabinets are scanned themselves only when
 *     something went wrong reading the header (clamscan's CL_BREAK/
 *     CL_CLEAN dance): a bad header, a file entry out of the file, a
 *     missing cabinet, a stream outside its cabinet, a file that did not
 *     decompress.
 * Members are named by the container (entry or file name), for their
 * path only: clamscan gives extracted files no name, so only the overlay
 * entries are matched against .cdb rules.
 *
 * Deliberate differences: a member larger than the limits is reported
 * (incomplete) where clamscan silently skips or trims it; one that is cut
 * has its first part scanned, like clamscan; a cabinet file stops at the
 * limit instead of going on with its next chunks.
 */
#include "containers/ishield.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "containers/sink.h"
#include "containers/walk.h"
#include "core/rd.h"

/* MSI stream */
#define MSI_SIG 14         /* "InstallShield\0" */
#define MSI_HDR 0x20
#define MSI_FB 312         /* one file block */
#define MSI_NAME 0x104     /* its name field */
#define MSI_CSIZE 0x10c    /* its compressed size */
#define MSI_RUN 8192       /* BUFSIZ: clamscan's input run and output buffer */

/* overlay */
#define STR_HINT 2048      /* a string's NUL within this many bytes */
#define HDR_MAGIC 0x28635349u /* "ISc(" */
#define HDR_H1 20          /* magic, 2 unknown, data_off, data_sz */
#define HDR_OBJS 74        /* the objects table at data_off */
#define FILE_ITEM 87       /* one file entry */
#define CAB_OUT 65536      /* clamscan's output buffer per inflate call */
#define LONG_CAP 0x7fffffffffffffffLL /* LONG_MAX on LP64 */

static const uint8_t skey[4] = {0xec, 0xca, 0x79, 0xf8};

/* ---- shared -------------------------------------------------------------- */

/* ASCII case-insensitive compare, as strcasecmp in the C locale. */
static int
ascii_eq(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return 0;
        if (x == 0)
            return 1;
    }
}

/* Whether s starts with p (ASCII case-insensitive, as strncasecmp). */
static int
ascii_prefix(const char *s, const char *p)
{
    for (; *p; s++, p++) {
        unsigned char x = (unsigned char)*s, y = (unsigned char)*p;
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (x != y)
            return 0;
    }
    return 1;
}

/* strtol(s, &end, 10) as glibc's in the C locale: leading white space, a
 * sign, digits; saturates at LONG_MAX/LONG_MIN. *end is s when there are
 * no digits. */
static long long
c_strtol(const char *s, const char **end)
{
    const char *p = s;
    long long v = 0;
    int neg = 0, any = 0;

    while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
        p++;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    for (; *p >= '0' && *p <= '9'; p++) {
        int d = *p - '0';
        any = 1;
        if (v > (LONG_CAP - d) / 10)
            v = LONG_CAP;
        else
            v = v * 10 + d;
    }
    *end = any ? p : s;
    if (!any)
        return 0;
    if (neg)
        return v == LONG_CAP ? -LONG_CAP - 1 : -v;
    return v;
}

/* Scan n stored bytes at p as member m; past the limits, only reported. */
static vg_status
scan_stored(struct walk *w, const struct member *m, const uint8_t *p, size_t n)
{
    size_t cap;

    if (n == 0)
        return VG_OK;
    cap = walk_cap(w, m);
    if (n >= cap)
        return walk_scan(w, m, p, cap, WALK_TRUNCATED);
    return walk_scan(w, m, p, n, 0);
}

/* ---- MSI stream ---------------------------------------------------------- */

/* Decode and scan one file of the MSI stream, its data at *off (csize
 * bytes, inside the layer). *off is left where clamscan reads the next
 * file block. */
static vg_status
msi_file(struct walk *w, const char *name, size_t keylen, size_t *off, uint64_t csize)
{
    const uint8_t *b = w->buf;
    uint8_t key[MSI_NAME], in[MSI_RUN], out[MSI_RUN];
    uint64_t left = csize;
    uint32_t idx = 0;
    size_t pos = *off;
    struct member m;
    struct sink s;
    z_stream z;
    int go, trunc = 0, r;
    vg_status st;

    *off = pos + (size_t)csize; /* the caller checked that it fits */
    memset(&m, 0, sizeof(m));
    m.name = name;
    m.csize = csize;
    m.no_cdb = 1;
    if ((st = walk_announce(w, &m, &go)) != VG_OK || !go)
        return st;
    for (size_t i = 0; i < keylen; i++)
        key[i] = (uint8_t)((uint8_t)name[i] ^ skey[i & 3]);
    memset(&z, 0, sizeof(z));
    if (inflateInit(&z) != Z_OK)
        return VG_ENOMEM;
    sink_init(&s, walk_cap(w, &m));
    while (left) {
        size_t n = left < MSI_RUN ? (size_t)left : MSI_RUN;
        for (size_t i = 0; i < n; i++, idx++) {
            uint8_t c = b[pos + i];
            c = (uint8_t)((c >> 4) | (c << 4));
            in[i] = (uint8_t)(c ^ key[(idx & 0x3ff) % keylen]);
        }
        pos += n;
        left -= n;
        z.next_in = in;
        z.avail_in = (uInt)n;
        do {
            z.next_out = out;
            z.avail_out = MSI_RUN;
            r = inflate(&z, Z_NO_FLUSH);
            if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR) {
                /* clamscan goes on right after this run */
                *off = pos;
                left = 0;
                break;
            }
            if (sink_write(&s, out, MSI_RUN - z.avail_out) != 0) {
                if (s.nomem)
                    st = VG_ENOMEM;
                trunc = 1;
                left = 0;
                break;
            }
        } while (z.avail_out == 0);
    }
    inflateEnd(&z);
    if (st == VG_OK && s.len > 0)
        st = walk_scan(w, &m, s.p, s.len, trunc ? WALK_TRUNCATED | WALK_PREFIX : 0);
    sink_free(&s);
    return st;
}

vg_status
ishield_msi_scan(struct vg_scanner *sc, const uint8_t *buf, size_t len, size_t sig,
                 const struct layer_ctx *lc)
{
    struct walk w;
    uint32_t fcount = 0, v;
    size_t off;
    vg_status st = VG_OK;

    if (sig > len || MSI_SIG > len - sig)
        return VG_OK;
    off = sig + MSI_SIG;
    if (MSI_HDR > len - off)
        return VG_OK;
    for (size_t k = 8; k < MSI_HDR; k += 4)
        if (rd_u32le(buf, len, off + k, &v) == 0 && v != 0)
            return VG_OK;
    (void)rd_u32le(buf, len, off, &fcount);
    if (fcount == 0)
        return VG_OK;
    off += MSI_HDR;
    walk_start(&w, sc, lc, buf, len, FT_PE, "ISHIELD-MSI");
    for (; fcount > 0 && st == VG_OK && !walk_done(&w); fcount--) {
        char name[MSI_NAME];
        uint64_t csize = 0;
        size_t keylen;

        if (off > len || MSI_FB > len - off)
            break;
        memcpy(name, buf + off, MSI_NAME - 1);
        name[MSI_NAME - 1] = '\0';
        (void)rd_u64le(buf, len, off + MSI_CSIZE, &csize);
        off += MSI_FB;
        if (csize == 0 || off >= len || csize > len - off)
            break; /* the next stream is out of the file: clamscan gives up */
        if (sc->opts.max_filesize && csize > sc->opts.max_filesize) {
            st = walk_limit(&w, VG_LIMIT_FILESIZE);
            off += (size_t)csize;
            continue;
        }
        if ((keylen = strlen(name)) == 0)
            break;
        st = msi_file(&w, name, keylen, &off, csize);
    }
    return st != VG_OK ? st : w.err;
}

/* ---- overlay files, data1.hdr and the ISc( cabinets ---------------------- */

struct cabref {
    uint32_t no;      /* N of data<N>.cab */
    size_t off, sz;   /* its data in the layer */
    const char *name;
};

struct isc {
    struct walk w;
    const uint8_t *b;
    size_t len;
    int have_hdr;
    size_t hdr, hdrsz;
    const char *hdrname;
    struct cabref *cabs;
    size_t ncabs, cabcap;
};

/* fmap_need_offstr(): the string at off, when its NUL lies within the
 * next min(2048, len - off) bytes; its length in *n, or -1. */
static int
str_at(const uint8_t *b, size_t len, size_t off, size_t *n)
{
    const uint8_t *z;
    size_t room;

    if (off >= len)
        return -1;
    room = len - off < STR_HINT ? len - off : STR_HINT;
    if ((z = memchr(b + off, 0, room)) == NULL)
        return -1;
    *n = (size_t)(z - (b + off));
    return 0;
}

/* A name in the header at pos (inside the layer, NUL-terminated before
 * its end), or "". */
static const char *
hdr_str(const struct isc *c, uint64_t pos)
{
    if (pos >= c->len || memchr(c->b + pos, 0, c->len - (size_t)pos) == NULL)
        return "";
    return (const char *)c->b + pos;
}

/* Keep data1.hdr or data<N>.cab aside. 1 when kept, 0 when the entry is
 * to be scanned as any other, -1 out of memory. */
static int
keep_aside(struct isc *c, const char *name, size_t off, size_t sz)
{
    const char *end;
    long long no;
    size_t i;

    if (!ascii_prefix(name, "data"))
        return 0;
    if (ascii_eq(name + 4, "1.hdr") && !c->have_hdr) {
        c->have_hdr = 1;
        c->hdr = off;
        c->hdrsz = sz;
        c->hdrname = name;
        return 1;
    }
    no = c_strtol(name + 4, &end);
    if (!(no > 0 && no < 65536 && name[4] && end != name + 4 && ascii_eq(end, ".cab")))
        return 0;
    /* clamscan's duplicate test: stops at a list index equal to its cab number */
    for (i = 0; i < c->ncabs && i != c->cabs[i].no; i++)
        ;
    if (i != c->ncabs)
        return 0;
    if (c->ncabs == c->cabcap) {
        size_t ncap = c->cabcap ? c->cabcap * 2 : 8;
        struct cabref *p = realloc(c->cabs, ncap * sizeof(*p));
        if (p == NULL)
            return -1;
        c->cabs = p;
        c->cabcap = ncap;
    }
    c->cabs[c->ncabs].no = (uint32_t)no;
    c->cabs[c->ncabs].off = off;
    c->cabs[c->ncabs].sz = sz;
    c->cabs[c->ncabs].name = name;
    c->ncabs++;
    return 1;
}

/* The overlay's entries (cli_scanishield's loop). */
static vg_status
walk_entries(struct isc *c, size_t coff, size_t left)
{
    struct walk *w = &c->w;
    vg_status st = VG_OK;

    while (st == VG_OK && !walk_done(w)) {
        const char *s[4], *end;
        size_t start = coff, n, data, hl, fsize;
        struct member m;
        long long v;
        int go, k;

        for (k = 0; k < 4; k++) {
            if (str_at(c->b, c->len, coff, &n) != 0)
                return VG_OK;
            s[k] = (const char *)c->b + coff;
            coff += n + 1;
        }
        data = coff;
        hl = data - start;
        v = c_strtol(s[3], &end);
        if (v < 0 || v == LONG_CAP || end == s[3] || *end || (uint64_t)v >= left ||
            hl >= left - (size_t)v)
            return VG_OK;
        fsize = (size_t)v;
        memset(&m, 0, sizeof(m));
        m.name = s[0];
        m.csize = m.usize = fsize;
        if ((st = walk_announce(w, &m, &go)) != VG_OK)
            return st;
        left -= hl + fsize;
        coff = data + fsize;
        if ((k = keep_aside(c, s[0], data, fsize)) < 0)
            return VG_ENOMEM;
        if (k == 0 && go)
            st = scan_stored(w, &m, c->b + data, fsize);
    }
    return st;
}

/* is_extract_cab(): the chunks of one file at off (csize bytes), each
 * raw deflate, inflated and concatenated, scanned when the last chunk
 * went well. *ok is 0 when it did not. */
static vg_status
cab_file(struct isc *c, const struct member *m, uint64_t off, uint64_t csize, int *ok)
{
    struct walk *w = &c->w;
    struct sink s;
    uint8_t *out;
    int success = 0, trunc = 0;
    vg_status st = VG_OK;

    *ok = 0;
    if ((out = malloc(CAB_OUT)) == NULL)
        return VG_ENOMEM;
    sink_init(&s, walk_cap(w, m));
    while (csize) {
        uint16_t chunk;
        z_stream z;

        success = 0;
        if (csize < 2)
            break;
        csize -= 2;
        if (rd_u16le(c->b, c->len, off, &chunk) != 0)
            break;
        off += 2;
        if (chunk == 0)
            continue;
        if (csize < chunk || !rd_ok(c->len, off, chunk))
            break;
        csize -= chunk;
        memset(&z, 0, sizeof(z));
        if (inflateInit2(&z, -MAX_WBITS) != Z_OK) {
            st = VG_ENOMEM;
            break;
        }
        z.next_in = (Bytef *)(uintptr_t)(c->b + off);
        z.avail_in = chunk;
        off += chunk;
        for (;;) {
            int r;

            z.next_out = out;
            z.avail_out = CAB_OUT;
            r = inflate(&z, Z_NO_FLUSH);
            if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
                break;
            if (sink_write(&s, out, CAB_OUT - z.avail_out) != 0) {
                if (s.nomem)
                    st = VG_ENOMEM;
                success = trunc = 1;
                break;
            }
            if (r == Z_STREAM_END || z.avail_out == CAB_OUT) {
                success = 1;
                break;
            }
        }
        inflateEnd(&z);
        if (st != VG_OK || trunc || !success)
            break;
    }
    free(out);
    if (st == VG_OK && success) {
        *ok = 1;
        if (s.len > 0)
            st = walk_scan(w, m, s.p, s.len, trunc ? WALK_TRUNCATED | WALK_PREFIX : 0);
    }
    sink_free(&s);
    return st;
}

/* One internal file of data1.hdr, its entry at item. *raw is set when
 * clamscan would go on to scan the header and cabinets themselves. */
static vg_status
hdr_file(struct isc *c, uint64_t item, uint32_t base, int *raw)
{
    const uint8_t *b = c->b;
    uint16_t flags = 0, dir_id = 0, cabno = 0;
    uint64_t size = 0, csize = 0, soff = 0;
    uint32_t name_off = 0, dir_ptr = 0;
    uint8_t dup = 0;
    const struct cabref *cab = NULL;
    const char *dir = "", *fname;
    char name[512];
    struct member m;
    int go, ok;
    vg_status st;

    (void)rd_u16le(b, c->len, item, &flags);
    (void)rd_u64le(b, c->len, item + 2, &size);
    (void)rd_u64le(b, c->len, item + 10, &csize);
    (void)rd_u64le(b, c->len, item + 18, &soff);
    (void)rd_u32le(b, c->len, item + 58, &name_off);
    (void)rd_u16le(b, c->len, item + 62, &dir_id);
    (void)rd_u8(b, c->len, item + 84, &dup);
    (void)rd_u16le(b, c->len, item + 85, &cabno);
    if (flags != 4 || (dup & 1) || size == 0)
        return VG_OK;
    if (c->w.sc->opts.max_filesize && csize > c->w.sc->opts.max_filesize)
        return walk_limit(&c->w, VG_LIMIT_FILESIZE);
    for (size_t j = 0; j < c->ncabs; j++)
        if (c->cabs[j].no == cabno) {
            cab = &c->cabs[j];
            break;
        }
    if (cab == NULL || csize == 0 || cab->sz == 0 || soff > cab->sz || csize > cab->sz - soff) {
        *raw = 1; /* no such cabinet, or the stream is outside it */
        return VG_OK;
    }
    /* names, for the member's path only */
    if (rd_u32le(b, c->len, c->hdr + (uint32_t)(base + 4u * dir_id), &dir_ptr) == 0)
        dir = hdr_str(c, c->hdr + (uint32_t)(dir_ptr + base));
    fname = hdr_str(c, c->hdr + (uint32_t)(base + name_off));
    if (*dir)
        snprintf(name, sizeof(name), "%s\\%s", dir, fname);
    else
        snprintf(name, sizeof(name), "%s", fname);
    memset(&m, 0, sizeof(m));
    m.name = name;
    m.csize = csize;
    m.usize = size;
    m.no_cdb = 1;
    if ((st = walk_announce(&c->w, &m, &go)) != VG_OK || !go)
        return st;
    st = cab_file(c, &m, cab->off + soff, csize, &ok);
    if (!ok)
        *raw = 1;
    return st;
}

/* is_parse_hdr(): extract the internal files data1.hdr lists. *raw is
 * set when the header and the cabinets are to be scanned themselves. */
static vg_status
parse_hdr(struct isc *c, int *raw)
{
    const uint8_t *b = c->b;
    uint32_t magic = 0, data_off = 0, dirs_off = 0, files_cnt = 0, dir_sz2 = 0, off, base;
    uint64_t objs;
    vg_status st = VG_OK;

    *raw = 1;
    if (!c->have_hdr || c->hdrsz == 0 || c->ncabs == 0)
        return VG_OK;
    if (!rd_ok(c->len, c->hdr, HDR_H1))
        return VG_OK;
    (void)rd_u32le(b, c->len, c->hdr, &magic);
    (void)rd_u32le(b, c->len, c->hdr + 12, &data_off);
    objs = (uint64_t)c->hdr + data_off;
    if (!rd_ok(c->len, objs, HDR_OBJS) || magic != HDR_MAGIC)
        return VG_OK;
    (void)rd_u32le(b, c->len, objs + 12, &dirs_off);
    (void)rd_u32le(b, c->len, objs + 40, &files_cnt);
    (void)rd_u32le(b, c->len, objs + 44, &dir_sz2);
    base = data_off + dirs_off; /* 32-bit, as clamscan's offsets */
    off = base + dir_sz2;
    *raw = 0;
    for (uint32_t i = 0; i < files_cnt && st == VG_OK && !walk_done(&c->w); i++, off += FILE_ITEM) {
        uint64_t item = (uint64_t)c->hdr + off;
        if (!rd_ok(c->len, item, FILE_ITEM)) {
            /* out of the file until the 32-bit offset wraps: skip there */
            uint64_t k = ((1ull << 32) - off + FILE_ITEM - 1) / FILE_ITEM;
            *raw = 1;
            if (k >= (uint64_t)files_cnt - i)
                break;
            i += (uint32_t)(k - 1);
            off += (uint32_t)((k - 1) * FILE_ITEM);
            continue;
        }
        st = hdr_file(c, item, base, raw);
    }
    return st;
}

vg_status
ishield_overlay_scan(struct vg_scanner *sc, const uint8_t *buf, size_t len, size_t off,
                     size_t sz, const struct layer_ctx *lc, int *stop)
{
    struct isc c;
    vg_status st;
    int raw = 0;

    *stop = 0;
    if (off >= len || sz == 0)
        return VG_OK;
    memset(&c, 0, sizeof(c));
    c.b = buf;
    c.len = len;
    walk_start(&c.w, sc, lc, buf, len, FT_PE, "ISHIELD");
    c.w.cdb = 1;
    st = walk_entries(&c, off, sz < len - off ? sz : len - off);
    if (st == VG_OK && !walk_done(&c.w) && (c.ncabs || c.have_hdr))
        st = parse_hdr(&c, &raw);
    if (st == VG_OK && raw && !walk_done(&c.w)) {
        struct member m;
        int go;

        memset(&m, 0, sizeof(m));
        m.no_cdb = 1;
        if (c.have_hdr && c.hdrsz) {
            m.name = c.hdrname;
            m.csize = m.usize = c.hdrsz;
            if ((st = walk_announce(&c.w, &m, &go)) == VG_OK && go)
                st = scan_stored(&c.w, &m, buf + c.hdr, c.hdrsz);
        }
        for (size_t i = 0; i < c.ncabs && st == VG_OK && !walk_done(&c.w); i++) {
            if (c.cabs[i].sz == 0)
                continue;
            m.name = c.cabs[i].name;
            m.csize = m.usize = c.cabs[i].sz;
            if ((st = walk_announce(&c.w, &m, &go)) == VG_OK && go)
                st = scan_stored(&c.w, &m, buf + c.cabs[i].off, c.cabs[i].sz);
        }
    }
    free(c.cabs);
    if (st == VG_OK)
        st = c.w.err;
    *stop = walk_done(&c.w);
    return st;
}
