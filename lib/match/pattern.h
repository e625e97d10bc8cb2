/*
 * pattern.h - compiled body patterns: what bodysig.c produces from ClamAV
 * hex syntax and what verify.c runs at candidate positions.
 *
 * A pattern is a list of parts separated by gaps ({n-m}, *, {n} with
 * n >= 128, and the [x-y] single-byte anchor). Each part is a small program
 * of byte-consuming and zero-width ops, stored as a flat byte string so the
 * whole database can live in a memory-mapped image:
 *
 *   OP_LIT  u16 n, n bytes          exact bytes
 *   OP_LITI u16 n, n bytes          bytes, ASCII case-insensitive (stored lower-case)
 *   OP_ANY  u16 n                   n arbitrary bytes
 *   OP_SKIP u16 min, u16 max        min..max arbitrary bytes (inside alternatives)
 *   OP_MASK u8 mask, u8 val         one byte with (b & mask) == val (nibbles)
 *   OP_CLASS u16 cls                one byte in class bitmap cls
 *   OP_ALT  u8 neg, u16 nalts, u16 fixlen (0xffff: variable), u32 bodylen,
 *           then per alternative: u16 len, code (ending in OP_END)
 *   OP_ASSERT_L u16 cls, u8 edge    zero width: previous byte in cls (or start if edge)
 *   OP_ASSERT_R u16 cls, u8 edge    zero width: next byte in cls (or end if edge);
 *                                   with ASSERT_CRLF in edge a next byte '\r' counts
 *                                   only when '\n' follows it; ASSERT_WIDE: see below
 *   OP_AROUND u8 dir, u16 cls, u16 min, u16 max
 *                                   zero width: ClamAV's "aa[x-y]" / "[x-y]aa": a byte in
 *                                   cls lies x..y bytes before (dir 0) / after (dir 1)
 *   OP_END
 *
 * Multi-byte integers are little-endian and unaligned (read with memcpy).
 * Class bitmaps are 32 bytes each, in a table shared by all patterns.
 */
#ifndef VG_MATCH_PATTERN_H
#define VG_MATCH_PATTERN_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#include "core/buf.h"

enum {
    OP_END = 0,
    OP_LIT,
    OP_LITI,
    OP_ANY,
    OP_SKIP,
    OP_MASK,
    OP_CLASS,
    OP_ALT,
    OP_ASSERT_L,
    OP_ASSERT_R,
    OP_AROUND
};

/* Flags of the edge byte of OP_ASSERT_L / OP_ASSERT_R. */
#define ASSERT_EDGE 1u /* the start / end of the buffer satisfies the check */
#define ASSERT_CRLF 2u /* right check: '\r' counts only as the start of "\r\n" */
/* Word check of a ::w pattern, as clamscan 1.4.6: it fails only on a wide
 * alphanumeric character (a byte outside cls followed by 0). Left: the two
 * bytes before (never fails within 2 bytes of the start); right: the two
 * bytes after, or the one byte left before the end (then outside cls fails
 * on its own). */
#define ASSERT_WIDE 4u

#define GAP_INF UINT32_MAX
#define PAT_MAX_PARTS 64
#define ALT_FIXLEN_VAR 0xffffu

/* One part of a compiled pattern (an entry of the image's part table). */
struct part {
    uint32_t code;    /* offset of the part's program in the code area */
    uint32_t mingap;  /* bytes between the previous part's end and this part's start */
    uint32_t maxgap;  /* GAP_INF: unbounded */
    uint32_t minlen;  /* bytes the part consumes, at least */
    uint32_t maxlen;  /* and at most */
};

/* Modifiers from .ldb subsignatures (::i ::w ::f ::a). */
#define MOD_NOCASE   0x01u
#define MOD_WIDE     0x02u
#define MOD_FULLWORD 0x04u
#define MOD_ASCII    0x08u

/* The shared tables a compiled pattern refers to; grows while compiling. */
struct pattab {
    struct buf code;    /* programs */
    struct buf classes; /* 32-byte bitmaps */
    uint32_t nclasses;
};

/* Result of compiling one hex body (one variant: ascii or wide). */
struct cpat {
    uint32_t nparts;
    uint32_t anchor;              /* part whose start is the match offset */
    struct part parts[PAT_MAX_PARTS];
    int is_static;                /* plain hex bytes only (ClamAV's Boyer-Moore class) */
    uint32_t static_len;          /* length when is_static */
};

/*
 * Compile ClamAV hex body syntax into tab. mods: MOD_* (wide produces the
 * interleaved-zero variant; call twice for ::wa). On error returns
 * VG_EFORMAT with a message in err (no file/line: the caller adds them).
 */
vg_status bodysig_compile(const char *hex, uint32_t mods, struct pattab *tab, struct cpat *out,
                          vg_err *err);

/* Intern a 32-byte class bitmap; returns its index. */
vg_status bodysig_intern_class(struct pattab *tab, const uint8_t bits[32], uint32_t *idx);

void pattab_free(struct pattab *tab);

#endif
