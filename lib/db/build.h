/*
 * build.h - the database builder: what the signature readers fill and the
 * compiler (compile.c) turns into an image.
 *
 * Readers (sig_hash.c, sig_ndb.c, sig_ldb.c, sig_cdb.c, sig_ign.c) parse one
 * line at a time and add records here; on any error the whole build is
 * discarded by the caller, so nothing is ever half-loaded.
 */
#ifndef VG_DB_BUILD_H
#define VG_DB_BUILD_H

#include <stdint.h>
#include <vigil/vigil.h>

#include "core/buf.h"
#include "core/vec.h"
#include "db/image.h"
#include "match/pattern.h"

/* The functionality level vigil claims: ClamAV 1.4's, so FLEVEL-gated
 * signatures load exactly as in clamscan 1.4.6. */
#define VG_FLEVEL 216

enum { HK_FILE = 0, HK_SECT = 1, HK_FP = 2 };
enum { HA_MD5 = 0, HA_SHA1 = 1, HA_SHA256 = 2 };

struct ign_entry {
    char *name;
    int has_md5;
    uint8_t md5[16];
};

struct dbbuild {
    uint32_t flags;            /* VG_LOAD_* */
    char shard[32];
    struct buf strtab;
    struct vec sigs;           /* struct img_sig */
    struct vec pats;           /* struct img_pat */
    struct vec parts;          /* struct img_part */
    struct vec part_score;     /* double: the search literal's score, per part (not in images) */
    struct vec ldbs;           /* struct img_ldb */
    struct vec subs;           /* struct img_sub */
    struct vec exprs;          /* struct img_expr */
    struct vec pcres;          /* struct img_pcre */
    struct vec bcomps;         /* struct img_bcomp */
    struct vec always;         /* uint32_t */
    struct vec cdbs;           /* struct img_cdb */
    struct vec hashes[3][3];   /* [HK_*][HA_*]: img_h16 / img_h20 / img_h32 */
    struct vec ign;            /* struct ign_entry */
    struct vec ignhash;        /* uint64_t: name hash << 20 | entry index, sorted */
    size_t ign_indexed;        /* entries covered by ignhash */
    struct pattab tab;
    struct img_counts counts;
    void *patjob;              /* a pattern compile under way (compile.c) */
};

void build_init(struct dbbuild *b, uint32_t flags, const char *shard);
void build_free(struct dbbuild *b);

/* Store a string; *off receives its strtab offset. */
vg_status build_str(struct dbbuild *b, const char *s, uint32_t *off);

/* Store a signature name as it will be reported: official names bare,
 * others with ".UNOFFICIAL" appended. */
vg_status build_name(struct dbbuild *b, const char *name, int official, uint32_t *off);

/* Whether `name` is ignored (.ign/.ign2); `line` is the whole signature
 * line for entries that carry an MD5 of it. Counts what it drops. */
int build_ignored(struct dbbuild *b, const char *name, const char *line);

/* Record an ignore entry (from .ign/.ign2). */
vg_status build_add_ignore(struct dbbuild *b, const char *name, const uint8_t *md5);

/* Add a hash record; kind HK_*, dlen 16/20/32 picks the algorithm. */
vg_status build_add_hash(struct dbbuild *b, int kind, const uint8_t *digest, size_t dlen,
                         uint32_t size, uint32_t name);

/* Compile a body pattern (one variant per call) for signature `sig`,
 * subsignature `sub`; appends the pattern and its parts. *pat receives
 * the pattern index. */
vg_status build_add_pattern(struct dbbuild *b, uint32_t sig, uint32_t sub, const char *hex,
                            uint32_t mods, const struct img_off *off, uint32_t *pat,
                            struct cpat *cp, vg_err *err);

/* Parse a ClamAV offset ("*", "n", "n,s", "EOF-n", "EP+n", "EP-n", "Sx+n",
 * "SL+n", "SEx"); exe-relative forms only when exe_ok. */
vg_status build_parse_offset(const char *s, int exe_ok, struct img_off *out, vg_err *err);

/* Parse "min[:max]" functionality levels; returns 1 if the signature
 * applies to this engine, 0 if it must be skipped, -1 if malformed.
 * Either pointer may be NULL (absent). */
int build_flevel_ok(const char *min, const char *max);

/* FNV-1a of a name: the key of ignore lists (also stored in images). */
uint64_t build_name_hash(const char *s);

/* Whether a name is acceptable to ClamAV's loader (non-empty). */
int build_name_ok(const char *name);

#endif
