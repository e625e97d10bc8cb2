/*
 * explode.c - ZIP method 6 ("imploding"), from the description in
 * PKWARE's APPNOTE (section 5.4).
 *
 * The stream starts with two or three Shannon-Fano trees (literals when
 * flag bit 2 is set, then match lengths, then distances), each stored as
 * run-length encoded bit lengths. The codes APPNOTE assigns (counting up
 * from the longest code) are the bitwise complement of the canonical
 * Huffman codes for the same lengths, so the trees are decoded as
 * canonical codes over inverted input bits. Then: a 1 bit and a literal,
 * or a 0 bit, the low 6 or 7 distance bits raw, the high distance bits and
 * the length from the trees. Matches reaching before the start of the
 * output produce zeros, as PKZIP did.
 */
#include "containers/explode.h"

#include <string.h>

#include "containers/inflate.h"

struct bits {
    const uint8_t *in;
    size_t n, pos;
    uint32_t bb;
    int bc;
};

struct sf {
    short count[17];
    short sym[256];
};

static int
get(struct bits *b, int need, uint32_t *v)
{
    while (b->bc < need) {
        if (b->pos >= b->n)
            return -1;
        b->bb |= (uint32_t)b->in[b->pos++] << b->bc;
        b->bc += 8;
    }
    *v = b->bb & ((1u << need) - 1);
    b->bb >>= need;
    b->bc -= need;
    return 0;
}

/* Read one tree of nsym bit lengths and build its decoder; -1 if bad. */
static int
tree(struct bits *b, struct sf *t, int nsym)
{
    short len[256];
    short offs[18];
    uint32_t nb, c;
    int k = 0, left = 1;

    if (get(b, 8, &nb))
        return -1;
    for (uint32_t i = 0; i <= nb; i++) {
        int cnt, bl;
        if (get(b, 8, &c))
            return -1;
        cnt = (int)(c >> 4) + 1;
        bl = (int)(c & 15) + 1;
        if (cnt > nsym - k)
            return -1;
        while (cnt--)
            len[k++] = (short)bl;
    }
    if (k != nsym)
        return -1;
    memset(t->count, 0, sizeof(t->count));
    for (int i = 0; i < nsym; i++)
        t->count[len[i]]++;
    for (int l = 1; l <= 16; l++) {
        left <<= 1;
        left -= t->count[l];
        if (left < 0)
            return -1;
    }
    offs[1] = 0;
    for (int l = 1; l < 16; l++)
        offs[l + 1] = (short)(offs[l] + t->count[l]);
    for (int i = 0; i < nsym; i++)
        t->sym[offs[len[i]]++] = (short)i;
    return 0;
}

static int
decode(struct bits *b, const struct sf *t)
{
    int code = 0, first = 0, index = 0;
    uint32_t v;

    for (int l = 1; l <= 16; l++) {
        if (get(b, 1, &v))
            return -1;
        code |= (int)(v ^ 1u);
        if (code - t->count[l] < first)
            return t->sym[index + (code - first)];
        index += t->count[l];
        first += t->count[l];
        first <<= 1;
        code <<= 1;
    }
    return -2;
}

int
explode(const uint8_t *in, size_t n, uint16_t flags, uint64_t usize, struct sink *out)
{
    struct bits b = {in, n, 0, 0, 0};
    struct sf lit, lens, dist;
    int has_lit = (flags & 4) != 0;
    int dbits = (flags & 2) ? 7 : 6;
    uint32_t minlen = has_lit ? 3 : 2;

    if ((has_lit && tree(&b, &lit, 256)) || tree(&b, &lens, 64) || tree(&b, &dist, 64))
        return DEC_BAD;
    while (out->len < usize) {
        uint32_t flag, v, low, len, d;
        int sym;

        if (get(&b, 1, &flag))
            return DEC_TRUNC;
        if (flag) {
            if (has_lit) {
                if ((sym = decode(&b, &lit)) < 0)
                    return sym == -1 ? DEC_TRUNC : DEC_BAD;
                v = (uint32_t)sym;
            } else if (get(&b, 8, &v)) {
                return DEC_TRUNC;
            }
            if (sink_byte(out, (uint8_t)v))
                return out->nomem ? DEC_NOMEM : DEC_FULL;
            continue;
        }
        if (get(&b, dbits, &low))
            return DEC_TRUNC;
        if ((sym = decode(&b, &dist)) < 0)
            return sym == -1 ? DEC_TRUNC : DEC_BAD;
        d = (((uint32_t)sym << dbits) | low) + 1;
        if ((sym = decode(&b, &lens)) < 0)
            return sym == -1 ? DEC_TRUNC : DEC_BAD;
        len = (uint32_t)sym;
        if (len == 63) {
            if (get(&b, 8, &v))
                return DEC_TRUNC;
            len += v;
        }
        len += minlen;
        for (uint32_t i = 0; i < len && out->len < usize; i++) {
            uint8_t c = d > out->len ? 0 : out->p[out->len - d];
            if (sink_byte(out, c))
                return out->nomem ? DEC_NOMEM : DEC_FULL;
        }
    }
    return DEC_END;
}
