/*
 * repo.h - the client's checks on a vigil repository (TUF's threat model).
 *
 * Each function takes bytes a mirror served and what the client already
 * trusts, and says whether to accept them:
 *   - a next root must carry the threshold of the trusted root and its own,
 *     and be exactly one version newer (key rotation);
 *   - a manifest must carry the threshold of the trusted root, name that
 *     root's version (no mix-and-match across roots), not be expired
 *     (freeze), and not be older than the last one installed (rollback) or
 *     the same version with different content;
 *   - the release log must hash-chain to the head the manifest commits to,
 *     record this release as its last entry, and extend the log the client
 *     committed to before (no fork).
 * Pure: no I/O; the clock is passed in.
 */
#ifndef VG_UPDATE_REPO_H
#define VG_UPDATE_REPO_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#include "update/manifest.h"
#include "update/rootdoc.h"
#include "update/tstate.h"

/* Most root versions walked in one update. */
#define REPO_MAX_ROOT_STEPS 1024

/* Parse and self-check a root document (signed by its own threshold); for
 * the pinned root given by the user. */
vg_status repo_load_root(const uint8_t *buf, size_t len, const char *what, struct rootdoc *out, vg_err *err);

/* Accept buf as the successor of trusted. */
vg_status repo_next_root(const struct rootdoc *trusted, const uint8_t *buf, size_t len, struct rootdoc *out,
                         vg_err *err);

/* The root must not be expired at now. */
vg_status repo_root_fresh(const struct rootdoc *root, int64_t now, vg_err *err);

/*
 * Accept a manifest. *same is set when it is byte-for-byte the manifest the
 * client installed last (nothing new). sha256 receives its digest.
 */
vg_status repo_check_manifest(const struct rootdoc *root, const struct tstate *state, int64_t now,
                              const uint8_t *buf, size_t len, struct manifest *out, uint8_t sha256[32], int *same,
                              vg_err *err);

/* Accept a release log for manifest m (buf holds the first m->log_size
 * bytes the mirror served). */
vg_status repo_check_log(const struct manifest *m, const struct tstate *state, const uint8_t *buf, size_t len,
                         vg_err *err);

#endif
