/*
 * conn.c - one client connection: a state machine driven by the event loop.
 *
 *   CMD     reading commands (the first one within CommandReadTimeout; in an
 *           IDSESSION the next ones within ReadTimeout of going idle)
 *   STREAM  reading INSTREAM chunks into a memfd: each chunk header is
 *           checked against the StreamMaxLength quota and the global
 *           StreamMemoryLimit before its bytes are read; ReadTimeout between
 *           packets and MaxRequestTime for the whole stream
 *   FILDES  waiting for the byte that carries the descriptor
 *   WAIT    a single (non-session) request runs; nothing more is read
 *
 * Nothing here blocks: reads use the loop's scratch buffer, a partial
 * command lives in a buffer of MaxCommandLength bytes, replies go to an
 * output buffer flushed with non-blocking writes. A client that does not
 * read its replies is closed when its unsent output passes MaxOutputBuffer
 * or makes no progress for SendBufTimeout; a session is not read from while
 * SessionMaxPending requests run or its output backs up. So the memory a
 * connection can hold is bounded, whatever the client does.
 *
 * All of this runs on the loop thread. A connection closed while requests
 * run stays allocated (socket closed, requests cancelled) until the last
 * request reports done.
 */
#include "vigild.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

enum cstate { CS_CMD, CS_STREAM, CS_FILDES, CS_WAIT, CS_LEGACY };

/* epoll tag of a legacy STREAM's data port and data connection */
struct data_tag {
    int evtype; /* EV_DATA */
    struct vd_conn *c;
};

struct vd_conn {
    int evtype; /* EV_CONN: first, for the loop's dispatch */
    struct vd_loop *loop;
    const struct clamdconf *cf;
    struct vd_conn *prev, *next;
    int fd;                  /* -1 once closed */
    int is_unix;
    struct vd_peer *peer;
    char peername[64];
    enum cstate st;
    int session;
    int ending;              /* no more commands: close once replies are out */
    int eof;                 /* the client shut its side */
    int oldstyle_ok;         /* an unprefixed command may still come */
    unsigned next_id;
    uint32_t events;         /* current epoll interest */
    /* partial command */
    char *cmd;
    size_t cmdlen, cmdmax;
    /* a descriptor received with SCM_RIGHTS, not yet claimed by FILDES */
    int pending_fd;
    /* FILDES waiting for its byte */
    unsigned fd_id;
    char fd_term;
    /* INSTREAM in progress */
    struct vd_req *sreq;
    uint8_t hdr[4];
    unsigned hdr_n;
    uint32_t chunk_left;
    uint64_t quota;
    /* unsent replies */
    char *out;
    size_t out_len, out_off, out_cap;
    /* requests running */
    struct vd_req *reqs;
    unsigned npending;
    /* deadlines, ms since the epoch; 0 = none */
    int64_t t_cmd, t_read, t_request, t_write;
    /* lingering close: replies out, our side shut, input read and dropped */
    int lingering;
    int64_t t_linger;
    size_t linger_left;
    /* legacy STREAM: a data port (lfd), then one data connection (dfd) */
    struct data_tag tag;
    int lfd, dfd;
    uint32_t lpeer;          /* IPv4 peer allowed on the data port (network order) */
    int dead;                /* closed and unreferenced: freed after this loop round */
    struct vd_conn *next_dead;
};

static struct vd_conn *conns, *dead;
static unsigned nconns;
static char scratch[65536];

static void conn_close(struct vd_conn *c, int graceful);
static void update(struct vd_conn *c, int64_t now);
static int want_read(const struct vd_conn *c);
static void start_legacy(struct vd_conn *c, char term, int64_t now);
static void reap(struct vd_conn *c);

unsigned
conn_count(void)
{
    return nconns;
}

static int64_t
secs(uint64_t s)
{
    return s > INT32_MAX ? (int64_t)INT32_MAX * 1000 : (int64_t)s * 1000;
}

/* ---------------------------------------------------------------- output */

static void
flush(struct vd_conn *c, int64_t now)
{
    size_t before = c->out_off;

    while (c->fd >= 0 && c->out_off < c->out_len) {
        ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (w <= 0) {
            log_msg(VD_VERBOSE, "%s: write failed: %s", c->peername, strerror(errno));
            conn_close(c, 0);
            return;
        }
        c->out_off += (size_t)w;
    }
    if (c->out_off == c->out_len) {
        c->out_off = c->out_len = 0;
        c->t_write = 0;
    } else if (c->out_off != before || c->t_write == 0) {
        c->t_write = now + (int64_t)c->cf->send_buf_timeout;
    }
}

/* Queue one reply line: "<id>: " when in a session, the text, the
 * terminator. Closes the connection if it backs up past MaxOutputBuffer. */
static void
reply(struct vd_conn *c, unsigned id, char term, const char *fmt, ...)
{
    char head[24];
    size_t hn = 0, need, pending;
    va_list ap;
    int n;

    if (c->fd < 0)
        return;
    if (id)
        hn = (size_t)snprintf(head, sizeof(head), "%u: ", id);
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    pending = c->out_len - c->out_off;
    need = hn + (size_t)n + 1;
    if (need > c->cf->max_output_buffer || pending > c->cf->max_output_buffer - need) {
        log_msg(VD_WARNING, "%s: client does not read its replies (%zu bytes unsent), closing",
                c->peername, pending);
        conn_close(c, 0);
        return;
    }
    if (c->out_off > 0 && c->out_len + need + 1 > c->out_cap) {
        memmove(c->out, c->out + c->out_off, pending);
        c->out_len = pending;
        c->out_off = 0;
    }
    if (c->out_len + need + 1 > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 256;
        char *p;

        while (cap < c->out_len + need + 1)
            cap *= 2;
        if ((p = realloc(c->out, cap)) == NULL) {
            log_msg(VD_ERROR, "%s: out of memory for a reply, closing", c->peername);
            conn_close(c, 0);
            return;
        }
        c->out = p;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, head, hn);
    va_start(ap, fmt);
    vsnprintf(c->out + c->out_len + hn, (size_t)n + 1, fmt, ap);
    va_end(ap);
    c->out[c->out_len + hn + (size_t)n] = term;
    c->out_len += need;
    flush(c, loop_now_ms());
}

