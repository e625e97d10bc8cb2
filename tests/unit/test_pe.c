/*
 * test_pe.c - pe_parse: ClamAV 1.4's entry point and sections on real and
 * hand-made PE files, broken headers, truncations and wrapping values.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/exe.h"
#include "t.h"

#define TESTFILES "/usr/share/clamav-testfiles"

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

struct spec {
    int pe64;
    uint32_t lfanew, ndirs, salign, falign, hdrsize, ep;
    int optsize;      /* -1: the natural size */
    uint16_t nsect;   /* as written in the header */
    uint32_t sect[8][4]; /* VirtualAddress, VirtualSize, SizeOfRawData, PointerToRawData */
    size_t nwrite;    /* section headers actually written */
};

static const struct spec base = {
    .lfanew = 0x80, .ndirs = 16, .salign = 0x1000, .falign = 0x200, .hdrsize = 0x400,
    .ep = 0x1010, .optsize = -1, .nsect = 2,
    .sect = {{0x1000, 0x1000, 0x200, 0x400}, {0x2000, 0x1000, 0x400, 0x600}}, .nwrite = 2,
};

static uint8_t img[0x4000];

/* Build a PE image from s into img; returns its length (total bytes). */
static size_t
build(const struct spec *s, size_t total)
{
    size_t std = s->pe64 ? 112 : 96, opt = s->optsize < 0 ? std + 8 * (s->ndirs > 16 ? 16 : s->ndirs)
                                                            : (size_t)s->optsize;
    size_t oh = s->lfanew + 24, sh = oh + opt;

    memset(img, 0xcc, sizeof(img));
    memset(img, 0, 0x400);
    memcpy(img, "MZ", 2);
    put32(img, 60, s->lfanew);
    memcpy(img + s->lfanew, "PE\0\0", 4);
    put16(img, s->lfanew + 4, s->pe64 ? 0x8664 : 0x14c);
    put16(img, s->lfanew + 6, s->nsect);
    put16(img, s->lfanew + 20, (uint16_t)opt);
    put16(img, oh, s->pe64 ? 0x20b : 0x10b);
    put32(img, oh + 16, s->ep);
    put32(img, oh + 32, s->salign);
    put32(img, oh + 36, s->falign);
    put32(img, oh + 60, s->hdrsize);
    put16(img, oh + 68, 2);
    put32(img, oh + (s->pe64 ? 108 : 92), s->ndirs);
    for (size_t i = 0; i < s->nwrite; i++) {
        uint8_t *p = img + sh + 40 * i;

        memset(p, 0, 40);
        memcpy(p, ".text", 5);
        put32(p, 8, s->sect[i][1]);
        put32(p, 12, s->sect[i][0]);
        put32(p, 16, s->sect[i][2]);
        put32(p, 20, s->sect[i][3]);
    }
    return total;
}

static struct exe_info x;

static void
test_clam_exe(void)
{
    FILE *f = fopen(TESTFILES "/clam.exe", "rb");
    uint8_t buf[1024];
    size_t n;

    T_CHECK(f != NULL); /* clamav-testfiles is a test dependency */
    if (f == NULL)
        return;
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    T_EQ_INT(n, 544);
    T_EQ_INT(pe_parse(buf, n, &x), 0);
    T_EQ_INT(x.kind, EXE_PE);
    T_EQ_INT(x.has_ep, 1);
    T_EQ_INT(x.ep, 0x40);          /* EP below SizeOfHeaders: its own offset */
    T_EQ_INT(x.nsections, 1);
    T_EQ_INT(x.sections[0].raw_off, 0); /* PointerToRawData 1, aligned down */
    T_EQ_INT(x.sections[0].raw_size, 0x200);
    T_EQ_INT(x.pe64, 0);
}

static void
test_basic(void)
{
    struct spec s = base;
    size_t n = build(&s, 0xa00);

    T_EQ_INT(pe_parse(img, n, &x), 0);
    T_EQ_INT(x.ep, 0x410);
    T_EQ_INT(x.nsections, 2);
    T_EQ_INT(x.nrecorded, 2);
    T_EQ_INT(x.sections[0].raw_off, 0x400);
    T_EQ_INT(x.sections[0].raw_size, 0x200);
    T_EQ_INT(x.sections[0].rva, 0x1000);
    T_EQ_INT(x.sections[0].vsize, 0x1000);
    T_EQ_INT(x.sections[1].raw_off, 0x600);
    T_EQ_INT(x.sections[1].raw_size, 0x400);
    s.pe64 = 1;
    n = build(&s, 0xa00);
    T_EQ_INT(pe_parse(img, n, &x), 0);
    T_EQ_INT(x.pe64, 1);
    T_EQ_INT(x.ep, 0x410);
}

