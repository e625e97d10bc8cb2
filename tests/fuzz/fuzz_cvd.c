/*
 * fuzz_cvd.c - the ClamAV container readers: header, tar (plain and gzip),
 * .info, .sign, the DER walk over a .sign's PKCS#7, and a whole unsigned
 * (.cud) load, which runs the tar, .info and member checks without needing
 * a valid signature.
 *
 * The first byte selects the reader; the rest is its input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "update/clamsign.h"
#include "update/cvd.h"
#include "update/info.h"
#include "update/tar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static vg_status
count(void *ctx, const char *name, const uint8_t *d, size_t len)
{
    size_t *n = ctx;

    (void)name;
    if (len)
        *n += d[0] + d[len - 1];
    return VG_OK;
}

static vg_status
sign_line(void *ctx, const struct clamsign_line *l, vg_err *err)
{
    size_t *n = ctx;

    (void)err;
    *n += l->derlen + strlen(l->type);
    return VG_OK;
}

static void
walk_tar(const uint8_t *d, size_t len, int gz)
{
    struct tar_reader t;
    struct tar_entry e;
    vg_err err;
    int end = 0;

    if (tar_open(&t, d, len, gz, 1u << 24) != VG_OK)
        return;
    for (int i = 0; i < 64 && tar_next(&t, &e, &end, &err) == VG_OK && !end; i++) {
        uint8_t *buf;

        if (e.size > (1u << 20) || (i & 1))
            continue; /* skipped: tar_next skips the data */
        if ((buf = malloc((size_t)e.size + 1)) == NULL)
            break;
        tar_read(&t, &e, buf, &err);
        free(buf);
    }
    tar_close(&t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vg_err err;
    size_t n = 0;

    if (size < 1)
        return 0;
    switch (data[0] % 7) {
    case 0: {
        struct cvd_header h;

        cvd_parse_header(data + 1, size - 1, &h, &err);
        break;
    }
    case 1:
        walk_tar(data + 1, size - 1, 0);
        break;
    case 2:
        walk_tar(data + 1, size - 1, 1);
        break;
    case 3: {
        struct info inf;

        if (info_parse(data + 1, size - 1, 0, &inf, &err) == VG_OK)
            info_free(&inf);
        break;
    }
    case 4:
        clamsign_parse(data + 1, size - 1, sign_line, &n, &err);
        break;
    case 5:
        cvd_load(data + 1, size - 1, "fuzz.cud", NULL, 0, NULL, count, &n, NULL, &err);
        break;
    default:
        n = (size_t)clamsign_fixed_fields(data + 1, size - 1);
        break;
    }
    return 0;
}
