/*
 * aspack.c - ASPack 2.x decompression and rebuild (see aspack.h).
 *
 * The stream: a 24-bit window over the input (whole bytes shifted in as
 * bits are used). Each code table is canonical: the number of symbols
 * of each length 1..15 gives the limits d3[] (left-justified in 24 bits)
 * and first indexes d4[]; a symbol is found through a 256-entry table
 * of lengths for short codes (d3[8] and below) and by comparing with
 * the limits for longer ones. The code lengths are themselves coded: 19
 * four-bit lengths for a code of 19 symbols (0-15: add to the previous
 * length mod 16, 16: repeat the previous 3-6 times, 17/18: 3-10 or
 * 11-138 zeros) that sends the 757 lengths of the literal/match (721),
 * long-length (28) and distance-low-bits (8) codes.
 *
 * Symbols below 256 are literals, 720 rebuilds the tables, the others
 * give a distance class (58, with base and extra bits from the stub's
 * table) and a length; distance classes 0-2 reuse the last distances.
 * ClamAV's behaviour is followed where it matters for the output: the
 * tables persist from one block to the next, the code-length deltas are
 * taken against the previous tables, oversized shifts behave as on x86
 * (the count taken mod 32), and the stub's tables are read from the
 * image as it is being unpacked. Where ClamAV reads outside its buffer
 * (a stub that does not fit the image, a block table running off it)
 * vigil fails the unpack instead.
 */
#include "unpack/aspack.h"

#include <stdlib.h>
#include <string.h>

#include "unpack/rebuild.h"

struct ver_offsets {
    uint32_t blocks;  /* the block table */
    uint32_t mult;    /* the 58 distance-class widths */
    uint32_t comp;    /* the length and distance tables */
    uint32_t wrkbuf;  /* the byte that marks a transformed call/jump */
    uint32_t oep;     /* the original entry point */
};

static const struct ver_offsets offsets[] = {
    [ASPACK_212] = {0x57c, 0x70e, 0x6d6, 0x148, 0x39b},
    [ASPACK_OTHER] = {0x5d8, 0x76a, 0x732, 0x13a, 0x401},
    [ASPACK_242] = {0x5e4, 0x776, 0x73e, 0x148, 0x40d},
};

/* the stub's "push imm32; ret" at these EP offsets names the version */
static const uint32_t epbuf_at[] = {[ASPACK_212] = 0x3b9, [ASPACK_OTHER] = 0x41f,
                                    [ASPACK_242] = 0x42b};

#define STUFF_LEN 0x72u /* bytes of the stub's tables a block reads */
/* Blocks unpacked at most (one per section in ASPack's files): each may
 * cover the whole image, so an endless table would make the work
 * quadratic; ClamAV has no bound, vigil fails past it. */
#define MAX_BLOCKS 256u
#define NDICT 757u

/* one code table */
struct table {
    uint32_t *starts; /* symbol by canonical index */
    uint32_t size;    /* symbols */
    uint8_t ends[256];/* code length by the top 8 bits, short codes */
};

struct aspk {
    uint32_t bitpos, hash;
    uint32_t init[58];
    struct table t[4];
    uint32_t s0[721], s1[28], s2[8], s3[19];
    const uint8_t *in, *iend;
    uint8_t dict[NDICT];
    uint32_t d3[4][24], d4[4][24];
    int dict_ok;
    uint8_t array2[758];
    uint8_t array1[19];
};

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

/* x >> n as an x86 shift does it for a count n computed as int */
static uint32_t
shr(uint32_t x, int n)
{
    return x >> ((unsigned)n & 31u);
}

/* Shift whole bytes in until fewer than 8 bits are used; 0 at the end. */
static int
refill(struct aspk *s)
{
    while (s->bitpos >= 8) {
        if (s->in >= s->iend)
            return 0;
        s->hash = s->hash << 8 | *s->in++;
        s->bitpos -= 8;
    }
    return 1;
}

/* the next 24 bits of the window */
static uint32_t
window(const struct aspk *s)
{
    return (s->hash >> (8 - s->bitpos)) & 0xffffff;
}

