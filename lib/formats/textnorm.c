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

enum { COPY, SKIP, SPACE, LOWER };

/* ClamAV's char_action table: whitespace \t \n \v \f \r and space; upper
 * case letters; everything below 0x20 else and from 0x80 up is skipped. */
static uint8_t
action(uint8_t c)
{
    if (c == ' ' || (c >= '\t' && c <= '\r'))
        return SPACE;
    if (c < 0x20 || c >= 0x80)
        return SKIP;
    if (c >= 'A' && c <= 'Z')
        return LOWER;
    return COPY;
}

void
textnorm_init(struct textnorm *st)
{
    st->space = 0;
}

size_t
textnorm_feed(struct textnorm *st, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
              size_t *used)
{
    size_t i, o = 0;

    for (i = 0; i < len && o < cap; i++) {
        uint8_t c = in[i];

        switch (action(c)) {
        case SKIP:
            break;
        case SPACE:
            if (!st->space)
                out[o++] = ' ';
            st->space = 1;
            break;
        case LOWER:
            c = (uint8_t)(c + 32);
            __attribute__((fallthrough));
        default:
            st->space = 0;
            out[o++] = c;
            break;
        }
    }
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
