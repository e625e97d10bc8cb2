/*
 * test_image.c - database images: write, reopen, reject every kind of
 * damage with a clear error, rebuild Hyperscan for another CPU (and take
 * it from the cache the second time), verified-image stamps, shards.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "db/compile.h"
#include "db/db.h"
#include "db/image.h"
#include "db/loader.h"
#include "db/shard.h"
#include "t.h"

static char dir[256];

static const char eicar[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

static void
write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    T_CHECK(f != NULL);
    if (f) {
        T_EQ_INT(fwrite(p, 1, n, f), n);
        fclose(f);
    }
}

static uint8_t *
read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    uint8_t *p;

    if (f == NULL || fstat(fileno(f), &st) != 0)
        return NULL;
    p = malloc((size_t)st.st_size + 1);
    *n = fread(p, 1, (size_t)st.st_size, f);
    fclose(f);
    return p;
}

/* Compile sigs (as file fname) into dir/name; returns its path. */
static const char *
make_image(const char *name, const char *shard, const char *fname, const char *sigs)
{
    static char path[512];
    char src[512];
    const char *srcs[1];
    vg_err err;

    snprintf(src, sizeof(src), "%s/%s", dir, fname);
    write_file(src, sigs, strlen(sigs));
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    srcs[0] = src;
    T_EQ_INT(vg_db_compile(srcs, 1, 0, shard, path, &err), VG_OK);
    unlink(src);
    return path;
}

static int
scan_detects(const char *dbpath, const void *data, size_t len, const char *want)
{
    vg_db *db = NULL;
    vg_scanner *sc = NULL;
    const vg_result *r;
    vg_err err;
    int found = 0;
    const char *paths[1] = {dbpath};

    if (vg_db_load(paths, 1, 0, &db, &err) != VG_OK) {
        fprintf(stderr, "load %s: %s\n", dbpath, err.msg);
        return -1;
    }
    if (vg_scanner_new(db, NULL, &sc) == VG_OK && vg_scan_mem(sc, data, len, &r) == VG_OK)
        found = r->infected && (want == NULL || strcmp(r->matches[0].name, want) == 0);
    vg_scanner_free(sc);
    vg_db_free(db);
    return found;
}

static void
roundtrip(void)
{
    const char *img = make_image("a.vgdb", "main", "a.ndb", "T.Eicar:0:*:58354f2150254041505b345c505a58353428505e29\n");
    struct shard *s = NULL;
    vg_err err;

    T_EQ_INT(shard_open_file(img, SHARD_VERIFY_ALWAYS, &s, &err), VG_OK);
    if (s) {
        T_EQ_STR(s->hdr->shard, "main");
        T_EQ_INT(s->hdr->counts.body_sigs, 1);
        T_EQ_INT(s->recompiled, 0);
    }
    shard_free(s);
    T_EQ_INT(scan_detects(img, eicar, sizeof(eicar) - 1, "T.Eicar.UNOFFICIAL"), 1);
    T_EQ_INT(scan_detects(img, "harmless text here", 18, NULL), 0);
}

/* Each damaged copy must be refused with VG_OK never returned. */
static void
damage(void)
{
    const char *img = make_image("d.vgdb", "main", "d.ndb", "T.D:0:*:58354f2150254041505b345c505a58353428505e29\n");
    size_t n, cuts[] = {0, 1, 7, 8, sizeof(struct img_header) - 1, sizeof(struct img_header), 0, 0};
    uint8_t *orig = read_file(img, &n);
    char bad[512];
    struct shard *s;
    vg_err err;

    T_CHECK(orig != NULL && n > sizeof(struct img_header));
    if (orig == NULL)
        return;
    snprintf(bad, sizeof(bad), "%s/bad.vgdb", dir);
    cuts[6] = n / 2;
    cuts[7] = n - 1;
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        write_file(bad, orig, cuts[i]);
        s = NULL;
        T_CHECK(shard_open_file(bad, SHARD_VERIFY_ALWAYS, &s, &err) != VG_OK);
        T_CHECK(strstr(err.msg, "bad.vgdb") != NULL);
        shard_free(s);
    }
    /* magic */
    {
        uint8_t *c = malloc(n);
        memcpy(c, orig, n);
        c[0] ^= 0xff;
        write_file(bad, c, n);
        T_EQ_INT(shard_open_file(bad, 0, &s, &err), VG_EFORMAT);
        T_CHECK(strstr(err.msg, "not a vigil database image") != NULL);
        /* version */
        memcpy(c, orig, n);
        ((struct img_header *)c)->version = IMG_VERSION + 1;
        write_file(bad, c, n);
        T_EQ_INT(shard_open_file(bad, 0, &s, &err), VG_EVERSION);
        /* one flipped byte in the body: caught by the digest */
        memcpy(c, orig, n);
        c[n - 9] ^= 0x01;
        write_file(bad, c, n);
        T_EQ_INT(shard_open_file(bad, SHARD_VERIFY_DIGEST, &s, &err), VG_EFORMAT);
        T_CHECK(strstr(err.msg, "digest") != NULL);
        /* a section pointing outside the file: caught by validation even unverified */
        memcpy(c, orig, n);
        ((struct img_header *)c)->sec[1].off = n * 4;
        write_file(bad, c, n);
        T_EQ_INT(shard_open_file(bad, 0, &s, &err), VG_EFORMAT);
        T_CHECK(strstr(err.msg, "corrupt database image") != NULL);
        /* a pattern program index out of range */
        memcpy(c, orig, n);
        for (uint32_t k = 0; k < ((struct img_header *)c)->nsections; k++) {
            struct img_secent *e = &((struct img_header *)c)->sec[k];
            if (e->kind == SEC_PARTS && e->count > 0)
                ((struct img_part *)(c + e->off))->code = 0x7fffffff;
        }
        write_file(bad, c, n);
        T_EQ_INT(shard_open_file(bad, 0, &s, &err), VG_EFORMAT);
        free(c);
    }
    unlink(bad);
    free(orig);
}