static void
test_entry_point(void)
{
    struct spec s = base;

    s.ep = 0x100; /* inside the headers */
    T_EQ_INT(pe_parse(img, build(&s, 0xa00), &x), 0);
    T_EQ_INT(x.ep, 0x100);
    s.ep = 0x3ff; /* inside the headers but past the end of the file */
    T_EQ_INT(pe_parse(img, build(&s, 0x3ff), &x), -1);
    T_EQ_INT(x.kind, EXE_NONE);
    s.ep = 0x9000; /* in no section */
    T_EQ_INT(pe_parse(img, build(&s, 0xa00), &x), -1);
    s = base; /* the last section that covers it wins */
    s.sect[1][0] = 0x1000;
    s.ep = 0x1010;
    T_EQ_INT(pe_parse(img, build(&s, 0xa00), &x), 0);
    T_EQ_INT(x.ep, 0x610);
    s = base; /* a section without raw data maps nothing */
    s.sect[1][2] = 0;
    s.ep = 0x2010;
    T_EQ_INT(pe_parse(img, build(&s, 0xa00), &x), -1);
    s = base; /* raw size cut at the end of the file limits the mapping */
    s.ep = 0x2100;
    T_EQ_INT(pe_parse(img, build(&s, 0x900), &x), 0);
    T_EQ_INT(x.ep, 0x700);
    T_EQ_INT(x.sections[1].raw_size, 0x300);
    s.ep = 0x2300;
    T_EQ_INT(pe_parse(img, build(&s, 0x900), &x), -1);
}

static void
test_sections(void)
{
    struct spec s = base;

    s.sect[1][3] = 0x8000; /* starts past the end: raw size 0, still counted */
    T_EQ_INT(pe_parse(img, build(&s, 0x800), &x), 0);
    T_EQ_INT(x.nsections, 2);
    T_EQ_INT(x.sections[1].raw_off, 0x8000);
    T_EQ_INT(x.sections[1].raw_size, 0);
    s = base; /* sign bits */
    s.sect[1][0] = 0x80002000;
    T_EQ_INT(pe_parse(img, build(&s, 0xa00), &x), -1);
    s = base;
    s.sect[1][1] = 0x80001000;
    T_EQ_INT(pe_parse(img, build(&s, 0xa00), &x), -1);
    s = base; /* the check sees SizeOfRawData after the cut at the file's end */
    s.sect[1][2] = 0x80000000;
    T_EQ_INT(pe_parse(img, build(&s, 0xa00), &x), 0);
    T_EQ_INT(x.sections[1].raw_size, 0x400);
    s = base; /* a raw pointer with bit 31 is fine without raw data */
    s.sect[1][2] = 0;
    s.sect[1][3] = 0x80000600;
    T_EQ_INT(pe_parse(img, build(&s, 0xa00), &x), 0);
    s = base; /* SizeOfRawData rounded up wraps to 0 */
    s.sect[1][2] = 0xffffff00;
    T_EQ_INT(pe_parse(img, build(&s, 0x1000), &x), -1); /* ursz has bit 31 */
    s = base; /* virtual size 0 takes the raw size */
    s.sect[0][1] = 0;
    T_EQ_INT(pe_parse(img, build(&s, 0xa00), &x), 0);
    T_EQ_INT(x.sections[0].vsize, 0x1000);
}

static void
test_alignment(void)
{
    struct spec s = base;

    /* FileAlignment 0x1000 falls back to 0x200 for a 0x200-aligned raw offset */
    s.falign = 0x1000;
    s.hdrsize = 0x1000;
    s.sect[0][3] = 0x1000;
    s.sect[1][3] = 0x1400;
    s.sect[1][2] = 0x300;
    T_EQ_INT(pe_parse(img, build(&s, 0x2000), &x), 0);
    T_EQ_INT(x.sections[1].raw_off, 0x1400);
    T_EQ_INT(x.sections[1].raw_size, 0x400);
    s.sect[1][3] = 0x1010; /* not a multiple of 0x200: 0x1000 stays */
    T_EQ_INT(pe_parse(img, build(&s, 0x3000), &x), 0);
    T_EQ_INT(x.sections[1].raw_off, 0x1000);
    T_EQ_INT(x.sections[1].raw_size, 0x1000);
    s = base; /* alignments of 0: values as they are */
    s.falign = 0;
    s.salign = 0;
    s.sect[0][3] = 0x401;
    s.sect[0][2] = 0x123;
    s.ep = 0x1004;
    T_EQ_INT(pe_parse(img, build(&s, 0xa00), &x), 0);
    T_EQ_INT(x.sections[0].raw_off, 0x401);
    T_EQ_INT(x.sections[0].raw_size, 0x123);
    T_EQ_INT(x.ep, 0x405);
    s = base; /* SizeOfHeaders is rounded up to SectionAlignment */
    s.hdrsize = 0x123;
    s.ep = 0x800;
    T_EQ_INT(pe_parse(img, build(&s, 0xa00), &x), 0);
    T_EQ_INT(x.ep, 0x800);
}

