/*
 * macho.c - Mach-O headers: entry point and sections as ClamAV 1.4's
 * cli_machoheader() computes them, and the members of universal binaries
 * as cli_scanmacho_unibin() walks them.
 *
 * Thin Mach-O, 32/64-bit, either byte order. Sections come from the
 * LC_SEGMENT (32-bit files) or LC_SEGMENT_64 (64-bit files) commands, in
 * order: file offset, address and size (32 bits), the raw size being the
 * size rounded up to the section's alignment. ClamAV walks a segment by
 * the sizes of the structures it reads, not by cmdsize, and other commands
 * by cmdsize. The entry point comes only from LC_THREAD/LC_UNIXTHREAD of
 * PowerPC files (srr0); LC_MAIN is not read and the x86 thread state is
 * read but not used, so for x86, x86-64 and ARM files the entry point is
 * 0. A nonzero entry point is mapped through the first section holding it;
 * with no sections it stays the virtual address.
 *
 * ClamAV gives up when the header is short or its magic unknown, ncmds is
 * 0 or above 1024, a segment has more than 255 sections, a section's
 * alignment is 2^32 or more, its size does not fit in 32 bits or
 * overflows them when rounded up to the alignment, a command or section
 * runs past the end of the file, or the entry point is in no section. A universal binary is
 * not parsed here (ClamAV's header parser rejects its magic); each member
 * is a file of its own (macho_fat_parse).
 */
#include "formats/exe.h"

#include <string.h>

#include "core/rd.h"

struct morder {
    const uint8_t *b;
    size_t len;
    int be;
};

static int
rd32(const struct morder *r, uint64_t off, uint32_t *v)
{
    return r->be ? rd_u32be(r->b, r->len, off, v) : rd_u32le(r->b, r->len, off, v);
}

static int
rd64(const struct morder *r, uint64_t off, uint64_t *v)
{
    return r->be ? rd_u64be(r->b, r->len, off, v) : rd_u64le(r->b, r->len, off, v);
}

#define SEG32 48   /* segment_command after cmd/cmdsize */
#define SEG64 64
#define SECT32 68
#define SECT64 80
#define THREAD_X86 64
#define THREAD_PPC 160
#define THREAD_PPC64 312

/* What one walk over the load commands finds. When `want` is set, the walk
 * stops at the first of the first `limit` sections that holds `want` and
 * stores its mapping in *mapped. */
struct mwalk {
    uint32_t ep;      /* entry point address, 0 if none */
    uint32_t nsect;   /* sections seen */
    uint32_t want, limit;
    int mapped_ok;
    uint32_t mapped;
};

static int
macho_walk(const struct morder *r, int m64, int arch, uint32_t ncmds, struct exe_info *out,
           struct mwalk *w)
{
    uint64_t at = m64 ? 32 : 28;

    for (uint32_t i = 0; i < ncmds; i++) {
        uint32_t cmd = 0, cmdsize = 0, nsects = 0;

        if (rd32(r, at, &cmd) != 0 || rd32(r, at + 4, &cmdsize) != 0)
            return -1;
        at += 8;
        if ((m64 && cmd == 0x19) || (!m64 && cmd == 0x01)) {
            if (!rd_ok(r->len, at, m64 ? SEG64 : SEG32))
                return -1;
            (void)rd32(r, at + (m64 ? 56 : 40), &nsects);
            at += m64 ? SEG64 : SEG32;
            if (nsects > 255)
                return -1;
            for (uint32_t j = 0; j < nsects; j++) {
                uint32_t raw = 0, rva, vsz, align = 0, rsz;
                uint64_t a64 = 0, s64 = 0;

                if (!rd_ok(r->len, at, m64 ? SECT64 : SECT32))
                    return -1;
                if (m64) {
                    (void)rd64(r, at + 32, &a64);
                    (void)rd64(r, at + 40, &s64);
                    (void)rd32(r, at + 48, &raw);
                    (void)rd32(r, at + 52, &align);
                } else {
                    uint32_t a32 = 0, s32 = 0;

                    (void)rd32(r, at + 32, &a32);
                    (void)rd32(r, at + 36, &s32);
                    (void)rd32(r, at + 40, &raw);
                    (void)rd32(r, at + 44, &align);
                    a64 = a32;
                    s64 = s32;
                }
                at += m64 ? SECT64 : SECT32;
                /* "Section alignment or size is malformed": an alignment
                 * of 2^32 or more, a size beyond 32 bits, or a size that
                 * overflows 32 bits when rounded up to the alignment. */
                if (align >= 32 || s64 > UINT32_MAX)
                    return -1;
                rva = (uint32_t)a64;
                vsz = (uint32_t)s64;
                align = (uint32_t)1 << align;
                if (vsz % align != 0 && vsz > UINT32_MAX - (align - vsz % align))
                    return -1;
                rsz = vsz + (align - vsz % align) % align;
                if (out != NULL && w->nsect < EXE_MAX_SECTIONS) {
                    out->sections[w->nsect].raw_off = raw;
                    out->sections[w->nsect].raw_size = rsz;
                    out->sections[w->nsect].rva = rva;
                    out->sections[w->nsect].vsize = vsz;
                }
                if (w->want != 0 && !w->mapped_ok && w->nsect < w->limit && rva <= w->want &&
                    (uint32_t)(rva + vsz) > w->want) {
                    w->mapped_ok = 1;
                    w->mapped = w->want - rva + raw;
                }
                w->nsect++;
            }
        } else if (arch != 0 && (cmd == 4 || cmd == 5)) {
            at += 8; /* flavor, count */
            if (arch == 1) {
                if (!rd_ok(r->len, at, THREAD_X86))
                    return -1;
                at += THREAD_X86;
            } else if (arch == 2) {
                if (!rd_ok(r->len, at, THREAD_PPC))
                    return -1;
                (void)rd32(r, at, &w->ep);
                at += THREAD_PPC;
            } else {
                uint64_t srr0 = 0;

                if (!rd_ok(r->len, at, THREAD_PPC64))
                    return -1;
                (void)rd64(r, at, &srr0);
                w->ep = (uint32_t)srr0;
                at += THREAD_PPC64;
            }
        } else if (cmdsize > 8) {
            at += cmdsize - 8;
        }
    }
    return 0;
}