/* ---------------------------------------------------------------- requests */

static struct vd_req *
req_new(struct vd_conn *c, enum clamdcmd_id cmd, unsigned id, char term, int64_t now)
{
    struct vd_req *r = calloc(1, sizeof(*r));

    if (r == NULL)
        return NULL;
    r->conn = c;
    r->cmd = cmd;
    r->id = id;
    r->term = term;
    r->fd = -1;
    r->start_ms = now;
    r->eng = engine_acquire();
    atomic_init(&r->jobs, 0);
    atomic_init(&r->cancel, 0);
    atomic_init(&r->total, 0);
    atomic_init(&r->errors, 0);
    atomic_init(&r->infected, 0);
    atomic_init(&r->multi_inflight, 0);
    return r;
}

static void
req_free(struct vd_conn *c, struct vd_req *r)
{
    if (r->fd >= 0)
        close(r->fd);
    if (r->stream_reserved)
        loop_stream_release(c->loop, r->stream_reserved);
    engine_release(r->eng);
    free(r->path);
    free(r);
}

static void
req_attach(struct vd_conn *c, struct vd_req *r)
{
    r->next_in_conn = c->reqs;
    c->reqs = r;
    c->npending++;
}

static void
req_detach(struct vd_conn *c, struct vd_req *r)
{
    for (struct vd_req **pp = &c->reqs; *pp; pp = &(*pp)->next_in_conn) {
        if (*pp == r) {
            *pp = r->next_in_conn;
            c->npending--;
            return;
        }
    }
}

static void
conn_free(struct vd_conn *c)
{
    free(c->cmd);
    free(c->out);
    free(c);
}

/* Submit r; on overload answer at once. Returns 0 when queued. */
static int
submit(struct vd_conn *c, struct vd_req *r, const char *name)
{
    if (sched_submit(r) != 0) {
        log_msg(VD_WARNING, "%s: scan queue full (MaxQueue %llu), refusing %s", c->peername,
                (unsigned long long)c->cf->max_queue, clamdcmd_name(r->cmd));
        reply(c, r->id, r->term, "%s: Scan queue full. ERROR", name);
        req_free(c, r);
        return -1;
    }
    req_attach(c, r);
    return 0;
}

/* -------------------------------------------------------------- commands */

/* No more commands on this connection: it closes once the replies of the
 * requests it has are out. */
static void
end(struct vd_conn *c)
{
    c->ending = 1;
}

static int
allowed_in_session(enum clamdcmd_id id)
{
    switch (id) {
    case CLAMDCMD_SCAN:
    case CLAMDCMD_INSTREAM:
    case CLAMDCMD_FILDES:
    case CLAMDCMD_VERSION:
    case CLAMDCMD_VERSIONCOMMANDS:
    case CLAMDCMD_PING:
    case CLAMDCMD_STATS:
    case CLAMDCMD_END:
        return 1;
    default:
        return 0;
    }
}

static void
start_stream(struct vd_conn *c, unsigned id, char term, int64_t now)
{
    struct vd_req *r;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int fd;

    if (!sched_has_room()) {
        log_msg(VD_WARNING, "%s: scan queue full, refusing INSTREAM", c->peername);
        reply(c, id, term, "stream: Scan queue full. ERROR");
        end(c);
        return;
    }
    if ((r = req_new(c, CLAMDCMD_INSTREAM, id, term, now)) == NULL ||
        (fd = memfd_create("vigild-instream", MFD_CLOEXEC | MFD_ALLOW_SEALING)) < 0) {
        log_msg(VD_ERROR, "INSTREAM: can't create the stream buffer: %s", strerror(errno));
        reply(c, id, term, "Error writing to temporary file ERROR");
        if (r)
            req_free(c, r);
        end(c);
        return;
    }
    r->fd = fd;
    snprintf(r->fdname, sizeof(r->fdname), "stream");
    if (!c->is_unix && getpeername(c->fd, (struct sockaddr *)&ss, &sl) == 0 &&
        ss.ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
        char ip[INET_ADDRSTRLEN];

        inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
        snprintf(r->logname, sizeof(r->logname), "instream(%s@%u)", ip, ntohs(sin->sin_port));
    } else {
        snprintf(r->logname, sizeof(r->logname), "instream(local)");
    }
    c->sreq = r;
    c->quota = c->cf->stream_max_length;
    c->hdr_n = 0;
    c->chunk_left = 0;
    c->st = CS_STREAM;
    c->t_read = now + secs(c->cf->read_timeout);
    c->t_request = now + secs(c->cf->max_request_time);
}

