/*
 * lzx.c - LZX decoding (see lzx.h), following libmspack's lzxd step for
 * step so that what clamscan extracts from a CHM is what vigil extracts:
 *
 *   - bits come MSB first from 16-bit little-endian words; a Huffman
 *     symbol is decoded only after 16 bits are buffered (so the stream's
 *     padding is used up where libmspack uses it up);
 *   - a frame of 32 KiB (the last one shorter) starts, every reset
 *     interval, with the Huffman lengths cleared, the repeated offsets at
 *     1 and the Intel E8 header read again;
 *   - blocks are verbatim, aligned-offset or uncompressed; the main and
 *     length trees are read as deltas through a 20-symbol pre-tree, and a
 *     run may spill past the table's end into its safety margin as in
 *     libmspack (those lengths are part of the next table build);
 *   - a tree whose lengths are not a complete prefix code is an error,
 *     except an all-zero length tree (no long matches in the block);
 *   - matches may not run past the window's end; offsets past the data
 *     decoded so far are an error.
 * Decoding is bounded by the input (every symbol takes at least one bit)
 * and by the output asked for.
 */
#include "containers/lzx.h"

#include <stdlib.h>
#include <string.h>

#define NUM_CHARS 256
#define MAIN_MAX (NUM_CHARS + 290 * 8) /* as libmspack, LZX DELTA's size */
#define LEN_MAX (249 + 1)
#define SAFETY 64
#define MAXBITS 16

enum { BT_INVALID = 0, BT_VERBATIM = 1, BT_ALIGNED = 2, BT_UNCOMPRESSED = 3 };

/* A canonical Huffman code: counts per length and symbols in code order. */
struct huff {
    uint16_t count[MAXBITS + 1];
    uint16_t sym[MAIN_MAX];
};

struct lzx {
    /* input */
    const uint8_t *in;
    size_t inlen, ipos;
    int pad;              /* padding bytes handed out at the end (2 at most) */
    uint32_t bitbuf;
    int bitsleft;
    /* configuration */
    uint32_t window_size, reset_interval, num_offsets;
    uint64_t length;
    uint8_t *window;
    /* state */
    uint32_t R0, R1, R2;
    int header_read, block_type, length_empty, intel_started;
    int32_t intel_filesize;
    uint32_t block_length, block_remaining;
    uint32_t window_posn, frame_posn, frame;
    uint64_t offset;      /* bytes output so far */
    int error;
    /* the frame waiting to be output */
    const uint8_t *optr, *oend;
    uint8_t main_len[MAIN_MAX + SAFETY], length_len[LEN_MAX + SAFETY];
    uint8_t aligned_len[8], pre_len[20 + SAFETY];
    struct huff main_t, length_t, aligned_t, pre_t;
    uint8_t e8[LZX_FRAME];
};

static const uint8_t position_slots[7] = {30, 32, 34, 36, 38, 42, 50};

/* extra_bits(i): 0 for slots 0..3, floor(i/2) - 1 up to slot 35, then
 * 17; position_base(i): the sum of 2^extra_bits over the slots before i. */
static uint32_t
extra_bits(uint32_t slot)
{
    return slot < 4 ? 0 : slot < 36 ? slot / 2 - 1 : 17;
}

static uint32_t
position_base(uint32_t slot)
{
    if (slot < 4)
        return slot;
    if (slot < 36)
        return (2u + (slot & 1)) << (slot / 2 - 1);
    return 262144u + (slot - 36) * 131072u;
}

/* The next input byte; past the end two zero bytes, then failure. */
static int
next_byte(struct lzx *z, uint8_t *b)
{
    if (z->ipos < z->inlen) {
        *b = z->in[z->ipos++];
        return 0;
    }
    if (z->pad < 2) {
        z->pad++;
        *b = 0;
        return 0;
    }
    return -1;
}

