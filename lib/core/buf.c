/*
 * buf.c - growable byte buffer.
 */
#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ckd.h"

vg_status
buf_reserve(struct buf *b, size_t n)
{
    size_t need, cap;
    uint8_t *p;

    if (ckd_add(&need, b->len, n))
        return VG_ENOMEM;
    if (need <= b->cap)
        return VG_OK;
    cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (ckd_mul(&cap, cap, 2))
            return VG_ENOMEM;
    }
    if ((p = realloc(b->p, cap)) == NULL)
        return VG_ENOMEM;
    b->p = p;
    b->cap = cap;
    return VG_OK;
}

vg_status
buf_append(struct buf *b, const void *data, size_t n)
{
    vg_status st;

    if (n == 0)
        return VG_OK;
    if ((st = buf_reserve(b, n)) != VG_OK)
        return st;
    memcpy(b->p + b->len, data, n);
    b->len += n;
    return VG_OK;
}

vg_status
buf_append_zero(struct buf *b, size_t n, size_t *off)
{
    vg_status st;

    if ((st = buf_reserve(b, n)) != VG_OK)
        return st;
    if (off)
        *off = b->len;
    if (n)
        memset(b->p + b->len, 0, n);
    b->len += n;
    return VG_OK;
}

vg_status
buf_align(struct buf *b, size_t align)
{
    size_t pad = (align - (b->len & (align - 1))) & (align - 1);

    return buf_append_zero(b, pad, NULL);
}

vg_status
buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    vg_status st;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return VG_EINVAL;
    if ((st = buf_reserve(b, (size_t)n + 1)) != VG_OK)
        return st;
    va_start(ap, fmt);
    vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return VG_OK;
}

void
buf_free(struct buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}
