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

#include "containers/ishield.h"
#include "containers/sink.h"
#include "containers/walk.h"
#include "formats/pe.h"
#include "unpack/aspack.h"
#include "unpack/mew.h"
#include "unpack/pespin.h"
#include "unpack/petite.h"
#include "unpack/upack.h"
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

/* Scan a rebuilt image an unpacker allocated (r: its return, 0 built,
 * -2 out of memory, else failed) and free it. */
static int
scan_rebuilt(struct pectx *c, const char *tag, int r, uint8_t *img, size_t n, vg_status *st)
{
    if (r == -2) {
        *st = VG_ENOMEM;
        return STOP;
    }
    if (r != 0)
        return NEXT;
    *st = out_scan(c, tag, img, n);
    free(img);
    return STOP;
}

static uint32_t
u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* MEW: a jmp at the entry point to the stub at file offset 0x154 or
 * 0x158, whose "mov esi" points into section fi + 1. */
static int
try_mew(struct pectx *c, vg_status *st)
{
    const struct pe_image *pe = c->pe;
    const struct pe_sect *s0 = &pe->sect[c->fi], *s1 = &pe->sect[c->fi + 1];
    uint32_t fileoffset, offdiff, ssize, dsize, lz = 0;
    const uint8_t *tb;
    struct mew_job job;
    struct sink s;
    uint8_t *img = NULL;
    size_t n = 0;
    int r;

    if (c->epsize < 16 || c->ep[0] != 0xe9)
        return NEXT;
    fileoffset = pe->vep + u32le(c->ep + 1) + 5;
    if (fileoffset != 0x154 && fileoffset != 0x158)
        return NEXT;
    if (fileoffset > c->len || c->len - fileoffset < 0xb0)
        return NEXT;
    tb = c->buf + fileoffset;
    offdiff = u32le(tb + 1) - pe->image_base;
    if (offdiff <= s1->rva || offdiff >= s1->rva + s1->raw - 4)
        return NEXT; /* ESI is not in the MEW section */
    offdiff -= s1->rva;
    ssize = s1->vsz;
    dsize = s0->vsz;
    if (!s1->rsz || ssize + dsize < ssize || offdiff >= ssize + dsize)
        return NEXT;
    if (over_limits(c, ssize > dsize ? ssize : dsize, st) ||
        over_limits(c, ssize + dsize > s1->rsz ? ssize + dsize : s1->rsz, st))
        return STOP;
    if (s1->rsz < offdiff + 12 || s1->rsz > ssize)
        return NEXT;
    /* rsz is cut at the end of the file: the raw data is all there */
    if (s1->raw >= c->len || s1->rsz > c->len - s1->raw)
        return STOP;
    if (tb[0x7b] == 0xe8) {
        /* call to the LZMA routine: it must lie in section 1 */
        uint64_t at = (uint64_t)(uint32_t)(u32le(tb + 0x7c) + fileoffset + 0x80);
        const struct pe_sect *t = &pe->sect[1];

        if (t->vsz < 4 || at < t->rva || at + 4 > (uint64_t)t->rva + t->vsz)
            return NEXT;
        lz = u32le(tb + 0x7c) - (pe->sect[0].rva - fileoffset - 0x80);
    }
    if (out_alloc(&s, (size_t)ssize + dsize) != 0)
        return (*st = VG_ENOMEM), STOP;
    memcpy(s.p + dsize, c->buf + s1->raw, s1->rsz);
    job.buf = s.p;
    job.ssize = ssize;
    job.dsize = dsize;
    job.offdiff = offdiff;
    job.base = pe->image_base;
    job.vadd = pe->sect[0].rva;
    job.uselzma = lz;
    r = mew_unpack(&job, &img, &n);
    sink_free(&s);
    return scan_rebuilt(c, "MEW", r, img, n, st);
}

/* Upack: the 3-section layout (SizeOfOptionalHeader 0x148, "mov esi;
 * lodsd; push eax" or "mov esi; push [esi]") or the 2-section ones. */
