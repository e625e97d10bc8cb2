/*
 * manifest.c - parse and write release manifests.
 */
#include "update/manifest.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/err.h"
#include "update/lines.h"

const struct shard_ent *
manifest_shard(const struct manifest *m, const char *name)
{
    for (size_t i = 0; i < m->nshards; i++) {
        if (strcmp(m->shards[i].name, name) == 0)
            return &m->shards[i];
    }
    return NULL;
}

static int
want(struct lines *l, struct fields *fl, const char *key, size_t count, vg_err *err, vg_status *st)
{
    if ((*st = lines_next(l, fl, err)) != VG_OK) {
        if (*st == VG_ENOENT)
            *st = err_set(err, VG_EFORMAT, "manifest: incomplete (expected '%s')", key);
        return 0;
    }
    if (fl->count != count || !lines_is(fl, 0, key)) {
        *st = err_set(err, VG_EFORMAT, "manifest:%u: expected '%s'", l->lineno, key);
        return 0;
    }
    return 1;
}

vg_status
manifest_parse(const uint8_t *body, size_t len, struct manifest *out, vg_err *err)
{
    struct lines l;
    struct fields fl;
    uint64_t v;
    vg_status st;

    memset(out, 0, sizeof(*out));
    lines_init(&l, body, len, "manifest");
    if ((st = lines_next(&l, &fl, err)) != VG_OK)
        return st == VG_ENOENT ? err_set(err, VG_EFORMAT, "manifest: empty") : st;
    if (fl.count != 2 || !lines_is(&fl, 0, "vigil-manifest"))
        return lines_error(&l, err, "not a vigil manifest");
    if (!lines_is(&fl, 1, "1"))
        return err_set(err, VG_EVERSION, "manifest:1: unsupported manifest format version");
    if (!want(&l, &fl, "version", 2, err, &st))
        return st;
    if (lines_u64(&fl, 1, INT64_MAX, &out->version) || out->version == 0)
        return lines_error(&l, err, "bad version");
    if (!want(&l, &fl, "created", 2, err, &st))
        return st;
    if (lines_u64(&fl, 1, INT64_MAX, &v))
        return lines_error(&l, err, "bad creation time");
    out->created = (int64_t)v;
    if (!want(&l, &fl, "expires", 2, err, &st))
        return st;
    if (lines_u64(&fl, 1, INT64_MAX, &v) || (int64_t)v <= out->created)
        return lines_error(&l, err, "bad expiry time (must be after creation)");
    out->expires = (int64_t)v;
    if (!want(&l, &fl, "root", 2, err, &st))
        return st;
    if (lines_u64(&fl, 1, INT64_MAX, &out->root_version) || out->root_version == 0)
        return lines_error(&l, err, "bad root version");
    if (!want(&l, &fl, "log", 4, err, &st))
        return st;
    if (lines_u64(&fl, 1, INT64_MAX, &out->log_n) || out->log_n == 0 ||
        lines_u64(&fl, 2, INT64_MAX, &out->log_size) || lines_hex(&fl, 3, out->log_head, 32))
        return lines_error(&l, err, "bad release log reference");
    for (;;) {
        struct shard_ent *s;

        if ((st = lines_next(&l, &fl, err)) != VG_OK)
            return st == VG_ENOENT ? err_set(err, VG_EFORMAT, "manifest: incomplete (no 'end' line)") : st;
        if (fl.count == 1 && lines_is(&fl, 0, "end"))
            break;
        if (fl.count != 4 || !lines_is(&fl, 0, "shard"))
            return lines_error(&l, err, "expected 'shard <name> <size> <sha256>' or 'end'");
        if (out->nshards == MANIFEST_MAX_SHARDS)
            return lines_error(&l, err, "too many shards");
        s = &out->shards[out->nshards];
        if (lines_name(&fl, 1, s->name, sizeof(s->name)) || lines_u64(&fl, 2, INT64_MAX, &s->size) ||
            lines_hex(&fl, 3, s->sha256, 32))
            return lines_error(&l, err, "malformed shard line");
        if (out->nshards && strcmp(out->shards[out->nshards - 1].name, s->name) >= 0)
            return lines_error(&l, err, "shards not in strictly increasing name order");
        out->nshards++;
    }
    if (l.off != len)
        return err_set(err, VG_EFORMAT, "manifest: data after 'end'");
    return VG_OK;
}

static vg_status
shard_lines(const struct manifest *m, struct buf *out)
{
    vg_status st = VG_OK;

    for (size_t i = 0; i < m->nshards && st == VG_OK; i++) {
        char hex[65];

        lines_tohex(m->shards[i].sha256, 32, hex);
        st = buf_printf(out, "shard %s %llu %s\n", m->shards[i].name, (unsigned long long)m->shards[i].size, hex);
    }
    return st;
}

vg_status
manifest_format(const struct manifest *m, struct buf *out)
{
    char head[65];
    vg_status st;

    lines_tohex(m->log_head, 32, head);
    if ((st = buf_printf(out, "vigil-manifest 1\nversion %llu\ncreated %lld\nexpires %lld\nroot %llu\nlog %llu %llu %s\n",
                         (unsigned long long)m->version, (long long)m->created, (long long)m->expires,
                         (unsigned long long)m->root_version, (unsigned long long)m->log_n,
                         (unsigned long long)m->log_size, head)) != VG_OK)
        return st;
    if ((st = shard_lines(m, out)) != VG_OK)
        return st;
    return buf_printf(out, "end\n");
}

void
manifest_files_digest(const struct manifest *m, uint8_t out[32])
{
    struct buf b = {0};
    unsigned int n = 0;

    if (shard_lines(m, &b) != VG_OK) {
        memset(out, 0, 32);
    } else {
        EVP_Digest(b.p ? b.p : (uint8_t *)"", b.len, out, &n, EVP_sha256(), NULL);
    }
    buf_free(&b);
}

void
manifest_shard_path(const struct shard_ent *s, char *out, size_t outsz)
{
    char hex[65];

    lines_tohex(s->sha256, 32, hex);
    snprintf(out, outsz, "shards/%s-%s.tar.gz", s->name, hex);
}
