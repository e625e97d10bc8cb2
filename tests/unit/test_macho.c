/*
 * test_macho.c - macho_parse and macho_fat_parse: ClamAV 1.4's sections
 * and (PowerPC-only) entry point, its section checks, universal binaries,
 * broken headers and every truncation.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/exe.h"
#include "t.h"

static uint8_t img[0x8000];
static struct exe_info x;

struct w {
    uint8_t *b;
    size_t at;
    int be;
};

static void
put(struct w *w, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        w->b[w->at + (w->be ? n - 1 - i : i)] = (uint8_t)(v >> (8 * i));
    w->at += n;
}

static void
zeros(struct w *w, size_t n)
{
    memset(w->b + w->at, 0, n);
    w->at += n;
}

/* Header: magic, cpu, ncmds; the walk continues from the returned writer. */
static struct w
header(int m64, int be, uint32_t cpu, uint32_t ncmds)
{
    struct w w = {img, 0, be};

    memset(img, 0xa5, sizeof(img));
    put(&w, m64 ? 0xfeedfacf : 0xfeedface, 4);
    put(&w, cpu, 4);
    put(&w, 3, 4);
    put(&w, 2, 4);
    put(&w, ncmds, 4);
    put(&w, 0, 4);
    put(&w, 0, 4);
    if (m64)
        put(&w, 0, 4);
    return w;
}

/* A segment command with n sections (addr, size, offset, align each). */
static void
segment(struct w *w, int m64, uint32_t n, const uint64_t (*s)[4])
{
    put(w, m64 ? 0x19 : 0x1, 4);
    put(w, 8 + (m64 ? 64 : 48) + n * (m64 ? 80 : 68), 4);
    zeros(w, 16);
    for (int i = 0; i < 4; i++)
        put(w, 0, m64 ? 8 : 4);
    put(w, 7, 4);
    put(w, 5, 4);
    put(w, n, 4);
    put(w, 0, 4);
    for (uint32_t i = 0; i < n; i++) {
        zeros(w, 32);
        put(w, s[i][0], m64 ? 8 : 4);
        put(w, s[i][1], m64 ? 8 : 4);
        put(w, s[i][2], 4);
        put(w, s[i][3], 4);
        zeros(w, m64 ? 24 : 20);
    }
}

static void
thread(struct w *w, size_t statelen, uint64_t pc, int pcbytes)
{
    put(w, 5, 4);
    put(w, 16 + statelen, 4);
    put(w, 1, 4);
    put(w, statelen / 4, 4);
    put(w, pc, pcbytes);
    zeros(w, statelen - pcbytes);
}

static const uint64_t two[2][4] = {{0x1000, 0x100, 0x1000, 4}, {0x2000, 0x100, 0x2000, 4}};

static void
test_sections(void)
{
    for (int m64 = 0; m64 <= 1; m64++) {
        for (int be = 0; be <= 1; be++) {
            struct w w = header(m64, be, m64 ? 0x1000007 : 7, 1);

            segment(&w, m64, 2, two);
            T_EQ_INT(macho_parse(img, 0x3000, &x), 0);
            T_EQ_INT(x.kind, EXE_MACHO);
            T_EQ_INT(x.nsections, 2);
            T_EQ_INT(x.ep, 0); /* no PowerPC thread: no entry point */
            T_EQ_INT(x.sections[0].raw_off, 0x1000);
            T_EQ_INT(x.sections[0].raw_size, 0x100);
            T_EQ_INT(x.sections[1].rva, 0x2000);
        }
    }
}

