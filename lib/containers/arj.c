/*
 * arj.c - ARJ archives: the main header, then one local header per file
 * (magic 0x60 0xEA, a basic header with sizes, method and flags, the name,
 * a CRC and extended headers), each followed by its compressed data.
 *
 * Methods: 0 stored; 1-3 the LZ77 + static Huffman scheme of ARJ (26 KiB
 * window, a Huffman tree for literals and lengths, one for the position
 * bits, both sent as code lengths compressed with a third tree, in blocks);
 * 4 ("fastest") with its fixed length and position codes. Garbled
 * (password-protected) members are reported encrypted. Codes are
 * canonical, so they are decoded a bit at a time from per-length counts;
 * every read is checked against the input, every copy against the output.
 */
#include "containers/walk.h"

#include <stdlib.h>
#include <string.h>

#include "containers/inflate.h"
#include "containers/sink.h"
#include "core/rd.h"

#define NC 510   /* literals, and lengths 3..256 */
#define NP 17    /* position codes */
#define NT 19    /* code-length codes */
#define CBIT 9
#define PBIT 5
#define TBIT 5
#define THRESHOLD 3
#define MAX_ENTRIES 65536

struct bits {
    const uint8_t *in;
    size_t n, pos;   /* next byte */
    uint32_t buf;    /* bits, most significant first */
    int cnt;
    int eof;         /* read past the end */
};

struct tree {
    uint16_t count[17];
    uint16_t sym[NC];
};

static uint32_t
peek(struct bits *b, int k)
{
    while (b->cnt < k) {
        uint32_t byte = 0;
        if (b->pos < b->n)
            byte = b->in[b->pos++];
        else
            b->eof++;
        b->buf = (b->buf << 8) | byte;
        b->cnt += 8;
    }
    return (b->buf >> (b->cnt - k)) & ((1u << k) - 1);
}

static uint32_t
get(struct bits *b, int k)
{
    uint32_t v;

    if (k == 0)
        return 0;
    v = peek(b, k);
    b->cnt -= k;
    b->buf &= (b->cnt ? (1u << b->cnt) - 1 : 0);
    return v;
}

/* Canonical codes from lengths (1..16); -1 if over-subscribed. */
static int
build(struct tree *t, const uint8_t *len, int n)
{
    uint16_t offs[18];
    int left = 1;

    memset(t->count, 0, sizeof(t->count));
    for (int i = 0; i < n; i++)
        t->count[len[i]]++;
    t->count[0] = 0;
    for (int l = 1; l <= 16; l++) {
        left <<= 1;
        left -= t->count[l];
        if (left < 0)
            return -1;
    }
    offs[1] = 0;
    for (int l = 1; l < 16; l++)
        offs[l + 1] = (uint16_t)(offs[l] + t->count[l]);
    for (int i = 0; i < n; i++)
        if (len[i])
            t->sym[offs[len[i]]++] = (uint16_t)i;
    return 0;
}

static int
decode(struct bits *b, const struct tree *t)
{
    int code = 0, first = 0, index = 0;

    for (int l = 1; l <= 16; l++) {
        code |= (int)get(b, 1);
        if (code - t->count[l] < first)
            return t->sym[index + (code - first)];
        index += t->count[l];
        first += t->count[l];
        first <<= 1;
        code <<= 1;
    }
    return -1;
}

/* A tree sent as code lengths: n entries of nbit bits, lengths of 7 and
 * more in unary; after entry `special`, 2 bits of zero-run. A count of 0
 * means every symbol has the one code `*single`. */
static int
read_pt(struct bits *b, struct tree *t, int nn, int nbit, int special, int *single)
{
    uint8_t len[NT > NP ? NT : NP];
    int n = (int)get(b, nbit), i = 0;

    memset(len, 0, sizeof(len));
    *single = -1;
    if (n == 0) {
        *single = (int)get(b, nbit);
        return *single < nn ? 0 : -1;
    }
    if (n > nn)
        return -1;
    while (i < n) {
        int c = (int)peek(b, 3);
        get(b, 3);
        if (c == 7) {
            while (c <= 16 && get(b, 1) == 1)
                c++;
            if (c > 16)
                return -1;
        }
        len[i++] = (uint8_t)c;
        if (i == special) {
            int z = (int)get(b, 2);
            while (z-- > 0 && i < nn)
                len[i++] = 0;
        }
    }
    return build(t, len, nn);
}

