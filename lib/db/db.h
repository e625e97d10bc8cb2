/*
 * db.h - the vg_db object: the shards a scan runs over.
 */
#ifndef VG_DB_DB_H
#define VG_DB_DB_H

#include <stddef.h>
#include <vigil/vigil.h>

#include "db/shard.h"

struct vg_db {
    struct shard **shards;
    size_t nshards;
    vg_db_info info;
    uint32_t max_sigs;   /* largest per-shard counts: scanner state sizes */
    uint32_t max_pats;
    uint32_t max_ldbs;
    uint32_t max_patlen;  /* longest body pattern (bytes, capped): text flush overlap */
    uint32_t max_patlen7; /* the same over ASCII-text (target 7) signatures only */
    uint32_t split_targets; /* bit t: a target-t body pattern is split (has parts) */
    int text_reloff;      /* a target-7 body pattern has an EOF-relative offset */
};

/* Fill the scanner-facing fields (max_*, split_targets, text_reloff) from
 * db->shards; vg_db_load does this, code that assembles a vg_db by hand
 * (tests) must call it too. */
void db_facts(struct vg_db *db);

#endif