static void
test_entry(void)
{
    struct w w = header(0, 1, 18, 2); /* PowerPC, big-endian */
    uint64_t lcmain[2] = {0x1000, 0};

    segment(&w, 0, 2, two);
    thread(&w, 160, 0x2010, 4);
    T_EQ_INT(macho_parse(img, 0x3000, &x), 0);
    T_EQ_INT(x.ep, 0x2010);
    w = header(0, 1, 18, 2);
    segment(&w, 0, 2, two);
    thread(&w, 160, 0x9010, 4); /* in no section */
    T_EQ_INT(macho_parse(img, 0x3000, &x), -1);
    w = header(0, 1, 18, 1);
    thread(&w, 160, 0x9010, 4); /* no sections: the address stays */
    T_EQ_INT(macho_parse(img, 0x3000, &x), 0);
    T_EQ_INT(x.ep, 0x9010);
    w = header(1, 1, 18 | 0x1000000, 2); /* PowerPC 64 */
    segment(&w, 1, 1, two);
    thread(&w, 312, 0x1020, 8);
    T_EQ_INT(macho_parse(img, 0x3000, &x), 0);
    T_EQ_INT(x.ep, 0x1020);
    w = header(0, 0, 7, 2); /* x86: the thread state is read, eip not used */
    segment(&w, 0, 1, two);
    thread(&w, 64, 0x1010, 4);
    T_EQ_INT(macho_parse(img, 0x3000, &x), 0);
    T_EQ_INT(x.ep, 0);
    img[w.at - 64 + 0] = 0; /* cut the thread state */
    T_EQ_INT(macho_parse(img, w.at - 1, &x), -1);
    w = header(1, 0, 0x1000007, 2); /* LC_MAIN is not read */
    segment(&w, 1, 2, two);
    put(&w, 0x80000028, 4);
    put(&w, 24, 4);
    put(&w, lcmain[0], 8);
    put(&w, lcmain[1], 8);
    T_EQ_INT(macho_parse(img, 0x3000, &x), 0);
    T_EQ_INT(x.ep, 0);
}

static void
test_section_checks(void)
{
    static const struct {
        int m64;
        uint64_t size;
        uint32_t align;
        int ok;
        uint64_t rsz;
    } c[] = {
        {0, 0x123, 0, 1, 0x123},     {0, 0x123, 4, 1, 0x130},      {0, 0x123, 31, 1, 0x80000000},
        {0, 0x123, 32, 0, 0},        {0, 0xfffffff1, 4, 0, 0},     {0, 0xfffffff0, 4, 1, 0xfffffff0},
        {0, 0xffffffff, 0, 1, 0xffffffff}, {1, 0x123, 31, 1, 0x80000000}, {1, 0x123, 40, 0, 0},
        {1, 0x100000000ULL, 0, 0, 0}, {1, 0xffffffff, 0, 1, 0xffffffff}, {1, 0x80000001, 31, 0, 0},
        {1, 0, 31, 1, 0},
    };

    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        uint64_t s[2][4] = {{0x1000, c[i].size, 0x1000, c[i].align}, {0x2000, 0x10, 0x1200, 0}};
        struct w w = header(c[i].m64, 0, c[i].m64 ? 0x1000007 : 7, 1);

        segment(&w, c[i].m64, 2, (const uint64_t(*)[4])s);
        T_EQ_INT(macho_parse(img, 0x3000, &x), c[i].ok ? 0 : -1);
        if (c[i].ok)
            T_EQ_INT(x.sections[0].raw_size, c[i].rsz);
    }
}

static void
test_counts(void)
{
    static uint64_t s[256][4];
    struct w w;

    for (int i = 0; i < 256; i++) {
        s[i][0] = 0x1000 + i;
        s[i][1] = 1;
        s[i][2] = 0x100 + i;
        s[i][3] = 0;
    }
    w = header(0, 0, 7, 1);
    segment(&w, 0, 255, (const uint64_t(*)[4])s);
    T_EQ_INT(macho_parse(img, sizeof(img), &x), 0);
    T_EQ_INT(x.nsections, 255);
    w = header(0, 0, 7, 1);
    segment(&w, 0, 256, (const uint64_t(*)[4])s);
    T_EQ_INT(macho_parse(img, sizeof(img), &x), -1);
    w = header(1, 0, 0x1000007, 0);
    T_EQ_INT(macho_parse(img, 0x3000, &x), -1);
    w = header(1, 0, 0x1000007, 1025);
    T_EQ_INT(macho_parse(img, 0x3000, &x), -1);
    w = header(1, 0, 0x1000007, 1);
    put(&w, 0x1, 4); /* a 32-bit segment in a 64-bit file is skipped by cmdsize */
    put(&w, 56, 4);
    zeros(&w, 48);
    T_EQ_INT(macho_parse(img, 0x3000, &x), 0);
    T_EQ_INT(x.nsections, 0);
}

