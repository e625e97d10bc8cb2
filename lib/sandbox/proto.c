/*
 * proto.c - encoding and strict decoding of the pool <-> worker messages
 * (layout in proto.h and docs/internals/SANDBOX.md).
 *
 * Encoding runs in the worker and never fails for a too-long result: it
 * cuts and says so. Decoding runs in the parent on bytes from a process
 * that may be compromised, so it trusts nothing: each read goes through
 * the bounds-checked reader, each string must end in its NUL with none
 * inside, each count is bounded before anything is allocated, and a body
 * with bytes left over is refused. One reply per scanned file: not a hot
 * path next to the scan itself.
 */
#include "sandbox/proto.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rd.h"

/* ------------------------------------------------------------ encoding */

static void
le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void
le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void
le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static vg_status
put32(struct buf *b, uint32_t v)
{
    uint8_t p[4];

    le32(p, v);
    return buf_append(b, p, sizeof(p));
}

static vg_status
put64(struct buf *b, uint64_t v)
{
    uint8_t p[8];

    le64(p, v);
    return buf_append(b, p, sizeof(p));
}

/* A string: u16 length, the bytes, a NUL. Cut at max (and at an embedded
 * NUL, which C strings cannot hold anyway); *cut is set when it was. */
static vg_status
putstr(struct buf *b, const char *s, size_t max, int *cut)
{
    size_t n = s ? strlen(s) : 0;
    uint8_t p[2];
    vg_status st;

    if (n > max) {
        n = max;
        *cut = 1;
    }
    le16(p, (uint16_t)n);
    if ((st = buf_append(b, p, sizeof(p))) != VG_OK || (n && (st = buf_append(b, s, n)) != VG_OK))
        return st;
    return buf_append(b, "", 1);
}

static size_t
strsize(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;

    return 2 + (n > max ? max : n) + 1;
}

/* Start a frame: the header with a zero length, patched by frame_end. */
static vg_status
frame_begin(struct buf *b, enum proto_type type, size_t *start)
{
    uint8_t h[PROTO_HDR_SIZE];

    le32(h, PROTO_MAGIC);
    le16(h + 4, (uint16_t)type);
    le16(h + 6, 0);
    le32(h + 8, 0);
    *start = b->len;
    return buf_append(b, h, sizeof(h));
}

static void
frame_end(struct buf *b, size_t start)
{
    le32(b->p + start + 8, (uint32_t)(b->len - start - PROTO_HDR_SIZE));
}

vg_status
proto_hello_encode(struct buf *b, vg_status st, const char *msg)
{
    size_t start;
    int cut = 0;
    vg_status e;

    if ((e = frame_begin(b, PROTO_HELLO, &start)) != VG_OK || (e = put32(b, (uint32_t)st)) != VG_OK ||
        (e = putstr(b, msg, PROTO_ERROR_MAX, &cut)) != VG_OK)
        return e;
    frame_end(b, start);
    return VG_OK;
}

vg_status
proto_scan_encode(struct buf *b, uint64_t seq)
{
    size_t start;
    vg_status e;

    if ((e = frame_begin(b, PROTO_SCAN, &start)) != VG_OK || (e = put64(b, seq)) != VG_OK ||
        (e = put32(b, 0)) != VG_OK)
        return e;
    frame_end(b, start);
    return VG_OK;
}

vg_status
proto_reply_encode(struct buf *b, uint64_t seq, vg_status st, const char *err, const vg_result *res,
                   uint32_t flags)
{
    size_t start, flags_at, count_at, n = 0, nm = 0;
    int cut = 0;
    vg_status e;

    if (st == VG_OK && res == NULL)
        return VG_EINVAL;
    if (st == VG_OK)
        nm = res->nmatches;
    if ((e = frame_begin(b, PROTO_REPLY, &start)) != VG_OK || (e = put64(b, seq)) != VG_OK ||
        (e = put32(b, (uint32_t)st)) != VG_OK)
        return e;
    flags_at = b->len;
    if ((e = put32(b, flags)) != VG_OK ||
        (e = put32(b, st == VG_OK ? res->incomplete : 0)) != VG_OK ||
        (e = put64(b, st == VG_OK ? res->bytes_scanned : 0)) != VG_OK ||
        (e = putstr(b, st == VG_OK ? res->file_type : "", PROTO_TYPE_MAX, &cut)) != VG_OK ||
        (e = putstr(b, st == VG_OK ? res->incomplete_where : "", PROTO_WHERE_MAX, &cut)) != VG_OK ||
        (e = putstr(b, st == VG_OK ? "" : (err ? err : vg_status_str(st)), PROTO_ERROR_MAX, &cut)) !=
            VG_OK)
        return e;
    count_at = b->len;
    if ((e = put32(b, 0)) != VG_OK)
        return e;
    for (size_t i = 0; i < nm && n < PROTO_MAX_MATCHES; i++) {
        const vg_match *m = &res->matches[i];
        const char *name = m->name && m->name[0] ? m->name : "?";
        size_t need = 8 + strsize(name, PROTO_NAME_MAX) + strsize(m->layer, PROTO_LAYER_MAX);

        if (need > PROTO_MAX_BODY - (b->len - start - PROTO_HDR_SIZE))
            break;
        if ((e = put64(b, m->offset)) != VG_OK || (e = putstr(b, name, PROTO_NAME_MAX, &cut)) != VG_OK ||
            (e = putstr(b, m->layer, PROTO_LAYER_MAX, &cut)) != VG_OK)
            return e;
        n++;
    }
    if (n < nm)
        cut = 1;
    le32(b->p + count_at, (uint32_t)n);
    le32(b->p + flags_at, flags | (cut ? PROTO_F_TRUNCATED : 0));
    frame_end(b, start);
    return VG_OK;
}