static void
test_broken_headers(void)
{
    struct spec s = base;
    size_t n;

    n = build(&s, 0xa00);
    img[0] = 'Z'; /* "ZM" is accepted as the DOS signature, like ClamAV */
    img[1] = 'M';
    T_EQ_INT(pe_parse(img, n, &x), 0);
    img[0] = 'X';
    T_EQ_INT(pe_parse(img, n, &x), -1);
    n = build(&s, 0xa00);
    put32(img, 60, 0);
    T_EQ_INT(pe_parse(img, n, &x), -1);
    put32(img, 60, 0xfffffff0); /* e_lfanew far past the file */
    T_EQ_INT(pe_parse(img, n, &x), -1);
    n = build(&s, 0xa00);
    img[0x80] = 'N';
    T_EQ_INT(pe_parse(img, n, &x), -1);
    s.nsect = 0;
    s.nwrite = 0;
    T_EQ_INT(pe_parse(img, build(&s, 0xa00), &x), -1);
    s = base;
    s.optsize = 95;
    T_EQ_INT(pe_parse(img, build(&s, 0xa00), &x), -1);
    s = base;
    s.pe64 = 1;
    s.optsize = 0xe0; /* PE32+ needs 112 + dirs */
    T_EQ_INT(pe_parse(img, build(&s, 0xa00), &x), -1);
    s = base;
    s.ndirs = 100; /* clamped to 16, which must fit */
    s.optsize = 96 + 8 * 16;
    T_EQ_INT(pe_parse(img, build(&s, 0xa00), &x), 0);
    s.optsize = 96 + 8 * 15;
    T_EQ_INT(pe_parse(img, build(&s, 0xa00), &x), -1);
    s = base; /* a longer optional header moves the section table */
    s.optsize = 96 + 8 * 16 + 64;
    T_EQ_INT(pe_parse(img, build(&s, 0xa00), &x), 0);
    s = base; /* the section table announced but cut */
    s.nsect = 8;
    T_EQ_INT(pe_parse(img, build(&s, 0x80 + 24 + 224 + 40 * 3), &x), -1);
}

static void
test_many_sections(void)
{
    static uint8_t big[0x20000];
    uint32_t n = 300, oh = 0x80 + 24, sh = oh + 224;
    size_t len = 0x4000 + 0x200 * n;

    memset(big, 0x90, sizeof(big));
    memset(big, 0, 0x4000);
    memcpy(big, "MZ", 2);
    put32(big, 60, 0x80);
    memcpy(big + 0x80, "PE\0\0", 4);
    put16(big, 0x80 + 6, (uint16_t)n);
    put16(big, 0x80 + 20, 224);
    put16(big, oh, 0x10b);
    put32(big, oh + 16, 0x1000 * n + 0x10); /* in the last section */
    put32(big, oh + 32, 0x1000);
    put32(big, oh + 36, 0x200);
    put32(big, oh + 60, 0x4000);
    put32(big, oh + 92, 16);
    for (uint32_t i = 0; i < n; i++) {
        put32(big, sh + 40 * i + 8, 0x1000);
        put32(big, sh + 40 * i + 12, 0x1000 * (i + 1));
        put32(big, sh + 40 * i + 16, 0x200);
        put32(big, sh + 40 * i + 20, 0x4000 + 0x200 * i);
    }
    T_EQ_INT(pe_parse(big, len, &x), 0);
    T_EQ_INT(x.nsections, 300);            /* ClamAV 1.4 has no limit */
    T_EQ_INT(x.nrecorded, EXE_MAX_SECTIONS);
    T_EQ_INT(x.ep, 0x4000 + 0x200 * (n - 1) + 0x10);
    T_EQ_INT(x.sections[255].raw_off, 0x4000 + 0x200 * 255);
    put16(big, 0x80 + 6, 0xffff); /* a count whose table runs off the file */
    T_EQ_INT(pe_parse(big, len, &x), -1);
}

/* Every prefix of a valid image parses or fails cleanly (ASan checks). */
static void
test_truncations(void)
{
    struct spec s = base;
    size_t n = build(&s, 0xa00);
    int ok = 0;

    for (size_t k = 0; k <= n; k++) {
        uint8_t *p = malloc(k ? k : 1);

        if (p == NULL)
            break;
        memcpy(p, img, k);
        if (pe_parse(p, k, &x) == 0) {
            ok++;
            T_CHECK(k >= 0x80 + 24 + 224 + 80); /* headers and section table */
            T_EQ_INT(x.ep, 0x410);
        }
        free(p);
    }
    T_CHECK(ok > 0);
    T_EQ_INT(pe_parse(NULL, 0, &x), -1);
}

int
main(void)
{
    T_RUN(test_clam_exe);
    T_RUN(test_basic);
    T_RUN(test_entry_point);
    T_RUN(test_sections);
    T_RUN(test_alignment);
    T_RUN(test_broken_headers);
    T_RUN(test_many_sections);
    T_RUN(test_truncations);
    T_DONE();
}
