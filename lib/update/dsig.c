/*
 * dsig.c - ClamAV's RSA signature schemes, verified with OpenSSL.
 *
 * A dsig string is a number written with 6-bit digits, least significant
 * first, over the alphabet a-z A-Z 0-9 + /. We turn it into a big-endian
 * block of the modulus size and hand it to OpenSSL: raw RSA (no padding)
 * for the legacy MD5 scheme, RSA-PSS for the versig2 scheme. The keys are
 * ClamAV's public constants (decimal, as ClamAV publishes them); they are
 * built once per call, which is cheap next to a database load.
 */
#include "update/dsig.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "core/err.h"

/* ClamAV's legacy CVD key (libclamav/dsig.c, CLI_NSTR / CLI_ESTR). */
static const char cvd_n[] =
    "1186409955516453426030700016584531897515277744120277437465994057432431426074641447673610606406"
    "5584474976078889002228342492276248891756555100246777110966959818941043469903453223222862159108"
    "9508178591428456220796841621637175567590476666928698770143328137383952820383197532047771780196"
    "576957695822641224262693037";
static const char cvd_e[] = "100001027";

/* The .info DSIG key (libclamav/readdb.c, INFO_NSTR / INFO_ESTR). */
static const char info_n[] =
    "1108889498304854547365955610662719492392894179179504762059165869741358104332271591217249680652"
    "5381055880964520618400224333320534660299233983755341740679502866829909679955734391392668378361"
    "2215242053966310901051516412708572770803107343209516537005089417174191687239425078907029047027"
    "0758745162169105075430785038339986534648720379846417853739221140278648135982446119723110289541"
    "5093770394216666324484593935762408468516826633192140826667923494822045805347809932848454845886"
    "9717064243605586678627758760720594377033653802091016977385775154769350854694552799941131459779"
    "94084618328482151013142393373316337519977244732747977";
static const char info_e[] = "100002049";

/* The .cdiff key (libclamav_rust/src/cdiff.rs, PUBLIC_KEY_MODULUS / _EXPONENT). */
static const char cdiff_n[] =
    "1478390587407746709026222851655791757025459963837620353203198921410555284726"
    "9687489771975792123442185817287694951949800908791527542017115600501303394778"
    "6185358648452357000415900563182301024496122174585490160893133065913885907907"
    "9651581965410232072571230082235634872401123265483750324173617790778419870083"
    "4440681124727060540035754699658105895050096576226753008596881698828185652424"
    "9019216687583265784620032479064709820922981067896572119054889862810783463614"
    "6952448482955956088622719809199549844067663963983046359321138605506536028842"
    "2394053998134458623712540683294034953818412458362198117811990006021989844180"
    "721010947";
static const char cdiff_e[] = "100002053";

