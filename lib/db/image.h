/*
 * image.h - the database image: one flat, memory-mappable layout that is
 * both the on-disk format (.vgdb) and the in-memory database.
 *
 * Design: signature sources are parsed and compiled once into flat tables
 * (arrays of fixed-size records plus byte areas), so that loading a database
 * is mmap + header/bounds validation + Hyperscan deserialisation, and the
 * pages are shared by every process that maps the file. Nothing is parsed
 * per signature at start-up. A text database loaded with -d goes through
 * exactly the same compiler into a buffer in memory.
 *
 * Layout: a header (magic, version, total size, SHA-256 of everything after
 * the header, the shard's name and platform, counts) followed by sections
 * named in the header's section table. Each section is an array of one
 * record type (or bytes), 8-byte aligned. All integers are little-endian;
 * the image is only ever read on the machine kind that wrote it (x86-64 or
 * aarch64, both little-endian); a big-endian host refuses it.
 *
 * One image holds one shard (a large stable "main" and a small "daily" are
 * two images); a vg_db scans with all of its shards.
 */
#ifndef VG_DB_IMAGE_H
#define VG_DB_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#define IMG_MAGIC "VIGILDB\x1a"
#define IMG_VERSION 2
#define IMG_MAX_SECTIONS 40

/* Section kinds; the numbering is part of the format. */
enum img_sect {
    SEC_STRTAB = 1, /* bytes: NUL-terminated names and strings */
    SEC_SIGS,       /* struct img_sig */
    SEC_PATS,       /* struct img_pat */
    SEC_PARTS,      /* struct img_part */
    SEC_CODE,       /* bytes: part programs (match/pattern.h) */
    SEC_CLASSES,    /* bytes: 32-byte class bitmaps */
    SEC_ATOMS,      /* struct img_atom: the literals given to Hyperscan */
    SEC_ATOMBYTES,  /* bytes of the atoms */
    SEC_REFS,       /* struct img_ref, grouped by atom (img_atom.first_ref) */
    SEC_LDBS,       /* struct img_ldb */
    SEC_SUBS,       /* struct img_sub */
    SEC_EXPR,       /* struct img_expr */
    SEC_PCRE,       /* struct img_pcre */
    SEC_BCOMP,      /* struct img_bcomp */
    SEC_ALWAYS,     /* uint32_t ldb indexes evaluated even without a content hit */
    SEC_HASH_MD5,   /* struct img_h16, sorted by (size, digest): whole-file */
    SEC_HASH_SHA1,  /* struct img_h20 */
    SEC_HASH_SHA256,/* struct img_h32 */
    SEC_SECT_MD5,   /* PE section hashes (.mdb/.msb) */
    SEC_SECT_SHA1,
    SEC_SECT_SHA256,
    SEC_FP_MD5,     /* allow lists (.fp/.sfp) */
    SEC_FP_SHA1,
    SEC_FP_SHA256,
    SEC_IGN,        /* uint64_t: sorted hashes of names this shard ignores */
    SEC_HSDB,       /* bytes: serialized Hyperscan block-mode database */
    SEC_CDB,        /* struct img_cdb: container metadata signatures */
    SEC_COUNT
};

struct img_secent {
    uint32_t kind;
    uint32_t count;   /* records (or bytes for byte areas) */
    uint64_t off;     /* from the start of the image */
    uint64_t len;     /* bytes */
};

struct img_counts {
    uint64_t signatures; /* detection signatures ("Known viruses") */
    uint64_t hash_sigs, section_sigs, body_sigs, logical_sigs, allow_entries, ignored;
    uint32_t daily_version;
    uint32_t pad;
    int64_t daily_time;
};

struct img_header {
    char magic[8];
    uint32_t version;
    uint32_t nsections;
    uint64_t total_size;
    uint8_t sha256[32];        /* of bytes [sizeof(struct img_header), total_size) */
    char shard[32];            /* "main", "daily", ... NUL-terminated */
    uint64_t hs_tune;          /* Hyperscan platform the HSDB section was built for */
    uint64_t hs_cpu_features;
    int64_t build_time;
    struct img_counts counts;
    struct img_secent sec[IMG_MAX_SECTIONS];
};

/* ---- signatures ---- */

enum { SIG_NDB = 1, SIG_LDB = 2 };

struct img_sig {
    uint32_t name;    /* strtab offset of the reported name */
    uint8_t kind;     /* SIG_NDB / SIG_LDB */
    uint8_t target;   /* ClamAV target type 0..14 */
    uint16_t flags;
    uint32_t ref;     /* SIG_NDB: its pattern index; SIG_LDB: ldb index */
};

/* Offset kinds (ndb offsets, ldb subsig offsets, pcre offsets). */
enum { OFF_ANY = 0, OFF_ABS, OFF_EOF, OFF_EP, OFF_SECT, OFF_SLAST, OFF_SE };

struct img_off {
    uint8_t kind;
    uint8_t neg;      /* OFF_EP with EP-n */
    uint16_t sect;    /* OFF_SECT / OFF_SE section index */
    uint32_t n;
    uint32_t shift;   /* maxshift (x,y form); 0 = exact */
    uint32_t pad;
};

#define PATF_STATIC 0x01u /* plain hex bytes (ClamAV's Boyer-Moore class) */

