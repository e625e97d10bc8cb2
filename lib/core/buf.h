/*
 * buf.h - a growable byte buffer with checked growth.
 *
 * Used by the compilers and serialisers (database image, result messages),
 * never on the per-file hot path.
 */
#ifndef VG_CORE_BUF_H
#define VG_CORE_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

struct buf {
    uint8_t *p;
    size_t len;
    size_t cap;
};

/* Make room for n more bytes. VG_ENOMEM on overflow or allocation failure. */
vg_status buf_reserve(struct buf *b, size_t n);
vg_status buf_append(struct buf *b, const void *data, size_t n);
/* Append n zero bytes; *off receives their offset. */
vg_status buf_append_zero(struct buf *b, size_t n, size_t *off);
/* Pad with zeros to a multiple of align (a power of two). */
vg_status buf_align(struct buf *b, size_t align);
vg_status buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);

#endif
