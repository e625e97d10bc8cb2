/*
 * nsisbz.c - NSIS's bzip2 variant (see nsisbz.h).
 *
 * One block at a time: read_block decodes the Huffman/move-to-front
 * layer into tt[] and prepares the inverse Burrows-Wheeler transform
 * (each tt entry holds its byte in the low 8 bits and the index of the
 * next entry above them); emit walks that chain and undoes the
 * run-length step (four equal bytes and then a count of further copies)
 * into the caller's buffer. Every count read from the stream is checked
 * against the 900,000-byte block before it is used.
 */
#include "containers/nsisbz.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK_MAX 900000u
#define GROUP_SIZE 50
#define MAX_GROUPS 6
#define MAX_ALPHA 258
#define MAX_SELECTORS (2 + BLOCK_MAX / GROUP_SIZE)
#define MAX_CODE 20
/* longest RUNA/RUNB sequence bzip2 accepts: runbit up to 2^21 */
#define MAX_RUNBIT (1u << 21)

/* Canonical Huffman code: how many codes of each length, and the
 * symbols ordered by length, then value. */
struct huff {
    uint16_t count[MAX_CODE + 1];
    uint16_t sym[MAX_ALPHA];
};

struct nsisbz {
    const uint8_t *in;
    size_t n, pos;
    uint32_t bitbuf;
    int bitcnt;
    uint32_t *tt;     /* BLOCK_MAX entries, allocated with the first block */
    uint32_t left;    /* entries of the block not yet output */
    uint32_t tpos;    /* next entry of the chain */
    int prev;         /* last byte output in this block */
    int same;         /* times prev came in a row (0..4) */
    uint32_t rep;     /* copies of prev still to output */
    int state;        /* NSISBZ_MORE while the stream goes on */
    uint8_t selector[MAX_SELECTORS];
    struct huff h[MAX_GROUPS];
};

struct nsisbz *
nsisbz_new(const uint8_t *in, size_t n)
{
    struct nsisbz *z = calloc(1, sizeof(*z));

    if (z == NULL)
        return NULL;
    z->in = in;
    z->n = n;
    z->state = NSISBZ_MORE;
    return z;
}

void
nsisbz_free(struct nsisbz *z)
{
    if (z == NULL)
        return;
    free(z->tt);
    free(z);
}

size_t
nsisbz_left(const struct nsisbz *z)
{
    return z->n - z->pos;
}

/* The next nb (1..24) bits, most significant first. -1 at the input's end. */
static int
bits(struct nsisbz *z, int nb, uint32_t *v)
{
    while (z->bitcnt < nb) {
        if (z->pos >= z->n)
            return -1;
        z->bitbuf = z->bitbuf << 8 | z->in[z->pos++];
        z->bitcnt += 8;
    }
    *v = (z->bitbuf >> (z->bitcnt - nb)) & ((1u << nb) - 1);
    z->bitcnt -= nb;
    return 0;
}

/* Code lengths len[0..alpha) (1..20 each) into a canonical code. */
static void
huff_build(struct huff *h, const uint8_t *len, int alpha)
{
    uint16_t off[MAX_CODE + 2];

    memset(h->count, 0, sizeof(h->count));
    for (int s = 0; s < alpha; s++)
        h->count[len[s]]++;
    off[1] = 0;
    for (int l = 1; l <= MAX_CODE; l++)
        off[l + 1] = (uint16_t)(off[l] + h->count[l]);
    for (int s = 0; s < alpha; s++)
        h->sym[off[len[s]]++] = (uint16_t)s;
}

/* One symbol, bit by bit. Returns 0, NSISBZ_TRUNC or NSISBZ_BAD (a code
 * longer than any the table has). */
static int
huff_sym(struct nsisbz *z, const struct huff *h, int *sym)
{
    int code = 0, first = 0, index = 0;

    for (int l = 1; l <= MAX_CODE; l++) {
        uint32_t b;
        if (bits(z, 1, &b))
            return NSISBZ_TRUNC;
        code |= (int)b;
        if (code - first < h->count[l]) {
            *sym = h->sym[index + code - first];
            return 0;
        }
        index += h->count[l];
        first = (first + h->count[l]) << 1;
        code <<= 1;
    }
    return NSISBZ_BAD;
}

/* The symbol map, selectors and code tables of a block. *ninuse gets the
 * number of byte values used, seq[] those values; *nsel the selectors. */
static int
block_tables(struct nsisbz *z, uint8_t *seq, int *ninuse, uint32_t *nsel)
{
    uint32_t used16, u, ngroups, v;
    uint8_t mtf[MAX_GROUPS], len[MAX_ALPHA];
    int n = 0, alpha;

    if (bits(z, 16, &used16))
        return NSISBZ_TRUNC;
    for (int i = 0; i < 16; i++) {
        if (!(used16 & (0x8000u >> i)))
            continue;
        if (bits(z, 16, &u))
            return NSISBZ_TRUNC;
        for (int j = 0; j < 16; j++)
            if (u & (0x8000u >> j))
                seq[n++] = (uint8_t)(i * 16 + j);
    }
    if (n == 0)
        return NSISBZ_BAD;
    alpha = n + 2;
    if (bits(z, 3, &ngroups))
        return NSISBZ_TRUNC;
    if (bits(z, 15, nsel))
        return NSISBZ_TRUNC;
    if (ngroups < 2 || ngroups > MAX_GROUPS || *nsel < 1 || *nsel > MAX_SELECTORS)
        return NSISBZ_BAD;
    for (uint32_t g = 0; g < ngroups; g++)
        mtf[g] = (uint8_t)g;
    for (uint32_t s = 0; s < *nsel; s++) {
        uint32_t j = 0;
        uint8_t t;
        for (;;) {
            if (bits(z, 1, &v))
                return NSISBZ_TRUNC;
            if (!v)
                break;
            if (++j >= ngroups)
                return NSISBZ_BAD;
        }
        t = mtf[j];
        memmove(mtf + 1, mtf, j);
        mtf[0] = t;
        z->selector[s] = t;
    }
    for (uint32_t g = 0; g < ngroups; g++) {
        uint32_t cur;
        if (bits(z, 5, &cur))
            return NSISBZ_TRUNC;
        for (int s = 0; s < alpha; s++) {
            for (;;) {
                if (cur < 1 || cur > MAX_CODE)
                    return NSISBZ_BAD;
                if (bits(z, 1, &v))
                    return NSISBZ_TRUNC;
                if (!v)
                    break;
                if (bits(z, 1, &v))
                    return NSISBZ_TRUNC;
                cur = v ? cur - 1 : cur + 1;
            }
            len[s] = (uint8_t)cur;
        }
        huff_build(&z->h[g], len, alpha);
    }
    *ninuse = n;
    return 0;
}

