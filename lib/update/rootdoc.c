/*
 * rootdoc.c - parse and write root documents.
 */
#include "update/rootdoc.h"

#include <string.h>

#include "core/err.h"
#include "update/lines.h"

const struct root_key *
rootdoc_key(const struct rootdoc *r, const uint8_t id[SIGKEY_ID])
{
    for (size_t i = 0; i < r->nkeys; i++) {
        if (memcmp(r->keys[i].id, id, SIGKEY_ID) == 0)
            return &r->keys[i];
    }
    return NULL;
}

vg_status
rootdoc_parse(const uint8_t *body, size_t len, struct rootdoc *out, vg_err *err)
{
    struct lines l;
    struct fields fl;
    uint64_t v;
    vg_status st;
    int step = 0, done = 0;

    memset(out, 0, sizeof(*out));
    lines_init(&l, body, len, "root");
    while (!done && (st = lines_next(&l, &fl, err)) == VG_OK) {
        switch (step) {
        case 0:
            if (fl.count != 2 || !lines_is(&fl, 0, "vigil-root"))
                return lines_error(&l, err, "not a vigil root document");
            if (!lines_is(&fl, 1, "1"))
                return err_set(err, VG_EVERSION, "root:1: unsupported root format version");
            step++;
            break;
        case 1:
            if (fl.count != 2 || !lines_is(&fl, 0, "version") || lines_u64(&fl, 1, INT64_MAX, &out->version) ||
                out->version == 0)
                return lines_error(&l, err, "expected 'version <n>' (n >= 1)");
            step++;
            break;
        case 2:
            if (fl.count != 2 || !lines_is(&fl, 0, "expires") || lines_u64(&fl, 1, INT64_MAX, &v))
                return lines_error(&l, err, "expected 'expires <unix seconds>'");
            out->expires = (int64_t)v;
            step++;
            break;
        case 3:
            if (fl.count != 2 || !lines_is(&fl, 0, "threshold") || lines_u64(&fl, 1, ROOT_MAX_KEYS, &v) || v == 0)
                return lines_error(&l, err, "expected 'threshold <k>' (1 to 32)");
            out->threshold = (uint32_t)v;
            step++;
            break;
        default:
            if (fl.count == 1 && lines_is(&fl, 0, "end")) {
                done = 1;
                break;
            }
            if (fl.count != 4 || !lines_is(&fl, 0, "key") || !lines_is(&fl, 2, "ed25519"))
                return lines_error(&l, err, "expected 'key <keyid> ed25519 <public key>' or 'end'");
            if (out->nkeys == ROOT_MAX_KEYS)
                return lines_error(&l, err, "too many keys");
            {
                struct root_key *k = &out->keys[out->nkeys];
                uint8_t id[SIGKEY_ID];

                if (lines_hex(&fl, 1, k->id, SIGKEY_ID) || lines_hex(&fl, 3, k->pub, SIGKEY_PUB))
                    return lines_error(&l, err, "malformed key id or public key");
                sigkey_id(k->pub, id);
                if (memcmp(id, k->id, SIGKEY_ID) != 0)
                    return lines_error(&l, err, "key id is not the SHA-256 of the public key");
                if (rootdoc_key(out, k->id))
                    return lines_error(&l, err, "key listed twice");
                out->nkeys++;
            }
            break;
        }
    }
    if (!done)
        return st == VG_ENOENT ? err_set(err, VG_EFORMAT, "root: incomplete (no 'end' line)") : st;
    if (l.off != len)
        return err_set(err, VG_EFORMAT, "root: data after 'end'");
    if (out->nkeys == 0 || out->threshold > out->nkeys)
        return err_set(err, VG_EFORMAT, "root: threshold %u with %zu keys", out->threshold, out->nkeys);
    return VG_OK;
}

vg_status
rootdoc_format(const struct rootdoc *r, struct buf *out)
{
    vg_status st;

    if ((st = buf_printf(out, "vigil-root 1\nversion %llu\nexpires %lld\nthreshold %u\n",
                         (unsigned long long)r->version, (long long)r->expires, r->threshold)) != VG_OK)
        return st;
    for (size_t i = 0; i < r->nkeys; i++) {
        char id[2 * SIGKEY_ID + 1], pub[2 * SIGKEY_PUB + 1];

        lines_tohex(r->keys[i].id, SIGKEY_ID, id);
        lines_tohex(r->keys[i].pub, SIGKEY_PUB, pub);
        if ((st = buf_printf(out, "key %s ed25519 %s\n", id, pub)) != VG_OK)
            return st;
    }
    return buf_printf(out, "end\n");
}
