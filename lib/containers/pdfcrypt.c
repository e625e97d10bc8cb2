/*
 * pdfcrypt.c - the standard security handler (ISO 32000-2 7.6.4) with the
 * empty user password.
 *
 * Revisions 2-4: the file key is MD5 of the padded password, /O, /P, the
 * first /ID string (and 0xffffffff when metadata is not encrypted), run
 * 50 more times from revision 3; the password is right when the key
 * reproduces /U (RC4 of the padding for revision 2; for 3 and 4, MD5 of
 * padding and ID, RC4'd 20 times with varied keys, first 16 bytes). Each
 * object's key is MD5 of the file key, object and generation numbers (and
 * "sAlT" for AES), cut to key length + 5, at most 16 bytes.
 * Revisions 5 and 6 (AES-256): the password is checked against /U with
 * SHA-256 (5) or the iterated hash of revision 6, and the file key is /UE
 * decrypted with a key made the same way. RC4 is implemented here (OpenSSL
 * 3 keeps it in its legacy provider); MD5, SHA-2 and AES come from libcrypto.
 */
#include "containers/pdfcrypt.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "containers/inflate.h"

static const uint8_t pad[32] = {0x28, 0xbf, 0x4e, 0x5e, 0x4e, 0x75, 0x8a, 0x41, 0x64, 0x00, 0x4e,
                                0x56, 0xff, 0xfa, 0x01, 0x08, 0x2e, 0x2e, 0x00, 0xb6, 0xd0, 0x68,
                                0x3e, 0x80, 0x2f, 0x0c, 0xa9, 0xfe, 0x64, 0x53, 0x69, 0x7a};

static void
rc4(const uint8_t *key, size_t klen, const uint8_t *in, size_t n, uint8_t *out)
{
    uint8_t s[256];
    unsigned i, j = 0;

    for (i = 0; i < 256; i++)
        s[i] = (uint8_t)i;
    for (i = 0; i < 256; i++) {
        uint8_t t = s[i];
        j = (j + t + key[i % klen]) & 0xff;
        s[i] = s[j];
        s[j] = t;
    }
    i = j = 0;
    for (size_t k = 0; k < n; k++) {
        uint8_t t;
        i = (i + 1) & 0xff;
        j = (j + s[i]) & 0xff;
        t = s[i];
        s[i] = s[j];
        s[j] = t;
        out[k] = in[k] ^ s[(s[i] + s[j]) & 0xff];
    }
}

static int
digest(const EVP_MD *md, const uint8_t *const *parts, const size_t *lens, int n, uint8_t *out)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c != NULL && EVP_DigestInit_ex(c, md, NULL) == 1;

    for (int i = 0; ok && i < n; i++)
        ok = EVP_DigestUpdate(c, parts[i], lens[i]) == 1;
    ok = ok && EVP_DigestFinal_ex(c, out, NULL) == 1;
    EVP_MD_CTX_free(c);
    return ok ? 0 : -1;
}

/* AES-CBC without padding handling; returns the bytes written or -1. */
static int
aes_cbc(int bits, int enc, const uint8_t *key, const uint8_t *iv, const uint8_t *in, size_t n,
        uint8_t *out, int padding)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int l1 = 0, l2 = 0, ok;

    if (c == NULL || n > 0x7fffffff)
        return -1;
    ok = EVP_CipherInit_ex(c, bits == 256 ? EVP_aes_256_cbc() : EVP_aes_128_cbc(), NULL, key, iv,
                           enc) == 1 &&
         EVP_CIPHER_CTX_set_padding(c, padding) == 1 &&
         EVP_CipherUpdate(c, out, &l1, in, (int)n) == 1 &&
         EVP_CipherFinal_ex(c, out + l1, &l2) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok ? l1 + l2 : -1;
}

