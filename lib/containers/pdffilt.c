/*
 * pdffilt.c - the text and LZW filters of PDF streams (ISO 32000-1 7.4).
 *
 * Decoders are forgiving as readers are: white space and stray characters
 * are skipped where viewers skip them, a missing end marker ends the data.
 * LZW keeps its 4096-entry table in fixed arrays and expands a code by
 * walking prefixes backwards into a small stack, so each code costs at
 * most 4096 steps and the output is bounded by the sink.
 */
#include "core/hex.h"
#include "containers/pdffilt.h"

#include <stdlib.h>
#include <string.h>

#include "containers/inflate.h"

#define FULL(s) ((s)->nomem ? DEC_NOMEM : DEC_FULL)

int
pdffilt_ahx(const uint8_t *in, size_t n, struct sink *out)
{
    int hi = -1;

    for (size_t i = 0; i < n; i++) {
        int v;
        if (in[i] == '>')
            break;
        if ((v = hex_digit(in[i])) < 0)
            continue;
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (sink_byte(out, (uint8_t)(hi << 4 | v)))
            return FULL(out);
        hi = -1;
    }
    if (hi >= 0 && sink_byte(out, (uint8_t)(hi << 4)))
        return FULL(out);
    return DEC_END;
}

int
pdffilt_a85(const uint8_t *in, size_t n, struct sink *out)
{
    uint32_t v = 0;
    int k = 0;
    size_t i = 0;

    if (n >= 2 && in[0] == '<' && in[1] == '~')
        i = 2;
    for (; i < n; i++) {
        uint8_t c = in[i];
        if (c == '~')
            break;
        if (c == 'z' && k == 0) {
            if (sink_write(out, "\0\0\0\0", 4))
                return FULL(out);
            continue;
        }
        if (c < '!' || c > 'u')
            continue;
        v = v * 85 + (uint32_t)(c - '!');
        if (++k == 5) {
            uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
            if (sink_write(out, b, 4))
                return FULL(out);
            v = 0;
            k = 0;
        }
    }
    if (k > 1) {
        /* a final group of k characters gives k - 1 bytes */
        for (int j = k; j < 5; j++)
            v = v * 85 + 84;
        uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
        if (sink_write(out, b, (size_t)(k - 1)))
            return FULL(out);
    }
    return DEC_END;
}

int
pdffilt_rl(const uint8_t *in, size_t n, struct sink *out)
{
    size_t i = 0;

    while (i < n) {
        uint8_t l = in[i++];
        if (l == 128)
            break;
        if (l < 128) {
            size_t k = (size_t)l + 1;
            if (k > n - i)
                k = n - i;
            if (sink_write(out, in + i, k))
                return FULL(out);
            i += k;
        } else {
            if (i >= n)
                return DEC_TRUNC;
            for (int r = 0; r < 257 - l; r++)
                if (sink_byte(out, in[i]))
                    return FULL(out);
            i++;
        }
    }
    return DEC_END;
}

struct lzw {
    uint16_t prefix[4096];
    uint8_t suffix[4096];
    uint8_t first[4096];
    uint8_t stack[4096];
};

int
pdffilt_lzw(const uint8_t *in, size_t n, int early, struct sink *out)
{
    struct lzw *t = malloc(sizeof(*t));
    uint32_t bb = 0, next = 258;
    int bc = 0, width = 9, res = DEC_TRUNC;
    int prev = -1;
    size_t i = 0;

    if (t == NULL)
        return DEC_NOMEM;
    for (int c = 0; c < 256; c++) {
        t->suffix[c] = (uint8_t)c;
        t->first[c] = (uint8_t)c;
        t->prefix[c] = 0xffff;
    }
    for (;;) {
        uint32_t code;
        size_t sp = 0;

        while (bc < width && i < n) {
            bb = (bb << 8) | in[i++];
            bc += 8;
        }
        if (bc < width)
            break;
        code = (bb >> (bc - width)) & ((1u << width) - 1);
        bc -= width;
        if (code == 256) {
            next = 258;
            width = 9;
            prev = -1;
            continue;
        }
        if (code == 257) {
            res = DEC_END;
            break;
        }
        if (prev < 0) {
            if (code > 255) {
                res = DEC_BAD;
                break;
            }
            if (sink_byte(out, (uint8_t)code)) {
                res = FULL(out);
                break;
            }
            prev = (int)code;
            continue;
        }
        if (code > next || (code >= 258 && code == next && next >= 4096)) {
            res = DEC_BAD;
            break;
        }
        /* expand code (or, for the code being defined, prev + first(prev)) */
        uint32_t c = code == next ? (uint32_t)prev : code;
        if (code == next)
            t->stack[sp++] = t->first[prev];
        while (c >= 258 && sp < 4095) {
            t->stack[sp++] = t->suffix[c];
            c = t->prefix[c];
        }
        t->stack[sp++] = (uint8_t)c;
        uint8_t head = t->stack[sp - 1];
        while (sp > 0)
            if (sink_byte(out, t->stack[--sp])) {
                res = FULL(out);
                goto out;
            }
        if (next < 4096) {
            t->prefix[next] = (uint16_t)prev;
            t->suffix[next] = head;
            t->first[next] = t->first[prev];
            next++;
        }
        if (next + (uint32_t)early >= (1u << width) && width < 12)
            width++;
        prev = (int)code;
    }
out:
    free(t);
    return res;
}
