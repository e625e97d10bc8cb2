/*
 * b64.c - strict base64 decoding.
 *
 * Input comes from untrusted .sign files; only whole quanta are accepted and
 * '=' may appear only as the final one or two characters.
 */
#include "update/b64.h"

static int
b64_val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

long
b64_decode(const char *in, size_t len, uint8_t *out)
{
    size_t i, o = 0;

    if (len % 4 != 0)
        return -1;
    for (i = 0; i < len; i += 4) {
        int v[4], pad = 0;
        uint32_t q;

        for (int k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)in[i + k];

            if (c == '=' && i + 4 == len && k >= 2) {
                v[k] = 0;
                pad++;
                continue;
            }
            if (pad || (v[k] = b64_val(c)) < 0)
                return -1;
        }
        /* Canonical form only: the bits that padding discards must be zero,
         * so that one text decodes to one byte string and back. */
        if ((pad == 1 && (v[2] & 3)) || (pad == 2 && (v[1] & 15)))
            return -1;
        q = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) | ((uint32_t)v[2] << 6) | (uint32_t)v[3];
        out[o++] = (uint8_t)(q >> 16);
        if (pad < 2)
            out[o++] = (uint8_t)(q >> 8);
        if (pad < 1)
            out[o++] = (uint8_t)q;
    }
    return (long)o;
}
