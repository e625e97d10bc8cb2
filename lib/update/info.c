/*
 * info.c - parse and verify a container's .info member.
 *
 * The DSIG covers the bytes of all lines before it, each with its '\n'
 * (ClamAV's cli_loadinfo); we hash the raw bytes of the file up to the start
 * of the DSIG line, which is the same thing. Entry lines are checked as
 * strictly as ClamAV does (three fields, decimal size, 64 hex digits), names
 * as tar member names.
 */
#include "core/hex.h"
#include "update/info.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/err.h"
#include "update/dsig.h"

static vg_status
parse_entry(const char *s, size_t n, unsigned lineno, struct info_entry *e, vg_err *err)
{
    const char *c1 = memchr(s, ':', n), *c2;
    size_t namelen, sizelen, hashlen;
    uint64_t v = 0;

    if (c1 == NULL || (c2 = memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - s))) == NULL)
        return err_set(err, VG_EFORMAT, ".info:%u: expected name:size:sha256", lineno);
    namelen = (size_t)(c1 - s);
    sizelen = (size_t)(c2 - c1 - 1);
    hashlen = n - (size_t)(c2 + 1 - s);
    if (memchr(c2 + 1, ':', hashlen))
        return err_set(err, VG_EFORMAT, ".info:%u: too many fields", lineno);
    if (namelen == 0 || namelen > TAR_NAME_MAX)
        return err_set(err, VG_EFORMAT, ".info:%u: bad file name", lineno);
    memset(e, 0, sizeof(*e));
    memcpy(e->name, s, namelen);
    if (!tar_name_ok(e->name))
        return err_set(err, VG_EFORMAT, ".info:%u: bad file name", lineno);
    if (sizelen == 0 || sizelen > 12)
        return err_set(err, VG_EFORMAT, ".info:%u: invalid value in the size field", lineno);
    for (size_t i = 0; i < sizelen; i++) {
        if (c1[1 + i] < '0' || c1[1 + i] > '9')
            return err_set(err, VG_EFORMAT, ".info:%u: invalid value in the size field", lineno);
        v = v * 10 + (uint64_t)(c1[1 + i] - '0');
    }
    e->size = v;
    if (hashlen != 64)
        return err_set(err, VG_EFORMAT, ".info:%u: malformed SHA-256", lineno);
    for (size_t i = 0; i < 32; i++) {
        int hi = hex_digit((unsigned char)c2[1 + 2 * i]), lo = hex_digit((unsigned char)c2[2 + 2 * i]);

        if (hi < 0 || lo < 0)
            return err_set(err, VG_EFORMAT, ".info:%u: malformed SHA-256", lineno);
        e->sha256[i] = (uint8_t)(hi << 4 | lo);
    }
    return VG_OK;
}

struct info_entry *
info_find(struct info *inf, const char *name)
{
    for (size_t i = 0; i < inf->n; i++) {
        if (strcmp(inf->entries[i].name, name) == 0)
            return &inf->entries[i];
    }
    return NULL;
}

void
info_free(struct info *inf)
{
    if (inf == NULL)
        return;
    free(inf->entries);
    memset(inf, 0, sizeof(*inf));
}

vg_status
info_parse(const uint8_t *data, size_t len, int require_dsig, struct info *out, vg_err *err)
{
    const char *p = (const char *)data;
    size_t off = 0, cap = 0;
    unsigned lineno = 0;
    int have_dsig = 0;
    vg_status st = VG_OK;

    memset(out, 0, sizeof(*out));
    if (len > INFO_MAX_SIZE)
        return err_set(err, VG_ELIMIT, ".info is larger than %u bytes", INFO_MAX_SIZE);
    if (memchr(p, '\0', len))
        return err_set(err, VG_EFORMAT, ".info contains a NUL byte");
    while (off < len) {
        const char *nl = memchr(p + off, '\n', len - off);
        size_t start = off, end = nl ? (size_t)(nl - p) : len, n;

        lineno++;
        off = nl ? end + 1 : len;
        n = end - start;
        if (n && p[start + n - 1] == '\r')
            n--;
        if (have_dsig) {
            if (n != 0) {
                st = err_set(err, VG_EFORMAT, ".info:%u: data after the DSIG line", lineno);
                goto out;
            }
            continue;
        }
        if (n >= 5 && memcmp(p + start, "DSIG:", 5) == 0) {
            uint8_t digest[32];
            unsigned int dlen = 0;

            have_dsig = 1;
            if (out->header[0] == '\0') {
                st = err_set(err, VG_EFORMAT, ".info:%u: DSIG before the header line", lineno);
                goto out;
            }
            if (!EVP_Digest(data, start, digest, &dlen, EVP_sha256(), NULL)) {
                st = err_set(err, VG_ENOMEM, "SHA-256 failed");
                goto out;
            }
            if ((st = dsig_verify_pss(digest, p + start + 5, n - 5, DSIG_KEY_INFO, err)) != VG_OK) {
                err_prefix(err, st, ".info: DSIG");
                goto out;
            }
            out->signed_ok = 1;
            continue;
        }
        if (lineno == 1) {
            if (n < 11 || memcmp(p + start, "ClamAV-VDB:", 11) != 0 || n >= sizeof(out->header)) {
                st = err_set(err, VG_EFORMAT, ".info:1: expected a ClamAV-VDB header line");
                goto out;
            }
            memcpy(out->header, p + start, n);
            out->header[n] = '\0';
            continue;
        }
        if (out->n == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            struct info_entry *ne;

            if (ncap > len + 32 || (ne = realloc(out->entries, ncap * sizeof(*ne))) == NULL) {
                st = err_set(err, VG_ENOMEM, "out of memory");
                goto out;
            }
            out->entries = ne;
            cap = ncap;
        }
        if ((st = parse_entry(p + start, n, lineno, &out->entries[out->n], err)) != VG_OK)
            goto out;
        if (info_find(out, out->entries[out->n].name)) {
            st = err_set(err, VG_EFORMAT, ".info:%u: %s listed twice", lineno, out->entries[out->n].name);
            goto out;
        }
        out->n++;
    }
    if (out->header[0] == '\0') {
        st = err_set(err, VG_EFORMAT, ".info: empty");
        goto out;
    }
    if (require_dsig && !have_dsig)
        st = err_set(err, VG_ESIGNATURE, ".info: digital signature (DSIG line) not found");
out:
    if (st != VG_OK)
        info_free(out);
    return st;
}
