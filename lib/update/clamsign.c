/*
 * clamsign.c - parse and verify ClamAV's detached .sign files.
 *
 * Parsing is pure (clamsign_parse); verification loads the CA certificates
 * into an X509_STORE and runs OpenSSL's CMS verification over the detached
 * content, with the signer's chain taken from the SignedData itself.
 *
 * Policy, as ClamAV's: a line whose FLEVEL range excludes this engine or
 * whose type is unknown is skipped; if no line applies, the caller falls back
 * to the legacy signature. Stricter than ClamAV: a line that is present but
 * malformed (bad numbers, bad base64, undecodable PKCS#7) rejects the file,
 * because a corrupted signature file is a sign of tampering, not of a newer
 * format.
 */
#include "update/clamsign.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "core/err.h"
#include "update/b64.h"
#include "update/clock.h"
#include "update/cvd.h"

#ifndef VG_CERTS_DIR
#define VG_CERTS_DIR "/usr/local/share/vigil/certs"
#endif

const char *
clamsign_default_certs(void)
{
    return VG_CERTS_DIR;
}

static int
parse_u32(const char *s, size_t n, uint32_t *out)
{
    uint64_t v = 0;

    if (n == 0 || n > 9)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = (uint32_t)v;
    return 0;
}

/* Parse one trimmed signature line into l; der is decoded into *scratch. */
static vg_status
parse_line(const char *s, size_t n, unsigned lineno, struct clamsign_line *l, uint8_t **scratch,
           char *type, size_t typesz, vg_err *err)
{
    const char *f[4];
    size_t flen[4], k = 0, start = 0;
    long dlen;

    for (size_t i = 0; i <= n && k < 4; i++) {
        if (i == n || (s[i] == ':' && k < 3)) {
            f[k] = s + start;
            flen[k++] = i - start;
            start = i + 1;
        }
    }
    if (k != 4)
        return err_set(err, VG_EFORMAT, "line %u: expected minFL:maxFL:type:data", lineno);
    memset(l, 0, sizeof(*l));
    l->lineno = lineno;
    if (parse_u32(f[0], flen[0], &l->min_flevel) != 0 ||
        (flen[1] && parse_u32(f[1], flen[1], &l->max_flevel) != 0))
        return err_set(err, VG_EFORMAT, "line %u: bad functionality level range", lineno);
    if (flen[2] == 0 || flen[2] >= typesz)
        return err_set(err, VG_EFORMAT, "line %u: bad signature type", lineno);
    memcpy(type, f[2], flen[2]);
    type[flen[2]] = '\0';
    l->type = type;
    if ((*scratch = malloc(flen[3] / 4 * 3 + 1)) == NULL)
        return err_set(err, VG_ENOMEM, "out of memory");
    if ((dlen = b64_decode(f[3], flen[3], *scratch)) <= 0)
        return err_set(err, VG_EFORMAT, "line %u: signature data is not valid base64", lineno);
    l->der = *scratch;
    l->derlen = (size_t)dlen;
    return VG_OK;
}

static int
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

vg_status
clamsign_parse(const uint8_t *sign, size_t len, clamsign_line_fn fn, void *ctx, vg_err *err)
{
    const char *p = (const char *)sign;
    size_t off = 0;
    unsigned lineno = 0;
    vg_status st = VG_OK;

    if (len > CLAMSIGN_MAX_SIZE)
        return err_set(err, VG_ELIMIT, "signature file is larger than %u bytes", CLAMSIGN_MAX_SIZE);
    while (off < len && st == VG_OK) {
        const char *nl = memchr(p + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - p) : len, a = off, b = end;
        struct clamsign_line l;
        uint8_t *scratch = NULL;
        char type[32];

        lineno++;
        off = nl ? end + 1 : len;
        while (a < b && is_space(p[a]))
            a++;
        while (b > a && is_space(p[b - 1]))
            b--;
        if (memchr(p + a, '\0', b - a))
            return err_set(err, VG_EFORMAT, "line %u: NUL byte", lineno);
        if (lineno == 1) {
            if (b - a < 9 || memcmp(p + a, "#clamsign", 9) != 0)
                return err_set(err, VG_EFORMAT, "not a ClamAV signature file (no #clamsign header)");
            if (b - a != 13 || memcmp(p + a + 9, "-1.0", 4) != 0)
                return err_set(err, VG_EUNSUPPORTED, "unsupported signature file version '%.*s'",
                               (int)(b - a < 40 ? b - a : 40), p + a);
            continue;
        }
        if (a == b || p[a] == '#')
            continue;
        if ((st = parse_line(p + a, b - a, lineno, &l, &scratch, type, sizeof(type), err)) == VG_OK)
            st = fn(ctx, &l, err);
        free(scratch);
    }
    if (lineno == 0)
        return err_set(err, VG_EFORMAT, "empty signature file");
    return st;
}

