/*
 * cvd.c - verify and walk ClamAV database containers; rebuild a .cld.
 *
 * The body is walked twice with a streaming decompressor: once to find and
 * verify the .info (which may sit anywhere in the archive), once to check
 * each member against it and hand it over. Peak memory is one member, not
 * the unpacked database. The legacy signature needs the MD5 of the whole
 * compressed body, which the caller's buffer gives for free.
 */
#include "core/hex.h"
#include "update/cvd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "core/err.h"
#include "update/clamsign.h"
#include "update/dsig.h"
#include "update/info.h"

enum kind { KIND_CVD, KIND_CLD, KIND_CUD };

struct rawhdr {
    struct cvd_header h;
    char md5[40];
    char dsig[DSIG_MAX_LEN + 1];
};

static int
parse_u32(const char *s, size_t n, uint32_t *out)
{
    uint64_t v = 0;

    if (n == 0 || n > 10)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > UINT32_MAX)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int
copy_field(char *dst, size_t dstsz, const char *s, size_t n)
{
    if (n == 0 || n >= dstsz)
        return -1;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return 0;
}

static vg_status
parse_raw(const uint8_t *buf, size_t len, struct rawhdr *r, vg_err *err)
{
    char line[CVD_HEADER_SIZE + 1];
    const char *f[10];
    size_t flen[10], n, k = 0, start = 0;

    memset(r, 0, sizeof(*r));
    n = len < CVD_HEADER_SIZE ? len : CVD_HEADER_SIZE;
    memcpy(line, buf, n);
    line[n] = '\0';
    if (len >= CVD_HEADER_SIZE) {
        /* A container header: text, then space padding and nothing else, so
         * that every byte of the header is either checked against the signed
         * .info or is a space. */
        size_t end = CVD_HEADER_SIZE;

        while (end > 0 && line[end - 1] == ' ')
            end--;
        if (memchr(line, '\0', end) || memchr(line, '\n', end) || memchr(line, '\r', end))
            return err_set(err, VG_EFORMAT, "header: control characters in the header");
        line[end] = '\0';
        n = end;
    } else {
        n = strcspn(line, "\r\n");
        line[n] = '\0';
        n = strlen(line);
        while (n > 0 && line[n - 1] == ' ')
            line[--n] = '\0';
    }
    if (n < 11 || memcmp(line, "ClamAV-VDB:", 11) != 0)
        return err_set(err, VG_EFORMAT, "not a ClamAV database (no ClamAV-VDB header)");
    for (size_t i = 11; i <= n; i++) {
        if (i == n || line[i] == ':') {
            if (k == 10)
                return err_set(err, VG_EFORMAT, "header has too many fields");
            f[k] = line + 11 + start;
            flen[k++] = i - 11 - start;
            start = i + 1 - 11;
        }
    }
    if (k < 7 || k > 8)
        return err_set(err, VG_EFORMAT, "header has %zu fields (8 or 9 expected)", k + 1);
    if (copy_field(r->h.time_str, sizeof(r->h.time_str), f[0], flen[0]) != 0)
        return err_set(err, VG_EFORMAT, "header: bad build time text");
    if (parse_u32(f[1], flen[1], &r->h.version) != 0)
        return err_set(err, VG_EFORMAT, "header: bad version");
    if (parse_u32(f[2], flen[2], &r->h.nsigs) != 0)
        return err_set(err, VG_EFORMAT, "header: bad signature count");
    if (parse_u32(f[3], flen[3], &r->h.flevel) != 0)
        return err_set(err, VG_EFORMAT, "header: bad functionality level");
    if (copy_field(r->md5, sizeof(r->md5), f[4], flen[4]) != 0)
        return err_set(err, VG_EFORMAT, "header: bad MD5 field");
    if (copy_field(r->dsig, sizeof(r->dsig), f[5], flen[5]) != 0)
        return err_set(err, VG_EFORMAT, "header: bad digital signature field");
    if (copy_field(r->h.builder, sizeof(r->h.builder), f[6], flen[6]) != 0)
        return err_set(err, VG_EFORMAT, "header: bad builder name");
    if (k == 8) {
        uint64_t v = 0;

        if (flen[7] == 0 || flen[7] > 18)
            return err_set(err, VG_EFORMAT, "header: bad build time");
        for (size_t i = 0; i < flen[7]; i++) {
            if (f[7][i] < '0' || f[7][i] > '9')
                return err_set(err, VG_EFORMAT, "header: bad build time");
            v = v * 10 + (uint64_t)(f[7][i] - '0');
        }
        r->h.build_time = (int64_t)v;
    }
    return VG_OK;
}

