/*
 * test_cdiff.c - ClamAV incremental updates: the signed test chain
 * test-1.cvd + test-2..6.cdiff gives exactly test-6.cvd's files, with and
 * without the detached .sign files; tampered cdiffs are rejected; the
 * script commands follow ClamAV's rules and refuse unsafe names.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "core/buf.h"
#include "update/cdiff.h"
#include "update/cvd.h"
#include "update/dbset.h"
#include "update/file.h"

static char dir[2048], test_ca[4096];

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

static void
unpack(const char *name, struct dbset *db)
{
    size_t len;
    uint8_t *b = load(name, &len);
    vg_err err = {{0}};

    dbset_init(db, DBSET_DEFAULT_LIMIT);
    if (cvd_unpack(b, len, name, NULL, 0, NULL, db, NULL, &err) != VG_OK) {
        fprintf(stderr, "%s\n", err.msg);
        exit(2);
    }
    free(b);
}

/* Same files, same bytes (order aside). */
static int
same_set(struct dbset *a, struct dbset *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        struct dbfile *f = dbset_find(b, a->files[i].name);

        if (f == NULL || f->len != a->files[i].len || memcmp(f->data, a->files[i].data, f->len) != 0) {
            fprintf(stderr, "differs: %s\n", a->files[i].name);
            return 0;
        }
    }
    return 1;
}

static vg_status
apply(struct dbset *db, int v, int with_sign, vg_err *err)
{
    char name[64], sname[64];
    size_t len, slen = 0;
    uint8_t *b, *sg = NULL;
    vg_status st;

    snprintf(name, sizeof(name), "test-%d.cdiff", v);
    snprintf(sname, sizeof(sname), "test-%d.cdiff.sign", v);
    b = load(name, &len);
    if (with_sign)
        sg = load(sname, &slen);
    st = cdiff_apply(db, b, len, sg, slen, test_ca, name, err);
    free(b);
    free(sg);
    return st;
}

static void
chain_gives_test6(void)
{
    for (int with_sign = 0; with_sign <= 1; with_sign++) {
        struct dbset db, want;
        struct buf cld = {0};
        struct cvd_header h;
        vg_err err = {{0}};

        unpack("test-1.cvd", &db);
        unpack("test-6.cvd", &want);
        for (int v = 2; v <= 6; v++) {
            vg_status st = apply(&db, v, with_sign, &err);

            if (st != VG_OK)
                fprintf(stderr, "%s\n", err.msg);
            T_EQ_INT(st, VG_OK);
        }
        T_CHECK(same_set(&db, &want));
        /* The rebuilt .cld verifies through its .info and says version 6. */
        T_EQ_INT(cvd_build_cld(&db, &cld, &err), VG_OK);
        {
            struct dbset back;

            dbset_init(&back, DBSET_DEFAULT_LIMIT);
            T_EQ_INT(cvd_unpack(cld.p, cld.len, "test.cld", NULL, 0, NULL, &back, &h, &err), VG_OK);
            T_EQ_INT(h.version, 6);
            T_CHECK(same_set(&back, &want));
            dbset_free(&back);
        }
        buf_free(&cld);
        dbset_free(&db);
        dbset_free(&want);
    }
}

static void
out_of_order_rejected(void)
{
    struct dbset db;
    vg_err err = {{0}};

    unpack("test-1.cvd", &db);
    T_EQ_INT(apply(&db, 3, 0, &err), VG_EFORMAT);
    T_CHECK(strstr(err.msg, "version 3, but the database is version 1") != NULL);
    dbset_free(&db);
}

/* ClamAV's own check: test-3's script does not apply to test-1. */
static void
wrong_base_pattern_mismatch(void)
{
    struct dbset db;
    struct cdiff_header h;
    struct buf script = {0};
    size_t len;
    uint8_t *b = load("test-3.cdiff", &len);
    vg_err err = {{0}};

    unpack("test-1.cvd", &db);
    T_EQ_INT(cdiff_parse(b, len, &h, &err), VG_OK);
    T_EQ_INT(h.version, 3);
    T_EQ_INT(cdiff_script(b, len, &h, &script, &err), VG_OK);
    T_EQ_INT(script.len, h.script_len);
    T_EQ_INT(cdiff_run(&db, script.p, script.len, &err), VG_EFORMAT);
    T_CHECK(strstr(err.msg, "pattern does not match") != NULL);
    buf_free(&script);
    dbset_free(&db);
    free(b);
}

