/*
 * update.h - one run of `vigil update`, shared by its files:
 *
 *   cmd_update.c     options, the overall order of steps, exit status
 *   update_repo.c    a vigil repository: roots, manifest, log, shards
 *   update_clamav.c  a ClamAV-layout mirror: .cvd/.cld/.cdiff (+ .sign)
 *   update_stage.c   the new database generation from what was accepted
 *
 * Nothing is installed until every download has been verified; the install
 * itself is lib/update/install.c's crash-safe generation switch.
 */
#ifndef VG_CLI_UPDATE_H
#define VG_CLI_UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "update/fetch.h"
#include "update/install.h"
#include "update/manifest.h"
#include "update/rootdoc.h"
#include "update/tstate.h"

#define UPD_MAX_MIRRORS 16
#define UPD_MAX_CLAMAV 16
#define UPD_MAX_NOTIFY 8

struct update_opts {
    const char *state_dir;          /* pinned root and trust state */
    const char *db_dir;             /* generations and the current/previous links */
    const char *root_file;          /* initial pin, copied into state_dir on first use */
    const char *mirrors[UPD_MAX_MIRRORS];
    size_t nmirrors;
    const char *clamav_mirror;
    const char *clamav_dbs[UPD_MAX_CLAMAV];
    size_t nclamav;
    const char *clamav_certs;       /* CA for .sign files; NULL = installed */
    int64_t clamav_max_age;         /* refuse ClamAV databases older than this (s); 0 = off */
    int sources;                    /* install signature sources, do not compile */
    int force;                      /* reinstall even if nothing is new */
    const char *notify[UPD_MAX_NOTIFY]; /* clamd-protocol sockets to send RELOAD to */
    size_t nnotify;
    struct fetch_opts fetch;
};

struct clamav_result {
    char name[33];
    uint32_t version;
    int changed;        /* a new .cld is in cld */
    struct buf cld;
};

struct upd {
    const struct update_opts *o;
    int64_t now;
    struct install in;
    struct tstate state;
    struct rootdoc root;
    int have_root;
    /* the vigil repository, when one was accepted */
    int repo_ok, repo_same;
    struct manifest m;
    uint8_t msha[32];
    uint8_t fetched[MANIFEST_MAX_SHARDS]; /* shard downloaded into the staging directory */
    /* ClamAV databases */
    struct clamav_result cl[UPD_MAX_CLAMAV];
    size_t ncl;
};

/* Try each mirror until one passes every check (update_repo.c). */
vg_status update_repo(struct upd *u, vg_err *err);

/* Fetch and verify each configured ClamAV database (update_clamav.c). */
vg_status update_clamav(struct upd *u, vg_err *err);

/* 1 when the accepted state differs from the current generation. */
int update_stage_needed(const struct upd *u);

/* Build the staging directory and commit it (update_stage.c). */
vg_status update_stage(struct upd *u, char *newgen, size_t newgen_size, vg_err *err);

/* The staging name of a downloaded shard (".dl-<name>"). */
void update_dl_name(const char *shard, char *out, size_t outsz);

/* "name-<hex sha256>": the key of a shard's files in GENERATION. */
void update_shard_key(const struct shard_ent *s, char *out, size_t outsz);

#endif
