/*
 * test_cvd.c - ClamAV containers: ClamAV's own signed test CVDs verify
 * (legacy dsig, detached .sign with the test CA, .info DSIG), unpack to the
 * expected members, and every one-bit change of a file is rejected.
 */
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "core/buf.h"
#include "update/cdiff.h"
#include "update/clamsign.h"
#include "update/cvd.h"
#include "update/dbset.h"
#include "update/file.h"

static char dir[2048], test_ca[4096], official_ca[4096];

static uint8_t *
load(const char *name, size_t *len)
{
    char path[8192];
    uint8_t *p = NULL;
    vg_err err = {{0}};

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (file_read(path, 64u << 20, &p, len, &err) != VG_OK) {
        fprintf(stderr, "%s\n", err.msg);
        exit(2);
    }
    return p;
}

struct seen {
    char names[64][101];
    size_t n, bytes;
};

static vg_status
collect(void *ctx, const char *name, const uint8_t *data, size_t len)
{
    struct seen *s = ctx;

    (void)data;
    if (s->n < 64)
        snprintf(s->names[s->n++], sizeof(s->names[0]), "%s", name);
    s->bytes += len;
    return VG_OK;
}

static void
header_parses(void)
{
    size_t len;
    uint8_t *b = load("test-1.cvd", &len);
    struct cvd_header h;
    vg_err err = {{0}};

    T_EQ_INT(cvd_parse_header(b, len, &h, &err), VG_OK);
    T_EQ_INT(h.version, 1);
    T_EQ_INT(h.nsigs, 0);
    T_EQ_INT(h.flevel, 81);
    T_EQ_INT(h.build_time, 1624388302);
    T_EQ_STR(h.builder, "micasnyd");
    T_EQ_STR(h.time_str, "22 Jun 2021 14-58 -0400");
    free(b);
}

static void
legacy_dsig_verifies(void)
{
    static const char *files[] = {"test-1.cvd", "test-2.cvd", "test-3.cvd", "test-4.cvd",
                                  "test-5.cvd", "test-6.cvd", "bytecode-unittest.cvd"};

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        size_t len;
        uint8_t *b = load(files[i], &len);
        struct cvd_header h;
        struct seen s = {0};
        vg_err err = {{0}};
        vg_status st = cvd_load(b, len, files[i], NULL, 0, NULL, collect, &s, &h, &err);

        if (st != VG_OK)
            fprintf(stderr, "%s: %s\n", files[i], err.msg);
        T_EQ_INT(st, VG_OK);
        T_EQ_INT(h.official, 1);
        T_CHECK(s.n > 0);
        for (size_t k = 0; k < s.n; k++)
            T_CHECK(strcmp(s.names[k], "COPYING") != 0 && strstr(s.names[k], ".info") == NULL);
        free(b);
    }
}

static void
members_of_test6(void)
{
    size_t len;
    uint8_t *b = load("test-6.cvd", &len);
    struct cvd_header h;
    struct seen s = {0};
    vg_err err = {{0}};

    T_EQ_INT(cvd_load(b, len, "test-6.cvd", NULL, 0, NULL, collect, &s, &h, &err), VG_OK);
    T_EQ_INT(s.n, 18);
    T_EQ_STR(s.names[0], "test.cfg");
    T_EQ_STR(s.names[1], "test.hdb");
    T_EQ_STR(h.name, "test");
    T_EQ_INT(h.version, 6);
    T_EQ_INT(h.nsigs, 14);
    free(b);
}

static void
detached_sign_verifies(void)
{
    for (int v = 1; v <= 6; v++) {
        char name[64], sname[64];
        size_t len, slen;
        uint8_t *b, *sg;
        struct seen s = {0};
        vg_err err = {{0}};
        vg_status st;

        snprintf(name, sizeof(name), "test-%d.cvd", v);
        snprintf(sname, sizeof(sname), "test-%d.cvd.sign", v);
        b = load(name, &len);
        sg = load(sname, &slen);
        st = clamsign_verify(b, len, sg, slen, test_ca, sname, NULL, 0, &err);
        if (st != VG_OK)
            fprintf(stderr, "%s\n", err.msg);
        T_EQ_INT(st, VG_OK);
        T_EQ_INT(cvd_load(b, len, name, sg, slen, test_ca, collect, &s, NULL, &err), VG_OK);
        /* The official CA did not sign the test files. */
        T_EQ_INT(cvd_load(b, len, name, sg, slen, official_ca, collect, &s, NULL, &err), VG_ESIGNATURE);
        T_CHECK(strstr(err.msg, "does not verify") != NULL);
        /* A directory of certificates works like a file. */
        T_EQ_INT(cvd_load(b, len, name, sg, slen, dir, collect, &s, NULL, &err), VG_OK);
        free(b);
        free(sg);
    }
}

static int
rejected(const uint8_t *b, size_t len, const char *name, const uint8_t *sg, size_t slen, vg_err *err)
{
    struct seen s = {0};

    return cvd_load(b, len, name, sg, slen, test_ca, collect, &s, NULL, err) != VG_OK;
}

/* Flip every bit of the header and a spread of bits of the body: with and
 * without the .sign, every change must be rejected. */
