/*
 * yc.c - yoda's Crypter decryption (see yc.h).
 *
 * The decryptor interpreter follows ClamAV's instruction by instruction,
 * including its quirks, since they decide which bytes come out: a
 * two-byte "ror al, cl" (D2 C8) skips one more byte than it is long, an
 * unknown opcode fails the whole file, a backward jump past the start of
 * the 0x30-byte window ends that byte's run, and every position is
 * checked against the file size with ClamAV's "<= size" bound (so one
 * byte past the end may be read and written: f holds a spare byte), and
 * 10^8 jumps in one run end it as a failed unpack.
 * Positions are 32-bit, as ClamAV's pointer differences are truncated.
 */
#include "unpack/yc.h"

#include <string.h>

#define WINDOW 0x30u
#define MAX_JUMPS 100000000u

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

static uint8_t
rol8(uint8_t a, unsigned n)
{
    n &= 7;
    return n ? (uint8_t)(a << n | a >> (8 - n)) : a;
}

static uint8_t
ror8(uint8_t a, unsigned n)
{
    n &= 7;
    return n ? (uint8_t)(a >> n | a << (8 - n)) : a;
}

/* Run the decryptor at dec over n bytes at code (at most max of them).
 * lim is the bound positions are checked against. */
static int
emulate(uint8_t *f, uint32_t lim, uint32_t dec, uint32_t code, uint32_t n, uint32_t max)
{
    uint8_t cl = (uint8_t)n;
    uint32_t jumps = MAX_JUMPS;

/* ClamAV's yc_bounds_check: a position past lim stops everything */
#define CHECK(pos)                                                                            \
    do {                                                                                      \
        if ((uint32_t)(pos) > lim)                                                            \
            return YC_BOUNDS;                                                                 \
    } while (0)

    for (uint32_t i = 0; i < n && i < max; i++) {
        uint8_t al;

        CHECK(code + i);
        al = f[(uint32_t)(code + i)];
        for (uint32_t j = 0; j < WINDOW; j++) {
            uint8_t op;

            CHECK(dec + j);
            op = f[(uint32_t)(dec + j)];
            switch (op) {
            case 0xeb: /* jmp short */
                j++;
                CHECK(dec + j);
                if (!jumps)
                    return YC_FAIL; /* (ClamAV's "virus" result without a name) */
                jumps--;
                j += (uint32_t)(int32_t)(int8_t)f[(uint32_t)(dec + j)];
                break;
            case 0xfe: /* dec al */
                al--;
                j++;
                break;
            case 0x2a: /* sub al, cl */
                al = (uint8_t)(al - cl);
                j++;
                break;
            case 0x02: /* add al, cl */
                al = (uint8_t)(al + cl);
                j++;
                break;
            case 0x32: /* xor al, cl */
                al ^= cl;
                j++;
                break;
            case 0x04: /* add al, imm8 */
                j++;
                CHECK(dec + j);
                al = (uint8_t)(al + f[(uint32_t)(dec + j)]);
                break;
            case 0x34: /* xor al, imm8 */
                j++;
                CHECK(dec + j);
                al ^= f[(uint32_t)(dec + j)];
                break;
            case 0x2c: /* sub al, imm8 */
                j++;
                CHECK(dec + j);
                al = (uint8_t)(al - f[(uint32_t)(dec + j)]);
                break;
            case 0xc0: /* rol/ror al, imm8 */
                j++;
                CHECK(dec + j);
                if (f[(uint32_t)(dec + j)] == 0xc0) {
                    j++;
                    CHECK(dec + j);
                    al = rol8(al, f[(uint32_t)(dec + j)]);
                } else {
                    j++;
                    CHECK(dec + j);
                    al = ror8(al, f[(uint32_t)(dec + j)]);
                }
                break;
            case 0xd2: /* ror/rol al, cl (one byte too many skipped, as ClamAV) */
                j++;
                CHECK(dec + j);
                if (f[(uint32_t)(dec + j)] == 0xc8)
                    al = ror8(al, cl);
                else
                    al = rol8(al, cl);
                j++;
                break;
            case 0x90:
            case 0xf8:
            case 0xf9:
                break;
            default:
                return YC_FAIL;
            }
        }
        cl--;
        CHECK(code + i);
        f[(uint32_t)(code + i)] = al;
    }
    return YC_OK;
#undef CHECK
}

/* Whether a section keeps its bytes: ClamAV leaves resources,
 * relocations, exports, read-only data, imports, TLS and yC's own. */