/* --------------------------------------------------------------- verify */

static vg_status
add_pem_file(X509_STORE *store, const char *path, unsigned *count, vg_err *err)
{
    BIO *bio = BIO_new_file(path, "r");
    X509 *x;

    if (bio == NULL)
        return err_set(err, err_from_errno(errno), "%s: cannot open CA certificate", path);
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        /* A duplicate of a certificate already present is harmless. */
        if (X509_STORE_add_cert(store, x) == 1)
            (*count)++;
        X509_free(x);
    }
    ERR_clear_error();
    BIO_free(bio);
    return VG_OK;
}

static int
has_cert_ext(const char *name)
{
    size_t n = strlen(name);

    return n > 4 && (strcmp(name + n - 4, ".crt") == 0 || strcmp(name + n - 4, ".pem") == 0);
}

static vg_status
load_store(const char *path, X509_STORE **out, vg_err *err)
{
    X509_STORE *store = X509_STORE_new();
    struct stat sb;
    unsigned count = 0;
    vg_status st = VG_OK;

    *out = NULL;
    if (store == NULL)
        return err_set(err, VG_ENOMEM, "out of memory");
    if (stat(path, &sb) != 0) {
        st = err_set(err, err_from_errno(errno), "%s: CA certificates: %s", path, strerror(errno));
        goto out;
    }
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        unsigned seen = 0;

        if (d == NULL) {
            st = err_set(err, err_from_errno(errno), "%s: %s", path, strerror(errno));
            goto out;
        }
        while ((e = readdir(d)) != NULL && st == VG_OK && seen++ < 4096) {
            char file[4096];

            if (e->d_name[0] == '.' || !has_cert_ext(e->d_name))
                continue;
            if ((size_t)snprintf(file, sizeof(file), "%s/%s", path, e->d_name) >= sizeof(file))
                continue;
            st = add_pem_file(store, file, &count, err);
        }
        closedir(d);
    } else {
        st = add_pem_file(store, path, &count, err);
    }
    if (st == VG_OK && count == 0)
        st = err_set(err, VG_ENOENT, "%s: no CA certificates found", path);
    if (st == VG_OK && clock_overridden())
        X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), (time_t)clock_now());
out:
    if (st != VG_OK)
        X509_STORE_free(store);
    else
        *out = store;
    return st;
}

static void
signer_cn(CMS_ContentInfo *cms, char *out, size_t outsz)
{
    STACK_OF(X509) *signers;
    X509 *x;

    if (out == NULL || outsz == 0)
        return;
    out[0] = '\0';
    signers = CMS_get0_signers(cms);
    if (signers && sk_X509_num(signers) > 0 && (x = sk_X509_value(signers, 0)) != NULL)
        X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, out, (int)outsz);
    sk_X509_free(signers);
}

/* ---------------------------------------------------- structure checks */

/* A DER element: tag, and its contents [off, off+len) in the buffer. */
struct tlv {
    uint8_t tag;
    size_t off, len, end; /* end: offset just past the element */
};

/* Read the element at *pos within [*pos, lim). Low tag numbers and definite
 * lengths only (DER); 0 on success. */
