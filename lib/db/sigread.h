/*
 * sigread.h - the per-format signature line readers.
 *
 * Each reader parses one line (already stripped of its line ending; comment
 * lines never reach it) into the builder. On a malformed line it returns
 * VG_EFORMAT with a message in err that names the problem but not the
 * place: the loader prefixes "file:line: ". `official` says whether the
 * line comes from a verified CVD (names are then reported without
 * ".UNOFFICIAL").
 */
#ifndef VG_DB_SIGREAD_H
#define VG_DB_SIGREAD_H

#include "db/build.h"

/* .hdb .hsb .hdu .hsu (kind HK_FILE), .fp .sfp (HK_FP): hash:size:name[:min[:max]].
 * .mdb .msb .mdu .msu (HK_SECT): size:hash:name[:min[:max]]. */
vg_status sig_hash_line(struct dbbuild *b, int kind, char *line, int official, vg_err *err);

/* .ndb .ndu: name:target:offset:hex[:min[:max]] */
vg_status sig_ndb_line(struct dbbuild *b, char *line, int official, vg_err *err);

/* .ldb .ldu: name;tdb;expression;subsig0;... */
vg_status sig_ldb_line(struct dbbuild *b, char *line, int official, vg_err *err);

/* .cdb: container metadata */
vg_status sig_cdb_line(struct dbbuild *b, char *line, int official, vg_err *err);

/* .ign .ign2: names to drop (optionally name:md5 of the signature line) */
vg_status sig_ign_line(struct dbbuild *b, char *line, vg_err *err);

/* Split s in place at each sep into at most max fields; returns the count,
 * or max + 1 if there were more. */
int sig_split(char *s, char sep, char **fields, int max);

/* Parse a decimal uint32; 0 on success. */
int sig_u32(const char *s, uint32_t *v);

/* Parse lowercase or uppercase hex of exactly 2*n digits into out. */
int sig_hex(const char *s, uint8_t *out, size_t n);

#endif
