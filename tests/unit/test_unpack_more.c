/*
 * test_unpack_more.c - the Petite, WWPack32 and ASPack decoders and the
 * shared PE rebuild on known answers: streams made by
 * tests/cli/lib/pepack_more.py's encoders (whose whole files are checked
 * against clamscan in tests/cli/test_unpack_more.py), laid into small
 * hand-made images; their failure modes (cut streams, tables off the
 * image, references before the start); and the rebuild's layout, ghost
 * section and refusals.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/pe.h"
#include "t.h"
#include "unpack/aspack.h"
#include "unpack/petite.h"
#include "unpack/rebuild.h"
#include "unpack/wwpack.h"
#include "unpack/yc.h"

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

/* A section of the test images (aligned values = header values). */
static void
sect(struct pe_image *pe, uint32_t i, uint32_t rva, uint32_t vsz, uint32_t raw, uint32_t rsz)
{
    struct pe_sect *s = &pe->sect[i];

    s->rva = s->urva = rva;
    s->vsz = s->uvsz = vsz;
    s->raw = s->uraw = raw;
    s->rsz = s->ursz = rsz;
}

static void
test_rebuild_layout(void)
{
    static uint8_t src[0x3000];
    struct rebuild_sect s[2] = {{0x1000, 0x1000, 0, 0x300}, {0x2000, 0x800, 0x300, 0x100}};
    uint8_t *out = NULL;
    size_t len = 0;

    for (size_t i = 0; i < sizeof(src); i++)
        src[i] = (uint8_t)(i * 7);
    T_EQ_INT(rebuild_pe(src, sizeof(src), s, 2, 0x400000, 0x1234, 0x2000, 0x10, &out, &len),
             REBUILD_OK);
    T_EQ_INT(len, 0x400 + 0x400 + 0x200);
    T_CHECK(out[0] == 'M' && out[1] == 'Z');
    T_EQ_INT(get32(out + 0x3c), 0xd0);
    T_EQ_INT(get32(out + 0xd0), 0x4550);
    T_EQ_INT(out[0xd6], 2);                         /* sections */
    T_EQ_INT(get32(out + 0xd0 + 0x28), 0x1234);     /* entry point */
    T_EQ_INT(get32(out + 0xd0 + 0x34), 0x400000);   /* image base */
    T_EQ_INT(get32(out + 0xd0 + 0x50), 0x3000);     /* SizeOfImage */
    T_EQ_INT(get32(out + 0xd0 + 0x54), 0x400);      /* SizeOfHeaders */
    T_EQ_INT(get32(out + 0x148 + 0x10), 0x2000);    /* resources */
    T_EQ_INT(get32(out + 0x1c8 + 20), 0x400);       /* first raw offset */
    T_EQ_INT(get32(out + 0x1c8 + 0x28 + 20), 0x800);
    T_EQ_INT(get32(out + 0x1c8 + 0x28 + 16), 0x100);
    T_CHECK(memcmp(out + 0x400, src, 0x300) == 0);
    T_CHECK(memcmp(out + 0x800, src + 0x300, 0x100) == 0);
    free(out);
}

static void
test_rebuild_ghost_and_refusals(void)
{
    static uint8_t src[0x1000];
    static struct rebuild_sect many[97];
    struct rebuild_sect s[1] = {{0x5000, 0x1000, 0, 0x10}};
    uint8_t *out = NULL;
    size_t len = 0;

    /* the first section starts past the headers' page: an "empty" one
     * covers the gap */
    T_EQ_INT(rebuild_pe(src, sizeof(src), s, 1, 0, 0, 0, 0, &out, &len), REBUILD_OK);
    T_EQ_INT(out[0xd6], 2);
    T_CHECK(memcmp(out + 0x1c8, "empty", 5) == 0);
    T_EQ_INT(get32(out + 0x1c8 + 12), 0x1000);     /* its RVA */
    T_EQ_INT(get32(out + 0x1c8 + 8), 0x4000);      /* up to the first section */
    T_EQ_INT(get32(out + 0xd0 + 0x50), 0x6000);
    free(out);
    /* a section outside the source, too many sections */
    s[0].raw = 0xff8;
    T_EQ_INT(rebuild_pe(src, sizeof(src), s, 1, 0, 0, 0, 0, &out, &len), REBUILD_FAIL);
    T_CHECK(out == NULL);
    T_EQ_INT(rebuild_pe(src, sizeof(src), many, 97, 0, 0, 0, 0, &out, &len), REBUILD_FAIL);
}

/* The WWPack32 image: headers (e_lfanew 0x40, section table at 0x138),
 * .text at 0x1000, WWPack's section at 0x2000; one block at 0x1000. */
