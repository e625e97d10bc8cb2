/*
 * procpool.h - the sandboxed flavour of the scan pool (pool.h): worker
 * processes, the parent side.
 *
 * pool.c dispatches here when pool_opts.sandbox is set. The design:
 * docs/internals/SANDBOX.md; the pieces: spawner.h (forks workers),
 * worker.h (the worker), proto.h (the messages).
 */
#ifndef VG_SANDBOX_PROCPOOL_H
#define VG_SANDBOX_PROCPOOL_H

#include <sys/types.h>
#include <vigil/vigil.h>

#include "sandbox/pool.h"

struct procpool;

/* Make the scanner template, fork the spawner and start po->workers
 * workers (0 = number of CPUs), waiting until each has entered its
 * sandbox. db must outlive the pool. Errors say which step failed. */
vg_status procpool_new(const vg_db *db, const vg_scan_opts *opts, const struct pool_opts *po,
                       struct procpool **out, vg_err *err);

/* Scan fd in a worker; fills reply (always) and returns reply->status. */
vg_status procpool_scan_fd(struct procpool *pp, int fd, struct scan_reply *reply);

/* Up to max pids of the live workers; returns how many. */
size_t procpool_worker_pids(struct procpool *pp, pid_t *pids, size_t max);

/* Stop the workers and the spawner. Accepts NULL. */
void procpool_free(struct procpool *pp);

#endif
