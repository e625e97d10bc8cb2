/*
 * embedded.c - objects found inside a layer by ClamAV's type signatures
 * (filetype_scan_embedded), opened as clamscan's cli_scanraw does:
 *   - self-extracting archives: ZIP (the layer is read as a ZIP: the reader
 *     finds the local headers wherever they are), CAB, RAR, 7z and ARJ from
 *     the signature's offset to the end;
 *   - a PDF inside other data, from its offset;
 *   - a PE inside a PE, ZIP or OLE2 layer, from its offset to the end,
 *     when its headers parse and it is at most 40 MiB (MaxEmbeddedPE).
 *   - a compiled AutoIt script in a PE layer (autoit.c).
 * A layer that already is a container of the same kind is not reopened.
 * Only the first 16 MiB of a layer are searched (see MAX_EMBEDDED_SCAN);
 * an object found there is opened to the end of the layer.
 */
#include "containers/walk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "containers/autoit.h"
#include "containers/ishield.h"
#include "containers/sniff.h"
#include "formats/exe.h"

#define MAX_EMBEDDED 64
#define MAX_EMBEDDED_PE (40u << 20)
/* Type signatures are looked for in the first 16 MiB of a layer: the
 * search costs a pass over the bytes (about 30 ms per MiB on long runs of
 * zeros), and self-extractors put their archive right after a small stub. */
#define MAX_EMBEDDED_SCAN (16u << 20)

/* Walk buf[off..len) as a container of kind, one level deeper. Its
 * members see kind as their container (Container:, .cdb), not the layer's
 * type: clamscan sets the archive's type (cli_set_container) before
 * opening an object found at an offset, so a ZIP inside a PE is a ZIP. */
static vg_status
open_at(struct vg_scanner *sc, const uint8_t *buf, size_t len, size_t off, enum ftype kind,
        const struct layer_ctx *lc)
{
    struct walk w;
    vg_status st;

    walk_start(&w, sc, lc, buf + off, len - off, kind, sniff_tag(kind));
    w.cdb = walk_has_cdb(kind);
    if (walk_done(&w))
        return w.err;
    switch (kind) {
    case FT_ZIP:
        w.enc_name = "Zip";
        st = zip_walk(&w);
        break;
    case FT_PDF:
        w.enc_name = "PDF";
        st = pdf_walk(&w);
        break;
    case FT_ARJ:
        st = arj_walk(&w);
        break;
    case FT_RAR:
        w.enc_name = "RAR";
        st = archive_walk(&w, kind);
        break;
    case FT_7Z:
        w.enc_name = "7Zip";
        st = archive_walk(&w, kind);
        break;
    default:
        st = archive_walk(&w, kind);
        break;
    }
    return st != VG_OK ? st : w.err;
}

/* A PE starting at off: scanned as a member when its headers parse. */
static vg_status
embedded_pe(struct vg_scanner *sc, const uint8_t *buf, size_t len, size_t off, enum ftype type,
            const struct layer_ctx *lc)
{
    struct exe_info *x;
    struct walk w;
    struct member m;
    char name[32];
    int go, ok;
    vg_status st;

    if (len - off > MAX_EMBEDDED_PE || (x = malloc(sizeof(*x))) == NULL)
        return len - off > MAX_EMBEDDED_PE ? VG_OK : VG_ENOMEM;
    ok = pe_parse(buf + off, len - off, x) == 0;
    free(x);
    if (!ok)
        return VG_OK;
    walk_start(&w, sc, lc, buf, len, type, "PE");
    snprintf(name, sizeof(name), "@%zu", off);
    memset(&m, 0, sizeof(m));
    m.name = name;
    m.csize = m.usize = len - off;
    if ((st = walk_announce(&w, &m, &go)) != VG_OK || !go)
        return st != VG_OK ? st : w.err;
    st = walk_scan(&w, &m, buf + off, len - off, 0);
    return st != VG_OK ? st : w.err;
}

/* Whether the window holds the first bytes of anything opened here; the
 * type signature search is skipped when not (it is slow on some data). */
