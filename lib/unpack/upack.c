/*
 * upack.c - Upack unpacking (see upack.h).
 *
 * Offsets are signed 64-bit values relative to the buffer's start: the
 * stub's values are virtual addresses, and ClamAV turns them into
 * pointers in two ways that differ on wrap-around, kept here: "value -
 * vma" in 32-bit arithmetic (off32), or the value sign-extended less vma
 * (offs). Every access is checked against the buffer.
 */
#include "unpack/upack.h"

#include "unpack/pebuild.h"
#include "unpack/upacklz.h"

enum { V399, V0151477, V0297729 };

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

static int
contained(int64_t len, int64_t off, int64_t n)
{
    return len > 0 && n > 0 && n <= len && off >= 0 && off < len && n <= len - off;
}

/* value - sub in 32 bits, as an offset */
static int64_t
off32(uint32_t value, uint32_t sub)
{
    return (int64_t)(uint32_t)(value - sub);
}

/* value sign-extended, less sub */
static int64_t
offs(uint32_t value, uint32_t sub)
{
    return (int64_t)(int32_t)value - (int64_t)sub;
}

/* What the 3-section stub sets up, found from its jumps. */
struct setup {
    int64_t esi, edi, alvalue;
    uint32_t count, shift, original_ep;
    int version;
};

/* Follow the stub's jumps to the decoder's parameters. */
static int
find_params(const struct upack_job *j, struct setup *s)
{
    const uint8_t *d = j->buf;
    int64_t len = j->dsize, esi, al;
    uint32_t lngjmpoff, shl, aljump = 8, shroff = 24, ret;

    s->version = (j->ep[5] == 0xff && j->ep[6] == 0x36) ? V0297729 : V399;
    esi = off32(get32(j->ep + 1), j->vma);
    if (!contained(len, esi, 12))
        return -1;
    s->original_ep = get32(d + esi) - j->vma;
    esi += 8;
    s->edi = -1;
    if (s->version == V399) {
        int64_t at = (int64_t)j->ep_off + 0xa;

        /* 0.39 and 0151477: the output table's address comes first */
        s->edi = off32(get32(d + esi), j->vma);

        if (!contained(len, at, 2) || d[at] != 0xeb)
            return -1;
        esi = (int8_t)d[at + 1] + (int64_t)j->ep_off + 0xc;
        al = esi + 0x1a;
        if (!contained(len, al, 2) || d[al] != 0xeb)
            return -1;
        al++;
        al += d[al] + 1 + 0xa;
        lngjmpoff = 8;
    } else {
        int64_t at = (int64_t)j->ep_off + 7;

        if (!contained(len, at, 5) || d[at] != 0xe9)
            return -1;
        esi = (int64_t)(int32_t)get32(d + at + 1) + j->ep_off + 0xc;
        al = esi + 0x25;
        lngjmpoff = 10;
    }
    if (!contained(len, al, 2) || d[al] != 0xb5)
        return -1;
    al++;
    s->count = d[al];
    if (!contained(len, al, lngjmpoff + 5) || d[al + lngjmpoff] != 0xe9)
        return -1;
    shl = get32(d + al + lngjmpoff + 1);
    if (s->version == V399)
        shl = (uint32_t)(shl + esi + (int8_t)d[esi + 0x1b] + 0x1c + 0x18);
    else
        shl = (uint32_t)(shl + esi + 0x35);
    al = (int64_t)shl + 43;
    if (!contained(len, al - 1, 2) || d[al - 1] != 0xe3) {
        /* 0151477 and 0297729 have their jecxz 3 bytes later */
        al = (int64_t)shl + 46;
        if (!contained(len, al - 1, 2) || d[al - 1] != 0xe3)
            return -1;
        if (s->version != V0297729)
            s->version = V0151477;
        aljump = 7;
        shroff = 26;
    }
    al += d[al] + 1;
    if (!contained(len, al, aljump + 5) || d[al + aljump] != 0xe9)
        return -1;
    ret = get32(d + al + aljump + 1);
    al += (uint32_t)(ret + aljump + 1 + 4 + 27);
    if (s->version == V0297729)
        al += 2;
    if (!contained(len, (int64_t)shl + shroff, 3) || d[shl + shroff] != 0xc1 ||
        d[shl + shroff + 1] != 0xed)
        return -1;
    s->shift = d[shl + shroff + 2];
    s->count *= 0x100;
    if (s->shift < 2 || s->shift > 8)
        return -1;
    s->esi = esi;
    s->alvalue = al;
    return 0;
}

