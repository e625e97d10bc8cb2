/*
 * fetch.h - download one file from a mirror (libcurl: http, https, file).
 *
 * Mirrors are untrusted, so every download has a byte limit and a deadline:
 * reading stops at `max` bytes (a longer file is an error, or, with
 * FETCH_PREFIX, is cut there), and a transfer that exceeds the total time or
 * stays below the minimum speed for too long is abandoned. The caller checks
 * what it got against signed sizes and digests; nothing here is trusted.
 */
#ifndef VG_UPDATE_FETCH_H
#define VG_UPDATE_FETCH_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#include "core/buf.h"

struct fetch_opts {
    long timeout_ms;         /* whole transfer; 0 = 300 s */
    long connect_timeout_ms; /* 0 = 30 s */
    long low_speed_bytes;    /* abandon below this many bytes/s ... (0 = 1) */
    long low_speed_secs;     /* ... for this long (0 = 30 s) */
};

#define FETCH_PREFIX 0x1u  /* a file longer than max is read up to max, not an error */
#define FETCH_HEADER 0x2u  /* ask for bytes 0..max-1 only (HTTP Range) */

/*
 * Download url into out (appended). max: largest acceptable size.
 * VG_OK; VG_ENOENT when the file does not exist (HTTP 404/410, missing
 * file); VG_ELIMIT when it is longer than max; VG_ETIMEOUT; VG_EIO.
 */
vg_status fetch_mem(const char *url, size_t max, uint32_t flags, const struct fetch_opts *o, struct buf *out,
                    vg_err *err);

/* Same, into a file descriptor; *sha256 receives the digest of what was
 * written and *got its length. */
vg_status fetch_fd(const char *url, uint64_t max, const struct fetch_opts *o, int fd, uint8_t sha256[32],
                   uint64_t *got, vg_err *err);

/* "base/rel" with exactly one '/' between (out must hold outsz bytes). */
vg_status fetch_join(const char *base, const char *rel, char *out, size_t outsz);

/* One-time libcurl initialisation (not thread-safe; call from main). */
vg_status fetch_global_init(void);

#endif
