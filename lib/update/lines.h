/*
 * lines.h - the line grammar of vigil's own update documents.
 *
 * Root, manifest, release log, client state and generation files are text:
 * one record per line, fields separated by single spaces, every line ending
 * in '\n', printable ASCII only. A strict grammar means one byte string per
 * document, so what is signed is what is parsed, and the parsers stay small.
 */
#ifndef VG_UPDATE_LINES_H
#define VG_UPDATE_LINES_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#define LINES_MAX_FIELDS 8

struct lines {
    const char *p;
    size_t len, off;
    unsigned lineno;
    const char *what; /* document name for messages */
};

struct fields {
    const char *f[LINES_MAX_FIELDS];
    size_t n[LINES_MAX_FIELDS];
    size_t count;
    size_t start, end; /* byte offsets of the line (end: just past '\n') */
};

void lines_init(struct lines *l, const void *p, size_t len, const char *what);

/* Next line into fl. VG_OK with fl->count > 0; VG_ENOENT at the end;
 * VG_EFORMAT (naming the document and line) on a malformed line. */
vg_status lines_next(struct lines *l, struct fields *fl, vg_err *err);

/* Field i equals s. */
int lines_is(const struct fields *fl, size_t i, const char *s);

/* Decimal without leading zeros (or "0"), at most max. 0 on success. */
int lines_u64(const struct fields *fl, size_t i, uint64_t max, uint64_t *out);

/* Exactly 2*n lowercase hex digits. 0 on success. */
int lines_hex(const struct fields *fl, size_t i, uint8_t *out, size_t n);

/* Copy field i into out (size outsz) if it is 1..outsz-1 characters of
 * [a-z0-9_-] (names); 0 on success. */
int lines_name(const struct fields *fl, size_t i, char *out, size_t outsz);

/* Error for the current line: "<what>:<line>: <msg>". */
vg_status lines_error(const struct lines *l, vg_err *err, const char *msg);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void lines_tohex(const uint8_t *in, size_t n, char *out);

#endif
