/*
 * autoit.h - compiled AutoIt scripts ("AU3!EA05", "AU3!EA06") carried by
 * an AutoIt executable, opened as clamscan's cli_scanautoit opens them
 * (see autoit.c).
 */
#ifndef VG_CONTAINERS_AUTOIT_H
#define VG_CONTAINERS_AUTOIT_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#include "containers/walk.h"

/* Length of the marker ClamAV's CL_TYPE_AUTOIT type signature matches:
 * a 16-byte GUID and "AU3!EA0"; the version byte ('5' or '6') follows. */
#define AUTOIT_MARKER_LEN 23

/* Walk the AutoIt data in w->buf, which starts at the marker and runs to
 * the end of the executable: each file it stores is decrypted,
 * decompressed (the EA06 script turned back into text) and scanned as a
 * member named "autoit.NNN" as clamscan numbers its temporary files.
 * Malformed or truncated data ends the walk after what could be read.
 * ENOMEM only. */
vg_status autoit_walk(struct walk *w);

/* Open the AutoIt data found at buf (the marker) to buf + len (the end of
 * the PE layer lc) as a container of type CL_TYPE_AUTOIT, tag "AUTOIT".
 * Called by embedded_walk for a PE layer. ENOMEM only. */
vg_status autoit_open(struct vg_scanner *sc, const uint8_t *buf, size_t len,
                      const struct layer_ctx *lc);

#endif
