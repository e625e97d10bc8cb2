/*
 * test_unpack_lz.c - the MEW and Upack decoders and the PE rebuild on
 * known answers: aPLib streams (made by tests/cli/lib/mewpack.py's
 * compressor) and raw LZMA streams (Python's LZMA1 encoder) in the
 * layouts the stubs set up, their failure modes (cut input, a model or
 * window outside the buffer), the call filters, and the rebuilt header.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "unpack/aplib.h"
#include "unpack/mewlz.h"
#include "unpack/pebuild.h"
#include "unpack/upacklz.h"

static size_t
unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = 0;

    for (; h[0] && h[1] && n < cap; h += 2) {
        unsigned v;
        if (sscanf(h, "%2x", &v) != 1)
            break;
        out[n++] = (uint8_t)v;
    }
    return n;
}

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

static const char hello[] = "hello hello hello, world! world! world!";
static const char apl_hello[] = "6838656c946f2006b32cbb77a372b964215a076000";
static const char apl_lits[] =
    "6838656c9d6f20bb75e3dbb76edd78f6772c747777723b6421f7efdfbf7efdfbf7efdfbf7c00";
/* raw LZMA1 of hello: lc=4 lp=0 pb=2 (MEW), lc=3 lp=0 pb=0 (Upack) */
static const char lz_mew[] = "00341949ee8de94f7e47799d2d8cfcc5488b30070dbd9ffffa84c000";
static const char lz_upack[] = "00341a154118b89a27df9dfb85f8390766b35cd1182c7ffff1338000";
/* the calls text, call-filtered as MEW stores it, lc=4 lp=0 pb=2 */
static const uint8_t calls[] = "call:\xe8\x10\x00\x00\x00 jmp:\xe9\xf0\xff\xff\xff end.";
static const char lz_calls[] =
    "00319849ee54441a387347d7dd453da1334a9e2f51702b333f914ab7fffc2e6000";

static void
test_aplib_known(void)
{
    static uint8_t buf[256];
    const char *const streams[] = {apl_hello, apl_lits};
    size_t n, send, dend;

    for (int k = 0; k < 2; k++) {
        memset(buf, 0, sizeof(buf));
        n = unhex(streams[k], buf, 128);
        T_EQ_INT(aplib_decode(buf, sizeof(buf), 0, n, 128, 128, &send, &dend), 0);
        T_EQ_INT(send, n);
        T_EQ_INT(dend, 128 + strlen(hello));
        T_CHECK(memcmp(buf + 128, hello, strlen(hello)) == 0);
    }
    /* in place: the output window runs over the stream behind it, as in
       MEW's buffer; the output never catches up with what is unread */
    memset(buf, 0, sizeof(buf));
    n = unhex(apl_hello, buf + 200, 56);
    T_EQ_INT(aplib_decode(buf, sizeof(buf), 200, n, 0, sizeof(buf), &send, &dend), 0);
    T_EQ_INT(dend, strlen(hello));
    T_CHECK(memcmp(buf, hello, strlen(hello)) == 0);
}

static void
test_aplib_errors(void)
{
    static uint8_t buf[256];
    size_t n, send, dend;

    /* every cut of the stream fails (its end marker is the last byte) */
    n = unhex(apl_hello, buf, 128);
    for (size_t cut = 1; cut < n; cut++)
        T_EQ_INT(aplib_decode(buf, sizeof(buf), 0, cut, 128, 128, &send, &dend), -1);
    /* an output window too small */
    T_EQ_INT(aplib_decode(buf, sizeof(buf), 0, n, 128, 10, &send, &dend), -1);
    /* windows outside the buffer, or empty */
    T_EQ_INT(aplib_decode(buf, sizeof(buf), 250, n, 0, 128, &send, &dend), -1);
    T_EQ_INT(aplib_decode(buf, sizeof(buf), 0, n, 200, 100, &send, &dend), -1);
    T_EQ_INT(aplib_decode(buf, sizeof(buf), 0, 0, 128, 128, &send, &dend), -1);
    /* a reference before the output's start: literal 'a', then
       [1 1 0] with offset 5 */
    memset(buf, 0, sizeof(buf));
    buf[0] = 'a';
    buf[1] = 0xc0; /* tag bits 1 1 0 ... */
    buf[2] = 5 << 1;
    T_EQ_INT(aplib_decode(buf, sizeof(buf), 0, 8, 128, 128, &send, &dend), -1);
}

