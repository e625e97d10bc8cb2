/*
 * loop.c - vigild's event loop: one epoll set for the listening sockets,
 * every connection, the workers' wake-up eventfd and the signals
 * (signalfd), on one thread.
 *
 * Accepting applies the connection bounds: MaxConnections in all,
 * MaxConnectionsPerPeer per uid (Unix socket, SO_PEERCRED) or per IP (TCP),
 * and ReservedConnections slots that only a peer holding no connection may
 * take, so that one client cannot lock the others out. A refused client
 * gets one error line and is closed at once. Deadlines are checked by a
 * sweep over the connections at most every 100 ms (thousands of
 * connections cost microseconds per sweep).
 */
#include "vigild.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define SWEEP_MS 100
#define MAX_EVENTS 256

struct listener {
    int evtype; /* EV_LISTEN */
    int fd;
    int is_unix;
};

struct vd_loop {
    const struct clamdconf *cf;
    int ep;
    int wake_fd;
    int sig_fd;
    int spare_fd;           /* released to accept-and-close when out of descriptors */
    int exit;
    unsigned nconns;        /* open connections (slots in use) */
    uint64_t stream_used;
    int64_t last_refusal_log;
    unsigned refused;
    struct listener ls[VD_MAX_LISTEN];
    int nls;
};

static int ev_wake = EV_WAKE, ev_signal = EV_SIGNAL;

int64_t
loop_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const struct clamdconf *
loop_conf(struct vd_loop *l)
{
    return l->cf;
}

int
loop_epoll(struct vd_loop *l)
{
    return l->ep;
}

void
loop_conn_closed(struct vd_loop *l, struct vd_peer *peer)
{
    if (l->nconns > 0)
        l->nconns--;
    peer_del(peer);
}

int
loop_stream_reserve(struct vd_loop *l, uint64_t n)
{
    if (n > l->cf->stream_memory_limit || l->stream_used > l->cf->stream_memory_limit - n)
        return -1;
    l->stream_used += n;
    return 0;
}

void
loop_stream_release(struct vd_loop *l, uint64_t n)
{
    l->stream_used = n > l->stream_used ? 0 : l->stream_used - n;
}

void
loop_request_exit(struct vd_loop *l)
{
    l->exit = 1;
}

static void
refuse(struct vd_loop *l, int fd, const char *peername, const char *why, int64_t now)
{
    static const char msg[] = "Too many connections. ERROR\n";

    l->refused++;
    if (now - l->last_refusal_log >= 1000) {
        log_msg(VD_WARNING, "Refused connection from %s: %s (%u refused in all)", peername, why,
                l->refused);
        l->last_refusal_log = now;
    }
    if (send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
        /* the client is gone already */
    }
    close(fd);
}

static void
peer_of(int fd, int is_unix, char *key, size_t kn, char *name, size_t nn)
{
    if (is_unix) {
        struct ucred cr;
        socklen_t sl = sizeof(cr);

        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &sl) == 0) {
            snprintf(key, kn, "u:%u", (unsigned)cr.uid);
            snprintf(name, nn, "local uid %u pid %d", (unsigned)cr.uid, (int)cr.pid);
        } else {
            snprintf(key, kn, "u:?");
            snprintf(name, nn, "local");
        }
        return;
    } else {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        char ip[INET6_ADDRSTRLEN] = "?";
        unsigned port = 0;

        if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
            if (ss.ss_family == AF_INET) {
                const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;

                inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
                port = ntohs(s4->sin_port);
            } else if (ss.ss_family == AF_INET6) {
                const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;

                inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
                port = ntohs(s6->sin6_port);
            }
        }
        snprintf(key, kn, "i:%s", ip);
        snprintf(name, nn, "%s@%u", ip, port);
    }
}

