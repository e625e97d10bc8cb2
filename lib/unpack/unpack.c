/*
 * unpack.c - which packer made a PE layer, in clamscan's order (see
 * unpack.h).
 *
 * ClamAV 1.4's cli_scanpe looks at packers only for 32-bit PE files,
 * with 4 KiB read at the entry point ("epbuf"), and in this order, each
 * one returning from the scan once it has unpacked something:
 *   - an empty section (no raw data, some virtual size) followed by one
 *     with data: UPX, FSG or MEW made it;
 *   - UPX: the empty section's and the next one's virtual sizes bound
 *     the output; a size that does not fit ends the PE scan.
 *   - fewer than 200 bytes at the entry point end the PE scan; then
 *     Petite, PESpin, yC, WWPack32 and ASPack, each by its stub at the
 *     entry point (petite.c, yc.c, wwpack.c, aspack.c).
 * A limit that forbids unpacking (the output would pass max_filesize or
 * the scan size left) is recorded, so the file is reported incomplete.
 */
#include "unpack/unpack.h"

#include <stdlib.h>
#include <string.h>

#include "containers/sink.h"
#include "containers/walk.h"
#include "formats/pe.h"
#include "unpack/aspack.h"
#include "unpack/petite.h"
#include "unpack/upx.h"
#include "unpack/wwpack.h"
#include "unpack/yc.h"

#define EPBUF 4096
/* ClamAV's CLI_MAX_ALLOCATION: no unpacker allocates more. */
#define MAX_ALLOC (1024u * 1024u * 1024u)

struct pectx {
    struct vg_scanner *sc;
    const struct layer_ctx *lc;
    const uint8_t *buf;
    size_t len;
    struct pe_image *pe;
    uint8_t ep[EPBUF]; /* at the entry point, zero-padded */
    size_t epsize;     /* bytes of it from the file */
    int found;         /* an empty section precedes one with data */
    uint32_t fi;       /* the empty section's index */
};

/* What a packer's step says: go on with the next packer, or stop (an
 * image was unpacked and scanned, or clamscan gives up on the file). */
enum { NEXT, STOP };

/* Whether the limits forbid unpacking need bytes: the output would pass
 * max_filesize or the scan size left. The limit is recorded at the layer
 * (*st: VG_ENOMEM if that failed). */
static int
over_limits(struct pectx *c, uint64_t need, vg_status *st)
{
    const vg_scan_opts *o = &c->sc->opts;
    struct walk w;
    uint32_t bit;

    walk_start(&w, c->sc, c->lc, c->buf, c->len, FT_PE, "PE");
    if (need <= walk_cap(&w, NULL) - 1 && need <= MAX_ALLOC)
        return 0;
    bit = (o->max_filesize && need > o->max_filesize) || need > MAX_ALLOC ? VG_LIMIT_FILESIZE
                                                                         : VG_LIMIT_SCANSIZE;
    *st = walk_limit(&w, bit);
    return 1;
}

/* A zeroed output buffer of need bytes (the caller checked the limits);
 * -1 when out of memory. */
static int
out_alloc(struct sink *s, size_t need)
{
    sink_init(s, need);
    if (need == 0)
        return 0;
    if (sink_room(s, need) < need) {
        sink_free(s);
        return -1;
    }
    memset(s->p, 0, need);
    return 0;
}

/* Scan an unpacked image as a member of the layer, tagged tag. */
static vg_status
out_scan(struct pectx *c, const char *tag, const uint8_t *p, size_t n)
{
    struct walk w;
    struct member m;
    int go;
    vg_status st;

    walk_start(&w, c->sc, c->lc, c->buf, c->len, FT_PE, tag);
    memset(&m, 0, sizeof(m));
    m.csize = c->len;
    m.usize = n;
    if ((st = walk_announce(&w, &m, &go)) != VG_OK || !go)
        return st != VG_OK ? st : w.err;
    st = walk_scan(&w, &m, p, n, 0);
    return st != VG_OK ? st : w.err;
}

