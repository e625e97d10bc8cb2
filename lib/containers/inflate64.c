/*
 * inflate64.c - a Deflate64 decoder (PKWARE's "enhanced deflate", ZIP
 * method 9), which zlib does not offer. Deflate64 is deflate with a 64 KiB
 * window, length code 285 meaning 3 + 16 extra bits, and distance codes
 * 30 and 31 in use.
 *
 * The decoder is written for clarity over speed (Huffman codes are decoded
 * a bit at a time from per-length counts): method 9 members are rare. The
 * whole output lives in the sink, so back-references read from it and no
 * separate window is kept. Every read is checked against the input end,
 * every distance against the output produced so far.
 */
#include "containers/inflate.h"

#include <string.h>

#define MAXBITS 15
#define MAXLCODES 288
#define MAXDCODES 32

struct bs {
    const uint8_t *in;
    size_t n, pos;
    uint32_t bb;  /* bit buffer, LSB first */
    int bc;       /* bits in bb */
};

struct huff {
    short count[MAXBITS + 1];
    short sym[MAXLCODES];
};

static int
getbits(struct bs *s, int need, uint32_t *v)
{
    while (s->bc < need) {
        if (s->pos >= s->n)
            return -1;
        s->bb |= (uint32_t)s->in[s->pos++] << s->bc;
        s->bc += 8;
    }
    *v = need == 32 ? s->bb : s->bb & ((1u << need) - 1);
    s->bb = need == 32 ? 0 : s->bb >> need;
    s->bc -= need;
    return 0;
}

/* Build a canonical code from lengths; -1 if over-subscribed. */
static int
build(struct huff *h, const short *len, int n)
{
    short offs[MAXBITS + 1];
    int left = 1;

    memset(h->count, 0, sizeof(h->count));
    for (int i = 0; i < n; i++)
        h->count[len[i]]++;
    if (h->count[0] == n)
        return 0;
    for (int l = 1; l <= MAXBITS; l++) {
        left <<= 1;
        left -= h->count[l];
        if (left < 0)
            return -1;
    }
    offs[1] = 0;
    for (int l = 1; l < MAXBITS; l++)
        offs[l + 1] = (short)(offs[l] + h->count[l]);
    for (int i = 0; i < n; i++)
        if (len[i] != 0)
            h->sym[offs[len[i]]++] = (short)i;
    return 0;
}

/* Decode one symbol; -1 at end of input, -2 for an unused code. */
static int
decode(struct bs *s, const struct huff *h)
{
    int code = 0, first = 0, index = 0;
    uint32_t b;

    for (int l = 1; l <= MAXBITS; l++) {
        if (getbits(s, 1, &b))
            return -1;
        code |= (int)b;
        int count = h->count[l];
        if (code - count < first)
            return h->sym[index + (code - first)];
        index += count;
        first += count;
        first <<= 1;
        code <<= 1;
    }
    return -2;
}

static const uint16_t lbase[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                   31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 3};
static const uint8_t lext[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 16};
static const uint32_t dbase[32] = {1,    2,    3,    4,     5,     7,     9,     13,
                                   17,   25,   33,   49,    65,    97,    129,   193,
                                   257,  385,  513,  769,   1025,  1537,  2049,  3073,
                                   4097, 6145, 8193, 12289, 16385, 24577, 32769, 49153};
static const uint8_t dext[32] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
                                 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14};

static int
emit_copy(struct sink *out, uint32_t dist, uint32_t len)
{
    if (dist == 0 || dist > out->len)
        return DEC_BAD;
    for (uint32_t i = 0; i < len; i++)
        if (sink_byte(out, out->p[out->len - dist]))
            return out->nomem ? DEC_NOMEM : DEC_FULL;
    return -1;
}

static int
codes(struct bs *s, struct sink *out, const struct huff *lc, const struct huff *dc)
{
    for (;;) {
        int sym = decode(s, lc), r;
        uint32_t v, len, dist;

        if (sym == -1)
            return DEC_TRUNC;
        if (sym < 0)
            return DEC_BAD;
        if (sym < 256) {
            if (sink_byte(out, (uint8_t)sym))
                return out->nomem ? DEC_NOMEM : DEC_FULL;
            continue;
        }
        if (sym == 256)
            return -1;
        sym -= 257;
        if (sym >= 29)
            return DEC_BAD;
        if (getbits(s, lext[sym], &v))
            return DEC_TRUNC;
        len = lbase[sym] + v;
        sym = decode(s, dc);
        if (sym == -1)
            return DEC_TRUNC;
        if (sym < 0 || sym >= MAXDCODES)
            return DEC_BAD;
        if (getbits(s, dext[sym], &v))
            return DEC_TRUNC;
        dist = dbase[sym] + v;
        if ((r = emit_copy(out, dist, len)) != -1)
            return r;
    }
}

