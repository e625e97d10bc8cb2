/*
 * fuzz_vigild_conn.c - vigild's connection state machine (src/vigild/conn.c)
 * on arbitrary client bytes: commands in every framing, sessions, INSTREAM
 * chunk headers and data, partial reads, a half-close at the end, timeouts.
 *
 * The real conn.c is compiled in, over a real socketpair and epoll set; the
 * loop, the engine and the workers are replaced by small stand-ins that
 * complete every submitted request at once (one reply line, then done), so
 * requests, replies, back-pressure and teardown all run. The first input
 * byte chooses how the rest is cut into writes.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/vigild/conn.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ------------------------------------------------------------ stand-ins */

struct vd_loop {
    struct clamdconf cf;
    int ep;
    uint64_t stream_used;
};

static struct vd_loop fz_loop;
static struct vd_req *fz_reqs[256];
static size_t fz_nreqs;
static int64_t fz_now = 1000000;

void log_msg(enum vd_level lvl, const char *fmt, ...) { (void)lvl; (void)fmt; }
struct vd_engine *engine_acquire(void) { return NULL; }
void engine_release(struct vd_engine *e) { (void)e; }
void engine_reload(const char *why) { (void)why; }
int64_t loop_now_ms(void) { return fz_now; }
const struct clamdconf *loop_conf(struct vd_loop *l) { return &l->cf; }
int loop_epoll(struct vd_loop *l) { return l->ep; }
void loop_conn_closed(struct vd_loop *l, struct vd_peer *peer) { (void)l; (void)peer; }
void loop_request_exit(struct vd_loop *l) { (void)l; }
char *sched_stats(void) { return strdup("POOLS: 1\n\nSTATE: VALID PRIMARY\nEND"); }
int sched_has_room(void) { return fz_nreqs < 8; }

int
loop_stream_reserve(struct vd_loop *l, uint64_t n)
{
    if (n > l->cf.stream_memory_limit - l->stream_used)
        return -1;
    l->stream_used += n;
    return 0;
}

void
loop_stream_release(struct vd_loop *l, uint64_t n)
{
    l->stream_used -= n;
}

int
sched_submit(struct vd_req *req)
{
    if (fz_nreqs >= 8)
        return -1; /* the overload path */
    atomic_fetch_add(&req->jobs, 1);
    fz_reqs[fz_nreqs++] = req;
    return 0;
}

static void
fz_post(struct vd_req *r, enum vd_msg_kind kind, const char *text)
{
    size_t n = strlen(text);
    struct vd_msg *m = malloc(sizeof(*m) + n + 1);

    if (m == NULL)
        abort();
    m->next = NULL;
    m->kind = kind;
    m->req = r;
    m->len = n;
    memcpy(m->text, text, n + 1);
    conn_message(m, fz_now);
    free(m);
}

/* What the workers would do: one line, then done, for every request. */
static void
fz_complete(void)
{
    while (fz_nreqs > 0) {
        struct vd_req *r = fz_reqs[--fz_nreqs];

        if ((fz_nreqs & 1) == 0)
            atomic_fetch_add(&r->infected, 1);
        atomic_fetch_add(&r->total, 1);
        fz_post(r, MSG_LINE, "x: Fuzz.Test FOUND");
        fz_post(r, MSG_DONE, "");
    }
}

static void
fz_drain(int fd)
{
    char buf[65536];

    while (read(fd, buf, sizeof(buf)) > 0)
        ;
}

/* Drive c until it makes no more progress; returns 1 once it is freed. */
static int
fz_pump(struct vd_conn *c, int client)
{
    for (int i = 0; i < 64; i++) {
        conn_event(c, EPOLLIN | EPOLLOUT, fz_now);
        fz_complete();
        fz_drain(client);
        if (c->fd < 0) {
            /* closed, and every request done: it is on the dead list */
            conn_free_dead();
            return 1;
        }
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    struct vd_conn *c;
    int sv[2], gone = 0;
    size_t off = 1, cut;

    if (size < 1 || size > 1 << 16)
        return 0;
    if (!init) {
        clamdconf_defaults(&fz_loop.cf);
        fz_loop.cf.stream_max_length = 4096;
        fz_loop.cf.stream_memory_limit = 8192;
        fz_loop.cf.max_output_buffer = 2048;
        fz_loop.cf.session_max_pending = 4;
        fz_loop.cf.max_command_length = 256;
        fz_loop.cf.legacy_stream = 0;
        fz_loop.ep = epoll_create1(EPOLL_CLOEXEC);
        init = 1;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
        return 0;
    cut = (size_t)data[0] % 64 + 1;
    c = conn_new(&fz_loop, sv[0], 1, NULL, "fuzz", fz_now);
    if (c == NULL) {
        close(sv[0]);
        close(sv[1]);
        return 0;
    }
    while (off < size && !gone) {
        size_t n = size - off < cut ? size - off : cut;
        ssize_t w = write(sv[1], data + off, n);

        if (w > 0)
            off += (size_t)w;
        gone = fz_pump(c, sv[1]);
        if (w <= 0)
            break;
    }
    if (!gone) {
        shutdown(sv[1], SHUT_WR);
        gone = fz_pump(c, sv[1]);
    }
    if (!gone) {
        fz_now += 10000000; /* every deadline passes */
        (void)conn_sweep(fz_now);
        fz_complete();
        fz_drain(sv[1]);
    }
    conn_abort_all();
    fz_complete();
    conn_free_dead();
    close(sv[1]);
    if (fz_loop.stream_used != 0)
        abort(); /* stream memory must all come back */
    return 0;
}
