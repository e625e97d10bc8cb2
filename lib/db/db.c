/*
 * db.c - vg_db_load, vg_db_compile, vg_db_free, vg_db_get_info.
 *
 * A load collects image shards as they are and compiles all text sources
 * into one more shard in memory, through the same compiler that writes
 * image files, so both paths scan identically.
 */
#include "db/db.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "db/compile.h"
#include "db/loader.h"

VG_API vg_status
vg_init(void)
{
    return VG_OK;
}

static void
add_counts(vg_db_info *info, const struct img_counts *c)
{
    info->signatures += c->signatures;
    info->hash_sigs += c->hash_sigs;
    info->section_sigs += c->section_sigs;
    info->body_sigs += c->body_sigs;
    info->logical_sigs += c->logical_sigs;
    info->allow_entries += c->allow_entries;
    info->ignored += c->ignored;
    if (c->daily_version > info->daily_version) {
        info->daily_version = c->daily_version;
        info->daily_time = c->daily_time;
    }
}

/*
 * What clamscan 1.4.6 decides per matcher root from the whole database,
 * recorded for the scanner:
 * - split_targets: a root with no split ("partial") pattern gets no offset
 *   matrix, and without one cli_bcomp_scanbuf skips the root's byte
 *   compares. The generic root always has split patterns (clamscan's
 *   built-in file-type signatures).
 * - text_reloff: with a target-7 pattern at an EOF-relative offset
 *   (ac_reloff_num of root 7), cli_scanscript scans the normalised text as
 *   a layer of its own instead of in memory.
 * - max_patlen7: root 7's maxpatlen, the overlap of its text buffer.
 */
static void
db_root_facts(struct vg_db *db, const struct shard *s)
{
    db->split_targets |= 1u;
    for (uint32_t i = 0; i < s->npats; i++) {
        const struct img_pat *p = &s->pats[i];
        uint32_t t;

        if (p->sig >= s->nsigs)
            continue;
        t = s->sigs[p->sig].target;
        if (p->nparts > 1 && t < 32)
            db->split_targets |= 1u << t;
        if (t != 7)
            continue;
        if (p->off.kind == OFF_EOF)
            db->text_reloff = 1;
        for (uint32_t k = 0; k < p->nparts && p->first_part + k < s->nparts; k++) {
            uint32_t l = s->parts[p->first_part + k].maxlen;
            if (l > 65536)
                l = 65536;
            if (l > db->max_patlen7)
                db->max_patlen7 = l;
        }
    }
}

void
db_facts(struct vg_db *db)
{
    db->max_sigs = db->max_pats = db->max_ldbs = 0;
    db->max_patlen = db->max_patlen7 = 0;
    db->split_targets = 0;
    db->text_reloff = 0;
    for (size_t i = 0; i < db->nshards; i++) {
        const struct shard *s = db->shards[i];
        if (s->nsigs > db->max_sigs)
            db->max_sigs = s->nsigs;
        if (s->npats > db->max_pats)
            db->max_pats = s->npats;
        if (s->nldbs > db->max_ldbs)
            db->max_ldbs = s->nldbs;
        /* clamscan's maxpatlen: the longest single part (each part of a
           split pattern is its own matcher pattern) */
        for (uint32_t p = 0; p < s->nparts; p++) {
            uint32_t l = s->parts[p].maxlen > 65536 ? 65536 : s->parts[p].maxlen;
            if (l > db->max_patlen)
                db->max_patlen = l;
        }
        db_root_facts(db, s);
    }
}

VG_API vg_status
vg_db_load(const char *const *paths, size_t npaths, uint32_t flags, vg_db **out, vg_err *err)
{
    struct loader ld;
    struct buf img = {0};
    vg_db *db = NULL;
    vg_status st;

    *out = NULL;
    if (paths == NULL || npaths == 0)
        return err_set(err, VG_EINVAL, "no database given");
    loader_init(&ld, flags, "main");
    if ((st = loader_add_paths(&ld, paths, npaths, 1, err)) != VG_OK)
        goto out;
    if (ld.files == 0) {
        st = err_set(err, VG_ENOENT, "%s: no supported database files found", paths[0]);
        goto out;
    }
    if (ld.text_used) {
        struct shard *s;
        if ((st = compile_image(&ld.text, &img, err)) != VG_OK)
            goto out;
        st = shard_open_mem(img.p, img.len, 0, &s, err);
        img.p = NULL; /* owned by the shard now, or freed */
        if (st != VG_OK)
            goto out;
        {
            struct shard **n = realloc(ld.shards, (ld.nshards + 1) * sizeof(*n));
            if (n == NULL) {
                shard_free(s);
                st = VG_ENOMEM;
                goto out;
            }
            ld.shards = n;
            ld.shards[ld.nshards++] = s;
        }
    }
    if ((db = calloc(1, sizeof(*db))) == NULL) {
        st = VG_ENOMEM;
        goto out;
    }
    db->shards = ld.shards;
    db->nshards = ld.nshards;
    ld.shards = NULL;
    ld.nshards = 0;
    db->info.shards = (uint32_t)db->nshards;
    for (size_t i = 0; i < db->nshards; i++)
        add_counts(&db->info, &db->shards[i]->hdr->counts);
    db_facts(db);
    *out = db;
    db = NULL;
    st = VG_OK;
out:
    buf_free(&img);
    loader_free(&ld);
    vg_db_free(db);
    return st;
}

/* Write buf to path atomically: a temporary file beside it, fsync, rename,
 * fsync of the directory. */
static vg_status
write_atomic(const char *path, const uint8_t *p, size_t len, vg_err *err)
{
    char tmp[4096], dir[4096];
    int fd, dfd;
    size_t off = 0;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
        return err_set(err, VG_EINVAL, "%s: path too long", path);
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
        return err_set(err, err_from_errno(errno), "%s: %s", tmp, strerror(errno));
    while (off < len) {
        ssize_t w = write(fd, p + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            goto fail;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        goto fail;
    snprintf(dir, sizeof(dir), "%s", path);
    if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return VG_OK;
fail:
    {
        int e = errno;
        if (fd >= 0)
            close(fd);
        unlink(tmp);
        return err_set(err, err_from_errno(e), "%s: %s", path, strerror(e));
    }
}

VG_API vg_status
vg_db_compile(const char *const *paths, size_t npaths, uint32_t flags, const char *shard_name,
              const char *out_path, vg_err *err)
{
    struct loader ld;
    struct buf img = {0};
    vg_status st;

    if (paths == NULL || npaths == 0 || out_path == NULL)
        return err_set(err, VG_EINVAL, "nothing to compile");
    loader_init(&ld, flags, shard_name ? shard_name : "main");
    if ((st = loader_add_paths(&ld, paths, npaths, 0, err)) != VG_OK)
        goto out;
    if (ld.files == 0) {
        st = err_set(err, VG_ENOENT, "no supported database files found");
        goto out;
    }
    if ((st = compile_image(&ld.text, &img, err)) != VG_OK)
        goto out;
    st = write_atomic(out_path, img.p, img.len, err);
out:
    buf_free(&img);
    loader_free(&ld);
    return st;
}

VG_API void
vg_db_free(vg_db *db)
{
    if (db == NULL)
        return;
    for (size_t i = 0; i < db->nshards; i++)
        shard_free(db->shards[i]);
    free(db->shards);
    free(db);
}

VG_API void
vg_db_get_info(const vg_db *db, vg_db_info *out)
{
    memset(out, 0, sizeof(*out));
    if (db)
        *out = db->info;
}
