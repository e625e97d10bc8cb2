/*
 * pdfcrypt.h - PDF's standard security handler, far enough to read what
 * any reader may read: documents that open with an empty user password
 * (those protected by an owner password only), revisions 2 to 6, RC4,
 * AES-128 and AES-256. Documents that need a password are left alone and
 * reported encrypted.
 */
#ifndef VG_CONTAINERS_PDFCRYPT_H
#define VG_CONTAINERS_PDFCRYPT_H

#include <stddef.h>
#include <stdint.h>

#include "containers/sink.h"

enum { PDFC_NONE = 0, PDFC_RC4, PDFC_AESV2, PDFC_AESV3, PDFC_IDENTITY };

/* What the /Encrypt dictionary and the trailer's /ID say. */
struct pdfcrypt_params {
    int v, r;
    int length_bits;      /* /Length, 40 when absent */
    int32_t p;            /* /P */
    int encrypt_metadata; /* /EncryptMetadata, 1 when absent */
    int cfm;              /* PDFC_*: the standard crypt filter's method (V 4 and 5) */
    uint8_t o[48], u[48], oe[32], ue[32];
    size_t olen, ulen, oelen, uelen;
    uint8_t id[64];       /* first element of /ID */
    size_t idlen;
};

struct pdfcrypt {
    int method;           /* PDFC_* */
    uint8_t key[32];
    size_t keylen;
};

/* Derive the file key with the empty user password. Returns 0 and fills c
 * when the document opens with it, -1 otherwise (a password is needed, or
 * the handler is not one vigil knows). Pure. */
int pdfcrypt_open(const struct pdfcrypt_params *pp, struct pdfcrypt *c);

/* Decrypt a stream or string of object (num, gen) into out. Returns a
 * DEC_* code (inflate.h). */
int pdfcrypt_decrypt(const struct pdfcrypt *c, uint32_t num, uint32_t gen, const uint8_t *in,
                     size_t n, struct sink *out);

#endif