/* One symbol of table w; *err set when the stream ends or is wrong. */
static uint32_t
getdec(struct aspk *s, unsigned w, int *err)
{
    const uint32_t *d3 = s->d3[w], *d4 = s->d4[w];
    uint32_t v, pos;

    *err = 1;
    if (!refill(s))
        return 0;
    v = window(s) & 0xfffe00;
    if (v < d3[8]) {
        pos = s->t[w].ends[v >> 16];
        if (!pos || pos >= 24)
            return 0;
    } else if (v < d3[10]) {
        pos = v < d3[9] ? 9 : 10;
    } else if (v < d3[11]) {
        pos = 11;
    } else if (v < d3[12]) {
        pos = 12;
    } else if (v < d3[13]) {
        pos = 13;
    } else {
        pos = v < d3[14] ? 14 : 15;
    }
    s->bitpos += pos;
    v = ((v - d3[pos - 1]) >> (24 - pos)) + d4[pos];
    if (v >= s->t[w].size)
        return 0;
    *err = 0;
    return s->t[w].starts[v];
}

/* n (<= 24) raw bits, truncated to a byte as ClamAV returns them */
static uint8_t
getbits(struct aspk *s, uint32_t n, int *err)
{
    uint8_t v;

    if (!refill(s)) {
        *err = 1;
        return 0;
    }
    *err = 0;
    v = (uint8_t)(window(s) >> (24 - n));
    s->bitpos += n;
    return v;
}

/* Build table w from its code lengths; 0 when they are not a complete
 * code. */
static int
build_table(struct aspk *s, const uint8_t *len, unsigned w)
{
    uint32_t *d3 = s->d3[w], *d4 = s->d4[w];
    uint32_t sum = 0, endoff = 0, count[18], next[18];
    struct table *t = &s->t[w];

    memset(count, 0, sizeof(count));
    memset(next, 0, sizeof(next));
    for (uint32_t i = 0; i < t->size; i++) {
        if (len[i] > 17)
            return 0;
        count[len[i]]++;
    }
    d3[0] = 0;
    d4[0] = 0;
    for (uint32_t i = 0, shift = 23; shift >= 9; i++, shift--) {
        sum += count[i + 1] << shift; /* wraps as ClamAV's */
        if (sum > 0x1000000)
            return 0;
        d3[i + 1] = sum;
        d4[i + 1] = next[i + 1] = count[i] + d4[i];
        if (shift >= 0x10) {
            uint32_t old = endoff;

            endoff = d3[i + 1] >> 16;
            if (endoff != old) {
                if (endoff < old || endoff > 0x100)
                    return 0;
                memset(t->ends + old, (int)(i + 1), endoff - old);
            }
        }
    }
    if (sum != 0x1000000)
        return 0;
    for (uint32_t i = 0; i < t->size; i++) {
        if (!len[i])
            continue;
        if (next[len[i]] >= t->size)
            return 0;
        t->starts[next[len[i]]++] = i;
    }
    return 1;
}

/* Read the code lengths and build the three tables. */
static int
build_tables(struct aspk *s)
{
    uint32_t n = 0, v;
    int err;

    if (!getbits(s, 1, &err))
        memset(s->dict, 0, NDICT);
    if (err)
        return 0;
    for (unsigned i = 0; i < 19; i++) {
        s->array1[i] = getbits(s, 4, &err);
        if (err)
            return 0;
    }
    if (!build_table(s, s->array1, 3))
        return 0;
    while (n < NDICT) {
        v = getdec(s, 3, &err);
        if (err)
            return 0;
        if (v < 16) {
            s->array2[1 + n] = (uint8_t)((s->dict[n] + v) & 0xf);
            n++;
        } else if (v == 16) {
            v = 3u + getbits(s, 2, &err);
            if (err)
                return 0;
            for (; v && n < NDICT; v--, n++)
                s->array2[1 + n] = s->array2[n];
        } else {
            v = v == 17 ? 3u + getbits(s, 3, &err) : 11u + getbits(s, 7, &err);
            if (err)
                return 0;
            for (; v && n < NDICT; v--, n++)
                s->array2[1 + n] = 0;
        }
    }
    if (!build_table(s, s->array2 + 1, 0) || !build_table(s, s->array2 + 722, 1) ||
        !build_table(s, s->array2 + 750, 2))
        return 0;
    s->dict_ok = 0;
    for (unsigned i = 0; i < 8; i++)
        if (s->array2[750 + i] != 3) {
            s->dict_ok = 1;
            break;
        }
    memcpy(s->dict, s->array2 + 1, NDICT);
    return 1;
}

