/*
 * upx.c - UPX unpacking and PE rebuild (see upx.h).
 *
 * Which decoder: the stub's code at EP+0x69 (or 0x71) names it; that one
 * is tried first, on UPX1 shifted by the "skew" the stub's first
 * instruction (mov esi, imm32) gives, then the others in the order 2B,
 * 2D, 2E, each on UPX1 as it is and 0x15 bytes in. All attempts write to
 * the same buffer, as in ClamAV, so a failed attempt's bytes past a later
 * success's end stay (they are part of what clamscan scans).
 *
 * The rebuild (pefromupx): the stub keeps, at one of a few offsets from
 * EP ("magic"), the RVA of the compressed import table; the original PE
 * header follows that table in the output. Failing that, the output is
 * searched backwards for a PE header; failing that, a one-section header
 * is forged in front of the data. With a header, each original section
 * is laid out at its virtual size, file-aligned to the section alignment,
 * behind a DOS header of 0xd0 bytes. When the header's sections do not
 * fit what was decompressed, the output is scanned as decompressed
 * (ClamAV's behaviour, kept so that verdicts agree).
 *
 * The DOS header and the forged PE header are vigil's own bytes with the
 * field values ClamAV's have (e_lfanew 0xd0; one section at RVA 0x1000,
 * raw offset 0x200, image base 0x400000): offsets inside the image are
 * clamscan's, a hash of the whole rebuilt image is not.
 */
#include "unpack/upx.h"

#include <stdlib.h>
#include <string.h>

#include "unpack/nrv2.h"

#define DOS_HDR 0xd0u
#define PE_HDR 0xf8u
#define SECT_HDR 0x28u

/* 24-byte pieces of the three stubs' decoding loops (ClamAV's pe.c). */
static const uint8_t stub_2b[24] = {0x11, 0xdb, 0x11, 0xc9, 0x01, 0xdb, 0x75, 0x07,
                                    0x8b, 0x1e, 0x83, 0xee, 0xfc, 0x11, 0xdb, 0x11,
                                    0xc9, 0x11, 0xc9, 0x75, 0x20, 0x41, 0x01, 0xdb};
static const uint8_t stub_2d[24] = {0x83, 0xf0, 0xff, 0x74, 0x78, 0xd1, 0xf8, 0x89,
                                    0xc5, 0xeb, 0x0b, 0x01, 0xdb, 0x75, 0x07, 0x8b,
                                    0x1e, 0x83, 0xee, 0xfc, 0x11, 0xdb, 0x11, 0xc9};
static const uint8_t stub_2e[24] = {0xeb, 0x52, 0x31, 0xc9, 0x83, 0xe8, 0x03, 0x72,
                                    0x11, 0xc1, 0xe0, 0x08, 0x8a, 0x06, 0x46, 0x83,
                                    0xf0, 0xff, 0x74, 0x75, 0xd1, 0xf8, 0x89, 0xc5};

/* Where each stub keeps the import table pointer, relative to EP. */
static const uint32_t magic_2b[] = {0x108, 0x110, 0xd5, 0};
static const uint32_t magic_2d[] = {0x11c, 0x124, 0};
static const uint32_t magic_2e[] = {0x128, 0x130, 0};

static uint32_t
get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void
put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void
put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

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

/* ClamAV's CLI_ISCONTAINED for a window [off, off + n) of a buffer of
 * size len: n > 0, off inside, and the window ends inside. */
static int
contained(uint64_t len, int64_t off, uint64_t n)
{
    return len > 0 && n > 0 && n <= len && off >= 0 && (uint64_t)off < len &&
           n <= len - (uint64_t)off;
}

/* Whether the 13 bytes at p occur in the 24-byte stub piece. */
static int
in_stub(const uint8_t *stub, const uint8_t *p)
{
    for (size_t i = 0; i + 13 <= 24; i++)
        if (memcmp(stub + i, p, 13) == 0)
            return 1;
    return 0;
}

/* A PE header at offset at of dst[0..dsize): its section table offset,
 * or -1. Sets *valign and *nsect as ClamAV's checkpe does (also when it
 * fails after reading them). */