static void
start_path(struct vd_conn *c, enum clamdcmd_id id, const char *arg, unsigned rid, char term,
           int64_t now)
{
    struct vd_req *r;

    if (id == CLAMDCMD_ALLMATCHSCAN && !c->cf->allow_allmatch_scan) {
        reply(c, rid, term, "%s: ALLMATCHSCAN command disabled by clamd configuration. ERROR", arg);
        end(c);
        return;
    }
    if ((r = req_new(c, id, rid, term, now)) == NULL || (r->path = strdup(arg)) == NULL) {
        reply(c, rid, term, "%s: Can't allocate memory ERROR", arg);
        if (r)
            req_free(c, r);
        end(c);
        return;
    }
    r->allmatch = id == CLAMDCMD_ALLMATCHSCAN;
    snprintf(r->fdname, sizeof(r->fdname), "%s", clamdcmd_name(id));
    (void)submit(c, r, arg);
    if (!c->session)
        end(c);
}

static const char *
version_text(char *buf, size_t n)
{
    struct vd_engine *e = engine_acquire();

    snprintf(buf, n, "%s", e ? e->version : "ClamAV");
    engine_release(e);
    return buf;
}

static void
dispatch(struct vd_conn *c, const struct clamdcmd_raw *raw, int64_t now)
{
    const char *arg;
    enum clamdcmd_id id = clamdcmd_parse(raw->text, raw->oldstyle, &arg);
    char term = raw->term, ver[200];
    unsigned rid = c->session ? ++c->next_id : 0;

    log_msg(VD_DEBUG, "%s: command %s", c->peername, clamdcmd_name(id));
    if (c->session && !allowed_in_session(id)) {
        reply(c, rid, term, "Command invalid inside IDSESSION. ERROR");
        end(c);
        return;
    }
    switch (id) {
    case CLAMDCMD_PING:
        reply(c, rid, term, "PONG");
        break;
    case CLAMDCMD_VERSION:
        if (c->cf->enable_version)
            reply(c, rid, term, "%s", version_text(ver, sizeof(ver)));
        else
            reply(c, rid, term, "COMMAND UNAVAILABLE");
        break;
    case CLAMDCMD_VERSIONCOMMANDS:
        reply(c, rid, term, "%s| COMMANDS: %s", version_text(ver, sizeof(ver)),
              clamdcmd_names());
        break;
    case CLAMDCMD_STATS: {
        char *s;

        if (!c->cf->enable_stats) {
            reply(c, rid, term, "COMMAND UNAVAILABLE");
            break;
        }
        if ((s = sched_stats()) == NULL) {
            reply(c, rid, term, "Can't allocate memory ERROR");
            break;
        }
        reply(c, rid, term, "%s", s);
        free(s);
        break;
    }
    case CLAMDCMD_RELOAD:
        if (c->cf->enable_reload) {
            reply(c, rid, term, "RELOADING");
            engine_reload("RELOAD command");
        } else {
            reply(c, rid, term, "COMMAND UNAVAILABLE");
        }
        break;
    case CLAMDCMD_SHUTDOWN:
    case CLAMDCMD_QUIT:
        if (c->cf->enable_shutdown) {
            log_msg(VD_INFO, "SHUTDOWN command from %s", c->peername);
            loop_request_exit(c->loop);
        } else {
            reply(c, rid, term, "COMMAND UNAVAILABLE");
        }
        break;
    case CLAMDCMD_DETSTATS:
    case CLAMDCMD_DETSTATSCLEAR:
        break;
    case CLAMDCMD_IDSESSION:
        c->session = 1;
        c->t_cmd = now + secs(c->cf->read_timeout);
        return;
    case CLAMDCMD_END:
        if (!c->session)
            reply(c, rid, term, "UNKNOWN COMMAND");
        end(c);
        return;
    case CLAMDCMD_SCAN:
    case CLAMDCMD_CONTSCAN:
    case CLAMDCMD_MULTISCAN:
    case CLAMDCMD_ALLMATCHSCAN:
        start_path(c, id, arg, rid, term, now);
        return;
    case CLAMDCMD_INSTREAM:
        start_stream(c, rid, term, now);
        return;
    case CLAMDCMD_STREAM:
        if (c->cf->legacy_stream) {
            start_legacy(c, term, now);
            return;
        }
        reply(c, rid, term, "UNKNOWN COMMAND");
        end(c);
        return;
    case CLAMDCMD_FILDES:
        c->st = CS_FILDES;
        c->fd_id = rid;
        c->fd_term = term;
        c->t_read = now + secs(c->cf->read_timeout);
        return;
    case CLAMDCMD_UNKNOWN:
    default:
        reply(c, rid, term, "UNKNOWN COMMAND");
        end(c);
        return;
    }
    if (!c->session)
        end(c);
}

/* Frame and run the commands in the command buffer while in CMD state. */
static void
frame_commands(struct vd_conn *c, int64_t now)
{
    while (c->fd >= 0 && c->st == CS_CMD && !c->ending && c->cmdlen > 0) {
        struct clamdcmd_raw raw;

        if (c->session && c->npending >= c->cf->session_max_pending)
            return; /* resumed when a request finishes */
        enum clamdcmd_frame fr;
        int ps = c->oldstyle_ok && !c->session;

        c->oldstyle_ok = 0;
        if (c->session && c->cmd[0] != 'z' && c->cmd[0] != 'n') {
            reply(c, ++c->next_id, '\n',
                  "Only nCMDS\\n and zCMDS\\0 are accepted inside IDSESSION. ERROR");
            end(c);
            c->cmdlen = 0;
            return;
        }
        fr = clamdcmd_frame(c->cmd, c->cmdlen, ps, c->cmdmax, &raw);
        if (fr == CLAMDCMD_NEED_MORE)
            return;
        if (fr == CLAMDCMD_TOOLONG) {
            log_msg(VD_WARNING, "%s: command longer than MaxCommandLength (%zu), closing",
                    c->peername, c->cmdmax);
            reply(c, 0, c->cmd[0] == 'z' ? '\0' : '\n', "Command too long. ERROR");
            end(c);
            c->cmdlen = 0;
            return;
        }
        dispatch(c, &raw, now);
        if (raw.consumed < c->cmdlen)
            memmove(c->cmd, c->cmd + raw.consumed, c->cmdlen - raw.consumed);
        c->cmdlen -= raw.consumed;
    }
}

