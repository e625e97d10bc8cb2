/*
 * notify.c - the RELOAD command of the clamd protocol, client side.
 */
#include "update/notify.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/err.h"

vg_status
notify_reload(const char *path, int timeout_ms, vg_err *err)
{
    static const char cmd[] = "zRELOAD"; /* sent with its terminating NUL */
    struct sockaddr_un sa;
    char reply[64];
    size_t got = 0;
    int fd;
    vg_status st = VG_OK;

    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa.sun_path))
        return err_set(err, VG_EINVAL, "%s: socket path too long", path);
    memcpy(sa.sun_path, path, strlen(path));
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
        return err_set(err, VG_EIO, "socket: %s", strerror(errno));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        st = err_set(err, err_from_errno(errno), "%s: cannot connect: %s", path, strerror(errno));
        goto out;
    }
    if (send(fd, cmd, sizeof(cmd), MSG_NOSIGNAL) != (ssize_t)sizeof(cmd)) {
        st = err_set(err, VG_EIO, "%s: cannot send RELOAD: %s", path, strerror(errno));
        goto out;
    }
    /* The reply is "RELOADING" followed by '\0' (z prefix); read until it,
     * EOF, or the deadline. */
    while (got < sizeof(reply) - 1) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t n;
        int r = poll(&p, 1, timeout_ms);

        if (r == 0) {
            st = err_set(err, VG_ETIMEOUT, "%s: no reply to RELOAD", path);
            goto out;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 || (n = read(fd, reply + got, sizeof(reply) - 1 - got)) < 0) {
            st = err_set(err, VG_EIO, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        got += (size_t)n;
        if (memchr(reply, '\0', got) || memchr(reply, '\n', got))
            break;
    }
    reply[got] = '\0';
    reply[strcspn(reply, "\r\n")] = '\0';
    if (strcmp(reply, "RELOADING") != 0)
        st = err_set(err, VG_EIO, "%s: unexpected reply to RELOAD: '%.40s'", path, reply);
out:
    close(fd);
    return st;
}