vg_status
cvd_parse_header(const uint8_t *buf, size_t len, struct cvd_header *out, vg_err *err)
{
    struct rawhdr r;
    vg_status st;

    memset(out, 0, sizeof(*out));
    if ((st = parse_raw(buf, len, &r, err)) != VG_OK)
        return st;
    *out = r.h;
    return VG_OK;
}

void
cvd_db_name(const char *filename, char *out, size_t outsz)
{
    const char *base, *slash;
    size_t n;

    if (outsz == 0)
        return;
    out[0] = '\0';
    if (filename == NULL)
        return;
    slash = strrchr(filename, '/');
    base = slash ? slash + 1 : filename;
    n = strcspn(base, "-.");
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, base, n);
    out[n] = '\0';
}

static enum kind
kind_of(const char *filename)
{
    size_t n = filename ? strlen(filename) : 0;

    if (n >= 4 && strcmp(filename + n - 4, ".cld") == 0)
        return KIND_CLD;
    if (n >= 4 && strcmp(filename + n - 4, ".cud") == 0)
        return KIND_CUD;
    return KIND_CVD;
}

static int
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The legacy check: MD5 of the body equals the header's, and the dsig signs it.
 * Lowercase hex only: ClamAV compares the MD5 text case-sensitively. */
static vg_status
verify_legacy(const uint8_t *body, size_t bodylen, const struct rawhdr *r, vg_err *err)
{
    uint8_t md5[16], want[16];
    unsigned int mlen = 0;

    if (strlen(r->md5) != 32)
        return err_set(err, VG_ESIGNATURE, "header MD5 field is not an MD5 (unsigned container?)");
    for (size_t i = 0; i < 16; i++) {
        int hi = hex_digit_lower(r->md5[2 * i]), lo = hex_digit_lower(r->md5[2 * i + 1]);

        if (hi < 0 || lo < 0)
            return err_set(err, VG_ESIGNATURE, "header MD5 field is not lowercase hexadecimal");
        want[i] = (uint8_t)(hi << 4 | lo);
    }
    if (!EVP_Digest(body, bodylen, md5, &mlen, EVP_md5(), NULL))
        return err_set(err, VG_EUNSUPPORTED, "MD5 is not available (FIPS mode?): cannot check the legacy signature");
    if (CRYPTO_memcmp(md5, want, 16) != 0)
        return err_set(err, VG_ESIGNATURE, "MD5 of the body does not match the header (corrupted or tampered)");
    return dsig_verify_md5(md5, r->dsig, strlen(r->dsig), err);
}

/* Pass 1: find the first *.info member and read it. */
static vg_status
read_info(const uint8_t *body, size_t bodylen, int gz, char *name, uint8_t **data, size_t *len, vg_err *err)
{
    struct tar_reader t;
    struct tar_entry e;
    int end = 0;
    vg_status st;

    *data = NULL;
    if ((st = tar_open(&t, body, bodylen, gz, CVD_MAX_UNPACKED)) != VG_OK)
        return err_set(err, st, "cannot start decompression");
    while ((st = tar_next(&t, &e, &end, err)) == VG_OK && !end) {
        if (!ends_with(e.name, ".info"))
            continue;
        if (e.size > INFO_MAX_SIZE) {
            st = err_set(err, VG_ELIMIT, "%s is larger than %u bytes", e.name, INFO_MAX_SIZE);
            break;
        }
        if ((*data = malloc((size_t)e.size + 1)) == NULL) {
            st = err_set(err, VG_ENOMEM, "out of memory");
            break;
        }
        if ((st = tar_read(&t, &e, *data, err)) != VG_OK)
            break;
        memcpy(name, e.name, sizeof(e.name));
        *len = (size_t)e.size;
        tar_close(&t);
        return VG_OK;
    }
    tar_close(&t);
    free(*data);
    *data = NULL;
    if (st == VG_OK)
        st = err_set(err, VG_EFORMAT, "no .info member in the archive");
    return st;
}

