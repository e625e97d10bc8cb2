/*
 * update_repo.c - fetch and verify a release from a vigil repository.
 *
 * Order (TUF's client workflow): walk the root chain from the pinned root,
 * persisting each newer root as soon as it verifies; check the final root is
 * fresh; fetch and check the manifest; fetch and check the release log;
 * download each shard the current generation does not have, stopping at its
 * listed size and checking its digest. A mirror that fails any check is
 * abandoned and the next one tried; what it served is discarded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "update.h"
#include "update/file.h"
#include "update/hook.h"
#include "update/lines.h"
#include "update/repo.h"
#include "update/rlog.h"

void
update_dl_name(const char *shard, char *out, size_t outsz)
{
    snprintf(out, outsz, ".dl-%s", shard);
}

void
update_shard_key(const struct shard_ent *s, char *out, size_t outsz)
{
    char hex[65];

    lines_tohex(s->sha256, 32, hex);
    snprintf(out, outsz, "%s-%s", s->name, hex);
}

/* The current generation already holds this shard's files. */
static int
have_shard(const struct upd *u, const struct shard_ent *s)
{
    char key[GEN_KEY_MAX];

    update_shard_key(s, key, sizeof(key));
    for (size_t i = 0; i < u->in.curgen.n; i++) {
        if (strcmp(u->in.curgen.f[i].kind, "shard") == 0 && strcmp(u->in.curgen.f[i].key, key) == 0)
            return 1;
    }
    return 0;
}

static vg_status
walk_roots(struct upd *u, const char *mirror, vg_err *err)
{
    for (int step = 0; step < REPO_MAX_ROOT_STEPS; step++) {
        char rel[64], url[4096];
        struct buf b = {0};
        struct rootdoc next;
        vg_status st;

        snprintf(rel, sizeof(rel), "root/%llu.root", (unsigned long long)u->root.version + 1);
        if (fetch_join(mirror, rel, url, sizeof(url)) != VG_OK)
            return err_set(err, VG_EINVAL, "mirror URL too long");
        st = fetch_mem(url, ROOT_MAX_SIZE, 0, &u->o->fetch, &b, err);
        if (st == VG_ENOENT) {
            buf_free(&b);
            return VG_OK; /* no newer root */
        }
        if (st == VG_OK)
            st = repo_next_root(&u->root, b.p, b.len, &next, err);
        if (st == VG_OK) {
            /* Trusted from now on, whatever else this mirror does. */
            st = file_write_atomic(u->o->state_dir, "root", b.p, b.len, 0644, err);
            if (st == VG_OK) {
                fprintf(stderr, "vigil update: trusting root version %llu (%zu keys, threshold %u)\n",
                        (unsigned long long)next.version, next.nkeys, next.threshold);
                u->root = next;
            }
        }
        buf_free(&b);
        if (st != VG_OK)
            return st;
    }
    return err_set(err, VG_ELIMIT, "more than %d root versions in one update", REPO_MAX_ROOT_STEPS);
}

