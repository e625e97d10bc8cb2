/*
 * vigild.h - the parts of vigild and how they talk to each other.
 *
 * One thread runs the event loop (loop.c): it accepts connections, reads and
 * frames commands (conn.c), writes replies, and enforces every deadline and
 * bound. Scans never run on it: a request that needs one becomes a job for
 * the bounded worker pool (sched.c); workers open files and walk directories
 * (walk.c), hand descriptors to the engine's scan pool (lib/sandbox/pool.h)
 * and post reply lines back to the loop through a message queue and an
 * eventfd. The engine (engine.c) is a refcounted (database, scan pools) pair:
 * every request holds the engine it started on, so a reload that switches
 * the current engine lets scans in flight finish on the old one.
 *
 * Ownership across threads: a struct vd_conn belongs to the loop thread.
 * A struct vd_req is created by the loop; workers read its immutable fields
 * and its atomic counters and never touch its connection; the loop frees it
 * when its last job reports done.
 */
#ifndef VG_VIGILD_H
#define VG_VIGILD_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include <vigil/vigil.h>

#include "clamd/clamdcmd.h"
#include "clamd/clamdconf.h"

/* ------------------------------------------------------------------ log.c */

enum vd_level { VD_ERROR, VD_WARNING, VD_INFO, VD_VERBOSE, VD_DEBUG };

/* Open the configured destinations (LogFile, syslog, stderr when in the
 * foreground). Returns 0, or -1 with errno when LogFile cannot be opened. */
