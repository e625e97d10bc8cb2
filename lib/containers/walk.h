/*
 * walk.h - opening containers inside the scan pipeline.
 *
 * scanner_scan_layer calls containers_walk for every layer after matching
 * it; the walker recognises containers (archives, compressed streams,
 * documents, mail), extracts members in memory within the scan's limits,
 * and hands each member back to scanner_scan_layer one level deeper.
 */
#ifndef VG_CONTAINERS_WALK_H
#define VG_CONTAINERS_WALK_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#include "formats/filetype.h"
#include "scan/scanner.h"

/* Open the layer if it is a container and scan its members. Returns VG_OK
 * also when a limit stopped the walk (the limit is recorded with
 * scanner_limit); errors are out-of-memory and internal failures only. */
vg_status containers_walk(struct vg_scanner *sc, const uint8_t *buf, size_t len, enum ftype type,
                          const struct layer_ctx *lc);

#endif
