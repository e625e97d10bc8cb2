/*
 * pdffilt.h - PDF stream filters besides FlateDecode (which is zlib,
 * inflate.h): ASCIIHexDecode, ASCII85Decode, LZWDecode, RunLengthDecode.
 * Each decodes n bytes into a bounded sink and returns a DEC_* code
 * (inflate.h); what was decoded before an error stays in the sink.
 */
#ifndef VG_CONTAINERS_PDFFILT_H
#define VG_CONTAINERS_PDFFILT_H

#include <stddef.h>
#include <stdint.h>

#include "containers/sink.h"

int pdffilt_ahx(const uint8_t *in, size_t n, struct sink *out);
int pdffilt_a85(const uint8_t *in, size_t n, struct sink *out);
/* early: the /EarlyChange parameter (1 unless the stream says 0) */
int pdffilt_lzw(const uint8_t *in, size_t n, int early, struct sink *out);
int pdffilt_rl(const uint8_t *in, size_t n, struct sink *out);

#endif