static vg_status
check_info_header(const struct info *inf, const struct cvd_header *h, vg_err *err)
{
    struct cvd_header ih;
    vg_status st;

    if ((st = cvd_parse_header((const uint8_t *)inf->header, strlen(inf->header), &ih, err)) != VG_OK)
        return err_prefix(err, st, ".info");
    if (ih.version != h->version || ih.nsigs != h->nsigs || ih.flevel != h->flevel ||
        ih.build_time != h->build_time || strcmp(ih.time_str, h->time_str) != 0 ||
        strcmp(ih.builder, h->builder) != 0)
        return err_set(err, VG_ESIGNATURE,
                       "corrupted header: .info says version %u, %u signatures, FLEVEL %u, time %lld (%s), "
                       "builder %s; the header says %u, %u, %u, %lld (%s), %s",
                       ih.version, ih.nsigs, ih.flevel, (long long)ih.build_time, ih.time_str, ih.builder,
                       h->version, h->nsigs, h->flevel, (long long)h->build_time, h->time_str, h->builder);
    return VG_OK;
}

/* Pass 2: each member against the .info, then to fn. */
static vg_status
walk_members(const uint8_t *body, size_t bodylen, int gz, struct info *inf, const char *info_name,
             const uint8_t *info_data, size_t info_len, uint32_t flags, cvd_member_fn fn, void *ctx, vg_err *err)
{
    struct tar_reader t;
    struct tar_entry e;
    int end = 0, copying = 0, info_seen = 0;
    uint8_t *data = NULL;
    vg_status st;

    if ((st = tar_open(&t, body, bodylen, gz, CVD_MAX_UNPACKED)) != VG_OK)
        return err_set(err, st, "cannot start decompression");
    while ((st = tar_next(&t, &e, &end, err)) == VG_OK && !end) {
        struct info_entry *ie;
        uint8_t digest[32];
        unsigned int dlen = 0;

        if (strcmp(e.name, "COPYING") == 0) {
            if (copying++) {
                st = err_set(err, VG_EFORMAT, "COPYING appears twice");
                break;
            }
            if (!(flags & CVD_ALL_MEMBERS))
                continue;
            if (e.size > CVD_MAX_MEMBER) {
                st = err_set(err, VG_ELIMIT, "COPYING is too large");
                break;
            }
            if ((data = malloc((size_t)e.size + 1)) == NULL) {
                st = err_set(err, VG_ENOMEM, "out of memory");
                break;
            }
            if ((st = tar_read(&t, &e, data, err)) != VG_OK)
                break;
            if ((st = fn(ctx, e.name, data, (size_t)e.size)) != VG_OK) {
                err_set(err, st, "%s: %s", e.name, vg_status_str(st));
                break;
            }
            free(data);
            data = NULL;
            continue;
        }
        if (ends_with(e.name, ".info")) {
            if (strcmp(e.name, info_name) != 0 || info_seen++) {
                st = err_set(err, VG_EFORMAT, "%s: more than one .info member", e.name);
                break;
            }
            if ((flags & CVD_ALL_MEMBERS) && (st = fn(ctx, e.name, info_data, info_len)) != VG_OK) {
                err_set(err, st, "%s: %s", e.name, vg_status_str(st));
                break;
            }
            continue;
        }
        if ((ie = info_find(inf, e.name)) == NULL) {
            st = err_set(err, VG_ESIGNATURE, "%s: not listed in %s", e.name, info_name);
            break;
        }
        if (ie->seen++) {
            st = err_set(err, VG_EFORMAT, "%s: appears twice in the archive", e.name);
            break;
        }
        if (e.size != ie->size) {
            st = err_set(err, VG_ESIGNATURE, "%s: size %llu, but %s lists %llu", e.name,
                         (unsigned long long)e.size, info_name, (unsigned long long)ie->size);
            break;
        }
        if (e.size > CVD_MAX_MEMBER) {
            st = err_set(err, VG_ELIMIT, "%s: larger than %llu bytes", e.name, (unsigned long long)CVD_MAX_MEMBER);
            break;
        }
        if ((data = malloc((size_t)e.size + 1)) == NULL) {
            st = err_set(err, VG_ENOMEM, "%s: out of memory", e.name);
            break;
        }
        if ((st = tar_read(&t, &e, data, err)) != VG_OK)
            break;
        if (!EVP_Digest(data, (size_t)e.size, digest, &dlen, EVP_sha256(), NULL)) {
            st = err_set(err, VG_ENOMEM, "SHA-256 failed");
            break;
        }
        if (CRYPTO_memcmp(digest, ie->sha256, 32) != 0) {
            st = err_set(err, VG_ESIGNATURE, "%s: invalid checksum (SHA-256 differs from %s)", e.name, info_name);
            break;
        }
        if ((st = fn(ctx, e.name, data, (size_t)e.size)) != VG_OK) {
            err_set(err, st, "%s: %s", e.name, vg_status_str(st));
            break;
        }
        free(data);
        data = NULL;
    }
    tar_close(&t);
    free(data);
    if (st != VG_OK)
        return st;
    if (!info_seen)
        return err_set(err, VG_EFORMAT, "%s disappeared between passes", info_name);
    for (size_t i = 0; i < inf->n; i++) {
        if (!inf->entries[i].seen)
            return err_set(err, VG_ESIGNATURE, "%s: listed in %s but missing from the archive",
                           inf->entries[i].name, info_name);
    }
    return VG_OK;
}

