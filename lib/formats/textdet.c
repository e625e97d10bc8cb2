/*
 * textdet.c - ClamAV's text heuristics for a file's first 1024 bytes.
 *
 * The same table and three tests, in the same order, as ClamAV 1.4's
 * cli_texttype(), which takes them from file(1):
 *
 *  - "ASCII" means no byte is a control character that never appears in
 *    text (NUL..ACK, VT, SO..SUB, FS..US, DEL). Bytes >= 0x80 are allowed,
 *    so Latin-1 and UTF-8 text are ASCII here.
 *  - UTF-8 is tried only when that fails, and it rejects the same control
 *    bytes, so ClamAV 1.4 never returns CL_TYPE_TEXT_UTF8 in practice; the
 *    test is kept to stay in step.
 *  - UTF-16 accepts a buffer with a BOM unless half of its code units (in
 *    bytes) are controls, and a buffer without BOM, read as big-endian from
 *    byte 2 on, unless one code unit is a control below 128. Random binary
 *    data rarely has such a unit, so ClamAV types most of it as UTF-16BE
 *    text (and normalises it as text).
 */
#include "formats/textdet.h"

enum { F = 0, T = 1, I = 2, X = 3 }; /* never text, ASCII, ISO-8859, other 8-bit */

static const uint8_t text_chars[256] = {
    F, F, F, F, F, F, F, T, T, T, T, F, T, T, F, F, /* 0x0X */
    F, F, F, F, F, F, F, F, F, F, F, T, F, F, F, F, /* 0x1X */
    T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, /* 0x2X */
    T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, /* 0x3X */
    T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, /* 0x4X */
    T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, /* 0x5X */
    T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, /* 0x6X */
    T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, F, /* 0x7X */
    X, X, X, X, X, T, X, X, X, X, X, X, X, X, X, X, /* 0x8X */
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, /* 0x9X */
    I, I, I, I, I, I, I, I, I, I, I, I, I, I, I, I, /* 0xaX */
    I, I, I, I, I, I, I, I, I, I, I, I, I, I, I, I, /* 0xbX */
    I, I, I, I, I, I, I, I, I, I, I, I, I, I, I, I, /* 0xcX */
    I, I, I, I, I, I, I, I, I, I, I, I, I, I, I, I, /* 0xdX */
    I, I, I, I, I, I, I, I, I, I, I, I, I, I, I, I, /* 0xeX */
    I, I, I, I, I, I, I, I, I, I, I, I, I, I, I, I, /* 0xfX */
};

static int
is_ascii(const uint8_t *b, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text_chars[b[i]] == F)
            return 0;
    return 1;
}

static int
is_utf8(const uint8_t *b, size_t len)
{
    int gotone = 0;

    for (size_t i = 0; i < len; i++) {
        size_t follow;

        if ((b[i] & 0x80) == 0) {
            if (text_chars[b[i]] != T)
                return 0;
            continue;
        }
        if ((b[i] & 0x40) == 0)
            return 0; /* a continuation byte cannot come first */
        if ((b[i] & 0x20) == 0)
            follow = 1;
        else if ((b[i] & 0x10) == 0)
            follow = 2;
        else if ((b[i] & 0x08) == 0)
            follow = 3;
        else if ((b[i] & 0x04) == 0)
            follow = 4;
        else if ((b[i] & 0x02) == 0)
            follow = 5;
        else
            return 0;
        for (size_t j = 0; j < follow; j++) {
            if (++i >= len)
                return gotone;
            if ((b[i] & 0x80) == 0 || (b[i] & 0x40))
                return 0;
        }
        gotone = 1;
    }
    return gotone;
}

/* 0: not UTF-16; 1: little-endian; 2: big-endian. */
static int
is_utf16(const uint8_t *b, size_t len)
{
    int be = 1, nobom = 0;
    size_t bad = 0;

    if (len < 2)
        return 0;
    if (b[0] == 0xff && b[1] == 0xfe)
        be = 0;
    else if (!(b[0] == 0xfe && b[1] == 0xff))
        nobom = 1;
    for (size_t i = 2; i + 1 < len; i += 2) {
        unsigned c = be ? b[i + 1] + 256u * b[i] : b[i] + 256u * b[i + 1];

        if (c == 0xfffe)
            return 0;
        if (c < 128 && text_chars[c] != T) {
            if (nobom)
                return 0;
            bad++;
        }
    }
    if (!nobom && bad >= len / 2)
        return 0;
    return 1 + be;
}

enum ftype
textdet_type(const uint8_t *buf, size_t len)
{
    int u;

    if (is_ascii(buf, len))
        return FT_TEXT_ASCII;
    if (is_utf8(buf, len))
        return FT_TEXT_UTF8;
    if ((u = is_utf16(buf, len)) != 0)
        return u == 1 ? FT_TEXT_UTF16LE : FT_TEXT_UTF16BE;
    return FT_BINARY;
}
