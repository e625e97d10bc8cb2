/*
 * procpool.c - the sandboxed scan pool, parent side: N worker slots, a
 * free list, and the exchange "descriptor out, reply in" with the
 * per-file deadline.
 *
 * A caller takes a free slot (blocking while all are busy), sends the
 * request with the descriptor (SCM_RIGHTS) and reads the reply, waiting at
 * most timeout_ms in all. Whatever goes wrong with the worker - it died
 * (crash, seccomp kill, CPU limit), it ran out of time, it sent something
 * that is not a valid reply, or it sent more than one - ends it through
 * the spawner, which reports how it died; the file gets an error reply
 * (VG_ETIMEOUT for the deadline, VG_ESANDBOX for the rest), never a clean
 * one, and a replacement is forked at once, before the caller is answered,
 * so that the next file finds a worker setting itself up already. A worker
 * that asks to retire (PROTO_F_RETIRE) is replaced the same way after its
 * reply was used.
 *
 * Threads: the spawner is forked once, in procpool_new, before this pool
 * has threads of its own; workers are forked by the spawner, never here.
 * Slots are used by one caller at a time; the spawner serialises its own
 * requests.
 */
#include "sandbox/procpool.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "sandbox/proto.h"
#include "sandbox/spawner.h"
#include "sandbox/testhook.h"
#include "sandbox/worker.h"

/* How long a new pool waits for its workers to enter their sandbox. */
#define STARTUP_MS 20000
/* Address space a worker may add to what it inherits, beyond the largest
 * file it may map, when the caller does not say. */
#define DEFAULT_EXTRA_AS (2ull << 30)
/* CPU seconds a worker may use in its life when there is no per-file
 * timeout; it retires at half. */
#define DEFAULT_CPU_S 600

struct wslot {
    pid_t pid;      /* -1: no worker */
    int fd;         /* our end of its socket, -1: none */
    int fresh;      /* its HELLO is still to be read */
    struct buf rx;  /* what came from it; rxoff: how much of that was read */
    size_t rxoff;
    struct buf tx;  /* the request being sent */
};

struct procpool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned n;
    struct wslot *w;
    unsigned *free_idx;
    unsigned nfree;
    struct spawner *sp;
    struct worker_cfg cfg;
    uint32_t timeout_ms;
    atomic_uint_fast64_t seq;
};

/* ------------------------------------------------------------- timing */

static void
deadline_in(struct timespec *dl, uint32_t ms)
{
    clock_gettime(CLOCK_MONOTONIC, dl);
    dl->tv_sec += ms / 1000;
    dl->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (dl->tv_nsec >= 1000000000L) {
        dl->tv_sec++;
        dl->tv_nsec -= 1000000000L;
    }
}

