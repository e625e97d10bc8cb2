/*
 * atoms.c - literal selection for Hyperscan.
 */
#include "match/atoms.h"

#include <stdio.h>
#include <ctype.h>
#include <string.h>

#include "match/pattern.h"

static uint32_t
u16(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

static uint32_t
u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint32_t
sat_add(uint32_t a, uint32_t b)
{
    return a + b < a ? UINT32_MAX : a + b;
}

/* Length of one op and the next op pointer. */
static const uint8_t *
op_len(const uint8_t *c, uint32_t *lo, uint32_t *hi)
{
    switch (*c) {
    case OP_LIT:
    case OP_LITI:
        *lo = *hi = u16(c + 1);
        return c + 3 + u16(c + 1);
    case OP_ANY:
        *lo = *hi = u16(c + 1);
        return c + 3;
    case OP_SKIP:
        *lo = u16(c + 1);
        *hi = u16(c + 3);
        return c + 5;
    case OP_MASK:
    case OP_CLASS:
        *lo = *hi = 1;
        return c + 3;
    case OP_ASSERT_L:
    case OP_ASSERT_R:
        *lo = *hi = 0;
        return c + 4;
    case OP_AROUND:
        *lo = *hi = 0;
        return c + 8;
    case OP_ALT: {
        uint32_t nalts = u16(c + 2), fix = u16(c + 4), body = u32(c + 6);
        const uint8_t *a = c + 10;
        if (fix != ALT_FIXLEN_VAR) {
            *lo = *hi = fix;
        } else {
            *lo = UINT32_MAX;
            *hi = 0;
            for (uint32_t i = 0; i < nalts; i++) {
                uint32_t l, h;
                atoms_prog_len(a + 2, &l, &h);
                if (l < *lo)
                    *lo = l;
                if (h > *hi)
                    *hi = h;
                a += 2 + u16(a);
            }
        }
        return c + 10 + body;
    }
    default:
        *lo = *hi = 0;
        return NULL;
    }
}

void
atoms_prog_len(const uint8_t *c, uint32_t *min, uint32_t *max)
{
    uint32_t lo = 0, hi = 0, l, h;

    while (c && *c != OP_END) {
        c = op_len(c, &l, &h);
        lo = sat_add(lo, l);
        hi = sat_add(hi, h);
    }
    *min = lo;
    *max = hi;
}

static double
byte_weight(uint8_t b, int prev, int nocase)
{
    if (prev >= 0 && b == (uint8_t)prev)
        return 0.3;
    switch (b) {
    case 0x00:
        return 0.1;
    case 0xff:
        return 0.2;
    case 0x20: case 0x90: case 0xcc: case 0x01: case 0x0a: case 0x0d: case 0x30:
        return 0.5;
    default:
        break;
    }
    if (nocase && isalpha(b))
        return 0.8;
    return 1.0;
}

double
atoms_choose(const uint8_t *code, struct img_part *pt)
{
    const uint8_t *c = code + pt->code;
    uint32_t minpos = 0, maxpos = 0;
    double best = 0;

    pt->litlen = 0;
    while (c && *c != OP_END) {
        uint32_t l, h;
        const uint8_t *next = op_len(c, &l, &h);

        if (*c == OP_LIT || *c == OP_LITI) {
            uint32_t n = u16(c + 1);
            const uint8_t *bytes = c + 3;
            int nocase = *c == OP_LITI;

            for (uint32_t k = 0; k + 2 <= n; k++) {
                double s = 0;
                for (uint32_t L = 1; L <= ATOM_MAX && k + L <= n; L++) {
                    s += byte_weight(bytes[k + L - 1], L > 1 ? bytes[k + L - 2] : -1, nocase);
                    if (L < 2)
                        continue;
                    /* strictly better only: earlier and shorter wins ties */
                    if (s > best + 1e-9) {
                        best = s;
                        pt->lit = (uint32_t)(bytes - code) + k;
                        pt->litlen = (uint16_t)L;
                        pt->litnocase = (uint8_t)nocase;
                        pt->back_min = sat_add(minpos, k + L);
                        pt->back_max = sat_add(maxpos, k + L);
                    }
                }
            }
        }
        minpos = sat_add(minpos, l);
        maxpos = sat_add(maxpos, h);
        c = next;
    }
    return best;
}