static void
test_broken(void)
{
    struct w w = header(1, 0, 0x1000007, 1);

    segment(&w, 1, 2, two);
    memcpy(img, "\xca\xfe\xba\xbe", 4); /* a universal binary is not parsed here */
    T_EQ_INT(macho_parse(img, 0x3000, &x), -1);
    T_EQ_INT(x.kind, EXE_NONE);
    T_EQ_INT(macho_parse(img, 27, &x), -1);
    w = header(1, 0, 0x1000007, 3); /* commands announced but not there */
    segment(&w, 1, 2, two);
    T_EQ_INT(macho_parse(img, w.at, &x), -1);
}

static void
test_truncations(void)
{
    struct w w = header(0, 1, 18, 2);
    size_t n;
    int ok = 0;

    segment(&w, 0, 2, two);
    thread(&w, 160, 0x2010, 4);
    n = w.at;
    for (size_t k = 0; k <= n; k++) {
        uint8_t *p = malloc(k ? k : 1);

        if (p == NULL)
            break;
        memcpy(p, img, k);
        if (macho_parse(p, k, &x) == 0)
            ok++;
        free(p);
    }
    T_EQ_INT(ok, 1); /* only the whole thing */
}

static void
test_fat(void)
{
    static const uint8_t fat[] = {
        0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2,
        0, 0, 0, 7, 0, 0, 0, 3, 0, 0, 0x10, 0, 0, 0, 0x30, 0, 0, 0, 0, 12,
        0, 0, 0, 18, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0x30, 0, 0, 0, 0, 12,
    };
    struct exe_fat_arch a[4];
    uint8_t b[64];
    size_t n;

    T_EQ_INT(macho_fat_parse(fat, sizeof(fat), a, 4, &n), 0);
    T_EQ_INT(n, 2);
    T_EQ_INT(a[0].offset, 0x1000);
    T_EQ_INT(a[0].size, 0x3000);
    T_EQ_INT(a[1].offset, 0x4000);
    T_EQ_INT(macho_fat_parse(fat, sizeof(fat), a, 1, &n), 0); /* counts past max */
    T_EQ_INT(n, 2);
    T_EQ_INT(macho_fat_parse(fat, sizeof(fat) - 1, a, 4, &n), -1); /* second member cut */
    T_EQ_INT(n, 1);
    memcpy(b, fat, sizeof(fat));
    b[7] = 0x34; /* a Java class file (version 52) */
    T_EQ_INT(macho_fat_parse(b, sizeof(fat), a, 4, &n), 1);
    b[7] = 33; /* too many members */
    T_EQ_INT(macho_fat_parse(b, sizeof(fat), a, 4, &n), -1);
    b[0] = 0xbe; /* little-endian fat header */
    b[1] = 0xba;
    b[2] = 0xfe;
    b[3] = 0xca;
    b[4] = 1;
    b[7] = 0;
    b[8 + 8] = 0x00;
    b[8 + 9] = 0x20;
    b[8 + 10] = 0;
    b[8 + 11] = 0;
    T_EQ_INT(macho_fat_parse(b, sizeof(fat), a, 4, &n), 0);
    T_EQ_INT(n, 1);
    T_EQ_INT(a[0].offset, 0x2000);
    T_EQ_INT(macho_fat_parse(b, 7, a, 4, &n), -1);
}

int
main(void)
{
    T_RUN(test_sections);
    T_RUN(test_entry);
    T_RUN(test_section_checks);
    T_RUN(test_counts);
    T_RUN(test_broken);
    T_RUN(test_truncations);
    T_RUN(test_fat);
    T_DONE();
}
