/*
 * hex.h - hexadecimal digits, for the signature readers, container
 * decoders and update formats that all spell bytes in hex.
 */
#ifndef VG_CORE_HEX_H
#define VG_CORE_HEX_H

#include <stddef.h>
#include <stdint.h>

/* The value of a hex digit (either case), or -1. */
static inline int
hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The value of a lowercase hex digit, or -1: for the formats that spell
 * digests in lowercase only and compare them as text (CVD headers, vigil's
 * own update documents). */
static inline int
hex_digit_lower(int c)
{
    if (c >= 'A' && c <= 'F')
        return -1;
    return hex_digit(c);
}

/* Decode exactly 2*n hex digits at s into out; 0, or -1 on a non-digit
 * (a NUL included, so a short string fails without reading past it). */
static inline int
hex_decode(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int h = hex_digit((unsigned char)s[2 * i]), l;
        if (h < 0)
            return -1;
        if ((l = hex_digit((unsigned char)s[2 * i + 1])) < 0)
            return -1;
        out[i] = (uint8_t)(h << 4 | l);
    }
    return 0;
}

#endif
