/*
 * atoms.h - choosing the literal ("atom") that finds each pattern part.
 *
 * Hyperscan sees only literals: for every pattern one atom from its best
 * part, and every part keeps its own search literal for the post-scan chain
 * check of split signatures. A good atom is long and made of bytes that are
 * rare in real files (not 00, FF, runs, spaces), because every atom hit
 * costs a verification.
 */
#ifndef VG_MATCH_ATOMS_H
#define VG_MATCH_ATOMS_H

#include <stdint.h>

#include "db/image.h"

#define ATOM_MAX 16

/* Fill pt->lit/litlen/litnocase/back_min/back_max for the part whose
 * program starts at code + pt->code. litlen stays 0 if the part has no
 * literal of 2 or more bytes. Returns the literal's score (0 if none). */
double atoms_choose(const uint8_t *code, struct img_part *pt);

/* Bytes a program consumes, least and most (for alternatives and skips). */
void atoms_prog_len(const uint8_t *c, uint32_t *min, uint32_t *max);

#endif
