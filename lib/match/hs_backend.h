/*
 * hs_backend.h - the literal matcher behind a small interface: Hyperscan
 * (Vectorscan on non-x86) in block mode over the atoms of one shard.
 *
 * Only literals are compiled (hs_compile_lit_multi), which is what makes
 * compiling 100k patterns take seconds instead of minutes; everything a
 * literal cannot express is checked by match/verify.c on each hit.
 */
#ifndef VG_MATCH_HS_BACKEND_H
#define VG_MATCH_HS_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#include "core/buf.h"
#include "db/image.h"

struct hsb_db;      /* a deserialised database (owned) */
struct hsb_scratch; /* per-thread scratch */

/* Compile atoms into a serialised database appended to out (8-aligned by
 * the caller). *tune and *cpu receive the platform it was built for. */
vg_status hsb_compile(const struct img_atom *atoms, uint32_t natoms, const uint8_t *bytes,
                      struct buf *out, uint64_t *tune, uint64_t *cpu, vg_err *err);

/* This machine's platform (as recorded in images). */
void hsb_platform(uint64_t *tune, uint64_t *cpu);

/* Whether a database built for (tune, cpu) runs on this machine. */
int hsb_platform_ok(uint64_t tune, uint64_t cpu);

/* Deserialise. */
vg_status hsb_load(const uint8_t *ser, size_t len, struct hsb_db **out, vg_err *err);
void hsb_free(struct hsb_db *db);

/* Allocate or grow scratch so that it serves db. */
vg_status hsb_scratch_for(struct hsb_db *db, struct hsb_scratch **s);
void hsb_scratch_free(struct hsb_scratch *s);

/* Called for each atom hit: id is the atom index, end the offset just past
 * it. Return nonzero to stop the scan. */
typedef int (*hsb_hit_fn)(unsigned id, unsigned long long end, void *ctx);

/* Scan buf; returns VG_OK (also when stopped by the callback). Buffers over
 * 4 GiB are scanned in overlapping windows by the caller. */
vg_status hsb_scan(struct hsb_db *db, struct hsb_scratch *s, const uint8_t *buf, size_t len,
                   hsb_hit_fn fn, void *ctx);

#endif