static int
kept(uint32_t name)
{
    static const uint32_t names[] = {
        0x63727372, /* "rsrc" */
        0x7273722e, /* ".rsr" */
        0x6f6c6572, /* "relo" */
        0x6c65722e, /* ".rel" */
        0x6164652e, /* ".eda" */
        0x6164722e, /* ".rda" */
        0x6164692e, /* ".ida" */
        0x736c742e, /* ".tls" */
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (name == names[i])
            return 1;
    return (name & 0xffff) == 0x4379; /* "yC" */
}

int
yc_decrypt(uint8_t *f, uint32_t fsize, const struct pe_image *pe, uint32_t ecx,
           int16_t offset, uint32_t *outlen)
{
    uint32_t n = pe->nsections - 1, yc = pe->sect[n].raw + (uint32_t)(int32_t)offset;
    uint32_t hdr = pe->e_lfanew, names, left;
    int r;

    *outlen = 0;
    /* the first layer: the decryptor of the section decryptor */
    if ((r = emulate(f, fsize, yc + 0x93, yc + 0xc6, ecx, ecx)) != YC_OK)
        return r;
    left = fsize - pe->sect[n].ursz;

    /* the second layer over each section that is not kept */
    names = hdr + 0x18 + pe->opt_size;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = names + i * 0x28, max;

        if (at > fsize || fsize - at < 4)
            return YC_FAIL;
        if (!pe->sect[i].raw || !pe->sect[i].rsz || kept(get32(f + at)))
            continue;
        max = left - pe->sect[i].raw;
        if (max > left)
            return YC_FAIL;
        r = emulate(f, fsize, yc + (offset == -0x18 ? 0x3ea : 0x457), pe->sect[i].raw,
                    pe->sect[i].ursz, max);
        if (r != YC_OK)
            return r;
    }

    /* the header without yC: sections, import directory, entry point,
     * image size (ClamAV writes these unchecked; vigil fails instead) */
    if (hdr > fsize || fsize - hdr < 0x88 || yc + 0xa0fu < yc || yc + 0xa0fu > fsize ||
        fsize - (yc + 0xa0fu) < 4)
        return YC_FAIL;
    f[hdr + 6] = (uint8_t)n;
    f[hdr + 7] = (uint8_t)(n >> 8);
    memset(f + hdr + 0x18 + 0x68, 0, 8);
    put32(f + hdr + 0x18 + 16, get32(f + yc + 0xa0f));
    put32(f + hdr + 0x18 + 0x38, get32(f + hdr + 0x18 + 0x38) - pe->sect[n].vsz);
    *outlen = left;
    return YC_OK;
}

static int
same(const uint8_t *p, const char *s, size_t n)
{
    return memcmp(p, s, n) == 0;
}

int
yc_detect(const struct pe_image *pe, const uint8_t *ep, uint64_t fsize, uint32_t *ecx,
          int16_t *offset)
{
    const struct pe_sect *last;
    uint32_t c = 0, need;
    int16_t off = 0;

    if (pe->nsections < 2)
        return 0;
    last = &pe->sect[pe->nsections - 1];
    if (pe->vep != last->rva + 0x60)
        return 0;
    /* yC 1.3 */
    if (same(ep, "\x55\x8b\xec\x53\x56\x57\x60\xe8\x00\x00\x00\x00\x5d\x81\xed", 15) &&
        same(ep + 0x26, "\x8d\x3a\x8b\xf7\x33\xc0\xeb\x04\x90\xeb\x01\xc2\xac", 13) &&
        ep[0x13] == 0xb9 && ep[0x18] == 0x81 && ep[0x19] == 0xe9 &&
        same(ep + 0x1e, "\x8b\xd5\x81\xc2", 4)) {
        off = 0;
        if (0x6c - get32(ep + 0xf) + get32(ep + 0x22) == 0xc6)
            c = get32(ep + 0x14) - get32(ep + 0x1a);
    }
    /* yC 1.3 variant */
    if (!c && same(ep, "\x55\x8b\xec\x83\xec\x40\x53\x56\x57", 9) &&
        same(ep + 0x17, "\xe8\x00\x00\x00\x00\x5d\x81\xed", 8) && ep[0x23] == 0xb9) {
        off = 0x10;
        if (0x6c - get32(ep + 0x1f) + get32(ep + 0x32) == 0xc6)
            c = get32(ep + 0x24) - get32(ep + 0x2a);
    }
    /* yC 1.x, modified */
    if (!c && same(ep, "\x60\xe8\x00\x00\x00\x00\x5d\x81\xed", 9) && ep[0xd] == 0xb9 &&
        ep[0x12] == 0x8d && ep[0x13] == 0xbd && same(ep + 0x18, "\x8b\xf7\xac", 3)) {
        off = -0x18;
        if (0x66 - get32(ep + 0x9) + get32(ep + 0x14) == 0xae)
            c = get32(ep + 0xe);
    }
    need = last->raw + 0xc6 + c + (uint32_t)(int32_t)off;
    if (c <= 0x800 || c >= 0x2000 || !same(ep + 0x63 + off, "\xaa\xe2\xcc", 3) || fsize < need)
        return 0;
    *ecx = c;
    *offset = off;
    return 1;
}
