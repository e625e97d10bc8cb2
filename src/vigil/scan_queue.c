/*
 * scan_queue.c - a bounded FIFO between the walker and the scan workers.
 *
 * One producer (the walker), N consumers (workers). The bound keeps a fast
 * walker from holding thousands of open descriptors and paths while the
 * scanners catch up; the walker simply waits. A ring buffer under one mutex
 * is plenty: a scan costs far more than a queue operation.
 */
#include "scan_queue.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct scan_queue {
    pthread_mutex_t mu;
    pthread_cond_t not_empty;
    pthread_cond_t not_full;
    struct scan_item **ring;
    size_t cap, head, len;
    int closed;
};

struct scan_item *
scan_queue_item_new(enum scan_note note, const char *path)
{
    struct scan_item *it = calloc(1, sizeof(*it));

    if (it == NULL)
        return NULL;
    if ((it->path = strdup(path)) == NULL) {
        free(it);
        return NULL;
    }
    it->note = note;
    it->fd = -1;
    return it;
}

void
scan_queue_item_free(struct scan_item *it)
{
    if (it == NULL)
        return;
    if (it->fd >= 0)
        close(it->fd);
    free(it->path);
    free(it);
}

struct scan_queue *
scan_queue_new(size_t cap)
{
    struct scan_queue *q = calloc(1, sizeof(*q));

    if (q == NULL || cap == 0)
        goto out;
    if ((q->ring = calloc(cap, sizeof(*q->ring))) == NULL)
        goto out;
    q->cap = cap;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    pthread_cond_init(&q->not_full, NULL);
    return q;
out:
    free(q);
    return NULL;
}

void
scan_queue_push(struct scan_queue *q, struct scan_item *it)
{
    pthread_mutex_lock(&q->mu);
    while (q->len == q->cap && !q->closed)
        pthread_cond_wait(&q->not_full, &q->mu);
    if (q->closed) {
        /* nobody will take it: a push after close is dropped */
        pthread_mutex_unlock(&q->mu);
        scan_queue_item_free(it);
        return;
    }
    q->ring[(q->head + q->len) % q->cap] = it;
    q->len++;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
}

struct scan_item *
scan_queue_pop(struct scan_queue *q)
{
    struct scan_item *it = NULL;

    pthread_mutex_lock(&q->mu);
    while (q->len == 0 && !q->closed)
        pthread_cond_wait(&q->not_empty, &q->mu);
    if (q->len > 0) {
        it = q->ring[q->head];
        q->ring[q->head] = NULL;
        q->head = (q->head + 1) % q->cap;
        q->len--;
        pthread_cond_signal(&q->not_full);
    }
    pthread_mutex_unlock(&q->mu);
    return it;
}

void
scan_queue_close(struct scan_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = 1;
    pthread_cond_broadcast(&q->not_empty);
    pthread_cond_broadcast(&q->not_full);
    pthread_mutex_unlock(&q->mu);
}

void
scan_queue_free(struct scan_queue *q)
{
    if (q == NULL)
        return;
    for (size_t i = 0; i < q->len; i++)
        scan_queue_item_free(q->ring[(q->head + i) % q->cap]);
    free(q->ring);
    pthread_cond_destroy(&q->not_empty);
    pthread_cond_destroy(&q->not_full);
    pthread_mutex_destroy(&q->mu);
    free(q);
}
