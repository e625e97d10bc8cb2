/*
 * cdb.h - container metadata signatures (.cdb) on container members.
 */
#ifndef VG_CONTAINERS_CDB_H
#define VG_CONTAINERS_CDB_H

#include <stdint.h>
#include <vigil/vigil.h>

#include "containers/walk.h"

/* Match every .cdb signature of every shard against one member of a
 * container of type ctype and size clen; pos is the member's position
 * (1-based). Each match is an alert at the member's layer path. ENOMEM
 * only. */
vg_status cdb_match(struct vg_scanner *sc, enum ftype ctype, uint64_t clen, const struct member *m,
                    uint32_t pos, const char *path);

#endif