static vg_status
download_shard(struct upd *u, const char *mirror, size_t i, vg_err *err)
{
    const struct shard_ent *s = &u->m.shards[i];
    char rel[256], url[4096], dl[64], hex[65];
    uint8_t sha[32];
    uint64_t got = 0;
    int fd;
    vg_status st;

    manifest_shard_path(s, rel, sizeof(rel));
    if (fetch_join(mirror, rel, url, sizeof(url)) != VG_OK)
        return err_set(err, VG_EINVAL, "mirror URL too long");
    update_dl_name(s->name, dl, sizeof(dl));
    if ((fd = openat(u->in.stagefd, dl, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
        return err_set(err, err_from_errno(errno), "%s: %s", dl, strerror(errno));
    st = fetch_fd(url, s->size, &u->o->fetch, fd, sha, &got, err);
    if (close(fd) != 0 && st == VG_OK)
        st = err_set(err, VG_EIO, "%s: %s", dl, strerror(errno));
    if (st == VG_ELIMIT)
        return err_set(err, VG_ELIMIT, "shard %s: the mirror sent more than the %llu bytes listed (endless data)",
                       s->name, (unsigned long long)s->size);
    if (st != VG_OK)
        return st;
    if (got != s->size)
        return err_set(err, VG_ESIGNATURE, "shard %s: %llu bytes, the manifest lists %llu", s->name,
                       (unsigned long long)got, (unsigned long long)s->size);
    if (memcmp(sha, s->sha256, 32) != 0) {
        lines_tohex(sha, 32, hex);
        return err_set(err, VG_ESIGNATURE, "shard %s: SHA-256 %.16s... differs from the manifest (tampered)",
                       s->name, hex);
    }
    u->fetched[i] = 1;
    return VG_OK;
}

static void
drop_downloads(struct upd *u)
{
    for (size_t i = 0; i < MANIFEST_MAX_SHARDS; i++) {
        char dl[64];

        if (!u->fetched[i])
            continue;
        update_dl_name(u->m.shards[i].name, dl, sizeof(dl));
        unlinkat(u->in.stagefd, dl, 0);
        u->fetched[i] = 0;
    }
}

static vg_status
from_mirror(struct upd *u, const char *mirror, vg_err *err)
{
    struct buf mb = {0}, lb = {0};
    char url[4096];
    vg_status st;

    if ((st = walk_roots(u, mirror, err)) != VG_OK)
        goto out;
    if ((st = repo_root_fresh(&u->root, u->now, err)) != VG_OK)
        goto out;
    if (fetch_join(mirror, "manifest", url, sizeof(url)) != VG_OK) {
        st = err_set(err, VG_EINVAL, "mirror URL too long");
        goto out;
    }
    if ((st = fetch_mem(url, MANIFEST_MAX_SIZE, 0, &u->o->fetch, &mb, err)) != VG_OK)
        goto out;
    if ((st = repo_check_manifest(&u->root, &u->state, u->now, mb.p, mb.len, &u->m, u->msha, &u->repo_same, err)) !=
        VG_OK)
        goto out;
    if (fetch_join(mirror, "log", url, sizeof(url)) != VG_OK) {
        st = err_set(err, VG_EINVAL, "mirror URL too long");
        goto out;
    }
    if (u->m.log_size > RLOG_MAX_SIZE) {
        st = err_set(err, VG_ELIMIT, "release log: %llu bytes listed, more than %u", (unsigned long long)u->m.log_size,
                     RLOG_MAX_SIZE);
        goto out;
    }
    if ((st = fetch_mem(url, (size_t)u->m.log_size, FETCH_PREFIX, &u->o->fetch, &lb, err)) != VG_OK)
        goto out;
    if ((st = repo_check_log(&u->m, &u->state, lb.p, lb.len, err)) != VG_OK)
        goto out;
    for (size_t i = 0; i < u->m.nshards && (!u->repo_same || u->o->force); i++) {
        if (have_shard(u, &u->m.shards[i]) && !u->o->force)
            continue;
        if ((st = download_shard(u, mirror, i, err)) != VG_OK)
            goto out;
    }
    hook_pause("download");
out:
    buf_free(&mb);
    buf_free(&lb);
    if (st != VG_OK)
        drop_downloads(u);
    return st;
}

vg_status
update_repo(struct upd *u, vg_err *err)
{
    vg_status st = VG_EINVAL;

    for (size_t i = 0; i < u->o->nmirrors; i++) {
        vg_err e = {{0}};

        if ((st = from_mirror(u, u->o->mirrors[i], &e)) == VG_OK) {
            u->repo_ok = 1;
            return VG_OK;
        }
        fprintf(stderr, "vigil update: %s: %s\n", u->o->mirrors[i], e.msg);
        *err = e;
        memset(&u->m, 0, sizeof(u->m));
        u->repo_same = 0;
    }
    return st;
}
