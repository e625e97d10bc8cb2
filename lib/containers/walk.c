/*
 * walk.c - container dispatch and the member protocol (see walk.h).
 *
 * containers_walk decides what opens a layer (sniff.c), and the member
 * functions here apply every limit in one place:
 *   - max_recursion: checked before anything is extracted; the layer_ctx
 *     parent stack (32) is a hard ceiling even when the option is 0;
 *   - max_files: members announced, counted over the whole input;
 *   - max_filesize / max_scansize / max_ratio: walk_cap bounds the
 *     decompression of each member; what was extracted but not scanned is
 *     still charged to the scan size, so a bomb runs out of budget;
 *   - max_scantime: walk_done checks the clock between members.
 * A limit is recorded with scanner_limit (incomplete bit, where) and never
 * turns into a clean verdict.
 */
#include "containers/walk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "containers/cdb.h"
#include "containers/sniff.h"
#include "core/ckd.h"
#include "scan/state.h"
#include "unpack/unpack.h"

/* A member's name is kept to this many bytes in its layer path. */
#define NAME_MAX_PATH 200
/* The compression-ratio bound never applies below this size. */
#define RATIO_FLOOR (1u << 20)

int
walk_has_cdb(enum ftype kind)
{
    switch (kind) {
    case FT_ZIP:
    case FT_RAR:
    case FT_7Z:
    case FT_ARJ:
    case FT_CAB:
    case FT_CHM:
    case FT_CPIO:
    case FT_TAR:
    case FT_MAIL:
        return 1;
    default:
        return 0;
    }
}

void
walk_start(struct walk *w, struct vg_scanner *sc, const struct layer_ctx *lc, const uint8_t *buf,
          size_t len, enum ftype ctype, const char *tag)
{
    memset(w, 0, sizeof(*w));
    w->sc = sc;
    w->lc = lc;
    w->buf = buf;
    w->len = len;
    w->ctype = ctype;
    w->tag = tag;
}

/* A real (non-heuristic) alert exists: first-match mode can stop. */
static int
found(const struct vg_scanner *sc)
{
    const uint64_t *key = sc->keys.p;

    if (sc->opts.flags & VG_SCAN_ALLMATCH)
        return 0;
    for (size_t i = 0; i < sc->keys.n; i++)
        if ((key[i] >> 56) < PH_HEUR)
            return 1;
    return 0;
}

int
walk_done(struct walk *w)
{
    struct vg_scanner *sc = w->sc;
    vg_status st = VG_OK;

    if (w->stop)
        return 1;
    if ((sc->res.incomplete & (VG_LIMIT_FILES | VG_LIMIT_SCANSIZE | VG_LIMIT_SCANTIME)) ||
        found(sc)) {
        w->stop = 1;
    } else if (sc->opts.max_scansize && sc->scanned >= sc->opts.max_scansize) {
        w->stop = 1;
        st = scanner_limit(sc, VG_LIMIT_SCANSIZE, w->lc->path);
    } else if (scanner_out_of_time(sc)) {
        w->stop = 1;
        st = scanner_limit(sc, VG_LIMIT_SCANTIME, w->lc->path);
    }
    if (st != VG_OK && w->err == VG_OK)
        w->err = st;
    return w->stop;
}

vg_status
walk_limit(struct walk *w, uint32_t bit)
{
    if (bit & (VG_LIMIT_FILES | VG_LIMIT_SCANSIZE | VG_LIMIT_SCANTIME | VG_LIMIT_RECURSION))
        w->stop = 1;
    return scanner_limit(w->sc, bit, w->lc->path);
}

vg_status
walk_heuristic(struct walk *w, const char *name)
{
    if (w->sc->opts.flags & VG_SCAN_NO_HEURISTICS)
        return VG_OK;
    return scanner_alert_copy(w->sc, name, w->lc->path);
}

/* The member's layer path: container path, "!", tag, ":", name (control
 * bytes shown as '?', long names cut). Caller frees. */
static char *
member_path(const struct walk *w, const char *name)
{
    const char *parent = w->lc->path ? w->lc->path : "";
    size_t pl = strlen(parent), tl = strlen(w->tag), nl = name ? strlen(name) : 0;
    char *p, *q;

    if (nl > NAME_MAX_PATH)
        nl = NAME_MAX_PATH;
    if ((p = malloc(pl + 1 + tl + 1 + nl + 1)) == NULL)
        return NULL;
    q = p;
    memcpy(q, parent, pl);
    q += pl;
    if (pl)
        *q++ = '!';
    memcpy(q, w->tag, tl);
    q += tl;
    *q++ = ':';
    for (size_t i = 0; i < nl; i++) {
        unsigned char c = (unsigned char)name[i];
        *q++ = (char)(c < 0x20 || c == 0x7f ? '?' : c);
    }
    *q = '\0';
    return p;
}

