/*
 * textnorm.h - ClamAV's text normalisation (libclamav/textnorm.c), the
 * second form in which text layers are matched.
 *
 * Byte by byte: A-Z become a-z; TAB, LF, VT, FF, CR and space become one
 * space per run; other control bytes and all bytes >= 0x80 are dropped;
 * everything else is copied. The only state is "the last thing written was
 * a squeezed space", which ClamAV resets at each of its buffer flushes (see
 * textnorm.c for when and which layers get this pass).
 */
#ifndef VG_FORMATS_TEXTNORM_H
#define VG_FORMATS_TEXTNORM_H

#include <stddef.h>
#include <stdint.h>

/* Normaliser state carried from one chunk to the next. */
struct textnorm {
    int space; /* a whitespace run is open: further whitespace writes nothing */
};

/* Start a fresh run (ClamAV's text_normalize_init / text_normalize_reset). */
void textnorm_init(struct textnorm *st);

/* Normalise in[0..len) into out[0..cap) continuing the run in *st. Stops
 * when out is full, like ClamAV, even if the next input byte would write
 * nothing. Returns the bytes written and stores in *used the input bytes
 * consumed (may be NULL). Pure. */
size_t textnorm_feed(struct textnorm *st, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                     size_t *used);

/* One-shot: normalise in[0..len) with a fresh state into out[0..cap) and
 * return the bytes written. The output is never longer than the input, so
 * cap == len always suffices. */
size_t textnorm_normalize(const uint8_t *in, size_t len, uint8_t *out, size_t cap);

/* Whether signatures of ClamAV target `target` are matched against the
 * normalised text: generic (0) and ASCII text (7) ones. */
int textnorm_target(unsigned target);

#endif
