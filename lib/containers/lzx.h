/*
 * lzx.h - LZX decompression (Microsoft's LZ77 + Huffman code of CHM help
 * files and cabinets), as libmspack's lzxd, which clamscan uses.
 *
 * The stream is decoded in 32 KiB frames into a window of 2^15..2^21
 * bytes; every reset_interval frames the Huffman lengths and repeated
 * offsets start over, so a reader may begin at any reset point. Frames
 * come out after the Intel E8 call translation where the stream asks for
 * it. Output goes to a bounded sink (or nowhere, to skip), and the input
 * is a byte range that is padded once with two zero bytes at its end, as
 * libmspack does; reading further is an error.
 */
#ifndef VG_CONTAINERS_LZX_H
#define VG_CONTAINERS_LZX_H

#include <stddef.h>
#include <stdint.h>

#include "containers/sink.h"

#define LZX_FRAME 32768u

struct lzx;

/* A decoder over in[0..inlen) with a window of 2^window_bits bytes
 * (15..21), starting over every reset_frames frames (0: never), for a
 * stream of length bytes (0: unknown; frames are then all 32 KiB).
 * NULL when the parameters are invalid or memory is short. */
struct lzx *lzx_new(unsigned window_bits, uint32_t reset_frames, uint64_t length,
                    const uint8_t *in, size_t inlen);

/* Produce the next n bytes of output into out (NULL: skip them). Returns
 * 0, or -1 when the stream is malformed, the input ran out, or out is
 * full (out->over) or out of memory (out->nomem); after -1 the decoder
 * stays failed. Whole frames are decoded; what a failed frame decoded is
 * not output (libmspack writes only complete frames). */
int lzx_decompress(struct lzx *z, uint64_t n, struct sink *out);

/* Bytes output (or skipped) so far. */
uint64_t lzx_offset(const struct lzx *z);

/* Input bytes consumed so far (for callers that continue the stream). */
size_t lzx_in_pos(const struct lzx *z);

void lzx_free(struct lzx *z);

#endif