static int
ensure(struct lzx *z, int n)
{
    while (z->bitsleft < n) {
        uint8_t b0, b1;
        if (next_byte(z, &b0) != 0 || next_byte(z, &b1) != 0)
            return -1;
        z->bitbuf |= (uint32_t)((b1 << 8) | b0) << (32 - 16 - z->bitsleft);
        z->bitsleft += 16;
    }
    return 0;
}

static uint32_t
peek(const struct lzx *z, int n)
{
    return z->bitbuf >> (32 - n);
}

static void
drop(struct lzx *z, int n)
{
    z->bitbuf = n >= 32 ? 0 : z->bitbuf << n;
    z->bitsleft -= n;
}

static int
read_bits(struct lzx *z, int n, uint32_t *v)
{
    if (ensure(z, n) != 0)
        return -1;
    *v = peek(z, n);
    drop(z, n);
    return 0;
}

/* Build a canonical code over lens[0..n). 0: a complete code; 1: all
 * lengths zero; -1: over- or under-subscribed. A length over 16 (a delta
 * run can wrap a length below zero, as in libmspack) gives its symbol no
 * code, as libmspack's table builder never places it, but is not zero. */
static int
huff_build(struct huff *h, const uint8_t *lens, unsigned n)
{
    uint16_t offs[MAXBITS + 2];
    int32_t left = 1;
    unsigned used = 0, absent = 0;

    memset(h->count, 0, sizeof(h->count));
    for (unsigned i = 0; i < n; i++) {
        if (lens[i] > MAXBITS)
            absent++;
        else
            h->count[lens[i]]++;
    }
    for (unsigned len = 1; len <= MAXBITS; len++) {
        left = left * 2 - h->count[len];
        used += h->count[len];
        if (left < 0)
            return -1;
    }
    if (used == 0 && absent == 0)
        return 1;
    if (left != 0)
        return -1;
    offs[1] = 0;
    for (unsigned len = 1; len <= MAXBITS; len++)
        offs[len + 1] = (uint16_t)(offs[len] + h->count[len]);
    for (unsigned i = 0; i < n; i++)
        if (lens[i] && lens[i] <= MAXBITS)
            h->sym[offs[lens[i]]++] = (uint16_t)i;
    return 0;
}

/* Decode one symbol (16 bits are buffered first, as libmspack does). */
static int
huff_read(struct lzx *z, const struct huff *h, uint32_t *sym)
{
    uint32_t bits, code = 0, first = 0, index = 0;

    if (ensure(z, MAXBITS) != 0)
        return -1;
    bits = peek(z, MAXBITS);
    for (int len = 1; len <= MAXBITS; len++) {
        uint32_t count = h->count[len];
        code |= (bits >> (MAXBITS - len)) & 1u;
        if (code - first < count) {
            *sym = h->sym[index + code - first];
            drop(z, len);
            return 0;
        }
        index += count;
        first = (first + count) << 1;
        code <<= 1;
    }
    return -1; /* not reached for a complete code */
}

/* Lengths first..last of a tree, as deltas through the pre-tree. */
static int
read_lens(struct lzx *z, uint8_t *lens, unsigned first, unsigned last)
{
    uint32_t y, sym;

    for (unsigned x = 0; x < 20; x++) {
        if (read_bits(z, 4, &y) != 0)
            return -1;
        z->pre_len[x] = (uint8_t)y;
    }
    if (huff_build(&z->pre_t, z->pre_len, 20) != 0)
        return -1;
    for (unsigned x = first; x < last;) {
        int v;

        if (huff_read(z, &z->pre_t, &sym) != 0)
            return -1;
        if (sym == 17 || sym == 18) {
            /* a run of zeros: 4 + 4 bits or 20 + 5 bits */
            if (read_bits(z, sym == 17 ? 4 : 5, &y) != 0)
                return -1;
            y += sym == 17 ? 4 : 20;
            while (y--)
                lens[x++] = 0;
        } else if (sym == 19) {
            /* a run of 4 + 1 bit of one delta */
            if (read_bits(z, 1, &y) != 0 || huff_read(z, &z->pre_t, &sym) != 0)
                return -1;
            y += 4;
            v = lens[x] - (int)sym;
            if (v < 0)
                v += 17;
            while (y--)
                lens[x++] = (uint8_t)v;
        } else {
            v = lens[x] - (int)sym;
            if (v < 0)
                v += 17;
            lens[x++] = (uint8_t)v;
        }
    }
    return 0;
}