static int
tlv_read(const uint8_t *b, size_t lim, size_t pos, struct tlv *t)
{
    size_t n, len = 0;

    if (pos >= lim || lim - pos < 2 || (b[pos] & 0x1f) == 0x1f)
        return -1;
    t->tag = b[pos++];
    n = b[pos++];
    if (n & 0x80) {
        n &= 0x7f;
        if (n == 0 || n > 4 || n > lim - pos)
            return -1;
        for (size_t i = 0; i < n; i++)
            len = len << 8 | b[pos++];
        if (len < 0x80)
            return -1; /* not minimal */
    } else {
        len = n;
    }
    if (len > lim - pos)
        return -1;
    t->off = pos;
    t->len = len;
    t->end = pos + len;
    return 0;
}

/* An AlgorithmIdentifier whose parameters are absent or NULL. */
static int
alg_plain(const uint8_t *b, const struct tlv *alg)
{
    struct tlv oid, par;

    if (alg->tag != 0x30 || tlv_read(b, alg->end, alg->off, &oid) != 0 || oid.tag != 0x06)
        return 0;
    if (oid.end == alg->end)
        return 1;
    return tlv_read(b, alg->end, oid.end, &par) == 0 && par.tag == 0x05 && par.len == 0 && par.end == alg->end;
}

static int
int_is_one(const uint8_t *b, const struct tlv *t)
{
    return t->tag == 0x02 && t->len == 1 && b[t->off] == 1;
}

/*
 * The fields of a SignedData that no signature covers must hold the only
 * values ClamAV's signer (OpenSSL's PKCS7_sign) writes: version 1, NULL or
 * absent algorithm parameters, detached id-data content, no unsigned
 * attributes. Then a changed bit anywhere in the .sign is an error, even
 * where OpenSSL's verification would not look.
 */
int
clamsign_fixed_fields(const uint8_t *b, size_t len)
{
    struct tlv ci, oid, ex, sd, v, algs, a, eci, t, sis, si;
    size_t pos;

    if (tlv_read(b, len, 0, &ci) != 0 || ci.tag != 0x30 || ci.end != len ||
        tlv_read(b, ci.end, ci.off, &oid) != 0 || oid.tag != 0x06 ||
        tlv_read(b, ci.end, oid.end, &ex) != 0 || ex.tag != 0xa0 || ex.end != ci.end ||
        tlv_read(b, ex.end, ex.off, &sd) != 0 || sd.tag != 0x30 || sd.end != ex.end)
        return 0;
    if (tlv_read(b, sd.end, sd.off, &v) != 0 || !int_is_one(b, &v) ||
        tlv_read(b, sd.end, v.end, &algs) != 0 || algs.tag != 0x31)
        return 0;
    for (pos = algs.off; pos < algs.end; pos = a.end) {
        if (tlv_read(b, algs.end, pos, &a) != 0 || !alg_plain(b, &a))
            return 0;
    }
    /* encapContentInfo: just the content type (detached). */
    if (tlv_read(b, sd.end, algs.end, &eci) != 0 || eci.tag != 0x30 ||
        tlv_read(b, eci.end, eci.off, &t) != 0 || t.tag != 0x06 || t.end != eci.end)
        return 0;
    /* Certificates [0] and CRLs [1] are covered by their own signatures. */
    for (pos = eci.end;; pos = t.end) {
        if (tlv_read(b, sd.end, pos, &t) != 0)
            return 0;
        if (t.tag != 0xa0 && t.tag != 0xa1)
            break;
    }
    sis = t;
    if (sis.tag != 0x31 || sis.end != sd.end)
        return 0;
    for (pos = sis.off; pos < sis.end; pos = si.end) {
        struct tlv sv, sid, dig, x, sig;

        if (tlv_read(b, sis.end, pos, &si) != 0 || si.tag != 0x30 ||
            tlv_read(b, si.end, si.off, &sv) != 0 || !int_is_one(b, &sv) ||
            tlv_read(b, si.end, sv.end, &sid) != 0 || tlv_read(b, si.end, sid.end, &dig) != 0 ||
            !alg_plain(b, &dig) || tlv_read(b, si.end, dig.end, &x) != 0)
            return 0;
        if (x.tag == 0xa0 && tlv_read(b, si.end, x.end, &x) != 0) /* signed attributes: covered */
            return 0;
        if (!alg_plain(b, &x) || tlv_read(b, si.end, x.end, &sig) != 0 || sig.tag != 0x04 ||
            sig.end != si.end)
            return 0; /* anything after the signature would be unsigned attributes */
    }
    return 1;
}

