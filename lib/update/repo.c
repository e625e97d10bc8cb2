/*
 * repo.c - accept or refuse what a mirror serves (see repo.h).
 *
 * Messages name the attack a refusal defends against, because that is what
 * an operator needs to know: a mirror serving an old manifest is not the
 * same problem as one serving a corrupt file.
 */
#include "update/repo.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/err.h"
#include "update/rlog.h"
#include "update/signdoc.h"

static vg_status
parse_signed_root(const uint8_t *buf, size_t len, const char *what, struct signdoc *d, struct rootdoc *r,
                  vg_err *err)
{
    vg_status st;

    if (len > ROOT_MAX_SIZE)
        return err_set(err, VG_ELIMIT, "%s: larger than %u bytes", what, ROOT_MAX_SIZE);
    if ((st = signdoc_split(buf, len, what, d, err)) != VG_OK)
        return st;
    if ((st = rootdoc_parse(d->body, d->body_len, r, err)) != VG_OK)
        return err_prefix(err, st, what);
    return VG_OK;
}

vg_status
repo_load_root(const uint8_t *buf, size_t len, const char *what, struct rootdoc *out, vg_err *err)
{
    struct signdoc d;
    char whose[64];
    vg_status st;

    if ((st = parse_signed_root(buf, len, what, &d, out, err)) != VG_OK)
        return st;
    snprintf(whose, sizeof(whose), "root version %llu itself", (unsigned long long)out->version);
    return signdoc_check(&d, out, what, whose, err);
}

vg_status
repo_next_root(const struct rootdoc *trusted, const uint8_t *buf, size_t len, struct rootdoc *out, vg_err *err)
{
    struct signdoc d;
    char what[64], whose[64];
    vg_status st;

    snprintf(what, sizeof(what), "root version %llu", (unsigned long long)trusted->version + 1);
    if ((st = parse_signed_root(buf, len, what, &d, out, err)) != VG_OK)
        return st;
    if (out->version != trusted->version + 1)
        return err_set(err, VG_ESIGNATURE, "%s: the file says version %llu (replayed or misplaced root)", what,
                       (unsigned long long)out->version);
    /* Rotation: the old keys vouch for the new root, and the new keys too. */
    snprintf(whose, sizeof(whose), "the trusted root version %llu", (unsigned long long)trusted->version);
    if ((st = signdoc_check(&d, trusted, what, whose, err)) != VG_OK)
        return st;
    snprintf(whose, sizeof(whose), "root version %llu itself", (unsigned long long)out->version);
    return signdoc_check(&d, out, what, whose, err);
}

vg_status
repo_root_fresh(const struct rootdoc *root, int64_t now, vg_err *err)
{
    if (now >= root->expires)
        return err_set(err, VG_ESIGNATURE,
                       "root version %llu expired at %lld (now %lld): refusing a frozen repository",
                       (unsigned long long)root->version, (long long)root->expires, (long long)now);
    return VG_OK;
}

vg_status
repo_check_manifest(const struct rootdoc *root, const struct tstate *state, int64_t now, const uint8_t *buf,
                    size_t len, struct manifest *out, uint8_t sha256[32], int *same, vg_err *err)
{
    struct signdoc d;
    char whose[64];
    unsigned int n = 0;
    vg_status st;

    *same = 0;
    if (len > MANIFEST_MAX_SIZE)
        return err_set(err, VG_ELIMIT, "manifest: larger than %u bytes", MANIFEST_MAX_SIZE);
    if ((st = signdoc_split(buf, len, "manifest", &d, err)) != VG_OK)
        return st;
    snprintf(whose, sizeof(whose), "root version %llu", (unsigned long long)root->version);
    if ((st = signdoc_check(&d, root, "manifest", whose, err)) != VG_OK)
        return st;
    if ((st = manifest_parse(d.body, d.body_len, out, err)) != VG_OK)
        return st;
    if (out->root_version != root->version)
        return err_set(err, VG_ESIGNATURE,
                       "manifest version %llu was made for root version %llu, but the trusted root is version "
                       "%llu (mix-and-match)",
                       (unsigned long long)out->version, (unsigned long long)out->root_version,
                       (unsigned long long)root->version);
    if (now >= out->expires)
        return err_set(err, VG_ESIGNATURE,
                       "manifest version %llu expired at %lld (now %lld): refusing a frozen repository",
                       (unsigned long long)out->version, (long long)out->expires, (long long)now);
    EVP_Digest(buf, len, sha256, &n, EVP_sha256(), NULL);
    if (state->have_manifest) {
        if (out->version < state->manifest_version)
            return err_set(err, VG_ESIGNATURE,
                           "manifest version %llu is older than the installed version %llu (rollback attack)",
                           (unsigned long long)out->version, (unsigned long long)state->manifest_version);
        if (out->version == state->manifest_version) {
            if (memcmp(sha256, state->manifest_sha, 32) != 0)
                return err_set(err, VG_ESIGNATURE,
                               "manifest version %llu differs from the version %llu installed before "
                               "(same version, different content)",
                               (unsigned long long)out->version, (unsigned long long)state->manifest_version);
            *same = 1;
        }
    }
    return VG_OK;
}

vg_status
repo_check_log(const struct manifest *m, const struct tstate *state, const uint8_t *buf, size_t len, vg_err *err)
{
    struct rlog log;
    uint8_t files[32];
    const struct rlog_ent *last;
    vg_status st;

    if (len != m->log_size)
        return err_set(err, VG_ESIGNATURE, "release log: %zu bytes, the manifest says %llu", len,
                       (unsigned long long)m->log_size);
    if ((st = rlog_parse(buf, len, &log, err)) != VG_OK)
        return st;
    if (log.n != m->log_n || memcmp(log.e[log.n - 1].hash, m->log_head, 32) != 0) {
        st = err_set(err, VG_ESIGNATURE, "release log does not match the manifest (%zu entries, manifest says %llu)",
                     log.n, (unsigned long long)m->log_n);
        goto out;
    }
    last = &log.e[log.n - 1];
    manifest_files_digest(m, files);
    if (last->version != m->version || last->created != m->created || memcmp(last->files, files, 32) != 0) {
        st = err_set(err, VG_ESIGNATURE, "release log: its last release is not this manifest (version %llu)",
                     (unsigned long long)last->version);
        goto out;
    }
    if (state->log_n) {
        if (state->log_n > log.n || memcmp(log.e[state->log_n - 1].hash, state->log_head, 32) != 0) {
            st = err_set(err, VG_ESIGNATURE,
                         "release log does not extend the log seen before (entry %llu differs or is missing): "
                         "the repository forked its history",
                         (unsigned long long)state->log_n);
            goto out;
        }
    }
out:
    rlog_free(&log);
    return st;
}
