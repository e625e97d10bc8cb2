/*
 * htmlnorm.h - HTML normalisation as clamscan does it for Target:3
 * signatures: three texts made from one pass over the page, and the
 * inline data (RFC 2397 data: URIs) found in tag attributes.
 */
#ifndef VG_CONTAINERS_HTMLNORM_H
#define VG_CONTAINERS_HTMLNORM_H

#include <stddef.h>
#include <stdint.h>

#include "containers/sink.h"

#define HTMLNORM_MAX_URIS 64

struct htmlnorm_uri {
    size_t off, len;  /* the data part in the input (after the comma) */
    int base64;       /* ";base64" in the media type */
};

struct htmlnorm {
    struct sink nocomment; /* lower case, comments dropped, white space squeezed,
                              tags rewritten with double-quoted attribute values,
                              character references decoded */
    struct sink notags;    /* the text outside tags and scripts, lower case,
                              plus the targets of <a href> and <img src> */
    struct sink script;    /* the contents of <script> elements, as written */
    struct htmlnorm_uri uri[HTMLNORM_MAX_URIS];
    size_t nuri;
};

/* Normalise in[0..n) into h, whose sinks the caller has initialised with
 * their bounds (a full sink just stops growing). Returns 0, or -1 when
 * memory ran out. Pure: linear time, no I/O. */
int htmlnorm_run(const uint8_t *in, size_t n, struct htmlnorm *h);

/* Decode a data: URI's data (base64, or %xx escapes) into out. Returns a
 * DEC_* code (inflate.h). */
int htmlnorm_uri_decode(const uint8_t *in, size_t n, const struct htmlnorm_uri *u,
                        struct sink *out);

#endif
