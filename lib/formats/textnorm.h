/*
 * textnorm.h - ClamAV's text normalisation (lower case, squeezed white
 * space, control and high bytes dropped), for the second pass over text.
 */
#ifndef VG_FORMATS_TEXTNORM_H
#define VG_FORMATS_TEXTNORM_H

#include <stddef.h>
#include <stdint.h>

/* Normalise in[0..len) into out (at most cap bytes); returns the length. */
size_t textnorm_normalize(const uint8_t *in, size_t len, uint8_t *out, size_t cap);

#endif
