/*
 * ftmagic.h - ClamAV 1.4's built-in file-type magic, and the matcher that
 * runs its type signatures.
 *
 * Two kinds of entries (ClamAV's .ftm "magic types"): fixed bytes at a
 * fixed offset, checked first and in a fixed order; and type signatures in
 * body-signature syntax, run over a buffer like ClamAV's Aho-Corasick pass
 * in AC_SCAN_FT mode, where the types found compete by a priority rule.
 * filetype.c builds cli_filetype2() from these; filetype_scan_embedded()
 * uses the signature pass over a whole layer.
 */
#ifndef VG_FORMATS_FTMAGIC_H
#define VG_FORMATS_FTMAGIC_H

#include <stddef.h>
#include <stdint.h>

#include "formats/filetype.h"

/* The first fixed-offset magic entry that matches buf[0..len), in ClamAV's
 * checking order; returns 0 and sets *out, or -1 if none matches. An entry
 * matches only if it lies wholly inside len (ClamAV looks at 1024 bytes,
 * the caller truncates). */
int ftmagic_fixed(const uint8_t *buf, size_t len, enum ftype *out);

/* Options and results of one type-signature pass. */
struct ftmagic_scan {
    int with_eof;             /* also run EOF-relative signatures (DMG) */
    enum ftype layer;         /* type of the layer, for what gets recorded */
    struct ft_embedded *rec;  /* where recorded objects go (may be NULL) */
    size_t cap;               /* room in rec */
    size_t nrec;              /* out: objects recorded */
    int found;                /* out: some type signature matched */
    enum ftype type;          /* out: the winner by ClamAV's priority rule */
};

/* Run the type signatures over buf[0..len) (offsets relative to buf).
 * Fills s->found, s->type, and records embedded objects as ClamAV's raw
 * scan does when s->rec is set. A match of an "ignored" signature ends the
 * pass with s->type = FT_IGNORED. */
void ftmagic_scan(const uint8_t *buf, size_t len, struct ftmagic_scan *s);

#endif