/*
 * The SignedData must be over plain data (id-data), which is what the
 * contentType signed attribute says and what ClamAV's signer produces;
 * OpenSSL does not compare the two, so a changed eContentType would
 * otherwise go unnoticed.
 */
static vg_status
content_is_data(CMS_ContentInfo *cms, const struct clamsign_line *l, vg_err *err)
{
    const ASN1_OBJECT *type = CMS_get0_eContentType(cms);

    if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed || type == NULL ||
        OBJ_obj2nid(type) != NID_pkcs7_data)
        return err_set(err, VG_EFORMAT, "line %u: PKCS#7 structure is not SignedData over data", l->lineno);
    if (!clamsign_fixed_fields(l->der, l->derlen))
        return err_set(err, VG_EFORMAT, "line %u: PKCS#7 SignedData has unexpected unsigned fields", l->lineno);
    /* The signature algorithm is not covered either: rsaEncryption, as
     * written by ClamAV's signer (sha256WithRSA would verify the same). */
    for (int i = 0; i < sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms)); i++) {
        X509_ALGOR *sig = NULL;
        const ASN1_OBJECT *obj = NULL;

        CMS_SignerInfo_get0_algs(sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), i), NULL, NULL, NULL, &sig);
        if (sig)
            X509_ALGOR_get0(&obj, NULL, NULL, sig);
        if (obj == NULL || OBJ_obj2nid(obj) != NID_rsaEncryption)
            return err_set(err, VG_EFORMAT, "line %u: unexpected PKCS#7 signature algorithm", l->lineno);
    }
    return VG_OK;
}

static int
same_der_name(const X509_NAME *a, const X509_NAME *b)
{
    unsigned char *da = NULL, *db = NULL;
    int na = i2d_X509_NAME(a, &da), nb = i2d_X509_NAME(b, &db);
    int same = na > 0 && na == nb && memcmp(da, db, (size_t)na) == 0;

    OPENSSL_free(da);
    OPENSSL_free(db);
    return same;
}

/*
 * OpenSSL finds the signer's certificate by a loose name comparison (case
 * and spaces folded); require the signer identifier to be exactly the
 * certificate's issuer and serial (or key identifier), byte for byte.
 */
static vg_status
signer_ids_exact(CMS_ContentInfo *cms, const struct clamsign_line *l, vg_err *err)
{
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);

    for (int i = 0; i < sk_CMS_SignerInfo_num(sis); i++) {
        CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, i);
        ASN1_OCTET_STRING *keyid = NULL;
        X509_NAME *issuer = NULL;
        ASN1_INTEGER *sno = NULL;
        X509 *cert = NULL;
        int ok;

        CMS_SignerInfo_get0_algs(si, NULL, &cert, NULL, NULL);
        if (cert == NULL || CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &sno) != 1)
            return err_set(err, VG_ESIGNATURE, "line %u: signer certificate not identified", l->lineno);
        if (keyid) {
            const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(cert);

            ok = skid && ASN1_OCTET_STRING_cmp(keyid, skid) == 0;
        } else {
            ok = issuer && sno && same_der_name(issuer, X509_get_issuer_name(cert)) &&
                 ASN1_INTEGER_cmp(sno, X509_get0_serialNumber(cert)) == 0;
        }
        if (!ok)
            return err_set(err, VG_ESIGNATURE, "line %u: signer identifier does not match its certificate",
                           l->lineno);
    }
    return VG_OK;
}

