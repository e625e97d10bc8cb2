/*
 * shard.h - one opened database image: typed views into its sections plus
 * the deserialised Hyperscan database.
 *
 * Opening validates the image completely before anything points into it:
 * header, section bounds and alignment, every index a record holds (a
 * pattern's parts, a part's program, an atom's references, an expression's
 * children...), and every program's structure. A corrupt or hostile image
 * is rejected with a message, never followed.
 */
#ifndef VG_DB_SHARD_H
#define VG_DB_SHARD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#include "db/image.h"

struct hsb_db;

struct shard {
    const uint8_t *base;
    size_t size;
    void *map;          /* mmap'ed file, or NULL */
    uint8_t *owned;     /* malloc'ed image, or NULL */
    const struct img_header *hdr;

    const char *strtab;
    size_t strtab_len;
    const struct img_sig *sigs;
    uint32_t nsigs;
    const struct img_pat *pats;
    uint32_t npats;
    const struct img_part *parts;
    uint32_t nparts;
    const uint8_t *code;
    size_t code_len;
    const uint8_t *classes;
    uint32_t nclasses;
    const struct img_atom *atoms;
    uint32_t natoms;
    const uint8_t *atombytes;
    size_t natombytes;
    const struct img_ref *refs;
    uint32_t nrefs;
    const struct img_ldb *ldbs;
    uint32_t nldbs;
    const struct img_sub *subs;
    uint32_t nsubs;
    const struct img_expr *exprs;
    uint32_t nexprs;
    const struct img_pcre *pcres;
    uint32_t npcres;
    const struct img_bcomp *bcomps;
    uint32_t nbcomps;
    const uint32_t *always;
    uint32_t nalways;
    const struct img_cdb *cdbs;
    uint32_t ncdbs;
    const uint64_t *ign;
    uint32_t nign;
    const void *hashes[3][3];   /* [HK_*][HA_*] */
    uint32_t nhashes[3][3];
    const uint8_t *hsdb;
    size_t hsdb_len;

    struct hsb_db *hs;          /* NULL when the shard has no body patterns */
    _Atomic(void *) *pcre_code; /* lazily compiled pcre2_code per SEC_PCRE entry */
    _Atomic(void *) *cdb_code;  /* lazily compiled file-name regexes */
    int recompiled;             /* Hyperscan rebuilt for this CPU at open */
};

#define SHARD_VERIFY_DIGEST 0x1u /* check the digest unless this file was verified before */
#define SHARD_VERIFY_ALWAYS 0x2u /* check the digest, whatever the cache says */

/* Open an image held in memory; takes ownership of buf (freed with the
 * shard, also on failure). */
vg_status shard_open_mem(uint8_t *buf, size_t len, unsigned flags, struct shard **out, vg_err *err);

/* Map and open an image file. */
vg_status shard_open_file(const char *path, unsigned flags, struct shard **out, vg_err *err);

void shard_free(struct shard *s);

/* Name string at a string-table offset ("" if out of range). */
const char *shard_str(const struct shard *s, uint32_t off);

/* Whether the shard ignores a (base) signature name. */
int shard_ignores(const struct shard *s, const char *base_name);

/* Check a part program's structure (used by the loader and by tests). */
int shard_prog_ok(const uint8_t *code, size_t code_len, size_t off, uint32_t nclasses);

#endif
