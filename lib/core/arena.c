/*
 * arena.c - bump allocation in chunks of at least 64 KiB.
 */
#include "core/arena.h"

#include <stdlib.h>
#include <string.h>

#include "core/ckd.h"

#define CHUNK_MIN (64 * 1024)

struct arena_chunk {
    struct arena_chunk *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
};

void *
arena_alloc(struct arena *a, size_t n)
{
    struct arena_chunk *c = a->head;
    void *p;

    if (ckd_add(&n, n, (size_t)15))
        return NULL;
    n &= ~(size_t)15;
    if (c == NULL || n > c->size - c->used) {
        struct arena_chunk **pp = &a->spare;

        /* a spare chunk big enough? */
        while (*pp && (*pp)->size < n)
            pp = &(*pp)->next;
        if (*pp) {
            c = *pp;
            *pp = c->next;
        } else {
            size_t size = n > CHUNK_MIN ? n : CHUNK_MIN, bytes;
            if (a->limit && (size > a->limit || a->total > a->limit - size))
                return NULL;
            if (ckd_add(&bytes, size, sizeof(*c)) || (c = malloc(bytes)) == NULL)
                return NULL;
            c->size = size;
            a->total += size;
        }
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    p = c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

void
arena_reset(struct arena *a)
{
    while (a->head) {
        struct arena_chunk *c = a->head;
        a->head = c->next;
        c->next = a->spare;
        a->spare = c;
    }
}

void
arena_free(struct arena *a)
{
    arena_reset(a);
    while (a->spare) {
        struct arena_chunk *c = a->spare;
        a->spare = c->next;
        free(c);
    }
    a->total = 0;
}
