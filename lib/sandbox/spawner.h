/*
 * spawner.h - the process that forks sandboxed workers for one pool.
 *
 * Forking workers straight from the caller is unsafe once the caller has
 * threads: the child inherits every lock as it was at that instant, held
 * or not, by threads that do not exist in the child (a daemon reloads its
 * database in one thread while others serve clients). So a pool forks one
 * spawner, once, when it is made; the spawner is single-threaded, does
 * nothing but fork workers and reap them, and every worker is forked from
 * it. The database and the scanner template are already in memory then,
 * so they reach every worker copy-on-write.
 *
 * The spawner keeps the caller's privileges (it must be able to switch a
 * worker to another user) but never reads a file or a byte from a worker:
 * it talks only to the pool, over a SOCK_SEQPACKET socket, in fixed-size
 * messages. Workers are its children, so their pids stay reserved (as
 * zombies) until the pool asks to end them: a pid is never killed after
 * it was reused. When the pool's end of the socket closes, the spawner
 * kills its workers and exits; when the spawner dies, its workers die
 * (PR_SET_PDEATHSIG).
 */
#ifndef VG_SANDBOX_SPAWNER_H
#define VG_SANDBOX_SPAWNER_H

#include <sys/types.h>
#include <vigil/vigil.h>

#include "sandbox/worker.h"

struct spawner;

/* Fork a spawner whose workers run with cfg. The caller should be
 * single-threaded or hold no locks the workers need (see above). */
vg_status spawner_start(const struct worker_cfg *cfg, struct spawner **out, vg_err *err);

/* A new worker: its pid and the parent's end of its socket (close-on-exec,
 * owned by the caller). VG_ESANDBOX when the spawner is gone (err says). */
vg_status spawner_spawn(struct spawner *sp, pid_t *pid, int *fd, vg_err *err);

/* Kill (SIGKILL, if it still runs) and reap worker pid; *wstatus receives
 * its wait status, which tells how it ended when it died by itself, or -1
 * when it was still exiting after a while (the spawner reaps it later). */
vg_status spawner_end(struct spawner *sp, pid_t pid, int *wstatus, vg_err *err);

/* The spawner's pid (tests). */
pid_t spawner_pid(const struct spawner *sp);

/* Close the spawner's socket, which ends it and its workers; reap it.
 * Accepts NULL. */
void spawner_stop(struct spawner *sp);

#endif