/* MEW's LZMA block list at 0x100 in a 0x8000-byte buffer: probabilities
 * at 0x1000, output at 0 (VAs at vma 0x400000). */
static size_t
mew_blocks(uint8_t *buf, const char *hex, uint32_t outlen, int special, uint32_t count)
{
    uint8_t *p = buf + 0x100;
    size_t n;

    if (special) {
        put32(p, count);
        p += 4;
    }
    put32(p, 0x401000);
    put32(p + 4, outlen);
    put32(p + 8, 0x400000);
    n = unhex(hex, p + 17, 0x400);
    put32(p + 12, (uint32_t)n);
    p[16] = 0x5d;
    return (size_t)(p + 17 - buf) + n;
}

static void
test_mewlz(void)
{
    static uint8_t buf[0x8000];
    size_t end;

    memset(buf, 0, sizeof(buf));
    end = mew_blocks(buf, lz_mew, (uint32_t)strlen(hello), 0, 0);
    /* the list ends with a zero size (16 bytes are read there) */
    T_EQ_INT(mewlz_decode(buf, sizeof(buf), 0x100, 0x400000, 0), 0);
    T_CHECK(memcmp(buf, hello, strlen(hello)) == 0);
    /* a buffer that ends inside the probabilities */
    T_EQ_INT(mewlz_decode(buf, 0x1000 + 0x6e6b, 0x100, 0x400000, 0), -1);
    T_CHECK(end < 0x1000);
    /* the call filter: operands back to little-endian and relative */
    memset(buf, 0, sizeof(buf));
    mew_blocks(buf, lz_calls, sizeof(calls) - 1, 1, sizeof(calls) - 1);
    T_EQ_INT(mewlz_decode(buf, sizeof(buf), 0x100, 0x400000, 1), 0);
    T_CHECK(memcmp(buf, calls, sizeof(calls) - 1) == 0);
    /* the probabilities outside the buffer */
    memset(buf, 0, sizeof(buf));
    mew_blocks(buf, lz_mew, (uint32_t)strlen(hello), 0, 0);
    put32(buf + 0x100, 0x407000);
    T_EQ_INT(mewlz_decode(buf, sizeof(buf), 0x100, 0x400000, 0), -1);
    /* the stream cut: every shorter buffer fails or decodes less */
    memset(buf, 0, sizeof(buf));
    end = mew_blocks(buf, lz_mew, (uint32_t)strlen(hello), 1, 0);
    for (size_t cut = 0x118; cut < end - 4; cut++) {
        static uint8_t b2[0x8000];
        memcpy(b2, buf, sizeof(b2));
        memset(b2 + cut, 0xff, sizeof(b2) - cut);
        (void)mewlz_decode(b2, sizeof(b2), 0x100, 0x400000, 1);
        T_CHECK(memcmp(b2 + 0x100, buf + 0x100, cut - 0x100) == 0);
    }
}

/* Upack's layout in a 0x10000-byte buffer: state and probabilities at
 * ebx = 0x2000 (count dwords), stream at 0x100, output at 0. */
static void
upack_setup(uint8_t *buf, uint32_t count)
{
    uint8_t *e = buf + 0x2000;

    put32(e, 0xffffffffu);
    put32(e + 4, 0);
    for (int i = 2; i < 6; i++)
        put32(e + 4 * i, 1);
    for (uint32_t i = 0; i < count; i++)
        put32(e + 0x18 + 4 * i, 0x400);
}

static void
test_upacklz(void)
{
    static uint8_t buf[0x10000];
    struct upacklz_job j = {0x2000, 0, 0, 0x101, 0, 0, 5};
    uint32_t count = 0x1c00;

    memset(buf, 0, sizeof(buf));
    unhex(lz_upack, buf + 0x100, 0x100);
    upack_setup(buf, count);
    j.end = (int64_t)strlen(hello);
    T_EQ_INT(upacklz_decode(buf, sizeof(buf), &j), 0);
    T_CHECK(memcmp(buf, hello, strlen(hello)) == 0);
    /* the probabilities not all set: the decoding goes wrong, within
       the buffer */
    memset(buf, 0, sizeof(buf));
    unhex(lz_upack, buf + 0x100, 0x100);
    upack_setup(buf, 0x100);
    (void)upacklz_decode(buf, sizeof(buf), &j);
    T_CHECK(memcmp(buf, hello, strlen(hello)) != 0);
    /* the state outside the buffer; output outside it */
    j.ebx = 0xfff0;
    T_EQ_INT(upacklz_decode(buf, sizeof(buf), &j), -1);
    j.ebx = 0x2000;
    j.edi = -10;
    j.end = 10;
    T_EQ_INT(upacklz_decode(buf, sizeof(buf), &j), -1);
    /* the input window runs off the end: bits read as ones, the output
       stays inside the buffer and the decoding ends */
    memset(buf, 0, sizeof(buf));
    upack_setup(buf, count);
    j.edi = 0;
    j.end = 0x1000;
    j.in = 0xfffe;
    (void)upacklz_decode(buf, sizeof(buf), &j);
    T_CHECK(1);
}