/* Decode size bytes into image[out..); the stub's tables are at
 * image[stuff..stuff + STUFF_LEN) (read as they are now). */
static int
decode(struct aspk *s, uint8_t *image, uint32_t stuff, uint32_t size, uint32_t out)
{
    uint32_t hist[4] = {0, 0, 0, 0}, n = 0;
    int err;

    while (n < size) {
        uint32_t gen, back, len, use;

        gen = getdec(s, 0, &err);
        if (err)
            return 0;
        if (gen < 256) {
            image[out + n++] = (uint8_t)gen;
            continue;
        }
        if (gen >= 720) {
            if (!build_tables(s))
                return 0;
            continue;
        }
        if ((back = (gen - 256) >> 3) >= 58)
            return 0;
        len = ((gen - 256) & 7) + 2;
        if (len - 2 == 7) {
            uint8_t hlp;

            gen = getdec(s, 1, &err);
            if (err || gen >= 0x56)
                return 0;
            hlp = image[stuff + gen + 0x1c];
            if (!refill(s))
                return 0;
            len += image[stuff + gen] + shr(window(s), 0x18 - hlp);
            s->bitpos += hlp;
        }
        use = s->init[back];
        gen = image[stuff + back + 0x38];
        if (!s->dict_ok || gen < 3) {
            if (!refill(s))
                return 0;
            use += shr(window(s), 24 - (int)gen);
            s->bitpos += gen;
        } else {
            gen -= 3;
            if (!refill(s))
                return 0;
            use += shr(window(s), 24 - (int)gen) * 8;
            s->bitpos += gen;
            use += getdec(s, 2, &err);
            if (err)
                return 0;
        }
        if (use < 3) {
            back = hist[use];
            if (use != 0) {
                hist[use] = hist[0];
                hist[0] = back;
            }
        } else {
            hist[2] = hist[1];
            hist[1] = hist[0];
            hist[0] = back = use - 3;
        }
        back++;
        if (!back || back > n || len > size - n)
            return 0;
        for (; len; len--, n++)
            image[out + n] = image[out + n - back];
    }
    return 1;
}

/* One block: reset the tables' limits, read the first tables, decode. */
static int
block(struct aspk *s, uint8_t *image, uint32_t stuff, uint32_t size, uint32_t out)
{
    memset(s->d3, 0, sizeof(s->d3));
    memset(s->d4, 0, sizeof(s->d4));
    memset(s->dict, 0, NDICT);
    s->bitpos = 0x20;
    if (!build_tables(s))
        return 0;
    return decode(s, image, stuff, size, out);
}

/* The first block's calls and jumps: their targets were made absolute
 * and byte-swapped; i carries over as in ClamAV (only a first block of
 * 7 bytes or fewer leaves it for the next). */
static void
unfilter(uint8_t *image, uint32_t rva, uint32_t size, uint8_t mark, uint32_t *i)
{
    while (*i < size - 6) {
        uint8_t c = image[rva + *i];

        if ((c == 0xe8 || c == 0xe9) && image[rva + *i + 1] == mark) {
            uint32_t t = get32(image + rva + *i + 1) & 0xffffff00u;

            t = t << 24 | t >> 8;
            put32(image + rva + *i + 1, t - *i);
            *i += 4;
        }
        (*i)++;
    }
}

static int
inside(uint64_t len, uint64_t off, uint64_t n)
{
    return n > 0 && n <= len && off <= len - n;
}