static int
ww_run(const char *stream, uint8_t *exe, struct pe_image *pe, uint32_t nwords)
{
    static uint8_t ww[0x400];
    size_t n;

    memset(exe, 0, 0x2000);
    memset(ww, 0, sizeof(ww));
    memset(pe, 0, sizeof(*pe));
    pe->nsections = 2;
    pe->e_lfanew = 0x40;
    sect(pe, 0, 0x1000, 0x1000, 0x400, 0x200);
    sect(pe, 1, 0x2000, 0x1000, 0x600, 0x400);
    put32(exe + 0x40, 0x4550);
    exe[0x46] = 2;
    put32(exe + 0x40 + 0x14, 0xe0);
    put32(exe + 0x40 + 0x50, 0x3000);
    n = unhex(stream, exe + 0x1000, 0x100);
    put32(ww + 0x295, 0x10);
    put32(ww + 0x2a1, 0x2000);                          /* src = 0 */
    if (!nwords)
        nwords = (uint32_t)(n / 4);
    put32(ww + 0x2a1 + 8, nwords);
    put32(ww + 0x2a1 + 12, 0x1000 + nwords * 4 - 4);  /* data at 0x1000 */
    return wwpack_unpack(exe, 0x2000, ww, sizeof(ww), pe);
}

static void
test_wwpack(void)
{
    static uint8_t exe[0x2000];
    static struct pe_image pe;
    static const char stream[] = "04e8020268656c6c6f202c20776f726c6421fcff8106000000000000";

    T_EQ_INT(ww_run(stream, exe, &pe, 0), 0);
    T_CHECK(memcmp(exe + 0x1000, hello, strlen(hello)) == 0);
    T_EQ_INT(exe[0x46], 1);                               /* WWPack's section gone */
    T_EQ_INT(get32(exe + 0x40 + 0x28), 0x10 + 0x2000 + 0x299);
    T_EQ_INT(get32(exe + 0x40 + 0x50), 0x2000);           /* image size - 0x1000 */
    T_EQ_INT(get32(exe + 0x138 + 20), 0x1000);            /* raw = RVA */
    T_EQ_INT(get32(exe + 0x138 + 0x28 + 12), 0);          /* its header cleared */
    /* literals only: "AB" */
    T_EQ_INT(ww_run("0000ff3f4142000000000000", exe, &pe, 0), 0);
    T_CHECK(memcmp(exe + 0x1000, "AB", 2) == 0);
    /* the stream cut before its end marker */
    T_EQ_INT(ww_run(stream, exe, &pe, 3), -1);
}

/* Petite: .text at 0x1000 (empty), Petite's section at 0x2000 with the
 * list at +0x1b8 and the data at +0x400; buf holds both. */
static int
pt_run(const char *stream, uint32_t srva, uint32_t size, uint8_t *buf, struct pe_image *pe,
       uint8_t **out, size_t *len)
{
    memset(buf, 0, 0x2000);
    memset(pe, 0, sizeof(*pe));
    pe->nsections = 2;
    pe->min = 0x1000;
    pe->max = 0x3000;
    pe->vep = 0x2800;
    pe->image_base = 0x400000;
    sect(pe, 0, 0x1000, 0x1000, 0x400, 0x200);
    sect(pe, 1, 0x2000, 0x1000, 0x600, 0x1000);
    put32(buf + 0x1000 + 0x1b8, srva);
    put32(buf + 0x1000 + 0x1b8 + 4, size);
    put32(buf + 0x1000 + 0x1b8 + 8, 0x1000);
    unhex(stream, buf + 0x1400, 0x100);
    return petite_unpack(buf, 0x2000, pe, 2, 2, out, len);
}

static void
test_petite(void)
{
    static uint8_t buf[0x2000];
    static struct pe_image pe;
    static const char stream[] = "68064349484c0228a03a3563067c607d742e30f00000000000000000";
    uint8_t *out = NULL;
    size_t len = 0;
    uint32_t n = (uint32_t)strlen(hello);

    T_EQ_INT(pt_run(stream, 0x2400, n, buf, &pe, &out, &len), PETITE_OK);
    T_EQ_INT(out[0xd6], 1);
    T_EQ_INT(get32(out + 0x1c8 + 12), 0x1000);
    T_EQ_INT(get32(out + 0x1c8 + 16), n);
    T_EQ_INT(get32(out + 0xd0 + 0x28), 0); /* no decoder found: no entry point */
    T_CHECK(memcmp(out + get32(out + 0x1c8 + 20), hello, n) == 0);
    free(out);
    out = NULL;
    /* more bytes asked than the stream holds: it runs off the buffer */
    T_EQ_INT(pt_run(stream, 0x2400, 0x100000, buf, &pe, &out, &len), PETITE_FAIL);
    T_CHECK(out == NULL);
    /* data before the image */
    T_EQ_INT(pt_run(stream, 0x800, n, buf, &pe, &out, &len), PETITE_FAIL);
    /* a section without data: rebuilt empty */
    T_EQ_INT(pt_run(stream, 0x2400, 0, buf, &pe, &out, &len), PETITE_OK);
    T_EQ_INT(get32(out + 0x1c8 + 16), 0);
    free(out);
}

