/*
 * clamsign.h - ClamAV's detached ".sign" files (ClamAV 1.5, "#clamsign-1.0").
 *
 * A .sign file sits beside a .cvd or .cdiff and holds one or more lines
 * "minFL:maxFL:pkcs7-pem:<base64 DER PKCS#7>", each a detached SignedData
 * over the whole file, chained to a CA given by the user (ClamAV's official
 * root is installed with vigil). One line that verifies is enough.
 */
#ifndef VG_UPDATE_CLAMSIGN_H
#define VG_UPDATE_CLAMSIGN_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

/* Largest .sign file accepted. */
#define CLAMSIGN_MAX_SIZE (1u << 20)

/* One parsed signature line. der points into storage owned by the parser,
 * valid during the callback only. max_flevel 0 means "no upper bound". */
struct clamsign_line {
    unsigned lineno;
    uint32_t min_flevel, max_flevel;
    const char *type;      /* "pkcs7-pem" */
    const uint8_t *der;
    size_t derlen;
};

typedef vg_status (*clamsign_line_fn)(void *ctx, const struct clamsign_line *line, vg_err *err);

/*
 * Parse a .sign file and call fn for each signature line. A first line other
 * than "#clamsign-1.0" gives VG_EUNSUPPORTED (a format this code does not
 * know: the caller may fall back to another signature); a malformed line
 * gives VG_EFORMAT naming the line. Pure: no I/O.
 */
vg_status clamsign_parse(const uint8_t *sign, size_t len, clamsign_line_fn fn, void *ctx, vg_err *err);

/*
 * Verify data against a .sign file with the CA certificates in cert_path (a
 * PEM file, or a directory whose *.crt and *.pem files are loaded; NULL
 * means vigil's installed certificate directory).
 *   VG_OK            a line verified; signer (if not NULL) gets the signer's CN
 *   VG_EUNSUPPORTED  no line applies to this engine (unknown format, FLEVEL
 *                    range, type), or cert_path is NULL and vigil's installed
 *                    certificates are missing: the caller falls back to the
 *                    legacy dsig
 *   VG_ESIGNATURE    a signature did not verify: reject the file
 *   VG_EFORMAT       the .sign file is malformed: reject the file
 *   VG_ENOENT/EIO    the CA certificates given could not be read
 * `what` names the signed file in messages.
 */
vg_status clamsign_verify(const uint8_t *data, size_t len, const uint8_t *sign, size_t signlen,
                          const char *cert_path, const char *what, char *signer, size_t signer_size,
                          vg_err *err);

/*
 * 1 when the DER ContentInfo der/len is a SignedData whose unsigned fields
 * hold the values ClamAV's signer writes (version 1, NULL or absent
 * algorithm parameters, detached content, no unsigned attributes). Pure: a
 * small bounds-checked DER walk, exposed for the fuzzer.
 */
int clamsign_fixed_fields(const uint8_t *der, size_t len);

/* The installed directory of trusted ClamAV CA certificates. Static string. */
const char *clamsign_default_certs(void);

#endif
