/*
 * spawner.c - one single-threaded process per pool that forks the
 * sandboxed workers and reaps them (why: spawner.h).
 *
 * Pool -> spawner: struct cmd {op, pid}; spawner -> pool: struct ans
 * {pid, wstatus, err}, with the new worker's socket attached (SCM_RIGHTS)
 * to the answer to SPAWN. Both ends are this same program, so the
 * messages are plain structs; SOCK_SEQPACKET keeps them whole. Requests
 * are one at a time (a mutex on the pool side): a spawn is a fork, a few
 * hundred microseconds to a few milliseconds with a large database.
 */
#include "sandbox/spawner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/err.h"

#define CTL_FD 3
/* How long an END waits for a killed worker to be gone. */
#define REAP_MS 2000

enum { OP_SPAWN = 1, OP_END = 2 };

struct cmd {
    int32_t op;
    int32_t pid;
};

struct ans {
    int32_t pid;
    int32_t wstatus;
    int32_t err;
};

struct spawner {
    pthread_mutex_t mu;
    int fd;     /* the pool's end of the control socket */
    pid_t pid;  /* the spawner */
};

/* ------------------------------------------------------- spawner side */

struct kids {
    pid_t *p;
    size_t n, cap;
};

static int
kids_add(struct kids *k, pid_t pid)
{
    if (k->n == k->cap) {
        size_t nc = k->cap ? k->cap * 2 : 16;
        pid_t *q = realloc(k->p, nc * sizeof(*q));
        if (q == NULL)
            return -1;
        k->p = q;
        k->cap = nc;
    }
    k->p[k->n++] = pid;
    return 0;
}

static int
kids_del(struct kids *k, pid_t pid)
{
    for (size_t i = 0; i < k->n; i++)
        if (k->p[i] == pid) {
            k->p[i] = k->p[--k->n];
            return 0;
        }
    return -1;
}

static int
reap(pid_t pid)
{
    int ws = 0;

    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR)
            return 0;
    return ws;
}

/* Wait up to ms for a killed worker to be gone. SIGKILL takes effect at
 * once, except for a process stuck in the kernel (a page fault on a hung
 * network file system): that one is left to be reaped later rather than
 * stalling every spawn behind it. 1 when it was reaped. */
static int
reap_within(pid_t pid, int ms, int *ws)
{
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);

    if (pfd >= 0) {
        struct pollfd p = {pfd, POLLIN, 0};
        int r;
        while ((r = poll(&p, 1, ms)) < 0 && errno == EINTR)
            ;
        close(pfd);
        if (r == 0)
            return 0;
    }
    *ws = reap(pid); /* pidfd_open is not there (Linux < 5.3): block */
    return 1;
}

/* Reap what was left dying, without waiting. */
static void
reap_dying(struct kids *dying)
{
    for (size_t i = 0; i < dying->n;) {
        if (waitpid(dying->p[i], NULL, WNOHANG) != 0)
            dying->p[i] = dying->p[--dying->n];
        else
            i++;
    }
}

static void
answer(struct ans *a, int fd)
{
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int))];
    } ctl;
    struct iovec iov = {a, sizeof(*a)};
    struct msghdr mh;

    memset(&mh, 0, sizeof(mh));
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    if (fd >= 0) {
        struct cmsghdr *c;
        memset(&ctl, 0, sizeof(ctl));
        mh.msg_control = ctl.b;
        mh.msg_controllen = sizeof(ctl.b);
        c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    while (sendmsg(CTL_FD, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR)
        ;
}

static void
do_spawn(const struct worker_cfg *cfg, struct kids *k)
{
    struct ans a = {-1, 0, 0};
    int sv[2];
    pid_t pid;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        a.err = errno;
        answer(&a, -1);
        return;
    }
    errno = 0;
    if (kids_add(k, 0) != 0 || (pid = fork()) < 0) {
        a.err = errno ? errno : ENOMEM;
        kids_del(k, 0);
        close(sv[0]);
        close(sv[1]);
        answer(&a, -1);
        return;
    }
    if (pid == 0) {
        close(sv[0]);
        worker_main(cfg, sv[1], getppid());
    }
    k->p[k->n - 1] = pid;
    close(sv[1]);
    a.pid = pid;
    answer(&a, sv[0]);
    close(sv[0]);
}

static void __attribute__((noreturn))
spawner_main(const struct worker_cfg *cfg, int ctl)
{
    struct kids k = {NULL, 0, 0}, dying = {NULL, 0, 0};
    struct sigaction sa;
    sigset_t all;

    prctl(PR_SET_NAME, "vigil-spawner", 0, 0, 0);
    /* the caller's handlers and blocked signals are not ours */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++)
        sigaction(s, &sa, NULL);
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    /* only the control socket (and stdio, which workers replace) */
    if (ctl != CTL_FD && dup2(ctl, CTL_FD) < 0)
        _exit(1);
    if (close_range(CTL_FD + 1, ~0u, 0) != 0) {
        long max = sysconf(_SC_OPEN_MAX);
        for (long fd = CTL_FD + 1; fd < (max > 0 ? max : 65536); fd++)
            close((int)fd);
    }
    for (;;) {
        struct cmd c;
        struct ans a = {-1, 0, 0};
        ssize_t r;

        reap_dying(&dying);
        r = recv(CTL_FD, &c, sizeof(c), 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r != (ssize_t)sizeof(c))
            break; /* the pool is gone (or broke the protocol) */
        if (c.op == OP_SPAWN) {
            do_spawn(cfg, &k);
            continue;
        }
        if (c.op == OP_END && c.pid > 0 && kids_del(&k, c.pid) == 0) {
            kill(c.pid, SIGKILL);
            a.pid = c.pid;
            if (!reap_within(c.pid, REAP_MS, &a.wstatus)) {
                a.err = ETIMEDOUT;
                if (kids_add(&dying, c.pid) != 0)
                    a.wstatus = reap(c.pid);
            }
        } else {
            a.err = ESRCH;
        }
        answer(&a, -1);
    }
    for (size_t i = 0; i < k.n; i++)
        kill(k.p[i], SIGKILL);
    for (size_t i = 0; i < k.n; i++)
        reap(k.p[i]);
    for (size_t i = 0; i < dying.n; i++)
        reap(dying.p[i]);
    _exit(0);
}

