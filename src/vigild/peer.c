/*
 * peer.c - connections held per peer: per uid on the Unix socket (from
 * SO_PEERCRED), per IP address on TCP. The loop consults it on every
 * accept to apply MaxConnectionsPerPeer and the reserved slots.
 *
 * Loop thread only. A chained hash table of 1024 buckets; an entry lives
 * while its peer holds a connection, so the table never holds more entries
 * than there are connections.
 */
#include "vigild.h"

#include <stdlib.h>
#include <string.h>

#define NBUCKETS 1024

struct vd_peer {
    struct vd_peer *next;
    unsigned count;
    unsigned bucket;
    char key[64];
};

static struct vd_peer *buckets[NBUCKETS];

static unsigned
hash(const char *s)
{
    uint32_t h = 2166136261u;

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h % NBUCKETS;
}

struct vd_peer *
peer_get(const char *key)
{
    unsigned b = hash(key);
    struct vd_peer *p;

    for (p = buckets[b]; p; p = p->next)
        if (strcmp(p->key, key) == 0)
            return p;
    if ((p = calloc(1, sizeof(*p))) == NULL)
        return NULL;
    strncpy(p->key, key, sizeof(p->key) - 1);
    p->bucket = b;
    p->next = buckets[b];
    buckets[b] = p;
    return p;
}

unsigned
peer_count(const struct vd_peer *p)
{
    return p->count;
}

void
peer_add(struct vd_peer *p)
{
    p->count++;
}

void
peer_del(struct vd_peer *p)
{
    if (p == NULL)
        return;
    if (p->count > 0)
        p->count--;
    peer_unused(p);
}

void
peer_unused(struct vd_peer *p)
{
    struct vd_peer **pp;

    if (p == NULL || p->count > 0)
        return;
    for (pp = &buckets[p->bucket]; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            free(p);
            return;
        }
    }
}