vg_status
cvd_load_ex(const uint8_t *buf, size_t len, const char *filename, const uint8_t *sign, size_t signlen,
            const char *cert_path, uint32_t flags, cvd_member_fn fn, void *ctx, struct cvd_header *hdr,
            vg_err *err)
{
    const char *what = filename ? filename : "database";
    enum kind kind = kind_of(filename);
    struct rawhdr r;
    struct info inf = {0};
    const uint8_t *body;
    size_t bodylen, info_len = 0;
    uint8_t *info_data = NULL;
    char info_name[TAR_NAME_MAX + 1] = "";
    int gz;
    vg_status st;

    if (hdr)
        memset(hdr, 0, sizeof(*hdr));
    if (len < CVD_HEADER_SIZE)
        return err_set(err, VG_EFORMAT, "%s: shorter than a header (%zu bytes)", what, len);
    if ((st = parse_raw(buf, len, &r, err)) != VG_OK)
        return err_prefix(err, st, what);
    cvd_db_name(filename, r.h.name, sizeof(r.h.name));
    body = buf + CVD_HEADER_SIZE;
    bodylen = len - CVD_HEADER_SIZE;

    /* 1. The container's own signature. */
    if (kind != KIND_CUD && sign != NULL) {
        char signer[128];

        st = clamsign_verify(buf, len, sign, signlen, cert_path, ".sign", signer, sizeof(signer), err);
        if (st != VG_OK && st != VG_EUNSUPPORTED)
            return err_prefix(err, st, what);
    } else {
        st = VG_EUNSUPPORTED;
    }
    if (st == VG_EUNSUPPORTED && kind == KIND_CVD) {
        if ((st = verify_legacy(body, bodylen, &r, err)) != VG_OK)
            return err_prefix(err, st, what);
    }

    /* 2. The .info and its DSIG. */
    gz = kind != KIND_CLD || (bodylen >= 2 && body[0] == 0x1f && body[1] == 0x8b);
    if ((st = read_info(body, bodylen, gz, info_name, &info_data, &info_len, err)) != VG_OK)
        goto out;
    if ((st = info_parse(info_data, info_len, kind != KIND_CUD, &inf, err)) != VG_OK)
        goto out;
    if ((st = check_info_header(&inf, &r.h, err)) != VG_OK)
        goto out;

    /* 3. Every member against the .info. */
    st = walk_members(body, bodylen, gz, &inf, info_name, info_data, info_len, flags, fn, ctx, err);
    r.h.official = kind != KIND_CUD;
out:
    if (st == VG_OK && hdr)
        *hdr = r.h;
    if (st != VG_OK)
        err_prefix(err, st, what);
    info_free(&inf);
    free(info_data);
    return st;
}