static void
test_pebuild(void)
{
    static uint8_t buf[0x3000];
    struct pebuild_sect s[97];
    uint8_t *out = NULL;
    size_t n = 0;

    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)i;
    s[0] = (struct pebuild_sect){0x1000, 0x1000, 0, 0x1000};
    s[1] = (struct pebuild_sect){0x2000, 0x1800, 0x1000, 0x1800};
    T_EQ_INT(pebuild_write(buf, sizeof(buf), s, 2, 0x400000, 0x1234, 0x1000, &out, &n), 0);
    /* headers and two section entries in 0x400 bytes, sections rounded
       up to the alignment */
    T_EQ_INT(n, 0x400 + 0x1000 + 0x2000);
    T_CHECK(out[0] == 'M' && out[1] == 'Z');
    T_EQ_INT(get32(out + 0x3c), 0xd0);
    T_EQ_INT(get32(out + 0xd0), 0x4550);
    T_EQ_INT(out[0xd6], 2);                           /* sections */
    T_EQ_INT(get32(out + 0xd0 + 0x28), 0x1234);       /* entry point */
    T_EQ_INT(get32(out + 0xd0 + 0x34), 0x400000);     /* image base */
    T_EQ_INT(get32(out + 0xd0 + 0x50), 0x4000);       /* size of image */
    T_EQ_INT(get32(out + 0xd0 + 0x54), 0x400);        /* size of headers */
    T_CHECK(memcmp(out + 0x1c8, ".clam01", 8) == 0);
    T_EQ_INT(get32(out + 0x1c8 + 16), 0x1000);        /* raw size */
    T_EQ_INT(get32(out + 0x1c8 + 20), 0x400);         /* raw offset */
    T_CHECK(memcmp(out + 0x1c8 + 40, ".clam02", 8) == 0);
    T_EQ_INT(get32(out + 0x1c8 + 40 + 16), 0x2000);
    T_EQ_INT(get32(out + 0x1c8 + 40 + 20), 0x1400);
    T_CHECK(memcmp(out + 0x400, buf, 0x1000) == 0);
    T_CHECK(memcmp(out + 0x1400, buf + 0x1000, 0x1800) == 0);
    free(out);
    /* a first section past the headers' page: an "empty" one first */
    s[0].rva = 0x3000;
    T_EQ_INT(pebuild_write(buf, sizeof(buf), s, 1, 0x400000, 0, 0, &out, &n), 0);
    T_EQ_INT(out[0xd6], 2);
    T_CHECK(memcmp(out + 0x1c8, "empty", 6) == 0);
    T_EQ_INT(get32(out + 0x1c8 + 8), 0x2000);
    T_EQ_INT(get32(out + 0x1c8 + 12), 0x1000);
    free(out);
    /* too many sections; a section outside the buffer */
    for (int i = 0; i < 97; i++)
        s[i] = (struct pebuild_sect){0x1000, 0x10, 0, 0x10};
    T_EQ_INT(pebuild_write(buf, sizeof(buf), s, 97, 0x400000, 0, 0, &out, &n), -1);
    T_CHECK(out == NULL);
    s[0] = (struct pebuild_sect){0x1000, 0x1000, 0x2800, 0x1000};
    T_EQ_INT(pebuild_write(buf, sizeof(buf), s, 1, 0x400000, 0, 0, &out, &n), -1);
}

int
main(void)
{
    T_RUN(test_aplib_known);
    T_RUN(test_aplib_errors);
    T_RUN(test_mewlz);
    T_RUN(test_upacklz);
    T_RUN(test_pebuild);
    T_DONE();
}
