/*
 * wwpack.c - WWPack32 decompression (see wwpack.h).
 *
 * The bit stream is read 32 bits at a time, most significant bit first.
 * A 0 bit is a literal byte (taken from the stream's own bytes, in
 * order); 1 then two bits 11 is a two-byte copy from 1..0x35f bytes
 * back (9 bits of 0x1ff end the block); otherwise the two bits give the
 * length class and a three-bit code the distance's width, followed by
 * the length. ClamAV writes each block starting where its compressed
 * bytes were (after copying them aside and filling them with 0xff), and
 * a table that runs off the section simply ends the unpacking; vigil
 * does both the same way.
 */
#include "unpack/wwpack.h"

#include <stdlib.h>
#include <string.h>

/* Blocks unpacked at most: one per section in WWPack32's files; each
 * may rewrite the whole image, so an endless table would make the work
 * quadratic (ClamAV has no bound; vigil fails past it). */
#define MAX_BLOCKS 256u

struct bits {
    const uint8_t *p;
    uint32_t len, pos; /* read position in p */
    uint32_t bt;       /* the current word, consumed bits shifted out */
    uint32_t bc;       /* bits left in it */
    int err;
};

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

/* n bytes at off inside len (ClamAV's CLI_ISCONTAINED) */
static int
inside(uint64_t len, int64_t off, uint64_t n)
{
    return n > 0 && n <= len && off >= 0 && (uint64_t)off <= len - n;
}

static void
reseed(struct bits *b)
{
    if (inside(b->len, b->pos, 4)) {
        b->bt = get32(b->p + b->pos);
        b->pos += 4;
    } else {
        b->err = 1;
    }
    b->bc = 32;
}

static uint32_t
bit(struct bits *b)
{
    uint32_t v = b->bt >> 31;

    b->bt <<= 1;
    if (!--b->bc)
        reseed(b);
    return v;
}

/* n bits, 1 <= n <= 15 */
static uint32_t
bits(struct bits *b, uint32_t n)
{
    uint32_t v = b->bt >> (32 - n);

    if (b->bc >= n) {
        b->bc -= n;
        b->bt <<= n;
        if (!b->bc)
            reseed(b);
    } else if (inside(b->len, b->pos, 4)) {
        b->bt = get32(b->p + b->pos);
        b->pos += 4;
        b->bc += 32 - n;
        v |= b->bt >> b->bc;
        b->bt <<= 32 - b->bc;
    } else {
        b->err = 1;
    }
    return v;
}

/* The length of a long copy (after its distance). */
static uint32_t
long_length(struct bits *b)
{
    uint32_t v;

    if (!bit(b))
        return bit(b) + 5;
    if ((v = bits(b, 3)) != 0)
        return v + 6;
    if ((v = bits(b, 4)) != 0)
        return v + 13;
    {
        uint32_t cnt = 4, base = 0x0d;

        do {
            if (cnt == 7) {
                cnt = 0x0e;
                base = 0;
                break;
            }
            base = ((base + 2) << 1) - 1;
            v = bit(b);
            cnt++;
        } while (!v);
        return bits(b, cnt) + base;
    }
}

/* Copy n bytes from back bytes behind cur, byte by byte. */
static int
copy_back(uint8_t *exe, uint32_t exesz, int64_t *cur, uint32_t back, uint32_t n)
{
    if (!inside(exesz, *cur, n) || !inside(exesz, *cur - back, n))
        return -1;
    for (uint32_t i = 0; i < n; i++, (*cur)++)
        exe[*cur] = exe[*cur - back];
    return 0;
}

