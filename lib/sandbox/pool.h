/*
 * pool.h - a pool of scan workers that callers hand open files to.
 *
 * This is the one way the CLI and the daemon scan: the caller opens the file
 * with its own rights and passes the descriptor; a worker scans it and
 * returns a reply the caller owns. Workers are sandboxed processes by
 * default, or in-process scanners when the sandbox is off (--no-sandbox).
 * A worker that dies or runs out of time is replaced and the file is
 * reported as an error, never as clean.
 *
 * Thread rules: pool_scan_fd may be called from many threads at once; each
 * call occupies one worker until it returns. pool_new and pool_free belong
 * to one thread.
 */
#ifndef VG_SANDBOX_POOL_H
#define VG_SANDBOX_POOL_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

struct scan_pool;

/* Zero the whole struct before filling it: fields added later keep their
 * defaults at 0 / NULL. */
struct pool_opts {
    unsigned workers;     /* how many files can be scanned at once; 0 = number of CPUs */
    int sandbox;          /* 1: worker processes under seccomp; 0: in-process */
    uint32_t timeout_ms;  /* per-file wall-clock limit enforced by the parent; 0 = none */
    /* sandbox only: */
    uint64_t max_memory;  /* address space a worker may add to what it inherits (RLIMIT_AS);
                             0 = 2 GiB + the scan options' max_filesize */
    const char *user;     /* when started as root, the user workers run as; NULL = "nobody" */
};

struct reply_match {
    char *name;
    uint64_t offset;
    char *layer;
};

/* What a scan of one file produced; owned by the caller. */
struct scan_reply {
    vg_status status;          /* VG_OK when the scan ran to the end (verdict valid) */
    char error[256];           /* detail when status != VG_OK */
    int infected;
    size_t nmatches;
    struct reply_match *matches;
    uint32_t incomplete;       /* VG_LIMIT_* */
    char incomplete_where[256];
    uint64_t bytes_scanned;
    char file_type[24];
};

/* Start a pool over db (which must outlive it). */
vg_status pool_new(const vg_db *db, const vg_scan_opts *opts, const struct pool_opts *po,
                   struct scan_pool **out, vg_err *err);

/* Scan the whole file behind fd (the caller keeps and closes fd). The reply
 * is filled even on error (status and error set); clear it with
 * scan_reply_clear. Returns reply->status. */
vg_status pool_scan_fd(struct scan_pool *p, int fd, struct scan_reply *reply);

/* Free what a reply holds and zero it. */
void scan_reply_clear(struct scan_reply *r);

/* Copy a library result into a reply (used by in-process workers). */
vg_status scan_reply_from_result(struct scan_reply *r, const vg_result *res);

/* The pids of the pool's live worker processes, at most max; returns how
 * many (0 for an in-process pool). For tests and status output. */
size_t pool_worker_pids(struct scan_pool *p, int *pids, size_t max);

void pool_free(struct scan_pool *p);

#endif
