/*
 * test_elf.c - elf_parse: ClamAV 1.4's entry point and sections for ELF
 * 32/64-bit in both byte orders, this test's own executable, broken
 * headers, huge counts, wrapping offsets and every truncation.
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/exe.h"
#include "t.h"

static uint8_t img[0x8000];
static struct exe_info x;

struct spec {
    int is64, be;
    uint64_t entry, phoff, shoff;
    uint16_t phnum, shnum, phentsize, shentsize; /* 0xffff: the class's size */
    uint8_t cls, data;                           /* 0xff: from is64 / be */
    uint64_t ph[4][4];                           /* type, offset, vaddr, memsz */
    uint64_t sh[4][3];                           /* addr, offset, size */
    uint16_t nph, nsh;                           /* headers actually written */
};

static void
put(uint8_t *b, size_t off, uint64_t v, int n, int be)
{
    for (int i = 0; i < n; i++)
        b[off + (be ? n - 1 - i : i)] = (uint8_t)(v >> (8 * i));
}

static size_t
build(const struct spec *s, size_t len)
{
    int w = s->is64 ? 8 : 4, be = s->be;
    size_t phes = s->is64 ? 56 : 32, shes = s->is64 ? 64 : 40;

    memset(img, 0x5a, sizeof(img));
    memcpy(img, "\x7f" "ELF", 4);
    img[4] = s->cls != 0xff ? s->cls : (s->is64 ? 2 : 1);
    img[5] = s->data != 0xff ? s->data : (be ? 2 : 1);
    img[6] = 1;
    memset(img + 7, 0, 9);
    put(img, 16, 2, 2, be);
    put(img, 24, s->entry, w, be);
    put(img, 24 + w, s->phoff, w, be);
    put(img, 24 + 2 * w, s->shoff, w, be);
    put(img, 36 + 3 * (w - 4) + 6, s->phentsize != 0xffff ? s->phentsize : phes, 2, be);
    put(img, 36 + 3 * (w - 4) + 8, s->phnum, 2, be);
    put(img, 36 + 3 * (w - 4) + 10, s->shentsize != 0xffff ? s->shentsize : shes, 2, be);
    put(img, 36 + 3 * (w - 4) + 12, s->shnum, 2, be);
    for (uint16_t i = 0; i < s->nph; i++) {
        size_t o = s->phoff + i * phes;

        put(img, o, s->ph[i][0], 4, be);
        put(img, o + (s->is64 ? 8 : 4), s->ph[i][1], w, be);
        put(img, o + (s->is64 ? 16 : 8), s->ph[i][2], w, be);
        put(img, o + (s->is64 ? 40 : 20), s->ph[i][3], w, be);
    }
    for (uint16_t i = 0; i < s->nsh; i++) {
        size_t o = s->shoff + i * shes;

        put(img, o + (s->is64 ? 16 : 12), s->sh[i][0], w, be);
        put(img, o + (s->is64 ? 24 : 16), s->sh[i][1], w, be);
        put(img, o + (s->is64 ? 32 : 20), s->sh[i][2], w, be);
    }
    return len;
}

static const struct spec base = {
    .entry = 0x401010, .phoff = 64, .shoff = 0x1000, .phnum = 1, .shnum = 3,
    .phentsize = 0xffff, .shentsize = 0xffff, .cls = 0xff, .data = 0xff,
    .ph = {{1, 0, 0x400000, 0x2000}}, .nph = 1,
    .sh = {{0, 0, 0}, {0x401000, 0x800, 0x100}, {0x401100, 0x900, 0x200}}, .nsh = 3,
};

static void
test_classes_and_orders(void)
{
    for (int is64 = 0; is64 <= 1; is64++) {
        for (int be = 0; be <= 1; be++) {
            struct spec s = base;

            s.is64 = is64;
            s.be = be;
            T_EQ_INT(elf_parse(img, build(&s, 0x2000), &x), 0);
            T_EQ_INT(x.kind, EXE_ELF);
            T_EQ_INT(x.ep, 0x1010);
            T_EQ_INT(x.nsections, 3);
            T_EQ_INT(x.sections[0].raw_off, 0); /* the null section is index 0 */
            T_EQ_INT(x.sections[1].raw_off, 0x800);
            T_EQ_INT(x.sections[1].raw_size, 0x100);
            T_EQ_INT(x.sections[2].rva, 0x401100);
        }
    }
}