static int64_t
check_pe(const uint8_t *dst, uint32_t dsize, int64_t at, uint32_t *valign, uint32_t *nsect)
{
    if (!contained(dsize, at, PE_HDR) || get32(dst + at) != 0x4550)
        return -1;
    if ((*valign = get32(dst + at + 0x38)) == 0)
        return -1;
    if ((*nsect = (uint32_t)dst[at + 6] | (uint32_t)dst[at + 7] << 8) == 0)
        return -1;
    if (!contained(dsize, at + PE_HDR, (uint64_t)*nsect * SECT_HDR))
        return -1;
    return at + PE_HDR;
}

/* vigil's DOS header: "MZ", e_lfanew = 0xd0, a short stub. */
static void
dos_header(uint8_t *p)
{
    static const char note[] = "Rebuilt by vigil from a packed executable; not a program.\r\n$";

    memset(p, 0, DOS_HDR);
    p[0] = 'M';
    p[1] = 'Z';
    put16(p + 2, 0x90);  /* bytes on the last page */
    put16(p + 4, 2);     /* pages */
    put16(p + 8, 4);     /* header paragraphs */
    put16(p + 0x18, 0x40);
    put32(p + 0x3c, DOS_HDR);
    memcpy(p + 0x40, note, sizeof(note) - 1);
}

/* A one-section i386 PE header at p (0x120 bytes): image base 0x400000,
 * entry point and section at RVA 0x1000, raw data at 0x200, sizes rsz. */
static void
forged_pe(uint8_t *p, uint32_t rsz)
{
    uint8_t *o = p + 0x18, *s = p + PE_HDR;

    memset(p, 0, PE_HDR + SECT_HDR);
    put32(p, 0x4550);
    put16(p + 4, 0x14c);       /* i386 */
    put16(p + 6, 1);           /* one section */
    memcpy(p + 8, "VGIL", 4);  /* time stamp */
    put16(p + 20, 0xe0);       /* optional header size */
    put16(p + 22, 0x8f83);     /* characteristics */
    put16(o, 0x10b);           /* PE32 */
    put32(o + 4, 0x1000);      /* SizeOfCode */
    put32(o + 8, 0x1000);      /* SizeOfInitializedData */
    put32(o + 16, 0x1000);     /* AddressOfEntryPoint */
    put32(o + 20, 0x1000);     /* BaseOfCode */
    put32(o + 24, 0x1000);     /* BaseOfData */
    put32(o + 28, 0x400000);   /* ImageBase */
    put32(o + 32, 0x1000);     /* SectionAlignment */
    put32(o + 36, 0x200);      /* FileAlignment */
    put16(o + 40, 1);          /* OS version 1.0 */
    put16(o + 48, 3);          /* subsystem version 3.10 */
    put16(o + 50, 10);
    put32(o + 56, rsz + 0x1000); /* SizeOfImage */
    put32(o + 60, 0x200);      /* SizeOfHeaders */
    put16(o + 68, 2);          /* GUI */
    put32(o + 72, 0x100000);   /* stack reserve */
    put32(o + 76, 0x1000);     /* stack commit */
    put32(o + 80, 0x100000);   /* heap reserve */
    put32(o + 84, 0x1000);     /* heap commit */
    put32(o + 92, 16);         /* data directories */
    memcpy(s, ".vigil0", 7);
    put32(s + 8, rsz);         /* VirtualSize */
    put32(s + 12, 0x1000);     /* VirtualAddress */
    put32(s + 16, rsz);        /* SizeOfRawData */
    put32(s + 20, 0x200);      /* PointerToRawData */
    put32(s + 36, 0xe0000060); /* code, data, rwx */
}

/* The stub's import pointer: the offset in the output where the
 * compressed import table starts, found through magic or by scanning the
 * stub for "lea edi, [esi + imports]; mov eax, [edi]". 0 if none. */
