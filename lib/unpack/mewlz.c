/*
 * mewlz.c - MEW's LZMA variant (see mewlz.h).
 *
 * The probabilities, as 16-bit words from the table's start (offsets in
 * bytes): is-match 0 (state * 16 + position), is-rep 0x180, rep-G0
 * 0x198, rep-G1 0x1b0, rep-G2 0x1c8, rep0-long 0x1e0 (as is-match),
 * position slots 0x360 (64 per length state), special positions from
 * 0x55e, alignment 0x644, match lengths 0x664, rep lengths 0xa68,
 * literals 0xe6c (0x300 per context), 0x6e6c bytes in all. The range
 * coder normalises after each bit, as the stub does; a bit needs its
 * probability (4 bytes read) and the next input byte inside the buffer.
 */
#include "unpack/mewlz.h"

#define PROBS_SIZE 0x6e6cu
#define IS_REP 0x180u
#define REP_G0 0x198u
#define REP_G1 0x1b0u
#define REP_G2 0x1c8u
#define POS_SLOT 0x360u
#define SPEC_POS 0x55eu
#define ALIGN 0x644u
#define MATCH_LEN 0x664u
#define REP_LEN 0xa68u
#define LITERAL 0xe6cu

struct mlz {
    uint8_t *buf;
    uint64_t len;
    uint64_t in;      /* next input byte */
    uint32_t range, code;
    uint64_t probs;   /* the table */
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

static int
contained(uint64_t len, uint64_t off, uint64_t n)
{
    return len > 0 && n > 0 && n <= len && off < len && n <= len - off;
}

/* x >> 5 as a signed 32-bit shift. */
static uint32_t
sar5(uint32_t x)
{
    return (x & 0x80000000u) ? ~(~x >> 5) : x >> 5;
}

/* One bit with the probability at byte offset off of the table; -1 when
 * it or the input lies outside the buffer. */
static int
bit(struct mlz *z, uint64_t off)
{
    uint64_t at = z->probs + off;
    uint32_t prob, bound;
    int b;

    if (!contained(z->len, at, 4) || !contained(z->len, z->in, 1))
        return -1;
    prob = (uint32_t)z->buf[at] | (uint32_t)z->buf[at + 1] << 8;
    bound = (z->range >> 11) * prob;
    if (z->code < bound) {
        z->range = bound;
        prob = prob + sar5(0x800 - prob);
        b = 0;
    } else {
        z->range -= bound;
        z->code -= bound;
        prob = prob - (prob >> 5);
        b = 1;
    }
    z->buf[at] = (uint8_t)prob;
    z->buf[at + 1] = (uint8_t)(prob >> 8);
    if (z->range < 0x1000000u) {
        z->code = z->code << 8 | z->buf[z->in++];
        z->range <<= 8;
    }
    return b;
}

/* n bits, most significant first, through a tree at off: value in *v. */
static int
tree(struct mlz *z, uint64_t off, uint32_t n, uint32_t *v)
{
    uint32_t m = 1;
    int b;

    for (uint32_t i = 0; i < n; i++) {
        if ((b = bit(z, off + 2 * (uint64_t)m)) < 0)
            return -1;
        m = 2 * m + (uint32_t)b;
    }
    *v = m - (1u << n);
    return 0;
}

/* n bits, least significant first, through a tree at off. */
static int
rtree(struct mlz *z, uint64_t off, uint32_t n, uint32_t *v)
{
    uint32_t m = 1;
    int b;

    *v = 0;
    for (uint32_t i = 0; i < n; i++) {
        if ((b = bit(z, off + 2 * (uint64_t)m)) < 0)
            return -1;
        m = 2 * m + (uint32_t)b;
        *v |= (uint32_t)b << (i & 31);
    }
    return 0;
}

/* n direct bits (n may be huge on broken data: bits past 32 shift out). */
static int
direct(struct mlz *z, uint32_t n, uint32_t *v)
{
    *v = 0;
    if (n & 0x80000000u)
        return 0;
    for (uint32_t i = 0; i < n; i++) {
        z->range >>= 1;
        *v <<= 1;
        if (z->code >= z->range) {
            z->code -= z->range;
            *v |= 1;
        }
        if (z->range < 0x1000000u) {
            if (!contained(z->len, z->in, 1))
                return -1;
            z->code = z->code << 8 | z->buf[z->in++];
            z->range <<= 8;
        }
    }
    return 0;
}

/* A length (less 2) from the coder at off, for position pos. */
static int
length(struct mlz *z, uint64_t off, uint32_t pos, uint32_t *v)
{
    int b;

    if ((b = bit(z, off)) < 0)
        return -1;
    if (b == 0)
        return tree(z, off + 4 + (uint64_t)(pos << 4), 3, v);
    if ((b = bit(z, off + 2)) < 0)
        return -1;
    if (b == 0) {
        if (tree(z, off + 0x104 + (uint64_t)(pos << 4), 3, v) != 0)
            return -1;
        *v += 8;
        return 0;
    }
    if (tree(z, off + 0x204, 8, v) != 0)
        return -1;
    *v += 0x10;
    return 0;
}

/* A literal matched against byte mb (after a match), into *v. */
static int
matched(struct mlz *z, uint64_t off, uint8_t mb, uint32_t *v)
{
    uint32_t mbit, sym = 1;
    int b;

    for (;;) {
        mbit = (uint32_t)(mb >> 7) & 1;
        mb = (uint8_t)(mb << 1);
        if ((b = bit(z, off + 2 * (uint64_t)(((1 + mbit) << 8) + sym))) < 0)
            return -1;
        sym = 2 * sym + (uint32_t)b;
        if (mbit != (uint32_t)b)
            break;
        if (sym >= 0x100) {
            *v = sym & 0xff;
            return 0;
        }
    }
    while (sym < 0x100) {
        if ((b = bit(z, off + 2 * (uint64_t)sym)) < 0)
            return -1;
        sym = 2 * sym + (uint32_t)b;
    }
    *v = sym & 0xff;
    return 0;
}

/* A new distance (plus one) after a match of length len (less 2). */
static int
distance(struct mlz *z, uint32_t len, uint32_t *dist)
{
    uint32_t slot, n, d, v;

    if (tree(z, POS_SLOT + ((uint64_t)(len >= 4 ? 3 : len) << 7), 6, &slot) != 0)
        return -1;
    if (slot < 4) {
        *dist = slot + 1;
        return 0;
    }
    n = (slot >> 1) - 1;
    d = ((slot & 1) | 2) << n;
    if (slot >= 14) {
        if (direct(z, n - 4, &v) != 0)
            return -1;
        d += v << 4;
        if (rtree(z, ALIGN, 4, &v) != 0)
            return -1;
    } else if (rtree(z, SPEC_POS + 2 * (uint64_t)(d - slot), n, &v) != 0) {
        return -1;
    }
    *dist = d + v + 1;
    return 0;
}

/* One block: size bytes to out, stream at in. */
static int
block(struct mlz *z, uint64_t out, uint32_t size)
{
    uint32_t state = 0, pos = 0, rep0 = 1, rep1 = 1, rep2 = 1, rep3 = 1, len, v;
    uint8_t prev = 0;
    int after_match = 0, b;

    while (pos < size) {
        uint32_t ps = pos & 3;

        if ((b = bit(z, 2 * (uint64_t)((state << 4) + ps))) < 0)
            return -1;
        if (b == 0) {
            uint64_t lit = LITERAL + ((uint64_t)((prev >> 4) * 3) << 9);

            state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
            if (after_match) {
                uint64_t m = out + (uint32_t)(pos - rep0);
                if (!contained(z->len, m, 1) || matched(z, lit, z->buf[m], &v) != 0)
                    return -1;
                after_match = 0;
            } else if (tree(z, lit, 8, &v) != 0) {
                return -1;
            }
            if (!contained(z->len, out + pos, 1))
                return -1;
            prev = (uint8_t)v;
            z->buf[out + pos++] = prev;
            continue;
        }
        after_match = 1;
        if ((b = bit(z, IS_REP + 2 * (uint64_t)state)) < 0)
            return -1;
        if (b == 0) {
            rep3 = rep2;
            rep2 = rep1;
            rep1 = rep0;
            state = state >= 7 ? 10 : 7;
            if (length(z, MATCH_LEN, ps, &len) != 0 || distance(z, len, &rep0) != 0)
                return -1;
        } else {
            if ((b = bit(z, REP_G0 + 2 * (uint64_t)state)) < 0)
                return -1;
            if (b == 0) {
                if ((b = bit(z, 2 * (uint64_t)(((state + 0xf) << 4) + ps))) < 0)
                    return -1;
                if (b == 0) {
                    /* one byte at the last distance */
                    uint64_t m = out + (uint32_t)(pos - rep0);
                    state = state >= 7 ? 11 : 9;
                    if (!contained(z->len, m, 1) || !contained(z->len, out + pos, 1))
                        return -1;
                    prev = z->buf[m];
                    z->buf[out + pos++] = prev;
                    continue;
                }
            } else {
                uint32_t d;

                if ((b = bit(z, REP_G1 + 2 * (uint64_t)state)) < 0)
                    return -1;
                if (b == 0) {
                    d = rep1;
                } else {
                    if ((b = bit(z, REP_G2 + 2 * (uint64_t)state)) < 0)
                        return -1;
                    if (b) {
                        d = rep3;
                        rep3 = rep2;
                    } else {
                        d = rep2;
                    }
                    rep2 = rep1;
                }
                rep1 = rep0;
                rep0 = d;
            }
            if (length(z, REP_LEN, ps, &len) != 0)
                return -1;
            state = state >= 7 ? 11 : 8;
        }
        if (rep0 == 0)
            break; /* the end marker */
        len += 2;
        {
            uint32_t from = pos - rep0, left = size - pos;

            if ((len < left && (!contained(z->len, out + from, len) ||
                                !contained(z->len, out + pos, len))) ||
                !contained(z->len, out + from, left) || !contained(z->len, out + pos, left))
                return -1;
            do {
                z->buf[out + pos] = z->buf[out + from];
                prev = z->buf[out + pos];
                pos++;
                from++;
            } while (--len > 0 && pos < size);
        }
    }
    return 0;
}

int
mewlz_decode(uint8_t *buf, size_t blen, size_t at, uint32_t vma, int special)
{
    struct mlz z = {buf, blen, 0, 0, 0, 0};
    uint64_t src = at, out = 0;
    uint32_t count = 0, size, n;

    if (!contained(blen, src, special ? 8 : 4))
        return -1;
    if (special) {
        count = get32(buf + src);
        src += 4;
    }
    z.probs = (uint32_t)(get32(buf + src) - vma);
    src += 4;
    for (;;) {
        do {
            if (!contained(blen, src, special ? 12 : 16))
                return -1;
            if (!special && get32(buf + src) == 0)
                return 0;
            size = get32(buf + src);
            out = (uint32_t)(get32(buf + src + 4) - vma);
            n = get32(buf + src + 8);
            z.in = src + 13;
            src = z.in + n;
            if (!contained(blen, z.probs, PROBS_SIZE))
                return -1;
            for (uint32_t i = 0; i < PROBS_SIZE / 4; i++)
                put32(buf + z.probs + 4 * i, 0x04000400u);
            if (!contained(blen, z.in, 5))
                return -1;
            z.code = (uint32_t)buf[z.in + 1] << 24 | (uint32_t)buf[z.in + 2] << 16 |
                     (uint32_t)buf[z.in + 3] << 8 | buf[z.in + 4];
            z.range = 0xffffffffu;
            z.in += 5;
        } while (size == 0);
        if (block(&z, out, size) != 0)
            return -1;
        if (special) {
            /* the stub's call filter: operands were stored big-endian
               and relative to their position */
            if (count < 5 || !contained(blen, out, count))
                return 0;
            for (uint32_t i = 0; i < count - 5; i++) {
                uint8_t *p = buf + out + i;
                if (p[0] == 0xe8 || p[0] == 0xe9) {
                    uint32_t v = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 |
                                 (uint32_t)p[3] << 8 | p[4];
                    put32(p + 1, v - i - 1);
                    i += 4;
                }
            }
            return 0;
        }
    }
}
