/*
 * unpack.h - packed executables and installers inside a PE layer.
 *
 * clamscan's cli_scanpe recognises a packer by the layout of a PE file
 * and the code at its entry point, unpacks the program in memory and
 * scans the rebuilt executable. unpack_pe does the same for a layer typed
 * PE: it tries the packers in clamscan's order, and scans the first
 * result one layer deeper (path "<layer>!UPX:", ...), typed and matched
 * like any file. Each unpacker is a pure function over the layer's bytes
 * (lib/unpack/<packer>.c) writing into a buffer bounded by the walker's
 * limits (walk_cap); a packed file that would unpack past them is
 * reported incomplete, never clean.
 */
#ifndef VG_UNPACK_UNPACK_H
#define VG_UNPACK_UNPACK_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#include "scan/scanner.h"

/* Unpack the PE layer buf[0..len) if a supported packer made it and scan
 * the result. VG_OK also when nothing was unpacked or a limit stopped it
 * (recorded with scanner_limit); VG_ENOMEM only. */
vg_status unpack_pe(struct vg_scanner *sc, const uint8_t *buf, size_t len,
                    const struct layer_ctx *lc);

#endif
