/*
 * install.h - install a new database generation crash-safely, keep the
 * previous one, roll back.
 *
 * The database directory holds complete generations and two symlinks:
 *
 *   DBDIR/current  -> gen-000007     what the engine and vigild load
 *   DBDIR/previous -> gen-000006     what `vigil db rollback` returns to
 *   DBDIR/gen-000007/  GENERATION + database files (never modified once named)
 *   DBDIR/.staging-<pid>/            a generation being built
 *   DBDIR/.lock                      one installer at a time (flock)
 *
 * A new generation is written into a staging directory beside the others
 * (files unchanged since the current generation are hard links), every file
 * and the directory are fsync'd, the directory is renamed to its gen-N name,
 * and only then are the symlinks replaced (rename of a new symlink over the
 * old, which is atomic), each step followed by an fsync of DBDIR. A crash at
 * any point leaves `current` naming a complete generation, old or new;
 * leftovers are removed by the next run.
 */
#ifndef VG_UPDATE_INSTALL_H
#define VG_UPDATE_INSTALL_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#include "update/gen.h"

struct install {
    char dbdir[PATH_MAX];
    int dirfd, lockfd;
    char cur[64];              /* current generation's directory name, "" if none */
    int curfd;
    struct generation curgen;  /* its GENERATION (empty if none) */
    int cur_damaged;           /* current named a generation that does not read: built afresh */
    char staging[64];
    int stagefd;
    struct generation gen;     /* the one being built */
    int committed;
};

/* Create DBDIR if needed, take the lock, clean up after crashed runs, and
 * read the current generation. A current generation whose GENERATION does
 * not read is treated as absent (cur_damaged, err says why), so that an
 * update can replace it. */
vg_status install_open(struct install *in, const char *dbdir, vg_err *err);

/* Start a staging directory. */
vg_status install_stage(struct install *in, vg_err *err);

/* Carry a file of the current generation over (hard link, else copy). */
vg_status install_keep(struct install *in, const struct gen_file *f, vg_err *err);

/* Write a new file into the staging directory and record it. */
vg_status install_write(struct install *in, const char *name, const void *data, size_t len, const char *kind,
                        const char *key, vg_err *err);

/* Record a file that something else (the compiler) wrote into the staging
 * directory: it is hashed from disk. */
vg_status install_adopt(struct install *in, const char *name, const char *kind, const char *key, vg_err *err);

/* Path of the staging directory (for tools that write files into it). */
void install_stage_path(const struct install *in, char *out, size_t outsz);

/* Finish: GENERATION, fsync, rename, switch the symlinks, drop old
 * generations. newgen (may be NULL) receives the new directory name. */
vg_status install_commit(struct install *in, uint64_t manifest_version, char *newgen, size_t newgen_size,
                         vg_err *err);

/* Remove an uncommitted staging directory, release the lock. */
void install_close(struct install *in);

/* Make `previous` current and `current` previous. */
vg_status install_rollback(const char *dbdir, char *now, size_t nowsz, vg_err *err);

/* Remove a directory tree under dirfd (two levels at most). */
void install_rmtree_at(int dirfd, const char *name);

#endif