static int
digit(unsigned char c)
{
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decode a dsig string into a big-endian block of n bytes. */
static vg_status
decode(const char *s, size_t len, uint8_t *out, size_t n, vg_err *err)
{
    size_t i;

    if (len == 0 || len > DSIG_MAX_LEN)
        return err_set(err, VG_EFORMAT, "digital signature has %zu characters (1 to %d expected)", len,
                       DSIG_MAX_LEN);
    memset(out, 0, n);
    for (i = 0; i < len; i++) {
        int d = digit((unsigned char)s[i]);
        size_t bit = 6 * i;

        if (d < 0)
            return err_set(err, VG_EFORMAT, "digital signature: invalid character 0x%02x at %zu",
                           (unsigned char)s[i], i);
        for (int k = 0; k < 6; k++) {
            size_t b = bit + (size_t)k;

            if (!((d >> k) & 1))
                continue;
            if (b / 8 >= n)
                return err_set(err, VG_ESIGNATURE, "digital signature is larger than the key");
            out[n - 1 - b / 8] |= (uint8_t)(1u << (b % 8));
        }
    }
    return VG_OK;
}

/* Build an RSA public key from decimal n and e. */
static EVP_PKEY *
make_key(const char *n_dec, const char *e_dec)
{
    BIGNUM *n = NULL, *e = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *pkey = NULL;

    if (!BN_dec2bn(&n, n_dec) || !BN_dec2bn(&e, e_dec))
        goto out;
    if ((bld = OSSL_PARAM_BLD_new()) == NULL || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
        (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
        goto out;
    if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pkey = NULL;
out:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    return pkey;
}

/* MGF1 with SHA-256 (RFC 8017 B.2.1): out = first n bytes of the mask for seed. */
static int
mgf1_sha256(const uint8_t seed[32], uint8_t *out, size_t n)
{
    uint8_t block[32];
    size_t off = 0;

    for (uint32_t i = 0; off < n; i++) {
        uint8_t c[4] = {(uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        size_t take = n - off < 32 ? n - off : 32;
        int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) && EVP_DigestUpdate(md, seed, 32) &&
                 EVP_DigestUpdate(md, c, 4) && EVP_DigestFinal_ex(md, block, NULL);

        EVP_MD_CTX_free(md);
        if (!ok)
            return -1;
        memcpy(out + off, block, take);
        off += take;
    }
    return 0;
}

/*
 * Raw RSA public operation: sig (n bytes, big-endian) to plain (n bytes).
 * The caller checks the encoding.
 */
static vg_status
rsa_recover(EVP_PKEY *key, const uint8_t *sig, uint8_t *plain, size_t n, const char *what, vg_err *err)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
    size_t plen = n;
    vg_status st = VG_OK;

    if (ctx == NULL || EVP_PKEY_verify_recover_init(ctx) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) <= 0 ||
        EVP_PKEY_verify_recover(ctx, plain, &plen, sig, n) <= 0 || plen != n)
        st = err_set(err, VG_ESIGNATURE, "%s digital signature does not decode with its key", what);
    EVP_PKEY_CTX_free(ctx);
    return st;
}

vg_status
dsig_verify_md5(const uint8_t md5[16], const char *dsig, size_t len, vg_err *err)
{
    uint8_t sig[128], plain[128];
    EVP_PKEY *key = NULL;
    vg_status st;

    if ((st = decode(dsig, len, sig, sizeof(sig), err)) != VG_OK)
        return st;
    if ((key = make_key(cvd_n, cvd_e)) == NULL)
        return err_set(err, VG_ENOMEM, "cannot build the CVD public key");
    if ((st = rsa_recover(key, sig, plain, sizeof(plain), "legacy CVD", err)) != VG_OK)
        goto out;
    /* The signed value is the MD5 itself: 16 bytes, everything above is zero. */
    st = VG_ESIGNATURE;
    for (size_t i = 0; i < sizeof(plain) - 16; i++) {
        if (plain[i] != 0) {
            err_set(err, st, "legacy digital signature does not match the MD5 of the body");
            goto out;
        }
    }
    if (CRYPTO_memcmp(plain + sizeof(plain) - 16, md5, 16) != 0) {
        err_set(err, st, "legacy digital signature does not match the MD5 of the body");
        goto out;
    }
    st = VG_OK;
out:
    EVP_PKEY_free(key);
    return st;
}

/*
 * The encoding check is ClamAV's (cli_versig2): the block is
 * maskedDB(223) || H(32) || 0xbc; DB = maskedDB ^ MGF1(H) with its top bit
 * cleared; the salt follows the first 0x01 in DB and is exactly 32 bytes;
 * H must equal SHA-256(0^8 || mHash || salt).
 */
vg_status
dsig_verify_pss(const uint8_t sha256[32], const char *dsig, size_t len, enum dsig_key which, vg_err *err)
{
    enum { EM = 256, HL = 32, DBL = EM - HL - 1, SL = 32 };
    uint8_t sig[EM], em[EM], db[DBL], mprime[8 + HL + SL], h[HL];
    const uint8_t *one;
    EVP_PKEY *key = NULL;
    const char *what = which == DSIG_KEY_INFO ? ".info" : ".cdiff";
    unsigned int hlen = 0;
    vg_status st;

    if ((st = decode(dsig, len, sig, sizeof(sig), err)) != VG_OK)
        return st;
    key = which == DSIG_KEY_INFO ? make_key(info_n, info_e) : make_key(cdiff_n, cdiff_e);
    if (key == NULL)
        return err_set(err, VG_ENOMEM, "cannot build the %s public key", what);
    if ((st = rsa_recover(key, sig, em, EM, what, err)) != VG_OK)
        goto out;
    st = VG_ESIGNATURE;
    if (em[EM - 1] != 0xbc) {
        err_set(err, st, "%s digital signature does not verify (bad trailer)", what);
        goto out;
    }
    if (mgf1_sha256(em + DBL, db, DBL) != 0) {
        st = err_set(err, VG_ENOMEM, "SHA-256 failed");
        goto out;
    }
    for (size_t i = 0; i < DBL; i++)
        db[i] ^= em[i];
    db[0] &= 0x7f;
    if ((one = memchr(db, 0x01, DBL)) == NULL || (size_t)(db + DBL - (one + 1)) != SL) {
        err_set(err, st, "%s digital signature does not verify (bad padding)", what);
        goto out;
    }
    memset(mprime, 0, 8);
    memcpy(mprime + 8, sha256, HL);
    memcpy(mprime + 8 + HL, one + 1, SL);
    if (!EVP_Digest(mprime, sizeof(mprime), h, &hlen, EVP_sha256(), NULL) || hlen != HL) {
        st = err_set(err, VG_ENOMEM, "SHA-256 failed");
        goto out;
    }
    if (CRYPTO_memcmp(h, em + DBL, HL) != 0) {
        err_set(err, st, "%s digital signature does not match the signed data", what);
        goto out;
    }
    st = VG_OK;
out:
    EVP_PKEY_free(key);
    return st;
}
