/*
 * scan_progress.c - one status line on stderr while `vigil scan` runs:
 *
 *   scanning: 1204/5310 files, 88.1/402.7 MiB, 61.5 MiB/s, ETA 0m05s
 *
 * Only on a terminal (the caller decides). Totals come from a counting pass
 * over the same targets that runs beside the real walk; until it finishes
 * they are shown with a "+" and the ETA is unknown. The line is redrawn by
 * a timer thread four times a second (so a long file still shows life) and
 * erased by the output before every line it writes; it is cut to the
 * terminal's width so that it never wraps, which would defeat the erasing.
 */
#include "scan_progress.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define TICK_NS 250000000L

struct scan_progress {
    int fd;
    int shown;
    struct timespec start;
    atomic_uint_fast64_t total_files, total_bytes;
    atomic_int total_final;

    pthread_t thr;
    int running;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    void (*tick)(void *);
    void *ctx;
};

static void
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w < 0) {
            if (errno == EINTR)
                continue;
            return; /* a progress line is not worth failing for */
        }
        p += w;
        n -= (size_t)w;
    }
}

struct scan_progress *
scan_progress_new(int fd)
{
    struct scan_progress *p = calloc(1, sizeof(*p));
    pthread_condattr_t ca;

    if (p == NULL)
        return NULL;
    p->fd = fd;
    clock_gettime(CLOCK_MONOTONIC, &p->start);
    atomic_init(&p->total_files, 0);
    atomic_init(&p->total_bytes, 0);
    atomic_init(&p->total_final, 0);
    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    return p;
}

static void *
timer_main(void *arg)
{
    struct scan_progress *p = arg;
    struct timespec next;

    clock_gettime(CLOCK_MONOTONIC, &next);
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        next.tv_nsec += TICK_NS;
        if (next.tv_nsec >= 1000000000L) {
            next.tv_sec++;
            next.tv_nsec -= 1000000000L;
        }
        while (!p->stop && pthread_cond_timedwait(&p->cv, &p->mu, &next) != ETIMEDOUT)
            ;
        if (p->stop)
            break;
        pthread_mutex_unlock(&p->mu);
        p->tick(p->ctx);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int
scan_progress_start(struct scan_progress *p, void (*tick)(void *), void *ctx)
{
    p->tick = tick;
    p->ctx = ctx;
    if (pthread_create(&p->thr, NULL, timer_main, p) != 0)
        return -1;
    p->running = 1;
    return 0;
}

void
scan_progress_stop(struct scan_progress *p)
{
    if (p == NULL || !p->running)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thr, NULL);
    p->running = 0;
}

void
scan_progress_free(struct scan_progress *p)
{
    if (p == NULL)
        return;
    scan_progress_stop(p);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

void
scan_progress_add_total(struct scan_progress *p, uint64_t bytes)
{
    atomic_fetch_add(&p->total_files, 1);
    atomic_fetch_add(&p->total_bytes, bytes);
}

void
scan_progress_total_done(struct scan_progress *p)
{
    atomic_store(&p->total_final, 1);
}

void
scan_progress_clear(struct scan_progress *p)
{
    if (p == NULL || !p->shown)
        return;
    write_all(p->fd, "\r\033[K", 4);
    p->shown = 0;
}

static void
fmt_duration(char *out, size_t len, double secs)
{
    unsigned long s = secs > 0 && secs < 1e9 ? (unsigned long)secs : 0;

    if (s >= 3600)
        snprintf(out, len, "%luh%02lum", s / 3600, (s % 3600) / 60);
    else
        snprintf(out, len, "%lum%02lus", s / 60, s % 60);
}

void
scan_progress_draw(struct scan_progress *p, uint64_t files, uint64_t bytes)
{
    char line[256], eta[32];
    struct timespec now;
    struct winsize ws;
    double elapsed, rate, mib = 1024.0 * 1024.0;
    uint64_t tfiles = atomic_load(&p->total_files), tbytes = atomic_load(&p->total_bytes);
    int final = atomic_load(&p->total_final);
    size_t width = sizeof(line) - 1, n;
    int k;

    clock_gettime(CLOCK_MONOTONIC, &now);
    elapsed = (double)(now.tv_sec - p->start.tv_sec) + (double)(now.tv_nsec - p->start.tv_nsec) / 1e9;
    rate = elapsed > 0 ? (double)bytes / elapsed : 0;
    if (final && rate > 0 && tbytes > bytes)
        fmt_duration(eta, sizeof(eta), (double)(tbytes - bytes) / rate);
    else if (final)
        snprintf(eta, sizeof(eta), "0m00s");
    else
        snprintf(eta, sizeof(eta), "?");
    if (tfiles < files)
        tfiles = files; /* a counting pass that lags or could not run */
    if (tbytes < bytes)
        tbytes = bytes;
    k = snprintf(line, sizeof(line), "scanning: %llu/%llu%s files, %.1f/%.1f%s MiB, %.1f MiB/s, ETA %s",
                 (unsigned long long)files, (unsigned long long)tfiles, final ? "" : "+",
                 (double)bytes / mib, (double)tbytes / mib, final ? "" : "+", rate / mib, eta);
    if (k < 0)
        return;
    n = (size_t)k < sizeof(line) ? (size_t)k : sizeof(line) - 1;
    if (ioctl(p->fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && (size_t)ws.ws_col - 1 < width)
        width = (size_t)ws.ws_col - 1;
    if (n > width)
        n = width;
    write_all(p->fd, "\r", 1);
    write_all(p->fd, line, n);
    write_all(p->fd, "\033[K", 3);
    p->shown = 1;
}
