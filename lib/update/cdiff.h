/*
 * cdiff.h - ClamAV's incremental updates (.cdiff) and their scripts.
 *
 * A .cdiff is "ClamAV-Diff:<version>:<script length>:" + a gzip'd script +
 * ":" + a dsig (RSA-PSS over the SHA-256 of everything before that last ':',
 * with the cdiff key); a detached .cdiff.sign may sign the whole file
 * instead. The script edits an unpacked database (struct dbset) with
 * OPEN/ADD/DEL/XCHG/MOVE/CLOSE/UNLINK, ClamAV's rules: line numbers are
 * 1-based and refer to the file as it was at OPEN; DEL and XCHG check that
 * the line starts with a given word; edits and ADDs are applied at CLOSE.
 */
#ifndef VG_UPDATE_CDIFF_H
#define VG_UPDATE_CDIFF_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#include "core/buf.h"
#include "update/dbset.h"

/* Largest script accepted (unpacked). */
#define CDIFF_MAX_SCRIPT (256u << 20)

struct cdiff_header {
    uint32_t version;      /* the database version this cdiff produces */
    uint64_t script_len;   /* declared unpacked script length */
    size_t gz_off;         /* where the gzip stream starts */
    size_t signed_len;     /* bytes covered by the trailing dsig (up to the last ':') */
    const char *dsig;      /* the trailing dsig (points into the buffer) */
    size_t dsig_len;
};

/* Parse the header and locate the trailer. Pure. */
vg_status cdiff_parse(const uint8_t *buf, size_t len, struct cdiff_header *h, vg_err *err);

/*
 * Verify a .cdiff: with its .sign when given and applicable (an invalid
 * .sign rejects), else with the trailing dsig. what names it in messages.
 */
vg_status cdiff_verify(const uint8_t *buf, size_t len, const uint8_t *sign, size_t signlen,
                       const char *cert_path, const char *what, vg_err *err);

/* Unpack the script (bounded by the declared length and CDIFF_MAX_SCRIPT). */
vg_status cdiff_script(const uint8_t *buf, size_t len, const struct cdiff_header *h, struct buf *out,
                       vg_err *err);

/*
 * Run a script against db. On failure db is left part-way: the caller
 * drops it. Messages name the script line. Pure: no I/O.
 */
vg_status cdiff_run(struct dbset *db, const uint8_t *script, size_t len, vg_err *err);

/*
 * Verify a .cdiff, check that it continues db (its version is the .info's
 * version + 1), run it, and check the result says the new version.
 */
vg_status cdiff_apply(struct dbset *db, const uint8_t *buf, size_t len, const uint8_t *sign, size_t signlen,
                      const char *cert_path, const char *what, vg_err *err);

#endif