/* --------------------------------------------------------------- streams */

static void
legacy_close(struct vd_conn *c)
{
    int ep = loop_epoll(c->loop);

    if (c->lfd >= 0) {
        epoll_ctl(ep, EPOLL_CTL_DEL, c->lfd, NULL);
        close(c->lfd);
        c->lfd = -1;
    }
    if (c->dfd >= 0) {
        epoll_ctl(ep, EPOLL_CTL_DEL, c->dfd, NULL);
        close(c->dfd);
        c->dfd = -1;
    }
}

static void
stream_abort(struct vd_conn *c)
{
    legacy_close(c);
    if (c->sreq) {
        req_free(c, c->sreq);
        c->sreq = NULL;
    }
}

static void
stream_fail(struct vd_conn *c, const char *msg)
{
    struct vd_req *r = c->sreq;

    reply(c, r->id, r->term, "%s", msg);
    stream_abort(c);
    c->st = CS_WAIT;
    end(c);
}

static void
stream_done(struct vd_conn *c, int64_t now)
{
    struct vd_req *r = c->sreq;

    c->sreq = NULL;
    c->st = c->session ? CS_CMD : CS_WAIT;
    c->t_read = c->t_request = 0;
    if (c->session)
        c->t_cmd = now + secs(c->cf->read_timeout);
    (void)fcntl(r->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
    (void)lseek(r->fd, 0, SEEK_SET);
    if (submit(c, r, "stream") != 0 || !c->session)
        end(c);
}

/* Consume stream bytes; returns how many were used. */
static size_t
feed_stream(struct vd_conn *c, const char *buf, size_t n, int64_t now)
{
    size_t used = 0;

    c->t_read = now + secs(c->cf->read_timeout);
    while (used < n && c->st == CS_STREAM && c->fd >= 0) {
        if (c->chunk_left == 0) {
            uint32_t len;

            while (c->hdr_n < 4 && used < n)
                c->hdr[c->hdr_n++] = (uint8_t)buf[used++];
            if (c->hdr_n < 4)
                break;
            c->hdr_n = 0;
            len = (uint32_t)c->hdr[0] << 24 | (uint32_t)c->hdr[1] << 16 |
                  (uint32_t)c->hdr[2] << 8 | c->hdr[3];
            if (len == 0) {
                stream_done(c, now);
                break;
            }
            if (len > c->quota) {
                log_msg(VD_WARNING, "INSTREAM: Size limit reached, (requested: %lu, max: %llu)",
                        (unsigned long)len, (unsigned long long)c->quota);
                stream_fail(c, "INSTREAM size limit exceeded. ERROR");
                return n;
            }
            if (loop_stream_reserve(c->loop, len) != 0) {
                log_msg(VD_WARNING, "INSTREAM: StreamMemoryLimit reached, refusing %s",
                        c->peername);
                stream_fail(c, "INSTREAM: server stream memory exhausted. ERROR");
                return n;
            }
            c->sreq->stream_reserved += len;
            c->quota -= len;
            c->chunk_left = len;
            continue;
        }
        {
            size_t k = n - used < c->chunk_left ? n - used : c->chunk_left;
            const char *p = buf + used;
            size_t left = k;

            while (left > 0) {
                ssize_t w = write(c->sreq->fd, p, left);

                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0) {
                    log_msg(VD_ERROR, "INSTREAM: Can't write to temporary file: %s",
                            strerror(errno));
                    stream_fail(c, "Error writing to temporary file ERROR");
                    return n;
                }
                p += w;
                left -= (size_t)w;
            }
            c->chunk_left -= (uint32_t)k;
            used += k;
        }
    }
    return used;
}

static size_t
feed_fildes(struct vd_conn *c, int64_t now)
{
    struct vd_req *r;
    int fd = c->pending_fd;

    c->pending_fd = -1;
    c->st = c->session ? CS_CMD : CS_WAIT;
    c->t_read = 0;
    if (c->session)
        c->t_cmd = now + secs(c->cf->read_timeout);
    else
        end(c);
    if (fd < 0) {
        reply(c, c->fd_id, c->fd_term, "No file descriptor received. ERROR");
        end(c);
        return 1;
    }
    if ((r = req_new(c, CLAMDCMD_FILDES, c->fd_id, c->fd_term, now)) == NULL) {
        close(fd);
        reply(c, c->fd_id, c->fd_term, "Can't allocate memory ERROR");
        end(c);
        return 1;
    }
    r->fd = fd;
    snprintf(r->fdname, sizeof(r->fdname), "fd[%d]", fd);
    snprintf(r->logname, sizeof(r->logname), "fd[%d]", fd);
    (void)submit(c, r, r->fdname);
    return 1;
}

/* ----------------------------------------------------------- legacy STREAM */

/* STREAM (clamd before 0.97): reply "PORT n", take one connection on that
 * port and scan what it sends until it closes. The port listens on the
 * address the command came to (loopback for the Unix socket) and only the
 * command's peer address (loopback for the Unix socket) may connect. */