static void
reset_state(struct lzx *z)
{
    z->R0 = z->R1 = z->R2 = 1;
    z->header_read = 0;
    z->block_remaining = 0;
    z->block_type = BT_INVALID;
    memset(z->main_len, 0, MAIN_MAX);
    memset(z->length_len, 0, LEN_MAX);
}

struct lzx *
lzx_new(unsigned window_bits, uint32_t reset_frames, uint64_t length, const uint8_t *in,
        size_t inlen)
{
    struct lzx *z;

    if (window_bits < 15 || window_bits > 21)
        return NULL;
    if ((z = calloc(1, sizeof(*z))) == NULL)
        return NULL;
    z->window_size = 1u << window_bits;
    if ((z->window = calloc(1, z->window_size)) == NULL) {
        free(z);
        return NULL;
    }
    z->in = in;
    z->inlen = inlen;
    z->reset_interval = reset_frames;
    z->length = length;
    z->num_offsets = (uint32_t)position_slots[window_bits - 15] << 3;
    z->optr = z->oend = z->e8;
    reset_state(z);
    return z;
}

void
lzx_free(struct lzx *z)
{
    if (z == NULL)
        return;
    free(z->window);
    free(z);
}

uint64_t
lzx_offset(const struct lzx *z)
{
    return z->offset;
}

size_t
lzx_in_pos(const struct lzx *z)
{
    return z->ipos;
}

/* A new block's header and trees. */
static int
read_block_header(struct lzx *z)
{
    uint32_t i, j;
    int r;

    if (z->block_type == BT_UNCOMPRESSED && (z->block_length & 1)) {
        uint8_t skip;
        if (next_byte(z, &skip) != 0)
            return -1;
    }
    if (read_bits(z, 3, &i) != 0)
        return -1;
    z->block_type = (int)i;
    if (read_bits(z, 16, &i) != 0 || read_bits(z, 8, &j) != 0)
        return -1;
    z->block_remaining = z->block_length = (i << 8) | j;
    switch (z->block_type) {
    case BT_ALIGNED:
        for (i = 0; i < 8; i++) {
            if (read_bits(z, 3, &j) != 0)
                return -1;
            z->aligned_len[i] = (uint8_t)j;
        }
        if (huff_build(&z->aligned_t, z->aligned_len, 8) != 0)
            return -1;
        __attribute__((fallthrough));
    case BT_VERBATIM:
        if (read_lens(z, z->main_len, 0, NUM_CHARS) != 0 ||
            read_lens(z, z->main_len, NUM_CHARS, NUM_CHARS + z->num_offsets) != 0 ||
            huff_build(&z->main_t, z->main_len, MAIN_MAX) != 0)
            return -1;
        if (z->main_len[0xe8] != 0)
            z->intel_started = 1;
        if (read_lens(z, z->length_len, 0, LEN_MAX - 1) != 0)
            return -1;
        r = huff_build(&z->length_t, z->length_len, LEN_MAX);
        if (r < 0)
            return -1;
        z->length_empty = r == 1;
        return 0;
    case BT_UNCOMPRESSED: {
        uint8_t b[12];
        z->intel_started = 1;
        /* 1..16 bits of padding up to a byte boundary */
        if (z->bitsleft == 0 && ensure(z, 16) != 0)
            return -1;
        z->bitsleft = 0;
        z->bitbuf = 0;
        for (i = 0; i < 12; i++)
            if (next_byte(z, &b[i]) != 0)
                return -1;
        z->R0 = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        z->R1 = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
        z->R2 = (uint32_t)b[8] | (uint32_t)b[9] << 8 | (uint32_t)b[10] << 16 |
                (uint32_t)b[11] << 24;
        return 0;
    }
    default:
        return -1;
    }
}

