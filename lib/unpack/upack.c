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

enum { V399, V0151477, V0297729, V11_12 };

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

/* Upack 0.39's 2-section layout: the stub keeps, before a table it
 * walks, the offset of its own data (EBX) and the decoder's tables. */
static int
two_399(const struct upack_job *j, int64_t esi, uint32_t count, struct upacklz_job *lz,
        int64_t *start, int64_t *end, int64_t *save3_at)
{
    uint8_t *d = j->buf;
    int64_t len = j->dsize, edi, save2, ebx;
    uint32_t ecx, ebx_u, save1, v;
    int32_t n;

    esi += 4;
    if (!contained(len, esi + 2, 4))
        return -1;
    ecx = get32(d + esi + 2);
    put32(d + esi + 2, 0);
    if (ecx == 0)
        return -1;
    esi -= (int64_t)(uint32_t)(ecx - 2);
    if (!contained(len, esi, 12))
        return -1;
    ebx_u = (uint32_t)(esi - offs(get32(d + esi), j->base));
    save2 = edi = offs(get32(d + esi + 4), j->base);
    esi += 8;
    n = (int32_t)get32(d + esi);
    esi += 4;
    if (n < 0 || ((uint64_t)count + (uint32_t)n) * 4 > 0xffffffffu)
        return -1;
    /* (ClamAV computes n * 4 in an int: past 2^31 it fails) */
    if ((int64_t)n * 4 > 0x7fffffff || !contained(len, esi, (int64_t)n * 4) ||
        !contained(len, edi, ((int64_t)n + count) * 4))
        return -1;
    for (; n--; edi += 4, esi += 4)
        put32(d + edi, get32(d + esi));
    if (!contained(len, save2, 8))
        return -1;
    ecx = get32(d + save2);
    save2 += 4;
    /* the stub adds ebx + 4 ecx times (2^32 times for 0), in 64-bit
       pointer arithmetic */
    esi = (int64_t)((uint64_t)save2 + (ecx ? ecx : 0x100000000ull) * ((uint64_t)ebx_u + 4));
    if (!contained(len, esi, 4))
        return -1;
    save1 = get32(d + esi);
    esi += 4;
    for (uint32_t i = 0; i < count; i++, edi += 4)
        put32(d + edi, save1);
    if (!contained(len, esi + 0x10, 4))
        return -1;
    put32(d + esi + 0x10, get32(d + esi + 0x10) + ebx_u);
    ebx = esi + 0x14;
    esi = save2;
    edi = (int64_t)get32(d + esi) - j->base;
    esi += 4;
    if (!contained(len, ebx - 4, 12 + 4 * 4) || !contained(len, esi + 0x24, 4) ||
        !contained(len, esi + 0x40, 4))
        return -1;
    lz->in = offs(get32(d + ebx - 4), j->base);
    *start = edi;
    *end = offs(get32(d + esi + 0x24), j->base);
    v = get32(d + ebx);
    put32(d + ebx, get32(d + ebx + 4));
    put32(d + ebx + 4, v);
    lz->ebx = ebx;
    lz->eax = lz->ecx = 0;
    *save3_at = esi + 0x40; /* read once decoded */
    return 0;
}

/* Upack 1.1/1.2's 2-section layout: the tables at offset 0x148. */
static int
two_11(const struct upack_job *j, uint32_t count, struct upacklz_job *lz, int64_t *start,
       int64_t *end)
{
    uint8_t *d = j->buf;
    int64_t len = j->dsize, edi, ebx;

    if (!contained(len, 0x130, 0x148 + 16 - 0x130))
        return -1;
    edi = offs(get32(d + 0x148), j->base);
    lz->in = (int64_t)get32(d + 0x14c) - j->base;
    edi += 4;
    ebx = edi;
    if (!contained(len, edi, (6 + (int64_t)count) * 4))
        return -1;
    put32(d + edi, 0xffffffffu);
    put32(d + edi + 4, 0);
    edi += 8;
    for (int i = 0; i < 4; i++, edi += 4)
        put32(d + edi, 1);
    for (uint32_t i = 0; i < count; i++, edi += 4)
        put32(d + edi, 0x400);
    *start = offs(get32(d + 0x150), j->base);
    *end = offs(get32(d + 0x130), j->base);
    lz->ebx = ebx;
    lz->eax = lz->ecx = 0;
    return 0;
}

/* The 2-section layouts: the stub at the entry point (at esi = vma +
 * its file offset) gives the original entry point, the probability
 * count, the context bits and the call marker at fixed offsets. */
static int
two(const struct upack_job *j, uint32_t *oep, int64_t *alvalue, int64_t *start, int64_t *end,
    uint32_t *save3)
{
    uint8_t *d = j->buf;
    const uint8_t *ep = j->ep;
    int64_t len = j->dsize, esi = (int64_t)j->vma + j->ep_off, save3_at;
    int v11 = ep[0] == 0xbe && ep[5] == 0xad && ep[6] == 0x8b && ep[7] == 0xf8;
    uint32_t jmp = v11 ? 0x1a4 : 0x217, cnt_at = v11 ? 0x1b : 0x3a, bits_at = v11 ? 0x41 : 0x5f;
    uint32_t shift, count;
    struct upacklz_job lz;

    *alvalue = esi + (v11 ? 0x184 : 0x1c1);
    if (!contained(len, esi, jmp + 4))
        return -1;
    *oep = (uint32_t)(esi + jmp + 4 + (int32_t)get32(d + esi + jmp));
    shift = 8 - (uint32_t)d[esi + bits_at];
    if (shift < 2 || shift > 8)
        return -1;
    count = (uint32_t)d[esi + cnt_at] * 0x100;
    lz.shift = shift;
    save3_at = esi + 0x174;
    if (v11 ? two_11(j, count, &lz, start, end)
            : two_399(j, esi, count, &lz, start, end, &save3_at))
        return -1;
    if (*start > *end)
        return -1;
    lz.edi = *start;
    lz.end = *end;
    if (upacklz_decode(d, j->dsize, &lz) != 0)
        return -1;
    /* the number of calls to fix is read from the decoded buffer */
    if (!contained(len, save3_at, 4))
        return -1;
    *save3 = get32(d + save3_at);
    return 0;
}

int
upack_unpack(const struct upack_job *j, uint8_t **out, size_t *outlen)
{
    struct setup s;
    struct pebuild_sect sect;
    int64_t start = 0, end = 0, alvalue;
    uint32_t save3 = 0, oep;

    *out = NULL;
    *outlen = 0;
    if (j->three) {
        if (find_params(j, &s) != 0 || three(j, &s, &start, &end, &save3) != 0)
            return -1;
        alvalue = s.alvalue;
        oep = s.original_ep;
    } else if (two(j, &oep, &alvalue, &start, &end, &save3) != 0) {
        return -1;
    }
    if (fix_calls(j, start, alvalue, save3) != 0)
        return -1;
    sect.raw = 0;
    sect.rva = j->va;
    sect.rsz = sect.vsz = (uint32_t)(end - start);
    if (j->three ? sect.rsz > j->dsize : (uint64_t)j->va + sect.rsz > j->dsize)
        return -1;
    if (j->three)
        return pebuild_write(j->buf, j->dsize, &sect, 1, j->base, oep, 0, out, outlen);
    return pebuild_write(j->buf + j->va, j->dsize - j->va, &sect, 1, j->base, oep, 0, out, outlen);
}