/* The 3-section layout: copy the stub's tables, set up the decoder's
 * state and decode. *start and *end bound the output; *save3 is the
 * number of calls to fix. */
static int
three(const struct upack_job *j, struct setup *s, int64_t *start, int64_t *end, uint32_t *save3)
{
    uint8_t *d = j->buf;
    int64_t len = j->dsize, esi = s->esi, edi, ebx, paddr;
    uint32_t words;
    struct upacklz_job lz;

    if (s->version == V0297729) {
        if (!contained(len, esi + 6, 10) || d[esi + 6] != 0xbe || d[esi + 11] != 0xbf)
            return -1;
        if (get32(d + esi + 7) < j->base || get32(d + esi + 7) > j->vma)
            return -1;
        edi = offs(get32(d + esi + 12), j->vma);
        esi = offs(get32(d + esi + 7), j->base);
        words = 0x16;
        if (!contained(len, edi, 0x58 + 24 + 4 * (int64_t)s->count) ||
            !contained(len, esi, 0x58 + 0x64 + 4))
            return -1;
    } else {
        if (!contained(len, esi + 7, 5) || d[esi + 7] != 0xbe)
            return -1;
        esi = off32(get32(d + esi + 8), j->vma);
        edi = s->edi;
        words = 0x27;
        if (!contained(len, edi, 0x9c + 24 + 4 * (int64_t)s->count) ||
            !contained(len, esi, 0x9c + 0x34 + 4))
            return -1;
    }
    for (uint32_t i = 0; i < words; i++, esi += 4, edi += 4)
        put32(d + edi, get32(d + esi));
    *save3 = get32(d + esi + 4);
    paddr = (int64_t)get32(d + edi - 4) - j->vma;
    ebx = edi;
    put32(d + edi, 0xffffffffu);
    put32(d + edi + 4, 0);
    edi += 8;
    for (int i = 0; i < 4; i++, edi += 4)
        put32(d + edi, 1);
    for (uint32_t i = 0; i < s->count; i++, edi += 4)
        put32(d + edi, 0x400);
    edi = offs(get32(d + esi + 0xc), j->vma);
    if (s->version == V0297729) {
        edi = (int64_t)j->vma - j->base;
        *end = offs(get32(d + esi + 0x64), j->vma);
        *save3 = get32(d + esi + 0x40);
    } else {
        *end = offs(get32(d + esi + 0x34), j->vma);
    }
    *start = edi;
    if (edi > *end)
        return -1;
    lz.ebx = ebx;
    lz.edi = edi;
    lz.end = *end;
    lz.in = paddr;
    lz.eax = 0;
    lz.ecx = 0;
    lz.shift = s->shift;
    return upacklz_decode(d, j->dsize, &lz);
}

/* Undo the call filter: save3 e8/e9 operands whose first byte is the
 * marker hold a big-endian absolute target. */
static int
fix_calls(const struct upack_job *j, int64_t from, int64_t alvalue, uint32_t save3)
{
    uint8_t *d = j->buf;
    int64_t len = j->dsize;
    uint32_t ecx = 0;
    uint8_t mark;

    if (!contained(len, alvalue, 1))
        return -1;
    mark = d[alvalue];
    while (save3) {
        int64_t at = from + ecx;

        if (!contained(len, at, 1))
            return -1;
        if (d[at] == 0xe8 || d[at] == 0xe9) {
            uint8_t *p = d + at + 1;
            ecx++;
            if (!contained(len, at + 1, 4))
                return -1;
            if (p[0] != mark)
                continue;
            put32(p, ((uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]) - ecx - 4);
            ecx += 4;
            save3--;
        } else {
            ecx++;
        }
    }
    return 0;
}

int
upack_unpack(const struct upack_job *j, uint8_t **out, size_t *outlen)
{
    struct setup s;
    struct pebuild_sect sect;
    int64_t start = 0, end = 0;
    uint32_t save3 = 0;

    *out = NULL;
    *outlen = 0;
    if (!j->three)
        return -1;
    if (find_params(j, &s) != 0 || three(j, &s, &start, &end, &save3) != 0)
        return -1;
    if (fix_calls(j, start, s.alvalue, save3) != 0)
        return -1;
    sect.raw = 0;
    sect.rva = j->va;
    sect.rsz = sect.vsz = (uint32_t)(end - start);
    if (sect.rsz > j->dsize)
        return -1;
    return pebuild_write(j->buf, j->dsize, &sect, 1, j->base, s.original_ep, 0, out, outlen);
}