/* One match: its length and offset from the main element m (>= 256). */
static int
read_match(struct lzx *z, uint32_t m, uint32_t *len, uint32_t *off)
{
    uint32_t slot, extra, v, a;

    m -= NUM_CHARS;
    *len = m & 7;
    if (*len == 7) {
        if (z->length_empty || huff_read(z, &z->length_t, &v) != 0)
            return -1;
        *len += v;
    }
    *len += 2;
    switch ((slot = m >> 3)) {
    case 0:
        *off = z->R0;
        return 0;
    case 1:
        *off = z->R1;
        z->R1 = z->R0;
        z->R0 = *off;
        return 0;
    case 2:
        *off = z->R2;
        z->R2 = z->R0;
        z->R0 = *off;
        return 0;
    default:
        break;
    }
    extra = extra_bits(slot);
    *off = position_base(slot) - 2;
    if (extra >= 3 && z->block_type == BT_ALIGNED) {
        if (extra > 3) {
            if (read_bits(z, (int)extra - 3, &v) != 0)
                return -1;
            *off += v << 3;
        }
        if (huff_read(z, &z->aligned_t, &a) != 0)
            return -1;
        *off += a;
    } else if (extra) {
        if (read_bits(z, (int)extra, &v) != 0)
            return -1;
        *off += v;
    }
    z->R2 = z->R1;
    z->R1 = z->R0;
    z->R0 = *off;
    return 0;
}

/* Copy a match of len bytes from off back into the window. */
static int
copy_match(struct lzx *z, uint32_t len, uint32_t off)
{
    uint8_t *w = z->window;
    uint32_t pos = z->window_posn;

    if (len > z->window_size - pos)
        return -1;
    if (off > pos) {
        /* from the window's end (data of earlier laps), if decoded */
        uint32_t j = off - pos, i = len;
        const uint8_t *src;

        if ((uint64_t)off > z->offset || j > z->window_size)
            return -1;
        src = w + (z->window_size - j);
        if (j < i) {
            i -= j;
            while (j-- > 0)
                w[pos++] = *src++;
            src = w;
        }
        while (i-- > 0)
            w[pos++] = *src++;
    } else {
        for (uint32_t i = 0; i < len; i++, pos++)
            w[pos] = w[pos - off];
    }
    z->window_posn += len;
    return 0;
}

/* Decode this_run bytes of the current block (a match may overrun). */
static int
decode_run(struct lzx *z, int32_t *run)
{
    int32_t this_run = *run;

    if (z->block_type == BT_UNCOMPRESSED) {
        /* never wraps: runs stop at frame ends, the window is 32 KiB multiples */
        for (; this_run > 0; this_run--) {
            uint8_t b;
            if (next_byte(z, &b) != 0)
                return -1;
            z->window[z->window_posn++] = b;
        }
    } else {
        while (this_run > 0) {
            uint32_t m, len, off;

            if (huff_read(z, &z->main_t, &m) != 0)
                return -1;
            if (m < NUM_CHARS) {
                z->window[z->window_posn++] = (uint8_t)m;
                this_run--;
                continue;
            }
            if (read_match(z, m, &len, &off) != 0 || copy_match(z, len, off) != 0)
                return -1;
            this_run -= (int32_t)len;
        }
    }
    *run = this_run;
    return 0;
}

