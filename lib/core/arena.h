/*
 * arena.h - a bump allocator for per-scan state, reset between scans.
 *
 * The scan hot path allocates only from here: after the first few files a
 * scanner reuses the same chunks, so scanning does no malloc per file.
 */
#ifndef VG_CORE_ARENA_H
#define VG_CORE_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
    struct arena_chunk *head;  /* chunk being filled */
    struct arena_chunk *spare; /* chunks kept from earlier scans */
    size_t limit;              /* bytes the arena may hold in all (0 = none) */
    size_t total;
};

/* n bytes, 16-aligned, zeroed; NULL when out of memory or over the limit. */
void *arena_alloc(struct arena *a, size_t n);
/* Forget everything allocated, keep the memory for reuse. */
void arena_reset(struct arena *a);
void arena_free(struct arena *a);

#endif