static int
ms_left(const struct timespec *dl)
{
    struct timespec now;
    long long ms;

    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (long long)(dl->tv_sec - now.tv_sec) * 1000 + (dl->tv_nsec - now.tv_nsec) / 1000000;
    if (ms <= 0 && (dl->tv_sec > now.tv_sec || (dl->tv_sec == now.tv_sec && dl->tv_nsec > now.tv_nsec)))
        ms = 1; /* less than a millisecond left: still some */
    return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

/* ------------------------------------------------------------ messages */

enum { RX_OK = 0, RX_CLOSED = -1, RX_TIMEOUT = -2, RX_UNSENT = -3, RX_BADFD = -4 };

/* Bytes asked for at once: a whole usual reply in one read. */
#define RX_CHUNK 4096
/* A receive buffer grown past this is given back after use. */
#define RX_KEEP (64u << 10)

/* Have at least n unread bytes in the slot's buffer, reading what the
 * socket holds (perhaps more than n) before the deadline (dl NULL: none). */
static int
rx_fill(struct wslot *w, size_t n, const struct timespec *dl)
{
    /* a reply takes the worker a moment: wait before the first read */
    int wait = 1;

    while (w->rx.len - w->rxoff < n) {
        size_t want = n > RX_CHUNK ? n : RX_CHUNK;
        ssize_t r;

        if (wait) {
            struct pollfd pfd = {w->fd, POLLIN, 0};
            if (dl && ms_left(dl) <= 0)
                return RX_TIMEOUT;
            r = poll(&pfd, 1, dl ? ms_left(dl) : -1);
            if (r == 0)
                return RX_TIMEOUT;
            if (r < 0 && errno != EINTR)
                return RX_CLOSED;
        }
        if (w->rxoff > 0) {
            memmove(w->rx.p, w->rx.p + w->rxoff, w->rx.len - w->rxoff);
            w->rx.len -= w->rxoff;
            w->rxoff = 0;
        }
        if (w->rx.cap - w->rx.len < want && buf_reserve(&w->rx, want) != VG_OK)
            return RX_CLOSED;
        r = recv(w->fd, w->rx.p + w->rx.len, w->rx.cap - w->rx.len, MSG_DONTWAIT);
        if (r > 0) {
            w->rx.len += (size_t)r;
            wait = 0;
            continue;
        }
        if (r == 0 || (errno != EAGAIN && errno != EINTR))
            return RX_CLOSED;
        wait = errno == EAGAIN;
    }
    return RX_OK;
}

/* One frame of the expected type. *body points into the slot's buffer,
 * valid until its next read. On a malformed frame, RX_CLOSED with why set. */
static int
recv_frame(struct wslot *w, uint16_t want, const struct timespec *dl, const uint8_t **body,
           uint32_t *len, char *why, size_t whylen)
{
    uint16_t type;
    int r;

    *body = NULL;
    if ((r = rx_fill(w, PROTO_HDR_SIZE, dl)) != RX_OK)
        return r;
    if (proto_hdr_decode(w->rx.p + w->rxoff, &type, len) != 0 || type != want) {
        snprintf(why, whylen, "malformed message header");
        return RX_CLOSED;
    }
    if ((r = rx_fill(w, PROTO_HDR_SIZE + (size_t)*len, dl)) != RX_OK)
        return r;
    *body = w->rx.p + w->rxoff + PROTO_HDR_SIZE;
    w->rxoff += PROTO_HDR_SIZE + (size_t)*len;
    return RX_OK;
}

static void
rx_reset(struct wslot *w)
{
    w->rx.len = 0;
    w->rxoff = 0;
    if (w->rx.cap > RX_KEEP)
        buf_free(&w->rx);
}

static int
send_request(struct wslot *w, uint64_t seq, int fd)
{
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int))];
    } ctl;
    struct buf *b = &w->tx;
    struct iovec iov;
    struct msghdr mh;
    struct cmsghdr *c;
    ssize_t r;

    b->len = 0;
    if (proto_scan_encode(b, seq) != VG_OK)
        return -1;
    memset(&mh, 0, sizeof(mh));
    memset(&ctl, 0, sizeof(ctl));
    iov.iov_base = b->p;
    iov.iov_len = b->len;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl.b;
    mh.msg_controllen = sizeof(ctl.b);
    c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    while ((r = sendmsg(w->fd, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    if (r < 0)
        return -1;
    /* a 24-byte message into an empty socket goes whole; if not, the rest */
    for (size_t off = (size_t)r; off < b->len; off += (size_t)r)
        if ((r = send(w->fd, b->p + off, b->len - off, MSG_NOSIGNAL)) <= 0)
            return -1;
    return 0;
}

/* -------------------------------------------------------------- slots */

static vg_status
slot_spawn(struct procpool *pp, struct wslot *w, vg_err *err)
{
    vg_status st = spawner_spawn(pp->sp, &w->pid, &w->fd, err);

    if (st != VG_OK) {
        w->pid = -1;
        w->fd = -1;
        return st;
    }
    w->fresh = 1;
    return VG_OK;
}

/* End the slot's worker; *wstatus says how it died (0 if unknown). */
static void
slot_end(struct procpool *pp, struct wslot *w, int *wstatus)
{
    vg_err err;
    int ws = 0;

    if (w->fd >= 0)
        close(w->fd);
    rx_reset(w);
    if (w->pid > 0 && spawner_end(pp->sp, w->pid, &ws, &err) != VG_OK && ws != -1)
        ws = 0;
    w->fd = -1;
    w->pid = -1;
    if (wstatus)
        *wstatus = ws;
}

static void
describe_death(int ws, char *out, size_t len)
{
    if (ws == -1) {
        snprintf(out, len, "worker killed (still exiting)");
    } else if (WIFSIGNALED(ws)) {
        const char *abbrev = sigabbrev_np(WTERMSIG(ws));
        snprintf(out, len, "worker killed by SIG%s%s", abbrev ? abbrev : "?",
                 WTERMSIG(ws) == SIGSYS ? " (forbidden system call)"
                 : WTERMSIG(ws) == SIGXCPU ? " (CPU time limit)"
                                           : "");
    } else if (WIFEXITED(ws)) {
        snprintf(out, len, "worker exited with status %d", WEXITSTATUS(ws));
    } else {
        snprintf(out, len, "worker ended");
    }
}

static void
fail_reply(struct scan_reply *r, vg_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail_reply(struct scan_reply *r, vg_status st, const char *fmt, ...)
{
    va_list ap;

    scan_reply_clear(r);
    r->status = st;
    va_start(ap, fmt);
    vsnprintf(r->error, sizeof(r->error), fmt, ap);
    va_end(ap);
}

/* The HELLO of a new worker: 0 when it is in its sandbox. */
static int
read_hello(struct wslot *w, const struct timespec *dl, char *why, size_t whylen)
{
    const uint8_t *body;
    uint32_t len;
    vg_status st;
    char msg[PROTO_ERROR_MAX + 1];
    int r = recv_frame(w, PROTO_HELLO, dl, &body, &len, why, whylen);

    if (r != RX_OK)
        return r;
    if (proto_hello_decode(body, len, &st, msg, sizeof(msg), why, whylen) != 0)
        return RX_CLOSED;
    if (st != VG_OK) {
        snprintf(why, whylen, "worker set-up failed: %.200s", msg);
        return RX_CLOSED;
    }
    w->fresh = 0;
    return RX_OK;
}

/* The exchange with a live worker. Returns RX_OK with reply filled (and
 * *retire), or RX_CLOSED / RX_TIMEOUT with why set when the worker must go. */
static int
exchange(struct procpool *pp, struct wslot *w, int fd, const struct timespec *dl,
         struct scan_reply *reply, int *retire, char *why, size_t whylen)
{
    uint64_t seq = atomic_fetch_add(&pp->seq, 1) + 1;
    const uint8_t *body = NULL;
    uint32_t len, flags = 0;
    int r, pending = 0;
    char msg[224];

    why[0] = '\0';
    if (send_request(w, seq, fd) != 0) {
        if (errno == EBADF)
            return RX_BADFD; /* the caller's descriptor, not the worker */
        /* it never saw the file; a new one may have said why it left */
        if (w->fresh && read_hello(w, dl, why, whylen) == RX_OK)
            why[0] = '\0';
        return RX_UNSENT;
    }
    if (w->fresh && (r = read_hello(w, dl, why, whylen)) != RX_OK)
        return r;
    if ((r = recv_frame(w, PROTO_REPLY, dl, &body, &len, why, whylen)) != RX_OK)
        return r;
    if (proto_reply_decode(body, len, seq, reply, &flags, msg, sizeof(msg)) != 0) {
        snprintf(why, whylen, "malformed reply: %.200s", msg);
        return RX_CLOSED;
    }
    /* one reply per request: anything more (read with it) is a worker out
     * of control; what it sends later is read as the next reply, and then
     * its sequence number does not match */
    pending = (int)(w->rx.len - w->rxoff);
    rx_reset(w);
    if (pending != 0) {
        snprintf(why, whylen, "malformed reply: %d bytes after its end", pending);
        return RX_CLOSED;
    }
    *retire = (flags & PROTO_F_RETIRE) != 0;
    return RX_OK;
}

vg_status
procpool_scan_fd(struct procpool *pp, int fd, struct scan_reply *reply)
{
    struct timespec dl;
    struct wslot *w;
    unsigned idx;
    char why[256], death[96];
    int r = RX_CLOSED, retire = 0, ws = 0, attempts = 0;
    vg_err err;

    memset(reply, 0, sizeof(*reply));
    if (fd < 0) {
        fail_reply(reply, VG_EINVAL, "invalid descriptor %d", fd);
        return reply->status;
    }
    pthread_mutex_lock(&pp->mu);
    while (pp->nfree == 0)
        pthread_cond_wait(&pp->cv, &pp->mu);
    idx = pp->free_idx[--pp->nfree];
    pthread_mutex_unlock(&pp->mu);
    w = &pp->w[idx];
    if (pp->timeout_ms)
        deadline_in(&dl, pp->timeout_ms);

    for (;;) {
        if (w->fd < 0 && slot_spawn(pp, w, &err) != VG_OK) {
            fail_reply(reply, VG_ESANDBOX, "%.200s", err.msg);
            goto out;
        }
        r = exchange(pp, w, fd, pp->timeout_ms ? &dl : NULL, reply, &retire, why, sizeof(why));
        if (r == RX_OK)
            break;
        if (r == RX_BADFD) {
            fail_reply(reply, VG_EINVAL, "invalid descriptor %d", fd);
            goto out;
        }
        slot_end(pp, w, &ws);
        describe_death(ws, death, sizeof(death));
        /* a worker that died while idle never saw this file: one more try */
        if (r == RX_UNSENT && why[0] == '\0' && attempts++ == 0)
            continue;
        if (r == RX_TIMEOUT)
            fail_reply(reply, VG_ETIMEOUT, "worker timed out after %u ms", (unsigned)pp->timeout_ms);
        else if (why[0])
            fail_reply(reply, VG_ESANDBOX, "%.150s (%.90s)", why, death);
        else
            fail_reply(reply, VG_ESANDBOX, "%.200s", death);
        (void)slot_spawn(pp, w, &err); /* the replacement starts now */
        goto out;
    }
    if (retire) {
        slot_end(pp, w, NULL);
        (void)slot_spawn(pp, w, &err);
    }
out:
    pthread_mutex_lock(&pp->mu);
    pp->free_idx[pp->nfree++] = idx;
    pthread_cond_signal(&pp->cv);
    pthread_mutex_unlock(&pp->mu);
    return reply->status;
}

/* ----------------------------------------------------------- lifetime */

static uint32_t
cpu_limit_s(uint32_t timeout_ms)
{
    uint64_t s = (uint64_t)timeout_ms / 1000 * 3;

    return s < DEFAULT_CPU_S ? DEFAULT_CPU_S : s > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)s;
}

vg_status
procpool_new(const vg_db *db, const vg_scan_opts *opts, const struct pool_opts *po,
             struct procpool **out, vg_err *err)
{
    struct procpool *pp;
    vg_scan_opts defaults;
    struct timespec dl;
    uint64_t extra, base;
    vg_status st;
    unsigned n = po->workers ? po->workers : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);

    *out = NULL;
    if (n == 0)
        n = 1;
    if (opts == NULL) {
        vg_scan_opts_default(&defaults);
        opts = &defaults;
    }
    if ((pp = calloc(1, sizeof(*pp))) == NULL)
        return err_set(err, VG_ENOMEM, "sandbox: out of memory");
    pthread_mutex_init(&pp->mu, NULL);
    pthread_cond_init(&pp->cv, NULL);
    atomic_init(&pp->seq, 0);
    pp->timeout_ms = po->timeout_ms;
    if ((pp->w = calloc(n, sizeof(*pp->w))) == NULL ||
        (pp->free_idx = calloc(n, sizeof(*pp->free_idx))) == NULL) {
        st = err_set(err, VG_ENOMEM, "sandbox: out of memory");
        goto out;
    }
    for (unsigned i = 0; i < n; i++) {
        pp->w[i].pid = -1;
        pp->w[i].fd = -1;
    }
    pp->n = n;
    if ((st = privdrop_resolve(po->user, &pp->cfg.pd, err)) != VG_OK)
        goto out;
    if ((st = vg_scanner_new(db, opts, &pp->cfg.sc)) != VG_OK) {
        err_set(err, st, "sandbox: scanner: %s", vg_status_str(st));
        goto out;
    }
    worker_prepare();
    /* address space: what a worker inherits, plus room to work */
    extra = po->max_memory ? po->max_memory : DEFAULT_EXTRA_AS + opts->max_filesize;
    base = privdrop_vmsize();
    pp->cfg.rl.as_bytes = base && extra <= UINT64_MAX - base ? base + extra : 0;
    pp->cfg.rl.cpu_s = cpu_limit_s(po->timeout_ms);
    pp->cfg.rl.nofile = WORKER_NOFILE;
    pp->cfg.cpu_retire_s = pp->cfg.rl.cpu_s / 2;
    pp->cfg.test_hooks = testhook_enabled();
    if ((st = spawner_start(&pp->cfg, &pp->sp, err)) != VG_OK)
        goto out;
    for (unsigned i = 0; i < n; i++)
        if ((st = slot_spawn(pp, &pp->w[i], err)) != VG_OK)
            goto out;
    /* every worker must reach its sandbox, or the pool is not made */
    deadline_in(&dl, STARTUP_MS);
    for (unsigned i = 0; i < n; i++) {
        char why[256] = "";
        int r = read_hello(&pp->w[i], &dl, why, sizeof(why));
        if (r != RX_OK) {
            int ws = 0;
            char death[96];
            slot_end(pp, &pp->w[i], &ws);
            describe_death(ws, death, sizeof(death));
            st = err_set(err, VG_ESANDBOX, "sandbox: %s", why[0] ? why
                                                 : r == RX_TIMEOUT ? "worker set-up timed out"
                                                                   : death);
            goto out;
        }
        pp->free_idx[pp->nfree++] = i;
    }
    *out = pp;
    pp = NULL;
    st = VG_OK;
out:
    procpool_free(pp);
    return st;
}

size_t
procpool_worker_pids(struct procpool *pp, pid_t *pids, size_t max)
{
    size_t k = 0;

    pthread_mutex_lock(&pp->mu);
    for (unsigned i = 0; i < pp->n && k < max; i++)
        if (pp->w[i].pid > 0)
            pids[k++] = pp->w[i].pid;
    pthread_mutex_unlock(&pp->mu);
    return k;
}

void
procpool_free(struct procpool *pp)
{
    if (pp == NULL)
        return;
    /* closing a worker's socket ends it (it reads EOF); the spawner,
     * when its socket closes, kills and reaps whatever is left */
    for (unsigned i = 0; pp->w && i < pp->n; i++) {
        if (pp->w[i].fd >= 0)
            close(pp->w[i].fd);
        buf_free(&pp->w[i].rx);
        buf_free(&pp->w[i].tx);
    }
    spawner_stop(pp->sp);
    vg_scanner_free(pp->cfg.sc);
    free(pp->w);
    free(pp->free_idx);
    pthread_cond_destroy(&pp->cv);
    pthread_mutex_destroy(&pp->mu);
    free(pp);
}
