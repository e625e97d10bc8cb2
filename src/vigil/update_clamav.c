/*
 * update_clamav.c - keep ClamAV databases current from a ClamAV-layout
 * mirror (a private mirror run with cvdupdate or freshclam, or a
 * directory).
 *
 * For each database: read the installed version from the current
 * generation's <db>.cld; ask the mirror for the first 512 bytes of <db>.cvd
 * (a Range request, as freshclam does with a private mirror) to learn its
 * version; if newer, apply <db>-<v>.cdiff for each missing version (with
 * its .sign when the mirror has one), else, or when a cdiff fails, fetch the
 * whole <db>.cvd (and <db>-<v>.cvd.sign). Everything is verified with
 * ClamAV's own scheme (lib/update/cvd.c, cdiff.c); the result is rebuilt as
 * a .cld, loaded once more as a check, and installed. The header fetched
 * first is only a hint: the version that counts is the verified one, and it
 * must be above every version installed before (rollback protection; the
 * highest is kept in the trust state).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "update.h"
#include "update/cdiff.h"
#include "update/clamsign.h"
#include "update/cvd.h"
#include "update/dbset.h"
#include "update/file.h"

#define CDIFF_MAX_FILE (256u << 20)
#define CVD_MAX_FILE (2048ull << 20)

static vg_status
fetch_rel(struct upd *u, const char *rel, size_t max, uint32_t flags, struct buf *out, vg_err *err)
{
    char url[4096];

    if (fetch_join(u->o->clamav_mirror, rel, url, sizeof(url)) != VG_OK)
        return err_set(err, VG_EINVAL, "mirror URL too long");
    return fetch_mem(url, max, flags, &u->o->fetch, out, err);
}

/* An optional .sign: NULL when the mirror has none. */
static vg_status
fetch_sign(struct upd *u, const char *rel, struct buf *out, vg_err *err)
{
    vg_status st = fetch_rel(u, rel, CLAMSIGN_MAX_SIZE, 0, out, err);

    return st == VG_ENOENT ? VG_OK : st;
}

/* The installed database, unpacked; version 0 when there is none. */
static vg_status
installed(struct upd *u, const char *db, struct dbset *set, uint32_t *version, vg_err *err)
{
    char name[64];
    const struct gen_file *f;
    uint8_t *data = NULL;
    size_t len;
    struct cvd_header h;
    vg_status st;

    *version = 0;
    snprintf(name, sizeof(name), "%s.cld-base", db); /* beside a compiled <db>.vgdb */
    if ((f = gen_find(&u->in.curgen, name)) == NULL || strcmp(f->kind, "clamav") != 0) {
        snprintf(name, sizeof(name), "%s.cld", db);
        if ((f = gen_find(&u->in.curgen, name)) == NULL || strcmp(f->kind, "clamav") != 0)
            return VG_OK;
    }
    if ((st = file_read_at(u->in.curfd, name, CVD_MAX_FILE, &data, &len, err)) != VG_OK)
        return st;
    snprintf(name, sizeof(name), "%s.cld", db);
    st = cvd_unpack(data, len, name, NULL, 0, NULL, set, &h, err);
    free(data);
    if (st != VG_OK) {
        /* A damaged local copy is replaced by a full download. */
        fprintf(stderr, "vigil update: installed %s does not load (%s); fetching it whole\n", name, err->msg);
        dbset_free(set);
        dbset_init(set, DBSET_DEFAULT_LIMIT);
        return VG_OK;
    }
    *version = h.version;
    return VG_OK;
}

static vg_status
remote_version(struct upd *u, const char *db, uint32_t *version, int *is_cld, vg_err *err)
{
    static const char *exts[] = {"cvd", "cld"};
    vg_status st = VG_ENOENT;

    for (int i = 0; i < 2; i++) {
        char rel[128];
        struct buf b = {0};
        struct cvd_header h;

        snprintf(rel, sizeof(rel), "%s.%s", db, exts[i]);
        st = fetch_rel(u, rel, CVD_HEADER_SIZE, FETCH_HEADER, &b, err);
        if (st == VG_OK && b.len < CVD_HEADER_SIZE)
            st = err_set(err, VG_EFORMAT, "%s: shorter than a header", rel);
        if (st == VG_OK && (st = cvd_parse_header(b.p, b.len, &h, err)) != VG_OK)
            err_prefix(err, st, rel);
        buf_free(&b);
        if (st == VG_OK) {
            *version = h.version;
            *is_cld = i == 1;
            return VG_OK;
        }
        if (st != VG_ENOENT)
            return st;
    }
    return err_set(err, st, "%s: neither %s.cvd nor %s.cld on the mirror", db, db, db);
}

static vg_status
apply_cdiffs(struct upd *u, const char *db, struct dbset *set, uint32_t from, uint32_t to, vg_err *err)
{
    for (uint32_t v = from + 1; v <= to && v != 0; v++) {
        char rel[128], srel[160];
        struct buf b = {0}, s = {0};
        vg_status st;

        snprintf(rel, sizeof(rel), "%s-%u.cdiff", db, v);
        snprintf(srel, sizeof(srel), "%s.sign", rel);
        if ((st = fetch_rel(u, rel, CDIFF_MAX_FILE, 0, &b, err)) == VG_OK &&
            (st = fetch_sign(u, srel, &s, err)) == VG_OK)
            st = cdiff_apply(set, b.p, b.len, s.len ? s.p : NULL, s.len, u->o->clamav_certs, rel, err);
        buf_free(&b);
        buf_free(&s);
        if (st != VG_OK)
            return st;
    }
    return VG_OK;
}