/* An image built for a CPU with features this one lacks is rebuilt, and the
 * rebuilt Hyperscan database is taken from the cache the next time. */
static void
other_cpu(void)
{
    const char *img = make_image("cpu.vgdb", "main", "c.ndb", "T.Cpu:0:*:58354f2150254041505b345c505a58353428505e29\n");
    size_t n;
    uint8_t *c = read_file(img, &n);
    struct shard *s = NULL;
    vg_err err;

    T_CHECK(c != NULL);
    if (c == NULL)
        return;
    ((struct img_header *)c)->hs_cpu_features = ~(uint64_t)0;
    write_file(img, c, n);
    free(c);
    T_EQ_INT(shard_open_file(img, SHARD_VERIFY_DIGEST, &s, &err), VG_OK);
    T_EQ_INT(s ? s->recompiled : -1, 1);
    shard_free(s);
    s = NULL;
    T_EQ_INT(shard_open_file(img, SHARD_VERIFY_DIGEST, &s, &err), VG_OK);
    T_EQ_INT(s ? s->recompiled : -1, 2);
    shard_free(s);
    T_EQ_INT(scan_detects(img, eicar, sizeof(eicar) - 1, "T.Cpu.UNOFFICIAL"), 1);
}

/* A daily shard's .ign2 retires a name of the main shard; its .fp allows a
 * file the main shard detects. */
static void
shards(void)
{
    char both[512], p1[600];
    uint8_t junk[64];
    const char *img;

    snprintf(both, sizeof(both), "%s/both", dir);
    mkdir(both, 0700);
    img = make_image("both/main.vgdb", "main", "m.hdb",
                     "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n");
    (void)img;
    make_image("both/daily.vgdb", "daily", "d.ndb", "T.Junk:0:*:6a756e6b6a756e6b\n");
    T_EQ_INT(scan_detects(both, eicar, sizeof(eicar) - 1, "Eicar-Test-Signature.UNOFFICIAL"), 1);
    memset(junk, 'x', sizeof(junk));
    memcpy(junk + 10, "junkjunk", 8);
    T_EQ_INT(scan_detects(both, junk, sizeof(junk), "T.Junk.UNOFFICIAL"), 1);
    /* now a daily that ignores the main shard's name */
    make_image("both/daily.vgdb", "daily", "d.ign2", "Eicar-Test-Signature\n");
    T_EQ_INT(scan_detects(both, eicar, sizeof(eicar) - 1, NULL), 0);
    /* and one whose allow list covers the EICAR file */
    make_image("both/daily.vgdb", "daily", "d.fp", "44d88612fea8a8f36de82e1278abb02f:68:Allowed\n");
    T_EQ_INT(scan_detects(both, eicar, sizeof(eicar) - 1, NULL), 0);
    snprintf(p1, sizeof(p1), "%s/main.vgdb", both);
    unlink(p1);
    snprintf(p1, sizeof(p1), "%s/daily.vgdb", both);
    unlink(p1);
    rmdir(both);
}

int
main(void)
{
    char cache[300];

    snprintf(dir, sizeof(dir), "/tmp/vg-test-image-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return 1;
    /* a private cache, so the test sees its own stamps only */
    snprintf(cache, sizeof(cache), "%s/cache", dir);
    setenv("VIGIL_CACHE_DIR", cache, 1);
    T_RUN(roundtrip);
    T_RUN(damage);
    T_RUN(other_cpu);
    T_RUN(shards);
    {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "cleanup of %s failed\n", dir);
    }
    T_DONE();
}