static int
open_r234(const struct pdfcrypt_params *pp, struct pdfcrypt *c)
{
    uint8_t k[16], p4[4], u[32], t[32];
    size_t n = pp->r == 2 ? 5 : (size_t)pp->length_bits / 8;
    const uint8_t *parts[5];
    size_t lens[5];
    int np = 0;

    if (n < 5 || n > 16 || pp->olen < 32 || pp->ulen < 32)
        return -1;
    for (int i = 0; i < 4; i++)
        p4[i] = (uint8_t)((uint32_t)pp->p >> (8 * i));
    parts[np] = pad, lens[np++] = 32;
    parts[np] = pp->o, lens[np++] = 32;
    parts[np] = p4, lens[np++] = 4;
    parts[np] = pp->id, lens[np++] = pp->idlen;
    if (pp->r >= 4 && !pp->encrypt_metadata)
        parts[np] = (const uint8_t *)"\xff\xff\xff\xff", lens[np++] = 4;
    if (digest(EVP_md5(), parts, lens, np, k))
        return -1;
    for (int i = 0; pp->r >= 3 && i < 50; i++) {
        const uint8_t *q[1] = {k};
        size_t ql[1] = {n};
        if (digest(EVP_md5(), q, ql, 1, k))
            return -1;
    }
    if (pp->r == 2) {
        rc4(k, n, pad, 32, u);
        if (memcmp(u, pp->u, 32) != 0)
            return -1;
    } else {
        const uint8_t *q[2] = {pad, pp->id};
        size_t ql[2] = {32, pp->idlen};
        if (digest(EVP_md5(), q, ql, 2, t))
            return -1;
        rc4(k, n, t, 16, u);
        for (int i = 1; i <= 19; i++) {
            uint8_t kk[16];
            for (size_t j = 0; j < n; j++)
                kk[j] = k[j] ^ (uint8_t)i;
            rc4(kk, n, u, 16, u);
        }
        if (memcmp(u, pp->u, 16) != 0)
            return -1;
    }
    memcpy(c->key, k, n);
    c->keylen = n;
    c->method = pp->v >= 4 ? (pp->cfm ? pp->cfm : PDFC_RC4) : PDFC_RC4;
    return c->method == PDFC_AESV3 ? -1 : 0;
}

/* Algorithm 2.B (revision 6) with the empty password. */
static int
hash_r6(const uint8_t *salt, const uint8_t *udata, size_t ulen, uint8_t *out)
{
    uint8_t k[64], k1[64 * (64 + 48)], e[sizeof(k1)];
    size_t klen = 32;
    const uint8_t *parts[2] = {salt, udata};
    size_t lens[2] = {8, ulen};

    if (digest(EVP_sha256(), parts, lens, ulen ? 2 : 1, k))
        return -1;
    for (int i = 0;; i++) {
        size_t one = klen + ulen, n = 64 * one;
        unsigned sum = 0;
        int el;
        for (int r = 0; r < 64; r++) {
            memcpy(k1 + (size_t)r * one, k, klen);
            if (ulen)
                memcpy(k1 + (size_t)r * one + klen, udata, ulen);
        }
        if ((el = aes_cbc(128, 1, k, k + 16, k1, n, e, 0)) < 0)
            return -1;
        for (int j = 0; j < 16; j++)
            sum += e[j];
        {
            const uint8_t *q[1] = {e};
            size_t ql[1] = {n};
            const EVP_MD *md = sum % 3 == 0 ? EVP_sha256() : sum % 3 == 1 ? EVP_sha384() : EVP_sha512();
            klen = sum % 3 == 0 ? 32 : sum % 3 == 1 ? 48 : 64;
            if (digest(md, q, ql, 1, k))
                return -1;
        }
        if (i >= 63 && e[n - 1] <= (unsigned)(i - 31))
            break;
        if (i > 1000)
            return -1;
    }
    memcpy(out, k, 32);
    return 0;
}

