/*
 * sink.h - a bounded output buffer for decoders.
 *
 * Every decompressor and decoder in lib/containers writes into a sink. A
 * sink grows as data arrives (never by what a header declares) and stops
 * at its bound: the write that would pass it stores what fits, sets `over`
 * and fails, so a member larger than the limits is noticed after
 * bound bytes and never materialised in full.
 */
#ifndef VG_CONTAINERS_SINK_H
#define VG_CONTAINERS_SINK_H

#include <stddef.h>
#include <stdint.h>

struct sink {
    uint8_t *p;
    size_t len;
    size_t cap;
    size_t max;   /* bound on len */
    int over;     /* a write went past max */
    int nomem;    /* an allocation failed */
};

/* An empty sink bounded by max bytes. No allocation yet. */
void sink_init(struct sink *s, size_t max);

/* Append n bytes. Returns 0, or -1 when the bound was reached (what fits
 * is kept, over is set) or memory ran out (nomem is set). */
int sink_write(struct sink *s, const void *data, size_t n);

/* Append one byte; as sink_write. */
int sink_byte(struct sink *s, uint8_t c);

/* Make room for n more bytes (up to the bound) so that a decoder can write
 * into s->p + s->len directly; returns the room available, 0 when full or
 * out of memory. */
size_t sink_room(struct sink *s, size_t n);

/* Release the buffer; the sink is empty again and may be reused. */
void sink_free(struct sink *s);

#endif
