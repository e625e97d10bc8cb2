/*
 * signdoc.h - the signature envelope of vigil's root and manifest.
 *
 * A signed document is its body, which ends with the line "end", followed
 * by one line per signature:
 *
 *   sig <keyid: 64 hex> <Ed25519 signature of the body bytes: 128 hex>
 *
 * The body's first line names the document type, so a signature over a
 * manifest can never be taken for one over a root.
 */
#ifndef VG_UPDATE_SIGNDOC_H
#define VG_UPDATE_SIGNDOC_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#include "core/buf.h"
#include "update/rootdoc.h"
#include "update/sigkey.h"

#define SIGNDOC_MAX_SIGS 64

struct signdoc_sig {
    uint8_t keyid[SIGKEY_ID];
    uint8_t sig[SIGKEY_SIG];
};

struct signdoc {
    const uint8_t *body; /* points into the caller's buffer */
    size_t body_len;
    struct signdoc_sig sigs[SIGNDOC_MAX_SIGS];
    size_t nsigs;
};

/* Split buf into body and signatures. A key may sign only once. */
vg_status signdoc_split(const uint8_t *buf, size_t len, const char *what, struct signdoc *out, vg_err *err);

/*
 * VG_OK when at least keys->threshold signatures by distinct keys of keys
 * verify over the body. Signatures by other keys are ignored; the message
 * on failure says how many were valid and why the others were not.
 * `whose` names the key set ("root version 3").
 */
vg_status signdoc_check(const struct signdoc *d, const struct rootdoc *keys, const char *what, const char *whose,
                        vg_err *err);

/* Append body and one signature line per key to out. */
vg_status signdoc_sign(const uint8_t *body, size_t len, EVP_PKEY *const *keys, size_t nkeys, struct buf *out,
                       vg_err *err);

#endif
