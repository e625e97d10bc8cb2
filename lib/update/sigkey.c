/*
 * sigkey.c - Ed25519 key generation, files, signing and verification.
 */
#include "update/sigkey.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "core/err.h"
#include "update/file.h"
#include "update/lines.h"

vg_status
sigkey_generate(EVP_PKEY **out, vg_err *err)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    vg_status st = VG_OK;

    *out = NULL;
    if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_keygen(ctx, out) <= 0)
        st = err_set(err, VG_EINTERNAL, "Ed25519 key generation failed");
    EVP_PKEY_CTX_free(ctx);
    return st;
}

vg_status
sigkey_public(const EVP_PKEY *key, uint8_t pub[SIGKEY_PUB])
{
    size_t n = SIGKEY_PUB;

    if (EVP_PKEY_get_raw_public_key(key, pub, &n) != 1 || n != SIGKEY_PUB)
        return VG_EINVAL;
    return VG_OK;
}

void
sigkey_id(const uint8_t pub[SIGKEY_PUB], uint8_t id[SIGKEY_ID])
{
    unsigned int n = 0;

    EVP_Digest(pub, SIGKEY_PUB, id, &n, EVP_sha256(), NULL);
}

vg_status
sigkey_write(const EVP_PKEY *key, const char *priv_path, const char *pub_path, vg_err *err)
{
    uint8_t pub[SIGKEY_PUB];
    char hex[2 * SIGKEY_PUB + 1], line[128];
    FILE *f = NULL;
    int fd, n;
    vg_status st = VG_OK;

    if (sigkey_public(key, pub) != VG_OK)
        return err_set(err, VG_EINVAL, "not an Ed25519 key");
    if ((fd = open(priv_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
        return err_set(err, err_from_errno(errno), "%s: %s", priv_path, strerror(errno));
    if ((f = fdopen(fd, "w")) == NULL) {
        close(fd);
        return err_set(err, VG_ENOMEM, "%s: %s", priv_path, strerror(errno));
    }
    if (PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) != 1 || fflush(f) != 0 || fsync(fileno(f)) != 0)
        st = err_set(err, VG_EIO, "%s: cannot write the private key", priv_path);
    if (fclose(f) != 0 && st == VG_OK)
        st = err_set(err, VG_EIO, "%s: cannot write the private key", priv_path);
    if (st != VG_OK) {
        unlink(priv_path);
        return st;
    }
    lines_tohex(pub, SIGKEY_PUB, hex);
    n = snprintf(line, sizeof(line), "vigil-ed25519 %s\n", hex);
    if ((fd = open(pub_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
        return err_set(err, err_from_errno(errno), "%s: %s", pub_path, strerror(errno));
    if (file_write_all(fd, line, (size_t)n) != VG_OK || fsync(fd) != 0)
        st = err_set(err, VG_EIO, "%s: cannot write the public key", pub_path);
    close(fd);
    return st;
}

vg_status
sigkey_load_private(const char *path, EVP_PKEY **out, vg_err *err)
{
    FILE *f = fopen(path, "r");

    *out = NULL;
    if (f == NULL)
        return err_set(err, err_from_errno(errno), "%s: %s", path, strerror(errno));
    *out = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (*out == NULL || EVP_PKEY_get_id(*out) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(*out);
        *out = NULL;
        return err_set(err, VG_EFORMAT, "%s: not an Ed25519 private key (PEM)", path);
    }
    return VG_OK;
}

vg_status
sigkey_load_public(const char *path, uint8_t pub[SIGKEY_PUB], vg_err *err)
{
    uint8_t *data = NULL;
    size_t len;
    struct lines l;
    struct fields fl;
    vg_status st;

    if ((st = file_read(path, 64 * 1024, &data, &len, err)) != VG_OK)
        return st;
    if (len > 11 && memcmp(data, "-----BEGIN ", 11) == 0) {
        EVP_PKEY *key = NULL;

        free(data);
        if ((st = sigkey_load_private(path, &key, err)) != VG_OK)
            return st;
        st = sigkey_public(key, pub);
        EVP_PKEY_free(key);
        return st;
    }
    lines_init(&l, data, len, path);
    if ((st = lines_next(&l, &fl, err)) == VG_OK &&
        (fl.count != 2 || !lines_is(&fl, 0, "vigil-ed25519") || lines_hex(&fl, 1, pub, SIGKEY_PUB) != 0))
        st = lines_error(&l, err, "expected 'vigil-ed25519 <64 hex digits>'");
    else if (st == VG_ENOENT)
        st = err_set(err, VG_EFORMAT, "%s: empty public key file", path);
    free(data);
    return st;
}

vg_status
sigkey_sign(EVP_PKEY *key, const void *msg, size_t len, uint8_t sig[SIGKEY_SIG], vg_err *err)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t n = SIGKEY_SIG;
    vg_status st = VG_OK;

    if (md == NULL || EVP_DigestSignInit(md, NULL, NULL, NULL, key) != 1 ||
        EVP_DigestSign(md, sig, &n, msg, len) != 1 || n != SIGKEY_SIG)
        st = err_set(err, VG_EINTERNAL, "Ed25519 signing failed");
    EVP_MD_CTX_free(md);
    return st;
}

int
sigkey_verify(const uint8_t pub[SIGKEY_PUB], const void *msg, size_t len, const uint8_t sig[SIGKEY_SIG])
{
    EVP_PKEY *key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, SIGKEY_PUB);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = 0;

    if (key && md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, key) == 1)
        ok = EVP_DigestVerify(md, sig, SIGKEY_SIG, msg, len) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    return ok;
}
