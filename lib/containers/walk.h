/*
 * walk.h - opening containers inside the scan pipeline.
 *
 * scanner_scan_layer calls containers_walk for every layer after matching
 * it; the walker recognises containers (archives, compressed streams,
 * documents, mail), extracts members in memory within the scan's limits,
 * and hands each member back to scanner_scan_layer one level deeper.
 *
 * A format's parser (zip.c, archive.c, ole2.c, pdf.c, mime.c, ...) sees
 * one struct walk per container it opens and follows one protocol for
 * every member:
 *
 *   walk_announce(w, &m, &go)     counts it (max_files), matches .cdb
 *                                 signatures on its metadata, reports
 *                                 encryption; go == 0: do not extract
 *   sink_init(&s, walk_cap(w, &m)) decompress into a bounded buffer: at
 *                                 most the member's share of the limits
 *                                 plus one byte, never more
 *   walk_scan(w, &m, s.p, s.len, s.over ? WALK_TRUNCATED : 0)
 *                                 limits, then the member is a new layer
 *
 * and stops as soon as walk_done(w) says so (a global limit, the scan
 * time, or in first-match mode a detection). Nothing is written to disk.
 */
#ifndef VG_CONTAINERS_WALK_H
#define VG_CONTAINERS_WALK_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#include "formats/filetype.h"
#include "scan/scanner.h"

/* Open the layer if it is a container and scan its members. Returns VG_OK
 * also when a limit stopped the walk (the limit is recorded with
 * scanner_limit); errors are out-of-memory and internal failures only. */
vg_status containers_walk(struct vg_scanner *sc, const uint8_t *buf, size_t len, enum ftype type,
                          const struct layer_ctx *lc);

/* One container being walked. */
struct walk {
    struct vg_scanner *sc;
    const struct layer_ctx *lc; /* the container's own layer */
    const uint8_t *buf;         /* the container's bytes */
    size_t len;
    enum ftype ctype;           /* its type, as members see it (Container:, .cdb) */
    const char *tag;            /* member path prefix: "ZIP", "GZIP", "OLE2", ... */
    const char *enc_name;       /* Heuristics.Encrypted.<enc_name>, or NULL */
    uint32_t pos;               /* members announced so far */
    int cdb;                    /* its members are matched against .cdb rules */
    int stop;                   /* nothing more is taken from this container */
    vg_status err;              /* ENOMEM met where no status could be returned */
};

/* What a container says about one member. */
struct member {
    const char *name;  /* its name or path inside the container; NULL if none */
    uint64_t csize;    /* bytes it takes in the container (compressed); 0 unknown */
    uint64_t usize;    /* size the container declares for it; 0 unknown */
    uint32_t crc;      /* CRC-32 the container records, when has_crc */
    int has_crc;
    int encrypted;
    int no_cdb;        /* not matched against .cdb rules (uuencoded mail content) */
};

/* walk_scan flags */
#define WALK_TRUNCATED 0x1u /* extraction stopped at walk_cap: the member is larger */
#define WALK_PREFIX    0x2u /* a truncated compressed stream: scan what fits anyway
                               (clamscan scans the part of a .gz/.bz2/.xz within limits) */

/* Whether clamscan matches .cdb rules on members of this kind of container
 * (ZIP, RAR, 7z, ARJ, CAB, CHM, cpio, tar and MIME attachments; not compressed
 * streams, documents or the small formats). */
int walk_has_cdb(enum ftype kind);

void walk_start(struct walk *w, struct vg_scanner *sc, const struct layer_ctx *lc,
               const uint8_t *buf, size_t len, enum ftype ctype, const char *tag);

/* 1 when the walk must stop: w->stop, a limit that ends the whole scan
 * (files, scan size, time), or a detection in first-match mode. */
int walk_done(struct walk *w);

/* Announce a member before extracting it. Sets *extract to 1 when the
 * member is to be extracted and scanned, 0 when not (limit reached,
 * encrypted, walk stopped). Matches .cdb signatures. ENOMEM only. */
vg_status walk_announce(struct walk *w, const struct member *m, int *extract);

/* The most bytes the member may be decompressed to: the smallest of
 * max_filesize, the scan size left and the compression-ratio bound, plus
 * one byte so that going over is seen. Never 0. */
size_t walk_cap(const struct walk *w, const struct member *m);

/* Scan an extracted member as a new layer one level deeper (its path is
 * the container's path, "!", tag, ":", name). A truncated member is not
 * scanned (unless WALK_PREFIX) and the limit that cut it is recorded;
 * bytes extracted and not scanned still count against max_scansize, so
 * that decompression work is bounded by it too. ENOMEM only. */
vg_status walk_scan(struct walk *w, const struct member *m, const uint8_t *buf, size_t len,
                    unsigned flags);

/* Match text a parser produced (normalised HTML, macro source) as a layer
 * of the given type, without opening it again (LAYER_NORMALIZED). Not
 * counted as a member. ENOMEM only. */
vg_status walk_scan_text(struct walk *w, const char *name, const uint8_t *buf, size_t len,
                         enum ftype type);

/* Scan an extracted member as a layer of the given type, without type
 * detection (an object whose type a type signature found, such as the
 * NSIS archive inside an installer). As walk_scan without flags. ENOMEM
 * only. */
vg_status walk_scan_typed(struct walk *w, const struct member *m, const uint8_t *buf, size_t len,
                          enum ftype type);

/* Record an encrypted member or document: the incomplete bit and, with
 * VG_SCAN_ALERT_ENCRYPTED, Heuristics.Encrypted.<w->enc_name>. */
vg_status walk_encrypted(struct walk *w, const char *name);

/* Raise a heuristic alert named `name` at the container's layer, unless
 * heuristics are off. */
vg_status walk_heuristic(struct walk *w, const char *name);

/* A limit hit inside the container (before extraction): recorded at the
 * container's layer; for files, scan size and time the walk stops. */
vg_status walk_limit(struct walk *w, uint32_t limit_bit);

/* Opening one kind of container. Each returns VG_OK also for malformed
 * input (whatever could be read was scanned); ENOMEM only. */
vg_status zip_walk(struct walk *w);
vg_status archive_walk(struct walk *w, enum ftype kind);
vg_status ole2_walk(struct walk *w);
vg_status pdf_walk(struct walk *w);
vg_status mime_walk(struct walk *w);
vg_status html_walk(struct walk *w);
vg_status szdd_walk(struct walk *w);
vg_status binhex_walk(struct walk *w);
vg_status tnef_walk(struct walk *w);
vg_status rtf_walk(struct walk *w);
vg_status sis_walk(struct walk *w);
vg_status arj_walk(struct walk *w);
vg_status chm_walk(struct walk *w);
vg_status nsis_walk(struct walk *w);

/* The NSIS archive whose first header is at buf[off] (4 bytes before the
 * "NullsoftInst" type signature) inside a PE layer: scanned from there to
 * the end as a layer of type FT_NULSFT (nsis.c). ENOMEM only. */
vg_status nsis_open(struct vg_scanner *sc, const uint8_t *buf, size_t len, size_t off,
                    enum ftype type, const struct layer_ctx *lc);

/* Objects ClamAV's type signatures find inside a layer of type `type`
 * already opened as `kind` (FT_BINARY if none): self-extracting archives,
 * PDFs and PEs at an offset (embedded.c). ENOMEM only. */
vg_status embedded_walk(struct vg_scanner *sc, const uint8_t *buf, size_t len, enum ftype type,
                        enum ftype kind, const struct layer_ctx *lc);

#endif