/* The Intel E8 call translation of a frame into z->e8. */
static void
e8_translate(struct lzx *z, uint32_t frame_size)
{
    uint8_t *d = z->e8, *end = z->e8 + frame_size - 10;
    int64_t curpos = (int32_t)(uint32_t)z->offset, filesize = z->intel_filesize;

    memcpy(z->e8, z->window + z->frame_posn, frame_size);
    while (d < end) {
        int64_t abs_off, rel;

        if (*d++ != 0xe8) {
            curpos++;
            continue;
        }
        abs_off = (int32_t)((uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
                            (uint32_t)d[3] << 24);
        if (abs_off >= -curpos && abs_off < filesize) {
            uint32_t r;
            rel = abs_off >= 0 ? abs_off - curpos : abs_off + filesize;
            r = (uint32_t)rel;
            d[0] = (uint8_t)r;
            d[1] = (uint8_t)(r >> 8);
            d[2] = (uint8_t)(r >> 16);
            d[3] = (uint8_t)(r >> 24);
        }
        d += 4;
        curpos += 5;
    }
}

/* Hand n bytes of the pending frame to out (or drop them). */
static int
emit(struct lzx *z, struct sink *out, uint64_t *n)
{
    size_t i = (size_t)(z->oend - z->optr);

    if ((uint64_t)i > *n)
        i = (size_t)*n;
    if (i && out && sink_write(out, z->optr, i) != 0)
        return -1;
    z->optr += i;
    z->offset += i;
    *n -= i;
    return 0;
}

/* Decode one frame into the window. */
static int
decode_frame(struct lzx *z, uint32_t frame_size)
{
    int32_t bytes_todo;

    if (z->reset_interval && z->frame % z->reset_interval == 0)
        reset_state(z);
    if (!z->header_read) {
        uint32_t i = 0, j = 0;
        if (read_bits(z, 1, &i) != 0)
            return -1;
        if (i && (read_bits(z, 16, &i) != 0 || read_bits(z, 16, &j) != 0))
            return -1;
        z->intel_filesize = (int32_t)((i << 16) | j);
        z->header_read = 1;
    }
    bytes_todo = (int32_t)(z->frame_posn + frame_size - z->window_posn);
    while (bytes_todo > 0) {
        int32_t this_run;

        if (z->block_remaining == 0 && read_block_header(z) != 0)
            return -1;
        this_run = (int32_t)z->block_remaining;
        if (this_run > bytes_todo)
            this_run = bytes_todo;
        bytes_todo -= this_run;
        z->block_remaining -= (uint32_t)this_run;
        if (decode_run(z, &this_run) != 0)
            return -1;
        if (this_run < 0) {
            if ((uint32_t)-this_run > z->block_remaining)
                return -1;
            z->block_remaining -= (uint32_t)-this_run;
        }
    }
    if (z->window_posn - z->frame_posn != frame_size)
        return -1;
    if (z->bitsleft > 0 && ensure(z, 16) != 0)
        return -1;
    if (z->bitsleft & 15)
        drop(z, z->bitsleft & 15);
    return 0;
}

int
lzx_decompress(struct lzx *z, uint64_t n, struct sink *out)
{
    uint64_t end_frame;

    if (z->error)
        return -1;
    if (emit(z, out, &n) != 0)
        goto fail;
    if (n == 0)
        return 0;
    end_frame = (z->offset + n) / LZX_FRAME + 1;
    while (z->frame < end_frame) {
        uint32_t frame_size = LZX_FRAME;

        if (z->length && z->length - z->offset < frame_size)
            frame_size = (uint32_t)(z->length - z->offset);
        /* past the stream's end nothing more can come: libmspack goes
           through empty frames and then fails */
        if (frame_size == 0 && n > 0)
            goto fail;
        if (z->optr != z->oend || decode_frame(z, frame_size) != 0)
            goto fail;
        if (z->intel_started && z->intel_filesize && z->frame < 32768 && frame_size > 10) {
            e8_translate(z, frame_size);
            z->optr = z->e8;
        } else {
            z->optr = z->window + z->frame_posn;
        }
        z->oend = z->optr + frame_size;
        if (emit(z, out, &n) != 0)
            goto fail;
        z->frame_posn += frame_size;
        z->frame++;
        if (z->window_posn == z->window_size)
            z->window_posn = 0;
        if (z->frame_posn == z->window_size)
            z->frame_posn = 0;
    }
    if (n == 0)
        return 0;
fail:
    z->error = 1;
    return -1;
}