int log_open(const struct clamdconf *c, int to_stderr);
/* Reopen LogFile (SIGHUP). */
void log_reopen(void);
void log_close(void);
/* Thread-safe. A trailing newline is added. */
void log_msg(enum vd_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* --------------------------------------------------------------- engine.c */

struct vd_engine {
    atomic_int refs;
    vg_db *db;
    struct scan_pool *pool;          /* first-match scans */
    struct scan_pool *pool_all;      /* ALLMATCHSCAN; NULL when AllowAllMatchScan no */
    vg_db_info info;
    char version[160];               /* "ClamAV 0.1.0/27000/Wed Jun 23 01:34:05 2021" */
    uint64_t generation;
};

/* Load the first engine synchronously. */
vg_status engine_init(const struct clamdconf *c, vg_err *err);
/* The current engine with one more reference; never NULL after engine_init. */
struct vd_engine *engine_acquire(void);
void engine_release(struct vd_engine *e);
/* Ask for a reload: built in a thread beside the current engine, switched
 * atomically when ready; a failure keeps the current one and is logged.
 * Requests while one runs are merged into one more run. Thread-safe. */
void engine_reload(const char *why);
/* Called by the loop now and then: runs SelfCheck when due. */
void engine_tick(int64_t now_ms);
/* Number of reloads finished (ok, failed), for tests and STATS. */
void engine_counts(uint64_t *ok, uint64_t *failed);
/* Wait for a running reload and drop the current engine. */
void engine_shutdown(void);

/* ----------------------------------------------------------------- sched.c */

enum vd_job_kind {
    JOB_PATH,      /* SCAN/CONTSCAN/MULTISCAN/ALLMATCHSCAN of req->path */
    JOB_FD,        /* INSTREAM memfd or FILDES descriptor in req->fd */
    JOB_MULTIFILE  /* one file of a MULTISCAN, path in job->path */
};

struct vd_conn;

/* One request: a command that needs workers. */
struct vd_req {
    struct vd_conn *conn;      /* loop-owned; workers never use it */
    struct vd_req *next_in_conn;
    unsigned id;               /* IDSESSION request id, 0 outside a session */
    char term;                 /* reply terminator */
    enum clamdcmd_id cmd;
    char *path;                /* argument of the SCAN family */
    int fd;                    /* INSTREAM memfd / FILDES descriptor, -1 */
    char fdname[64];           /* "stream", "fd[12]" */
    char logname[96];          /* "instream(local)", "instream(127.0.0.1@4455)", "fd[12]" */
    uint64_t stream_reserved;  /* stream memory accounted for this request */
    int allmatch;
    struct vd_engine *eng;
    atomic_int jobs;           /* jobs not yet done */
    atomic_int cancel;         /* set by the loop: the client went away */
    atomic_uint total, errors, infected; /* clamd's final "OK" bookkeeping */
    atomic_int multi_inflight; /* MULTISCAN sub-jobs queued or running */
    int64_t start_ms;
};

/* Start n worker threads; queue bound as MaxQueue. wake_fd is written when
 * messages are posted for the loop. */
int sched_start(const struct clamdconf *c, int wake_fd);
/* Stop the workers after their current job (queued jobs are dropped). */
void sched_stop(void);
/* Queue a top-level job for req. Returns 0, or -1 when the queue is full
 * (the caller answers with an overload error). */
int sched_submit(struct vd_req *req);
/* Queue a MULTISCAN sub-job (called by a worker). Returns -1 when the
 * request already has its share queued: the caller scans inline. */
int sched_submit_multi(struct vd_req *req, const char *path);
/* Would sched_submit succeed now? */
int sched_has_room(void);

/* Messages from workers to the loop. */
enum vd_msg_kind { MSG_LINE, MSG_DONE };
struct vd_msg {
    struct vd_msg *next;
    enum vd_msg_kind kind;
    struct vd_req *req;
    size_t len;
    char text[];               /* MSG_LINE: reply text without id or terminator */
};
/* Post a reply line for req (worker side). Blocks briefly when the loop is
 * far behind, so memory stays bounded. */
void sched_post_line(struct vd_req *req, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A job of req is done (worker side). */
void sched_post_done(struct vd_req *req);
/* Take every pending message (loop side), oldest first. */
struct vd_msg *sched_take(void);
/* The STATS reply text (without session prefix or terminator); malloc'd. */
char *sched_stats(void);
/* Mark what the calling worker does, for STATS. */
void sched_set_task(const char *task, const char *name);

/* ------------------------------------------------------------------ walk.c */

/* Run a job on a worker thread: walk and scan, posting reply lines. */
void walk_run(struct vd_req *req, enum vd_job_kind kind, const char *path);
/* Compile ExcludePath patterns. */
int walk_init(const struct clamdconf *c, vg_err *err);
void walk_fini(void);

/* ------------------------------------------------------------------ peer.c */

struct vd_peer;
/* Find or create the accounting entry for a peer key ("u:1000",
 * "i:127.0.0.1"); NULL when out of memory. */
struct vd_peer *peer_get(const char *key);
unsigned peer_count(const struct vd_peer *p);
void peer_add(struct vd_peer *p);
/* Drop one connection; the entry is freed at zero. */
void peer_del(struct vd_peer *p);
/* Free the entry if it holds no connection (after a refused accept). */
void peer_unused(struct vd_peer *p);

/* ------------------------------------------------------------------ conn.c */

struct vd_loop;
struct vd_listeners;

/* Take over an accepted socket (non-blocking, close-on-exec). NULL when
 * out of memory (the caller closes fd). */
struct vd_conn *conn_new(struct vd_loop *l, int fd, int is_unix, struct vd_peer *peer,
                         const char *peername, int64_t now_ms);
/* epoll said the connection's socket is ready. */
void conn_event(struct vd_conn *c, uint32_t events, int64_t now_ms);
/* Deliver a worker message for one of a connection's requests. */
void conn_message(struct vd_msg *m, int64_t now_ms);
/* Enforce every connection's deadlines; returns the earliest one still
 * pending (ms), INT64_MAX if none. */
int64_t conn_sweep(int64_t now_ms);
/* Close every connection and cancel their requests (shutdown). */
void conn_abort_all(void);
/* Free the connections closed during this loop round (called between
 * rounds, so that no event of the round refers to freed memory). */
void conn_free_dead(void);
/* Open connections, and connections with requests still running. */
unsigned conn_count(void);

/* Every epoll registration points at a struct whose first member is one
 * of these. */
enum vd_evtype { EV_LISTEN = 1, EV_WAKE, EV_SIGNAL, EV_CONN, EV_DATA };

/* The data port or data connection of a legacy STREAM (EV_DATA). */
void conn_data_event(void *tag, uint32_t events, int64_t now_ms);

/* ------------------------------------------------------------------ loop.c */

/* The configuration every connection consults. */
const struct clamdconf *loop_conf(struct vd_loop *l);
int loop_epoll(struct vd_loop *l);
/* A connection closed: give back its slot. */
void loop_conn_closed(struct vd_loop *l, struct vd_peer *peer);
/* Stream memory accounting over all connections; reserve fails (-1) past
 * StreamMemoryLimit. */
int loop_stream_reserve(struct vd_loop *l, uint64_t n);
void loop_stream_release(struct vd_loop *l, uint64_t n);
/* SHUTDOWN command. */
void loop_request_exit(struct vd_loop *l);

/* Run the daemon until SIGTERM/SHUTDOWN. ready_fd (or -1) receives one
 * zero byte once the loop serves (the parent of a daemonized vigild waits
 * for it). Returns the exit status. */
int loop_run(const struct clamdconf *c, const struct vd_listeners *ls, int ready_fd);

/* ---------------------------------------------------------------- listen.c */

#define VD_MAX_LISTEN 17

struct vd_listeners {
    int fd[VD_MAX_LISTEN];
    int is_unix[VD_MAX_LISTEN];
    int n;
    int from_systemd;
    char *unix_path;  /* socket file we created (to unlink at exit) */
};

/* Create (or take over from systemd) the listening sockets. */
vg_status listen_open(const struct clamdconf *c, struct vd_listeners *l, vg_err *err);
void listen_close(struct vd_listeners *l, int unlink_socket);

/* Monotonic milliseconds (loop.c); every deadline is on this clock. */
int64_t loop_now_ms(void);

#endif
