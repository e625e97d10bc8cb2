/*
 * signdoc.c - split signed documents, check threshold signatures, sign.
 */
#include "update/signdoc.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "update/lines.h"

vg_status
signdoc_split(const uint8_t *buf, size_t len, const char *what, struct signdoc *out, vg_err *err)
{
    struct lines l;
    struct fields fl;
    vg_status st;
    int in_body = 1;

    memset(out, 0, sizeof(*out));
    out->body = buf;
    lines_init(&l, buf, len, what);
    while ((st = lines_next(&l, &fl, err)) == VG_OK) {
        if (in_body) {
            if (fl.count == 1 && lines_is(&fl, 0, "end")) {
                in_body = 0;
                out->body_len = fl.end;
            }
            continue;
        }
        if (fl.count != 3 || !lines_is(&fl, 0, "sig"))
            return lines_error(&l, err, "expected 'sig <keyid> <signature>'");
        if (out->nsigs == SIGNDOC_MAX_SIGS)
            return lines_error(&l, err, "too many signatures");
        if (lines_hex(&fl, 1, out->sigs[out->nsigs].keyid, SIGKEY_ID) ||
            lines_hex(&fl, 2, out->sigs[out->nsigs].sig, SIGKEY_SIG))
            return lines_error(&l, err, "malformed key id or signature");
        for (size_t i = 0; i < out->nsigs; i++) {
            if (memcmp(out->sigs[i].keyid, out->sigs[out->nsigs].keyid, SIGKEY_ID) == 0)
                return lines_error(&l, err, "two signatures by one key");
        }
        out->nsigs++;
    }
    if (st != VG_ENOENT)
        return st;
    if (in_body)
        return err_set(err, VG_EFORMAT, "%s: incomplete (no 'end' line)", what);
    return VG_OK;
}

vg_status
signdoc_check(const struct signdoc *d, const struct rootdoc *keys, const char *what, const char *whose, vg_err *err)
{
    size_t valid = 0, bad = 0, unknown = 0;
    char why[160] = "";

    for (size_t i = 0; i < d->nsigs; i++) {
        const struct root_key *k = rootdoc_key(keys, d->sigs[i].keyid);
        char id[2 * SIGKEY_ID + 1];

        if (k == NULL) {
            unknown++;
            continue;
        }
        if (sigkey_verify(k->pub, d->body, d->body_len, d->sigs[i].sig)) {
            valid++;
            continue;
        }
        if (bad++ == 0) {
            lines_tohex(k->id, SIGKEY_ID, id);
            snprintf(why, sizeof(why), "; the signature by key %.16s does not verify", id);
        }
    }
    if (valid >= keys->threshold)
        return VG_OK;
    if (d->nsigs == 0)
        return err_set(err, VG_ESIGNATURE, "%s: not signed (%u signature%s by %s needed)", what, keys->threshold,
                       keys->threshold == 1 ? "" : "s", whose);
    return err_set(err, VG_ESIGNATURE, "%s: %zu valid signature%s by keys of %s, %u needed (%zu by unknown keys%s)",
                   what, valid, valid == 1 ? "" : "s", whose, keys->threshold, unknown, why);
}

vg_status
signdoc_sign(const uint8_t *body, size_t len, EVP_PKEY *const *keys, size_t nkeys, struct buf *out, vg_err *err)
{
    vg_status st;

    if ((st = buf_append(out, body, len)) != VG_OK)
        return err_set(err, st, "out of memory");
    for (size_t i = 0; i < nkeys; i++) {
        uint8_t pub[SIGKEY_PUB], id[SIGKEY_ID], sig[SIGKEY_SIG];
        char hid[2 * SIGKEY_ID + 1], hsig[2 * SIGKEY_SIG + 1];

        if (sigkey_public(keys[i], pub) != VG_OK)
            return err_set(err, VG_EINVAL, "not an Ed25519 key");
        if ((st = sigkey_sign(keys[i], body, len, sig, err)) != VG_OK)
            return st;
        sigkey_id(pub, id);
        lines_tohex(id, SIGKEY_ID, hid);
        lines_tohex(sig, SIGKEY_SIG, hsig);
        if ((st = buf_printf(out, "sig %s %s\n", hid, hsig)) != VG_OK)
            return err_set(err, st, "out of memory");
    }
    return VG_OK;
}
