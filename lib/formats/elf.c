/*
 * elf.c - ELF headers: entry point and sections as ClamAV 1.4's
 * cli_elfheader() computes them for exe-relative offsets.
 *
 * 32- and 64-bit, either byte order (e_ident[5] == 1 is little-endian,
 * anything else big-endian). The entry point is mapped to a file offset
 * through the program headers: the first segment, of any type, whose
 * [p_vaddr, p_vaddr + p_memsz) holds e_entry gives
 * e_entry - p_vaddr + p_offset (wrapping arithmetic in the class's word
 * size, then kept in 32 bits). With no program headers or e_entry 0 the
 * entry point is 0. Sections come from the section header table as they
 * are, index 0 being the null section: offset, size and address, 32 bits.
 *
 * ClamAV gives up (and exe-relative offsets never match) when the file is
 * shorter than a 32-bit ELF header (or a 64-bit one for class 2), the
 * class is neither 1 nor 2, there are more than 128 program headers or
 * more than 256 section headers, e_phentsize (when the entry point is
 * looked up) or e_shentsize (always, even with no sections) is not the
 * class's size, a header runs past the end of the file, or no segment
 * holds the entry point.
 */
#include "formats/exe.h"

#include <string.h>

#include "core/rd.h"

struct elfrd {
    const uint8_t *b;
    size_t len;
    int be;
};

static int
rd16(const struct elfrd *r, uint64_t off, uint16_t *v)
{
    return r->be ? rd_u16be(r->b, r->len, off, v) : rd_u16le(r->b, r->len, off, v);
}

static int
rd32(const struct elfrd *r, uint64_t off, uint32_t *v)
{
    return r->be ? rd_u32be(r->b, r->len, off, v) : rd_u32le(r->b, r->len, off, v);
}

static int
rd64(const struct elfrd *r, uint64_t off, uint64_t *v)
{
    return r->be ? rd_u64be(r->b, r->len, off, v) : rd_u64le(r->b, r->len, off, v);
}

/* A word of the file's class: 4 or 8 bytes. */
static int
rdw(const struct elfrd *r, int is64, uint64_t off, uint64_t *v)
{
    uint32_t w;

    if (is64)
        return rd64(r, off, v);
    if (rd32(r, off, &w) != 0)
        return -1;
    *v = w;
    return 0;
}

/* The header fields ClamAV uses. */
struct elfhdr {
    int is64;
    uint64_t entry, phoff, shoff;
    uint16_t phentsize, phnum, shentsize, shnum;
};

static int
elf_header(const struct elfrd *r, struct elfhdr *h)
{
    memset(h, 0, sizeof(*h));
    if (r->len < 52 || memcmp(r->b, "\x7f" "ELF", 4) != 0)
        return -1;
    if (r->b[4] != 1 && r->b[4] != 2)
        return -1;
    h->is64 = r->b[4] == 2;
    if (h->is64 && r->len < 64)
        return -1;
    (void)rdw(r, h->is64, 24, &h->entry);
    (void)rdw(r, h->is64, h->is64 ? 32 : 28, &h->phoff);
    (void)rdw(r, h->is64, h->is64 ? 40 : 32, &h->shoff);
    (void)rd16(r, h->is64 ? 54 : 42, &h->phentsize);
    (void)rd16(r, h->is64 ? 56 : 44, &h->phnum);
    (void)rd16(r, h->is64 ? 58 : 46, &h->shentsize);
    (void)rd16(r, h->is64 ? 60 : 48, &h->shnum);
    return 0;
}

/* The entry point's file offset (0 without program headers or entry). */
static int
elf_entry(const struct elfrd *r, const struct elfhdr *h, uint32_t *ep)
{
    uint64_t size = h->is64 ? 56 : 32, off = h->phoff;
    int found = 0;
    uint64_t fentry = 0;

    if (h->phnum > 128)
        return -1;
    *ep = 0;
    if (h->phnum == 0 || h->entry == 0)
        return 0;
    if (h->phentsize != size)
        return -1;
    /* ClamAV reads every program header before mapping the entry point. */
    for (uint16_t i = 0; i < h->phnum; i++) {
        uint64_t vaddr = 0, memsz = 0, poff = 0;

        if (!h->is64)
            off &= 0xffffffffu; /* a 32-bit file's table offset wraps in 32 bits */
        if (!rd_ok(r->len, off, size))
            return -1;
        (void)rdw(r, h->is64, off + (h->is64 ? 16 : 8), &vaddr);
        (void)rdw(r, h->is64, off + (h->is64 ? 40 : 20), &memsz);
        (void)rdw(r, h->is64, off + (h->is64 ? 8 : 4), &poff);
        if (!found) {
            uint64_t end = vaddr + memsz;

            if (!h->is64)
                end &= 0xffffffffu;
            if (vaddr <= h->entry && end > h->entry) {
                found = 1;
                fentry = h->entry - vaddr + poff;
            }
        }
        off += size;
    }
    if (!found)
        return -1;
    *ep = (uint32_t)fentry;
    return 0;
}

static int
elf_sections(const struct elfrd *r, const struct elfhdr *h, struct exe_info *out)
{
    uint64_t size = h->is64 ? 64 : 40, off = h->shoff;

    if (h->shnum > 256)
        return -1;
    out->nsections = h->shnum;
    if (h->shentsize != size)
        return -1;
    for (uint16_t i = 0; i < h->shnum; i++) {
        uint64_t addr = 0, soff = 0, ssize = 0;

        if (!h->is64)
            off &= 0xffffffffu;
        if (!rd_ok(r->len, off, size))
            return -1;
        (void)rdw(r, h->is64, off + (h->is64 ? 16 : 12), &addr);
        (void)rdw(r, h->is64, off + (h->is64 ? 24 : 16), &soff);
        (void)rdw(r, h->is64, off + (h->is64 ? 32 : 20), &ssize);
        out->sections[i].rva = (uint32_t)addr;
        out->sections[i].raw_off = (uint32_t)soff;
        out->sections[i].raw_size = (uint32_t)ssize;
        out->sections[i].vsize = 0;
        off += size;
    }
    out->nrecorded = h->shnum;
    return 0;
}

int
elf_parse(const uint8_t *buf, size_t len, struct exe_info *out)
{
    struct elfrd r = {buf, len, 0};
    struct elfhdr h;
    uint32_t ep;

    memset(out, 0, sizeof(*out));
    if (len >= 6)
        r.be = buf[5] != 1;
    if (elf_header(&r, &h) != 0 || elf_entry(&r, &h, &ep) != 0 ||
        elf_sections(&r, &h, out) != 0) {
        memset(out, 0, sizeof(*out));
        return -1;
    }
    out->kind = EXE_ELF;
    out->has_ep = 1;
    out->ep = ep;
    return 0;
}
