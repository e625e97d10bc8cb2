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
