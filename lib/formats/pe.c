/*
 * pe.c - PE (MZ + "PE\0\0") headers: entry point and sections as ClamAV
 * 1.4's cli_pe_targetinfo() computes them for exe-relative offsets.
 *
 * That is cli_peheader() without STRICT_ON_PE_ERRORS and without
 * REMOVE_MISSING_SECTIONS, so ClamAV tolerates bad alignments, holes and
 * misordered sections, and gives up only when:
 *  - the DOS signature is neither "MZ" nor "ZM", e_lfanew is 0, or the
 *    file header is not "PE\0\0";
 *  - NumberOfSections is 0;
 *  - SizeOfOptionalHeader is below the PE32 (96) or, for magic 0x20b,
 *    the PE32+ (112) optional header, or too small for the data
 *    directories it announces (at most 16 are read);
 *  - any header or the section table runs past the end of the file;
 *  - a section has VirtualAddress, VirtualSize, SizeOfRawData or (if it
 *    has raw data) PointerToRawData with bit 31 set;
 *  - the entry point RVA maps to no file offset.
 *
 * The arithmetic is ClamAV's, in 32 bits: SizeOfHeaders is rounded up to
 * SectionAlignment; a section's RVA and raw offset are rounded down to the
 * section and file alignment, its virtual and raw sizes up. A FileAlignment
 * other than 0x200 falls back to 0x200 when a section's raw offset is a
 * multiple of 0x200 but not of the alignment. A section starting past the
 * end of the file gets raw size 0; one running past it is cut there. An
 * entry point below SizeOfHeaders is its own file offset (if inside the
 * file); otherwise the last section whose raw extent covers it maps it.
 */
#include "formats/exe.h"

#include <string.h>

#include "formats/pe.h"

#include "core/rd.h"

#define PE_FILE_HDR 24  /* "PE\0\0" + IMAGE_FILE_HEADER */
#define PE_OPT32 96     /* optional header without data directories */
#define PE_OPT64 112
#define PE_SECT_HDR 40

/* ClamAV's PEALIGN / PESALIGN, in 32 bits. */
static uint32_t
align_down(uint32_t o, uint32_t a)
{
    return a ? (o / a) * a : o;
}

static uint32_t
align_up(uint32_t o, uint32_t a)
{
    return a ? (uint32_t)((o / a + (o % a != 0)) * a) : o;
}

/* A section as cli_peheader() leaves it. */
struct pesect {
    uint32_t rva, vsz, raw, rsz, urva, uvsz, uraw, ursz;
};

/* Everything parsed before the section table. */
struct pehdr {
    uint64_t sect_off;  /* file offset of the section table */
    uint32_t nsections;
    uint32_t vep, hdr_size, salign, falign;
    int pe64;
};

static uint32_t
le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Section i, with the alignment fixes and the cuts at the end of the file
 * (len). The caller checked that the table is inside the buffer. */
static void
pe_section(const uint8_t *buf, size_t len, const struct pehdr *h, uint32_t i,
           struct pesect *s)
{
    const uint8_t *p = buf + h->sect_off + (uint64_t)i * PE_SECT_HDR;

    s->uvsz = le32(p + 8);
    s->urva = le32(p + 12);
    s->ursz = le32(p + 16);
    s->uraw = le32(p + 20);
    s->rva = align_down(s->urva, h->salign);
    s->vsz = align_up(s->uvsz, h->salign);
    s->raw = align_down(s->uraw, h->falign);
    s->rsz = align_up(s->ursz, h->falign);
    if (s->rsz != 0) {
        if (s->raw >= len || s->uraw >= len) {
            s->rsz = 0;
            s->ursz = 0;
        } else {
            if (s->rsz > len - s->raw)
                s->rsz = (uint32_t)(len - s->raw);
            if (s->ursz > len - s->uraw)
                s->ursz = (uint32_t)(len - s->uraw);
        }
    }
    if (s->vsz == 0 && s->rsz != 0)
        s->vsz = align_up(s->ursz, h->salign);
}