static void
test_entry(void)
{
    struct spec s = base;

    s.is64 = 1;
    s.entry = 0; /* no entry point: 0, and that is a success */
    T_EQ_INT(elf_parse(img, build(&s, 0x2000), &x), 0);
    T_EQ_INT(x.ep, 0);
    T_EQ_INT(x.has_ep, 1);
    s = base;
    s.phnum = 0;
    T_EQ_INT(elf_parse(img, build(&s, 0x2000), &x), 0);
    T_EQ_INT(x.ep, 0);
    s = base;
    s.entry = 0x900000; /* in no segment */
    T_EQ_INT(elf_parse(img, build(&s, 0x2000), &x), -1);
    s = base; /* the first segment that holds it, of any type */
    s.phnum = s.nph = 2;
    s.ph[0][0] = 0x6474e551;
    s.ph[0][1] = 0x300;
    s.ph[0][2] = 0x401000;
    s.ph[0][3] = 0x100;
    s.ph[1][0] = 1;
    s.ph[1][2] = 0x400000;
    s.ph[1][3] = 0x2000;
    T_EQ_INT(elf_parse(img, build(&s, 0x2000), &x), 0);
    T_EQ_INT(x.ep, 0x310);
    s = base; /* 32-bit: a segment whose end wraps holds nothing */
    s.entry = 0xfffff800;
    s.ph[0][1] = 0x100;
    s.ph[0][2] = 0xfffff000;
    s.ph[0][3] = 0x2000;
    T_EQ_INT(elf_parse(img, build(&s, 0x2000), &x), -1);
    s.ph[0][3] = 0x1000; /* ends exactly at 2^32, which wraps to 0 */
    T_EQ_INT(elf_parse(img, build(&s, 0x2000), &x), -1);
    s.ph[0][3] = 0xfff;
    T_EQ_INT(elf_parse(img, build(&s, 0x2000), &x), 0);
    T_EQ_INT(x.ep, 0x900);
    s = base; /* 64-bit: the offset is kept in 32 bits */
    s.is64 = 1;
    s.entry = 0x400000010;
    s.ph[0][1] = 0xfffffff0;
    s.ph[0][2] = 0x400000000;
    s.ph[0][3] = 0x100;
    T_EQ_INT(elf_parse(img, build(&s, 0x2000), &x), 0);
    T_EQ_INT(x.ep, 0);
}

static void
test_counts(void)
{
    struct spec s = base;

    s.is64 = 1;
    s.phnum = 129; /* more than 128 program headers: broken, entry or not */
    T_EQ_INT(elf_parse(img, build(&s, 0x8000), &x), -1);
    s.entry = 0;
    T_EQ_INT(elf_parse(img, build(&s, 0x8000), &x), -1);
    s = base; /* 128 is allowed; all are read, the first that holds the entry wins */
    s.phnum = 128;
    s.shoff = 0x2000;
    T_EQ_INT(elf_parse(img, build(&s, 0x3000), &x), 0);
    T_EQ_INT(x.ep, 0x1010);
    T_EQ_INT(elf_parse(img, 64 + 32 * 127, &x), -1); /* the last one cut */
    s = base;
    s.shnum = 256;
    s.nsh = 0;
    T_EQ_INT(elf_parse(img, build(&s, 0x8000), &x), 0);
    T_EQ_INT(x.nsections, 256);
    T_EQ_INT(x.nrecorded, 256);
    s.shnum = 257;
    T_EQ_INT(elf_parse(img, build(&s, 0x8000), &x), -1);
    s = base;
    s.shnum = 0;
    T_EQ_INT(elf_parse(img, build(&s, 0x2000), &x), 0);
    T_EQ_INT(x.nsections, 0);
    s.shentsize = 0; /* checked even with no sections */
    T_EQ_INT(elf_parse(img, build(&s, 0x2000), &x), -1);
    s = base;
    s.phentsize = 56; /* the 64-bit size in a 32-bit file */
    T_EQ_INT(elf_parse(img, build(&s, 0x2000), &x), -1);
    s.entry = 0; /* only checked when the entry point is looked up */
    T_EQ_INT(elf_parse(img, build(&s, 0x2000), &x), 0);
}

