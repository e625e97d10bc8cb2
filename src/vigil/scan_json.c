/*
 * scan_json.c - encode arbitrary bytes (file paths, signature names, layer
 * chains: all attacker-chosen) as JSON strings.
 *
 * Paths on Linux are bytes, not text; JSON strings are Unicode. Valid UTF-8
 * passes through, control characters are escaped, and each invalid byte
 * becomes U+FFFD, which is lossy: the caller then adds the raw bytes in hex
 * so that a consumer can still find the file. The output is always valid
 * UTF-8 and valid JSON, whatever the input.
 */
#include "scan_json.h"

#include <stdint.h>

size_t
scan_json_utf8_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    unsigned char lo = 0x80, hi = 0xbf;
    size_t len;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0; /* no overlong forms */
        else if (c == 0xed)
            hi = 0x9f; /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f; /* nothing above U+10FFFF */
    } else
        return 0;
    if (n < len)
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return len;
}

vg_status
scan_json_str(struct buf *b, const char *s, size_t len, int *lossless)
{
    static const char hexd[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    int clean = 1;
    vg_status st;

    if ((st = buf_append(b, "\"", 1)) != VG_OK)
        return st;
    while (i < len) {
        unsigned char c = p[i];
        char esc[7];
        size_t n;

        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            st = buf_append(b, esc, 2);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            const char *shortform = NULL;

            switch (c) {
            case '\b': shortform = "\\b"; break;
            case '\f': shortform = "\\f"; break;
            case '\n': shortform = "\\n"; break;
            case '\r': shortform = "\\r"; break;
            case '\t': shortform = "\\t"; break;
            default: break;
            }
            if (shortform)
                st = buf_append(b, shortform, 2);
            else {
                esc[0] = '\\';
                esc[1] = 'u';
                esc[2] = '0';
                esc[3] = '0';
                esc[4] = hexd[c >> 4];
                esc[5] = hexd[c & 15];
                st = buf_append(b, esc, 6);
            }
            i++;
        } else if ((n = scan_json_utf8_len(p + i, len - i)) > 0) {
            st = buf_append(b, p + i, n);
            i += n;
        } else {
            st = buf_append(b, "\xef\xbf\xbd", 3); /* U+FFFD */
            clean = 0;
            i++;
        }
        if (st != VG_OK)
            return st;
    }
    if (lossless)
        *lossless = clean;
    return buf_append(b, "\"", 1);
}

vg_status
scan_json_hex(struct buf *b, const char *s, size_t len)
{
    static const char hexd[] = "0123456789abcdef";
    vg_status st;

    if ((st = buf_append(b, "\"", 1)) != VG_OK)
        return st;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char two[2] = {hexd[c >> 4], hexd[c & 15]};

        if ((st = buf_append(b, two, 2)) != VG_OK)
            return st;
    }
    return buf_append(b, "\"", 1);
}
