/*
 * vba.h - VBA macro projects inside OLE2 (MS-OVBA): the compression used
 * by the "dir" stream and the module streams, and the "dir" records that
 * say where each module's source starts.
 */
#ifndef VG_CONTAINERS_VBA_H
#define VG_CONTAINERS_VBA_H

#include <stddef.h>
#include <stdint.h>

#include "containers/sink.h"

#define VBA_NAME_MAX 64

struct vba_module {
    char stream[VBA_NAME_MAX]; /* MODULESTREAMNAME (MBCS, cut), NUL-terminated */
    uint32_t offset;           /* MODULEOFFSET: where the compressed source starts */
};

/* Decompress an MS-OVBA CompressedContainer (signature byte 1, then 4 KiB
 * chunks) into out. Returns a DEC_* code (inflate.h). */
int vba_decompress(const uint8_t *in, size_t n, struct sink *out);

/* Parse a decompressed "dir" stream: stores up to max modules in mods and
 * returns how many were found (0 if the records are malformed before the
 * first module). Pure. */
size_t vba_dir_modules(const uint8_t *dir, size_t n, struct vba_module *mods, size_t max);

#endif
