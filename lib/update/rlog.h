/*
 * rlog.h - the release log: an append-only, hash-chained record of every
 * release a repository has published.
 *
 *   vigil-log 1
 *   release <version> <created> <files digest> <chain hash>
 *   ...
 *
 * chain hash(i) = SHA-256(chain hash(i-1) || "release <version> <created>
 * <files digest>\n"), with 32 zero bytes before the first entry. Each
 * manifest commits to the log's length and head hash, so a client that
 * remembers (length, head) can tell whether a later log extends the one it
 * saw, or forks from it (a repository showing different histories to
 * different clients).
 */
#ifndef VG_UPDATE_RLOG_H
#define VG_UPDATE_RLOG_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#include "core/buf.h"

#define RLOG_MAX_SIZE (64u << 20)

struct rlog_ent {
    uint64_t version;
    int64_t created;
    uint8_t files[32];
    uint8_t hash[32];
};

struct rlog {
    struct rlog_ent *e;
    size_t n, cap;
};

/* Parse and check the whole chain (and that versions increase). */
vg_status rlog_parse(const uint8_t *buf, size_t len, struct rlog *out, vg_err *err);

/* Append a release; its chain hash is computed. */
vg_status rlog_append(struct rlog *log, uint64_t version, int64_t created, const uint8_t files[32]);

vg_status rlog_format(const struct rlog *log, struct buf *out);

void rlog_free(struct rlog *log);

#endif
