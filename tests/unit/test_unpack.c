/*
 * test_unpack.c - the PE unpackers' decoders on known answers: NRV2B/2D/2E
 * streams (made by tests/cli/pepack.py's compressor, checked against
 * clamscan), their failure modes (cut input, references before the start,
 * output bound), and the UPX rebuild on hand-made PE images.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/pe.h"
#include "t.h"
#include "unpack/nrv2.h"
#include "unpack/upx.h"

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

static const char hello[] = "hello hello hello, world! world! world!";

/* the same text in each code */
static const char *const hello_streams[] = {
    "b0ff80fd68656c6c6f20052c20776f726c642106000000b000480000ff",
    "62ff81fd68656c6c6f200b2c20776f726c64210d922449c20000804aff",
    "89fdaffd68656c6c6f200b2c20776f726c64210d499224090000002aff",
};

static void
test_nrv2_known(void)
{
    uint8_t src[128], dst[128];
    size_t n, dlen;

    for (int k = NRV2B; k <= NRV2E; k++) {
        n = unhex(hello_streams[k], src, sizeof(src));
        memset(dst, 0, sizeof(dst));
        T_EQ_INT(nrv2_decode((enum nrv2_kind)k, src, n, dst, sizeof(dst), &dlen), 0);
        T_EQ_INT(dlen, strlen(hello));
        T_CHECK(memcmp(dst, hello, strlen(hello)) == 0);
    }
    /* literals only: one bit word, "AB", end marker */
    n = unhex("000000c0414200200100ff", src, sizeof(src));
    T_EQ_INT(nrv2_decode(NRV2B, src, n, dst, sizeof(dst), &dlen), 0);
    T_EQ_INT(dlen, 2);
    T_CHECK(memcmp(dst, "AB", 2) == 0);
}

static void
test_nrv2_errors(void)
{
    uint8_t src[128], dst[128];
    size_t n, dlen;

    /* every cut of a valid stream fails (the end marker is its last byte) */
    n = unhex(hello_streams[0], src, sizeof(src));
    for (size_t cut = 0; cut < n; cut++) {
        T_EQ_INT(nrv2_decode(NRV2B, src, cut, dst, sizeof(dst), &dlen), -1);
        T_CHECK(dlen <= strlen(hello));
    }
    /* the output bound: stops at it, what was decoded is kept */
    for (int k = NRV2B; k <= NRV2E; k++) {
        n = unhex(hello_streams[k], src, sizeof(src));
        T_EQ_INT(nrv2_decode((enum nrv2_kind)k, src, n, dst, 10, &dlen), -1);
        T_CHECK(dlen <= 10);
        T_CHECK(memcmp(dst, hello, dlen) == 0);
    }
    /* a reference before the output's start: word 0x28000000 gives bits
       0 (match), 0 1 (prefix 2: the last offset, -1 at first), 0 1
       (length 2) with nothing out yet */
    n = unhex("00000028", src, sizeof(src));
    T_EQ_INT(nrv2_decode(NRV2B, src, n, dst, sizeof(dst), &dlen), -1);
    T_EQ_INT(dlen, 0);
    /* no bit word at all */
    T_EQ_INT(nrv2_decode(NRV2E, src, 3, dst, sizeof(dst), &dlen), -1);
    T_EQ_INT(nrv2_decode(NRV2D, NULL, 0, dst, 0, &dlen), -1);
}