static int
read_c(struct bits *b, struct tree *ct, const struct tree *pt, int pt_single, int *single)
{
    uint8_t len[NC];
    int n = (int)get(b, CBIT), i = 0;

    memset(len, 0, sizeof(len));
    *single = -1;
    if (n == 0) {
        *single = (int)get(b, CBIT);
        return *single < NC ? 0 : -1;
    }
    if (n > NC)
        return -1;
    while (i < n) {
        int c = pt_single >= 0 ? pt_single : decode(b, pt);
        if (c < 0)
            return -1;
        if (c <= 2) {
            int z = c == 0 ? 1 : c == 1 ? (int)get(b, 4) + 3 : (int)get(b, CBIT) + 20;
            while (z-- > 0 && i < NC)
                len[i++] = 0;
        } else {
            len[i++] = (uint8_t)(c - 2);
        }
    }
    return build(ct, len, NC);
}

static int
copy(struct sink *out, uint32_t dist, uint32_t n, uint64_t *left)
{
    for (uint32_t k = 0; k < n && *left > 0; k++, (*left)--) {
        uint8_t c = dist < out->len ? out->p[out->len - dist - 1] : 0;
        if (dist >= out->len)
            return DEC_BAD;
        if (sink_byte(out, c))
            return out->nomem ? DEC_NOMEM : DEC_FULL;
    }
    return -1;
}

/* Methods 1-3. */
static int
unpack_huf(const uint8_t *in, size_t n, uint64_t size, struct sink *out)
{
    struct bits b = {in, n, 0, 0, 0, 0};
    struct tree *ct = malloc(sizeof(*ct)), *pt = malloc(sizeof(*pt)), *tt = malloc(sizeof(*tt));
    uint32_t block = 0;
    int csingle = -1, psingle = -1, tsingle = -1, r = DEC_END;
    uint64_t left = size;

    if (!ct || !pt || !tt) {
        r = DEC_NOMEM;
        goto out;
    }
    while (left > 0) {
        int c;
        if (b.eof > 4) {
            r = DEC_TRUNC;
            break;
        }
        if (block == 0) {
            block = get(&b, 16);
            if (read_pt(&b, tt, NT, TBIT, 3, &tsingle) || read_c(&b, ct, tt, tsingle, &csingle) ||
                read_pt(&b, pt, NP, PBIT, -1, &psingle)) {
                r = DEC_BAD;
                break;
            }
            if (block == 0)
                block = 0x10000; /* 16 bits of zero: a full block */
        }
        block--;
        c = csingle >= 0 ? csingle : decode(&b, ct);
        if (c < 0) {
            r = DEC_BAD;
            break;
        }
        if (c < 256) {
            if (sink_byte(out, (uint8_t)c)) {
                r = out->nomem ? DEC_NOMEM : DEC_FULL;
                break;
            }
            left--;
        } else {
            uint32_t len = (uint32_t)c - (256 - THRESHOLD), dist;
            int p = psingle >= 0 ? psingle : decode(&b, pt);
            if (p < 0) {
                r = DEC_BAD;
                break;
            }
            dist = p == 0 ? 0 : (1u << (p - 1)) + get(&b, p - 1);
            if ((r = copy(out, dist, len, &left)) != -1)
                break;
            r = DEC_END;
        }
    }
out:
    free(ct);
    free(pt);
    free(tt);
    return r;
}