static uint32_t
import_magic(const uint8_t *src, uint32_t ssize, uint32_t ep, uint32_t upx1, const uint32_t *magic)
{
    int64_t base = (int64_t)ep - upx1;
    uint32_t v = 0;

    for (size_t i = 0; (v = magic[i]) != 0; i++) {
        int64_t at = base + v - 2;
        if (contained((uint64_t)ssize - 5, at, 2) && src[at] == 0x8d && src[at + 1] == 0xbe)
            break;
    }
    if (v == 0 && contained((uint64_t)ssize - 8, base + 0x80, 8)) {
        /* bad magic: look for the two instructions from EP + 0x80 on */
        size_t at = (size_t)(base + 0x80), end = (size_t)ssize - 8;

        for (; at + 2 <= end; at++) {
            const uint8_t *p = memchr(src + at, 0x8d, end - 1 - at);
            if (p == NULL)
                break;
            at = (size_t)(p - src);
            if (src[at + 1] == 0xbe && src[at + 6] == 0x8b && src[at + 7] == 0x07) {
                v = (uint32_t)at + 2 - ep + upx1;
                break;
            }
        }
    }
    return v;
}

/* Walk the compressed import table from off: (dll, iat) pairs followed by
 * NUL-terminated names, ended by a zero dword; the PE header follows it
 * 4 bytes on. Returns that offset (possibly outside the buffer). */
static int64_t
skip_imports(const uint8_t *dst, uint32_t dsize, int64_t p)
{
    while (contained(dsize, p, 8) && get32(dst + p) != 0) {
        p += 8;
        while (contained(dsize, p, 2) && dst[p]) {
            p++;
            while (contained(dsize, p, 2) && dst[p])
                p++;
            p++;
        }
        p++;
    }
    return p + 4;
}

/* The last PE header that fits before dend - 0x120 (ClamAV's backward
 * scan), or -1; 0 counts as not found. */
static int64_t
scan_pe(const uint8_t *dst, uint32_t dsize, uint32_t dend, uint32_t *valign, uint32_t *nsect,
        int64_t *sections)
{
    for (int64_t at = (int64_t)dend - PE_HDR - SECT_HDR; at > 0; at--) {
        /* only a "PE\0\0" can start one */
        if (dst[at] != 'P')
            continue;
        if ((*sections = check_pe(dst, dsize, at, valign, nsect)) >= 0)
            return at;
    }
    return -1;
}

void
upx_rebuild(const struct upx_job *job, uint32_t ep, const uint8_t *src, uint32_t ssize,
            uint8_t *dst, uint32_t dsize, uint32_t dend, const uint32_t *magic, uint32_t *outlen)
{
    uint32_t valign = 0, nsect = 0, realsz = 0, foff;
    int64_t pehdr = -1, sections = -1;
    uint8_t *img;

    *outlen = dsize;
    valign = import_magic(src, ssize, ep, job->upx1, magic);
    if (valign && contained(ssize, (int64_t)ep - job->upx1 + valign, 4)) {
        realsz = get32(src + ((int64_t)ep - job->upx1 + valign));
        /* (ClamAV reads it signed and adds it to the buffer's address) */
        if (realsz < dsize) {
            pehdr = skip_imports(dst, dsize, realsz);
            if ((sections = check_pe(dst, dsize, pehdr, &valign, &nsect)) < 0)
                pehdr = -1;
        }
    }
    if (pehdr < 0 && dend > PE_HDR + SECT_HDR) {
        pehdr = scan_pe(dst, dsize, dend, &valign, &nsect, &sections);
        realsz = pehdr > 0 ? (uint32_t)pehdr : 0;
        if (pehdr <= 0)
            pehdr = -1;
    }
    if (pehdr < 0) {
        /* nothing to rebuild from: forge a header in front of the data */
        uint32_t rsz = align_up(dend, 0x1000);

        memmove(dst + 0x200, dst, dend);
        dos_header(dst);
        forged_pe(dst + DOS_HDR, rsz);
        memset(dst + DOS_HDR + PE_HDR + SECT_HDR, 0, 0x200 - DOS_HDR - PE_HDR - SECT_HDR);
        *outlen = rsz + 0x200;
        return;
    }

    /* lay the original sections out at their virtual sizes */
    foff = align_up(DOS_HDR + PE_HDR + SECT_HDR * nsect, valign);
    for (uint32_t i = 0; i < nsect; i++) {
        uint8_t *s = dst + sections + (int64_t)i * SECT_HDR;
        uint32_t vsz = align_up(get32(s + 8), valign), rva = align_down(get32(s + 12), valign);

        if (!contained((uint64_t)job->upx0 + realsz, (int64_t)rva, vsz) || rva < job->upx0)
            return; /* out of bounds: scanned as decompressed */
        put32(s + 8, vsz);
        put32(s + 12, rva);
        put32(s + 16, vsz);
        put32(s + 20, foff);
        if (foff + vsz < foff)
            return;
        foff += vsz;
    }
    put32(dst + pehdr + 8, 0x4c494756); /* time stamp "VGIL" */
    put32(dst + pehdr + 0x3c, valign);  /* file alignment */
    if (foff > dsize + UPX_HEADROOM)
        return;
    if ((img = calloc(1, foff)) == NULL)
        return;
    dos_header(img);
    memcpy(img + DOS_HDR, dst + pehdr, PE_HDR + SECT_HDR * nsect);
    for (uint32_t i = 0; i < nsect; i++) {
        const uint8_t *s = dst + sections + (int64_t)i * SECT_HDR;
        uint32_t raw = get32(s + 20), rsz = get32(s + 16), rva = get32(s + 12);

        if (raw > foff || rsz > foff || raw + rsz > foff || rva - job->upx0 > dsize) {
            free(img);
            return;
        }
        memcpy(img + raw, dst + (rva - job->upx0), rsz);
    }
    memcpy(dst, img, foff);
    free(img);
    *outlen = foff;
}