/* ASPack 2.12: .text at 0x1000 with one block, the stub's section at
 * 0x2000 (entry point 0x2001). */
static int
as_run(const char *stream, uint32_t size, uint8_t *img, struct pe_image *pe, uint8_t **out,
       size_t *len)
{
    uint32_t ep = 0x2000;

    memset(img, 0, 0x3000);
    memset(pe, 0, sizeof(*pe));
    pe->nsections = 2;
    pe->vep = ep + 1;
    pe->image_base = 0x400000;
    sect(pe, 0, 0x1000, 0x1000, 0x400, 0x200);
    sect(pe, 1, 0x2000, 0x1000, 0x600, 0x800);
    put32(img + ep + 0x39b, 0x1010);
    img[ep + 0x148] = 0x42;
    for (uint32_t k = 0; k < 58; k++)
        img[ep + 0x70e + k] = (uint8_t)(k < 3 ? 0 : ((k - 3) / 2 > 16 ? 16 : (k - 3) / 2));
    put32(img + ep + 0x57c, 0x1000);
    put32(img + ep + 0x57c + 4, size);
    unhex(stream, img + 0x1000, 0x200);
    return aspack_unpack(img, 0x3000, pe, ASPACK_212, out, len);
}

static void
test_aspack(void)
{
    static uint8_t img[0x3000];
    static struct pe_image pe;
    static const char stream[] =
        "1a21218000000000021257bbfd565b25f049d25f35feb9c7fbfdd7bbba8d0000ef24cd57f3d3774db6db6d"
        "b6db6db6db6ddd00";
    char plain[14 * 16 + 1] = "";
    uint8_t *out = NULL;
    size_t len = 0;

    for (int i = 0; i < 16; i++)
        strcat(plain, "hello, world! ");
    T_EQ_INT(as_run(stream, 224, img, &pe, &out, &len), ASPACK_OK);
    T_CHECK(memcmp(img + 0x1000, plain, 224) == 0);
    T_EQ_INT(get32(out + 0xd0 + 0x28), 0x1010);
    T_EQ_INT(out[0xd6], 2);
    T_CHECK(memcmp(out + get32(out + 0x1c8 + 20), plain, 224) == 0);
    free(out);
    out = NULL;
    /* the stream cut: the block does not decode */
    T_EQ_INT(as_run("1a2121800000", 224, img, &pe, &out, &len), ASPACK_FAIL);
    /* a block past the image */
    T_EQ_INT(as_run(stream, 0x3000, img, &pe, &out, &len), ASPACK_FAIL);
    T_CHECK(out == NULL);
}

static void
test_yc_detect(void)
{
    static struct pe_image pe;
    static uint8_t ep[4096];
    uint32_t ecx = 0;
    int16_t off = 0;

    memset(&pe, 0, sizeof(pe));
    pe.nsections = 2;
    sect(&pe, 1, 0x3000, 0x2000, 0x800, 0x1200);
    pe.vep = 0x3060;
    memcpy(ep, "\x60\xe8\x00\x00\x00\x00\x5d\x81\xed", 9);
    put32(ep + 9, 0x2000);
    ep[0xd] = 0xb9;
    put32(ep + 0xe, 0x1000);
    ep[0x12] = 0x8d;
    ep[0x13] = 0xbd;
    put32(ep + 0x14, 0x2048);
    memcpy(ep + 0x18, "\x8b\xf7\xac", 3);
    memcpy(ep + 0x63 - 0x18, "\xaa\xe2\xcc", 3);
    T_EQ_INT(yc_detect(&pe, ep, 0x2000, &ecx, &off), 1);
    T_EQ_INT(ecx, 0x1000);
    T_EQ_INT(off, -0x18);
    /* the file too short for the decryptor, a length out of range */
    T_EQ_INT(yc_detect(&pe, ep, 0x800 + 0xc6 + 0x1000 - 0x18 - 1, &ecx, &off), 0);
    put32(ep + 0xe, 0x800);
    T_EQ_INT(yc_detect(&pe, ep, 0x2000, &ecx, &off), 0);
}

int
main(void)
{
    T_RUN(test_rebuild_layout);
    T_RUN(test_rebuild_ghost_and_refusals);
    T_RUN(test_wwpack);
    T_RUN(test_petite);
    T_RUN(test_aspack);
    T_RUN(test_yc_detect);
    T_DONE();
}