static void
start_legacy(struct vd_conn *c, char term, int64_t now)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    uint32_t bindaddr = htonl(INADDR_LOOPBACK);
    uint64_t lo = c->cf->stream_min_port, hi = c->cf->stream_max_port;
    unsigned port = 0;
    struct epoll_event e;
    struct vd_req *r = NULL;
    int s = -1, mfd;

    c->lpeer = htonl(INADDR_LOOPBACK);
    if (!c->is_unix) {
        if (getsockname(c->fd, (struct sockaddr *)&sa, &sl) != 0 || sa.sin_family != AF_INET) {
            reply(c, 0, term, "STREAM: only IPv4 and local clients. ERROR");
            end(c);
            return;
        }
        bindaddr = sa.sin_addr.s_addr;
        sl = sizeof(sa);
        if (getpeername(c->fd, (struct sockaddr *)&sa, &sl) != 0 || sa.sin_family != AF_INET) {
            reply(c, 0, term, "STREAM: only IPv4 and local clients. ERROR");
            end(c);
            return;
        }
        c->lpeer = sa.sin_addr.s_addr;
    }
    if (!sched_has_room()) {
        reply(c, 0, term, "stream: Scan queue full. ERROR");
        end(c);
        return;
    }
    if (lo == 0 || hi > 65535 || hi < lo) {
        lo = 1024;
        hi = 2048;
    }
    if ((s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) >= 0) {
        for (int i = 0; i < 64 && port == 0; i++) {
            memset(&sa, 0, sizeof(sa));
            sa.sin_family = AF_INET;
            sa.sin_addr.s_addr = bindaddr;
            port = (unsigned)(lo + (uint64_t)random() % (hi - lo + 1));
            sa.sin_port = htons((uint16_t)port);
            if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0)
                port = 0;
        }
    }
    if (port == 0 || listen(s, 4) != 0 || (r = req_new(c, CLAMDCMD_STREAM, 0, term, now)) == NULL ||
        (mfd = memfd_create("vigild-stream", MFD_CLOEXEC | MFD_ALLOW_SEALING)) < 0) {
        log_msg(VD_ERROR, "STREAM: can't open a data port or buffer: %s", strerror(errno));
        reply(c, 0, term, "Can't find any free port. ERROR");
        if (s >= 0)
            close(s);
        if (r)
            req_free(c, r);
        end(c);
        return;
    }
    r->fd = mfd;
    snprintf(r->fdname, sizeof(r->fdname), "stream");
    snprintf(r->logname, sizeof(r->logname), "stream(%s)", c->peername);
    memset(&e, 0, sizeof(e));
    e.events = EPOLLIN;
    e.data.ptr = &c->tag;
    if (epoll_ctl(loop_epoll(c->loop), EPOLL_CTL_ADD, s, &e) != 0) {
        close(s);
        req_free(c, r);
        reply(c, 0, term, "Can't find any free port. ERROR");
        end(c);
        return;
    }
    c->lfd = s;
    c->sreq = r;
    c->quota = c->cf->stream_max_length;
    c->st = CS_LEGACY;
    c->t_read = now + secs(c->cf->read_timeout);
    c->t_request = now + secs(c->cf->max_request_time);
    reply(c, 0, term, "PORT %u", port);
}

static void
legacy_accept(struct vd_conn *c, int64_t now)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    struct epoll_event e;
    int fd = accept4(c->lfd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    int ok;

    if (fd < 0)
        return;
    ok = sa.sin_family == AF_INET &&
         (c->is_unix ? (ntohl(sa.sin_addr.s_addr) >> 24) == 127 : sa.sin_addr.s_addr == c->lpeer);
    if (!ok) {
        log_msg(VD_WARNING, "STREAM: refused a data connection from another address than %s",
                c->peername);
        close(fd);
        return;
    }
    epoll_ctl(loop_epoll(c->loop), EPOLL_CTL_DEL, c->lfd, NULL);
    close(c->lfd);
    c->lfd = -1;
    memset(&e, 0, sizeof(e));
    e.events = EPOLLIN;
    e.data.ptr = &c->tag;
    if (epoll_ctl(loop_epoll(c->loop), EPOLL_CTL_ADD, fd, &e) != 0) {
        close(fd);
        stream_fail(c, "Error processing command. ERROR");
        return;
    }
    c->dfd = fd;
    c->t_read = now + secs(c->cf->read_timeout);
}

static void
legacy_read(struct vd_conn *c, int64_t now)
{
    for (int round = 0; round < 4 && c->dfd >= 0; round++) {
        ssize_t r = read(c->dfd, scratch, sizeof(scratch));
        const char *p = scratch;
        size_t left;

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (r < 0) {
            stream_fail(c, "Error processing command. ERROR");
            return;
        }
        if (r == 0) {
            legacy_close(c);
            stream_done(c, now);
            return;
        }
        if ((uint64_t)r > c->quota) {
            stream_fail(c, "INSTREAM size limit exceeded. ERROR");
            return;
        }
        if (loop_stream_reserve(c->loop, (uint64_t)r) != 0) {
            stream_fail(c, "INSTREAM: server stream memory exhausted. ERROR");
            return;
        }
        c->sreq->stream_reserved += (uint64_t)r;
        c->quota -= (uint64_t)r;
        for (left = (size_t)r; left > 0;) {
            ssize_t w = write(c->sreq->fd, p, left);

            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                stream_fail(c, "Error writing to temporary file ERROR");
                return;
            }
            p += w;
            left -= (size_t)w;
        }
        c->t_read = now + secs(c->cf->read_timeout);
    }
}