static void
test_broken(void)
{
    struct spec s = base;

    s.cls = 3;
    T_EQ_INT(elf_parse(img, build(&s, 0x2000), &x), -1);
    s = base;
    s.data = 7; /* anything but 1 is big-endian */
    s.be = 1;
    T_EQ_INT(elf_parse(img, build(&s, 0x2000), &x), 0);
    T_EQ_INT(x.ep, 0x1010);
    s = base;
    s.shoff = 0x1fe0; /* section table cut */
    T_EQ_INT(elf_parse(img, build(&s, 0x2000), &x), -1);
    s = base;
    s.phoff = 0x1ff0; /* program header cut */
    s.nph = 0;
    T_EQ_INT(elf_parse(img, build(&s, 0x2000), &x), -1);
    s = base;
    s.phoff = 0xffffffe0; /* 32-bit offsets wrap: the third header is at 0 */
    s.phnum = 3;
    s.nph = 0;
    build(&s, 0x2000);
    T_EQ_INT(elf_parse(img, 0x2000, &x), -1); /* the first two are past the file */
    s = base;
    s.is64 = 1;
    s.shoff = 0x7fffffffffffULL;
    s.nsh = 0;
    T_EQ_INT(elf_parse(img, build(&s, 0x2000), &x), -1);
    T_EQ_INT(x.kind, EXE_NONE);
    T_EQ_INT(elf_parse((const uint8_t *)"\x7f" "ELF", 4, &x), -1);
}

static void
test_truncations(void)
{
    for (int is64 = 0; is64 <= 1; is64++) {
        struct spec s = base;
        size_t n;
        int ok = 0;

        s.is64 = is64;
        n = build(&s, 0x1000 + 3 * (is64 ? 64 : 40));
        for (size_t k = 0; k <= n; k++) {
            uint8_t *p = malloc(k ? k : 1);

            if (p == NULL)
                break;
            memcpy(p, img, k);
            if (elf_parse(p, k, &x) == 0) {
                ok++;
                T_EQ_INT(k, n); /* the section table ends the file */
            }
            free(p);
        }
        T_EQ_INT(ok, 1);
    }
}

/* This executable, against a reading of it through <elf.h>. */
static void
test_self(void)
{
    FILE *f = fopen("/proc/self/exe", "rb");
    static uint8_t b[1 << 22];
    size_t n;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)b;
    uint64_t ep = 0;

    T_CHECK(f != NULL);
    if (f == NULL)
        return;
    n = fread(b, 1, sizeof(b), f);
    fclose(f);
    T_CHECK(n > sizeof(Elf64_Ehdr) && n < sizeof(b));
    T_CHECK(eh->e_ident[EI_CLASS] == ELFCLASS64);
    for (int i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph = (const Elf64_Phdr *)(b + eh->e_phoff + (size_t)i * sizeof(*ph));

        if (ph->p_vaddr <= eh->e_entry && eh->e_entry < ph->p_vaddr + ph->p_memsz) {
            ep = eh->e_entry - ph->p_vaddr + ph->p_offset;
            break;
        }
    }
    T_EQ_INT(elf_parse(b, n, &x), 0);
    T_EQ_INT(x.ep, ep);
    T_EQ_INT(x.nsections, eh->e_shnum);
    for (int i = 0; i < eh->e_shnum && i < EXE_MAX_SECTIONS; i++) {
        const Elf64_Shdr *sh = (const Elf64_Shdr *)(b + eh->e_shoff + (size_t)i * sizeof(*sh));

        T_EQ_INT(x.sections[i].raw_off, sh->sh_offset);
        T_EQ_INT(x.sections[i].raw_size, sh->sh_size);
        T_EQ_INT(x.sections[i].rva, sh->sh_addr);
    }
}

int
main(void)
{
    T_RUN(test_classes_and_orders);
    T_RUN(test_entry);
    T_RUN(test_counts);
    T_RUN(test_broken);
    T_RUN(test_truncations);
    T_RUN(test_self);
    T_DONE();
}
