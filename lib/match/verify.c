/*
 * verify.c - backtracking interpreter for part programs (see pattern.h).
 *
 * Most programs are a literal or two with fixed wildcards and run straight
 * through. Variable alternatives and skips are choice points; the search
 * is depth-first, alternatives in signature order, with a step budget so a
 * hostile signature cannot make a scan exponential (an exhausted budget is
 * "no match", which only affects pathological generic alternations).
 */
#include "match/verify.h"

#include <stdio.h>
#include <ctype.h>
#include <string.h>

#include "match/pattern.h"

#define MAX_CONT 20
#define STEP_BUDGET 100000

struct vctx {
    const uint8_t *buf;
    size_t len;
    const uint8_t *classes;
    long steps;
};

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

static int
in_class(const uint8_t *classes, uint32_t cls, uint8_t b)
{
    return (classes[(size_t)cls * 32 + (b >> 3)] >> (b & 7)) & 1;
}

/* Run code from pos; `cont` holds where to continue when an alternative's
 * code reaches OP_END (ncont entries). */
static int
run(struct vctx *v, const uint8_t *c, size_t pos, const uint8_t *const *cont, int ncont, size_t *end)
{
    const uint8_t *buf = v->buf;
    size_t len = v->len;

    for (;;) {
        if (--v->steps < 0)
            return 0;
        switch (*c) {
        case OP_END:
            if (ncont == 0) {
                *end = pos;
                return 1;
            }
            c = cont[--ncont];
            break;
        case OP_LIT: {
            uint32_t n = u16(c + 1);
            if (n > len - pos || memcmp(buf + pos, c + 3, n) != 0)
                return 0;
            pos += n;
            c += 3 + n;
            break;
        }
        case OP_LITI: {
            uint32_t n = u16(c + 1);
            if (n > len - pos)
                return 0;
            for (uint32_t i = 0; i < n; i++)
                if ((uint8_t)tolower(buf[pos + i]) != c[3 + i])
                    return 0;
            pos += n;
            c += 3 + n;
            break;
        }
        case OP_ANY: {
            uint32_t n = u16(c + 1);
            if (n > len - pos)
                return 0;
            pos += n;
            c += 3;
            break;
        }
        case OP_SKIP: {
            uint32_t lo = u16(c + 1), hi = u16(c + 3);
            const uint8_t *cc[MAX_CONT] = {0}; /* each try starts from cont */
            if (lo > len - pos)
                return 0;
            if (hi > len - pos)
                hi = (uint32_t)(len - pos);
            for (uint32_t k = lo; k <= hi; k++) {
                if (ncont > 0)
                    memcpy(cc, cont, sizeof(*cc) * (size_t)ncont);
                if (run(v, c + 5, pos + k, cc, ncont, end))
                    return 1;
                if (v->steps < 0)
                    return 0;
            }
            return 0;
        }
        case OP_MASK:
            if (pos >= len || (buf[pos] & c[1]) != c[2])
                return 0;
            pos++;
            c += 3;
            break;
        case OP_CLASS:
            if (pos >= len || !in_class(v->classes, u16(c + 1), buf[pos]))
                return 0;
            pos++;
            c += 3;
            break;
        case OP_ASSERT_L:
            if (c[3] & ASSERT_WIDE) {
                if (pos >= 2 && !in_class(v->classes, u16(c + 1), buf[pos - 2]) &&
                    buf[pos - 1] == 0)
                    return 0;
            } else if (pos == 0) {
                if (!(c[3] & ASSERT_EDGE))
                    return 0;
            } else if (!in_class(v->classes, u16(c + 1), buf[pos - 1])) {
                return 0;
            }
            c += 4;
            break;
        case OP_ASSERT_R:
            if (c[3] & ASSERT_WIDE) {
                if (pos < len && !in_class(v->classes, u16(c + 1), buf[pos]) &&
                    (len - pos < 2 || buf[pos + 1] == 0))
                    return 0;
            } else if (pos >= len) {
                if (!(c[3] & ASSERT_EDGE))
                    return 0;
            } else if (!in_class(v->classes, u16(c + 1), buf[pos])) {
                return 0;
            } else if ((c[3] & ASSERT_CRLF) && buf[pos] == '\r' &&
                       (len - pos < 2 || buf[pos + 1] != '\n')) {
                return 0;
            }
            c += 4;
            break;
        case OP_AROUND: {
            uint32_t cls = u16(c + 2), lo = u16(c + 4), hi = u16(c + 6);
            int found = 0;
            for (uint32_t d = lo; d <= hi && !found; d++) {
                if (c[1] == 0) {
                    if (pos >= (size_t)d + 1 && in_class(v->classes, cls, buf[pos - 1 - d]))
                        found = 1;
                } else if (d < len - pos && in_class(v->classes, cls, buf[pos + d])) {
                    found = 1;
                }
            }
            if (!found)
                return 0;
            c += 8;
            break;
        }
        case OP_ALT: {
            int neg = c[1];
            uint32_t nalts = u16(c + 2), fixlen = u16(c + 4), body = u32(c + 6);
            const uint8_t *alt = c + 10, *rest = c + 10 + body;

            if (fixlen != ALT_FIXLEN_VAR) {
                int any = 0;
                size_t e;

                if (fixlen > len - pos)
                    return 0;
                for (uint32_t i = 0; i < nalts && !any; i++) {
                    any = run(v, alt + 2, pos, NULL, 0, &e);
                    alt += 2 + u16(alt);
                }
                if (any == neg)
                    return 0;
                pos += fixlen;
                c = rest;
                break;
            }
            if (ncont >= MAX_CONT)
                return 0;
            for (uint32_t i = 0; i < nalts; i++) {
                const uint8_t *cc[MAX_CONT];
                if (ncont > 0)
                    memcpy(cc, cont, sizeof(*cc) * (size_t)ncont);
                cc[ncont] = rest;
                if (run(v, alt + 2, pos, cc, ncont + 1, end))
                    return 1;
                if (v->steps < 0)
                    return 0;
                alt += 2 + u16(alt);
            }
            return 0;
        }
        default:
            return 0;
        }
    }
}

int
verify_at(const uint8_t *code, const uint8_t *classes, const uint8_t *buf, size_t len, size_t pos,
          size_t *end)
{
    struct vctx v = {buf, len, classes, STEP_BUDGET};

    if (pos > len)
        return 0;
    return run(&v, code, pos, NULL, 0, end);
}
