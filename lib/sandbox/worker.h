/*
 * worker.h - a sandboxed scan worker: the process that parses untrusted
 * bytes.
 *
 * The spawner (spawner.c) forks it; worker_main gives up everything the
 * worker does not need (privdrop.h), enters the system-call sandbox
 * (sandbox.h), says HELLO, and then scans one descriptor per SCAN request
 * with the scanner it inherited, answering each with a REPLY (proto.h),
 * until its socket closes.
 */
#ifndef VG_SANDBOX_WORKER_H
#define VG_SANDBOX_WORKER_H

#include <stdint.h>
#include <sys/types.h>
#include <vigil/vigil.h>

#include "sandbox/privdrop.h"

/* The descriptor number of the worker's socket once it is set up. */
#define WORKER_SOCK_FD 3
/* RLIMIT_NOFILE in a worker: stdio, its socket, the file being scanned,
 * and a little room (a descriptor received beyond it would be dropped). */
#define WORKER_NOFILE 8

struct worker_cfg {
    vg_scanner *sc;                /* made before fork, used by one worker each */
    struct privdrop pd;            /* whom to become (when root) */
    struct privdrop_rlimits rl;    /* resource limits */
    uint32_t cpu_retire_s;         /* ask to be replaced after this much CPU time */
    int test_hooks;                /* VG_TESTING_HOOKS builds: obey test-hook files */
};

/* In the parent, before the spawner is forked: make the libraries do
 * their once-per-process set-up, which needs files a worker cannot open
 * (OpenSSL reads its configuration and loads its provider on the first
 * digest; glibc reads the iconv module cache). */
void worker_prepare(void);

/* Run a worker on sock (one end of a socketpair whose other end the parent
 * holds). spawner is the pid of the process that forked it: the worker
 * dies with it. Never returns. */
void worker_main(const struct worker_cfg *cfg, int sock, pid_t spawner)
    __attribute__((noreturn));

#endif
