/*
 * dclient_proto.c - the client's side of the clamd protocol: connecting,
 * z-commands, INSTREAM chunks, FILDES descriptor passing, reply lines.
 *
 * Blocking sockets; one connection per request outside IDSESSION, as
 * clamdscan does.
 */
#include "vigil/dclient.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

static const char *
tcp_host(const struct dclient *d, size_t i)
{
    if (d->conf.tcp_addr.n == 0)
        return NULL; /* loopback */
    return strcmp(d->conf.tcp_addr.v[i], "any") == 0 ? NULL : d->conf.tcp_addr.v[i];
}

int
dclient_proto_remote(const struct dclient *d)
{
    size_t n = d->conf.tcp_addr.n ? d->conf.tcp_addr.n : 1;
    char port[24];

    if (d->conf.local_socket || d->conf.tcp_socket == 0)
        return 0;
    snprintf(port, sizeof(port), "%llu", (unsigned long long)d->conf.tcp_socket);
    /* clamdscan's test: if the daemon's address can be bound here (or is
     * in use here), the daemon is local and can open paths itself. */
    for (size_t i = 0; i < n; i++) {
        struct addrinfo hints, *res, *p;

        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        if (getaddrinfo(tcp_host(d, i), port, &hints, &res) != 0)
            continue;
        for (p = res; p; p = p->ai_next) {
            int s = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol), rc, e;

            if (s < 0)
                continue;
            if (p->ai_family == AF_INET)
                ((struct sockaddr_in *)(void *)p->ai_addr)->sin_port = 0;
            else if (p->ai_family == AF_INET6)
                ((struct sockaddr_in6 *)(void *)p->ai_addr)->sin6_port = 0;
            rc = bind(s, p->ai_addr, p->ai_addrlen);
            e = errno;
            close(s);
            if (rc != 0 && e != EADDRINUSE) {
                freeaddrinfo(res);
                return 1;
            }
        }
        freeaddrinfo(res);
    }
    return 0;
}

int
dclient_proto_connect(const struct dclient *d)
{
    char port[24];
    size_t n;

    if (d->conf.local_socket) {
        struct sockaddr_un sa;
        int s;

        memset(&sa, 0, sizeof(sa));
        sa.sun_family = AF_UNIX;
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d->conf.local_socket);
        if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0) {
            if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
                return s;
            fprintf(stderr, "ERROR: Could not connect to clamd on LocalSocket %s: %s\n",
                    d->conf.local_socket, strerror(errno));
            close(s);
        }
        return -1;
    }
    if (d->conf.tcp_socket == 0) {
        fprintf(stderr, "ERROR: no LocalSocket or TCPSocket configured\n");
        return -1;
    }
    snprintf(port, sizeof(port), "%llu", (unsigned long long)d->conf.tcp_socket);
    n = d->conf.tcp_addr.n ? d->conf.tcp_addr.n : 1;
    for (size_t i = 0; i < n; i++) {
        struct addrinfo hints, *res, *p;
        const char *host = tcp_host(d, i);
        int rc;

        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
            fprintf(stderr, "ERROR: Could not lookup %s: %s\n", host ? host : "", gai_strerror(rc));
            continue;
        }
        for (p = res; p; p = p->ai_next) {
            int s = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);

            if (s < 0)
                continue;
            if (connect(s, p->ai_addr, p->ai_addrlen) == 0) {
                freeaddrinfo(res);
                return s;
            }
            fprintf(stderr, "ERROR: Could not connect to clamd on %s: %s\n",
                    host ? host : "localhost", strerror(errno));
            close(s);
        }
        freeaddrinfo(res);
    }
    return -1;
}

int
dclient_proto_send(int sock, const void *buf, size_t n)
{
    const char *p = buf;

    while (n > 0) {
        ssize_t w = send(sock, p, n, MSG_NOSIGNAL);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fprintf(stderr, "ERROR: Can't send to clamd: %s\n", strerror(errno));
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int
dclient_proto_cmd(int sock, const char *cmd)
{
    return dclient_proto_send(sock, cmd, strlen(cmd) + 1);
}

int
dclient_proto_stream(int sock, int fd, uint64_t max, const char *name)
{
    unsigned char buf[8192];
    uint64_t todo = max;

    if (dclient_proto_cmd(sock, "zINSTREAM") != 0)
        return -1;
    while (todo > 0) {
        size_t want = sizeof(buf) - 4 < todo ? sizeof(buf) - 4 : (size_t)todo;
        ssize_t r = read(fd, buf + 4, want);
        uint32_t be;

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            fprintf(stderr, "ERROR: Failed to read from %s.\n", name);
            return 1;
        }
        if (r == 0)
            break;
        be = htonl((uint32_t)r);
        memcpy(buf, &be, 4);
        if (dclient_proto_send(sock, buf, (size_t)r + 4) != 0)
            return -1;
        todo -= (uint64_t)r;
    }
    memset(buf, 0, 4);
    /* the daemon may already have answered (size limit) and closed: the
     * caller reads the reply whatever this returns */
    (void)dclient_proto_send(sock, buf, 4);
    return 0;
}

int
dclient_proto_fdpass(int sock, int fd)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } cbuf;
    char dummy = '\0';
    struct iovec iov = {&dummy, 1};
    struct msghdr mh;
    struct cmsghdr *cm;

    if (dclient_proto_cmd(sock, "zFILDES") != 0)
        return -1;
    memset(&mh, 0, sizeof(mh));
    memset(&cbuf, 0, sizeof(cbuf));
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cbuf.buf;
    mh.msg_controllen = sizeof(cbuf.buf);
    cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0) {
        if (errno == EINTR)
            continue;
        fprintf(stderr, "ERROR: FD send failed: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

void
dclient_proto_rxinit(struct dclient_rx *rx, int sock)
{
    rx->sock = sock;
    rx->len = 0;
}

int
dclient_proto_recvln(struct dclient_rx *rx, char **line)
{
    for (;;) {
        char *nul = memchr(rx->buf, '\0', rx->len);
        ssize_t r;

        if (nul) {
            size_t n = (size_t)(nul - rx->buf) + 1;

            memcpy(rx->line, rx->buf, n);
            memmove(rx->buf, rx->buf + n, rx->len - n);
            rx->len -= n;
            *line = rx->line;
            return (int)n;
        }
        if (rx->len == sizeof(rx->buf)) {
            fprintf(stderr, "ERROR: Overlong reply from clamd\n");
            return -1;
        }
        r = recv(rx->sock, rx->buf + rx->len, sizeof(rx->buf) - rx->len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == ECONNRESET && rx->len == 0)
            return 0;
        if (r <= 0) {
            if (r == 0 && rx->len == 0)
                return 0;
            rx->buf[rx->len < sizeof(rx->buf) ? rx->len : sizeof(rx->buf) - 1] = '\0';
            if (strcmp(rx->buf, "UNKNOWN COMMAND\n") == 0)
                fprintf(stderr, "ERROR: Command rejected by clamd (wrong clamd version?)\n");
            else
                fprintf(stderr, "ERROR: Communication error\n");
            return -1;
        }
        rx->len += (size_t)r;
    }
}
