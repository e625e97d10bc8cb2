/*
 * update_stage.c - turn what was accepted into a new database generation.
 *
 * The new generation is the current one with the accepted changes applied:
 * files of shards the manifest still lists unchanged and of ClamAV
 * databases not updated are carried over (hard links); new shards are
 * unpacked and compiled into <shard>.vgdb (Hyperscan databases are CPU
 * specific, so images are built on the machine that uses them), or, when
 * the engine cannot compile images or --format sources asks for it, their
 * signature files are installed as they are; new ClamAV databases are
 * installed as <db>.cld.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vigil/vigil.h>

#include "core/err.h"
#include "update.h"
#include "update/cvd.h"
#include "update/dbset.h"
#include "update/file.h"
#include "update/hook.h"
#include "update/tar.h"

#define SHARD_MAX_FILE (2048ull << 20)

/* Does the current generation's file f survive into the new one? */
static int
carried_over(const struct upd *u, const struct gen_file *f)
{
    if (strcmp(f->kind, "shard") == 0) {
        if (!u->repo_ok)
            return 1;
        for (size_t i = 0; i < u->m.nshards; i++) {
            char key[GEN_KEY_MAX];

            update_shard_key(&u->m.shards[i], key, sizeof(key));
            if (!u->fetched[i] && strcmp(f->key, key) == 0)
                return 1;
        }
        return 0;
    }
    if (strcmp(f->kind, "clamav") == 0) {
        for (size_t i = 0; i < u->ncl; i++) {
            size_t n = strlen(u->cl[i].name);

            if (u->cl[i].changed && strncmp(f->key, u->cl[i].name, n) == 0 && f->key[n] == '-')
                return 0;
        }
    }
    return 1;
}

int
update_stage_needed(const struct upd *u)
{
    for (size_t i = 0; i < u->ncl; i++) {
        if (u->cl[i].changed)
            return 1;
    }
    if (!u->repo_ok)
        return 0;
    if (u->o->force)
        return 1;
    /* The release installed before: nothing to do, even if the installed
     * database was rolled back since (only a newer release replaces it). */
    if (u->repo_same)
        return 0;
    for (size_t i = 0; i < u->m.nshards; i++) {
        if (u->fetched[i])
            return 1;
    }
    for (size_t i = 0; i < u->in.curgen.n; i++) {
        const struct gen_file *f = &u->in.curgen.f[i];

        if (strcmp(f->kind, "shard") == 0 && !carried_over(u, f))
            return 1; /* a shard was dropped */
    }
    /* Same files: a run that stopped after switching only needs its state. */
    return u->in.curgen.manifest_version != u->m.version || u->in.cur[0] == '\0';
}

/* Unpack a downloaded shard (a gzip'd tar of source files) into set. */
static vg_status
unpack_shard(struct upd *u, size_t i, struct dbset *set, vg_err *err)
{
    const struct shard_ent *s = &u->m.shards[i];
    char dl[64];
    uint8_t *data = NULL;
    size_t len;
    struct tar_reader t;
    struct tar_entry e;
    int end = 0;
    vg_status st;

    update_dl_name(s->name, dl, sizeof(dl));
    if ((st = file_read_at(u->in.stagefd, dl, SHARD_MAX_FILE, &data, &len, err)) != VG_OK)
        return st;
    if ((st = tar_open(&t, data, len, 1, CVD_MAX_UNPACKED)) != VG_OK) {
        free(data);
        return err_set(err, st, "shard %s: cannot start decompression", s->name);
    }
    while ((st = tar_next(&t, &e, &end, err)) == VG_OK && !end) {
        uint8_t *m;

        if (e.size > CVD_MAX_MEMBER || strcmp(e.name, GEN_FILE) == 0 || e.name[0] == '.') {
            st = err_set(err, VG_EFORMAT, "member %s not acceptable", e.name);
            break;
        }
        if ((m = malloc((size_t)e.size + 1)) == NULL) {
            st = err_set(err, VG_ENOMEM, "out of memory");
            break;
        }
        if ((st = tar_read(&t, &e, m, err)) != VG_OK) {
            free(m);
            break;
        }
        if (dbset_find(set, e.name)) {
            free(m);
            st = err_set(err, VG_EFORMAT, "member %s appears twice", e.name);
            break;
        }
        if ((st = dbset_put_owned(set, e.name, m, (size_t)e.size, err)) != VG_OK)
            break;
    }
    tar_close(&t);
    free(data);
    unlinkat(u->in.stagefd, dl, 0);
    if (st != VG_OK)
        return err_prefix(err, st, s->name);
    return VG_OK;
}

static vg_status
install_sources(struct upd *u, const struct dbset *set, const char *key, vg_err *err)
{
    vg_status st = VG_OK;

    for (size_t k = 0; k < set->n && st == VG_OK; k++)
        st = install_write(&u->in, set->files[k].name, set->files[k].data, set->files[k].len, "shard", key, err);
    return st;
}

/* Compile set into <shard>.vgdb in the staging directory. VG_EUNSUPPORTED
 * when this engine cannot build images. */
