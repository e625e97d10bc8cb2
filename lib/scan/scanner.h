/*
 * scanner.h - the vg_scanner object and the per-layer pipeline.
 *
 * A layer is a buffer with a type: the input itself, or something a
 * container parser extracted from it. scanner_scan_layer runs the whole
 * matching pipeline on one layer (type, executable headers, hashes, body
 * patterns, logical signatures, allow lists) and appends alerts to the
 * scanner's result; container walking (lib/containers) calls it for every
 * member it extracts.
 */
#ifndef VG_SCAN_SCANNER_H
#define VG_SCAN_SCANNER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <vigil/vigil.h>

#include "core/buf.h"
#include "core/vec.h"
#include "formats/exe.h"
#include "formats/filetype.h"

struct shard;
struct hsb_scratch;
struct arena;

/* What a container knows about the layer it hands over. */
struct layer_ctx {
    int depth;                 /* 0 for the input itself */
    enum ftype parents[32];    /* types of the enclosing layers, outermost first */
    int nparents;
    const char *path;          /* "" for the input, else e.g. "ZIP:a.txt" */
};

/* Per-scan state for one shard (reused across scans; epoch-tagged). */
struct shard_state;

struct vg_scanner {
    const struct vg_db *db;
    vg_scan_opts opts;
    struct hsb_scratch *hs;
    struct shard_state *st;    /* one per shard */
    size_t nst;
    void *md;                  /* pcre2 match data */
    void *mctx;                /* pcre2 match context (limits) */
    void *mdctx[3];            /* EVP_MD_CTX for MD5, SHA-1, SHA-256 */
    struct exe_info *exe;      /* scratch for the executable parsers */
    uint8_t *norm;             /* normalised-text buffer */
    size_t normcap;

    /* the result of the current scan */
    vg_result res;
    struct vec matches;        /* vg_match */
    struct buf strings;        /* layer path strings (offsets; fixed up at the end) */
    struct vec match_layer;    /* size_t offsets into strings, parallel to matches */
    struct vec keys;           /* uint64_t ordering key per match (first-match mode) */
    struct vec name_off;       /* size_t: offset in names for copied names, or SIZE_MAX */
    struct buf names;          /* names made at scan time (heuristics) */
    size_t limit_where;        /* offset in strings of the first limit's layer, or SIZE_MAX */
    int stop;                  /* first-match mode found something at this layer */

    /* limits: accounted over the whole input, containers included */
    uint64_t scanned;          /* bytes given to scanner_scan_layer */
    uint32_t files;            /* members extracted */
    struct timespec deadline;  /* when max_scantime_ms runs out (0: none) */
};

/* Record that a limit cut the scan short at `where` (a layer path). With
 * VG_SCAN_ALERT_EXCEEDS_MAX it also raises Heuristics.Limits.Exceeded.<name>.
 * Returns VG_ENOMEM only. */
vg_status scanner_limit(struct vg_scanner *sc, uint32_t limit_bit, const char *where);

/* 1 once the scan time limit has passed (checks the clock). */
int scanner_out_of_time(struct vg_scanner *sc);

/* Scan one layer with every shard; alerts are added to sc->res. */
vg_status scanner_scan_layer(struct vg_scanner *sc, const uint8_t *buf, size_t len,
                             const struct layer_ctx *lc);

/* Add an alert; name must live as long as the database (a signature name). */
vg_status scanner_alert(struct vg_scanner *sc, const char *name, uint64_t offset, const char *layer,
                        uint64_t key);

/* Add a heuristic alert whose name is copied (Heuristics.*). */
vg_status scanner_alert_copy(struct vg_scanner *sc, const char *name, const char *layer);

#endif
