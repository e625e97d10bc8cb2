/*
 * sched.c - vigild's worker threads, their bounded job queue, and the
 * message queue that carries reply lines back to the event loop.
 *
 * MaxThreads workers take jobs in FIFO order. Top-level jobs (one per
 * request) are refused once MaxQueue of them wait, and the loop answers
 * the client with an overload error at once. A MULTISCAN walker may queue
 * at most MaxThreads sub-jobs of its own at a time and scans the rest
 * itself, so one directory walk can neither fill the queue nor deadlock the
 * pool. Workers post lines with sched_post_line; when the loop is far
 * behind (more than MSGQ_MAX messages waiting) they wait, so memory stays
 * bounded whatever a walk produces.
 */
#include "vigild.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"

#define MSGQ_MAX 8192

struct job {
    struct job *next;
    enum vd_job_kind kind;
    struct vd_req *req;
    char *path;
    int64_t queued_ms;
};

struct slot {
    int busy;
    char task[16];
    char name[256];
    int64_t since_ms;
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct job *head, *tail;
    unsigned ntop;      /* top-level jobs waiting */
    unsigned nall;      /* all jobs waiting */
    unsigned max_queue;
    unsigned nthreads;
    int stop;
    pthread_t *th;
    unsigned started;
    struct slot *slots;
} q = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t space;
    struct vd_msg *head, *tail;
    unsigned n;
    int wake_fd;
} mq = {.mu = PTHREAD_MUTEX_INITIALIZER, .space = PTHREAD_COND_INITIALIZER, .wake_fd = -1};

static _Thread_local int my_slot = -1;
static atomic_int stopping;

void
sched_set_task(const char *task, const char *name)
{
    if (my_slot < 0)
        return;
    pthread_mutex_lock(&q.mu);
    snprintf(q.slots[my_slot].task, sizeof(q.slots[my_slot].task), "%s", task);
    snprintf(q.slots[my_slot].name, sizeof(q.slots[my_slot].name), "%s", name ? name : "");
    q.slots[my_slot].since_ms = loop_now_ms();
    q.slots[my_slot].busy = 1;
    pthread_mutex_unlock(&q.mu);
}

static void *
worker_main(void *arg)
{
    my_slot = (int)(intptr_t)arg;
    pthread_mutex_lock(&q.mu);
    for (;;) {
        struct job *j;

        while (q.head == NULL && !q.stop)
            pthread_cond_wait(&q.cv, &q.mu);
        if (q.stop)
            break;
        j = q.head;
        q.head = j->next;
        if (q.head == NULL)
            q.tail = NULL;
        q.nall--;
        if (j->kind != JOB_MULTIFILE)
            q.ntop--;
        q.slots[my_slot].busy = 1;
        q.slots[my_slot].since_ms = loop_now_ms();
        snprintf(q.slots[my_slot].task, sizeof(q.slots[my_slot].task), "%s",
                 j->kind == JOB_MULTIFILE ? "MULTISCANFILE" : clamdcmd_name(j->req->cmd));
        snprintf(q.slots[my_slot].name, sizeof(q.slots[my_slot].name), "%s",
                 j->path ? j->path : j->req->fdname);
        pthread_mutex_unlock(&q.mu);

        walk_run(j->req, j->kind, j->path);
        if (j->kind == JOB_MULTIFILE)
            atomic_fetch_sub(&j->req->multi_inflight, 1);
        sched_post_done(j->req);
        free(j->path);
        free(j);

        pthread_mutex_lock(&q.mu);
        q.slots[my_slot].busy = 0;
        q.slots[my_slot].since_ms = loop_now_ms();
    }
    pthread_mutex_unlock(&q.mu);
    return NULL;
}

int
sched_start(const struct clamdconf *c, int wake_fd)
{
    unsigned n = c->max_threads ? (unsigned)c->max_threads : 1;

    mq.wake_fd = wake_fd;
    q.nthreads = n;
    q.max_queue = c->max_queue ? (unsigned)c->max_queue : 1;
    if ((q.th = calloc(n, sizeof(*q.th))) == NULL || (q.slots = calloc(n, sizeof(*q.slots))) == NULL)
        return -1;
    for (unsigned i = 0; i < n; i++)
        q.slots[i].since_ms = loop_now_ms();
    for (unsigned i = 0; i < n; i++) {
        if (pthread_create(&q.th[i], NULL, worker_main, (void *)(intptr_t)i) != 0) {
            log_msg(VD_ERROR, "Can't start worker thread %u: %s", i, strerror(errno));
            return -1;
        }
        q.started++;
    }
    return 0;
}

void
sched_stop(void)
{
    atomic_store(&stopping, 1);
    pthread_mutex_lock(&q.mu);
    q.stop = 1;
    pthread_cond_broadcast(&q.cv);
    pthread_mutex_unlock(&q.mu);
    pthread_mutex_lock(&mq.mu);
    pthread_cond_broadcast(&mq.space);
    pthread_mutex_unlock(&mq.mu);
    for (unsigned i = 0; i < q.started; i++)
        pthread_join(q.th[i], NULL);
    /* Jobs still queued are dropped; each reports done so that the loop
     * frees its request. */
    while (q.head) {
        struct job *j = q.head;

        q.head = j->next;
        if (j->kind == JOB_MULTIFILE)
            atomic_fetch_sub(&j->req->multi_inflight, 1);
        sched_post_done(j->req);
        free(j->path);
        free(j);
    }
    q.tail = NULL;
    q.nall = q.ntop = 0;
    free(q.th);
    free(q.slots);
    q.th = NULL;
    q.slots = NULL;
    q.started = 0;
}

