/*
 * ishield.h - InstallShield installers inside a PE layer, opened as
 * clamscan 1.4's libclamav/ishield.c opens them (see ishield.c):
 *
 *   ishield_msi_scan      the "InstallShield\0" stream of MSI-based
 *                         setups, found by the CL_TYPE_ISHIELD_MSI type
 *                         signature (embedded.c);
 *   ishield_overlay_scan  the files of older setups stored one after the
 *                         other in the PE overlay, with data1.hdr and the
 *                         "ISc(" cabinets it describes (unpack.c, before
 *                         the packers, as cli_scanpe does).
 *
 * Members are scanned one layer deeper, typed and matched like any file;
 * the container type their Container:/.cdb rules see is the PE.
 */
#ifndef VG_CONTAINERS_ISHIELD_H
#define VG_CONTAINERS_ISHIELD_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#include "scan/scanner.h"

/* The MSI stream whose type signature ("InstallShield\0") starts at sig
 * in the PE layer buf[0..len). Members: "<layer>!ISHIELD-MSI:<name>".
 * VG_OK also for malformed input (what could be read was scanned) and
 * when a limit stopped it (recorded); VG_ENOMEM only. */
vg_status ishield_msi_scan(struct vg_scanner *sc, const uint8_t *buf, size_t len, size_t sig,
                           const struct layer_ctx *lc);

/* The overlay buf[off..off+sz) of the 32-bit PE layer buf[0..len).
 * Members: "<layer>!ISHIELD:<name>". *stop is set to 1 when the scan of
 * the layer must end here (a detection in first-match mode, or a limit
 * that ends the scan). VG_OK or VG_ENOMEM, as ishield_msi_scan. */
vg_status ishield_overlay_scan(struct vg_scanner *sc, const uint8_t *buf, size_t len, size_t off,
                               size_t sz, const struct layer_ctx *lc, int *stop);

#endif
