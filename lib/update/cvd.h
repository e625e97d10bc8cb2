/*
 * cvd.h - ClamAV database containers (.cvd, .cld, .cud).
 *
 * A container is a 512-byte header ("ClamAV-VDB:time:version:sigs:flevel:
 * md5:dsig:builder:stime", space-padded) followed by a tar of plain files,
 * gzip-compressed for .cvd/.cud and optionally plain for .cld. cvd_load
 * verifies a container the way ClamAV does, and more strictly:
 *   1. .cvd: the detached .sign (PKCS#7, when given and applicable), else the
 *      legacy MD5+RSA dsig in the header; .cld: no header signature;
 *      .cud: unsigned (loaded as unofficial);
 *   2. the .info member's DSIG (RSA-PSS) and its header matching the
 *      container's (version, signatures, FLEVEL, build time);
 *   3. every member except COPYING listed in .info with its size and SHA-256,
 *      and every listed file present;
 * then hands each member to a callback, in archive order. The callback sees
 * a member only after that member's digest was checked; if a later check
 * fails the load fails, and the caller drops what it was given.
 */
#ifndef VG_UPDATE_CVD_H
#define VG_UPDATE_CVD_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#include "core/buf.h"
#include "update/dbset.h"

/* The ClamAV functionality level this code implements (detached .sign
 * files appeared at 230); signature lines of a .sign file are chosen by it. */
#define CVD_FLEVEL 230

#define CVD_HEADER_SIZE 512

/* Bounds: unpacked archive and a single member. */
#define CVD_MAX_UNPACKED (4ull << 30)
#define CVD_MAX_MEMBER (1ull << 30)

typedef vg_status (*cvd_member_fn)(void *ctx, const char *name, const uint8_t *data, size_t len);

struct cvd_header {
    char name[64];        /* database name: file stem up to the first '-' or '.' ("daily") */
    uint32_t version, nsigs, flevel;
    int64_t build_time;   /* unix seconds; 0 in very old files */
    char builder[64];
    char time_str[64];    /* as written: "22 Jun 2021 14-58 -0400" */
    int official;         /* set by cvd_load: 1 when signatures were verified (.cvd/.cld), 0 for .cud */
};

/*
 * Parse the header in the first 512 bytes of buf (or of a .info first line
 * when len < 512). name is left empty: it comes from the file name.
 */
vg_status cvd_parse_header(const uint8_t *buf, size_t len, struct cvd_header *out, vg_err *err);

/*
 * Verify, then walk the members (COPYING and the .info are not passed to
 * fn). sign/signlen: the detached .sign file, or NULL. cert_path: CA file
 * or directory for the .sign (NULL = the installed ClamAV certificates).
 * filename decides the kind by its extension (.cvd .cld .cud; anything else
 * is treated as .cvd) and gives the database name; hdr (may be NULL)
 * receives the header, with official set. Errors name filename.
 */
vg_status cvd_load(const uint8_t *buf, size_t len, const char *filename, const uint8_t *sign, size_t signlen,
                   const char *cert_path, cvd_member_fn fn, void *ctx, struct cvd_header *hdr, vg_err *err);

/* As cvd_load, with flags: */
#define CVD_ALL_MEMBERS 0x1u /* also pass COPYING and the .info (to rebuild the container) */
vg_status cvd_load_ex(const uint8_t *buf, size_t len, const char *filename, const uint8_t *sign, size_t signlen,
                      const char *cert_path, uint32_t flags, cvd_member_fn fn, void *ctx,
                      struct cvd_header *hdr, vg_err *err);

/* Load a verified container into db (all members, COPYING and .info too). */
vg_status cvd_unpack(const uint8_t *buf, size_t len, const char *filename, const uint8_t *sign,
                     size_t signlen, const char *cert_path, struct dbset *db, struct cvd_header *hdr,
                     vg_err *err);

/*
 * Build a .cld from db: header = the first line of the .info member
 * (space-padded to 512 bytes), then a gzip'd tar of COPYING, the .info, and
 * the other files in db order. Appends to out. The result loads with
 * cvd_load (as "x.cld") only if the .info still verifies.
 */
vg_status cvd_build_cld(const struct dbset *db, struct buf *out, vg_err *err);

/* Database name from a file name: the stem up to the first '-' or '.'. */
void cvd_db_name(const char *filename, char *out, size_t outsz);

/* The .info file in db ("<name>.info", or the only *.info), or NULL. */
struct dbfile *cvd_find_info(struct dbset *db);

#endif