/* Decode the next block into tt[] and set up its output. NSISBZ_MORE
 * when a block is ready, NSISBZ_END at the end marker. */
static int
read_block(struct nsisbz *z)
{
    uint8_t seq[256], mtf[256];
    uint32_t counts[256] = {0}, cft[256];
    uint32_t v, origptr, nsel, nblock = 0, run = 0, runbit = 1, sum = 0;
    uint32_t gi = 0, gleft = 0;
    const struct huff *h = NULL;
    int ninuse, r, sym, inrun = 0;

    if (bits(z, 8, &v))
        return NSISBZ_TRUNC;
    if (v == 0x17)
        return NSISBZ_END;
    if (v != 0x31)
        return NSISBZ_BAD;
    if (bits(z, 24, &origptr))
        return NSISBZ_TRUNC;
    if ((r = block_tables(z, seq, &ninuse, &nsel)) != 0)
        return r;
    if (z->tt == NULL && (z->tt = malloc(BLOCK_MAX * sizeof(*z->tt))) == NULL)
        return NSISBZ_NOMEM;
    for (int i = 0; i < 256; i++)
        mtf[i] = (uint8_t)i;
    for (;;) {
        if (gleft == 0) {
            if (gi >= nsel)
                return NSISBZ_BAD;
            h = &z->h[z->selector[gi++]];
            gleft = GROUP_SIZE;
        }
        gleft--;
        if ((r = huff_sym(z, h, &sym)) != 0)
            return r;
        if (sym <= 1) { /* RUNA, RUNB: copies of the front byte, in base 2 */
            if (!inrun) {
                inrun = 1;
                run = 0;
                runbit = 1;
            }
            if (runbit > MAX_RUNBIT)
                return NSISBZ_BAD;
            run += (uint32_t)(sym + 1) * runbit;
            runbit <<= 1;
            continue;
        }
        if (inrun) {
            uint8_t c = seq[mtf[0]];
            if (run > BLOCK_MAX - nblock)
                return NSISBZ_BAD;
            for (uint32_t k = 0; k < run; k++)
                z->tt[nblock++] = c;
            counts[c] += run;
            inrun = 0;
        }
        if (sym == ninuse + 1) /* end of block */
            break;
        {
            int idx = sym - 1;
            uint8_t t;
            if (idx >= ninuse || nblock >= BLOCK_MAX)
                return NSISBZ_BAD;
            t = mtf[idx];
            memmove(mtf + 1, mtf, (size_t)idx);
            mtf[0] = t;
            z->tt[nblock++] = seq[t];
            counts[seq[t]]++;
        }
    }
    if (origptr >= nblock)
        return NSISBZ_BAD;
    /* inverse BWT: link each position to the next one of the output */
    for (int c = 0; c < 256; c++) {
        cft[c] = sum;
        sum += counts[c];
    }
    for (uint32_t i = 0; i < nblock; i++)
        z->tt[cft[z->tt[i] & 0xff]++] |= i << 8;
    z->tpos = z->tt[origptr] >> 8;
    z->left = nblock;
    z->same = 0;
    z->rep = 0;
    return NSISBZ_MORE;
}

/* Output of the current block into out[0..cap). */
static size_t
emit(struct nsisbz *z, uint8_t *out, size_t cap)
{
    size_t o = 0;

    while (o < cap) {
        uint32_t t;
        uint8_t c;
        if (z->rep) {
            out[o++] = (uint8_t)z->prev;
            z->rep--;
            continue;
        }
        if (z->left == 0)
            break;
        t = z->tt[z->tpos];
        c = (uint8_t)(t & 0xff);
        z->tpos = t >> 8;
        z->left--;
        if (z->same == 4) { /* a count after four equal bytes */
            z->rep = c;
            z->same = 0;
            continue;
        }
        if (z->same > 0 && c == z->prev) {
            z->same++;
        } else {
            z->prev = c;
            z->same = 1;
        }
        out[o++] = c;
    }
    return o;
}

int
nsisbz_read(struct nsisbz *z, uint8_t *out, size_t cap, size_t *got)
{
    *got = 0;
    while (z->state == NSISBZ_MORE && *got < cap) {
        if (z->left == 0 && z->rep == 0) {
            int r = read_block(z);
            if (r != NSISBZ_MORE)
                z->state = r;
            continue;
        }
        *got += emit(z, out + *got, cap - *got);
    }
    /* the state changes only once a block is fully out */
    return z->state;
}