/* Method 4: unary-prefixed length and position codes. */
static int
unpack_fast(const uint8_t *in, size_t n, uint64_t size, struct sink *out)
{
    struct bits b = {in, n, 0, 0, 0, 0};
    uint64_t left = size;
    int r = DEC_END;

    while (left > 0) {
        uint32_t c = 0, width, plus = 0, pwr = 1;
        if (b.eof > 4)
            return DEC_TRUNC;
        /* length: widths 0..7 */
        for (width = 0; width < 7 && get(&b, 1); width++) {
            plus += pwr;
            pwr <<= 1;
        }
        c = plus + get(&b, (int)width);
        if (c == 0) {
            if (sink_byte(out, (uint8_t)get(&b, 8)))
                return out->nomem ? DEC_NOMEM : DEC_FULL;
            left--;
            continue;
        }
        {
            uint32_t len = c - 1 + THRESHOLD, dist;
            plus = 0;
            pwr = 1u << 9;
            for (width = 9; width < 13 && get(&b, 1); width++) {
                plus += pwr;
                pwr <<= 1;
            }
            dist = plus + get(&b, (int)width);
            if ((r = copy(out, dist, len, &left)) != -1)
                return r;
            r = DEC_END;
        }
    }
    return r;
}

vg_status
arj_walk(struct walk *w)
{
    const uint8_t *b = w->buf;
    size_t n = w->len, p = 0;
    int first = 1;
    vg_status st = VG_OK;

    for (unsigned e = 0; e < MAX_ENTRIES && st == VG_OK && !walk_done(w); e++) {
        uint16_t hsize, ext;
        uint8_t fhs, flags, method, ftype;
        uint32_t csize, osize, crc;
        size_t h, data, nl;
        const uint8_t *z;
        char name[256];

        if (rd_u16le(b, n, p, &hsize) || b[p] != 0x60 || b[p + 1] != 0xea ||
            rd_u16le(b, n, p + 2, &hsize))
            break;
        if (hsize == 0 || hsize > 2600 || !rd_ok(n, p + 4, (uint64_t)hsize + 4))
            break;
        h = p + 4;
        fhs = b[h];
        flags = b[h + 4];
        method = b[h + 5];
        ftype = b[h + 6];
        if (fhs < 30 || fhs > hsize || rd_u32le(b, n, h + 12, &csize) ||
            rd_u32le(b, n, h + 16, &osize) || rd_u32le(b, n, h + 20, &crc))
            break;
        z = memchr(b + h + fhs, 0, hsize - fhs);
        nl = z ? (size_t)(z - (b + h + fhs)) : 0;
        if (nl > sizeof(name) - 1)
            nl = sizeof(name) - 1;
        memcpy(name, b + h + fhs, nl);
        name[nl] = '\0';
        /* header, its CRC, then extended headers (size, data, CRC) */
        data = h + hsize + 4;
        while (rd_u16le(b, n, data, &ext) == 0 && ext != 0 && rd_ok(n, data + 2, (uint64_t)ext + 4))
            data += 2 + (size_t)ext + 4;
        data += 2;
        if (first) {
            /* the main header describes the archive, no data follows */
            first = 0;
            p = data;
            continue;
        }
        if (data > n)
            break;
        if (ftype == 0 || ftype == 1) {
            struct member m;
            struct sink s;
            int go, r = DEC_BAD;
            size_t avail = csize < n - data ? csize : n - data;

            memset(&m, 0, sizeof(m));
            m.name = name;
            m.csize = csize;
            m.usize = osize;
            m.crc = crc;
            m.has_crc = 1;
            m.encrypted = (flags & 1) != 0;
            if ((st = walk_announce(w, &m, &go)) != VG_OK)
                break;
            if (go && avail) {
                sink_init(&s, walk_cap(w, &m));
                if (method == 0)
                    r = sink_write(&s, b + data, avail) ? DEC_FULL : DEC_END;
                else if (method <= 3)
                    r = unpack_huf(b + data, avail, osize, &s);
                else if (method == 4)
                    r = unpack_fast(b + data, avail, osize, &s);
                if (r == DEC_NOMEM || s.nomem)
                    st = VG_ENOMEM;
                else if (s.len)
                    st = walk_scan(w, &m, s.p, s.len, s.over ? WALK_TRUNCATED : 0);
                sink_free(&s);
            }
        }
        if (csize > n - data)
            break;
        p = data + csize;
    }
    return st;
}