void
conn_data_event(void *tag, uint32_t events, int64_t now)
{
    struct vd_conn *c = ((struct data_tag *)tag)->c;

    (void)events;
    if (c->fd < 0 || c->st != CS_LEGACY)
        return;
    if (c->dfd < 0)
        legacy_accept(c, now);
    else
        legacy_read(c, now);
    if (c->fd >= 0)
        update(c, now);
    reap(c);
}

/* Feed bytes read from the socket through the state machine. */
static void
feed(struct vd_conn *c, const char *data, size_t n, int64_t now)
{
    for (;;) {
        if (c->fd < 0 || c->ending)
            return;
        if (c->st == CS_CMD) {
            size_t room, k;

            frame_commands(c, now);
            if (c->fd < 0 || c->ending)
                return;
            if (c->st != CS_CMD)
                continue;
            if (n == 0)
                return;
            room = c->cmdmax - c->cmdlen;
            k = n < room ? n : room;
            memcpy(c->cmd + c->cmdlen, data, k);
            c->cmdlen += k;
            data += k;
            n -= k;
            continue;
        }
        if (c->st == CS_STREAM || c->st == CS_FILDES) {
            size_t used;

            if (c->cmdlen > 0) {
                used = c->st == CS_STREAM ? feed_stream(c, c->cmd, c->cmdlen, now)
                                          : feed_fildes(c, now);
                if (used > c->cmdlen)
                    used = c->cmdlen;
                memmove(c->cmd, c->cmd + used, c->cmdlen - used);
                c->cmdlen -= used;
                continue;
            }
            if (n == 0)
                return;
            used = c->st == CS_STREAM ? feed_stream(c, data, n, now) : feed_fildes(c, now);
            if (used > n)
                used = n;
            data += used;
            n -= used;
            continue;
        }
        return; /* CS_WAIT: a non-session client has nothing more to say */
    }
}

/* ------------------------------------------------------------------ reads */

static void
take_fds(struct vd_conn *c, struct msghdr *mh)
{
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
        size_t nfd;

        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
            cm->cmsg_len < CMSG_LEN(0))
            continue;
        nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < nfd; i++) {
            int fd;

            memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
            if (c->pending_fd < 0 && i == 0 && nfd == 1)
                c->pending_fd = fd;
            else
                close(fd); /* more than one descriptor: not clamd's protocol */
        }
    }
}

/* How much to read now: never more than the current state can take, so
 * that no byte read has to be kept anywhere else (a command stays in the
 * command buffer, stream bytes go to the stream, and the bytes after a
 * stream's last chunk are not read until the stream is done). */
static size_t
read_budget(const struct vd_conn *c)
{
    switch (c->st) {
    case CS_CMD:
        return c->cmdmax - c->cmdlen;
    case CS_STREAM:
        if (c->chunk_left == 0)
            return 4 - c->hdr_n;
        return c->chunk_left < sizeof(scratch) ? c->chunk_left : sizeof(scratch);
    case CS_FILDES:
        return 1;
    default:
        return 0;
    }
}

static void
on_readable(struct vd_conn *c, int64_t now)
{
    /* A few reads per wake-up, so one fast sender cannot starve the rest. */
    for (int round = 0; round < 16 && want_read(c) && read_budget(c) > 0; round++) {
        union {
            struct cmsghdr align;
            char buf[CMSG_SPACE(sizeof(int) * 4)];
        } cbuf;
        struct iovec iov = {scratch, read_budget(c)};
        struct msghdr mh;
        ssize_t r;
        int had_fd = c->pending_fd >= 0;

        memset(&mh, 0, sizeof(mh));
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        if (c->is_unix) {
            mh.msg_control = cbuf.buf;
            mh.msg_controllen = sizeof(cbuf.buf);
        }
        r = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (r < 0) {
            log_msg(VD_VERBOSE, "%s: read failed: %s", c->peername, strerror(errno));
            conn_close(c, 0);
            return;
        }
        if (c->is_unix)
            take_fds(c, &mh);
        if (mh.msg_flags & MSG_CTRUNC) {
            reply(c, 0, '\n', "PROTOCOL ERROR: ancillary data sent without FILDES. ERROR");
            end(c);
            break;
        }
        if (r == 0) {
            /* The client shut its side. A session that said all it had to
             * say still gets its replies; a stream cut short is dropped. */
            log_msg(VD_DEBUG, "%s: client closed its side", c->peername);
            c->eof = 1;
            if (c->st == CS_STREAM || c->st == CS_FILDES) {
                stream_abort(c);
                c->st = CS_WAIT;
            }
            end(c);
            break;
        }
        feed(c, scratch, (size_t)r, now);
        if (c->fd >= 0 && c->pending_fd >= 0 && !had_fd && c->st != CS_FILDES) {
            /* a descriptor that no FILDES claimed */
            close(c->pending_fd);
            c->pending_fd = -1;
            if (!c->ending)
                reply(c, 0, '\n', "PROTOCOL ERROR: ancillary data sent without FILDES. ERROR");
            end(c);
        }
    }
}

/* --------------------------------------------------------------- plumbing */

static int
want_read(const struct vd_conn *c)
{
    if (c->fd < 0 || c->ending || c->eof || c->st == CS_WAIT)
        return 0;
    if (c->session && c->st == CS_CMD &&
        (c->npending >= c->cf->session_max_pending ||
         c->out_len - c->out_off > c->cf->max_output_buffer / 2))
        return 0; /* back-pressure: finish (and send) what runs first */
    return 1;
}