/* UPX: sections fi (UPX0, empty) and fi + 1 (UPX1, compressed). */
static int
try_upx(struct pectx *c, vg_status *st)
{
    const struct pe_image *pe = c->pe;
    const struct pe_sect *s0 = &pe->sect[c->fi], *s1 = &pe->sect[c->fi + 1];
    uint32_t ssize = s1->rsz, dsize = s0->vsz + s1->vsz, outlen = 0;
    struct upx_job job;
    struct sink s;

    if (over_limits(c, dsize > ssize ? dsize : ssize, st))
        return STOP;
    if (ssize <= 0x19 || dsize <= ssize || dsize > MAX_ALLOC)
        return STOP;
    /* rsz is cut at the end of the file: the raw data is all there */
    if (s1->raw >= c->len || ssize > c->len - s1->raw)
        return STOP;
    if (out_alloc(&s, (size_t)dsize + UPX_HEADROOM) != 0)
        return (*st = VG_ENOMEM), STOP;
    job.pe = pe;
    job.src = c->buf + s1->raw;
    job.ssize = ssize;
    job.upx0 = s0->rva;
    job.upx1 = s1->rva;
    job.ep = c->ep;
    if (upx_unpack(&job, s.p, dsize, &outlen) != 0) {
        sink_free(&s);
        return NEXT; /* all decoders failed: other packers may still match */
    }
    *st = out_scan(c, "UPX", s.p, outlen);
    sink_free(&s);
    return STOP;
}

/* Petite: the sections' raw data laid out from the lowest RVA. */
static int
try_petite(struct pectx *c, vg_status *st)
{
    const struct pe_image *pe = c->pe;
    int ver = petite_detect(pe, c->ep);
    uint32_t dsize = pe->max - pe->min;
    uint8_t *out = NULL;
    size_t outlen = 0;
    struct sink s;
    int r;

    if (!ver)
        return NEXT;
    if (over_limits(c, dsize, st))
        return STOP;
    if (out_alloc(&s, dsize) != 0)
        return (*st = VG_ENOMEM), STOP;
    for (uint32_t i = 0; i < pe->nsections; i++) {
        const struct pe_sect *x = &pe->sect[i];

        if (!x->raw)
            continue;
        /* (clamscan ends the PE scan on these) */
        if (!x->rsz || !x->ursz || x->ursz > dsize || x->rva - pe->min > dsize - x->ursz ||
            x->raw >= c->len || x->ursz > c->len - x->raw) {
            sink_free(&s);
            return STOP;
        }
        memcpy(s.p + (x->rva - pe->min), c->buf + x->raw, x->ursz);
    }
    r = petite_unpack(s.p, dsize, pe, pe->nsections - (ver == 1), ver, &out, &outlen);
    sink_free(&s);
    if (r == PETITE_NOMEM)
        return (*st = VG_ENOMEM), STOP;
    if (r != PETITE_OK)
        return NEXT;
    *st = out_scan(c, "Petite", out, outlen);
    free(out);
    return STOP;
}

/* yC: the whole file, decrypted in place. */
static int
try_yc(struct pectx *c, vg_status *st)
{
    uint32_t ecx, outlen = 0;
    int16_t off;
    uint8_t *f;
    int r;

    if (!yc_detect(c->pe, c->ep, c->len, &ecx, &off) || c->len >= UINT32_MAX)
        return NEXT;
    if ((f = calloc(1, c->len + 1)) == NULL)
        return (*st = VG_ENOMEM), STOP;
    memcpy(f, c->buf, c->len);
    r = yc_decrypt(f, (uint32_t)c->len, c->pe, ecx, off, &outlen);
    if (r == YC_OK) {
        *st = out_scan(c, "yC", f, outlen);
    } else if (r == YC_BOUNDS) {
        struct walk w;

        walk_start(&w, c->sc, c->lc, c->buf, c->len, FT_PE, "yC");
        *st = walk_heuristic(&w, "Heuristics.BoundsCheck");
    }
    free(f);
    return r == YC_FAIL ? NEXT : STOP;
}

/* WWPack32: the headers and all sections but the last at their RVAs. */
static int
try_wwpack(struct pectx *c, vg_status *st)
{
    const struct pe_image *pe = c->pe;
    const struct pe_sect *last;
    uint32_t head, ssize = 0, n;
    struct sink s;
    int r;

    if (!wwpack_detect(pe, c->ep))
        return NEXT;
    n = pe->nsections;
    last = &pe->sect[n - 1];
    head = last->raw;
    for (uint32_t i = 0; i + 1 < n; i++) {
        if (pe->sect[i].raw < head)
            head = pe->sect[i].raw;
        if (ssize < pe->sect[i].rva + pe->sect[i].vsz)
            ssize = pe->sect[i].rva + pe->sect[i].vsz;
    }
    if (!head || !ssize || head > ssize)
        return NEXT;
    if (over_limits(c, ssize, st))
        return STOP;
    /* headers or WWPack's section not in the file: clamscan fails the
     * read and ends the PE scan */
    if (head > c->len || !last->rsz || last->raw >= c->len || last->rsz > c->len - last->raw)
        return STOP;
    if (out_alloc(&s, ssize) != 0)
        return (*st = VG_ENOMEM), STOP;
    memcpy(s.p, c->buf, head);
    for (uint32_t i = 0; i + 1 < n; i++) {
        const struct pe_sect *x = &pe->sect[i];

        if (!x->rsz)
            continue;
        if (x->rsz > ssize || x->rva > ssize - x->rsz || x->raw >= c->len ||
            x->rsz > c->len - x->raw) {
            sink_free(&s);
            return NEXT; /* "probably hacked/damaged" */
        }
        memcpy(s.p + x->rva, c->buf + x->raw, x->rsz);
    }
    r = wwpack_unpack(s.p, ssize, c->buf + last->raw, last->rsz, pe);
    if (r == 0)
        *st = out_scan(c, "WWPack", s.p, ssize);
    sink_free(&s);
    if (r == -2)
        return (*st = VG_ENOMEM), STOP;
    return r == 0 ? STOP : NEXT;
}