/* ------------------------------------------------------------ decoding */

struct cur {
    const uint8_t *p;
    size_t len;
    size_t off;
    char *why;
    size_t whylen;
};

static int
bad(struct cur *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
bad(struct cur *c, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (c->why == NULL || c->whylen == 0)
        return -1;
    n = snprintf(c->why, c->whylen, "at byte %zu: ", c->off);
    if (n >= 0 && (size_t)n < c->whylen) {
        va_start(ap, fmt);
        vsnprintf(c->why + n, c->whylen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int
get32(struct cur *c, uint32_t *v, const char *what)
{
    if (rd_u32le(c->p, c->len, c->off, v) != 0)
        return bad(c, "message ends inside %s", what);
    c->off += 4;
    return 0;
}

static int
get64(struct cur *c, uint64_t *v, const char *what)
{
    if (rd_u64le(c->p, c->len, c->off, v) != 0)
        return bad(c, "message ends inside %s", what);
    c->off += 8;
    return 0;
}

/* A string of at most max bytes: *s points into the message (its NUL was
 * checked), *n is its length. */
static int
getstr(struct cur *c, size_t max, const char **s, size_t *n, const char *what)
{
    uint16_t len;

    if (rd_u16le(c->p, c->len, c->off, &len) != 0)
        return bad(c, "message ends inside the length of %s", what);
    if (len > max)
        return bad(c, "%s is %u bytes, more than %zu", what, (unsigned)len, max);
    c->off += 2;
    if (!rd_ok(c->len, c->off, (uint64_t)len + 1))
        return bad(c, "%s runs past the end of the message", what);
    if (c->p[c->off + len] != '\0')
        return bad(c, "%s is not NUL-terminated", what);
    if (memchr(c->p + c->off, '\0', len) != NULL)
        return bad(c, "%s has a NUL inside", what);
    *s = (const char *)c->p + c->off;
    *n = len;
    c->off += (size_t)len + 1;
    return 0;
}

/* A string into a fixed field of cap bytes (cap > max). */
static int
getfixed(struct cur *c, size_t max, char *dst, size_t cap, const char *what)
{
    const char *s = NULL;
    size_t n = 0;

    if (getstr(c, max < cap ? max : cap - 1, &s, &n, what) != 0)
        return -1;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return 0;
}

static int
getdup(struct cur *c, size_t max, char **dst, const char *what)
{
    const char *s;
    size_t n;

    if (getstr(c, max, &s, &n, what) != 0)
        return -1;
    if ((*dst = malloc(n + 1)) == NULL)
        return bad(c, "out of memory for %s", what);
    memcpy(*dst, s, n);
    (*dst)[n] = '\0';
    return 0;
}

static int
status_ok(uint32_t v)
{
    return v <= (uint32_t)VG_EINTERNAL;
}

int
proto_hdr_decode(const uint8_t hdr[PROTO_HDR_SIZE], uint16_t *type, uint32_t *len)
{
    uint32_t magic, n;
    uint16_t t, z;

    if (rd_u32le(hdr, PROTO_HDR_SIZE, 0, &magic) || rd_u16le(hdr, PROTO_HDR_SIZE, 4, &t) ||
        rd_u16le(hdr, PROTO_HDR_SIZE, 6, &z) || rd_u32le(hdr, PROTO_HDR_SIZE, 8, &n))
        return -1;
    if (magic != PROTO_MAGIC || z != 0 || t < PROTO_HELLO || t > PROTO_REPLY || n > PROTO_MAX_BODY)
        return -1;
    *type = t;
    *len = n;
    return 0;
}

int
proto_hello_decode(const uint8_t *body, size_t len, vg_status *st, char *msg, size_t msglen,
                   char *why, size_t whylen)
{
    struct cur c = {body, len, 0, why, whylen};
    uint32_t s = 0;

    if (get32(&c, &s, "the status") != 0)
        return -1;
    if (!status_ok(s))
        return bad(&c, "unknown status %u", s);
    if (getfixed(&c, PROTO_ERROR_MAX, msg, msglen, "the message") != 0)
        return -1;
    if (c.off != len)
        return bad(&c, "%zu bytes after the end of the hello", len - c.off);
    *st = (vg_status)s;
    return 0;
}

int
proto_scan_decode(const uint8_t *body, size_t len, uint64_t *seq)
{
    struct cur c = {body, len, 0, NULL, 0};
    uint32_t flags = 1;

    if (get64(&c, seq, "seq") != 0 || get32(&c, &flags, "flags") != 0)
        return -1;
    return flags == 0 && c.off == len ? 0 : -1;
}

/* The smallest encoded match: offset and two empty strings... but a name
 * is never empty, so one byte more. Bounds the count before allocating. */
#define MIN_MATCH_SIZE (8 + 4 + 3)

int
proto_reply_decode(const uint8_t *body, size_t len, uint64_t seq, struct scan_reply *r,
                   uint32_t *flags, char *why, size_t whylen)
{
    struct cur c = {body, len, 0, why, whylen};
    uint64_t got_seq, scanned;
    uint32_t st = 0, fl = 0, inc = 0, nm = 0;

    if (get64(&c, &got_seq, "the sequence number") != 0)
        return -1;
    if (got_seq != seq)
        return bad(&c, "reply to request %llu, expected %llu", (unsigned long long)got_seq,
                   (unsigned long long)seq);
    if (get32(&c, &st, "the status") != 0 || get32(&c, &fl, "the flags") != 0 ||
        get32(&c, &inc, "the limit bits") != 0 || get64(&c, &scanned, "the byte count") != 0)
        return -1;
    if (!status_ok(st))
        return bad(&c, "unknown status %u", st);
    if (fl & ~PROTO_F_ALL)
        return bad(&c, "unknown flags 0x%x", fl);
    if (inc & ~(uint32_t)(VG_LIMIT_FILESIZE | VG_LIMIT_SCANSIZE | VG_LIMIT_RECURSION | VG_LIMIT_FILES |
                          VG_LIMIT_SCANTIME | VG_LIMIT_RATIO | VG_LIMIT_ENCRYPTED))
        return bad(&c, "unknown limit bits 0x%x", inc);
    if (getfixed(&c, PROTO_TYPE_MAX, r->file_type, sizeof(r->file_type), "the file type") != 0 ||
        getfixed(&c, PROTO_WHERE_MAX, r->incomplete_where, sizeof(r->incomplete_where),
                 "the limit place") != 0 ||
        getfixed(&c, PROTO_ERROR_MAX, r->error, sizeof(r->error), "the error text") != 0 ||
        get32(&c, &nm, "the match count") != 0)
        return -1;
    if (st != VG_OK && (nm != 0 || inc != 0 || scanned != 0 || r->file_type[0] || r->incomplete_where[0]))
        return bad(&c, "a failed scan (status %u) with a result", st);
    if (st == VG_OK && r->error[0])
        return bad(&c, "a successful scan with an error text");
    if (st != VG_OK && r->error[0] == '\0')
        return bad(&c, "a failed scan (status %u) without an error text", st);
    if (nm > PROTO_MAX_MATCHES || nm > (len - c.off) / MIN_MATCH_SIZE)
        return bad(&c, "%u matches cannot fit in %zu bytes", nm, len - c.off);
    if (nm > 0 && (r->matches = calloc(nm, sizeof(*r->matches))) == NULL)
        return bad(&c, "out of memory for %u matches", nm);
    for (uint32_t i = 0; i < nm; i++) {
        struct reply_match *m = &r->matches[i];

        if (get64(&c, &m->offset, "a match offset") != 0)
            return -1;
        if (getdup(&c, PROTO_NAME_MAX, &m->name, "a match name") != 0)
            return -1;
        r->nmatches++;
        if (m->name[0] == '\0')
            return bad(&c, "match %u has an empty name", i);
        if (getdup(&c, PROTO_LAYER_MAX, &m->layer, "a match layer") != 0)
            return -1;
    }
    if (c.off != len)
        return bad(&c, "%zu bytes after the last match", len - c.off);
    r->status = (vg_status)st;
    r->infected = nm > 0;
    r->incomplete = inc;
    r->bytes_scanned = scanned;
    *flags = fl;
    return 0;
}