/* The replies are out and the connection is done. Closing now would turn
 * anything the client still sends into a reset, and its send fails (EPIPE)
 * or the reset destroys the reply before it is read: pyclamd, for one,
 * ends a stream whose length is a multiple of its chunk size with two
 * terminators, the second one after the reply may already be out. So
 * shut our side (the client reads the reply, then end of file), keep
 * reading and dropping what comes, and close at the client's end of file,
 * after LINGER_MS, or after LINGER_BYTES, whichever is first: the lingering
 * close of HTTP servers. A client that ignores the reply and keeps sending
 * costs at most those bounds. */
#define LINGER_MS 2000
#define LINGER_BYTES (256 * 1024)

static void
linger(struct vd_conn *c, int64_t now)
{
    struct epoll_event e;

    if (c->eof) {
        conn_close(c, 1);
        return;
    }
    shutdown(c->fd, SHUT_WR);
    memset(&e, 0, sizeof(e));
    e.events = EPOLLIN;
    e.data.ptr = c;
    if (epoll_ctl(loop_epoll(c->loop), EPOLL_CTL_MOD, c->fd, &e) != 0) {
        conn_close(c, 0);
        return;
    }
    c->events = EPOLLIN;
    c->lingering = 1;
    c->t_linger = now + LINGER_MS;
    c->linger_left = LINGER_BYTES;
}

/* Input on a lingering connection: drop it; close at end of file, on an
 * error, or when the byte budget is spent. */
static void
linger_read(struct vd_conn *c)
{
    for (int round = 0; round < 16; round++) {
        ssize_t r = recv(c->fd, scratch, sizeof(scratch), MSG_DONTWAIT);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (r <= 0 || (size_t)r >= c->linger_left) {
            conn_close(c, 0);
            return;
        }
        c->linger_left -= (size_t)r;
    }
}

/* Re-arm epoll and close a finished connection. */
static void
update(struct vd_conn *c, int64_t now)
{
    uint32_t ev = 0;
    struct epoll_event e;

    if (c->fd < 0)
        return;
    if (c->lingering)
        return;
    if (c->ending && c->npending == 0 && c->sreq == NULL && c->out_len == c->out_off) {
        linger(c, now);
        return;
    }
    if (want_read(c))
        ev |= EPOLLIN;
    if (c->out_len > c->out_off)
        ev |= EPOLLOUT;
    if (ev != c->events) {
        memset(&e, 0, sizeof(e));
        e.events = ev;
        e.data.ptr = c;
        if (epoll_ctl(loop_epoll(c->loop), EPOLL_CTL_MOD, c->fd, &e) != 0) {
            log_msg(VD_ERROR, "%s: epoll_ctl: %s", c->peername, strerror(errno));
            conn_close(c, 0);
            return;
        }
        c->events = ev;
    }
}

struct vd_conn *
conn_new(struct vd_loop *l, int fd, int is_unix, struct vd_peer *peer, const char *peername,
         int64_t now)
{
    const struct clamdconf *cf = loop_conf(l);
    struct vd_conn *c = calloc(1, sizeof(*c));
    struct epoll_event e;

    if (c == NULL)
        return NULL;
    c->evtype = EV_CONN;
    c->loop = l;
    c->cf = cf;
    c->fd = fd;
    c->is_unix = is_unix;
    c->peer = peer;
    c->pending_fd = -1;
    c->lfd = c->dfd = -1;
    c->tag.evtype = EV_DATA;
    c->tag.c = c;
    c->oldstyle_ok = 1;
    c->cmdmax = cf->max_command_length < 16 ? 16 : (size_t)cf->max_command_length;
    snprintf(c->peername, sizeof(c->peername), "%s", peername);
    if ((c->cmd = malloc(c->cmdmax + 1)) == NULL) {
        free(c);
        return NULL;
    }
    c->t_cmd = now + secs(cf->command_read_timeout);
    c->events = EPOLLIN;
    memset(&e, 0, sizeof(e));
    e.events = EPOLLIN;
    e.data.ptr = c;
    if (epoll_ctl(loop_epoll(l), EPOLL_CTL_ADD, fd, &e) != 0) {
        conn_free(c);
        return NULL;
    }
    c->next = conns;
    if (conns)
        conns->prev = c;
    conns = c;
    nconns++;
    return c;
}

static void
unlink_conn(struct vd_conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    nconns--;
}

/* Close the socket. graceful: the replies are out, read what the client
 * may still have sent so that the close does not reset the connection
 * (which could destroy the last reply before the client reads it). */
static void
conn_close(struct vd_conn *c, int graceful)
{
    if (c->fd < 0)
        return;
    epoll_ctl(loop_epoll(c->loop), EPOLL_CTL_DEL, c->fd, NULL);
    if (graceful) {
        for (int i = 0; i < 4; i++)
            if (recv(c->fd, scratch, sizeof(scratch), MSG_DONTWAIT) <= 0)
                break;
        shutdown(c->fd, SHUT_WR);
    }
    close(c->fd);
    c->fd = -1;
    if (c->pending_fd >= 0)
        close(c->pending_fd);
    c->pending_fd = -1;
    stream_abort(c);
    for (struct vd_req *r = c->reqs; r; r = r->next_in_conn)
        atomic_store(&r->cancel, 1);
    loop_conn_closed(c->loop, c->peer);
    c->peer = NULL;
    unlink_conn(c);
}

/* Free a closed connection once no request refers to it. Called only at
 * the top of the loop's calls into this file, never below them. */