/* ---------------------------------------------------------- pool side */

vg_status
spawner_start(const struct worker_cfg *cfg, struct spawner **out, vg_err *err)
{
    struct spawner *sp;
    int sv[2];
    pid_t pid;

    *out = NULL;
    if ((sp = calloc(1, sizeof(*sp))) == NULL)
        return err_set(err, VG_ENOMEM, "sandbox: out of memory");
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        free(sp);
        return err_set(err, VG_ESANDBOX, "sandbox: socketpair: %s", strerror(errno));
    }
    if ((pid = fork()) < 0) {
        int e = errno;
        close(sv[0]);
        close(sv[1]);
        free(sp);
        return err_set(err, VG_ESANDBOX, "sandbox: fork: %s", strerror(e));
    }
    if (pid == 0) {
        close(sv[0]);
        spawner_main(cfg, sv[1]);
    }
    close(sv[1]);
    pthread_mutex_init(&sp->mu, NULL);
    sp->fd = sv[0];
    sp->pid = pid;
    *out = sp;
    return VG_OK;
}

/* One request, one answer (with at most one descriptor). */
static vg_status
call(struct spawner *sp, const struct cmd *c, struct ans *a, int *fd, vg_err *err)
{
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int))];
    } ctl;
    struct iovec iov = {a, sizeof(*a)};
    struct msghdr mh;
    struct cmsghdr *cm;
    ssize_t r;

    if (fd)
        *fd = -1;
    while ((r = send(sp->fd, c, sizeof(*c), MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    if (r != (ssize_t)sizeof(*c))
        return err_set(err, VG_ESANDBOX, "sandbox: the spawner is gone (%s)",
                       r < 0 ? strerror(errno) : "short write");
    do {
        memset(&mh, 0, sizeof(mh));
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = ctl.b;
        mh.msg_controllen = sizeof(ctl.b);
        r = recvmsg(sp->fd, &mh, MSG_CMSG_CLOEXEC);
    } while (r < 0 && errno == EINTR);
    for (cm = r > 0 ? CMSG_FIRSTHDR(&mh) : NULL; cm; cm = CMSG_NXTHDR(&mh, cm)) {
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
            cm->cmsg_len == CMSG_LEN(sizeof(int))) {
            int x;
            memcpy(&x, CMSG_DATA(cm), sizeof(int));
            if (fd && *fd < 0)
                *fd = x;
            else
                close(x);
        }
    }
    if (r != (ssize_t)sizeof(*a)) {
        if (fd && *fd >= 0) {
            close(*fd);
            *fd = -1;
        }
        return err_set(err, VG_ESANDBOX, "sandbox: the spawner is gone (%s)",
                       r < 0 ? strerror(errno) : "connection closed");
    }
    return VG_OK;
}

vg_status
spawner_spawn(struct spawner *sp, pid_t *pid, int *fd, vg_err *err)
{
    struct cmd c = {OP_SPAWN, 0};
    struct ans a;
    vg_status st;

    *pid = -1;
    pthread_mutex_lock(&sp->mu);
    st = call(sp, &c, &a, fd, err);
    pthread_mutex_unlock(&sp->mu);
    if (st != VG_OK)
        return st;
    if (a.pid <= 0 || *fd < 0) {
        if (*fd >= 0)
            close(*fd);
        *fd = -1;
        return err_set(err, VG_ESANDBOX, "sandbox: can't start a worker: %s",
                       a.err ? strerror(a.err) : "no socket");
    }
    *pid = a.pid;
    return VG_OK;
}

vg_status
spawner_end(struct spawner *sp, pid_t pid, int *wstatus, vg_err *err)
{
    struct cmd c = {OP_END, pid};
    struct ans a;
    vg_status st;

    *wstatus = 0;
    pthread_mutex_lock(&sp->mu);
    st = call(sp, &c, &a, NULL, err);
    pthread_mutex_unlock(&sp->mu);
    if (st != VG_OK)
        return st;
    if (a.pid != pid)
        return err_set(err, VG_ESANDBOX, "sandbox: worker %d: %s", (int)pid,
                       a.err ? strerror(a.err) : "unknown");
    if (a.err == ETIMEDOUT) {
        *wstatus = -1;
        return err_set(err, VG_ESANDBOX, "sandbox: worker %d: killed, still exiting", (int)pid);
    }
    *wstatus = a.wstatus;
    return VG_OK;
}

pid_t
spawner_pid(const struct spawner *sp)
{
    return sp->pid;
}

void
spawner_stop(struct spawner *sp)
{
    if (sp == NULL)
        return;
    close(sp->fd);
    while (waitpid(sp->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    pthread_mutex_destroy(&sp->mu);
    free(sp);
}
