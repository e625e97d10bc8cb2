/*
 * dsig.h - ClamAV's own RSA signature schemes (the "dsig" strings).
 *
 * Two schemes, both written in ClamAV's little-endian base-64 variant:
 *  - the legacy CVD signature: raw RSA over the MD5 of the CVD body with a
 *    1024-bit key (dsig_verify_md5);
 *  - the "versig2" signature: EMSA-PSS, SHA-256, 32-byte salt, MGF1-SHA256
 *    with a 2048-bit key, used by the DSIG line of .info files and the
 *    trailer of .cdiff files, each with its own key (dsig_verify_pss).
 * The public keys are ClamAV's published constants.
 */
#ifndef VG_UPDATE_DSIG_H
#define VG_UPDATE_DSIG_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

enum dsig_key {
    DSIG_KEY_INFO,  /* .info DSIG lines */
    DSIG_KEY_CDIFF  /* .cdiff trailers */
};

/* Longest dsig string accepted (2048 bits need 342 digits). */
#define DSIG_MAX_LEN 350

/*
 * Verify the legacy CVD signature: dsig (len characters) must decode with
 * the CVD key to exactly md5. VG_OK, or VG_ESIGNATURE / VG_EFORMAT /
 * VG_ENOMEM with a message in err.
 */
vg_status dsig_verify_md5(const uint8_t md5[16], const char *dsig, size_t len, vg_err *err);

/* Verify a PSS dsig over a SHA-256 digest with the given key. */
vg_status dsig_verify_pss(const uint8_t sha256[32], const char *dsig, size_t len, enum dsig_key key,
                          vg_err *err);

#endif