static vg_status
compile_shard(struct upd *u, const struct shard_ent *s, const struct dbset *set, const char *key, vg_err *err)
{
    char stage[PATH_MAX], src[PATH_MAX + 64], out[PATH_MAX + 64], srcname[64], outname[64];
    const char *paths[1];
    vg_status st;

    install_stage_path(&u->in, stage, sizeof(stage));
    snprintf(srcname, sizeof(srcname), ".src-%s", s->name);
    snprintf(outname, sizeof(outname), "%s.vgdb", s->name);
    snprintf(src, sizeof(src), "%s/%s", stage, srcname);
    snprintf(out, sizeof(out), "%s/%s", stage, outname);
    if (mkdirat(u->in.stagefd, srcname, 0700) != 0)
        return err_set(err, err_from_errno(errno), "%s: %s", src, strerror(errno));
    st = dbset_write_dir(set, src, err);
    if (st == VG_OK) {
        paths[0] = src;
        st = vg_db_compile(paths, 1, VG_LOAD_OFFICIAL, s->name, out, err);
    }
    install_rmtree_at(u->in.stagefd, srcname);
    if (st != VG_OK) {
        unlinkat(u->in.stagefd, outname, 0);
        return st;
    }
    return install_adopt(&u->in, outname, "shard", key, err);
}

static vg_status
stage_shard(struct upd *u, size_t i, int *sources, vg_err *err)
{
    const struct shard_ent *s = &u->m.shards[i];
    struct dbset set;
    char key[GEN_KEY_MAX];
    vg_status st;

    update_shard_key(s, key, sizeof(key));
    dbset_init(&set, DBSET_DEFAULT_LIMIT);
    if ((st = unpack_shard(u, i, &set, err)) != VG_OK)
        goto out;
    if (!*sources) {
        st = compile_shard(u, s, &set, key, err);
        if (st == VG_EUNSUPPORTED) {
            fprintf(stderr, "vigil update: this engine cannot compile database images (%s); "
                            "installing signature sources instead\n", err->msg);
            *sources = 1;
        } else if (st != VG_OK) {
            err_prefix(err, st, s->name);
            goto out;
        }
    }
    if (*sources)
        st = install_sources(u, &set, key, err);
out:
    dbset_free(&set);
    return st;
}

/*
 * A verified ClamAV database: compiled into <db>.vgdb, with the .cld kept
 * beside it as <db>.cld-base (a name no loader reads) for the next cdiff;
 * or, in sources mode or when this engine cannot compile it, the .cld
 * itself, which the engine, clamd and clamscan load.
 */
static vg_status
stage_clamav(struct upd *u, const struct clamav_result *r, int *sources, vg_err *err)
{
    char stage[PATH_MAX], dir[PATH_MAX + 80], src[PATH_MAX + 160], out[PATH_MAX + 80], srcdir[64], cld[64],
        base[80], vgdb[64];
    char key[GEN_KEY_MAX];
    const char *paths[1];
    vg_status st = VG_EUNSUPPORTED;

    snprintf(key, sizeof(key), "%s-%u", r->name, r->version);
    snprintf(cld, sizeof(cld), "%s.cld", r->name);
    if (!*sources) {
        install_stage_path(&u->in, stage, sizeof(stage));
        snprintf(srcdir, sizeof(srcdir), ".src-%s", r->name);
        snprintf(vgdb, sizeof(vgdb), "%s.vgdb", r->name);
        snprintf(dir, sizeof(dir), "%s/%s", stage, srcdir);
        snprintf(src, sizeof(src), "%s/%s", dir, cld);
        snprintf(out, sizeof(out), "%s/%s", stage, vgdb);
        if (mkdirat(u->in.stagefd, srcdir, 0700) != 0)
            return err_set(err, err_from_errno(errno), "%s/%s: %s", stage, srcdir, strerror(errno));
        if ((st = file_write_atomic(dir, cld, r->cld.p, r->cld.len, 0600, err)) == VG_OK) {
            paths[0] = src;
            st = vg_db_compile(paths, 1, 0, r->name, out, err);
        }
        install_rmtree_at(u->in.stagefd, srcdir);
        if (st == VG_EUNSUPPORTED) {
            fprintf(stderr, "vigil update: this engine cannot compile %s (%s); installing it as it is\n", cld,
                    err->msg);
        } else if (st != VG_OK) {
            unlinkat(u->in.stagefd, vgdb, 0);
            return st;
        } else {
            snprintf(base, sizeof(base), "%s-base", cld);
            if ((st = install_adopt(&u->in, vgdb, "clamav", key, err)) != VG_OK)
                return st;
            return install_write(&u->in, base, r->cld.p, r->cld.len, "clamav", key, err);
        }
    }
    return install_write(&u->in, cld, r->cld.p, r->cld.len, "clamav", key, err);
}

vg_status
update_stage(struct upd *u, char *newgen, size_t newgen_size, vg_err *err)
{
    int sources = u->o->sources;
    uint64_t mversion = u->repo_ok ? u->m.version : u->in.curgen.manifest_version;
    vg_status st;

    hook_pause("verify");
    for (size_t i = 0; i < u->in.curgen.n; i++) {
        if (carried_over(u, &u->in.curgen.f[i]) && (st = install_keep(&u->in, &u->in.curgen.f[i], err)) != VG_OK)
            return st;
    }
    for (size_t i = 0; u->repo_ok && i < u->m.nshards; i++) {
        if (u->fetched[i] && (st = stage_shard(u, i, &sources, err)) != VG_OK)
            return st;
    }
    for (size_t i = 0; i < u->ncl; i++) {
        if (u->cl[i].changed && (st = stage_clamav(u, &u->cl[i], &sources, err)) != VG_OK)
            return err_prefix(err, st, u->cl[i].name);
    }
    return install_commit(&u->in, mversion, newgen, newgen_size, err);
}
