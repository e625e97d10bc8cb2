/*
 * sigkey.h - Ed25519 keys for vigil's repositories (OpenSSL).
 *
 * A private key lives in a PEM (PKCS#8) file readable only by its owner; a
 * public key is 32 raw bytes, written as "vigil-ed25519 <64 hex>\n" in a
 * .pub file and in root documents. A key's id is the SHA-256 of its public
 * key.
 */
#ifndef VG_UPDATE_SIGKEY_H
#define VG_UPDATE_SIGKEY_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <vigil/vigil.h>

#define SIGKEY_PUB 32
#define SIGKEY_SIG 64
#define SIGKEY_ID 32

/* A new key pair; free with EVP_PKEY_free. */
vg_status sigkey_generate(EVP_PKEY **out, vg_err *err);

/* Write the private key (mode 0600, refusing to overwrite) and the public
 * key file. */
vg_status sigkey_write(const EVP_PKEY *key, const char *priv_path, const char *pub_path, vg_err *err);

/* Read a private key file (PEM Ed25519). */
vg_status sigkey_load_private(const char *path, EVP_PKEY **out, vg_err *err);

/* Read a public key: a .pub file, or a private key file. */
vg_status sigkey_load_public(const char *path, uint8_t pub[SIGKEY_PUB], vg_err *err);

/* The raw public key of a key pair. */
vg_status sigkey_public(const EVP_PKEY *key, uint8_t pub[SIGKEY_PUB]);

/* Key id: SHA-256 of the public key. */
void sigkey_id(const uint8_t pub[SIGKEY_PUB], uint8_t id[SIGKEY_ID]);

vg_status sigkey_sign(EVP_PKEY *key, const void *msg, size_t len, uint8_t sig[SIGKEY_SIG], vg_err *err);

/* 1 when sig is pub's signature of msg. */
int sigkey_verify(const uint8_t pub[SIGKEY_PUB], const void *msg, size_t len, const uint8_t sig[SIGKEY_SIG]);

#endif
