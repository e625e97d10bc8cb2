/*
 * archive_dec.h - single compressed streams decoded through libarchive's
 * filters (for ZIP members and PDF filters that are whole streams).
 */
#ifndef VG_CONTAINERS_ARCHIVE_DEC_H
#define VG_CONTAINERS_ARCHIVE_DEC_H

#include <stddef.h>
#include <stdint.h>

#include "containers/sink.h"
#include "formats/filetype.h"

/* The .lzma ("LZMA alone") stream format; not a file type of its own. */
#define FT_LZMA_ALONE FT_COUNT

/* Decode one stream compressed as `kind` (FT_GZIP, FT_BZIP2, FT_XZ,
 * FT_ZSTD or FT_LZMA_ALONE) into out. Returns a DEC_* code (inflate.h). */
int archive_decode(const uint8_t *in, size_t n, enum ftype kind, struct sink *out);

#endif