vg_status
walk_encrypted(struct walk *w, const char *name)
{
    struct vg_scanner *sc = w->sc;
    char *path = member_path(w, name);
    vg_status st;

    if (path == NULL)
        return VG_ENOMEM;
    st = scanner_limit(sc, VG_LIMIT_ENCRYPTED, path);
    if (st == VG_OK && w->enc_name && (sc->opts.flags & VG_SCAN_ALERT_ENCRYPTED)) {
        char alert[64];
        snprintf(alert, sizeof(alert), "Heuristics.Encrypted.%s", w->enc_name);
        st = scanner_alert_copy(sc, alert, w->lc->path);
        /* clamscan raises it once per container */
        w->enc_name = NULL;
    }
    free(path);
    return st;
}

vg_status
walk_announce(struct walk *w, const struct member *m, int *extract)
{
    struct vg_scanner *sc = w->sc;
    const vg_scan_opts *o = &sc->opts;
    vg_status st;
    char *path;

    *extract = 0;
    if (walk_done(w))
        return VG_OK;
    w->pos++;
    /* deeper than allowed: nothing in this container can be scanned */
    if ((o->max_recursion && (uint32_t)w->lc->depth + 1 > o->max_recursion) ||
        w->lc->nparents >= (int)(sizeof(w->lc->parents) / sizeof(w->lc->parents[0]))) {
        w->stop = 1;
        return scanner_limit(sc, VG_LIMIT_RECURSION, w->lc->path);
    }
    if ((path = member_path(w, m->name)) == NULL)
        return VG_ENOMEM;
    st = w->cdb && !m->no_cdb ? cdb_match(sc, w->ctype, w->len, m, w->pos, path) : VG_OK;
    if (st == VG_OK && m->encrypted)
        st = walk_encrypted(w, m->name);
    free(path);
    if (st != VG_OK || m->encrypted || walk_done(w))
        return st;
    if (o->max_files && sc->files >= o->max_files)
        return walk_limit(w, VG_LIMIT_FILES);
    sc->files++;
    *extract = 1;
    return VG_OK;
}

size_t
walk_cap(const struct walk *w, const struct member *m)
{
    const struct vg_scanner *sc = w->sc;
    const vg_scan_opts *o = &sc->opts;
    uint64_t cap = (uint64_t)SIZE_MAX / 2;

    if (o->max_filesize && o->max_filesize < cap)
        cap = o->max_filesize;
    if (o->max_scansize) {
        uint64_t left = sc->scanned < o->max_scansize ? o->max_scansize - sc->scanned : 0;
        if (left < cap)
            cap = left;
    }
    if (o->max_ratio && m && m->csize) {
        uint64_t r;
        if (!ckd_mul(&r, m->csize, (uint64_t)o->max_ratio) && r < cap)
            cap = r < RATIO_FLOOR ? (RATIO_FLOOR < cap ? RATIO_FLOOR : cap) : r;
    }
    return (size_t)cap + 1;
}

/* Which limit cut a truncated member: the first of file size, scan size
 * and ratio that its length passes. */
static uint32_t
cut_by(const struct walk *w, const struct member *m, size_t len)
{
    const struct vg_scanner *sc = w->sc;
    const vg_scan_opts *o = &sc->opts;

    if (o->max_filesize && len > o->max_filesize)
        return VG_LIMIT_FILESIZE;
    if (o->max_scansize && (sc->scanned >= o->max_scansize || len > o->max_scansize - sc->scanned))
        return VG_LIMIT_SCANSIZE;
    if (o->max_ratio && m && m->csize)
        return VG_LIMIT_RATIO;
    return VG_LIMIT_FILESIZE;
}

static vg_status
scan_layer(struct walk *w, const char *name, const uint8_t *buf, size_t len, unsigned lflags,
           enum ftype type)
{
    struct layer_ctx lc;
    const struct layer_ctx *pc = w->lc;
    char *path;
    vg_status st;

    memset(&lc, 0, sizeof(lc));
    lc.depth = pc->depth + 1;
    lc.nparents = pc->nparents;
    if ((size_t)lc.nparents >= sizeof(lc.parents) / sizeof(lc.parents[0]))
        return scanner_limit(w->sc, VG_LIMIT_RECURSION, pc->path);
    memcpy(lc.parents, pc->parents, (size_t)pc->nparents * sizeof(lc.parents[0]));
    lc.parents[lc.nparents++] = w->ctype;
    lc.flags = lflags;
    lc.type = type;
    if ((path = member_path(w, name)) == NULL)
        return VG_ENOMEM;
    lc.path = path;
    st = scanner_scan_layer(w->sc, buf, len, &lc);
    free(path);
    return st;
}

