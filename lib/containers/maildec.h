/*
 * maildec.h - the transfer encodings of mail and the web: base64,
 * quoted-printable and uuencode. Each decodes into a bounded sink and
 * returns a DEC_* code (inflate.h); decoders skip what does not belong to
 * the encoding, as mail readers do.
 */
#ifndef VG_CONTAINERS_MAILDEC_H
#define VG_CONTAINERS_MAILDEC_H

#include <stddef.h>
#include <stdint.h>

#include "containers/sink.h"

int maildec_base64(const uint8_t *in, size_t n, struct sink *out);
int maildec_qp(const uint8_t *in, size_t n, struct sink *out);

/* Decode the uuencoded lines that follow a "begin" line, up to "end".
 * in starts at the first data line; *used receives the bytes consumed. */
int maildec_uu(const uint8_t *in, size_t n, struct sink *out, size_t *used);

/* Find the next "begin <mode> <name>" line in [0, n): returns its offset
 * or n; the name (up to cap - 1 bytes) goes into name and *data receives
 * the offset of the line after it. */
size_t maildec_uu_find(const uint8_t *in, size_t n, char *name, size_t cap, size_t *data);

#endif