struct verify_ctx {
    const uint8_t *data;
    size_t len;
    const char *cert_path;
    X509_STORE *store;
    char *signer;
    size_t signer_size;
    int verified;
    const char *what;
    int default_certs, no_ca;
};

static vg_status
verify_line(void *vctx, const struct clamsign_line *l, vg_err *err)
{
    struct verify_ctx *v = vctx;
    const unsigned char *p = l->der;
    CMS_ContentInfo *cms = NULL;
    BIO *content = NULL, *mem = NULL;
    vg_status st = VG_OK;
    char why[256];

    if (v->verified)
        return VG_OK;
    if (l->min_flevel > CVD_FLEVEL || (l->max_flevel && l->max_flevel < CVD_FLEVEL))
        return VG_OK; /* not meant for this engine */
    if (strcmp(l->type, "pkcs7-pem") != 0)
        return VG_OK; /* a type this code does not know */
    if (l->derlen > LONG_MAX || (cms = d2i_CMS_ContentInfo(NULL, &p, (long)l->derlen)) == NULL ||
        p != l->der + l->derlen) {
        st = err_set(err, VG_EFORMAT, "line %u: signature is not a DER PKCS#7 structure", l->lineno);
        goto out;
    }
    if ((st = content_is_data(cms, l, err)) != VG_OK)
        goto out;
    if (v->store == NULL && (st = load_store(v->cert_path, &v->store, err)) != VG_OK) {
        /* vigil's installed certificates missing (a build run from its
         * tree): the .sign cannot be checked, as if absent. A path the user
         * gave must work. */
        if (v->default_certs && st == VG_ENOENT) {
            v->no_ca = 1;
            st = VG_OK;
        }
        goto out;
    }
    /* The content goes through a null filter: given a memory BIO directly,
     * OpenSSL 3.0's CMS_verify leaks an internal copy when verification fails. */
    if ((mem = BIO_new_mem_buf(v->data, (int)v->len)) == NULL || (content = BIO_new(BIO_f_null())) == NULL) {
        st = err_set(err, VG_ENOMEM, "out of memory");
        goto out;
    }
    BIO_push(content, mem);
    mem = NULL; /* owned by the chain */
    ERR_clear_error();
    if (CMS_verify(cms, NULL, v->store, content, NULL, CMS_BINARY) != 1) {
        ERR_error_string_n(ERR_peek_last_error(), why, sizeof(why));
        st = err_set(err, VG_ESIGNATURE, "line %u: PKCS#7 signature does not verify against %s: %s",
                     l->lineno, v->cert_path, why);
        goto out;
    }
    if ((st = signer_ids_exact(cms, l, err)) != VG_OK)
        goto out;
    signer_cn(cms, v->signer, v->signer_size);
    v->verified = 1;
out:
    ERR_clear_error();
    BIO_free(mem);
    BIO_free_all(content);
    CMS_ContentInfo_free(cms);
    return st;
}

vg_status
clamsign_verify(const uint8_t *data, size_t len, const uint8_t *sign, size_t signlen,
                const char *cert_path, const char *what, char *signer, size_t signer_size,
                vg_err *err)
{
    struct verify_ctx v = {data, len, cert_path ? cert_path : clamsign_default_certs(), NULL,
                           signer, signer_size, 0, what, cert_path == NULL, 0};
    vg_status st;

    if (signer && signer_size)
        signer[0] = '\0';
    if (len > INT_MAX)
        return err_set(err, VG_ELIMIT, "%s: too large to verify", what);
    st = clamsign_parse(sign, signlen, verify_line, &v, err);
    X509_STORE_free(v.store);
    if (st != VG_OK)
        return err_prefix(err, st, what);
    if (!v.verified && v.no_ca)
        return err_set(err, VG_EUNSUPPORTED, "%s: not checked: no CA certificates in %s", what, v.cert_path);
    if (!v.verified)
        return err_set(err, VG_EUNSUPPORTED, "%s: no signature line applies to this engine", what);
    return VG_OK;
}