static int
try_upack(struct pectx *c, vg_status *st)
{
    const struct pe_image *pe = c->pe;
    const uint8_t *ep = c->ep;
    int three = pe->opt_size == 0x148;
    uint32_t esi = u32le(ep + 1) - pe->image_base, ssize, dsize, off, vma;
    const struct pe_sect *s0, *s1, *s2;
    struct upack_job job;
    struct sink s;
    uint8_t *img = NULL;
    size_t n = 0;
    uint64_t need;
    int r;

    if (!c->found && !three)
        return NEXT;
    if (three && pe->nsections == 3) {
        if (ep[0] != 0xbe || esi <= pe->min ||
            !((ep[5] == 0xad && ep[6] == 0x50) || (ep[5] == 0xff && ep[6] == 0x36)))
            return NEXT;
    } else if (!three && pe->nsections == 2) {
        if (!(ep[0] == 0x60 && ep[1] == 0xe8 && u32le(ep + 2) == 9) &&
            !(ep[0] == 0xbe && esi < pe->min && esi > 0 && ep[5] == 0xad && ep[6] == 0x8b &&
              ep[7] == 0xf8))
            return NEXT;
    } else {
        return NEXT;
    }
    s0 = &pe->sect[0];
    s1 = &pe->sect[1];
    s2 = three ? &pe->sect[2] : NULL;
    if (three) {
        dsize = s0->vsz + s1->vsz + s2->vsz;
        ssize = s0->ursz + s0->uraw;
        off = s0->rva;
        vma = pe->image_base + s0->rva;
    } else {
        dsize = s0->vsz + s1->vsz + s1->rva;
        ssize = s1->uraw;
        off = 0;
        vma = s1->rva - s1->uraw;
    }
    need = dsize > ssize ? dsize : ssize;
    if (over_limits(c, need > s1->ursz ? need : s1->ursz, st))
        return STOP;
    /* the sections' data must fit the buffer (ClamAV's checks) */
    if (s1->ursz == 0 || s1->ursz > dsize || (uint32_t)(s1->rva - off) > dsize - s1->ursz ||
        ssize > dsize)
        return NEXT;
    if (three && (ssize == 0 || (uint32_t)(s2->rva - s0->rva) > dsize - ssize))
        return NEXT;
    if (ssize > c->len || s1->uraw > c->len || s1->ursz > c->len - s1->uraw)
        return NEXT; /* can't read the raw data */
    if (out_alloc(&s, dsize) != 0)
        return (*st = VG_ENOMEM), STOP;
    memcpy(s.p, c->buf, ssize);
    if (three)
        memmove(s.p + (s2->rva - s0->rva), s.p, ssize);
    memcpy(s.p + (s1->rva - off), c->buf + s1->uraw, s1->ursz);
    job.buf = s.p;
    job.dsize = dsize;
    job.three = three;
    job.ep = ep;
    job.vma = vma;
    job.ep_off = pe->ep;
    job.base = pe->image_base;
    job.va = s0->rva;
    r = upack_unpack(&job, &img, &n);
    sink_free(&s);
    return scan_rebuilt(c, "Upack", r, img, n, st);
}

/* PESpin 1.1: the entry point in the last section, far enough from its
 * end, with "call $+5; mov ebx, [esp]; add ebx" 4 bytes in. clamscan
 * looks no further than UPX when fewer than 200 bytes are at the entry
 * point. */
static int
try_pespin(struct pectx *c, vg_status *st)
{
    const struct pe_image *pe = c->pe;
    const struct pe_sect *last;
    static const uint8_t sig[10] = {0xe8, 0, 0, 0, 0, 0x8b, 0x1c, 0x24, 0x83, 0xc3};
    struct pespin_job job;
    struct sink s;
    uint8_t *img = NULL;
    size_t n = 0;
    int r;

    if (c->epsize < 200)
        return STOP;
    if (pe->nsections < 2)
        return NEXT;
    last = &pe->sect[pe->nsections - 1];
    if (pe->vep < last->rva || 0x3217 - 4 > last->rva + last->rsz ||
        pe->vep >= last->rva + last->rsz - 0x3217 - 4 || memcmp(c->ep + 4, sig, sizeof(sig)) != 0)
        return NEXT;
    if (over_limits(c, c->len, st))
        return STOP;
    if (out_alloc(&s, c->len) != 0)
        return (*st = VG_ENOMEM), STOP;
    memcpy(s.p, c->buf, c->len);
    job.src = s.p;
    job.ssize = (uint32_t)c->len;
    job.sect = pe->sect;
    job.n = pe->nsections - 1;
    job.nep = pe->vep;
    job.maxfilesize = c->sc->opts.max_filesize;
    r = pespin_unpack(&job, &img, &n);
    sink_free(&s);
    if (r == -3) {
        /* the sections would pass max-filesize: noted, then on */
        struct walk w;

        walk_start(&w, c->sc, c->lc, c->buf, c->len, FT_PE, "PESpin");
        *st = walk_limit(&w, VG_LIMIT_FILESIZE);
        return *st == VG_OK ? NEXT : STOP;
    }
    return scan_rebuilt(c, "PESpin", r, img, n, st);
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
    int stop = 0;

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
    /* InstallShield files in the overlay come before the packers */
    if (c->pe->overlay_start && (int32_t)c->pe->overlay_size > 0 &&
        ((st = ishield_overlay_scan(sc, buf, len, c->pe->overlay_start, c->pe->overlay_size, lc,
                                    &stop)) != VG_OK || stop))
        goto out;
    find_empty(c);

    if (c->found && try_mew(c, &st) == STOP)
        goto out;
    if (c->epsize < 168)
        goto out;
    if (try_upack(c, &st) == STOP)
        goto out;
    if (c->found && try_upx(c, &st) == STOP)
        goto out;
    if (c->epsize < 200)
        goto out;
    if (try_petite(c, &st) == STOP)
        goto out;
    if (try_pespin(c, &st) == STOP)
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
