/*
 * inflate.h - deflate decoders writing into a bounded sink: zlib for
 * deflate and zlib-wrapped streams, inflate64.c for Deflate64 (ZIP method
 * 9, which zlib does not decode).
 */
#ifndef VG_CONTAINERS_INFLATE_H
#define VG_CONTAINERS_INFLATE_H

#include <stddef.h>
#include <stdint.h>

#include "containers/sink.h"

/* Results of the decoders. What was decoded before a problem stays in
 * the sink in every case. */
enum {
    DEC_END = 0,   /* the stream ended properly */
    DEC_TRUNC,     /* the input ended first */
    DEC_BAD,       /* corrupt data */
    DEC_FULL,      /* the sink reached its bound (out->over) */
    DEC_NOMEM      /* out of memory */
};

/* Raw deflate (RFC 1951). *used receives the input bytes consumed (may be
 * NULL). */
int inflate_raw(const uint8_t *in, size_t n, struct sink *out, size_t *used);

/* zlib format (RFC 1950), as PDF's FlateDecode; a missing or wrong
 * trailer is not an error. */
int inflate_zlib(const uint8_t *in, size_t n, struct sink *out, size_t *used);

/* gzip member (RFC 1952) with its header. */
int inflate_gzip(const uint8_t *in, size_t n, struct sink *out, size_t *used);

/* Deflate64 ("enhanced deflate"): 64 KiB window, length code 285 with 16
 * extra bits, distance codes 30 and 31. Raw, like inflate_raw. */
int inflate64_raw(const uint8_t *in, size_t n, struct sink *out, size_t *used);

#endif