/* Every bit of test-2.cdiff (and a spread of test-2.cdiff.sign), flipped. */
static void
flipped_bits_rejected(void)
{
    size_t len, slen, bad = 0, tried = 0;
    uint8_t *b = load("test-2.cdiff", &len), *sg = load("test-2.cdiff.sign", &slen);
    vg_err err = {{0}};

    for (size_t off = 0; off < len; off++) {
        for (int bit = 0; bit < 8; bit++) {
            b[off] ^= (uint8_t)(1u << bit);
            tried++;
            if (cdiff_verify(b, len, NULL, 0, test_ca, "test-2.cdiff", &err) == VG_OK ||
                cdiff_verify(b, len, sg, slen, test_ca, "test-2.cdiff", &err) == VG_OK) {
                if (bad++ < 5)
                    fprintf(stderr, "accepted: bit %d of byte %zu\n", bit, off);
            }
            b[off] ^= (uint8_t)(1u << bit);
        }
    }
    T_EQ_INT(bad, 0);
    T_EQ_INT(tried, len * 8);
    T_EQ_INT(cdiff_verify(b, len, sg, slen, test_ca, "test-2.cdiff", &err), VG_OK);
    for (size_t off = strstr((char *)sg, "pem:") - (char *)sg + 4; off + 1 < slen; off += 11) {
        sg[off] ^= 4;
        if (cdiff_verify(b, len, sg, slen, test_ca, "test-2.cdiff", &err) == VG_OK && bad++ < 5)
            fprintf(stderr, "accepted: .sign byte %zu\n", off);
        sg[off] ^= 4;
    }
    T_EQ_INT(bad, 0);
    free(b);
    free(sg);
}

static vg_status
run(struct dbset *db, const char *script, vg_err *err)
{
    return cdiff_run(db, (const uint8_t *)script, strlen(script), err);
}

static void
put(struct dbset *db, const char *name, const char *text)
{
    T_EQ_INT(dbset_put(db, name, (const uint8_t *)text, strlen(text), NULL), VG_OK);
}

static int
is(struct dbset *db, const char *name, const char *text)
{
    struct dbfile *f = dbset_find(db, name);

    if (f == NULL || f->len != strlen(text) || memcmp(f->data, text, f->len) != 0) {
        fprintf(stderr, "%s is \"%.*s\"\n", name, f ? (int)f->len : 0, f ? (const char *)f->data : "");
        return 0;
    }
    return 1;
}

static void
script_commands(void)
{
    struct dbset db;
    vg_err err = {{0}};

    dbset_init(&db, 1 << 20);
    put(&db, "a.ndb", "one\ntwo\nthree\nfour\n");
    put(&db, "b.ndb", "x\n");
    /* Line numbers refer to the file as opened; ADDs go at the end. */
    T_EQ_INT(run(&db, "# comment\nOPEN a.ndb\nDEL 2 tw\nXCHG 3 thr 3 new\nADD five\nADD six six\nCLOSE\n", &err),
             VG_OK);
    T_CHECK(is(&db, "a.ndb", "one\n3 new\nfour\nfive\nsix six\n"));
    /* The later of two edits of one line wins; a prefix is one word. */
    T_EQ_INT(run(&db, "OPEN a.ndb\nDEL 1 on\nXCHG 1 one uno\nCLOSE\n", &err), VG_OK);
    T_CHECK(is(&db, "a.ndb", "uno\n3 new\nfour\nfive\nsix six\n"));
    /* MOVE lines 2..3 of a.ndb to the end of b.ndb. */
    T_EQ_INT(run(&db, "MOVE a.ndb b.ndb 2 3 3 fo\n", &err), VG_OK);
    T_CHECK(is(&db, "a.ndb", "uno\nfive\nsix six\n"));
    T_CHECK(is(&db, "b.ndb", "x\n3 new\nfour\n"));
    /* A new file through ADD; UNLINK. */
    T_EQ_INT(run(&db, "OPEN c.ldb\nADD z\nCLOSE\nUNLINK b.ndb\n", &err), VG_OK);
    T_CHECK(is(&db, "c.ldb", "z\n"));
    T_CHECK(dbset_find(&db, "b.ndb") == NULL);
    /* A last line without a newline: ADD keeps it as it is (as ClamAV). */
    T_EQ_INT(run(&db, "OPEN c.ldb\nADD w\nCLOSE", &err), VG_OK);
    T_CHECK(is(&db, "c.ldb", "z\nw\n"));
    dbset_free(&db);
}

