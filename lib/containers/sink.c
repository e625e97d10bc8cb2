/*
 * sink.c - the bounded output buffer of the decoders (see sink.h).
 *
 * Growth doubles from 4 KiB, capped at the bound, so a member costs at most
 * twice its size in address space and usually less in resident memory.
 */
#include "containers/sink.h"

#include <stdlib.h>
#include <string.h>

void
sink_init(struct sink *s, size_t max)
{
    memset(s, 0, sizeof(*s));
    s->max = max;
}

size_t
sink_room(struct sink *s, size_t n)
{
    size_t want, cap;
    uint8_t *p;

    if (s->nomem || s->len >= s->max)
        return 0;
    if (n > s->max - s->len)
        n = s->max - s->len;
    if (s->cap - s->len >= n)
        return s->cap - s->len;
    want = s->len + n;
    cap = s->cap ? s->cap : 4096;
    while (cap < want)
        cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
    if (cap > s->max)
        cap = s->max;
    if ((p = realloc(s->p, cap)) == NULL) {
        s->nomem = 1;
        return 0;
    }
    s->p = p;
    s->cap = cap;
    return s->cap - s->len;
}

int
sink_write(struct sink *s, const void *data, size_t n)
{
    size_t room, take;

    if (n == 0)
        return 0;
    room = sink_room(s, n);
    take = n < room ? n : room;
    if (take)
        memcpy(s->p + s->len, data, take);
    s->len += take;
    if (take < n) {
        if (!s->nomem)
            s->over = 1;
        return -1;
    }
    return 0;
}

int
sink_byte(struct sink *s, uint8_t c)
{
    if (s->len < s->cap) {
        s->p[s->len++] = c;
        return 0;
    }
    return sink_write(s, &c, 1);
}

void
sink_free(struct sink *s)
{
    free(s->p);
    s->p = NULL;
    s->len = s->cap = 0;
    s->over = s->nomem = 0;
}
