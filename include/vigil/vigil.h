/*
 * vigil.h - the public API of libvigil, vigil's scanning engine.
 *
 * This is the only installed header. The pipeline it exposes:
 *
 *   signature sources / database image --vg_db_load--> vg_db (immutable)
 *   vg_db --vg_scanner_new--> vg_scanner (one per thread) --vg_scan_*--> vg_result
 *
 * Ownership: what a vg_*_new, vg_*_load or vg_*_open function returns through
 * its out-parameter, the caller frees with the matching vg_*_free, which
 * accepts NULL. Every other pointer the library returns is borrowed; its
 * lifetime is written next to the function. Strings passed in are copied.
 *
 * Threads: a vg_db is immutable once built and may be shared by any number
 * of threads (and, after fork, processes). A vg_scanner belongs to one thread
 * at a time. Nothing in the library keeps global mutable state except the
 * one-time initialisation done by vg_init (idempotent, thread-safe).
 *
 * Errors: functions return a vg_status. Whether a file is infected is never a
 * status: it comes back in the vg_result. Functions that can fail for a reason
 * a person must read take a vg_err, which receives one line naming the thing
 * and the place ("daily.ldb:1207: unbalanced '(' in logical expression").
 * The library never prints, never exits, never aborts.
 */
#ifndef VIGIL_VIGIL_H
#define VIGIL_VIGIL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VG_API __attribute__((visibility("default")))

/* ------------------------------------------------------------------ status */

typedef enum vg_status {
    VG_OK = 0,
    VG_ENOMEM,       /* out of memory */
    VG_EINVAL,       /* invalid argument */
    VG_EIO,          /* read or write failed */
    VG_ENOENT,       /* no such file or directory */
    VG_EACCES,       /* permission denied */
    VG_EFORMAT,      /* malformed input: signature line, image, message */
    VG_EVERSION,     /* unsupported format version */
    VG_EPLATFORM,    /* database image built for another CPU */
    VG_ELIMIT,       /* a configured limit stopped the operation */
    VG_ETIMEOUT,     /* a deadline passed */
    VG_ESANDBOX,     /* the sandboxed worker died or misbehaved */
    VG_ESIGNATURE,   /* a cryptographic signature or digest did not verify */
    VG_EUNSUPPORTED, /* valid input that this build cannot handle */
    VG_ENOTFILE,     /* not a regular file */
    VG_EINTERNAL     /* a bug: please report */
} vg_status;

/* A fixed, static message for a status ("out of memory"). Never NULL. */
VG_API const char *vg_status_str(vg_status st);

#define VG_ERR_SIZE 1024
/* One line of human-readable detail for the last failure. */
typedef struct vg_err {
    char msg[VG_ERR_SIZE];
} vg_err;

/* Library version, e.g. "0.1.0". Static string. */
VG_API const char *vg_version(void);

/* One-time set-up (CPU feature checks). Called by vg_db_load and
 * vg_scanner_new too; calling it first only moves the cost. */
VG_API vg_status vg_init(void);

/* ---------------------------------------------------------------- database */

typedef struct vg_db vg_db;

/* Load flags. */
#define VG_LOAD_PUA         0x0001u /* also load PUA databases (.hdu .ndu ...) */
#define VG_LOAD_OFFICIAL    0x0002u /* treat loose text sources as official (no .UNOFFICIAL); tests only */
#define VG_LOAD_NO_CACHE    0x0004u /* do not write a recompiled image back to the cache */

/*
 * Load a database from paths: text signature files (.hdb .hsb .ndb .ldb .mdb
 * .msb .fp .sfp .ign .ign2 and the PUA variants), ClamAV containers (.cvd
 * .cld), database images (.vgdb), or directories of any of these. All
 * sources go into one immutable vg_db. A malformed line fails the whole load
 * and nothing is returned half-built; err names the file and line.
 */
VG_API vg_status vg_db_load(const char *const *paths, size_t npaths, uint32_t flags,
                            vg_db **out, vg_err *err);

/*
 * Compile sources (as for vg_db_load) into a database image at out_path.
 * The image is written beside out_path and renamed into place, so a reader
 * never sees a partial file. shard_name names the shard inside the image
 * ("main", "daily"); NULL means "main".
 */
VG_API vg_status vg_db_compile(const char *const *paths, size_t npaths, uint32_t flags,
                               const char *shard_name, const char *out_path, vg_err *err);

VG_API void vg_db_free(vg_db *db);

