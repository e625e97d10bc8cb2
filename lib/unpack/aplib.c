/*
 * aplib.c - aPLib-style decoding for MEW and FSG (see aplib.h).
 *
 * The codes, after a first literal byte (tag bits in brackets):
 *   [0]            a literal byte follows;
 *   [1 1 1] b4     a byte copied from 1..15 bytes back, or 0 when b4 = 0;
 *   [1 1 0] byte   byte >> 1 = offset (0 ends the stream), 2 + (byte & 1)
 *                  bytes copied;
 *   [1 0] gamma    after a literal, gamma 2 repeats the last offset with a
 *                  gamma-coded length; else the gamma, less 2 (3 after a
 *                  literal), is the offset's high part, a byte its low
 *                  part, and a gamma the length, one more from offset
 *                  0x500, one more from 0x7d00, two more up to 0x7f.
 * A gamma code starts at 1 and shifts in (bit, more?) pairs.
 */
#include "unpack/aplib.h"

struct apl {
    uint8_t *buf;
    size_t src, send; /* the stream's window */
    size_t cur;       /* next stream byte */
    size_t dst, dend; /* the output's window */
    size_t out;       /* next output byte */
    uint8_t tag;      /* tag bits left, with a 1 below them */
};

/* Next tag bit, or -1 when a new tag byte is needed and fewer than two
 * stream bytes are left (ClamAV's test). */
static int
tagbit(struct apl *a)
{
    uint8_t old = a->tag;

    a->tag = (uint8_t)(old << 1);
    if ((old & 0x7f) == 0) {
        if (a->cur < a->src || a->cur >= a->send - 1)
            return -1;
        old = a->buf[a->cur++];
        a->tag = (uint8_t)(old << 1 | 1);
    }
    return old >> 7;
}

/* A gamma code: 1, then (bit, more?) pairs. -1 on a missing bit. */
static int
gamma(struct apl *a, uint32_t *v)
{
    int b, more;

    *v = 1;
    do {
        if ((b = tagbit(a)) < 0 || (more = tagbit(a)) < 0)
            return -1;
        *v = *v * 2 + (uint32_t)b;
    } while (more);
    return 0;
}

/* A byte of the stream; -1 past its end. */
static int
byte(struct apl *a, uint32_t *v)
{
    if (a->cur >= a->send)
        return -1;
    *v = a->buf[a->cur++];
    return 0;
}

/* Copy n bytes from back bytes before the output position, byte by byte
 * (they may overlap); both windows must lie in the output's. */
static int
copy(struct apl *a, uint32_t back, uint32_t n)
{
    size_t dlen = a->dend - a->dst, at = a->out - a->dst;

    if (n == 0 || n > dlen || at > dlen - n || back > at)
        return -1;
    for (uint32_t i = 0; i < n; i++, a->out++)
        a->buf[a->out] = a->buf[a->out - back];
    return 0;
}

int
aplib_decode(uint8_t *buf, size_t blen, size_t src, size_t slen, size_t dst, size_t dlen,
             size_t *send, size_t *dend)
{
    struct apl a = {buf, src, src + slen, src, dst, dst + dlen, dst, 0x80};
    uint32_t last = 0, len, off, v;
    int lostbit = 1, b;

    if (slen == 0 || dlen == 0 || src > blen || slen > blen - src || dst > blen ||
        dlen > blen - dst)
        return -1;
    buf[a.out++] = buf[a.cur++];
    for (;;) {
        if ((b = tagbit(&a)) < 0)
            return -1;
        if (b == 0) {
            /* a literal */
            if (a.out >= a.dend || a.cur >= a.send)
                return -1;
            buf[a.out++] = buf[a.cur++];
            lostbit = 1;
            continue;
        }
        if ((b = tagbit(&a)) < 0)
            return -1;
        if (b == 1) {
            if ((b = tagbit(&a)) < 0)
                return -1;
            if (b == 1) {
                /* 4-bit offset, one byte; offset 0 writes a zero */
                off = 0x10;
                while (off < 0x100) {
                    if ((b = tagbit(&a)) < 0)
                        return -1;
                    off = off * 2 + (uint32_t)b;
                }
                off &= 0xff;
                lostbit = 1;
                if (off == 0) {
                    if (a.out >= a.dend)
                        return -1;
                    buf[a.out++] = 0;
                    continue;
                }
                len = 1;
            } else {
                /* 7-bit offset, 2 or 3 bytes; offset 0 ends the stream */
                if (byte(&a, &v) != 0)
                    return -1;
                len = 2 + (v & 1);
                if ((off = v >> 1) == 0)
                    break;
                last = off;
                lostbit = 0;
            }
        } else {
            if (gamma(&a, &len) != 0)
                return -1;
            len = len - 1 - (uint32_t)lostbit;
            if (len == 0) {
                /* the last offset again */
                if (gamma(&a, &len) != 0)
                    return -1;
                off = last;
            } else {
                if (byte(&a, &v) != 0)
                    return -1;
                off = v + ((len - 1) << 8);
                if (gamma(&a, &len) != 0)
                    return -1;
                len += (off >= 0x7d00) + (off >= 0x500) + 2 * (off <= 0x7f);
                last = off;
            }
            lostbit = 0;
        }
        if (copy(&a, off, len) != 0)
            return -1;
    }
    *send = a.cur;
    *dend = a.out;
    return 0;
}
