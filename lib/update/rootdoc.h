/*
 * rootdoc.h - a repository's root document: who may sign, and how many.
 *
 *   vigil-root 1
 *   version <n>                       grows by one at each rotation
 *   expires <unix seconds>
 *   threshold <k>                     signatures needed (root and manifest)
 *   key <keyid> ed25519 <pubkey>      1 to ROOT_MAX_KEYS lines, keyid = SHA-256(pubkey)
 *   end
 *   sig <keyid> <signature>           see signdoc.h
 *
 * The client pins one root; a newer root is trusted only when signed by the
 * threshold of the root before it and by its own threshold (TUF's rule).
 */
#ifndef VG_UPDATE_ROOTDOC_H
#define VG_UPDATE_ROOTDOC_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#include "core/buf.h"
#include "update/sigkey.h"

#define ROOT_MAX_KEYS 32
#define ROOT_MAX_SIZE (64u * 1024)

struct root_key {
    uint8_t id[SIGKEY_ID];
    uint8_t pub[SIGKEY_PUB];
};

struct rootdoc {
    uint64_t version;
    int64_t expires;
    uint32_t threshold;
    struct root_key keys[ROOT_MAX_KEYS];
    size_t nkeys;
};

/* Parse a root body (everything up to and including "end\n"). */
vg_status rootdoc_parse(const uint8_t *body, size_t len, struct rootdoc *out, vg_err *err);

/* Append the body text of r to out. */
vg_status rootdoc_format(const struct rootdoc *r, struct buf *out);

/* The key with this id, or NULL. */
const struct root_key *rootdoc_key(const struct rootdoc *r, const uint8_t id[SIGKEY_ID]);

#endif
