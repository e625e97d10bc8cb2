/*
 * textnorm.c - ClamAV's text normaliser, byte for byte.
 *
 * Design note: where ClamAV 1.4 uses it (cli_magic_scan, cli_scanscript),
 * checked against clamscan 1.4.6.
 *
 * Which layers. A layer typed CL_TYPE_TEXT_ASCII, CL_TYPE_TEXT_UTF8,
 * CL_TYPE_TEXT_UTF16LE or CL_TYPE_TEXT_UTF16BE (filetype_is_text) gets the
 * normalised pass after its raw pass, unless an ASCII layer's raw pass
 * ended on HTML (filetype_scan_embedded's final type FT_HTML: ClamAV then
 * parses the layer as HTML instead), unless the layer is larger than
 * MaxScriptNormalize (5 MB by default), and only with HTML parsing on
 * (the default). CL_TYPE_SCRIPT layers get it too, before their raw pass
 * (ClamAV's built-in table never produces that type). Note what the types
 * cover: UTF-8 and Latin-1 text are CL_TYPE_TEXT_ASCII; most random binary
 * data and BOM-less UTF-16LE text are CL_TYPE_TEXT_UTF16BE. UTF-16 text is
 * not converted first: it goes through this normaliser as bytes, which
 * drops its NULs and high bytes, so its ASCII characters come out as plain
 * lower-case text ("H\0i\0" -> "hi").
 *
 * Which signatures. The normalised text is matched with the generic
 * signatures (target 0) and the ASCII-text signatures (target 7), as a
 * CL_TYPE_TEXT_ASCII buffer: logical signatures see its matches in a
 * separate evaluation from the raw pass. Target 7 is matched ONLY here:
 * ClamAV's raw pass over a CL_TYPE_TEXT_ASCII layer is untyped (generic
 * signatures only), and other text types have no target of their own.
 * Target 0 signatures therefore see text twice, raw and normalised.
 *
 * Buffers. ClamAV normalises in 4 KiB input pages into a buffer of
 * 128 KiB plus the longest target-7 pattern (maxpatlen). Before appending
 * a page that might not fit it scans what it has, keeps the last
 * maxpatlen bytes for the next scan, and resets the normaliser state, so a
 * whitespace run that spans such a flush can yield two spaces. A layer
 * whose normalised text fits (about 124 KiB of output) is scanned exactly
 * once, as textnorm_normalize() returns it, at offset 0; beyond that the
 * caller reproduces the flushes with textnorm_feed() and textnorm_init().
 * (When target-7 signatures use relative offsets ClamAV instead writes the
 * normalised text to a file in output-buffer-sized pieces, resetting the
 * state after each, and scans that as a new layer; vigil does the same,
 * see normalized_pass in lib/scan/scanner.c.)
 */
#include "formats/textnorm.h"

#include <pthread.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define TN_SIMD 1
#endif

/* ClamAV's char_action table, as arithmetic: whitespace \t \n \v \f \r and
 * space collapse to one space; upper case letters are lowered; everything
 * else below 0x20 and from 0x80 up is skipped; the rest is copied. The
 * loop below is branch-free (every text layer passes through it). */
void
textnorm_init(struct textnorm *st)
{
    st->space = 0;
}

/* Bytes from in[0..len) into out[0..cap): the definition, one at a time. */
static void
feed_scalar(unsigned *space, const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *i,
            size_t *o)
{
    size_t a = *i, b = *o;
    unsigned s = *space;

    for (; a < len && b < cap; a++) {
        unsigned c = in[a];
        unsigned sp = (c == ' ') | ((c - '\t') <= '\r' - '\t');
        unsigned cp = (c > ' ') & (c < 0x80);
        unsigned lc = c + (((c - 'A') <= 'Z' - 'A') << 5);

        out[b] = (uint8_t)(sp ? ' ' : lc);
        b += cp | (sp & !s);
        s = sp | (s & !cp);
    }
    *space = s;
    *i = a;
    *o = b;
}

