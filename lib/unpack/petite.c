/*
 * petite.c - Petite 2.x unpacking (see petite.h).
 *
 * Positions are signed 64-bit offsets into buf (ClamAV's pointers), so
 * that RVAs before the image and negative distances are checked rather
 * than wrapped. The bit reader takes a byte whenever its 8-bit register
 * runs empty (a marker bit shifted in behind the data), never the last
 * byte of the buffer. A match: a gamma-coded distance class (below 3:
 * reuse the previous distance), goback more bits, the distance negated;
 * a two-bit or gamma-coded length, one to three longer for far
 * distances.
 *
 * The packed-section list (at +0x1b8, or +0x178 for 2.1, of Petite's
 * section): entries with bit 31 set move a packed area (dwords, from
 * its end) to where it is decompressed from; the others are one
 * original section each (source RVA, size, destination RVA); a zero
 * ends the list. The last section unpacked first ends with the decoder
 * (0x355 bytes, 0x35 more when relocations were kept), recognised by a
 * magic and cut off; its code holds the encrypted entry point and the
 * import array whose walk gives the key.
 */
#include "unpack/petite.h"

#include <stdlib.h>
#include <string.h>

#include "unpack/rebuild.h"

#define MAX_SECTS 96
#define MAX_IMPORT_STEPS (1u << 26) /* bounds ClamAV's quadratic import walk */
#define MAX_MOVES 256 /* packed-area moves (one or two in Petite's files) */

struct pt {
    uint8_t *buf;
    uint32_t bufsz;
    int64_t adj; /* offset of RVA 0 */
};

static uint32_t
get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ClamAV's CLI_ISCONTAINED over buf */
static int
inside(const struct pt *p, int64_t off, uint64_t n)
{
    return n > 0 && n <= p->bufsz && off >= 0 && (uint64_t)off <= p->bufsz - n;
}

static uint32_t
rd(const struct pt *p, int64_t off)
{
    return get32(p->buf + off);
}

/* One bit; -1 when a byte is needed and none is left. */
static int
nextbit(const struct pt *p, int64_t *src, uint8_t *dl)
{
    uint8_t old = *dl, now = (uint8_t)(old * 2);

    if (!(old & 0x7f)) {
        if (*src < 0 || *src >= (int64_t)p->bufsz - 1)
            return -1;
        old = p->buf[*src];
        now = (uint8_t)(old * 2 + 1);
        (*src)++;
    }
    *dl = now;
    return (old >> 7) & 1;
}

/* v = v * 2 + bit, pairs of (data, more) bits until more is 0 */
static int
gamma(const struct pt *p, int64_t *src, uint8_t *dl, uint32_t *v)
{
    int b;

    for (;;) {
        if ((b = nextbit(p, src, dl)) < 0)
            return -1;
        *v = *v * 2 + (uint32_t)b;
        if ((b = nextbit(p, src, dl)) < 0)
            return -1;
        if (!b)
            return 0;
    }
}

/* Decompress size bytes from src to dst; 0, or -1 when broken. *end is
 * where the output ended. */
static int
inflate(const struct pt *p, int64_t src, int64_t dst, uint32_t size, int64_t *end)
{
    uint32_t check1, check2, goback, back = 0, oldback = 0;
    uint8_t dl = 0;
    int b;

    if (size < 0x10000) {
        check1 = 0xffffc060u;
        check2 = 0xfffffc60u;
        goback = 5;
    } else if (size < 0x40000) {
        check1 = 0xffff8180u;
        check2 = 0xfffff980u;
        goback = 7;
    } else {
        check1 = 0xffff8300u;
        check2 = 0xfffffb00u;
        goback = 8;
    }
    if (!inside(p, src, 1) || !inside(p, dst, 1))
        return -1;
    size--;
    p->buf[dst++] = p->buf[src++];
    while (size > 0) {
        uint32_t len, add = 0;

        if ((b = nextbit(p, &src, &dl)) < 0)
            return -1;
        if (!b) {
            if (!inside(p, src, 1) || !inside(p, dst, 1))
                return -1;
            p->buf[dst++] = (uint8_t)(p->buf[src++] ^ (size & 0xff));
            size--;
            continue;
        }
        back++;
        if (gamma(p, &src, &dl, &back) < 0)
            return -1;
        back -= 3;
        if ((int32_t)back >= 0) {
            for (uint32_t k = 0; k < goback; k++) {
                if ((b = nextbit(p, &src, &dl)) < 0)
                    return -1;
                back = back * 2 + (uint32_t)b;
            }
            back ^= 0xffffffffu;
            add += 1u + ((int32_t)back < (int32_t)check2) + ((int32_t)back < (int32_t)check1);
            oldback = back;
            len = 0;
        } else {
            len = back + 1;
            back = oldback;
        }
        for (int k = 0; k < 2; k++) {
            if ((b = nextbit(p, &src, &dl)) < 0)
                return -1;
            len = len * 2 + (uint32_t)b;
        }
        if (!len) {
            len = 1;
            if (gamma(p, &src, &dl, &len) < 0)
                return -1;
            len += 2;
        }
        len += add;
        size -= len;
        /* (ClamAV's length is an int: "negative" ones fail the check) */
        if ((int32_t)len <= 0 || !inside(p, dst, len) ||
            !inside(p, dst + (int32_t)back, len))
            return -1;
        for (uint32_t k = 0; k < len; k++, dst++)
            p->buf[dst] = p->buf[dst + (int32_t)back];
        back = 0;
    }
    *end = dst;
    return 0;
}