static void
push(struct job *j)
{
    j->queued_ms = loop_now_ms();
    if (q.tail)
        q.tail->next = j;
    else
        q.head = j;
    q.tail = j;
    q.nall++;
    pthread_cond_signal(&q.cv);
}

int
sched_has_room(void)
{
    int room;

    pthread_mutex_lock(&q.mu);
    room = q.ntop < q.max_queue;
    pthread_mutex_unlock(&q.mu);
    return room;
}

int
sched_submit(struct vd_req *req)
{
    struct job *j = calloc(1, sizeof(*j));

    if (j == NULL)
        return -1;
    j->req = req;
    j->kind = (req->cmd == CLAMDCMD_INSTREAM || req->cmd == CLAMDCMD_FILDES ||
               req->cmd == CLAMDCMD_STREAM)
                  ? JOB_FD
                  : JOB_PATH;
    pthread_mutex_lock(&q.mu);
    if (q.ntop >= q.max_queue || q.stop) {
        pthread_mutex_unlock(&q.mu);
        free(j);
        return -1;
    }
    atomic_fetch_add(&req->jobs, 1);
    q.ntop++;
    push(j);
    pthread_mutex_unlock(&q.mu);
    return 0;
}

int
sched_submit_multi(struct vd_req *req, const char *path)
{
    struct job *j;

    if ((unsigned)atomic_load(&req->multi_inflight) >= q.nthreads)
        return -1;
    if ((j = calloc(1, sizeof(*j))) == NULL || (j->path = strdup(path)) == NULL) {
        free(j);
        return -1;
    }
    j->req = req;
    j->kind = JOB_MULTIFILE;
    atomic_fetch_add(&req->multi_inflight, 1);
    atomic_fetch_add(&req->jobs, 1);
    pthread_mutex_lock(&q.mu);
    push(j);
    pthread_mutex_unlock(&q.mu);
    return 0;
}

static void
post(struct vd_msg *m)
{
    uint64_t one = 1;

    pthread_mutex_lock(&mq.mu);
    while (mq.n >= MSGQ_MAX && !atomic_load(&stopping))
        pthread_cond_wait(&mq.space, &mq.mu);
    if (mq.tail)
        mq.tail->next = m;
    else
        mq.head = m;
    mq.tail = m;
    mq.n++;
    pthread_mutex_unlock(&mq.mu);
    if (write(mq.wake_fd, &one, sizeof(one)) < 0) {
        /* the counter is saturated or the loop is gone: it will drain anyway */
    }
}

void
sched_post_line(struct vd_req *req, const char *fmt, ...)
{
    struct vd_msg *m;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || (m = malloc(sizeof(*m) + (size_t)n + 1)) == NULL) {
        log_msg(VD_ERROR, "Can't allocate a reply line");
        return;
    }
    va_start(ap, fmt);
    vsnprintf(m->text, (size_t)n + 1, fmt, ap);
    va_end(ap);
    m->next = NULL;
    m->kind = MSG_LINE;
    m->req = req;
    m->len = (size_t)n;
    post(m);
}

void
sched_post_done(struct vd_req *req)
{
    struct vd_msg *m;

    /* A done message must never be lost, or the request leaks: retry. */
    while ((m = malloc(sizeof(*m) + 1)) == NULL)
        usleep(1000);
    m->next = NULL;
    m->kind = MSG_DONE;
    m->req = req;
    m->len = 0;
    m->text[0] = '\0';
    post(m);
}

struct vd_msg *
sched_take(void)
{
    struct vd_msg *m;

    pthread_mutex_lock(&mq.mu);
    m = mq.head;
    mq.head = mq.tail = NULL;
    mq.n = 0;
    pthread_cond_broadcast(&mq.space);
    pthread_mutex_unlock(&mq.mu);
    return m;
}

static double
rss_mib(void)
{
    FILE *f = fopen("/proc/self/statm", "re");
    unsigned long size = 0, res = 0;

    if (f == NULL)
        return 0;
    if (fscanf(f, "%lu %lu", &size, &res) != 2)
        res = 0;
    fclose(f);
    return (double)res * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

char *
sched_stats(void)
{
    struct buf b = {0};
    int64_t now = loop_now_ms();
    unsigned idle = 0, shown = 0;
    double rss = rss_mib();

    pthread_mutex_lock(&q.mu);
    for (unsigned i = 0; i < q.started; i++)
        idle += !q.slots[i].busy;
    (void)buf_printf(&b,
                     "POOLS: 1\n\nSTATE: VALID PRIMARY\nTHREADS: live %u  idle %u max %u "
                     "idle-timeout %u\nQUEUE: %u items\n",
                     q.started, idle, q.nthreads, 30u, q.nall);
    for (struct job *j = q.head; j && shown < 100; j = j->next, shown++)
        (void)buf_printf(&b, "\t%s %f %s\n",
                         j->kind == JOB_MULTIFILE ? "MULTISCANFILE" : clamdcmd_name(j->req->cmd),
                         (double)(now - j->queued_ms) / 1000.0, j->path ? j->path : j->req->fdname);
    for (unsigned i = 0; i < q.started; i++) {
        const struct slot *s = &q.slots[i];

        (void)buf_printf(&b, "\t%s %f %s\n", s->busy ? s->task : "IDLE",
                         (double)(now - s->since_ms) / 1000.0, s->busy ? s->name : "");
    }
    pthread_mutex_unlock(&q.mu);
    (void)buf_printf(&b,
                     "\nMEMSTATS: heap N/A mmap N/A used N/A free N/A releasable N/A pools 1 "
                     "pools_used %.3fM pools_total %.3fM\nEND",
                     rss, rss);
    if (buf_append(&b, "", 1) != VG_OK) {
        buf_free(&b);
        return NULL;
    }
    return (char *)b.p;
}