static void
on_accept(struct vd_loop *l, struct listener *ls, int64_t now)
{
    const struct clamdconf *cf = l->cf;

    for (int i = 0; i < 64; i++) {
        char key[64], name[96];
        struct vd_peer *p;
        struct vd_conn *c;
        unsigned have;
        int fd = accept4(ls->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if ((errno == EMFILE || errno == ENFILE) && l->spare_fd >= 0) {
                /* Out of descriptors: take the connection with the spare
                 * one and close it, so the backlog does not spin us. */
                close(l->spare_fd);
                fd = accept4(ls->fd, NULL, NULL, SOCK_CLOEXEC);
                if (fd >= 0)
                    refuse(l, fd, "?", "out of file descriptors", now);
                l->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                log_msg(VD_ERROR, "accept() failed: %s", strerror(errno));
            return;
        }
        peer_of(fd, ls->is_unix, key, sizeof(key), name, sizeof(name));
        if ((p = peer_get(key)) == NULL) {
            refuse(l, fd, name, "out of memory", now);
            continue;
        }
        have = peer_count(p);
        if (l->nconns >= cf->max_connections) {
            refuse(l, fd, name, "MaxConnections reached", now);
            peer_unused(p);
            continue;
        }
        if (have >= cf->max_conn_per_peer) {
            refuse(l, fd, name, "MaxConnectionsPerPeer reached", now);
            continue;
        }
        if (have > 0 && cf->reserved_connections < cf->max_connections &&
            l->nconns >= cf->max_connections - cf->reserved_connections) {
            refuse(l, fd, name, "only reserved slots left, for other clients", now);
            continue;
        }
        if ((c = conn_new(l, fd, ls->is_unix, p, name, now)) == NULL) {
            refuse(l, fd, name, "out of memory", now);
            peer_unused(p);
            continue;
        }
        peer_add(p);
        l->nconns++;
        log_msg(VD_DEBUG, "New connection from %s", name);
    }
}

static void
on_signal(struct vd_loop *l)
{
    struct signalfd_siginfo si;

    while (read(l->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        switch (si.ssi_signo) {
        case SIGTERM:
        case SIGINT:
            log_msg(VD_INFO, "Received signal %u, exiting", si.ssi_signo);
            l->exit = 1;
            break;
        case SIGHUP:
            log_reopen();
            break;
        case SIGUSR2:
            engine_reload("SIGUSR2");
            break;
        default:
            break;
        }
    }
}

static void
on_wake(struct vd_loop *l, int64_t now)
{
    uint64_t v;
    struct vd_msg *m, *next;

    if (read(l->wake_fd, &v, sizeof(v)) < 0) {
        /* nothing posted since the last drain */
    }
    for (m = sched_take(); m; m = next) {
        next = m->next;
        conn_message(m, now);
        free(m);
    }
}

static int
add_fd(struct vd_loop *l, int fd, void *ptr)
{
    struct epoll_event e;

    memset(&e, 0, sizeof(e));
    e.events = EPOLLIN;
    e.data.ptr = ptr;
    return epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &e);
}

static int
setup(struct vd_loop *l, const struct vd_listeners *ls)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR2);
    if ((l->ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
        (l->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0 ||
        (l->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
        log_msg(VD_ERROR, "Can't set up the event loop: %s", strerror(errno));
        return -1;
    }
    l->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (add_fd(l, l->wake_fd, &ev_wake) != 0 || add_fd(l, l->sig_fd, &ev_signal) != 0)
        return -1;
    for (int i = 0; i < ls->n; i++) {
        l->ls[i].evtype = EV_LISTEN;
        l->ls[i].fd = ls->fd[i];
        l->ls[i].is_unix = ls->is_unix[i];
        if (add_fd(l, ls->fd[i], &l->ls[i]) != 0)
            return -1;
        l->nls++;
    }
    return 0;
}

static void
teardown(struct vd_loop *l)
{
    if (l->ep >= 0)
        close(l->ep);
    if (l->wake_fd >= 0)
        close(l->wake_fd);
    if (l->sig_fd >= 0)
        close(l->sig_fd);
    if (l->spare_fd >= 0)
        close(l->spare_fd);
}

int
loop_run(const struct clamdconf *c, const struct vd_listeners *ls, int ready_fd)
{
    struct vd_loop l;
    struct epoll_event evs[MAX_EVENTS];
    int64_t next_sweep = 0;
    int rc = 1;

    memset(&l, 0, sizeof(l));
    l.cf = c;
    l.ep = l.wake_fd = l.sig_fd = l.spare_fd = -1;
    if (setup(&l, ls) != 0)
        goto out;
    if (sched_start(c, l.wake_fd) != 0)
        goto out;
    log_msg(VD_INFO, "vigild %s ready: MaxThreads %llu, MaxQueue %llu, MaxConnections %llu",
            vg_version(), (unsigned long long)c->max_threads, (unsigned long long)c->max_queue,
            (unsigned long long)c->max_connections);
    if (ready_fd >= 0) {
        if (write(ready_fd, "", 1) < 0) {
            /* the parent is gone; serve anyway */
        }
        close(ready_fd);
    }
    while (!l.exit) {
        int64_t now = loop_now_ms(), wait = next_sweep > now ? next_sweep - now : 0;
        int n = epoll_wait(l.ep, evs, MAX_EVENTS, (int)(wait > SWEEP_MS ? SWEEP_MS : wait));

        if (n < 0 && errno != EINTR) {
            log_msg(VD_ERROR, "epoll_wait: %s", strerror(errno));
            break;
        }
        now = loop_now_ms();
        for (int i = 0; i < n; i++) {
            int type = *(int *)evs[i].data.ptr;

            if (type == EV_CONN)
                conn_event(evs[i].data.ptr, evs[i].events, now);
            else if (type == EV_LISTEN)
                on_accept(&l, evs[i].data.ptr, now);
            else if (type == EV_WAKE)
                on_wake(&l, now);
            else if (type == EV_SIGNAL)
                on_signal(&l);
            else if (type == EV_DATA)
                conn_data_event(evs[i].data.ptr, evs[i].events, now);
        }
        if (now >= next_sweep) {
            int64_t d = conn_sweep(now);

            engine_tick(now);
            next_sweep = now + SWEEP_MS;
            if (d < next_sweep)
                next_sweep = d > now ? d : now + 1;
        }
        conn_free_dead();
    }
    rc = 0;
out:
    /* Stop listening, cancel every request, let workers finish the file
     * they hold, then free what the requests held. */
    for (int i = 0; i < l.nls; i++)
        epoll_ctl(l.ep, EPOLL_CTL_DEL, l.ls[i].fd, NULL);
    conn_abort_all();
    sched_stop();
    if (l.wake_fd >= 0)
        on_wake(&l, loop_now_ms());
    conn_free_dead();
    teardown(&l);
    return rc;
}