int
petite_detect(const struct pe_image *pe, const uint8_t *ep)
{
    uint32_t v = get32(ep + 1), n = pe->nsections;

    /* level 0 (stored) is a Petite that clamscan does not unpack */
    if (ep[0] != 0xb8 || get32(ep + 0x80) == 0x163c988du)
        return 0;
    if (v == pe->sect[n - 1].rva + pe->image_base)
        return 2;
    if (n >= 2 && v == pe->sect[n - 2].rva + pe->image_base)
        return 1;
    return 0;
}

/* The original entry point from the encrypted one and the import walk. */
static uint32_t
decrypt_ep(const struct pt *p, const struct pe_image *pe, uint32_t sectcount, int version,
           uint32_t enc, uint32_t irva, int mangled, uint32_t first_rva)
{
    uint32_t virtaddr = pe->vep + 5 + pe->image_base, top = pe->sect[sectcount - 1].rva + pe->image_base;
    uint32_t steps = 0;
    int64_t thunk = p->adj + irva;
    int rndm = 0, dummy = 1, done = 0;

    if (version != 2) {
        done = 1;
    } else {
        while (dummy && inside(p, thunk, 4)) {
            int64_t imp;

            if (!rd(p, thunk)) {
                done = 1;
                break;
            }
            imp = p->adj + (int32_t)rd(p, thunk);
            thunk += 4;
            dummy = 0;
            while (inside(p, imp, 4)) {
                uint32_t api;

                if (++steps > MAX_IMPORT_STEPS)
                    return first_rva;
                dummy = 0;
                imp += 4;
                if (!(api = rd(p, imp - 4))) {
                    dummy = 1;
                    break;
                }
                if (!(api & 0x80000000u) && mangled && --rndm < 0) {
                    api = virtaddr;
                    virtaddr += 5;
                    rndm = (int)(virtaddr & 7);
                } else {
                    api = 0xbff01337u;
                }
                if (top < api)
                    enc--;
                if (api < virtaddr)
                    enc--;
                enc = (enc & 7) << 29 | ((enc & 0xfffffff8u) >> 3 & 0x1fffffffu);
            }
        }
    }
    enc = pe->vep + 5 + enc;
    return done ? enc : first_rva;
}

/* The list is done: order, size, decrypt the EP, compact, rebuild. */
static int
finish(const struct pt *p, const struct pe_image *pe, uint32_t sectcount, int version,
       struct rebuild_sect *us, int j, uint32_t enc, uint32_t irva, int mangled, uint8_t **out,
       size_t *outlen)
{
    int upd = 1, r;

    while (upd) {
        upd = 0;
        for (int t = 0; t < j - 1; t++) {
            if (us[t].rva <= us[t + 1].rva)
                continue;
            struct rebuild_sect x = us[t];
            us[t].rva = us[t + 1].rva;
            us[t].rsz = us[t + 1].rsz;
            us[t].vsz = us[t + 1].vsz;
            us[t + 1].rva = x.rva;
            us[t + 1].rsz = x.rsz;
            us[t + 1].vsz = x.vsz;
            upd = 1;
        }
    }
    for (int t = 0; t < j - 1; t++)
        us[t].vsz = us[t + 1].rva - us[t].rva;
    if (enc)
        enc = decrypt_ep(p, pe, sectcount, version, enc, irva, mangled, us[0].rva);
    for (int t = 0; t < j; t++) {
        int64_t from = p->adj + us[t].rva;

        us[t].raw = t > 0 ? us[t - 1].raw + us[t - 1].rsz : 0;
        if (us[t].rsz != 0 && inside(p, us[t].raw, us[t].rsz)) {
            /* ClamAV moves from outside its buffer here; vigil fails */
            if (!inside(p, from, us[t].rsz))
                return PETITE_FAIL;
            memmove(p->buf + us[t].raw, p->buf + from, us[t].rsz);
        }
    }
    r = rebuild_pe(p->buf, p->bufsz, us, (uint32_t)j, pe->image_base, enc, pe->dir_rva[2],
                   pe->dir_size[2], out, outlen);
    if (r == REBUILD_NOMEM)
        return PETITE_NOMEM;
    return r == REBUILD_OK ? PETITE_OK : PETITE_FAIL;
}