struct img_pat {
    uint32_t sig;
    uint32_t first_part;
    uint8_t nparts;
    uint8_t anchor;   /* part whose start is the match offset */
    uint8_t sub;      /* ldb subsignature index (0 for ndb) */
    uint8_t flags;
    struct img_off off;
};

struct img_part {
    uint32_t code;     /* offset of the program in SEC_CODE */
    uint32_t mingap;   /* see match/pattern.h */
    uint32_t maxgap;
    uint32_t minlen;
    uint32_t maxlen;
    uint32_t lit;      /* offset in SEC_CODE of this part's search literal */
    uint16_t litlen;
    uint8_t litnocase;
    uint8_t pad;
    uint32_t back_min; /* literal end - part start, least */
    uint32_t back_max; /* and most */
};

struct img_atom {
    uint32_t bytes;    /* offset in SEC_ATOMBYTES */
    uint16_t len;
    uint16_t nocase;
    uint32_t first_ref;/* refs [first_ref, next atom's first_ref) */
    uint32_t nrefs;
};

struct img_ref {
    uint32_t pat;
    uint32_t part;
};

/* ---- logical signatures ---- */

#define TDB_FILESIZE  0x01u
#define TDB_EP        0x02u
#define TDB_NSECT     0x04u
#define TDB_CONTAINER 0x08u
#define TDB_INTERMED  0x10u

#define LDB_MAX_SUBS 64
#define LDB_TYPE_UNKNOWN (UINT32_MAX - 1) /* a CL_TYPE name vigil does not know: never matches */
#define LDB_MAX_INTERMED 16

struct img_ldb {
    uint32_t sig;
    uint32_t expr;          /* root node in SEC_EXPR */
    uint32_t first_sub;     /* in SEC_SUBS */
    uint16_t nsubs;
    uint16_t tdb;           /* TDB_* present */
    uint32_t fs_min, fs_max;
    uint32_t ep_min, ep_max;
    uint32_t ns_min, ns_max;
    uint32_t container;     /* enum ftype, or UINT32_MAX for CL_TYPE_ANY */
    uint16_t ninter;
    uint16_t pad;
    uint32_t inter[LDB_MAX_INTERMED]; /* enum ftype or UINT32_MAX (any), outermost first */
};

enum { SUB_CONTENT = 1, SUB_PCRE, SUB_BCOMP, SUB_MACRO };

struct img_sub {
    uint8_t kind;
    uint8_t npats;     /* SUB_CONTENT: 1, or 2 for ::wa */
    uint16_t pad;
    uint32_t ref;      /* CONTENT: first pattern; PCRE: pcre index; BCOMP: bcomp index */
};

/* Expression tree, built to evaluate exactly as ClamAV's string evaluator. */
enum { EX_LEAF = 1, EX_AND, EX_OR };

struct img_expr {
    uint8_t op;
    uint8_t mod;       /* 0, '=', '<', '>' (leaf modifier, or block modifier for AND/OR) */
    uint16_t pad;
    uint32_t a;        /* leaf: subsig id; op: left node */
    uint32_t b;        /* op: right node */
    uint32_t v1, v2;   /* modifier values (v2: distinct-subsig count, blocks only) */
};

/* PCRE sub-signature flags (ClamAV's own), besides the pcre2 options. */
#define PCREF_GLOBAL    0x01u /* g */
#define PCREF_ROLLING   0x02u /* r */
#define PCREF_ENCOMPASS 0x04u /* e */
#define PCREF_HASOFF    0x08u /* an offset: prefix was given */

struct img_pcre {
    uint32_t trigger;   /* expression root in SEC_EXPR */
    uint32_t regex;     /* strtab offset of the pattern text */
    uint32_t options;   /* pcre2 compile options */
    uint32_t flags;     /* PCREF_* */
    struct img_off off;
};

struct img_bcomp {
    uint32_t trigger;   /* subsig index whose matches anchor the compare */
    int32_t rel;        /* offset from the trigger match start (<<N negative, >>N positive) */
    uint8_t base;       /* 'h' hex text, 'd' decimal text, 'a' auto, 'i' binary */
    uint8_t endian;     /* 'l' or 'b' */
    uint8_t exact;      /* 'e' */
    uint8_t ncmp;       /* 1 or 2 comparisons */
    uint32_t len;       /* bytes to read */
    uint8_t cmp[2];     /* '<' '>' '=' */
    uint16_t pad;
    uint32_t pad2;
    uint64_t val[2];
};

/* ---- hashes ---- */

#define HASH_ANY_SIZE UINT32_MAX

struct img_h16 { uint32_t size; uint32_t name; uint8_t d[16]; };
struct img_h20 { uint32_t size; uint32_t name; uint8_t d[20]; };
struct img_h32 { uint32_t size; uint32_t name; uint8_t d[32]; };

/* ---- container metadata (.cdb) ---- */

struct img_range { uint64_t lo, hi; }; /* lo > hi means "any" */

struct img_cdb {
    uint32_t name;          /* strtab */
    uint32_t ctype;         /* enum ftype or UINT32_MAX */
    uint32_t regex;         /* strtab offset of the file-name regex, or UINT32_MAX */
    int32_t encrypted;      /* -1 any, 0, 1 */
    struct img_range csize, fsize_c, fsize_r, fpos, res1;
};

#endif
