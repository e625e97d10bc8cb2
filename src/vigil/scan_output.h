/*
 * scan_output.h - everything `vigil scan` prints: one line (or one JSON
 * object) per file, messages, the log file, the summary, the exit code.
 */
#ifndef VG_CLI_SCAN_OUTPUT_H
#define VG_CLI_SCAN_OUTPUT_H

#include <stdint.h>
#include <time.h>

#include "sandbox/pool.h"
#include "scan_opts.h"
#include "scan_progress.h"
#include "scan_queue.h"

struct scan_output;

/* The numbers of the summary block. */
struct scan_counts {
    uint64_t dirs, files, infected, errors, incomplete;
    uint64_t bytes_read, bytes_scanned;
    uint64_t blocks_read, blocks_scanned; /* whole 4 KiB blocks per file, as clamscan sums them */
    int hard_error; /* a named path was unusable, or the scan could not run */
};

/* What the summary needs besides the counts. */
struct scan_times {
    struct timespec start_mono, end_mono; /* CLOCK_MONOTONIC */
    time_t start_wall, end_wall;
};

/* Set up output for cfg and open the log (-l), writing its separator. On
 * failure an ERROR line has been printed and -1 is returned. */
int scan_output_new(const struct scan_cfg *cfg, struct scan_output **out);
void scan_output_free(struct scan_output *o);

/* Erase and redraw p around output from now on (NULL: no progress line);
 * the line of a progress being replaced is erased. */
void scan_output_set_progress(struct scan_output *o, struct scan_progress *p);

/* Report an item the walker decided on (it->note != NOTE_NONE). Thread-safe. */
void scan_output_note(struct scan_output *o, const struct scan_item *it);
/* Report the scan of item it (it->note == NOTE_NONE). Thread-safe. */
void scan_output_result(struct scan_output *o, const struct scan_item *it,
                        const struct scan_reply *rep);

/* "ERROR: <message>" on stderr (stdout with --stdout) and in the log; the
 * exit code becomes 2 unless something is found. Thread-safe. */
void scan_output_error(struct scan_output *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "WARNING: <message>": as above, but hidden on the terminal by --quiet and
 * without effect on the exit code. */
void scan_output_warning(struct scan_output *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The summary block (or JSON summary object), unless --no-summary. */
void scan_output_summary(struct scan_output *o, uint64_t known_viruses, const struct scan_times *t);

/* 1 when something was found, else 2 after an error, else 0. */
int scan_output_exit_code(struct scan_output *o);
void scan_output_counts(struct scan_output *o, struct scan_counts *out);

/* Redraw the progress line (the progress timer's callback; ctx is o). */
void scan_output_tick(void *ctx);

#endif