static void
flipped_bits_rejected(void)
{
    size_t len, slen, tried = 0, bad = 0;
    uint8_t *b = load("test-1.cvd", &len), *sg = load("test-1.cvd.sign", &slen);
    vg_err err = {{0}};

    for (size_t off = 0; off < len; off += off < CVD_HEADER_SIZE ? 1 : 97) {
        for (int bit = 0; bit < 8; bit++) {
            b[off] ^= (uint8_t)(1u << bit);
            tried++;
            if (!rejected(b, len, "test-1.cvd", NULL, 0, &err) || !rejected(b, len, "test-1.cvd", sg, slen, &err)) {
                if (bad++ < 5)
                    fprintf(stderr, "accepted with bit %d of byte %zu flipped\n", bit, off);
            }
            b[off] ^= (uint8_t)(1u << bit);
        }
    }
    T_EQ_INT(bad, 0);
    T_CHECK(tried > 4000);
    /* And the pristine file still loads. */
    T_CHECK(!rejected(b, len, "test-1.cvd", sg, slen, &err));
    free(b);
    free(sg);
}

/* Bits of the .sign payload (the base64 PKCS#7 after the "230::pkcs7-pem:"
 * prefix): every change must be rejected, not fall back. */
static void
flipped_sign_rejected(void)
{
    size_t len, slen, bad = 0, off0;
    uint8_t *b = load("test-2.cvd", &len), *sg = load("test-2.cvd.sign", &slen);
    vg_err err = {{0}};
    const char *p = strstr((const char *)sg, "pkcs7-pem:");

    T_CHECK(p != NULL);
    off0 = (size_t)(p - (const char *)sg) + 10;
    for (size_t off = off0; off + 1 < slen; off += 7) {
        for (int bit = 0; bit < 7; bit++) {
            sg[off] ^= (uint8_t)(1u << bit);
            if (!rejected(b, len, "test-2.cvd", sg, slen, &err) && bad++ < 5)
                fprintf(stderr, ".sign accepted with bit %d of byte %zu flipped\n", bit, off);
            sg[off] ^= (uint8_t)(1u << bit);
        }
    }
    T_EQ_INT(bad, 0);
    free(b);
    free(sg);
}

static void
sign_of_other_file_rejected(void)
{
    size_t len, slen;
    uint8_t *b = load("test-2.cvd", &len), *sg = load("test-3.cvd.sign", &slen);
    vg_err err = {{0}};

    T_CHECK(rejected(b, len, "test-2.cvd", sg, slen, &err));
    T_CHECK(strstr(err.msg, "test-2.cvd") != NULL);
    free(b);
    free(sg);
}

static void
cdiff_is_not_a_cvd(void)
{
    size_t len;
    uint8_t *b = load("test-2.cdiff", &len);
    vg_err err = {{0}};

    T_CHECK(rejected(b, len, "test-2.cdiff", NULL, 0, &err));
    free(b);
}

static void
cld_roundtrip(void)
{
    size_t len;
    uint8_t *b = load("test-6.cvd", &len);
    struct dbset db;
    struct buf cld = {0};
    struct seen s = {0};
    struct cvd_header h;
    vg_err err = {{0}};

    dbset_init(&db, DBSET_DEFAULT_LIMIT);
    T_EQ_INT(cvd_unpack(b, len, "test-6.cvd", NULL, 0, NULL, &db, NULL, &err), VG_OK);
    T_EQ_INT(db.n, 20);
    T_CHECK(dbset_find(&db, "COPYING") != NULL);
    T_EQ_INT(cvd_build_cld(&db, &cld, &err), VG_OK);
    T_EQ_INT(cvd_load(cld.p, cld.len, "test.cld", NULL, 0, NULL, collect, &s, &h, &err), VG_OK);
    T_EQ_INT(s.n, 18);
    T_EQ_INT(h.version, 6);
    /* A .cld relies on the .info: one changed signature byte is caught. */
    {
        struct dbfile *f = dbset_find(&db, "test.hdb");
        struct buf bad = {0};

        f->data[0] ^= 1;
        T_EQ_INT(cvd_build_cld(&db, &bad, &err), VG_OK);
        T_EQ_INT(cvd_load(bad.p, bad.len, "test.cld", NULL, 0, NULL, collect, &s, NULL, &err), VG_ESIGNATURE);
        T_CHECK(strstr(err.msg, "test.hdb") != NULL);
        buf_free(&bad);
    }
    buf_free(&cld);
    dbset_free(&db);
    free(b);
}

int
main(void)
{
    const char *shared = getenv("VG_SHARED");

    if (shared == NULL) {
        fprintf(stderr, "VG_SHARED is not set\n");
        return 2;
    }
    /* ClamAV's test CA expires in March 2027: judge the certificates at a
     * fixed date inside their validity (the update code's clock, see clock.h). */
    setenv("VIGIL_NOW", "1767225600", 1);
    snprintf(dir, sizeof(dir), "%s/data/clamav-test/cvd", shared);
    snprintf(test_ca, sizeof(test_ca), "%s/clamav-test.crt", dir);
    snprintf(official_ca, sizeof(official_ca), "%s/clamav-official.crt", dir);
    T_RUN(header_parses);
    T_RUN(legacy_dsig_verifies);
    T_RUN(members_of_test6);
    T_RUN(detached_sign_verifies);
    T_RUN(flipped_bits_rejected);
    T_RUN(flipped_sign_rejected);
    T_RUN(sign_of_other_file_rejected);
    T_RUN(cdiff_is_not_a_cvd);
    T_RUN(cld_roundtrip);
    T_DONE();
}
