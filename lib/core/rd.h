/*
 * rd.h - bounds-checked reads of little- and big-endian integers from a
 * byte buffer, for the format parsers.
 *
 * Each returns 0 and stores the value when [off, off+n) lies inside
 * [0, len), and -1 otherwise. The check is written as `n > len - off`
 * after `off > len`, which cannot overflow.
 */
#ifndef VG_CORE_RD_H
#define VG_CORE_RD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline int
rd_ok(size_t len, uint64_t off, uint64_t n)
{
    return off <= len && n <= len - off;
}

static inline int
rd_u8(const uint8_t *b, size_t len, uint64_t off, uint8_t *v)
{
    if (!rd_ok(len, off, 1))
        return -1;
    *v = b[off];
    return 0;
}

static inline int
rd_u16le(const uint8_t *b, size_t len, uint64_t off, uint16_t *v)
{
    if (!rd_ok(len, off, 2))
        return -1;
    *v = (uint16_t)(b[off] | (b[off + 1] << 8));
    return 0;
}

static inline int
rd_u32le(const uint8_t *b, size_t len, uint64_t off, uint32_t *v)
{
    if (!rd_ok(len, off, 4))
        return -1;
    *v = (uint32_t)b[off] | ((uint32_t)b[off + 1] << 8) | ((uint32_t)b[off + 2] << 16) |
         ((uint32_t)b[off + 3] << 24);
    return 0;
}

static inline int
rd_u64le(const uint8_t *b, size_t len, uint64_t off, uint64_t *v)
{
    uint32_t lo, hi;

    if (rd_u32le(b, len, off, &lo) || rd_u32le(b, len, off + 4, &hi))
        return -1;
    *v = ((uint64_t)hi << 32) | lo;
    return 0;
}

static inline int
rd_u16be(const uint8_t *b, size_t len, uint64_t off, uint16_t *v)
{
    if (!rd_ok(len, off, 2))
        return -1;
    *v = (uint16_t)((b[off] << 8) | b[off + 1]);
    return 0;
}

static inline int
rd_u32be(const uint8_t *b, size_t len, uint64_t off, uint32_t *v)
{
    if (!rd_ok(len, off, 4))
        return -1;
    *v = ((uint32_t)b[off] << 24) | ((uint32_t)b[off + 1] << 16) | ((uint32_t)b[off + 2] << 8) |
         (uint32_t)b[off + 3];
    return 0;
}

static inline int
rd_u64be(const uint8_t *b, size_t len, uint64_t off, uint64_t *v)
{
    uint32_t hi, lo;

    if (rd_u32be(b, len, off, &hi) || rd_u32be(b, len, off + 4, &lo))
        return -1;
    *v = ((uint64_t)hi << 32) | lo;
    return 0;
}

#endif
