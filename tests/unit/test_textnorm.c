/*
 * test_textnorm.c - textnorm_*: ClamAV's normaliser byte by byte, the
 * whitespace state across chunks and resets, a full output buffer, and
 * which targets see the result. The integration test compares with the
 * text clamscan itself normalised.
 */
#include <stdint.h>
#include <string.h>

#include "formats/textnorm.h"
#include "t.h"

static size_t
norm(const char *in, size_t len, char *out, size_t cap)
{
    return textnorm_normalize((const uint8_t *)in, len, (uint8_t *)out, cap);
}

static void
test_bytes(void)
{
    char out[64];
    size_t n;

    n = norm("Hello WORLD", 11, out, sizeof(out));
    T_EQ_INT(n, 11);
    T_CHECK(memcmp(out, "hello world", 11) == 0);
    n = norm("a \t\r\n\v\f b", 10, out, sizeof(out)); /* one space per run */
    T_EQ_INT(n, 3);
    T_CHECK(memcmp(out, "a b", 3) == 0);
    n = norm("x\x00y\x01\x1f\x7fz", 7, out, sizeof(out)); /* controls dropped, DEL kept */
    T_EQ_INT(n, 4);
    T_CHECK(memcmp(out, "xy\x7fz", 4) == 0);
    n = norm("\x80\xc3\xa9\xff", 4, out, sizeof(out)); /* high bytes dropped */
    T_EQ_INT(n, 0);
    n = norm("a\x01 \x01 b", 6, out, sizeof(out)); /* a skipped byte keeps the run open */
    T_EQ_INT(n, 3);
    T_CHECK(memcmp(out, "a b", 3) == 0);
    n = norm("@[`{~AZaz09", 11, out, sizeof(out)); /* only A-Z change */
    T_CHECK(memcmp(out, "@[`{~azaz09", 11) == 0);
    n = norm("H\0i\0 \0T\0", 8, out, sizeof(out)); /* UTF-16LE comes out as ASCII */
    T_EQ_INT(n, 4);
    T_CHECK(memcmp(out, "hi t", 4) == 0);
    T_EQ_INT(norm("", 0, out, sizeof(out)), 0);
    T_EQ_INT(textnorm_normalize(NULL, 0, NULL, 0), 0);
}

static void
test_all_bytes(void)
{
    uint8_t in[256], out[256];
    size_t n;

    for (int i = 0; i < 256; i++)
        in[i] = (uint8_t)i;
    n = textnorm_normalize(in, 256, out, 256);
    /* 9..13 open a space run that the skipped 14..31 keep open, so 0x20
     * writes nothing; then 0x21..0x7f with A-Z folded */
    T_EQ_INT(n, 1 + 95);
    T_EQ_INT(out[0], ' ');
    T_EQ_INT(out[1], '!');
    T_EQ_INT(out[1 + 'A' - '!'], 'a');
    T_EQ_INT(out[n - 1], 0x7f);
}

static void
test_chunks(void)
{
    struct textnorm st;
    uint8_t out[16];
    size_t used, n;

    textnorm_init(&st);
    n = textnorm_feed(&st, (const uint8_t *)"ab  ", 4, out, sizeof(out), &used);
    T_EQ_INT(n, 3);
    T_EQ_INT(used, 4);
    n = textnorm_feed(&st, (const uint8_t *)"\t\tcd", 4, out + 3, sizeof(out) - 3, &used);
    T_EQ_INT(n, 2); /* the run continues across the chunk */
    T_CHECK(memcmp(out, "ab cd", 5) == 0);
    textnorm_feed(&st, (const uint8_t *)" ", 1, out, sizeof(out), NULL);
    textnorm_init(&st); /* ClamAV resets at each buffer flush */
    n = textnorm_feed(&st, (const uint8_t *)" x", 2, out, sizeof(out), NULL);
    T_EQ_INT(n, 2);
    T_CHECK(memcmp(out, " x", 2) == 0);
}

static void
test_full_output(void)
{
    struct textnorm st;
    uint8_t out[4];
    size_t used, n;

    textnorm_init(&st);
    n = textnorm_feed(&st, (const uint8_t *)"abcd\x01\x01" "ef", 8, out, 4, &used);
    T_EQ_INT(n, 4);
    T_EQ_INT(used, 4); /* stops when full, even before bytes that write nothing */
    n = textnorm_feed(&st, (const uint8_t *)"xyz", 3, out, 0, &used);
    T_EQ_INT(n, 0);
    T_EQ_INT(used, 0);
    T_EQ_INT(textnorm_normalize((const uint8_t *)"abcdef", 6, out, 2), 2);
}

/* ClamAV's definition, one byte at a time as its char_action table reads. */
static size_t
ref_feed(int *space, const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *used)
{
    size_t i, o = 0;

    for (i = 0; i < len && o < cap; i++) {
        uint8_t c = in[i];

        if (c == ' ' || (c >= '\t' && c <= '\r')) {
            if (!*space)
                out[o++] = ' ';
            *space = 1;
        } else if (c >= 0x20 && c < 0x80) {
            out[o++] = c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
            *space = 0;
        }
    }
    *used = i;
    return o;
}

/* The block-wise fast path against the definition: random text with
 * whitespace runs, upper case, control and high bytes at several
 * densities, every output room, chunked feeding with the state carried. */
static void
test_matches_definition(void)
{
    static uint8_t in[4096], a[4096], b[4096];
    static const char pool[] = "abcXYZ019 .,;<>/\t\n\r  ";
    uint32_t x = 12345;
    int bad = 0;

    for (int round = 0; round < 400 && !bad; round++) {
        size_t len = (size_t)(round * 37 % 4096), cap, pos = 0;
        unsigned odd = (unsigned)(round % 5); /* 0: none; else about 1 in 4^odd */
        struct textnorm st;
        int rs = 0;

        for (size_t k = 0; k < len; k++) {
            x = x * 1103515245u + 12345u;
            in[k] = (uint8_t)pool[(x >> 16) % (sizeof(pool) - 1)];
            if (odd && ((x >> 8) & ((1u << (2 * odd)) - 1)) == 0)
                in[k] = (uint8_t)(x >> 24 & 1 ? 0x80 | (x & 0x7f) : x % 9);
        }
        cap = round % 3 == 0 ? len : (size_t)(x % (len + 1));
        textnorm_init(&st);
        while (pos < len && !bad) {
            size_t piece = 1 + (size_t)(x % 700), ua, ub, na, nb, room;

            x = x * 1103515245u + 12345u;
            if (piece > len - pos)
                piece = len - pos;
            room = cap < 64 ? cap : cap - (size_t)(x % 64);
            na = textnorm_feed(&st, in + pos, piece, a, room, &ua);
            nb = ref_feed(&rs, in + pos, piece, b, room, &ub);
            bad = na != nb || ua != ub || memcmp(a, b, na) != 0 || st.space != rs;
            pos += ua ? ua : piece;
        }
    }
    T_EQ_INT(bad, 0);
}

static void
test_targets(void)
{
    T_EQ_INT(textnorm_target(0), 1);
    T_EQ_INT(textnorm_target(7), 1);
    for (unsigned t = 1; t < 16; t++)
        if (t != 7)
            T_EQ_INT(textnorm_target(t), 0);
}

int
main(void)
{
    T_RUN(test_bytes);
    T_RUN(test_all_bytes);
    T_RUN(test_chunks);
    T_RUN(test_full_output);
    T_RUN(test_matches_definition);
    T_RUN(test_targets);
    T_DONE();
}
