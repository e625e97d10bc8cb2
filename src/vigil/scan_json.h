/*
 * scan_json.h - JSON string encoding for `vigil scan --json`.
 */
#ifndef VG_CLI_SCAN_JSON_H
#define VG_CLI_SCAN_JSON_H

#include <stddef.h>

#include "core/buf.h"

/* Length (1-4) of the well-formed UTF-8 sequence at p (n bytes available),
 * or 0 when the bytes there are not well-formed UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF). */
size_t scan_json_utf8_len(const unsigned char *p, size_t n);

/*
 * Append s[0..len) to b as a JSON string literal, quotes included. Control
 * characters are escaped; each byte that is not part of well-formed UTF-8
 * becomes U+FFFD, and *lossless (when not NULL) is set to 0 if that
 * happened, else 1. VG_ENOMEM when b cannot grow.
 */
vg_status scan_json_str(struct buf *b, const char *s, size_t len, int *lossless);

/* Append s[0..len) as a quoted string of lowercase hex digits. */
vg_status scan_json_hex(struct buf *b, const char *s, size_t len);

#endif
