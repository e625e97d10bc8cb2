/*
 * upacklz.c - Upack's LZMA variant (see upacklz.h).
 *
 * Byte offsets from ebx: state words 0..0x18, alignment 0x18, is-match
 * 0x58 (state), is-rep +0x30, rep-G0 +0x60, rep0-long +0x90, rep-G1
 * +0xc0, rep-G2 +0xf0 (all from is-match), special positions 0x178,
 * position slots 0x378 (64 per length state), rep lengths 0x778, match
 * lengths 0xbc0, literals 0x1008 (0x300 per context). The code follows
 * the stub register by register, because its quirks decide what comes
 * out of broken data: a bit read that fails (ERR) is taken as a one
 * where the stub only tests for zero.
 */
#include "unpack/upacklz.h"

#define ERR 0xffffffffu
/* A bit tree never needs more steps; a stuck one (value 0) is refused. */
#define TREE_STEPS 64

struct ulz {
    uint8_t *buf;
    int64_t len;
    int64_t p0;      /* input window */
    uint32_t p1, p2; /* range, low */
};

static int
contained(int64_t len, int64_t off, int64_t n)
{
    return len > 0 && n > 0 && n <= len && off >= 0 && off < len && n <= len - off;
}

static uint32_t
get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t
get32be(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* One bit with the probability at prob: 0, 1 or ERR. */
static uint32_t
rc(struct ulz *z, int64_t prob)
{
    uint32_t bound = z->p1 >> 11, r, code, ret;

    if (!contained(z->len, prob, 4) || !contained(z->len, z->p0, 4))
        return ERR;
    r = get32(z->buf + prob);
    bound *= r;
    code = get32be(z->buf + z->p0) - z->p2;
    if (code < bound) {
        z->p1 = bound;
        put32(z->buf + prob, r + ((0x800 - r) >> 5));
        ret = 0;
    } else {
        z->p2 += bound;
        z->p1 -= bound;
        put32(z->buf + prob, r - (r >> 5));
        ret = 1;
    }
    if ((z->p1 & 0xff000000u) == 0) {
        z->p2 <<= 8;
        z->p1 <<= 8;
        z->p0++;
    }
    return ret;
}

/* A bit tree from eax up to lim, probabilities at base + 4 * node:
 * *out = node - lim; *edx the last probability read. */
static int
tree(struct ulz *z, uint32_t eax, uint32_t lim, int64_t *edx, int64_t base, uint32_t *out)
{
    uint32_t b;
    int steps = 0;

    do {
        *edx = base + (int64_t)(uint32_t)(eax << 2);
        if ((b = rc(z, *edx)) == ERR || ++steps > TREE_STEPS)
            return -1;
        eax = eax + eax + b;
    } while (eax < lim);
    *out = eax - lim;
    return 0;
}

/* A length (less one) from the coder at *edx: choice, choice 2, then
 * 3, 3 or 8 bits. */
static int
length(struct ulz *z, uint32_t state, uint32_t *ecx, int64_t *edx, uint32_t *out)
{
    uint32_t eax = (state & 0xffffff00u) | 1, ret, v;

    *ecx = (*ecx & 0xffffff00u) | 8;
    ret = rc(z, *edx);
    *edx += 4;
    if (ret) {
        ret = rc(z, *edx);
        eax |= 8;
        if (ret) {
            *ecx <<= 5;
            eax = 0x11;
        }
    }
    if (tree(z, 1, *ecx, edx, *edx + (int64_t)(uint32_t)(eax << 2), &v) != 0)
        return -1;
    *out = eax + v;
    return 0;
}

/* A new distance (plus one) after a match of length len (less one). */
static int
distance(struct ulz *z, int64_t ebx, uint32_t len, uint32_t *dist)
{
    uint32_t eax = len - 1, ecx, ebp, tb;
    int64_t edx = 0;

    if (eax >= 3)
        eax = 3;
    eax <<= 6;
    if (tree(z, 1, 0x40, &edx, ebx + (int64_t)(uint32_t)((eax << 2) + 0x378), &eax) != 0)
        return -1;
    ebp = eax;
    if ((eax & 0xff) >= 4) {
        ebp = 2 + (eax & 1);
        ecx = (eax >> 1) - 1;
        ebp <<= (ecx & 31);
        edx = ebx + (int64_t)(uint32_t)(ebp << 2) + 0x178;
        if ((ecx & 0xff) > 5) {
            /* direct bits */
            ecx = (ecx & 0xffffff00u) | (((ecx & 0xff) - 4) & 0xff);
            eax = 0;
            do {
                uint32_t t;

                if (!contained(z->len, z->p0, 4))
                    return -1;
                t = get32be(z->buf + z->p0);
                z->p1 >>= 1;
                t -= z->p2;
                eax <<= 1;
                if (t >= z->p1) {
                    eax++;
                    z->p2 += z->p1;
                }
                if ((z->p1 & 0xff000000u) == 0) {
                    z->p2 <<= 8;
                    z->p1 <<= 8;
                    z->p0++;
                }
            } while (--ecx);
            ecx = 4;
            ebp += eax << 4;
            edx = ebx + 0x18;
        }
        /* ecx bits through a tree, read backwards */
        if (tree(z, 1, 1u << (ecx & 31), &edx, edx, &eax) != 0)
            return -1;
        tb = (eax & 0x80000000u) ? 0xffffffffu : 0;
        do {
            tb += tb;
            tb += eax & 1;
            eax >>= 1;
        } while (--ecx);
        ebp += tb;
    }
    *dist = ebp + 1;
    return 0;
}

/* A literal at edi, matched against the byte at the last distance when
 * ecx says the previous packet was a match. */
static int
literal(struct ulz *z, const struct upacklz_job *j, uint32_t rep0, int64_t edi, uint32_t *eax,
        uint32_t ecx)
{
    uint32_t ebp = 0, ret;
    int64_t base, edx = 0;

    if (edi > j->edi && edi < z->len && edi >= 1)
        ebp = (uint32_t)(z->buf[edi - 1] >> j->shift);
    ebp *= 0x300;
    base = j->ebx + (int64_t)(uint32_t)((ebp << 2) + 0x1008);
    *eax = (*eax & 0xffffff00u) | 1;
    if (ecx == 0)
        return tree(z, *eax, 0x100, &edx, base, eax);
    {
        uint8_t cl = (uint8_t)ecx;
        int64_t m = edi - (int64_t)rep0;

        if (!contained(z->len, m, 1))
            return -1;
        for (;;) {
            uint32_t al;

            *eax = (*eax & 0xffff00ffu) | ((z->buf[m] & cl) ? 0x200u : 0x100u);
            ret = rc(z, base + (int64_t)(uint32_t)(*eax << 2));
            al = ((*eax & 0xff) * 2 + ret) & 0xff;
            *eax = (*eax & 0xffffff00u) | al;
            cl >>= 1;
            if (cl == 0)
                return 0;
            if (((((*eax >> 8) & 0xff) - al) & 1) == 0) {
                /* the bit differs from the match byte's: plain tree */
                *eax = (*eax & 0xffff0000u) | al;
                return tree(z, *eax, 0x100, &edx, base, eax);
            }
        }
    }
}

int
upacklz_decode(uint8_t *buf, size_t blen, const struct upacklz_job *j)
{
    struct ulz z = {buf, (int64_t)blen, j->in, 0, 0};
    uint32_t st[6], eax, eax_copy = j->eax, ecx = j->ecx, ebp, ret, temp;
    int64_t edi = j->edi, edx;

    if (!contained(z.len, j->ebx, 24))
        return -1;
    z.p1 = get32(buf + j->ebx);
    z.p2 = get32(buf + j->ebx + 4);
    for (int i = 0; i < 6; i++)
        st[i] = get32(buf + j->ebx + 4 * i);
    do {
        eax = eax_copy;
        edx = j->ebx + (int64_t)(uint32_t)(eax << 2) + 0x58;
        if (rc(&z, edx) == 0) {
            /* a literal: the state goes down */
            uint32_t al;
            do {
                al = eax & 0xff;
                al = al >= 3 ? al - 3 : 0;
                eax = (eax & 0xffffff00u) | al;
            } while (al >= 7);
            eax_copy = eax;
            if (literal(&z, j, st[2], edi, &eax, ecx) != 0)
                return -1;
            ecx = 0;
        } else {
            eax = (eax & 0xffffff00u) | ((eax & 0xff) >= 7 ? 11 : 8);
            ebp = st[2];
            ecx = (ecx & 0xffffff00u) | 0x30;
            edx += ecx;
            if (rc(&z, edx) == 0) {
                /* a match with a new distance */
                eax--;
                temp = ebp;
                ebp = st[4];
                st[4] = st[3];
                st[3] = temp;
                eax_copy = eax;
                edx = j->ebx + 0xbc0;
                st[5] = ebp;
                if (length(&z, eax, &ecx, &edx, &temp) != 0 || distance(&z, j->ebx, temp, &ebp) != 0)
                    return -1;
                ecx = temp;
            } else {
                edx += ecx;
                if ((ret = rc(&z, edx)) != 0) {
                    edx += 0x60;
                    if (rc(&z, edx) != 0) {
                        edx += ecx;
                        ret = rc(&z, edx);
                        temp = ebp;
                        ebp = st[4];
                        st[4] = st[3];
                        st[3] = temp;
                        if (ret) {
                            temp = ebp;
                            ebp = st[5];
                            st[5] = temp;
                        }
                    } else {
                        temp = ebp;
                        ebp = st[3];
                        st[3] = temp;
                    }
                } else {
                    edx += ecx;
                    if (rc(&z, edx) == 0) {
                        /* one byte at the last distance */
                        int64_t m = edi - (int64_t)st[2];
                        eax |= 1;
                        eax_copy = eax;
                        ecx = (ecx & 0xffffff00u) | 0x80;
                        if (!contained(z.len, m, 1) || !contained(z.len, edi, 1))
                            return -1;
                        buf[edi] = buf[m];
                        edi++;
                        continue;
                    }
                }
                eax_copy = eax;
                edx = j->ebx + 0x778;
                if (length(&z, eax, &ecx, &edx, &temp) != 0)
                    return -1;
                eax = ecx;
                ecx = temp;
            }
            /* copy ecx bytes, then one more below */
            if (!contained(z.len, edi, ecx) || !contained(z.len, edi - (int64_t)ebp, (int64_t)ecx + 1))
                return -1;
            st[2] = ebp;
            for (uint32_t i = 0; i < ecx; i++, edi++)
                buf[edi] = buf[edi - (int64_t)ebp];
            eax = (eax & 0xffffff00u) | buf[edi - (int64_t)ebp];
            ecx = 0x80;
        }
        if (!contained(z.len, edi, 1))
            return -1;
        buf[edi++] = (uint8_t)eax;
    } while (edi < j->end);
    return 0;
}