static vg_status
full_download(struct upd *u, const char *db, int is_cld, struct dbset *set, vg_err *err)
{
    char rel[128], srel[160];
    struct buf b = {0}, s = {0};
    struct cvd_header h;
    vg_status st;

    snprintf(rel, sizeof(rel), "%s.%s", db, is_cld ? "cld" : "cvd");
    if ((st = fetch_rel(u, rel, CVD_MAX_FILE, 0, &b, err)) != VG_OK)
        goto out;
    if (!is_cld) {
        /* The .sign is named after the version inside the file we got. */
        if ((st = cvd_parse_header(b.p, b.len, &h, err)) != VG_OK) {
            err_prefix(err, st, rel);
            goto out;
        }
        snprintf(srel, sizeof(srel), "%s-%u.cvd.sign", db, h.version);
        if ((st = fetch_sign(u, srel, &s, err)) != VG_OK)
            goto out;
    }
    dbset_free(set);
    dbset_init(set, DBSET_DEFAULT_LIMIT);
    st = cvd_unpack(b.p, b.len, rel, s.len ? s.p : NULL, s.len, u->o->clamav_certs, set, &h, err);
out:
    buf_free(&b);
    buf_free(&s);
    return st;
}

/* The members were checked by cvd_load; nothing more to do with them. */
static vg_status
count_member(void *ctx, const char *name, const uint8_t *data, size_t len)
{
    size_t *n = ctx;

    (void)name;
    (void)data;
    *n += len;
    return VG_OK;
}

static vg_status
one_db(struct upd *u, const char *db, struct clamav_result *r, vg_err *err)
{
    struct dbset set;
    struct cvd_header h;
    uint32_t have, floor, remote = 0;
    size_t bytes = 0;
    int is_cld = 0;
    char name[64];
    vg_status st;

    dbset_init(&set, DBSET_DEFAULT_LIMIT);
    snprintf(r->name, sizeof(r->name), "%s", db);
    if ((st = installed(u, db, &set, &have, err)) != VG_OK)
        goto out;
    r->version = have;
    floor = tstate_clamav(&u->state, db);
    if (have > floor)
        floor = have;
    if ((st = remote_version(u, db, &remote, &is_cld, err)) != VG_OK)
        goto out;
    if (remote < floor || (remote == floor && !u->o->force)) {
        if (remote < floor)
            fprintf(stderr, "vigil update: %s: the mirror has version %u, older than the %u installed before; "
                            "ignoring it\n", db, remote, floor);
        goto out; /* up to date */
    }
    if (have && !is_cld && remote > have) {
        vg_err e = {{0}};

        if ((st = apply_cdiffs(u, db, &set, have, remote, &e)) != VG_OK) {
            fprintf(stderr, "vigil update: %s: incremental update failed (%s); fetching the whole database\n", db,
                    e.msg);
            have = 0;
        }
    }
    if (!have || remote <= have || is_cld) {
        if ((st = full_download(u, db, is_cld, &set, err)) != VG_OK)
            goto out;
    }
    if ((st = cvd_build_cld(&set, &r->cld, err)) != VG_OK)
        goto out;
    snprintf(name, sizeof(name), "%s.cld", db);
    if ((st = cvd_load(r->cld.p, r->cld.len, name, NULL, 0, NULL, count_member, &bytes, &h, err)) != VG_OK) {
        err_prefix(err, st, "rebuilt database does not load");
        goto out;
    }
    if (h.version < floor || (h.version == floor && !u->o->force)) {
        st = err_set(err, VG_ESIGNATURE, "%s: version %u is not newer than the %u installed before (rollback)", db,
                     h.version, floor);
        goto out;
    }
    if (u->o->clamav_max_age && h.build_time + u->o->clamav_max_age < u->now) {
        st = err_set(err, VG_ESIGNATURE, "%s: version %u was built at %lld, older than allowed (freeze)", db,
                     h.version, (long long)h.build_time);
        goto out;
    }
    r->version = h.version;
    r->changed = 1;
out:
    if (st != VG_OK)
        buf_free(&r->cld);
    dbset_free(&set);
    return st;
}

vg_status
update_clamav(struct upd *u, vg_err *err)
{
    vg_status st = VG_OK;

    for (size_t i = 0; i < u->o->nclamav; i++) {
        vg_err e = {{0}};
        struct clamav_result *r = &u->cl[u->ncl++];

        memset(r, 0, sizeof(*r));
        if (one_db(u, u->o->clamav_dbs[i], r, &e) != VG_OK) {
            fprintf(stderr, "vigil update: %s: %s\n", u->o->clamav_dbs[i], e.msg);
            *err = e;
            st = VG_ESIGNATURE;
            r->changed = 0;
        } else if (r->changed) {
            fprintf(stderr, "vigil update: %s: version %u verified\n", r->name, r->version);
        }
    }
    return st;
}
