/*
 * pebuild.c - a parsable PE file around unpacked sections (see
 * pebuild.h).
 */
#include "unpack/pebuild.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR_END 0x148u  /* DOS + PE + optional header up to the directories */
#define DIRS 0x80u      /* 16 data directories */
#define SECT_HDR 0x28u
#define MAX_SECTIONS 96u
#define MAX_ALLOC (1024u * 1024u * 1024u)

static void
put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* ClamAV's PESALIGN: up to a multiple of a (a = 0 keeps o), 32-bit. */
static uint32_t
align_up(uint32_t o, uint32_t a)
{
    return a ? (uint32_t)((o / a + (o % a != 0)) * a) : o;
}

/* DOS and PE headers with ClamAV's field values (vigil's stub text). */
static void
headers(uint8_t *p, uint32_t nsect, uint32_t base, uint32_t ep, uint32_t hdrsize)
{
    static const char note[] = "Rebuilt by vigil from a packed executable; not a program.\r\n$";
    uint8_t *pe = p + 0xd0, *o = pe + 0x18;

    p[0] = 'M';
    p[1] = 'Z';
    put16(p + 2, 0x90);
    put16(p + 4, 2);
    put16(p + 8, 4);
    put16(p + 10, 0x0f);
    put16(p + 12, 0xffff);
    put16(p + 16, 0xb0);
    put16(p + 0x18, 0x40);
    put16(p + 0x1a, 0x1a);
    put32(p + 0x3c, 0xd0);
    memcpy(p + 0x40, note, sizeof(note) - 1);
    put32(pe, 0x4550);
    put16(pe + 4, 0x14c);
    put16(pe + 6, (uint16_t)nsect);
    memcpy(pe + 8, "VGIL", 4);
    put16(pe + 20, 0xe0);
    put16(pe + 22, 0x8f83);
    put16(o, 0x10b);
    put32(o + 4, 0x1000);   /* SizeOfCode */
    put32(o + 8, 0x1000);   /* SizeOfInitializedData */
    put32(o + 16, ep);      /* AddressOfEntryPoint */
    put32(o + 20, 0x1000);  /* BaseOfCode */
    put32(o + 24, 0x1000);  /* BaseOfData */
    put32(o + 28, base);    /* ImageBase */
    put32(o + 32, 0x1000);  /* SectionAlignment */
    put32(o + 36, 0x200);   /* FileAlignment */
    put16(o + 40, 1);       /* OS version 1.0 */
    put16(o + 48, 3);       /* subsystem version 3.10 */
    put16(o + 50, 10);
    put32(o + 60, hdrsize); /* SizeOfHeaders */
    put16(o + 68, 2);       /* GUI */
    put32(o + 72, 0x100000);
    put32(o + 76, 0x1000);
    put32(o + 80, 0x100000);
    put32(o + 84, 0x1000);
    put32(o + 92, 16);      /* data directories */
}

int
pebuild_write(const uint8_t *buf, size_t blen, const struct pebuild_sect *s, uint32_t n,
              uint32_t base, uint32_t ep, uint32_t align, uint8_t **out, size_t *outlen)
{
    uint32_t rawbase, datasize = 0, ghost;
    uint8_t *pe, *cur;

    *out = NULL;
    *outlen = 0;
    if (n == 0 || n > MAX_SECTIONS)
        return -1;
    rawbase = align_up(HDR_END + DIRS + SECT_HDR * n, 0x200);
    ghost = s[0].rva > align_up(rawbase, 0x1000);
    if (ghost)
        rawbase = align_up(HDR_END + DIRS + SECT_HDR * (n + 1), 0x200);
    if (n + ghost > MAX_SECTIONS)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t sz = align_up(align ? align_up(s[i].rsz, align) : s[i].rsz, 0x200);
        if (sz > MAX_ALLOC - datasize)
            return -1;
        datasize += sz;
        if (s[i].raw > blen || s[i].rsz > blen - s[i].raw)
            return -1;
    }
    if ((pe = calloc(1, (size_t)rawbase + datasize)) == NULL)
        return -2;
    headers(pe, n + ghost, base, ep, rawbase);
    datasize = align_up(rawbase, 0x1000);
    cur = pe + HDR_END + DIRS;
    if (ghost) {
        memcpy(cur, "empty", 5);
        put32(cur + 8, s[0].rva - datasize);
        put32(cur + 12, datasize);
        put32(cur + 0x24, 0xffffffff);
        cur += SECT_HDR;
        datasize += align_up(s[0].rva - datasize, 0x1000);
    }
    for (uint32_t i = 0; i < n; i++, cur += SECT_HDR) {
        char name[16];

        snprintf(name, sizeof(name), ".clam%.2u", (unsigned)((i + 1) % 100));
        memcpy(cur, name, strlen(name) < 8 ? strlen(name) : 7);
        put32(cur + 8, align ? align_up(s[i].vsz, align) : s[i].vsz);
        put32(cur + 12, align ? align_up(s[i].rva, align) : s[i].rva);
        put32(cur + 16, align ? align_up(s[i].rsz, align) : s[i].rsz);
        put32(cur + 20, rawbase);
        put32(cur + 0x24, 0xffffffff);
        memcpy(pe + rawbase, buf + s[i].raw, s[i].rsz);
        rawbase += align_up(align ? align_up(s[i].rsz, align) : s[i].rsz, 0x200);
        datasize += align_up(align ? align_up(s[i].vsz, align) : s[i].vsz, 0x1000);
    }
    put32(pe + 0xd0 + 0x18 + 56, datasize); /* SizeOfImage */
    *out = pe;
    *outlen = rawbase;
    return 0;
}