/* The headers up to the section table; -1 where ClamAV gives up. */
static int
pe_headers(const uint8_t *buf, size_t len, struct pehdr *h)
{
    uint16_t mz = 0, nsect = 0, optsize = 0, magic = 0;
    uint32_t lfanew = 0, sig = 0, ndirs = 0, stored;
    uint64_t at;

    memset(h, 0, sizeof(*h));
    if (rd_u16le(buf, len, 0, &mz) != 0 || (mz != 0x5a4d && mz != 0x4d5a))
        return -1;
    if (rd_u32le(buf, len, 60, &lfanew) != 0 || lfanew == 0)
        return -1;
    if (!rd_ok(len, lfanew, PE_FILE_HDR))
        return -1;
    if (rd_u32le(buf, len, lfanew, &sig) != 0 || sig != 0x4550)
        return -1;
    (void)rd_u16le(buf, len, (uint64_t)lfanew + 6, &nsect);
    (void)rd_u16le(buf, len, (uint64_t)lfanew + 20, &optsize);
    if (nsect == 0 || optsize < PE_OPT32)
        return -1;
    at = (uint64_t)lfanew + PE_FILE_HDR;
    if (!rd_ok(len, at, PE_OPT32))
        return -1;
    (void)rd_u16le(buf, len, at, &magic);
    h->pe64 = magic == 0x20b;
    if (h->pe64) {
        if (optsize < PE_OPT64 || !rd_ok(len, at, PE_OPT64))
            return -1;
        stored = PE_OPT64;
        (void)rd_u32le(buf, len, at + 108, &ndirs);
    } else {
        stored = PE_OPT32;
        (void)rd_u32le(buf, len, at + 92, &ndirs);
    }
    (void)rd_u32le(buf, len, at + 16, &h->vep);
    (void)rd_u32le(buf, len, at + 32, &h->salign);
    (void)rd_u32le(buf, len, at + 36, &h->falign);
    (void)rd_u32le(buf, len, at + 60, &h->hdr_size);
    if (ndirs > 16)
        ndirs = 16;
    if (optsize < stored + 8 * ndirs || !rd_ok(len, at + stored, 8 * ndirs))
        return -1;
    h->sect_off = at + optsize;
    h->nsections = nsect;
    h->hdr_size = align_up(h->hdr_size, h->salign);
    if (!rd_ok(len, h->sect_off, (uint64_t)nsect * PE_SECT_HDR))
        return -1;
    /* File alignment fallback: a raw offset that is a multiple of 0x200 but
     * not of FileAlignment makes ClamAV use 0x200. */
    for (uint32_t i = 0; h->falign != 0x200 && i < nsect; i++) {
        const uint8_t *p = buf + h->sect_off + (uint64_t)i * PE_SECT_HDR;

        if (h->falign && le32(p + 16) && le32(p + 20) % h->falign && !(le32(p + 20) % 0x200))
            h->falign = 0x200;
    }
    return 0;
}

/* cli_rawaddr(): the file offset of an RVA, or -1. */
static int
pe_rawaddr(const uint8_t *buf, size_t len, const struct pehdr *h, uint32_t rva, uint32_t *off)
{
    struct pesect s;

    if (rva < h->hdr_size) {
        if (rva >= len)
            return -1;
        *off = rva;
        return 0;
    }
    for (uint32_t i = h->nsections; i-- > 0;) {
        pe_section(buf, len, h, i, &s);
        if (s.rsz && s.rva <= rva && s.rsz > rva - s.rva) {
            *off = rva - s.rva + s.raw;
            return 0;
        }
    }
    return -1;
}

int
pe_parse(const uint8_t *buf, size_t len, struct exe_info *out)
{
    struct pehdr h;
    struct pesect s;
    uint32_t ep;

    memset(out, 0, sizeof(*out));
    if (pe_headers(buf, len, &h) != 0)
        return -1;
    for (uint32_t i = 0; i < h.nsections; i++) {
        pe_section(buf, len, &h, i, &s);
        if (s.urva >> 31 || s.uvsz >> 31 || (s.rsz && s.uraw >> 31) || s.ursz >> 31) {
            memset(out, 0, sizeof(*out));
            return -1;
        }
        if (i < EXE_MAX_SECTIONS) {
            out->sections[i].raw_off = s.raw;
            out->sections[i].raw_size = s.rsz;
            out->sections[i].rva = s.rva;
            out->sections[i].vsize = s.vsz;
        }
    }
    if (pe_rawaddr(buf, len, &h, h.vep, &ep) != 0) {
        memset(out, 0, sizeof(*out));
        return -1;
    }
    out->kind = EXE_PE;
    out->has_ep = 1;
    out->ep = ep;
    out->nsections = h.nsections;
    out->nrecorded = h.nsections < EXE_MAX_SECTIONS ? h.nsections : EXE_MAX_SECTIONS;
    out->pe64 = h.pe64;
    return 0;
}