static void
script_errors(void)
{
    static const struct {
        const char *script, *msg;
    } cases[] = {
        {"OPEN a.ndb\nDEL 2 xx\nCLOSE\n", "pattern does not match"},
        {"OPEN a.ndb\nXCHG 9 one 1\nCLOSE\n", "not all edits"},
        {"OPEN a.ndb\nDEL 0 one\nCLOSE\n", "not all edits"},
        {"OPEN ../etc/passwd\nCLOSE\n", "invalid database name"},
        {"OPEN a/b\nCLOSE\n", "invalid database name"},
        {"OPEN ..\nCLOSE\n", "invalid database name"},
        {"OPEN .\nCLOSE\n", "invalid database name"},
        {"UNLINK ../a.ndb\n", "invalid database name"},
        {"UNLINK nosuch.ndb\n", "no such file"},
        {"MOVE ../a.ndb b.ndb 1 o 1 o\n", "invalid database name"},
        {"MOVE a.ndb a.ndb 1 o 2 t\n", "within one file"},
        {"MOVE a.ndb nosuch 1 o 2 t\n", "destination does not exist"},
        {"MOVE a.ndb b.ndb 1 o 9 t\n", "range not found"},
        {"OPEN a.ndb\nOPEN b.ndb\n", "not closed"},
        {"OPEN a.ndb\nADD x\n", "still open"},
        {"ADD x\n", "no database open"},
        {"DEL 1 one\n", "no database open"},
        {"CLOSE\n", "no database open"},
        {"OPEN a.ndb\nMOVE a.ndb b.ndb 1 o 2 t\n", "closed before MOVE"},
        {"OPEN a.ndb\nUNLINK a.ndb\n", "still open"},
        {"FROB x\n", "unknown command"},
        {"\n", "unknown command"},
        {"OPEN a.ndb\nDEL x one\nCLOSE\n", "invalid line number"},
        {"OPEN a.ndb\nXCHG 1 one\nCLOSE\n", "XCHG needs"},
        {"OPEN nonl.ndb\nDEL 1 a\nCLOSE\n", "no final newline"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct dbset db;
        vg_err err = {{0}};

        dbset_init(&db, 1 << 20);
        put(&db, "a.ndb", "one\ntwo\n");
        put(&db, "b.ndb", "x\n");
        put(&db, "nonl.ndb", "a");
        T_EQ_INT(run(&db, cases[i].script, &err), VG_EFORMAT);
        if (strstr(err.msg, cases[i].msg) == NULL)
            fprintf(stderr, "case %zu: got \"%s\", want \"%s\"\n", i, err.msg, cases[i].msg);
        T_CHECK(strstr(err.msg, cases[i].msg) != NULL);
        if (strstr(err.msg, "line ") == NULL && strstr(err.msg, "still open") == NULL)
            fprintf(stderr, "case %zu: no line in \"%s\"\n", i, err.msg);
        T_CHECK(strstr(err.msg, "line ") != NULL || strstr(err.msg, "still open") != NULL);
        dbset_free(&db);
    }
}

static void
size_limit(void)
{
    struct dbset db;
    vg_err err = {{0}};
    struct buf s = {0};

    dbset_init(&db, 64);
    put(&db, "a.ndb", "one\n");
    buf_printf(&s, "OPEN a.ndb\n");
    for (int i = 0; i < 40; i++)
        buf_printf(&s, "ADD 0123456789\n");
    buf_printf(&s, "CLOSE\n");
    T_EQ_INT(cdiff_run(&db, s.p, s.len, &err), VG_ELIMIT);
    buf_free(&s);
    dbset_free(&db);
}

/* The database as a directory on disk: read, edit, write back. */
static void
directory_roundtrip(void)
{
    char tmpl[] = "/tmp/vigil-cdiff-XXXXXX", path[256];
    struct dbset db, back;
    vg_err err = {{0}};

    T_CHECK(mkdtemp(tmpl) != NULL);
    unpack("test-1.cvd", &db);
    T_EQ_INT(dbset_write_dir(&db, tmpl, &err), VG_OK);
    dbset_init(&back, DBSET_DEFAULT_LIMIT);
    T_EQ_INT(dbset_read_dir(&back, tmpl, &err), VG_OK);
    T_CHECK(same_set(&db, &back));
    /* A symlink planted in the directory is refused, not followed. */
    snprintf(path, sizeof(path), "%s/evil.ndb", tmpl);
    T_EQ_INT(symlink("/etc/passwd", path), 0);
    dbset_free(&back);
    dbset_init(&back, DBSET_DEFAULT_LIMIT);
    T_CHECK(dbset_read_dir(&back, tmpl, &err) != VG_OK);
    unlink(path);
    for (size_t i = 0; i < db.n; i++) {
        snprintf(path, sizeof(path), "%s/%s", tmpl, db.files[i].name);
        unlink(path);
    }
    rmdir(tmpl);
    dbset_free(&back);
    dbset_free(&db);
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
    T_RUN(chain_gives_test6);
    T_RUN(out_of_order_rejected);
    T_RUN(wrong_base_pattern_mismatch);
    T_RUN(flipped_bits_rejected);
    T_RUN(script_commands);
    T_RUN(script_errors);
    T_RUN(size_limit);
    T_RUN(directory_roundtrip);
    T_DONE();
}