/* One block: the compressed bytes at exe[at..at + szd), written from at. */
static int
block(uint8_t *exe, uint32_t exesz, int64_t at, uint32_t szd)
{
    struct bits b;
    uint8_t *comp;
    int64_t cur = at;

    if ((comp = malloc(szd)) == NULL)
        return -2;
    memcpy(comp, exe + at, szd);
    memset(exe + at, 0xff, szd);
    memset(&b, 0, sizeof(b));
    b.p = comp;
    b.len = szd;
    reseed(&b);
    while (!b.err) {
        uint32_t v, back, size, saved;

        if (!bit(&b)) { /* a literal */
            if (b.pos >= szd || !inside(exesz, cur, 1))
                b.err = 1;
            else
                exe[cur++] = comp[b.pos++];
            continue;
        }
        v = bits(&b, 2);
        if (v == 3) { /* a two-byte copy */
            uint32_t shift, sub = 31;

            v = bits(&b, 2);
            shift = v + 5;
            if (v >= 2) {
                shift++;
                sub += 0x80;
            }
            back = (1u << shift) - sub;
            v = bits(&b, shift);
            if (b.err || v == 0x1ff)
                break;
            if (copy_back(exe, exesz, &cur, back + v, 2) != 0)
                b.err = 1;
            continue;
        }
        saved = v; /* 0, 1 or 2: the length class */
        v = bits(&b, 3);
        if (v < 6) {
            /* widths 5, 6, 7, 8-9, 10-11 (one more bit says which), 12 */
            uint32_t w = v;

            if (v == 5) {
                w = 12;
            } else {
                if (v == 4)
                    w++;
                if (v >= 3)
                    w += bit(&b);
                w += 5;
            }
            v = bits(&b, w) + (1u << w) - 31;
        } else if (v == 6) {
            v = bits(&b, 0x0e) + 0x1fe1;
        } else {
            v = bits(&b, 0x0f) + 0x5fe1;
        }
        back = v;
        size = saved ? saved + 2 : long_length(&b);
        if (copy_back(exe, exesz, &cur, back, size) != 0)
            b.err = 1;
    }
    free(comp);
    return b.err ? -1 : 0;
}

int
wwpack_unpack(uint8_t *exe, uint32_t exesz, const uint8_t *ww, uint32_t wwsz,
              const struct pe_image *pe)
{
    uint32_t n = pe->nsections - 1, hdr = pe->e_lfanew, at = 0x2a1, sects;
    const struct pe_sect *last = &pe->sect[n];

    /* the table of blocks; one that leaves the section ends the work */
    for (uint32_t nb = 0;; nb++) {
        uint32_t src, szd, end;
        int64_t from;
        int r;

        if (!inside(wwsz, at, 17))
            break;
        src = last->rva - get32(ww + at);
        szd = get32(ww + at + 8) * 4;
        end = get32(ww + at + 12);
        from = (int64_t)src + end + 4 - szd;
        if (!szd || !inside(exesz, from, szd))
            break;
        if (nb >= MAX_BLOCKS)
            return -1;
        if ((r = block(exe, exesz, from, szd)) != 0)
            return r;
        if (!ww[at + 16])
            break;
        at += 17;
    }

    /* the header: ClamAV reads the image size at 0x50 unchecked */
    if (hdr > exesz || exesz - hdr < 0x54)
        return -1;
    exe[hdr + 6] = (uint8_t)n;
    exe[hdr + 7] = (uint8_t)(n >> 8);
    if (inside(wwsz, 0x295, 4))
        put32(exe + hdr + 0x28, get32(ww + 0x295) + last->rva + 0x299);
    put32(exe + hdr + 0x50, get32(exe + hdr + 0x50) - last->vsz);
    sects = (get32(exe + hdr + 0x14) & 0xffff) + hdr + 0x18;
    for (uint32_t i = 0; i <= n; i++, sects += 0x28) {
        if (!inside(exesz, sects, 0x28))
            return -1;
        if (i == n) {
            memset(exe + sects, 0, 0x28);
            break;
        }
        put32(exe + sects + 8, pe->sect[i].vsz);
        put32(exe + sects + 12, pe->sect[i].rva);
        put32(exe + sects + 16, pe->sect[i].vsz);
        put32(exe + sects + 20, pe->sect[i].rva);
    }
    return 0;
}

int
wwpack_detect(const struct pe_image *pe, const uint8_t *ep)
{
    static const uint8_t head[7] = {0x53, 0x55, 0x8b, 0xe8, 0x33, 0xdb, 0xeb};
    static const uint8_t at68[19] = {0xe8, 0x00, 0x00, 0x00, 0x00, 0x58, 0x2d, 0x6d, 0x00, 0x00,
                                     0x00, 0x50, 0x60, 0x33, 0xc9, 0x50, 0x58, 0x50, 0x50};

    return pe->nsections > 1 && pe->vep == pe->sect[pe->nsections - 1].rva &&
           memcmp(ep, head, sizeof(head)) == 0 && memcmp(ep + 0x68, at68, sizeof(at68)) == 0;
}
