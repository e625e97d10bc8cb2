/*
 * pool.c - the scan pool: dispatch between the two flavours, and the
 * in-process one.
 *
 * Sandboxed (pool_opts.sandbox, the default of the CLI and the daemon):
 * worker processes, in procpool.c. In-process (--no-sandbox): N scanners
 * and a free list; callers block on a condition variable until a scanner
 * is free. Both fill the same caller-owned scan_reply.
 */
#include "sandbox/pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "sandbox/procpool.h"

struct scan_pool {
    struct procpool *pp;  /* sandboxed flavour; NULL for in-process */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned n;
    vg_scanner **scanners;
    unsigned *free_idx;  /* stack of free scanner indexes */
    unsigned nfree;
};

void
scan_reply_clear(struct scan_reply *r)
{
    for (size_t i = 0; i < r->nmatches; i++) {
        free(r->matches[i].name);
        free(r->matches[i].layer);
    }
    free(r->matches);
    memset(r, 0, sizeof(*r));
}

vg_status
scan_reply_from_result(struct scan_reply *r, const vg_result *res)
{
    r->status = VG_OK;
    r->infected = res->infected;
    r->incomplete = res->incomplete;
    snprintf(r->incomplete_where, sizeof(r->incomplete_where), "%s",
             res->incomplete_where ? res->incomplete_where : "");
    r->bytes_scanned = res->bytes_scanned;
    snprintf(r->file_type, sizeof(r->file_type), "%s", res->file_type ? res->file_type : "");
    if (res->nmatches == 0)
        return VG_OK;
    if ((r->matches = calloc(res->nmatches, sizeof(*r->matches))) == NULL)
        return r->status = VG_ENOMEM;
    for (size_t i = 0; i < res->nmatches; i++) {
        r->matches[i].name = strdup(res->matches[i].name);
        r->matches[i].layer = strdup(res->matches[i].layer ? res->matches[i].layer : "");
        r->matches[i].offset = res->matches[i].offset;
        r->nmatches++;
        if (r->matches[i].name == NULL || r->matches[i].layer == NULL)
            return r->status = VG_ENOMEM;
    }
    return VG_OK;
}

vg_status
pool_new(const vg_db *db, const vg_scan_opts *opts, const struct pool_opts *po,
         struct scan_pool **out, vg_err *err)
{
    struct scan_pool *p;
    vg_status st = VG_ENOMEM;
    unsigned n = po && po->workers ? po->workers : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);

    *out = NULL;
    if (n == 0)
        n = 1;
    if ((p = calloc(1, sizeof(*p))) == NULL)
        return err_set(err, VG_ENOMEM, "scan pool: out of memory");
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (po && po->sandbox) {
        if ((st = procpool_new(db, opts, po, &p->pp, err)) != VG_OK) {
            pool_free(p);
            return st;
        }
        *out = p;
        return VG_OK;
    }
    if ((p->scanners = calloc(n, sizeof(*p->scanners))) == NULL ||
        (p->free_idx = calloc(n, sizeof(*p->free_idx))) == NULL)
        goto out;
    for (unsigned i = 0; i < n; i++) {
        if ((st = vg_scanner_new(db, opts, &p->scanners[i])) != VG_OK)
            goto out;
        p->n++;
        p->free_idx[p->nfree++] = i;
    }
    *out = p;
    p = NULL;
    st = VG_OK;
out:
    if (st != VG_OK)
        err_set(err, st, "scan pool: %s", vg_status_str(st));
    pool_free(p);
    return st;
}

vg_status
pool_scan_fd(struct scan_pool *p, int fd, struct scan_reply *reply)
{
    const vg_result *res;
    unsigned idx;
    vg_status st;

    if (p->pp)
        return procpool_scan_fd(p->pp, fd, reply);
    memset(reply, 0, sizeof(*reply));
    pthread_mutex_lock(&p->mu);
    while (p->nfree == 0)
        pthread_cond_wait(&p->cv, &p->mu);
    idx = p->free_idx[--p->nfree];
    pthread_mutex_unlock(&p->mu);

    st = vg_scan_fd(p->scanners[idx], fd, &res);
    if (st == VG_OK)
        st = scan_reply_from_result(reply, res);
    else {
        reply->status = st;
        snprintf(reply->error, sizeof(reply->error), "%s", vg_status_str(st));
    }

    pthread_mutex_lock(&p->mu);
    p->free_idx[p->nfree++] = idx;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return st;
}

size_t
pool_worker_pids(struct scan_pool *p, int *pids, size_t max)
{
    pid_t tmp[256];
    size_t n;

    if (p->pp == NULL)
        return 0;
    n = procpool_worker_pids(p->pp, tmp, max < 256 ? max : 256);
    for (size_t i = 0; i < n; i++)
        pids[i] = (int)tmp[i];
    return n;
}

void
pool_free(struct scan_pool *p)
{
    if (p == NULL)
        return;
    procpool_free(p->pp);
    for (unsigned i = 0; i < p->n; i++)
        vg_scanner_free(p->scanners[i]);
    free(p->scanners);
    free(p->free_idx);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
