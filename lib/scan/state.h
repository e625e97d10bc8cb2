/*
 * state.h - per-scan matching state shared by the pipeline steps
 * (bodyscan.c, lsig.c, hashscan.c, scanner.c).
 *
 * State is tagged with an epoch instead of being cleared: a scan touches a
 * handful of signatures out of 10^5, so each step records what it touched
 * and nothing is proportional to the database size per file.
 */
#ifndef VG_SCAN_STATE_H
#define VG_SCAN_STATE_H

#include <stdint.h>

#include "core/arena.h"
#include "core/vec.h"
#include "db/shard.h"
#include "formats/exe.h"
#include "formats/filetype.h"
#include "scan/scanner.h"

#define OFF_NONE UINT64_MAX

/* A logical signature's counters for this layer. */
struct ldbst {
    uint32_t counts[LDB_MAX_SUBS];
    uint64_t last[LDB_MAX_SUBS];   /* offset of the last counted match, OFF_NONE */
    uint64_t first[LDB_MAX_SUBS];
};

/* One occurrence of a pattern part. */
struct occ {
    uint64_t s, e;
};

/* Occurrences of the atom part of a split pattern. */
struct mpst {
    struct occ *v;
    uint32_t n, cap;
    uint32_t part;
};

struct slot {
    uint32_t epoch;
    uint32_t idx;  /* ndb: 1 + index into hits; ldb: index into ldbs; pattern: into mps */
};

struct ndbhit {
    uint32_t sig;
    uint64_t off;
    uint64_t key;
};

struct shard_state {
    uint32_t epoch;
    struct slot *sig;        /* [nsigs] */
    struct slot *pat;        /* [npats] */
    struct vec touched;      /* uint32_t ldb indexes with a counter */
    struct ldbst **ldb;      /* per touched ldb, in the arena (indexed by struct slot.idx) */
    size_t nldb, capldb;
    struct vec mps;          /* uint32_t pattern indexes with occurrences */
    struct mpst *mp;         /* indexed by slot.idx */
    size_t nmp, capmp;
    struct vec hits;         /* struct ndbhit */
    struct arena arena;
};

/* What the steps know about the layer being scanned. */
struct lscan {
    struct vg_scanner *sc;
    const struct shard *sh;
    struct shard_state *st;
    const uint8_t *buf;
    size_t len;
    const uint8_t *rawbuf;   /* the layer's own bytes (buf, except in the normalised pass) */
    size_t rawlen;
    enum ftype type;
    uint32_t targets;        /* bit t: ClamAV target t applies to this pass */
    uint32_t root_target;    /* the target-specific root for this type (0 if none) */
    const struct exe_info *exe; /* NULL unless headers parsed */
    const struct layer_ctx *lc;
    int allmatch;
    int normalized;          /* NORM_*: which text this pass scans */
    vg_status err;           /* first internal error (out of memory) */
};

/* lscan.normalized: the raw layer, the normalised text in clamscan's
 * in-memory buffer (relative body offsets void), or the normalised text
 * scanned as a layer of its own (see normalized_pass in scanner.c). */
enum { NORM_NONE = 0, NORM_MEMORY, NORM_LAYER };

/* Ordering of alerts in first-match mode, as clamscan would find them. */
#define KEY(phase, pos) (((uint64_t)(phase) << 56) | ((uint64_t)(pos) & 0x00ffffffffffffffull))
enum { PH_BODY = 1, PH_LSIG = 6, PH_HASH = 8, PH_SECT = 9, PH_HEUR = 12 };

/* bodyscan.c: run the literal matcher and the post-scan chain checks. */
void bodyscan_run(struct lscan *ls);
/* Allowed start window of an offset spec in this layer; 0 if impossible. */
int bodyscan_offset_window(const struct lscan *ls, const struct img_off *o, uint64_t *lo, uint64_t *hi);
/* Count a subsignature match with ClamAV's ordering rule. */
void bodyscan_count(struct lscan *ls, uint32_t ldb, uint32_t sub, uint64_t off, int partial);
/* The counter block of an ldb in this layer (allocating it); NULL on ENOMEM. */
struct ldbst *bodyscan_ldbst(struct lscan *ls, uint32_t ldb);

/* lsig.c: evaluate logical signatures (PCRE, byte compare, expression, TDB). */
void lsig_run(struct lscan *ls);

/* hashscan.c: whole-file and PE section hashes; allow-list check. */
void hashscan_run(struct lscan *ls);
/* Whether the layer's bytes are on an allow list (.fp/.sfp) of any shard. */
int hashscan_allowed(struct vg_scanner *sc, const uint8_t *buf, size_t len);

#endif