vg_status
cvd_load(const uint8_t *buf, size_t len, const char *filename, const uint8_t *sign, size_t signlen,
         const char *cert_path, cvd_member_fn fn, void *ctx, struct cvd_header *hdr, vg_err *err)
{
    return cvd_load_ex(buf, len, filename, sign, signlen, cert_path, 0, fn, ctx, hdr, err);
}

static vg_status
put_member(void *ctx, const char *name, const uint8_t *data, size_t len)
{
    return dbset_put(ctx, name, data, len, NULL);
}

vg_status
cvd_unpack(const uint8_t *buf, size_t len, const char *filename, const uint8_t *sign, size_t signlen,
           const char *cert_path, struct dbset *db, struct cvd_header *hdr, vg_err *err)
{
    return cvd_load_ex(buf, len, filename, sign, signlen, cert_path, CVD_ALL_MEMBERS, put_member, db, hdr, err);
}

struct dbfile *
cvd_find_info(struct dbset *db)
{
    struct dbfile *found = NULL;

    for (size_t i = 0; i < db->n; i++) {
        if (ends_with(db->files[i].name, ".info")) {
            if (found)
                return NULL; /* ambiguous */
            found = &db->files[i];
        }
    }
    return found;
}

static vg_status
gzip_append(struct buf *out, const uint8_t *in, size_t len, vg_err *err)
{
    z_stream zs;
    vg_status st = VG_OK;
    int rc;

    memset(&zs, 0, sizeof(zs));
    if (len > UINT32_MAX)
        return err_set(err, VG_ELIMIT, "database too large to compress");
    if (deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return err_set(err, VG_ENOMEM, "cannot start compression");
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    do {
        if ((st = buf_reserve(out, 65536)) != VG_OK) {
            err_set(err, st, "out of memory");
            break;
        }
        zs.next_out = out->p + out->len;
        zs.avail_out = 65536;
        rc = deflate(&zs, Z_FINISH);
        out->len += 65536 - zs.avail_out;
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
            st = err_set(err, VG_EINTERNAL, "compression failed");
            break;
        }
    } while (rc != Z_STREAM_END);
    deflateEnd(&zs);
    return st;
}

vg_status
cvd_build_cld(const struct dbset *db, struct buf *out, vg_err *err)
{
    struct dbset *mdb = (struct dbset *)(uintptr_t)db; /* lookups only */
    struct dbfile *info = cvd_find_info(mdb), *copying = dbset_find(mdb, "COPYING");
    struct buf tar = {0};
    uint8_t header[CVD_HEADER_SIZE];
    size_t n;
    vg_status st;

    if (info == NULL)
        return err_set(err, VG_EFORMAT, "cannot build a .cld: no single .info file");
    n = 0;
    while (n < info->len && info->data[n] != '\n')
        n++;
    if (n && info->data[n - 1] == '\r')
        n--;
    if (n < 11 || n >= CVD_HEADER_SIZE || memcmp(info->data, "ClamAV-VDB:", 11) != 0 ||
        memchr(info->data, '\0', n))
        return err_set(err, VG_EFORMAT, "cannot build a .cld: %s has no valid header line", info->name);
    memset(header, ' ', sizeof(header));
    memcpy(header, info->data, n);
    if (copying && (st = tar_write_member(&tar, copying->name, copying->data, copying->len, err)) != VG_OK)
        goto out;
    if ((st = tar_write_member(&tar, info->name, info->data, info->len, err)) != VG_OK)
        goto out;
    for (size_t i = 0; i < db->n; i++) {
        const struct dbfile *f = &db->files[i];

        if (f == info || f == copying)
            continue;
        if ((st = tar_write_member(&tar, f->name, f->data, f->len, err)) != VG_OK)
            goto out;
    }
    if ((st = tar_write_end(&tar)) != VG_OK) {
        err_set(err, st, "out of memory");
        goto out;
    }
    if ((st = buf_append(out, header, sizeof(header))) != VG_OK) {
        err_set(err, st, "out of memory");
        goto out;
    }
    st = gzip_append(out, tar.p, tar.len, err);
out:
    buf_free(&tar);
    return st;
}
