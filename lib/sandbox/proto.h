/*
 * proto.h - the messages between the scan pool (parent) and a sandboxed
 * worker, and their strict encoding.
 *
 * Every message is a frame: a 12-byte header (magic "VGS1", type, body
 * length, all little-endian) and a body of at most PROTO_MAX_BODY bytes.
 *
 *   parent -> worker  SCAN   seq, flags; the file travels beside it as one
 *                            descriptor (SCM_RIGHTS)
 *   worker -> parent  HELLO  once, after the worker entered its sandbox:
 *                            status and a message (why set-up failed)
 *   worker -> parent  REPLY  seq, status, flags, limits hit, bytes scanned,
 *                            file type, where a limit hit, error text,
 *                            matches (offset, name, layer)
 *
 * The worker is not trusted: the parent decodes a HELLO or REPLY with
 * proto_*_decode, which check every length against what is left, every
 * string for its terminating NUL and for NULs inside, every count and every
 * field against its known range, and refuse trailing bytes. See
 * docs/internals/SANDBOX.md for the byte layout.
 */
#ifndef VG_SANDBOX_PROTO_H
#define VG_SANDBOX_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#include "core/buf.h"
#include "sandbox/pool.h"

#define PROTO_MAGIC 0x31534756u /* "VGS1" read as a little-endian u32 */
#define PROTO_HDR_SIZE 12
#define PROTO_MAX_BODY (1u << 20)

/* Longest strings a reply may carry (bytes, without the NUL). */
#define PROTO_TYPE_MAX (sizeof(((struct scan_reply *)0)->file_type) - 1)
#define PROTO_WHERE_MAX (sizeof(((struct scan_reply *)0)->incomplete_where) - 1)
#define PROTO_ERROR_MAX (sizeof(((struct scan_reply *)0)->error) - 1)
#define PROTO_NAME_MAX 1023u
#define PROTO_LAYER_MAX 4095u
#define PROTO_MAX_MATCHES 65536u

enum proto_type {
    PROTO_HELLO = 1,
    PROTO_SCAN = 2,
    PROTO_REPLY = 3
};

/* Reply flags (worker -> parent). */
#define PROTO_F_RETIRE 0x1u    /* the worker asks to be replaced after this reply */
#define PROTO_F_TRUNCATED 0x2u /* matches or strings did not all fit the message */
#define PROTO_F_ALL (PROTO_F_RETIRE | PROTO_F_TRUNCATED)

/* Decode a frame header: 0 and *type, *len when the magic, the type and
 * the length (<= PROTO_MAX_BODY) are valid; -1 otherwise. */
int proto_hdr_decode(const uint8_t hdr[PROTO_HDR_SIZE], uint16_t *type, uint32_t *len);

/* Append a whole HELLO frame to b. msg may be NULL; it is cut to
 * PROTO_ERROR_MAX bytes. */
vg_status proto_hello_encode(struct buf *b, vg_status st, const char *msg);

/* Decode a HELLO body. On 0, *st and msg (NUL-terminated, msglen > 0) are
 * set; on -1, why says what was wrong. */
int proto_hello_decode(const uint8_t *body, size_t len, vg_status *st, char *msg, size_t msglen,
                       char *why, size_t whylen);

/* Append a whole SCAN frame to b. */
vg_status proto_scan_encode(struct buf *b, uint64_t seq);

/* Decode a SCAN body: 0 and *seq, or -1. */
int proto_scan_decode(const uint8_t *body, size_t len, uint64_t *seq);

/* Append a whole REPLY frame to b: res when st is VG_OK (res may be NULL
 * otherwise), err a message for a failed scan (may be NULL). What does not
 * fit PROTO_MAX_BODY or the string limits is cut, and PROTO_F_TRUNCATED is
 * added to flags. */
vg_status proto_reply_encode(struct buf *b, uint64_t seq, vg_status st, const char *err,
                             const vg_result *res, uint32_t flags);

/* Decode a REPLY body into r (which must be zeroed; the caller clears it
 * with scan_reply_clear either way). Returns 0 when the body is well
 * formed and its sequence number is seq; *flags gets the reply flags.
 * Returns -1 with why filled otherwise (r may hold part of the reply). */
int proto_reply_decode(const uint8_t *body, size_t len, uint64_t seq, struct scan_reply *r,
                       uint32_t *flags, char *why, size_t whylen);

#endif