int
macho_parse(const uint8_t *buf, size_t len, struct exe_info *out)
{
    struct morder r = {buf, len, 0};
    struct mwalk w;
    uint32_t magic = 0, cpu = 0, ncmds = 0;
    int m64, arch = 0;

    memset(out, 0, sizeof(*out));
    memset(&w, 0, sizeof(w));
    if (rd_u32le(buf, len, 0, &magic) != 0 || !rd_ok(len, 0, 28))
        return -1;
    switch (magic) {
    case 0xfeedface: m64 = 0; break;
    case 0xcefaedfe: m64 = 0; r.be = 1; break;
    case 0xfeedfacf: m64 = 1; break;
    case 0xcffaedfe: m64 = 1; r.be = 1; break;
    default: return -1;
    }
    (void)rd32(&r, 4, &cpu);
    (void)rd32(&r, 16, &ncmds);
    if (cpu == 7)
        arch = 1; /* x86: the thread state is read, its eip is not used */
    else if (cpu == 18)
        arch = 2; /* PowerPC */
    else if (cpu == (18 | 0x1000000))
        arch = 3; /* PowerPC 64 */
    if (ncmds == 0 || ncmds > 1024 || macho_walk(&r, m64, arch, ncmds, out, &w) != 0)
        goto fail;
    /* ClamAV keeps the section count in 16 bits, and maps the entry point
     * through that many sections. */
    if (w.ep != 0 && w.nsect != 0) {
        struct mwalk w2;

        memset(&w2, 0, sizeof(w2));
        w2.want = w.ep;
        w2.limit = (uint16_t)w.nsect;
        if (macho_walk(&r, m64, arch, ncmds, NULL, &w2) != 0 || !w2.mapped_ok)
            goto fail;
        w.ep = w2.mapped;
    }
    out->kind = EXE_MACHO;
    out->has_ep = 1;
    out->ep = w.ep;
    out->nsections = (uint16_t)w.nsect;
    out->nrecorded = out->nsections < EXE_MAX_SECTIONS ? out->nsections : EXE_MAX_SECTIONS;
    return 0;
fail:
    memset(out, 0, sizeof(*out));
    return -1;
}

int
macho_fat_parse(const uint8_t *buf, size_t len, struct exe_fat_arch *out, size_t max,
                size_t *n)
{
    struct morder r = {buf, len, 0};
    uint32_t magic = 0, nfats = 0;

    *n = 0;
    if (rd_u32le(buf, len, 0, &magic) != 0 || !rd_ok(len, 0, 8))
        return -1;
    if (magic == 0xbebafeca)
        r.be = 1;
    else if (magic != 0xcafebabe)
        return -1;
    (void)rd32(&r, 4, &nfats);
    if ((nfats & 0xffff) >= 39)
        return 1; /* a Java class file: its version, not a member count */
    if (nfats > 32)
        return -1;
    for (uint32_t i = 0; i < nfats; i++) {
        uint64_t at = 8 + (uint64_t)i * 20;
        uint32_t off = 0, size = 0;

        if (!rd_ok(len, at, 20))
            return -1; /* ClamAV has scanned the members before this one */
        (void)rd32(&r, at + 8, &off);
        (void)rd32(&r, at + 12, &size);
        if (*n < max) {
            out[*n].offset = off;
            out[*n].size = size;
        }
        (*n)++;
    }
    return 0;
}
