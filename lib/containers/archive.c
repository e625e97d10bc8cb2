/*
 * archive.c - archives and compressed streams through libarchive, read
 * from memory: gzip, bzip2, xz, zstd (one member: the stream), 7z, RAR
 * (v4 and v5), tar, MS CAB, ISO 9660, cpio, ar (and so .deb), and RPM
 * (its cpio payload).
 *
 * Only the formats and filters that libarchive implements itself are
 * enabled (a filter that would run an external program is refused), so
 * nothing forks or touches the file system. Each member's data is read
 * into a sink bounded by walk_cap: a member larger than the limits costs
 * its bound, not its size. Encrypted entries, and archives whose headers
 * are encrypted, are reported as encrypted.
 */
#include "containers/archive_dec.h"

#include <archive.h>
#include <archive_entry.h>
#include <string.h>

#include "containers/inflate.h"
#include "containers/walk.h"

/* Enable the one filter a stream needs; -1 if libarchive lacks it built in. */
static int
add_filter(struct archive *a, enum ftype kind)
{
    int r;

    switch (kind) {
    case FT_GZIP: r = archive_read_support_filter_gzip(a); break;
    case FT_BZIP2: r = archive_read_support_filter_bzip2(a); break;
    case FT_XZ: r = archive_read_support_filter_xz(a); break;
    case FT_ZSTD: r = archive_read_support_filter_zstd(a); break;
    case FT_LZMA_ALONE: r = archive_read_support_filter_lzma(a); break;
    default: return -1;
    }
    return r == ARCHIVE_OK ? 0 : -1;
}

static int
setup(struct archive *a, enum ftype kind)
{
    switch (kind) {
    case FT_GZIP:
    case FT_BZIP2:
    case FT_XZ:
    case FT_ZSTD:
    case FT_LZMA_ALONE:
        if (add_filter(a, kind))
            return -1;
        return archive_read_support_format_raw(a) == ARCHIVE_OK ? 0 : -1;
    case FT_7Z:
        return archive_read_support_format_7zip(a) == ARCHIVE_OK ? 0 : -1;
    case FT_RAR:
        if (archive_read_support_format_rar(a) != ARCHIVE_OK)
            return -1;
        return archive_read_support_format_rar5(a) == ARCHIVE_OK ? 0 : -1;
    case FT_TAR:
        return archive_read_support_format_tar(a) == ARCHIVE_OK ? 0 : -1;
    case FT_CAB:
        return archive_read_support_format_cab(a) == ARCHIVE_OK ? 0 : -1;
    case FT_ISO9660:
        return archive_read_support_format_iso9660(a) == ARCHIVE_OK ? 0 : -1;
    case FT_CPIO:
        return archive_read_support_format_cpio(a) == ARCHIVE_OK ? 0 : -1;
    case FT_AR:
        return archive_read_support_format_ar(a) == ARCHIVE_OK ? 0 : -1;
    case FT_RPM:
        if (archive_read_support_filter_rpm(a) != ARCHIVE_OK)
            return -1;
        /* the payload's compression, whichever of these is built in */
        (void)add_filter(a, FT_GZIP);
        (void)add_filter(a, FT_BZIP2);
        (void)add_filter(a, FT_XZ);
        (void)add_filter(a, FT_ZSTD);
        (void)add_filter(a, FT_LZMA_ALONE);
        return archive_read_support_format_cpio(a) == ARCHIVE_OK ? 0 : -1;
    default:
        return -1;
    }
}

/* Read the current entry's data into s (until its bound). Returns 0 at the
 * end of the data, -1 on a read error (what was read is kept). */
static int
read_data(struct archive *a, struct sink *s)
{
    for (;;) {
        size_t room = sink_room(s, 65536);
        la_ssize_t r;

        if (room == 0) {
            if (!s->nomem) {
                /* full: is there more? one byte tells */
                char c;
                if (archive_read_data(a, &c, 1) > 0)
                    s->over = 1;
            }
            return 0;
        }
        r = archive_read_data(a, s->p + s->len, room > 65536 ? 65536 : room);
        if (r == 0)
            return 0;
        if (r < 0)
            return -1;
        s->len += (size_t)r;
    }
}

int
archive_decode(const uint8_t *in, size_t n, enum ftype kind, struct sink *out)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    int res = DEC_BAD;

    if (a == NULL)
        return DEC_NOMEM;
    if (setup(a, kind) == 0 && archive_read_open_memory(a, in, n) == ARCHIVE_OK &&
        archive_read_next_header(a, &e) == ARCHIVE_OK) {
        if (read_data(a, out) == 0)
            res = out->nomem ? DEC_NOMEM : out->over ? DEC_FULL : DEC_END;
        else
            res = out->nomem ? DEC_NOMEM : DEC_TRUNC;
    }
    archive_read_free(a);
    return res;
}