static int
open_r56(const struct pdfcrypt_params *pp, struct pdfcrypt *c)
{
    uint8_t h[32], iv[16] = {0};
    int n;

    if (pp->ulen < 48 || pp->uelen < 32)
        return -1;
    if (pp->r == 5) {
        const uint8_t *q[1] = {pp->u + 32};
        size_t ql[1] = {8};
        if (digest(EVP_sha256(), q, ql, 1, h))
            return -1;
    } else if (hash_r6(pp->u + 32, NULL, 0, h)) {
        return -1;
    }
    if (memcmp(h, pp->u, 32) != 0)
        return -1;
    if (pp->r == 5) {
        const uint8_t *q[1] = {pp->u + 40};
        size_t ql[1] = {8};
        if (digest(EVP_sha256(), q, ql, 1, h))
            return -1;
    } else if (hash_r6(pp->u + 40, NULL, 0, h)) {
        return -1;
    }
    n = aes_cbc(256, 0, h, iv, pp->ue, 32, c->key, 0);
    if (n != 32)
        return -1;
    c->keylen = 32;
    c->method = PDFC_AESV3;
    return 0;
}

int
pdfcrypt_open(const struct pdfcrypt_params *pp, struct pdfcrypt *c)
{
    memset(c, 0, sizeof(*c));
    if (pp->v >= 4 && pp->cfm == PDFC_IDENTITY) {
        c->method = PDFC_IDENTITY;
        return 0;
    }
    if (pp->r >= 2 && pp->r <= 4)
        return open_r234(pp, c);
    if (pp->r == 5 || pp->r == 6)
        return open_r56(pp, c);
    return -1;
}

int
pdfcrypt_decrypt(const struct pdfcrypt *c, uint32_t num, uint32_t gen, const uint8_t *in,
                 size_t n, struct sink *out)
{
    uint8_t k[16 + 5 + 4], ok[16];
    const uint8_t *key = ok;
    size_t klen;
    uint8_t *buf;
    int r;

    if (c->method == PDFC_IDENTITY)
        return sink_write(out, in, n) ? DEC_FULL : DEC_END;
    if (c->method == PDFC_AESV3) {
        key = c->key;
        klen = 32;
    } else {
        size_t m = c->keylen;
        const uint8_t *q[1] = {k};
        size_t ql[1];
        memcpy(k, c->key, m);
        k[m] = (uint8_t)num;
        k[m + 1] = (uint8_t)(num >> 8);
        k[m + 2] = (uint8_t)(num >> 16);
        k[m + 3] = (uint8_t)gen;
        k[m + 4] = (uint8_t)(gen >> 8);
        ql[0] = m + 5;
        if (c->method == PDFC_AESV2) {
            memcpy(k + m + 5, "sAlT", 4);
            ql[0] += 4;
        }
        if (digest(EVP_md5(), q, ql, 1, ok))
            return DEC_BAD;
        klen = m + 5 < 16 ? m + 5 : 16;
    }
    if (c->method == PDFC_RC4) {
        size_t room = sink_room(out, n);
        size_t take = n < room ? n : room;
        if (take)
            rc4(key, klen, in, take, out->p + out->len);
        out->len += take;
        if (take < n) {
            if (!out->nomem)
                out->over = 1;
            return out->nomem ? DEC_NOMEM : DEC_FULL;
        }
        return DEC_END;
    }
    /* AES: a 16-byte IV, then whole blocks with PKCS#5 padding */
    if (n < 32 || (n - 16) % 16 != 0)
        return DEC_BAD;
    if ((buf = malloc(n)) == NULL)
        return DEC_NOMEM;
    r = aes_cbc(c->method == PDFC_AESV3 ? 256 : 128, 0, key, in, in + 16, n - 16, buf, 1);
    if (r < 0)
        r = aes_cbc(c->method == PDFC_AESV3 ? 256 : 128, 0, key, in, in + 16, n - 16, buf, 0);
    if (r < 0) {
        free(buf);
        return DEC_BAD;
    }
    r = sink_write(out, buf, (size_t)r) ? (out->nomem ? DEC_NOMEM : DEC_FULL) : DEC_END;
    free(buf);
    return r;
}
