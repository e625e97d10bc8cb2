/*
 * rlog.c - parse, extend and write release logs.
 */
#include "update/rlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/err.h"
#include "update/lines.h"

static void
chain(const uint8_t prev[32], uint64_t version, int64_t created, const uint8_t files[32], uint8_t out[32])
{
    char hex[65], line[128];
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int n;

    lines_tohex(files, 32, hex);
    n = snprintf(line, sizeof(line), "release %llu %lld %s\n", (unsigned long long)version, (long long)created, hex);
    if (md == NULL || !EVP_DigestInit_ex(md, EVP_sha256(), NULL) || !EVP_DigestUpdate(md, prev, 32) ||
        !EVP_DigestUpdate(md, line, (size_t)n) || !EVP_DigestFinal_ex(md, out, NULL))
        memset(out, 0, 32); /* cannot match a real chain */
    EVP_MD_CTX_free(md);
}

static vg_status
grow(struct rlog *log)
{
    size_t ncap;
    struct rlog_ent *ne;

    if (log->n < log->cap)
        return VG_OK;
    ncap = log->cap ? log->cap * 2 : 64;
    if ((ne = realloc(log->e, ncap * sizeof(*ne))) == NULL)
        return VG_ENOMEM;
    log->e = ne;
    log->cap = ncap;
    return VG_OK;
}

vg_status
rlog_append(struct rlog *log, uint64_t version, int64_t created, const uint8_t files[32])
{
    static const uint8_t zero[32];
    struct rlog_ent *e;

    if (grow(log) != VG_OK)
        return VG_ENOMEM;
    e = &log->e[log->n];
    e->version = version;
    e->created = created;
    memcpy(e->files, files, 32);
    chain(log->n ? log->e[log->n - 1].hash : zero, version, created, files, e->hash);
    log->n++;
    return VG_OK;
}

vg_status
rlog_parse(const uint8_t *buf, size_t len, struct rlog *out, vg_err *err)
{
    struct lines l;
    struct fields fl;
    vg_status st;

    memset(out, 0, sizeof(*out));
    if (len > RLOG_MAX_SIZE)
        return err_set(err, VG_ELIMIT, "release log larger than %u bytes", RLOG_MAX_SIZE);
    lines_init(&l, buf, len, "release log");
    if ((st = lines_next(&l, &fl, err)) != VG_OK)
        return st == VG_ENOENT ? err_set(err, VG_EFORMAT, "release log: empty") : st;
    if (fl.count != 2 || !lines_is(&fl, 0, "vigil-log") || !lines_is(&fl, 1, "1"))
        return lines_error(&l, err, "not a vigil release log");
    while ((st = lines_next(&l, &fl, err)) == VG_OK) {
        uint64_t version, created;
        uint8_t files[32], hash[32];

        if (fl.count != 5 || !lines_is(&fl, 0, "release") || lines_u64(&fl, 1, INT64_MAX, &version) ||
            lines_u64(&fl, 2, INT64_MAX, &created) || lines_hex(&fl, 3, files, 32) || lines_hex(&fl, 4, hash, 32)) {
            st = lines_error(&l, err, "expected 'release <version> <created> <files> <hash>'");
            break;
        }
        if (out->n && version <= out->e[out->n - 1].version) {
            st = lines_error(&l, err, "release versions do not increase");
            break;
        }
        if (rlog_append(out, version, (int64_t)created, files) != VG_OK) {
            st = err_set(err, VG_ENOMEM, "out of memory");
            break;
        }
        if (memcmp(out->e[out->n - 1].hash, hash, 32) != 0) {
            st = lines_error(&l, err, "hash chain broken (the log was altered)");
            break;
        }
    }
    if (st == VG_ENOENT)
        return VG_OK;
    rlog_free(out);
    return st;
}

vg_status
rlog_format(const struct rlog *log, struct buf *out)
{
    vg_status st = buf_printf(out, "vigil-log 1\n");

    for (size_t i = 0; i < log->n && st == VG_OK; i++) {
        char files[65], hash[65];

        lines_tohex(log->e[i].files, 32, files);
        lines_tohex(log->e[i].hash, 32, hash);
        st = buf_printf(out, "release %llu %lld %s %s\n", (unsigned long long)log->e[i].version,
                        (long long)log->e[i].created, files, hash);
    }
    return st;
}

void
rlog_free(struct rlog *log)
{
    free(log->e);
    memset(log, 0, sizeof(*log));
}