static int
stored(struct bs *s, struct sink *out)
{
    uint32_t len, nlen;

    s->bb = 0;
    s->bc = 0;
    if (s->pos > s->n || 4 > s->n - s->pos)
        return DEC_TRUNC;
    len = s->in[s->pos] | (uint32_t)s->in[s->pos + 1] << 8;
    nlen = s->in[s->pos + 2] | (uint32_t)s->in[s->pos + 3] << 8;
    s->pos += 4;
    if (len != (~nlen & 0xffffu))
        return DEC_BAD;
    if (len > s->n - s->pos) {
        sink_write(out, s->in + s->pos, s->n - s->pos);
        return out->over ? DEC_FULL : DEC_TRUNC;
    }
    if (sink_write(out, s->in + s->pos, len))
        return out->nomem ? DEC_NOMEM : DEC_FULL;
    s->pos += len;
    return -1;
}

static int
fixed(struct bs *s, struct sink *out)
{
    struct huff lc, dc;
    short l[MAXLCODES];
    int i;

    for (i = 0; i < 144; i++)
        l[i] = 8;
    for (; i < 256; i++)
        l[i] = 9;
    for (; i < 280; i++)
        l[i] = 7;
    for (; i < MAXLCODES; i++)
        l[i] = 8;
    build(&lc, l, MAXLCODES);
    for (i = 0; i < MAXDCODES; i++)
        l[i] = 5;
    build(&dc, l, MAXDCODES);
    return codes(s, out, &lc, &dc);
}

static int
dynamic(struct bs *s, struct sink *out)
{
    static const uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    short l[MAXLCODES + MAXDCODES];
    struct huff lc, dc;
    uint32_t nlen, ndist, ncode, v;
    int idx;

    if (getbits(s, 5, &nlen) || getbits(s, 5, &ndist) || getbits(s, 4, &ncode))
        return DEC_TRUNC;
    nlen += 257;
    ndist += 1;
    ncode += 4;
    if (nlen > MAXLCODES || ndist > MAXDCODES)
        return DEC_BAD;
    memset(l, 0, sizeof(l));
    for (uint32_t i = 0; i < ncode; i++) {
        if (getbits(s, 3, &v))
            return DEC_TRUNC;
        l[order[i]] = (short)v;
    }
    if (build(&lc, l, 19))
        return DEC_BAD;
    idx = 0;
    while (idx < (int)(nlen + ndist)) {
        int sym = decode(s, &lc);
        short fill = 0;
        uint32_t rep;
        if (sym == -1)
            return DEC_TRUNC;
        if (sym < 0)
            return DEC_BAD;
        if (sym < 16) {
            l[idx++] = (short)sym;
            continue;
        }
        if (sym == 16) {
            if (idx == 0)
                return DEC_BAD;
            fill = l[idx - 1];
            if (getbits(s, 2, &rep))
                return DEC_TRUNC;
            rep += 3;
        } else if (sym == 17) {
            if (getbits(s, 3, &rep))
                return DEC_TRUNC;
            rep += 3;
        } else {
            if (getbits(s, 7, &rep))
                return DEC_TRUNC;
            rep += 11;
        }
        if (idx + (int)rep > (int)(nlen + ndist))
            return DEC_BAD;
        while (rep--)
            l[idx++] = fill;
    }
    if (l[256] == 0)
        return DEC_BAD;
    if (build(&lc, l, (int)nlen) || build(&dc, l + nlen, (int)ndist))
        return DEC_BAD;
    return codes(s, out, &lc, &dc);
}

int
inflate64_raw(const uint8_t *in, size_t n, struct sink *out, size_t *used)
{
    struct bs s = {in, n, 0, 0, 0};
    int r = DEC_TRUNC;

    for (;;) {
        uint32_t last, type;
        if (getbits(&s, 1, &last) || getbits(&s, 2, &type)) {
            r = DEC_TRUNC;
            break;
        }
        if (type == 0)
            r = stored(&s, out);
        else if (type == 1)
            r = fixed(&s, out);
        else if (type == 2)
            r = dynamic(&s, out);
        else
            r = DEC_BAD;
        if (r != -1)
            break;
        if (last) {
            r = DEC_END;
            break;
        }
    }
    if (used)
        *used = s.pos;
    return r;
}