/* One decoder on src[0..ssize) with entry point ep; 0 on success. */
static int
attempt(const struct upx_job *job, enum nrv2_kind kind, const uint8_t *src, uint32_t ssize,
        uint32_t ep, uint8_t *dst, uint32_t dsize, uint32_t *outlen)
{
    static const uint32_t *const magic[] = {magic_2b, magic_2d, magic_2e};
    size_t dend;

    if (nrv2_decode(kind, src, ssize, dst, dsize, &dend) != 0)
        return -1;
    upx_rebuild(job, ep, src, ssize, dst, dsize, (uint32_t)dend, magic[kind], outlen);
    return 0;
}

/* A decoder as ClamAV's fallback tries it: on UPX1, then 0x15 bytes in. */
static int
attempt_both(const struct upx_job *job, enum nrv2_kind kind, uint8_t *dst, uint32_t dsize,
             uint32_t *outlen)
{
    uint32_t vep = job->pe->vep;

    if (attempt(job, kind, job->src, job->ssize, vep, dst, dsize, outlen) == 0)
        return 0;
    return attempt(job, kind, job->src + 0x15, job->ssize - 0x15, vep - 0x15, dst, dsize, outlen);
}

int
upx_unpack(const struct upx_job *job, uint8_t *dst, uint32_t dsize, uint32_t *outlen)
{
    const uint8_t *ep = job->ep;
    int have = -1, ok = 0;
    enum nrv2_kind kind = NRV2B;

    /* the caller checked ssize > 0x19 */
    if (in_stub(stub_2b, ep + 0x69) || in_stub(stub_2b, ep + 0x71))
        have = 1, kind = NRV2B;
    else if (in_stub(stub_2d, ep + 0x69) || in_stub(stub_2d, ep + 0x71))
        have = 1, kind = NRV2D;
    else if (in_stub(stub_2e, ep + 0x69) || in_stub(stub_2e, ep + 0x71))
        have = 1, kind = NRV2E;

    if (have > 0) {
        /* mov esi, imm32: UPX1 may start a few bytes into the section */
        int64_t skew = (int64_t)(int32_t)(get32(ep + 2) - job->pe->image_base - job->upx1);

        if (ep[1] != 0xbe || skew <= 0 || skew > 0xfff || (uint64_t)skew > job->ssize)
            skew = 0;
        if (attempt(job, kind, job->src + skew, job->ssize - (uint32_t)skew,
                    job->pe->vep - (uint32_t)skew, dst, dsize, outlen) == 0)
            ok = 1;
        else if (skew && attempt(job, kind, job->src, job->ssize, job->pe->vep, dst, dsize,
                                 outlen) == 0)
            ok = 1;
    }
    for (int k = NRV2B; !ok && k <= NRV2E; k++)
        if (!(have > 0 && kind == (enum nrv2_kind)k) &&
            attempt_both(job, (enum nrv2_kind)k, dst, dsize, outlen) == 0)
            ok = 1;
    return ok ? 0 : -1;
}