#ifdef TN_SIMD
/* 16 bytes at a time (SSSE3): lower, turn whitespace into ' ', mark the
 * whitespace that follows whitespace, and pack the kept bytes with a
 * shuffle per 8-byte half. A block holding a byte that is skipped (control
 * or >= 0x80, rare in text) goes to the scalar loop, so the only carried
 * state is whether the previous byte was whitespace. Runs only while a
 * whole block's output fits, which keeps the "stop when out is full" rule
 * of the scalar loop exact. */
static uint8_t pack_idx[256][8], pack_len[256];
static pthread_once_t pack_once = PTHREAD_ONCE_INIT;
static int have_ssse3;

static void
pack_tables(void)
{
    for (unsigned m = 0; m < 256; m++) {
        unsigned n = 0;

        for (unsigned j = 0; j < 8; j++)
            if (m & (1u << j))
                pack_idx[m][n++] = (uint8_t)j;
        for (unsigned j = n; j < 8; j++)
            pack_idx[m][j] = 0x80;
        pack_len[m] = (uint8_t)n;
    }
    __builtin_cpu_init();
    have_ssse3 = __builtin_cpu_supports("ssse3");
}

__attribute__((target("ssse3"))) static void
feed_blocks(unsigned *space, const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *i,
            size_t *o)
{
    const __m128i blank = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t'), four = _mm_set1_epi8(4);
    const __m128i upa = _mm_set1_epi8('A'), z25 = _mm_set1_epi8(25);
    size_t a = *i, b = *o;
    unsigned s = *space;

    while (len - a >= 16 && cap - b >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(in + a));
        __m128i t = _mm_sub_epi8(v, tab), u = _mm_sub_epi8(v, upa);
        __m128i ws = _mm_or_si128(_mm_cmpeq_epi8(v, blank), _mm_cmpeq_epi8(_mm_min_epu8(t, four), t));
        __m128i cp = _mm_cmpgt_epi8(v, blank); /* signed: 0x21..0x7f */
        __m128i up = _mm_cmpeq_epi8(_mm_min_epu8(u, z25), u);
        __m128i lc, ob;
        unsigned wsm, keep;

        if (_mm_movemask_epi8(_mm_or_si128(ws, cp)) != 0xffff)
            break;
        lc = _mm_add_epi8(v, _mm_and_si128(up, _mm_set1_epi8(0x20)));
        ob = _mm_or_si128(_mm_andnot_si128(ws, lc), _mm_and_si128(ws, blank));
        wsm = (unsigned)_mm_movemask_epi8(ws);
        keep = ~(wsm & ((wsm << 1) | s)) & 0xffffu;
        _mm_storel_epi64((__m128i *)(void *)(out + b),
                         _mm_shuffle_epi8(ob, _mm_loadl_epi64((const __m128i *)(const void *)pack_idx[keep & 0xff])));
        b += pack_len[keep & 0xff];
        _mm_storel_epi64((__m128i *)(void *)(out + b),
                         _mm_shuffle_epi8(_mm_srli_si128(ob, 8),
                                          _mm_loadl_epi64((const __m128i *)(const void *)pack_idx[keep >> 8])));
        b += pack_len[keep >> 8];
        s = wsm >> 15;
        a += 16;
    }
    *space = s;
    *i = a;
    *o = b;
}
#endif

size_t
textnorm_feed(struct textnorm *st, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
              size_t *used)
{
    size_t i = 0, o = 0;
    unsigned space = st->space != 0;

#ifdef TN_SIMD
    (void)pthread_once(&pack_once, pack_tables);
    while (have_ssse3 && i < len && o < cap) {
        feed_blocks(&space, in, len, out, cap, &i, &o);
        /* the block it stopped at (or the tail): one at a time */
        feed_scalar(&space, in, len - i > 16 ? i + 16 : len, out, cap, &i, &o);
    }
#endif
    feed_scalar(&space, in, len, out, cap, &i, &o);
    st->space = (int)space;
    if (used != NULL)
        *used = i;
    return o;
}

size_t
textnorm_normalize(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    struct textnorm st;

    textnorm_init(&st);
    return textnorm_feed(&st, in, len, out, cap, NULL);
}

int
textnorm_target(unsigned target)
{
    return target == 0 || target == 7;
}