int
petite_unpack(uint8_t *buf, uint32_t bufsz, const struct pe_image *pe, uint32_t sectcount,
              int version, uint8_t **out, size_t *outlen)
{
    struct pt p = {buf, bufsz, -(int64_t)pe->min};
    struct rebuild_sect us[MAX_SECTS];
    uint32_t bottom = 0, enc = 0, irva = 0, grown = 0x355, skew = 0x35;
    int j = 0, mangled = 0, check4res = 0, moves = 0;
    int64_t packed;

    *out = NULL;
    *outlen = 0;
    if (sectcount == 0 || (version != 1 && version != 2))
        return PETITE_FAIL;
    packed = p.adj + pe->sect[sectcount - 1].rva + 0x1b8;
    if (version == 1) {
        packed = p.adj + pe->sect[sectcount - 1].rva + 0x178;
        grown = 0x323;
        skew = 0x34;
    }

    for (;;) {
        uint32_t srva, size, thisrva;
        int64_t src, dst, end = 0;

        if (!inside(&p, packed, 4))
            return PETITE_FAIL;
        if ((srva = rd(&p, packed)) == 0) {
            if (j <= 0)
                return PETITE_FAIL;
            return finish(&p, pe, sectcount, version, us, j, enc, irva, mangled, out, outlen);
        }
        size = srva & 0x7fffffffu;
        if (srva != size) {
            /* move a packed area to the end of its section (each may
             * cover the buffer: vigil bounds their number, ClamAV not) */
            check4res = 0;
            if (++moves > MAX_MOVES)
                return PETITE_FAIL;
            if (!inside(&p, packed + 4, 8))
                return PETITE_FAIL;
            bottom = rd(&p, packed + 8) + 4;
            src = p.adj + (int32_t)rd(&p, packed + 4) - (int64_t)(uint32_t)((size - 1) * 4);
            dst = p.adj + (int32_t)rd(&p, packed + 8) - (int64_t)(uint32_t)((size - 1) * 4);
            if (!inside(&p, src, (uint32_t)(size * 4)) || !inside(&p, dst, (uint32_t)(size * 4)))
                return PETITE_FAIL;
            memmove(buf + dst, buf + src, (uint32_t)(size * 4));
            packed += 12;
            continue;
        }

        /* one original section */
        if (!inside(&p, packed + 4, 8))
            return PETITE_FAIL;
        size = rd(&p, packed + 4);
        thisrva = rd(&p, packed + 8);
        packed += 0x10;
        if (j >= MAX_SECTS)
            return PETITE_FAIL;
        us[j].rva = thisrva;
        us[j].rsz = size;
        us[j].vsz = (int32_t)(bottom - thisrva) > 0 ? bottom - thisrva : size;
        us[j].raw = 0;
        if (!size) { /* a section with no data (relocations) */
            j++;
            continue;
        }
        src = p.adj + srva;
        dst = p.adj + thisrva;
        if (!check4res) {
            /* the first unpacked may start inside a section (the icon
             * left unpacked before it): take that section's start */
            for (uint32_t q = 0; q < sectcount; q++) {
                if (thisrva <= pe->sect[q].rva || thisrva >= pe->sect[q].rva + pe->sect[q].vsz)
                    continue;
                us[j].rva = pe->sect[q].rva;
                us[j].rsz = thisrva - pe->sect[q].rva + size;
                break;
            }
        }
        j++;
        if (inflate(&p, src, dst, size, &end) != 0)
            return PETITE_FAIL;

        /* the decoder at the end of the section: strip it */
        {
            int strip = 0;
            uint32_t reloc = 0;
            int64_t g = end - grown;

            if (us[j - 1].rsz > grown && inside(&p, g + 5 + 0x4f, 8) &&
                rd(&p, g + 5 + 0x4f) == 0x645ec033u && rd(&p, g + 5 + 0x4f + 4) == 0x1b8b188bu) {
                strip = 1;
            }
            if (!strip && us[j - 1].rsz > grown + skew && inside(&p, g + 5 + 0x4f - skew, 8) &&
                rd(&p, g + 5 + 0x4f - skew) == 0x645ec033u &&
                rd(&p, g + 5 + 0x4f + 4 - skew) == 0x1b8b188bu) {
                reloc = skew;
                strip = 1;
            }
            if (strip && inside(&p, g + 0x0f - 8 - reloc, 8)) {
                uint32_t t1 = rd(&p, g + 0x0f - 8 - reloc) ^ 0x9d6661aau;
                uint32_t t2 = rd(&p, g + 0x0f - 4 - reloc) ^ 0xe908c483u;

                if (t1 == t2 && inside(&p, g + 0x0f - reloc, 0x1c0 - 0x0f + 4)) {
                    irva = rd(&p, g + 0x121 - reloc);
                    enc = rd(&p, g + 0x0f - reloc) ^ t1;
                    mangled = rd(&p, g + 0x1c0 - reloc) != 0x90909090u;
                }
                us[j - 1].rsz -= grown + reloc;
            }
        }
        check4res++;
    }
}
