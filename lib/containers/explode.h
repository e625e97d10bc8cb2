/*
 * explode.h - decoder for ZIP's "imploded" members (method 6, PKZIP 1.x).
 */
#ifndef VG_CONTAINERS_EXPLODE_H
#define VG_CONTAINERS_EXPLODE_H

#include <stddef.h>
#include <stdint.h>

#include "containers/sink.h"

/* Decode n bytes of imploded data into out. flags are the member's general
 * purpose flags (bit 1: 8 KiB window, bit 2: literal tree present); the
 * stream has no end code, so decoding stops at usize bytes. Returns a
 * DEC_* code (inflate.h). */
int explode(const uint8_t *in, size_t n, uint16_t flags, uint64_t usize, struct sink *out);

#endif