static void
reap(struct vd_conn *c)
{
    if (c->fd < 0 && c->npending == 0 && !c->dead) {
        c->dead = 1;
        c->next_dead = dead;
        dead = c;
    }
}

void
conn_free_dead(void)
{
    while (dead) {
        struct vd_conn *c = dead;

        dead = c->next_dead;
        conn_free(c);
    }
}

void
conn_event(struct vd_conn *c, uint32_t events, int64_t now)
{
    if (c->fd < 0)
        return; /* closed earlier in this round */
    if (events & EPOLLERR) {
        log_msg(VD_DEBUG, "%s: connection reset", c->peername);
        conn_close(c, 0);
    }
    if (c->fd >= 0 && c->lingering) {
        if (events & (EPOLLIN | EPOLLHUP))
            linger_read(c);
        reap(c);
        return;
    }
    /* read what a client sent before hanging up (a SHUTDOWN, say) */
    if (c->fd >= 0 && (events & (EPOLLIN | EPOLLHUP)) && want_read(c))
        on_readable(c, now);
    if (c->fd >= 0 && (events & EPOLLHUP)) {
        log_msg(VD_DEBUG, "%s: client hung up", c->peername);
        conn_close(c, 0);
    }
    if (c->fd >= 0 && (events & EPOLLOUT))
        flush(c, now);
    if (c->fd >= 0)
        update(c, now);
    reap(c);
}

static void
req_finish(struct vd_conn *c, struct vd_req *r, int64_t now)
{
    int walk = r->cmd == CLAMDCMD_SCAN || r->cmd == CLAMDCMD_CONTSCAN ||
               r->cmd == CLAMDCMD_MULTISCAN || r->cmd == CLAMDCMD_ALLMATCHSCAN;

    if (walk && c->fd >= 0 && !atomic_load(&r->cancel)) {
        unsigned total = atomic_load(&r->total), errors = atomic_load(&r->errors);

        /* clamd: OK when nothing was found and not everything failed */
        if (atomic_load(&r->infected) == 0 && errors != total)
            reply(c, r->id, r->term, "%s: OK", r->path);
    }
    req_detach(c, r);
    req_free(c, r);
    if (c->fd < 0)
        return;
    if (c->session && c->npending == 0)
        c->t_cmd = now + secs(c->cf->read_timeout);
    update(c, now);
    /* back-pressure may have held unread commands */
    if (c->fd >= 0 && c->st == CS_CMD && c->cmdlen > 0 && want_read(c)) {
        feed(c, NULL, 0, now);
        if (c->fd >= 0)
            update(c, now);
    }
}

void
conn_message(struct vd_msg *m, int64_t now)
{
    struct vd_req *r = m->req;
    struct vd_conn *c = r->conn;

    if (m->kind == MSG_LINE) {
        if (c->fd >= 0 && !atomic_load(&r->cancel)) {
            reply(c, r->id, r->term, "%s", m->text);
            if (c->fd >= 0)
                update(c, now);
        }
        return;
    }
    if (atomic_fetch_sub(&r->jobs, 1) == 1) {
        req_finish(c, r, now);
        reap(c);
    }
}

static int64_t
earliest(int64_t a, int64_t b)
{
    if (a == 0)
        return b;
    if (b == 0)
        return a;
    return a < b ? a : b;
}

static void
timed_out(struct vd_conn *c, const char *what)
{
    log_msg(VD_VERBOSE, "%s: %s", c->peername, what);
    stream_abort(c);
    c->st = CS_WAIT;
    reply(c, 0, '\n', "COMMAND READ TIMED OUT");
    end(c);
}

int64_t
conn_sweep(int64_t now)
{
    int64_t next = INT64_MAX;
    struct vd_conn *c = conns, *nx;

    for (; c; c = nx) {
        int64_t d = 0;

        nx = c->next;
        if (c->lingering) {
            if (now >= c->t_linger) {
                conn_close(c, 0);
                reap(c);
                continue;
            }
            if (c->t_linger < next)
                next = c->t_linger;
            continue;
        }
        if (c->t_write && now >= c->t_write) {
            log_msg(VD_WARNING, "%s: no progress sending replies for SendBufTimeout, closing",
                    c->peername);
            conn_close(c, 0);
            reap(c);
            continue;
        }
        if (!c->ending) {
            int idle = c->st == CS_CMD && (!c->session || (c->npending == 0 && c->out_len == c->out_off));

            if (idle && c->t_cmd && now >= c->t_cmd)
                timed_out(c, "command read timed out");
            else if ((c->st == CS_STREAM || c->st == CS_FILDES || c->st == CS_LEGACY) &&
                     c->t_read && now >= c->t_read)
                timed_out(c, "read timed out (ReadTimeout)");
            else if ((c->st == CS_STREAM || c->st == CS_LEGACY) && c->t_request &&
                     now >= c->t_request)
                timed_out(c, "stream took longer than MaxRequestTime");
            if (c->fd >= 0)
                update(c, now);
            if (c->fd < 0) {
                reap(c);
                continue;
            }
            if (!c->ending) {
                if (idle)
                    d = c->t_cmd;
                if (c->st == CS_STREAM || c->st == CS_LEGACY)
                    d = earliest(c->t_read, c->t_request);
                if (c->st == CS_FILDES)
                    d = c->t_read;
            }
        }
        d = earliest(d, c->t_write);
        if (d && d < next)
            next = d;
    }
    return next;
}

void
conn_abort_all(void)
{
    while (conns) {
        struct vd_conn *c = conns;

        conn_close(c, 0);
        reap(c);
    }
}
