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
};

#endif
