/*
 * listen.c - vigild's listening sockets: LocalSocket (Unix) and TCPSocket/
 * TCPAddr, or the sockets systemd passes (socket activation, LISTEN_FDS).
 *
 * Done once at start-up, before privileges are dropped.
 */
#include "vigild.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/err.h"

static int
set_flags(int fd)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
        return -1;
    return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static int
from_systemd(struct vd_listeners *l)
{
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
    long n;

    if (pid == NULL || fds == NULL || strtol(pid, NULL, 10) != (long)getpid())
        return 0;
    n = strtol(fds, NULL, 10);
    if (n <= 0)
        return 0;
    if (n > VD_MAX_LISTEN)
        n = VD_MAX_LISTEN;
    for (long i = 0; i < n; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        int fd = 3 + (int)i;

        if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
            continue;
        set_flags(fd);
        l->fd[l->n] = fd;
        l->is_unix[l->n] = ss.ss_family == AF_UNIX;
        l->n++;
    }
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    log_msg(VD_INFO, "Received %d file descriptor(s) from systemd.", l->n);
    l->from_systemd = 1;
    return l->n;
}

static vg_status
open_unix(const struct clamdconf *c, struct vd_listeners *l, vg_err *err)
{
    const char *path = c->local_socket;
    struct sockaddr_un sa;
    struct stat sb;
    mode_t mode = 0666;
    int fd;

    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa.sun_path))
        return err_set(err, VG_EINVAL, "LocalSocket %s: path longer than %zu bytes", path,
                       sizeof(sa.sun_path) - 1);
    strcpy(sa.sun_path, path);
    if (c->local_socket_mode) {
        char *end;
        unsigned long m = strtoul(c->local_socket_mode, &end, 8);

        if (*end != '\0' || m > 07777)
            return err_set(err, VG_EINVAL, "LocalSocketMode '%s': not an octal mode",
                           c->local_socket_mode);
        mode = (mode_t)m;
    }
    if (lstat(path, &sb) == 0) {
        int probe;

        if (!S_ISSOCK(sb.st_mode))
            return err_set(err, VG_EINVAL, "LocalSocket %s: exists and is not a socket", path);
        if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
            return err_set(err, VG_EIO, "socket: %s", strerror(errno));
        if (connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            close(probe);
            return err_set(err, VG_EINVAL, "LocalSocket %s: another daemon is listening on it",
                           path);
        }
        close(probe);
        if (!c->fix_stale_socket)
            return err_set(err, VG_EINVAL,
                           "LocalSocket %s: stale socket file (set FixStaleSocket yes)", path);
        if (unlink(path) != 0)
            return err_set(err, VG_EIO, "LocalSocket %s: can't remove stale socket: %s", path,
                           strerror(errno));
        log_msg(VD_INFO, "Removed stale socket file %s", path);
    }
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
        return err_set(err, VG_EIO, "socket: %s", strerror(errno));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        int e = errno;

        close(fd);
        return err_set(err, VG_EIO, "LocalSocket %s: bind: %s", path, strerror(e));
    }
    if ((l->unix_path = strdup(path)) == NULL) {
        close(fd);
        unlink(path);
        return err_set(err, VG_ENOMEM, "out of memory");
    }
    if (c->local_socket_group) {
        struct group *g = getgrnam(c->local_socket_group);

        if (g == NULL || chown(path, (uid_t)-1, g->gr_gid) != 0)
            log_msg(VD_WARNING, "LocalSocketGroup %s: can't set the group of %s",
                    c->local_socket_group, path);
    }
    if (chmod(path, mode) != 0)
        log_msg(VD_WARNING, "LocalSocketMode: can't chmod %s: %s", path, strerror(errno));
    if (listen(fd, (int)(c->max_conn_queue > 65535 ? 65535 : c->max_conn_queue)) != 0) {
        int e = errno;

        close(fd);
        return err_set(err, VG_EIO, "LocalSocket %s: listen: %s", path, strerror(e));
    }
    l->fd[l->n] = fd;
    l->is_unix[l->n] = 1;
    l->n++;
    log_msg(VD_INFO, "LOCAL: Unix socket file %s", path);
    return VG_OK;
}

static vg_status
open_tcp(const struct clamdconf *c, const char *addr, struct vd_listeners *l, vg_err *err)
{
    struct addrinfo hints, *res = NULL, *p;
    char port[24];
    int rc, opened = 0;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    snprintf(port, sizeof(port), "%llu", (unsigned long long)c->tcp_socket);
    if ((rc = getaddrinfo(addr, port, &hints, &res)) != 0)
        return err_set(err, VG_EINVAL, "TCPAddr %s: %s", addr ? addr : "any", gai_strerror(rc));
    for (p = res; p && l->n < VD_MAX_LISTEN; p = p->ai_next) {
        int fd, one = 1;

        fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, p->ai_protocol);
        if (fd < 0)
            continue;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (p->ai_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        if (bind(fd, p->ai_addr, p->ai_addrlen) != 0 ||
            listen(fd, (int)(c->max_conn_queue > 65535 ? 65535 : c->max_conn_queue)) != 0) {
            int e = errno;

            close(fd);
            freeaddrinfo(res);
            return err_set(err, VG_EIO, "TCPSocket %s port %s: %s", addr ? addr : "any", port,
                           strerror(e));
        }
        l->fd[l->n] = fd;
        l->is_unix[l->n] = 0;
        l->n++;
        opened++;
    }
    freeaddrinfo(res);
    if (opened == 0)
        return err_set(err, VG_EIO, "TCPSocket %s port %s: no usable address", addr ? addr : "any",
                       port);
    log_msg(VD_INFO, "TCP: Bound to [%s]:%s", addr ? addr : "any", port);
    return VG_OK;
}

vg_status
listen_open(const struct clamdconf *c, struct vd_listeners *l, vg_err *err)
{
    vg_status st = VG_OK;

    memset(l, 0, sizeof(*l));
    if (from_systemd(l) > 0)
        return VG_OK;
    if (c->local_socket && (st = open_unix(c, l, err)) != VG_OK)
        goto out;
    if (c->tcp_socket) {
        if (c->tcp_socket > 65535) {
            st = err_set(err, VG_EINVAL, "TCPSocket %llu: not a port number",
                         (unsigned long long)c->tcp_socket);
            goto out;
        }
        if (c->tcp_addr.n == 0) {
            if ((st = open_tcp(c, NULL, l, err)) != VG_OK)
                goto out;
        }
        for (size_t i = 0; i < c->tcp_addr.n; i++)
            if ((st = open_tcp(c, strcmp(c->tcp_addr.v[i], "any") ? c->tcp_addr.v[i] : NULL, l,
                               err)) != VG_OK)
                goto out;
    }
    if (l->n == 0) {
        st = err_set(err, VG_EINVAL, "no LocalSocket or TCPSocket configured");
        goto out;
    }
    st = VG_OK;
out:
    if (st != VG_OK)
        listen_close(l, 1);
    return st;
}

void
listen_close(struct vd_listeners *l, int unlink_socket)
{
    if (!l->from_systemd) {
        for (int i = 0; i < l->n; i++)
            close(l->fd[i]);
        if (unlink_socket && l->unix_path)
            unlink(l->unix_path);
    }
    free(l->unix_path);
    memset(l, 0, sizeof(*l));
}
