/*
 * rebuild.c - a plain PE around unpacked sections (see rebuild.h).
 *
 * Field values are those of ClamAV's rebuilt header (i386, 0x1000
 * section and 0x200 file alignment, GUI subsystem 3.10, 16 data
 * directories, every section characteristic bit set), so that offsets
 * and the PE fields signatures look at agree; the DOS stub, the time
 * stamp and the section names are vigil's own bytes.
 */
#include "unpack/rebuild.h"

#include <stdlib.h>
#include <string.h>

#define PE_AT 0xd0u        /* e_lfanew */
#define DIRS_AT 0x148u     /* the data directories */
#define SECTS_AT 0x1c8u    /* the section table */
#define MAX_SECTS 96u
#define MAX_DATA (1024u * 1024u * 1024u)

static void
put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
    put16(p, v);
    put16(p + 2, v >> 16);
}

/* ClamAV's PESALIGN in 32 bits (it wraps as theirs does). */
static uint32_t
align_up(uint32_t o, uint32_t a)
{
    return (o / a + (o % a != 0)) * a;
}

/* The DOS header and the PE header up to the data directories. */
static void
headers(uint8_t *p, uint32_t nsect, uint32_t base, uint32_t ep, uint32_t hdrsize)
{
    static const char note[] = "Rebuilt by vigil from a packed executable; not a program.\r\n$";
    uint8_t *f = p + PE_AT, *o = f + 0x18;

    p[0] = 'M';
    p[1] = 'Z';
    put16(p + 2, 0x90);
    put16(p + 4, 2);
    put16(p + 8, 4);
    put16(p + 0x18, 0x40);
    put32(p + 0x3c, PE_AT);
    memcpy(p + 0x40, note, sizeof(note) - 1);

    memcpy(f, "PE\0\0", 4);
    put16(f + 4, 0x14c);
    put16(f + 6, nsect);
    memcpy(f + 8, "VGIL", 4);
    put16(f + 20, 0xe0);
    put16(f + 22, 0x8f83);
    put16(o, 0x10b);
    put32(o + 4, 0x1000);    /* SizeOfCode */
    put32(o + 8, 0x1000);    /* SizeOfInitializedData */
    put32(o + 16, ep);
    put32(o + 20, 0x1000);   /* BaseOfCode */
    put32(o + 24, 0x1000);   /* BaseOfData */
    put32(o + 28, base);
    put32(o + 32, 0x1000);   /* SectionAlignment */
    put32(o + 36, 0x200);    /* FileAlignment */
    put16(o + 40, 1);        /* OS 1.0 */
    put16(o + 48, 3);        /* subsystem 3.10 */
    put16(o + 50, 10);
    put32(o + 60, hdrsize);  /* SizeOfHeaders */
    put16(o + 68, 2);        /* GUI */
    put32(o + 72, 0x100000);
    put32(o + 76, 0x1000);
    put32(o + 80, 0x100000);
    put32(o + 84, 0x1000);
    put32(o + 92, 16);
}

static void
sect_header(uint8_t *h, const char *name, uint32_t vsz, uint32_t rva, uint32_t rsz, uint32_t raw)
{
    memcpy(h, name, strlen(name));
    put32(h + 8, vsz);
    put32(h + 12, rva);
    put32(h + 16, rsz);
    put32(h + 20, raw);
    put32(h + 36, 0xffffffffu);
}

int
rebuild_pe(const uint8_t *src, size_t srclen, const struct rebuild_sect *s, uint32_t nsect,
           uint32_t base, uint32_t ep, uint32_t res_rva, uint32_t res_size, uint8_t **out,
           size_t *outlen)
{
    uint32_t rawbase, vmem, ghost;
    uint64_t data = 0, raw;
    uint8_t *p, *h;

    *out = NULL;
    *outlen = 0;
    if (nsect == 0 || nsect > MAX_SECTS)
        return REBUILD_FAIL;
    rawbase = align_up(SECTS_AT + 0x28 * nsect, 0x200);
    ghost = s[0].rva > align_up(rawbase, 0x1000);
    if (ghost)
        rawbase = align_up(SECTS_AT + 0x28 * (nsect + 1), 0x200);
    if (nsect + ghost > MAX_SECTS)
        return REBUILD_FAIL;
    for (uint32_t i = 0; i < nsect; i++) {
        if (s[i].rsz && (s[i].raw >= srclen || s[i].rsz > srclen - s[i].raw))
            return REBUILD_FAIL;
        data += align_up(s[i].rsz, 0x200);
        if (align_up(s[i].rsz, 0x200) < s[i].rsz)
            return REBUILD_FAIL; /* wraps in ClamAV: it would write past its buffer */
    }
    if (data > MAX_DATA)
        return REBUILD_FAIL;
    if ((p = calloc(1, rawbase + (size_t)data)) == NULL)
        return REBUILD_NOMEM;

    vmem = align_up(rawbase, 0x1000);
    headers(p, nsect + ghost, base, ep, rawbase);
    put32(p + DIRS_AT + 0x10, res_rva);
    put32(p + DIRS_AT + 0x14, res_size);
    h = p + SECTS_AT;
    if (ghost) {
        sect_header(h, "empty", s[0].rva - vmem, vmem, 0, 0);
        h += 0x28;
        vmem += align_up(s[0].rva - vmem, 0x1000);
    }
    raw = rawbase;
    for (uint32_t i = 0; i < nsect; i++, h += 0x28) {
        char name[9] = ".vigil";

        name[6] = (char)('0' + (i + 1) / 10);
        name[7] = (char)('0' + (i + 1) % 10);
        sect_header(h, name, s[i].vsz, s[i].rva, s[i].rsz, (uint32_t)raw);
        if (s[i].rsz)
            memcpy(p + raw, src + s[i].raw, s[i].rsz);
        raw += align_up(s[i].rsz, 0x200);
        vmem += align_up(s[i].vsz, 0x1000);
    }
    put32(p + PE_AT + 0x18 + 56, vmem); /* SizeOfImage */
    *out = p;
    *outlen = (size_t)raw;
    return REBUILD_OK;
}
