/*
 * db_keygen.c - `vigil db keygen NAME`: a new Ed25519 signing key for a
 * repository, as NAME.key (PEM, mode 0600) and NAME.pub.
 */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "db_cmds.h"
#include "update/lines.h"
#include "update/sigkey.h"

int
db_keygen_main(int argc, char **argv)
{
    char priv[4096], pub[4096], id[2 * SIGKEY_ID + 1];
    uint8_t raw[SIGKEY_PUB], kid[SIGKEY_ID];
    EVP_PKEY *key = NULL;
    vg_err err = {{0}};
    int rc = 2;

    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: vigil db keygen NAME    (writes NAME.key and NAME.pub)\n");
        return 2;
    }
    if ((size_t)snprintf(priv, sizeof(priv), "%s.key", argv[1]) >= sizeof(priv) ||
        (size_t)snprintf(pub, sizeof(pub), "%s.pub", argv[1]) >= sizeof(pub)) {
        fprintf(stderr, "vigil db keygen: name too long\n");
        return 2;
    }
    if (sigkey_generate(&key, &err) != VG_OK || sigkey_write(key, priv, pub, &err) != VG_OK) {
        fprintf(stderr, "vigil db keygen: %s\n", err.msg);
        goto out;
    }
    sigkey_public(key, raw);
    sigkey_id(raw, kid);
    lines_tohex(kid, SIGKEY_ID, id);
    printf("%s\n%s\nkey id %s\n", priv, pub, id);
    rc = 0;
out:
    EVP_PKEY_free(key);
    return rc;
}
