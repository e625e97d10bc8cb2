/*
 * verify.h - run a compiled part program (pattern.h) against bytes.
 *
 * Called for every atom hit the matcher reports, so it is on the hot path:
 * no allocation, bounded backtracking (alternatives of variable length and
 * skips are the only choice points).
 */
#ifndef VG_MATCH_VERIFY_H
#define VG_MATCH_VERIFY_H

#include <stddef.h>
#include <stdint.h>

/* Does the program at `code` match buf[pos...]? On 1, *end is the offset
 * just past the match (the first one found, alternatives in order). The
 * whole buffer is passed so zero-width edge checks can look around pos. */
int verify_at(const uint8_t *code, const uint8_t *classes, const uint8_t *buf, size_t len,
              size_t pos, size_t *end);

#endif