static int
worth_searching(const uint8_t *buf, size_t len)
{
    static const struct {
        const char *m;
        size_t n;
    } magic[] = {{"PK\x03\x04", 4}, {"Rar!\x1a\x07", 6}, {"MSCF\0\0\0\0", 8},
                 {"7z\xbc\xaf\x27\x1c", 6}, {"%PDF-", 5}, {"%pdf-", 5}, {"MZ", 2},
                 {"\x60\xea", 2}, {"\xef\xbe\xad\xde" "NullsoftInst", 16},
                 {"InstallShield", 14}, {"\xa3\x48\x4b\xbe", 4}};

    for (size_t i = 0; i < sizeof(magic) / sizeof(magic[0]); i++) {
        /* memchr for the first byte: fast on any data, zeros included */
        const uint8_t *p = buf, *end = buf + len;
        while ((size_t)(end - p) >= magic[i].n &&
               (p = memchr(p, (unsigned char)magic[i].m[0], (size_t)(end - p) - magic[i].n + 1)) != NULL) {
            if (memcmp(p, magic[i].m, magic[i].n) == 0)
                return 1;
            p++;
        }
    }
    return 0;
}

vg_status
embedded_walk(struct vg_scanner *sc, const uint8_t *buf, size_t len, enum ftype type,
              enum ftype kind, const struct layer_ctx *lc)
{
    struct ft_embedded e[MAX_EMBEDDED];
    enum ftype fin;
    size_t n, len_scan;
    int zip_done = kind == FT_ZIP;
    vg_status st = VG_OK;

    if (type != FT_PE && type != FT_ZIP && type != FT_OLE2 && type != FT_BINARY)
        return VG_OK;
    if (len > MAX_EMBEDDED_SCAN)
        len_scan = MAX_EMBEDDED_SCAN;
    else
        len_scan = len;
    /* PE layers start with "MZ": look past it */
    if (!worth_searching(buf + (type == FT_PE ? 2 : 0), len_scan - (type == FT_PE && len_scan >= 2 ? 2 : 0)))
        return VG_OK;
    n = filetype_scan_embedded(buf, len_scan, type, e, MAX_EMBEDDED, &fin);
    for (size_t i = 0; i < n && st == VG_OK; i++) {
        size_t off = e[i].offset < len ? (size_t)e[i].offset : len;
        if (off >= len)
            continue;
        switch (e[i].type) {
        case FT_ZIPSFX:
            /* clamscan's members of a ZIP SFX have a ZIP container
               (Container:CL_TYPE_ZIP, .cdb's CL_TYPE_ZIP) */
            if (!zip_done)
                st = open_at(sc, buf, len, 0, FT_ZIP, lc);
            zip_done = 1;
            break;
        case FT_CABSFX:
            if (kind != FT_CAB)
                st = open_at(sc, buf, len, off, FT_CAB, lc);
            break;
        case FT_RARSFX:
            if (kind != FT_RAR)
                st = open_at(sc, buf, len, off, FT_RAR, lc);
            break;
        case FT_7ZSFX:
            if (kind != FT_7Z)
                st = open_at(sc, buf, len, off, FT_7Z, lc);
            break;
        case FT_ARJSFX:
            if (kind != FT_ARJ)
                st = open_at(sc, buf, len, off, FT_ARJ, lc);
            break;
        case FT_PDF:
            if (kind != FT_PDF && off > 0)
                st = open_at(sc, buf, len, off, FT_PDF, lc);
            break;
        case FT_NULSFT:
            if (type == FT_PE && off > 4)
                st = nsis_open(sc, buf, len, off - 4, type, lc);
            break;
        case FT_PE:
            if (off > 0)
                st = embedded_pe(sc, buf, len, off, type, lc);
            break;
        case FT_AUTOIT:
            if (type == FT_PE)
                st = autoit_open(sc, buf + off, len - off, lc);
            break;
        case FT_ISHIELD_MSI:
            if (type == FT_PE && off > 0)
                st = ishield_msi_scan(sc, buf, len, off, lc);
            break;
        default:
            break;
        }
    }
    return st;
}
