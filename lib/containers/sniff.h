/*
 * sniff.h - which container parser opens a layer.
 *
 * The layer's type comes from lib/formats (ClamAV's typing). The walker
 * opens what that type says; for layers typed as plain binary data or text
 * it also recognises the containers vigil opens that ClamAV's table does
 * not name (zstd, ar/deb, rpm, ISO 9660 at its fixed offset) by their
 * magic, so that nothing vigil can open is left unopened.
 */
#ifndef VG_CONTAINERS_SNIFF_H
#define VG_CONTAINERS_SNIFF_H

#include <stddef.h>
#include <stdint.h>

#include "formats/filetype.h"

/* The container kind to open the layer as (FT_ZIP, FT_GZIP, ..., FT_OLE2,
 * FT_PDF, FT_MAIL, FT_HTML), or FT_BINARY when it is none. Pure. */
enum ftype sniff_container(const uint8_t *buf, size_t len, enum ftype type);

/* The type members see as their container's (Container:, Intermediates:,
 * .cdb): the layer's own type when lib/formats recognised it, else the
 * kind the walker opened it as. */
enum ftype sniff_parent_type(enum ftype type, enum ftype kind);

/* Member path prefix for a kind: "ZIP", "GZIP", "OLE2", ... Static. */
const char *sniff_tag(enum ftype kind);

#endif
