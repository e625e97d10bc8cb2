/*
 * scan_progress.h - the live progress line of `vigil scan` on a terminal.
 */
#ifndef VG_CLI_SCAN_PROGRESS_H
#define VG_CLI_SCAN_PROGRESS_H

#include <stdint.h>

struct scan_progress;

/* A progress line on descriptor fd (a terminal). NULL when out of memory. */
struct scan_progress *scan_progress_new(int fd);

/* Start the timer thread: it calls tick(ctx) about four times a second until
 * scan_progress_stop. tick is expected to take the output lock and call
 * scan_progress_draw. Returns 0, or -1 when the thread cannot start. */
int scan_progress_start(struct scan_progress *p, void (*tick)(void *), void *ctx);

/* Stop and join the timer thread (if started). */
void scan_progress_stop(struct scan_progress *p);
void scan_progress_free(struct scan_progress *p);

/* The counting pass found one more file of size bytes (thread-safe). */
void scan_progress_add_total(struct scan_progress *p, uint64_t bytes);
/* The counting pass is over: the totals are final. */
void scan_progress_total_done(struct scan_progress *p);

/* Both below are called with the caller's output lock held, so that the
 * line never lands in the middle of other output. */
/* Erase the line if it is shown. */
void scan_progress_clear(struct scan_progress *p);
/* Draw the line for files and bytes done so far. */
void scan_progress_draw(struct scan_progress *p, uint64_t files, uint64_t bytes);

#endif