/* ASPack: all sections at their RVAs. */
static int
try_aspack(struct pectx *c, vg_status *st)
{
    const struct pe_image *pe = c->pe;
    enum aspack_ver ver = aspack_detect(pe, c->ep, c->epsize, c->len);
    uint32_t ssize = 0;
    uint8_t *out = NULL;
    size_t outlen = 0;
    struct sink s;
    int r;

    if (ver == ASPACK_NONE)
        return NEXT;
    for (uint32_t i = 0; i < pe->nsections; i++)
        if (ssize < pe->sect[i].rva + pe->sect[i].vsz)
            ssize = pe->sect[i].rva + pe->sect[i].vsz;
    if (!ssize)
        return NEXT;
    if (over_limits(c, ssize, st))
        return STOP;
    if (out_alloc(&s, ssize) != 0)
        return (*st = VG_ENOMEM), STOP;
    for (uint32_t i = 0; i < pe->nsections; i++) {
        const struct pe_sect *x = &pe->sect[i];

        if (!x->rsz)
            continue;
        if (x->rsz > ssize || x->rva > ssize - x->rsz || x->raw >= c->len ||
            x->rsz > c->len - x->raw) {
            sink_free(&s);
            return NEXT; /* "probably hacked/damaged" */
        }
        memcpy(s.p + x->rva, c->buf + x->raw, x->rsz);
    }
    r = aspack_unpack(s.p, ssize, pe, ver, &out, &outlen);
    if (r == ASPACK_OK)
        *st = out_scan(c, "Aspack", out, outlen);
    else if (r == ASPACK_RAW)
        *st = out_scan(c, "Aspack", s.p, ssize);
    free(out);
    sink_free(&s);
    if (r == ASPACK_NOMEM)
        return (*st = VG_ENOMEM), STOP;
    return r == ASPACK_FAIL ? NEXT : STOP;
}

/* The first empty section followed by one with data (UPX, FSG, MEW). */
static void
find_empty(struct pectx *c)
{
    const struct pe_image *pe = c->pe;

    for (uint32_t i = 0; i + 1 < pe->nsections; i++) {
        const struct pe_sect *a = &pe->sect[i], *b = &pe->sect[i + 1];
        if (!a->rsz && a->vsz && b->rsz && b->vsz) {
            c->found = 1;
            c->fi = i;
            return;
        }
    }
}

vg_status
unpack_pe(struct vg_scanner *sc, const uint8_t *buf, size_t len, const struct layer_ctx *lc)
{
    struct pectx *c;
    vg_status st = VG_OK;

    if ((c = calloc(1, sizeof(*c))) == NULL)
        return VG_ENOMEM;
    if ((c->pe = malloc(sizeof(*c->pe))) == NULL) {
        free(c);
        return VG_ENOMEM;
    }
    c->sc = sc;
    c->lc = lc;
    c->buf = buf;
    c->len = len;
    if (pe_image_parse(buf, len, c->pe) != 0 || c->pe->pe64)
        goto out;
    c->epsize = len - c->pe->ep < EPBUF ? len - c->pe->ep : EPBUF;
    memcpy(c->ep, buf + c->pe->ep, c->epsize);
    find_empty(c);

    if (c->epsize < 168)
        goto out;
    if (c->found && try_upx(c, &st) == STOP)
        goto out;
    if (c->epsize < 200)
        goto out;
    if (try_petite(c, &st) == STOP)
        goto out;
    if (try_yc(c, &st) == STOP)
        goto out;
    if (try_wwpack(c, &st) == STOP)
        goto out;
    if (try_aspack(c, &st) == STOP)
        goto out;
out:
    free(c->pe);
    free(c);
    return st;
}
