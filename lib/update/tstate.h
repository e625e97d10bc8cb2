/*
 * tstate.h - what a client remembers between updates (its trust state).
 *
 *   vigil-state 1
 *   manifest <version> <sha256 of the manifest file>    the last release installed
 *   log <entries> <head>                                the release log it committed to
 *   clamav <db> <version>                               highest ClamAV version installed, per db
 *   end
 *
 * Kept beside the pinned root in the state directory; written crash-safely
 * after an install. It is what rollback and fork detection compare against,
 * so `vigil db rollback` does not lower it.
 */
#ifndef VG_UPDATE_TSTATE_H
#define VG_UPDATE_TSTATE_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#include "core/buf.h"

#define TSTATE_MAX_CLAMAV 16

struct tstate {
    int have_manifest;
    uint64_t manifest_version;
    uint8_t manifest_sha[32];
    uint64_t log_n;
    uint8_t log_head[32];
    struct {
        char name[33];
        uint32_t version;
    } clamav[TSTATE_MAX_CLAMAV];
    size_t nclamav;
};

vg_status tstate_parse(const uint8_t *buf, size_t len, struct tstate *out, vg_err *err);
vg_status tstate_format(const struct tstate *s, struct buf *out);

/* Highest ClamAV version recorded for db (0 if none); record a new one. */
uint32_t tstate_clamav(const struct tstate *s, const char *db);
vg_status tstate_set_clamav(struct tstate *s, const char *db, uint32_t version);

#endif