typedef struct vg_db_info {
    uint64_t signatures;      /* detection signatures ("Known viruses") */
    uint64_t hash_sigs;       /* .hdb/.hsb whole-file hashes */
    uint64_t section_sigs;    /* .mdb/.msb section hashes */
    uint64_t body_sigs;       /* .ndb body signatures */
    uint64_t logical_sigs;    /* .ldb */
    uint64_t allow_entries;   /* .fp/.sfp */
    uint64_t ignored;         /* names dropped by .ign/.ign2 */
    uint32_t shards;          /* number of shards */
    uint32_t daily_version;   /* version of a loaded daily CVD, 0 if none */
    int64_t daily_time;       /* its build time (unix seconds), 0 if none */
} vg_db_info;

VG_API void vg_db_get_info(const vg_db *db, vg_db_info *out);

/* ----------------------------------------------------------------- scanning */

typedef struct vg_scanner vg_scanner;

/* Scan flags. */
#define VG_SCAN_ALLMATCH          0x0001u /* report every match, not only the first */
#define VG_SCAN_ALERT_EXCEEDS_MAX 0x0002u /* a limit hit is an alert Heuristics.Limits.Exceeded.* */
#define VG_SCAN_ALERT_ENCRYPTED   0x0004u /* encrypted archives/documents are alerts */
#define VG_SCAN_ALERT_BROKEN      0x0008u /* broken executables are alerts */
#define VG_SCAN_NO_HEURISTICS     0x0010u /* no heuristic alerts (overlapping zip entries, ...) */
#define VG_SCAN_NO_ARCHIVE        0x0020u /* do not open containers */
#define VG_SCAN_ALERT_MACROS      0x0040u /* Office documents with macros are alerts */

/* Limits; 0 means "no limit". Defaults are clamscan's (see vg_scan_opts_default). */
typedef struct vg_scan_opts {
    uint32_t flags;
    uint64_t max_filesize;   /* larger files (and members) are not scanned: 100 MiB */
    uint64_t max_scansize;   /* bytes scanned per input, extracted content included: 400 MiB */
    uint32_t max_recursion;  /* container nesting: 17 */
    uint32_t max_files;      /* members extracted per input: 10000 */
    uint32_t max_scantime_ms;/* wall time per input: 120000 */
    uint32_t max_ratio;      /* member size / compressed size bound: 0 = off */
} vg_scan_opts;

VG_API void vg_scan_opts_default(vg_scan_opts *opts);

/* Limit bits reported in vg_result.incomplete. */
#define VG_LIMIT_FILESIZE  0x01u
#define VG_LIMIT_SCANSIZE  0x02u
#define VG_LIMIT_RECURSION 0x04u
#define VG_LIMIT_FILES     0x08u
#define VG_LIMIT_SCANTIME  0x10u
#define VG_LIMIT_RATIO     0x20u
#define VG_LIMIT_ENCRYPTED 0x40u /* content that could not be opened (encrypted) */

#define VG_NO_OFFSET UINT64_MAX

typedef struct vg_match {
    const char *name;   /* as reported: "Eicar-Test-Signature.UNOFFICIAL" */
    uint64_t offset;    /* where it matched in its layer; VG_NO_OFFSET for hashes */
    const char *layer;  /* "" for the input itself, else the path inside it,
                           e.g. "ZIP:a.zip!GZIP:b" */
} vg_match;

typedef struct vg_result {
    int infected;               /* 1 when nmatches > 0 */
    size_t nmatches;
    const vg_match *matches;
    uint32_t incomplete;        /* VG_LIMIT_* bits: a limit cut the scan short */
    const char *incomplete_where; /* layer where the first limit hit, "" if none */
    uint64_t bytes_scanned;     /* bytes through the matcher, extracted content included */
    const char *file_type;      /* type of the input, e.g. "PE", "ZIP", "TEXT" */
} vg_result;

/* Name of a limit bit, e.g. "MaxFileSize". Static string. */
VG_API const char *vg_limit_name(uint32_t limit_bit);

/*
 * A scanner holds per-thread scratch. db must outlive it. opts may be NULL
 * (defaults).
 */
VG_API vg_status vg_scanner_new(const vg_db *db, const vg_scan_opts *opts, vg_scanner **out);
VG_API void vg_scanner_free(vg_scanner *sc);

/*
 * Scan bytes, an open descriptor (read from its current position is not
 * assumed: the whole file is scanned), or a path. On VG_OK, *res points to
 * the result, owned by the scanner and valid until its next scan or free.
 * A scan error (unreadable file) is a status, never a clean result.
 */
VG_API vg_status vg_scan_mem(vg_scanner *sc, const void *buf, size_t len, const vg_result **res);
VG_API vg_status vg_scan_fd(vg_scanner *sc, int fd, const vg_result **res);
VG_API vg_status vg_scan_path(vg_scanner *sc, const char *path, const vg_result **res);

#ifdef __cplusplus
}
#endif

#endif /* VIGIL_VIGIL_H */
