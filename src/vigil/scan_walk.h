/*
 * scan_walk.h - walking what `vigil scan` was asked to scan, in clamscan's
 * order, turning every path into a scan_item.
 */
#ifndef VG_CLI_SCAN_WALK_H
#define VG_CLI_SCAN_WALK_H

#include <stdatomic.h>
#include <stddef.h>

#include "scan_opts.h"
#include "scan_queue.h"

struct scan_walk_sink {
    /* Receives each item; ownership passes to it. */
    void (*emit)(void *ctx, struct scan_item *it);
    void *ctx;
    /* Counting pass (for the progress line's total): open no file, read no
     * standard input, emit only the files that would be scanned, with their
     * sizes and fd -1; notes are not emitted. */
    int count_only;
    /* When non-NULL and nonzero, stop as soon as possible. */
    const atomic_int *stop;
};

/*
 * Walk cfg's targets: the lines of --file-list, else the paths, else the
 * current directory. Directories are read depth-first in readdir order, as
 * clamscan does, and opened relative to their parent, so depth is not bound
 * by PATH_MAX. Files are opened here (without blocking, without following a
 * link the walk did not choose to follow) and checked to be regular before
 * they are handed on. Returns 0, or -1 with a message in err when the walk
 * could not go on (unreadable file list, out of memory).
 */
int scan_walk_run(const struct scan_cfg *cfg, const struct scan_walk_sink *sink, char *err,
                  size_t errlen);

#endif