vg_status
walk_scan(struct walk *w, const struct member *m, const uint8_t *buf, size_t len, unsigned flags)
{
    struct vg_scanner *sc = w->sc;

    if (flags & WALK_TRUNCATED) {
        uint32_t bit = cut_by(w, m, len);
        char *path = member_path(w, m->name);
        vg_status st;

        if (path == NULL)
            return VG_ENOMEM;
        st = scanner_limit(sc, bit, path);
        free(path);
        if (st != VG_OK)
            return st;
        if ((flags & WALK_PREFIX) && len > 1 && bit != VG_LIMIT_SCANSIZE) {
            /* the stream's first max bytes are scanned like clamscan does */
            len--;
            return scan_layer(w, m->name, buf, len, 0, FT_BINARY);
        }
        /* extracted and dropped: the work still counts against the scan size */
        if (UINT64_MAX - sc->scanned > len)
            sc->scanned += len;
        else
            sc->scanned = UINT64_MAX;
        if (bit == VG_LIMIT_SCANSIZE)
            w->stop = 1;
        return VG_OK;
    }
    return scan_layer(w, m->name, buf, len, 0, FT_BINARY);
}

vg_status
walk_scan_text(struct walk *w, const char *name, const uint8_t *buf, size_t len, enum ftype type)
{
    return scan_layer(w, name, buf, len, LAYER_TYPED | LAYER_NORMALIZED, type);
}

vg_status
walk_scan_typed(struct walk *w, const struct member *m, const uint8_t *buf, size_t len,
                enum ftype type)
{
    return scan_layer(w, m->name, buf, len, LAYER_TYPED, type);
}

/* Heuristics.Broken.Executable: the layer is typed PE but its headers did
 * not parse (the scanner left exe->kind at EXE_NONE). */
static vg_status
broken_exe(struct vg_scanner *sc, const struct layer_ctx *lc)
{
    if (!(sc->opts.flags & VG_SCAN_ALERT_BROKEN) || sc->exe == NULL || sc->exe->kind != EXE_NONE)
        return VG_OK;
    return scanner_alert_copy(sc, "Heuristics.Broken.Executable", lc->path);
}

vg_status
containers_walk(struct vg_scanner *sc, const uint8_t *buf, size_t len, enum ftype type,
                const struct layer_ctx *lc)
{
    struct walk w;
    enum ftype kind;
    vg_status st = VG_OK;

    if (type == FT_PE && (st = broken_exe(sc, lc)) != VG_OK)
        return st;
    kind = sniff_container(buf, len, type);
    walk_start(&w, sc, lc, buf, len, sniff_parent_type(type, kind), sniff_tag(kind));
    w.cdb = walk_has_cdb(kind);
    if (walk_done(&w))
        return w.err;
    if (kind == FT_BINARY) {
        /* clamscan: objects found by the type signatures first, then the
           PE's own parsing (packers, installers) */
        st = embedded_walk(sc, buf, len, type, kind, lc);
        if (st == VG_OK && type == FT_PE && !walk_done(&w))
            st = unpack_pe(sc, buf, len, lc);
        return st != VG_OK ? st : w.err;
    }
    switch (kind) {
    case FT_ZIP:
        w.enc_name = "Zip";
        st = zip_walk(&w);
        break;
    case FT_OLE2:
        w.enc_name = "OLE2";
        st = ole2_walk(&w);
        break;
    case FT_PDF:
        w.enc_name = "PDF";
        st = pdf_walk(&w);
        break;
    case FT_MAIL:
        st = mime_walk(&w);
        break;
    case FT_HTML:
        st = html_walk(&w);
        break;
    case FT_SZDD:
        st = szdd_walk(&w);
        break;
    case FT_BINHEX:
        st = binhex_walk(&w);
        break;
    case FT_TNEF:
        st = tnef_walk(&w);
        break;
    case FT_RTF:
        st = rtf_walk(&w);
        break;
    case FT_SIS:
        st = sis_walk(&w);
        break;
    case FT_ARJ:
        st = arj_walk(&w);
        break;
    case FT_CHM:
        st = chm_walk(&w);
        break;
    case FT_NULSFT:
        st = nsis_walk(&w);
        break;
    case FT_7Z:
        w.enc_name = "7Zip";
        st = archive_walk(&w, kind);
        break;
    case FT_RAR:
        w.enc_name = "RAR";
        st = archive_walk(&w, kind);
        break;
    default:
        st = archive_walk(&w, kind);
        break;
    }
    if (st == VG_OK && w.err == VG_OK && !walk_done(&w))
        st = embedded_walk(sc, buf, len, type, kind, lc);
    return st != VG_OK ? st : w.err;
}