int
pe_image_parse(const uint8_t *buf, size_t len, struct pe_image *out)
{
    struct pehdr h;
    struct pesect s;
    uint64_t opt;

    memset(out, 0, sizeof(*out));
    if (pe_headers(buf, len, &h) != 0 || h.nsections > PE_MAX_SECTIONS)
        goto fail;
    (void)rd_u32le(buf, len, 60, &out->e_lfanew);
    opt = (uint64_t)out->e_lfanew + PE_FILE_HDR;
    (void)rd_u16le(buf, len, (uint64_t)out->e_lfanew + 4, &out->machine);
    (void)rd_u16le(buf, len, (uint64_t)out->e_lfanew + 20, &out->opt_size);
    (void)rd_u16le(buf, len, (uint64_t)out->e_lfanew + 22, &out->characteristics);
    out->is_dll = (out->characteristics & 0x2000) != 0;
    out->pe64 = h.pe64;
    if (!h.pe64)
        (void)rd_u32le(buf, len, opt + 28, &out->image_base);
    (void)rd_u32le(buf, len, opt + 56, &out->size_of_image);
    out->ndirs = 0;
    {
        uint32_t nd = 0;
        (void)rd_u32le(buf, len, opt + (h.pe64 ? 108 : 92), &nd);
        out->ndirs = nd > 16 ? 16 : nd;
    }
    for (uint32_t i = 0; i < out->ndirs; i++) {
        uint64_t at = opt + (h.pe64 ? PE_OPT64 : PE_OPT32) + 8 * (uint64_t)i;
        (void)rd_u32le(buf, len, at, &out->dir_rva[i]);
        (void)rd_u32le(buf, len, at + 4, &out->dir_size[i]);
    }
    out->vep = h.vep;
    out->salign = h.salign;
    out->falign = h.falign;
    out->hdr_size = h.hdr_size;
    out->nsections = h.nsections;
    out->sect_off = h.sect_off;
    for (uint32_t i = 0; i < h.nsections; i++) {
        struct pe_sect *o = &out->sect[i];
        const uint8_t *p = buf + h.sect_off + (uint64_t)i * PE_SECT_HDR;

        pe_section(buf, len, &h, i, &s);
        if (s.urva >> 31 || s.uvsz >> 31 || (s.rsz && s.uraw >> 31) || s.ursz >> 31)
            goto fail;
        o->rva = s.rva;
        o->vsz = s.vsz;
        o->raw = s.raw;
        o->rsz = s.rsz;
        o->urva = s.urva;
        o->uvsz = s.uvsz;
        o->uraw = s.uraw;
        o->ursz = s.ursz;
        o->chr = le32(p + 36);
        memcpy(o->name, p, 8);
        o->name[8] = '\0';
        if (i == 0) {
            out->min = s.rva;
            out->max = s.rva + s.rsz;
        } else {
            if (s.rva < out->min)
                out->min = s.rva;
            if (s.rva + s.rsz > out->max) {
                out->max = s.rva + s.rsz;
                out->overlay_start = s.raw + s.rsz;
            }
        }
    }
    out->overlay_size = (uint32_t)len - out->overlay_start;
    if (pe_rawaddr(buf, len, &h, h.vep, &out->ep) != 0)
        goto fail;
    return 0;
fail:
    memset(out, 0, sizeof(*out));
    return -1;
}

int
pe_image_rawaddr(const struct pe_image *pe, uint32_t rva, size_t flen, uint32_t *off)
{
    if (rva < pe->hdr_size) {
        if (rva >= flen)
            return -1;
        *off = rva;
        return 0;
    }
    for (uint32_t i = pe->nsections; i-- > 0;) {
        const struct pe_sect *s = &pe->sect[i];
        if (s->rsz && s->rva <= rva && s->rsz > rva - s->rva) {
            *off = rva - s->rva + s->raw;
            return 0;
        }
    }
    return -1;
}