static uint64_t
num(const uint8_t *p, size_t n, int base)
{
    uint64_t v = 0;

    for (size_t i = 0; i < n; i++) {
        int d = p[i] >= '0' && p[i] <= '9' ? p[i] - '0'
                : base == 16 && p[i] >= 'a' && p[i] <= 'f' ? p[i] - 'a' + 10
                : base == 16 && p[i] >= 'A' && p[i] <= 'F' ? p[i] - 'A' + 10 : -1;
        if (d < 0 || d >= base)
            return UINT64_MAX;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    return v;
}

/* The part of a cpio archive whose headers are consistent: libarchive
 * allocates what a header's name size says before it reads the name, so
 * a header claiming more than the archive holds ends the archive here. */
static size_t
cpio_prefix(const uint8_t *b, size_t len)
{
    size_t p = 0;

    while (p < len) {
        uint64_t nsz, fsz, hdr, pad;
        size_t left = len - p;
        if (left >= 110 && (memcmp(b + p, "070701", 6) == 0 || memcmp(b + p, "070702", 6) == 0)) {
            fsz = num(b + p + 54, 8, 16);
            nsz = num(b + p + 94, 8, 16);
            hdr = 110;
            pad = 4;
        } else if (left >= 76 && memcmp(b + p, "070707", 6) == 0) {
            nsz = num(b + p + 59, 6, 8);
            fsz = num(b + p + 65, 11, 8);
            hdr = 76;
            pad = 1;
        } else if (left >= 26 && (b[p] == 0xc7 || b[p] == 0x71) && (b[p + 1] == 0x71 || b[p + 1] == 0xc7)) {
            int le = b[p] == 0xc7;
            const uint8_t *q = b + p;
#define H16(o) (le ? (uint64_t)(q[o] | q[(o) + 1] << 8) : (uint64_t)(q[o] << 8 | q[(o) + 1]))
            nsz = H16(20);
            fsz = H16(22) << 16 | H16(24);
#undef H16
            hdr = 26;
            pad = 2;
        } else {
            break;
        }
        if (nsz == UINT64_MAX || fsz == UINT64_MAX || nsz > left - hdr)
            return p;
        hdr += nsz;
        hdr = (hdr + pad - 1) / pad * pad;
        if (hdr > left || fsz > left - hdr)
            return hdr > left ? p : len; /* data may be cut: libarchive reads what is there */
        p += (size_t)((hdr + fsz + pad - 1) / pad * pad);
    }
    return p < len ? (p ? p : len) : len;
}

/* The original name a gzip header records (FNAME), into name. */
static void
gzip_name(const uint8_t *b, size_t len, char *name, size_t cap)
{
    size_t p = 10, k = 0;

    name[0] = '\0';
    if (len < 10 || !(b[3] & 0x08))
        return;
    if (b[3] & 0x04) {
        size_t xl;
        if (len < 12)
            return;
        xl = b[10] | (size_t)b[11] << 8;
        if (xl > len - 12)
            return;
        p = 12 + xl;
    }
    while (p < len && b[p] && k + 1 < cap)
        name[k++] = (char)b[p++];
    name[k] = '\0';
}

static int
is_stream(enum ftype kind)
{
    return kind == FT_GZIP || kind == FT_BZIP2 || kind == FT_XZ || kind == FT_ZSTD;
}

static vg_status
entry(struct walk *w, struct archive *a, struct archive_entry *e, enum ftype kind)
{
    char gzname[256];
    struct member m;
    struct sink s;
    int go, rr;
    vg_status st;

    memset(&m, 0, sizeof(m));
    if (is_stream(kind)) {
        gzip_name(w->buf, w->len, gzname, sizeof(gzname));
        m.name = kind == FT_GZIP ? gzname : NULL;
        m.csize = w->len;
    } else {
        const char *nm = archive_entry_pathname(e);
        /* ar members carry no file type */
        if (archive_entry_filetype(e) != AE_IFREG && archive_entry_filetype(e) != 0)
            return VG_OK;
        m.name = nm;
        if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0)
            m.usize = (uint64_t)archive_entry_size(e);
        m.encrypted = archive_entry_is_encrypted(e) != 0;
    }
    if ((st = walk_announce(w, &m, &go)) != VG_OK || !go)
        return st;
    sink_init(&s, walk_cap(w, &m));
    rr = read_data(a, &s);
    if (s.nomem) {
        sink_free(&s);
        return VG_ENOMEM;
    }
    if (rr != 0 && s.len == 0 && archive_entry_is_data_encrypted(e)) {
        sink_free(&s);
        return walk_encrypted(w, m.name);
    }
    st = s.len ? walk_scan(w, &m, s.p, s.len,
                           s.over ? WALK_TRUNCATED | (is_stream(kind) ? WALK_PREFIX : 0) : 0)
               : VG_OK;
    sink_free(&s);
    return st;
}

vg_status
archive_walk(struct walk *w, enum ftype kind)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    vg_status st = VG_OK;
    unsigned retries = 0;

    if (a == NULL)
        return VG_ENOMEM;
    if (setup(a, kind) != 0 ||
        archive_read_open_memory(a, w->buf, kind == FT_CPIO ? cpio_prefix(w->buf, w->len) : w->len) !=
            ARCHIVE_OK)
        goto out;
    while (st == VG_OK && !walk_done(w)) {
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r == ARCHIVE_RETRY && ++retries < 16)
            continue;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            const char *msg = archive_error_string(a);
            /* 7z and RAR archives with encrypted headers stop here */
            if (msg && strstr(msg, "ncrypt"))
                st = walk_encrypted(w, NULL);
            break;
        }
        st = entry(w, a, e, kind);
        if (is_stream(kind))
            break;
    }
out:
    archive_read_free(a);
    return st;
}