enum aspack_ver
aspack_detect(const struct pe_image *pe, const uint8_t *ep, size_t epsize, size_t flen)
{
    static const uint8_t start[8] = {0x60, 0xe8, 0x03, 0x00, 0x00, 0x00, 0xe9, 0xeb};
    static const uint8_t push_ret[6] = {0x68, 0x00, 0x00, 0x00, 0x00, 0xc3};
    uint64_t e = pe->ep;

    if (!(e + 58 + 0x70e < flen || e + 58 + 0x76a < flen || e + 58 + 0x776 < flen))
        return ASPACK_NONE;
    if (memcmp(ep, start, sizeof(start)) != 0 || epsize < 0x3bf)
        return ASPACK_NONE;
    for (int v = ASPACK_212; v <= ASPACK_242; v++)
        if (memcmp(ep + epbuf_at[v], push_ret, sizeof(push_ret)) == 0)
            return (enum aspack_ver)v;
    return ASPACK_NONE;
}

int
aspack_unpack(uint8_t *image, uint32_t size, const struct pe_image *pe, enum aspack_ver ver,
              uint8_t **out, size_t *outlen)
{
    const struct ver_offsets *o = &offsets[ver];
    uint32_t ep = pe->vep - 1, block_rva = 1, block_size = 0, i = 0, nsect, mul = 0, nb = 0;
    uint64_t blocks = (uint64_t)ep + o->blocks;
    struct rebuild_sect rs[PE_MAX_SECTIONS];
    struct aspk *s;
    uint8_t *in = NULL;
    int r;

    *out = NULL;
    *outlen = 0;
    if (ver < ASPACK_212 || ver > ASPACK_242)
        return ASPACK_FAIL;
    /* the stub's tables, mark byte and entry point must be in the image */
    if (!inside(size, (uint64_t)ep + o->comp, STUFF_LEN) || !inside(size, (uint64_t)ep + o->wrkbuf, 1) ||
        !inside(size, (uint64_t)ep + o->oep, 4))
        return ASPACK_FAIL;
    if ((s = calloc(1, sizeof(*s))) == NULL)
        return ASPACK_NOMEM;
    s->t[0].starts = s->s0;
    s->t[0].size = 721;
    s->t[1].starts = s->s1;
    s->t[1].size = 28;
    s->t[2].starts = s->s2;
    s->t[2].size = 8;
    s->t[3].starts = s->s3;
    s->t[3].size = 19;
    s->hash = 0x10000;
    for (uint32_t k = 0; k < 58; k++) {
        s->init[k] = mul;
        if ((uint64_t)ep + k + o->mult < size)
            mul += 1u << (image[ep + k + o->mult] & 31u);
    }

    while (inside(size, blocks, 8) && (block_rva = get32(image + blocks)) != 0 &&
           (block_size = get32(image + blocks + 4)) != 0 && inside(size, block_rva, block_size)) {
        if (++nb > MAX_BLOCKS)
            break;
        if ((in = calloc(1, (size_t)block_size + 0x10e)) == NULL) {
            free(s);
            return ASPACK_NOMEM;
        }
        memcpy(in, image + block_rva, block_size);
        s->in = in;
        s->iend = in + (size_t)block_size + 0x10e;
        r = block(s, image, ep + o->comp, block_size, block_rva);
        free(in);
        if (!r)
            break;
        if (i == 0 && block_size > 7)
            unfilter(image, block_rva, block_size, image[ep + o->wrkbuf], &i);
        if (ver == ASPACK_212) {
            blocks += 8;
        } else {
            /* entries of 12 bytes; a size of -0x10e is skipped */
            blocks += 12;
            while (inside(size, blocks + 4, 4) && get32(image + blocks + 4) == 0xfffffef2u)
                blocks += 12;
        }
    }
    free(s);
    if (block_rva)
        return ASPACK_FAIL;

    nsect = pe->nsections;
    if (nsect > 2 && ep == pe->sect[nsect - 2].rva && !pe->sect[nsect - 1].rsz)
        nsect -= 2;
    for (uint32_t k = 0; k < nsect; k++) {
        rs[k].rva = pe->sect[k].rva;
        rs[k].vsz = pe->sect[k].vsz;
        rs[k].raw = pe->sect[k].rva;
        rs[k].rsz = pe->sect[k].vsz;
    }
    r = rebuild_pe(image, size, rs, nsect, pe->image_base, get32(image + ep + o->oep), 0, 0, out,
                   outlen);
    if (r == REBUILD_NOMEM)
        return ASPACK_NOMEM;
    return r == REBUILD_OK ? ASPACK_OK : ASPACK_RAW;
}
