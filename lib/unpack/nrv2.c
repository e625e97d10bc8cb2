/*
 * nrv2.c - NRV2B/2D/2E decoding (see nrv2.h).
 *
 * The three codes share a bit reader and differ in how a back reference's
 * offset and length are spelled:
 *   - 2B: offset high part in Elias-gamma pairs, length in 2 bits or a
 *     gamma code;
 *   - 2D and 2E: the offset's gamma code has one more bit per step and the
 *     offset byte's low bit starts the length;
 *   - 2E spells short lengths differently from 2D.
 * A new offset byte of 0xff after the gamma prefix (offset ~0) ends the
 * stream. Lengths grow by one for offsets beyond 0xd00 (2B) or 0x500
 * (2D/2E). The workload is small: UPX sections of a few MiB at most,
 * bounded by the caller's dcap.
 */
#include "unpack/nrv2.h"

/* ClamAV's limits on the gamma codes (they keep the values in 31 bits). */
#define GAMMA_MAX 0x3fffffffu
#define LEN_MAX 0x7fffffffu

struct bits {
    const uint8_t *src;
    size_t len;
    size_t pos;
    uint32_t word; /* the bits left, with a 1 below them (sentinel) */
};

/* Next bit, or -1 when a new 32-bit word is needed and fewer than 4 bytes
 * are left. */
static int
bit(struct bits *b)
{
    uint32_t old = b->word;

    b->word = old << 1;
    if ((old & 0x7fffffffu) == 0) {
        if (b->pos > b->len || b->len - b->pos < 4)
            return -1;
        old = (uint32_t)b->src[b->pos] | (uint32_t)b->src[b->pos + 1] << 8 |
              (uint32_t)b->src[b->pos + 2] << 16 | (uint32_t)b->src[b->pos + 3] << 24;
        b->pos += 4;
        b->word = (old << 1) | 1u;
    }
    return (int)(old >> 31);
}

/* v = v * 2 + next bit, within limit; -1 on a missing bit or overflow. */
static int
shift_in(struct bits *b, uint32_t *v, uint32_t limit)
{
    int c = bit(b);

    if (c < 0 || *v + (uint32_t)c > limit)
        return -1;
    *v = *v * 2 + (uint32_t)c;
    return 0;
}

/* The offset's gamma prefix (already decremented by 3 into *hi): returns
 * 0 with the prefix value, -1 on error. 2B adds one bit per step; 2D and
 * 2E add two, the second after a decrement. */
static int
offset_prefix(enum nrv2_kind kind, struct bits *b, int32_t *hi)
{
    uint32_t v = 1;
    int c;

    for (;;) {
        if (shift_in(b, &v, GAMMA_MAX) != 0)
            return -1;
        if ((c = bit(b)) < 0)
            return -1;
        if (c)
            break;
        if (kind != NRV2B) {
            v--;
            if (shift_in(b, &v, GAMMA_MAX) != 0)
                return -1;
        }
    }
    *hi = (int32_t)v - 3;
    return 0;
}

/* A gamma-coded length starting from 1; returns -1 on error. */
static int
gamma_len(struct bits *b, uint32_t *len)
{
    uint32_t v = 1;
    int c;

    do {
        if (shift_in(b, &v, LEN_MAX) != 0)
            return -1;
    } while ((c = bit(b)) == 0);
    if (c < 0 || v > UINT32_MAX - 2)
        return -1;
    *len = v + 2;
    return 0;
}

int
nrv2_decode(enum nrv2_kind kind, const uint8_t *src, size_t slen, uint8_t *dst, size_t dcap,
            size_t *dlen)
{
    struct bits b = {src, slen, 0, 0};
    int32_t off = -1; /* the last offset, reused when the prefix says so */
    size_t out = 0;
    int r = -1;

    for (;;) {
        int32_t hi;
        uint32_t n = 0;
        int c;

        /* literals */
        while ((c = bit(&b)) == 1) {
            if (b.pos >= slen || out >= dcap)
                goto out;
            dst[out++] = src[b.pos++];
        }
        if (c < 0 || offset_prefix(kind, &b, &hi) != 0)
            goto out;
        if (hi >= 0) {
            uint32_t v;

            if (b.pos >= slen || ((uint32_t)hi & 0xff000000u))
                goto out;
            v = ~(((uint32_t)hi << 8) + src[b.pos++]);
            if (v == 0) {
                r = 0; /* end marker */
                goto out;
            }
            if (kind == NRV2B) {
                off = (int32_t)v;
            } else {
                /* the offset's low bit is the length's first bit */
                n = v & 1u;
                off = (int32_t)((v >> 1) | (v & 0x80000000u));
            }
        } else if (kind != NRV2B) {
            if ((c = bit(&b)) < 0)
                goto out;
            n = (uint32_t)c;
        }
        if (kind == NRV2B || kind == NRV2D) {
            if (kind == NRV2B) {
                if ((c = bit(&b)) < 0)
                    goto out;
                n = (uint32_t)c;
            }
            if (shift_in(&b, &n, LEN_MAX) != 0)
                goto out;
            if (n == 0 && gamma_len(&b, &n) != 0)
                goto out;
            if ((uint32_t)off < (kind == NRV2B ? 0xfffff300u : 0xfffffb00u))
                n++;
            n++;
        } else {
            if (n) {
                if ((c = bit(&b)) < 0)
                    goto out;
                n = (uint32_t)c;
            } else {
                if ((c = bit(&b)) < 0)
                    goto out;
                if (c) {
                    if ((c = bit(&b)) < 0)
                        goto out;
                    n = 2 + (uint32_t)c;
                } else if (gamma_len(&b, &n) != 0) {
                    goto out;
                }
            }
            if ((uint32_t)off < 0xfffffb00u)
                n++;
            if (n > UINT32_MAX - 2)
                goto out;
            n += 2;
        }
        /* the reference must lie inside the output, before its end */
        if (off >= 0 || (uint64_t)(-(int64_t)off) > out || out >= dcap || n > dcap - out)
            goto out;
        for (uint32_t i = 0; i < n; i++, out++)
            dst[out] = dst[out - (size_t)(-(int64_t)off)];
    }
out:
    *dlen = out;
    return r;
}