static void
put16(uint8_t *b, size_t off, uint16_t v)
{
    b[off] = (uint8_t)v;
    b[off + 1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *b, size_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b[off + i] = (uint8_t)(v >> (8 * i));
}

static uint32_t
get32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* A UPX-shaped PE: UPX0 (empty, 0x2000 virtual) and UPX1 at raw 0x400
 * holding stream, then the stub at EP (stream's end rounded to 16). */
static size_t
upx_pe(uint8_t *img, size_t cap, const uint8_t *stream, size_t n, int named)
{
    static const uint8_t stub2b[13] = {0x11, 0xdb, 0x11, 0xc9, 0x01, 0xdb, 0x75,
                                       0x07, 0x8b, 0x1e, 0x83, 0xee, 0xfc};
    size_t ep = (n + 15) / 16 * 16, sh = 0x80 + 24 + 0xe0;

    memset(img, 0, cap);
    memcpy(img, "MZ", 2);
    put32(img, 0x3c, 0x80);
    memcpy(img + 0x80, "PE\0\0", 4);
    put16(img, 0x84, 0x14c);
    put16(img, 0x86, 2);
    put16(img, 0x94, 0xe0);
    put16(img, 0x98, 0x10b);
    put32(img, 0x98 + 16, 0x3000 + (uint32_t)ep); /* entry point */
    put32(img, 0x98 + 28, 0x400000);
    put32(img, 0x98 + 32, 0x1000);
    put32(img, 0x98 + 36, 0x200);
    put32(img, 0x98 + 56, 0x4000);
    put32(img, 0x98 + 60, 0x400);
    put32(img, 0x98 + 92, 16);
    memcpy(img + sh, "UPX0", 4);
    put32(img, sh + 8, 0x2000);
    put32(img, sh + 12, 0x1000);
    put32(img, sh + 20, 0x400);
    memcpy(img + sh + 40, "UPX1", 4);
    put32(img, sh + 48, 0x1000);
    put32(img, sh + 52, 0x3000);
    put32(img, sh + 56, 0x400);
    put32(img, sh + 60, 0x400);
    memcpy(img + 0x400, stream, n);
    img[0x400 + ep] = 0x60;
    img[0x400 + ep + 1] = 0xbe;
    put32(img, 0x400 + ep + 2, 0x403000);
    if (named)
        memcpy(img + 0x400 + ep + 0x69, stub2b, sizeof(stub2b));
    return 0x800;
}

static void
test_upx_forge(void)
{
    static uint8_t img[0x800], ep[4096];
    static struct pe_image pe;
    uint8_t stream[128], *dst;
    size_t n = unhex(hello_streams[0], stream, sizeof(stream));
    uint32_t dsize = 0x3000, out = 0;
    struct upx_job job;

    for (int named = 0; named <= 1; named++) {
        size_t len = upx_pe(img, sizeof(img), stream, n, named);

        T_EQ_INT(pe_image_parse(img, len, &pe), 0);
        T_EQ_INT(pe.nsections, 2);
        T_EQ_INT(pe.sect[0].rsz, 0);
        T_EQ_INT(pe.image_base, 0x400000);
        memset(ep, 0, sizeof(ep));
        memcpy(ep, img + pe.ep, len - pe.ep);
        job.pe = &pe;
        job.src = img + pe.sect[1].raw;
        job.ssize = pe.sect[1].rsz;
        job.upx0 = pe.sect[0].rva;
        job.upx1 = pe.sect[1].rva;
        job.ep = ep;
        dst = calloc(1, dsize + UPX_HEADROOM);
        T_EQ_INT(upx_unpack(&job, dst, dsize, &out), 0);
        /* nothing to rebuild from: a forged header, the data at 0x200,
           one section of the data's size rounded to 4 KiB */
        T_EQ_INT(out, 0x1000 + 0x200);
        T_CHECK(memcmp(dst, "MZ", 2) == 0);
        T_EQ_INT(get32(dst + 0x3c), 0xd0);
        T_EQ_INT(get32(dst + 0xd0), 0x4550);
        T_EQ_INT(get32(dst + 0xd0 + 0xf8 + 16), 0x1000); /* SizeOfRawData */
        T_EQ_INT(get32(dst + 0xd0 + 0xf8 + 20), 0x200);  /* PointerToRawData */
        T_CHECK(memcmp(dst + 0x200, hello, strlen(hello)) == 0);
        free(dst);
    }
}

/* The rebuild from an original header: sections laid out at their
 * virtual sizes behind a 0xd0-byte DOS header. */
static void
test_upx_rebuild(void)
{
    static uint8_t src[16], dst[0x3000 + UPX_HEADROOM];
    static struct pe_image pe;
    struct upx_job job;
    uint32_t out = 0, imp = 0x2000;
    uint32_t magic[] = {0x108, 0};
    uint8_t *h;

    memset(&pe, 0, sizeof(pe));
    memset(dst, 0, sizeof(dst));
    /* decompressed: section data at 0 and 0x1000, imports at 0x2000 */
    memcpy(dst, "first section", 13);
    memcpy(dst + 0x1000, "second section", 14);
    put32(dst, imp, 0x2000);
    put32(dst, imp + 4, 0x2010);
    memcpy(dst + imp + 8, "\x01" "ExitProcess\0\0", 14);
    /* zero dword ends the table; the header follows 4 bytes on */
    h = dst + imp + 8 + 14 + 4;
    put32(h, 0, 0x4550);
    put16(h, 6, 2);
    put32(h, 0x38, 0x1000);
    memcpy(h + 0xf8, ".text", 5);
    put32(h, 0xf8 + 8, 0x800);
    put32(h, 0xf8 + 12, 0x1000);
    memcpy(h + 0xf8 + 40, ".data", 5);
    put32(h, 0xf8 + 48, 0x10);
    put32(h, 0xf8 + 52, 0x2000);
    /* the stub: EP at offset 0 of UPX1 (src), lea edi, [esi+0x2000] */
    memset(src, 0, sizeof(src));
    job.pe = &pe;
    job.upx0 = 0x1000;
    job.upx1 = 0x4000;
    job.ep = NULL;
    {
        static uint8_t stub[0x200];
        stub[0x106] = 0x8d;
        stub[0x107] = 0xbe;
        put32(stub, 0x108, imp);
        upx_rebuild(&job, 0x4000, stub, sizeof(stub), dst, 0x3000, 0x2200, magic, &out);
    }
    /* 0xd0 + 0xf8 + 2 * 0x28 = 0x218 -> 0x1000; then 0x1000 + 0x1000 */
    T_EQ_INT(out, 0x3000);
    T_EQ_INT(get32(dst + 0x3c), 0xd0);
    T_EQ_INT(get32(dst + 0xd0), 0x4550);
    T_EQ_INT(get32(dst + 0xd0 + 0x3c), 0x1000);              /* file alignment */
    T_EQ_INT(get32(dst + 0xd0 + 0xf8 + 20), 0x1000);         /* .text raw */
    T_EQ_INT(get32(dst + 0xd0 + 0xf8 + 16), 0x1000);         /* raw size = vsize */
    T_EQ_INT(get32(dst + 0xd0 + 0xf8 + 40 + 20), 0x2000);    /* .data raw */
    T_CHECK(memcmp(dst + 0x1000, "first section", 13) == 0);
    T_CHECK(memcmp(dst + 0x2000, "second section", 14) == 0);
}

/* A header whose sections lie outside the decompressed data: scanned as
 * decompressed (length unchanged). */
static void
test_upx_rebuild_out_of_bounds(void)
{
    static uint8_t dst[0x2000 + UPX_HEADROOM], stub[0x200];
    static struct pe_image pe;
    struct upx_job job;
    uint32_t out = 0, magic[] = {0x108, 0};
    uint8_t *h = dst + 0x100 + 4;

    memset(dst, 0, sizeof(dst));
    put32(h, 0, 0x4550);
    put16(h, 6, 1);
    put32(h, 0x38, 0x1000);
    put32(h, 0xf8 + 8, 0x100000);  /* far larger than the output */
    put32(h, 0xf8 + 12, 0x1000);
    stub[0x106] = 0x8d;
    stub[0x107] = 0xbe;
    put32(stub, 0x108, 0x100);
    memset(&job, 0, sizeof(job));
    job.pe = &pe;
    job.upx0 = 0x1000;
    job.upx1 = 0x4000;
    upx_rebuild(&job, 0x4000, stub, sizeof(stub), dst, 0x2000, 0x800, magic, &out);
    T_EQ_INT(out, 0x2000);
}

int
main(void)
{
    T_RUN(test_nrv2_known);
    T_RUN(test_nrv2_errors);
    T_RUN(test_upx_forge);
    T_RUN(test_upx_rebuild);
    T_RUN(test_upx_rebuild_out_of_bounds);
    T_DONE();
}
