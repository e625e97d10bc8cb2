/*
 * testhook.h - fault injection for the sandbox tests.
 *
 * Built only with VG_TESTING_HOOKS, and obeyed only by workers of a pool
 * made while the environment variable VIGIL_SANDBOX_TEST_HOOKS was "1"
 * (read by the parent before it forks anything). A file whose first bytes
 * are "VIGIL-SANDBOX-TEST:<action>" then makes the worker, instead of
 * scanning, try a forbidden system call (open openat socket connect
 * execve ptrace fork clone), crash (segv abort), spin (loop), allocate
 * until memory runs out (alloc), send a malformed reply (badreply) or
 * exit (exit).
 */
#ifndef VG_SANDBOX_TESTHOOK_H
#define VG_SANDBOX_TESTHOOK_H

#include <vigil/vigil.h>

#define TESTHOOK_ENV "VIGIL_SANDBOX_TEST_HOOKS"
#define TESTHOOK_MAGIC "VIGIL-SANDBOX-TEST:"

/* 1 when this build has the hooks and the environment asks for them. */
int testhook_enabled(void);

/* In a worker, before scanning fd: run the action the file asks for.
 * Returns 0 when fd is not a test-hook file (scan it); 1 when the action
 * ran and came back, with *st the status to report. sock is the worker's
 * socket (for badreply). */
int testhook_run(int fd, int sock, vg_status *st);

#endif
