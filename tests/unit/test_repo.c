/*
 * test_repo.c - vigil's signed repository documents and the client's checks:
 * threshold signatures, root rotation, manifest rollback/freeze/mix-and-match,
 * the release log's hash chain and fork detection, the client state files,
 * and the generation install/rollback on disk.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "core/buf.h"
#include "update/gen.h"
#include "update/install.h"
#include "update/manifest.h"
#include "update/repo.h"
#include "update/rlog.h"
#include "update/rootdoc.h"
#include "update/signdoc.h"
#include "update/tstate.h"

static EVP_PKEY *keys[5];

static void
make_root(struct rootdoc *r, uint64_t version, int64_t expires, uint32_t threshold, const int *which, size_t n)
{
    memset(r, 0, sizeof(*r));
    r->version = version;
    r->expires = expires;
    r->threshold = threshold;
    for (size_t i = 0; i < n; i++) {
        sigkey_public(keys[which[i]], r->keys[i].pub);
        sigkey_id(r->keys[i].pub, r->keys[i].id);
    }
    r->nkeys = n;
}

/* Sign r's body with the given keys into out. */
static void
sign_root(const struct rootdoc *r, const int *signers, size_t n, struct buf *out)
{
    struct buf body = {0};
    EVP_PKEY *k[5];

    for (size_t i = 0; i < n; i++)
        k[i] = keys[signers[i]];
    T_EQ_INT(rootdoc_format(r, &body), VG_OK);
    T_EQ_INT(signdoc_sign(body.p, body.len, k, n, out, NULL), VG_OK);
    buf_free(&body);
}

static void
roots_and_rotation(void)
{
    static const int k012[] = {0, 1, 2}, k123[] = {1, 2, 3}, s01[] = {0, 1}, s0[] = {0}, s013[] = {0, 1, 3},
                     s03[] = {0, 3}, s12[] = {1, 2};
    struct rootdoc r1, r2, got;
    struct buf b = {0};
    vg_err err = {{0}};

    make_root(&r1, 1, 2000, 2, k012, 3);
    sign_root(&r1, s01, 2, &b);
    T_EQ_INT(repo_load_root(b.p, b.len, "root", &got, &err), VG_OK);
    T_EQ_INT(got.version, 1);
    T_EQ_INT(got.nkeys, 3);
    buf_free(&b);
    /* One signature is not two. */
    sign_root(&r1, s0, 1, &b);
    T_EQ_INT(repo_load_root(b.p, b.len, "root", &got, &err), VG_ESIGNATURE);
    T_CHECK(strstr(err.msg, "1 valid signature") != NULL);
    buf_free(&b);
    /* Rotation to {1,2,3}: needs 2 of {0,1,2} and 2 of {1,2,3}. */
    make_root(&r2, 2, 3000, 2, k123, 3);
    sign_root(&r2, s013, 3, &b);
    T_EQ_INT(repo_next_root(&r1, b.p, b.len, &got, &err), VG_OK);
    buf_free(&b);
    sign_root(&r2, s03, 2, &b); /* one old signature too few */
    T_EQ_INT(repo_next_root(&r1, b.p, b.len, &got, &err), VG_ESIGNATURE);
    T_CHECK(strstr(err.msg, "trusted root version 1") != NULL);
    buf_free(&b);
    sign_root(&r2, s01, 2, &b); /* old keys only: the new root must vouch for itself too */
    T_EQ_INT(repo_next_root(&r1, b.p, b.len, &got, &err), VG_ESIGNATURE);
    T_CHECK(strstr(err.msg, "root version 2 itself") != NULL);
    buf_free(&b);
    /* A replayed root 1 is not root 2. */
    sign_root(&r1, s12, 2, &b);
    T_EQ_INT(repo_next_root(&r1, b.p, b.len, &got, &err), VG_ESIGNATURE);
    T_CHECK(strstr(err.msg, "replayed") != NULL);
    buf_free(&b);
    T_EQ_INT(repo_root_fresh(&r1, 1999, &err), VG_OK);
    T_EQ_INT(repo_root_fresh(&r1, 2000, &err), VG_ESIGNATURE);
}

static void
signdoc_rules(void)
{
    static const int k01[] = {0, 1}, s0[] = {0};
    struct rootdoc r;
    struct buf b = {0};
    struct signdoc d;
    vg_err err = {{0}};
    char *dup;

    make_root(&r, 1, 2000, 1, k01, 2);
    sign_root(&r, s0, 1, &b);
    /* The same signature twice is an error, not two signatures. */
    dup = malloc(b.len * 2 + 1);
    memcpy(dup, b.p, b.len);
    {
        const char *sig = strstr((char *)b.p, "sig ");
        size_t n = b.len - (size_t)(sig - (char *)b.p);

        memcpy(dup + b.len, sig, n);
        T_EQ_INT(signdoc_split((uint8_t *)dup, b.len + n, "x", &d, &err), VG_EFORMAT);
        T_CHECK(strstr(err.msg, "two signatures by one key") != NULL);
    }
    free(dup);
    /* Any change to the body breaks the signature. */
    b.p[20] ^= 1;
    if (signdoc_split(b.p, b.len, "x", &d, &err) == VG_OK)
        T_EQ_INT(signdoc_check(&d, &r, "x", "root", &err), VG_ESIGNATURE);
    buf_free(&b);
    /* No trailing newline, stray lines, missing end. */
    T_EQ_INT(signdoc_split((const uint8_t *)"vigil-root 1\nend", 16, "x", &d, &err), VG_EFORMAT);
    T_EQ_INT(signdoc_split((const uint8_t *)"a\nend\nfoo\n", 10, "x", &d, &err), VG_EFORMAT);
    T_EQ_INT(signdoc_split((const uint8_t *)"a\nb\n", 4, "x", &d, &err), VG_EFORMAT);
}

static void
root_parse_errors(void)
{
    static const char *bad[] = {
        "vigil-root 2\nversion 1\nexpires 5\nthreshold 1\nend\n",
        "vigil-root 1\nversion 0\nexpires 5\nthreshold 1\nend\n",
        "vigil-root 1\nversion 01\nexpires 5\nthreshold 1\nend\n",
        "vigil-root 1\nversion 1\nexpires 5\nthreshold 1\nend\n", /* no keys */
        "vigil-root 1\nversion 1\nexpires 5\nthreshold 2\nkey "
        "0000000000000000000000000000000000000000000000000000000000000000 ed25519 "
        "0000000000000000000000000000000000000000000000000000000000000000\nend\n", /* id != sha256(pub) */
        "vigil-root 1\nversion  1\nexpires 5\nthreshold 1\nend\n",
        "vigil-root 1\r\nversion 1\nexpires 5\nthreshold 1\nend\n",
    };
    struct rootdoc r;
    vg_err err = {{0}};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        T_CHECK(rootdoc_parse((const uint8_t *)bad[i], strlen(bad[i]), &r, &err) != VG_OK);
}

static void
manifest_and_log(void)
{
    static const int k0[] = {0}, s0[] = {0};
    struct rootdoc root;
    struct manifest m, got;
    struct rlog log = {0}, back;
    struct buf logtext = {0}, body = {0}, doc = {0};
    struct tstate st;
    uint8_t files[32], sha[32];
    int same;
    vg_err err = {{0}};
    EVP_PKEY *k = keys[0];

    (void)s0;
    make_root(&root, 3, 5000, 1, k0, 1);
    memset(&m, 0, sizeof(m));
    m.version = 7;
    m.created = 1000;
    m.expires = 2000;
    m.root_version = 3;
    strcpy(m.shards[0].name, "daily");
    m.shards[0].size = 10;
    strcpy(m.shards[1].name, "main");
    m.shards[1].size = 20;
    m.nshards = 2;
    manifest_files_digest(&m, files);
    T_EQ_INT(rlog_append(&log, 5, 900, files), VG_OK);
    T_EQ_INT(rlog_append(&log, 7, 1000, files), VG_OK);
    T_EQ_INT(rlog_format(&log, &logtext), VG_OK);
    m.log_n = 2;
    m.log_size = logtext.len;
    memcpy(m.log_head, log.e[1].hash, 32);
    T_EQ_INT(manifest_format(&m, &body), VG_OK);
    T_EQ_INT(signdoc_sign(body.p, body.len, &k, 1, &doc, &err), VG_OK);

    memset(&st, 0, sizeof(st));
    T_EQ_INT(repo_check_manifest(&root, &st, 1500, doc.p, doc.len, &got, sha, &same, &err), VG_OK);
    T_EQ_INT(got.version, 7);
    T_EQ_INT(got.nshards, 2);
    T_EQ_INT(same, 0);
    T_EQ_INT(repo_check_log(&got, &st, logtext.p, logtext.len, &err), VG_OK);
    /* Freeze. */
    T_EQ_INT(repo_check_manifest(&root, &st, 2000, doc.p, doc.len, &got, sha, &same, &err), VG_ESIGNATURE);
    T_CHECK(strstr(err.msg, "expired") != NULL);
    /* Rollback, and the same version with other content. */
    st.have_manifest = 1;
    st.manifest_version = 8;
    T_EQ_INT(repo_check_manifest(&root, &st, 1500, doc.p, doc.len, &got, sha, &same, &err), VG_ESIGNATURE);
    T_CHECK(strstr(err.msg, "rollback") != NULL);
    st.manifest_version = 7;
    T_EQ_INT(repo_check_manifest(&root, &st, 1500, doc.p, doc.len, &got, sha, &same, &err), VG_ESIGNATURE);
    T_CHECK(strstr(err.msg, "different content") != NULL);
    memcpy(st.manifest_sha, sha, 32);
    T_EQ_INT(repo_check_manifest(&root, &st, 1500, doc.p, doc.len, &got, sha, &same, &err), VG_OK);
    T_EQ_INT(same, 1);
    /* Mix-and-match: the trusted root moved on. */
    root.version = 4;
    memset(&st, 0, sizeof(st));
    T_EQ_INT(repo_check_manifest(&root, &st, 1500, doc.p, doc.len, &got, sha, &same, &err), VG_ESIGNATURE);
    T_CHECK(strstr(err.msg, "mix-and-match") != NULL);
    root.version = 3;
    /* Fork: the client saw a different entry 1. */
    st.log_n = 1;
    memset(st.log_head, 0xaa, 32);
    T_EQ_INT(repo_check_log(&got, &st, logtext.p, logtext.len, &err), VG_ESIGNATURE);
    T_CHECK(strstr(err.msg, "forked") != NULL);
    memcpy(st.log_head, log.e[0].hash, 32);
    T_EQ_INT(repo_check_log(&got, &st, logtext.p, logtext.len, &err), VG_OK);
    st.log_n = 3; /* the client saw more than this log has */
    T_EQ_INT(repo_check_log(&got, &st, logtext.p, logtext.len, &err), VG_ESIGNATURE);
    /* An altered log entry breaks the chain. */
    {
        char *p = strstr((char *)logtext.p, "release 5 900");

        p[8] = '6';
        T_EQ_INT(rlog_parse(logtext.p, logtext.len, &back, &err), VG_EFORMAT);
        T_CHECK(strstr(err.msg, "hash chain broken") != NULL);
    }
    rlog_free(&log);
    buf_free(&logtext);
    buf_free(&body);
    buf_free(&doc);
}

static void
state_files(void)
{
    struct tstate s, back;
    struct generation g = {0}, gb;
    struct gen_file f;
    struct buf b = {0};
    vg_err err = {{0}};

    memset(&s, 0, sizeof(s));
    s.have_manifest = 1;
    s.manifest_version = 4;
    s.log_n = 4;
    T_EQ_INT(tstate_set_clamav(&s, "daily", 27000), VG_OK);
    T_EQ_INT(tstate_format(&s, &b), VG_OK);
    T_EQ_INT(tstate_parse(b.p, b.len, &back, &err), VG_OK);
    T_EQ_INT(back.manifest_version, 4);
    T_EQ_INT(tstate_clamav(&back, "daily"), 27000);
    T_EQ_INT(tstate_parse(b.p, b.len - 1, &back, &err), VG_EFORMAT);
    buf_free(&b);

    memset(&f, 0, sizeof(f));
    strcpy(f.name, "main.vgdb");
    f.size = 5;
    strcpy(f.kind, "shard");
    strcpy(f.key, "main-00");
    T_EQ_INT(gen_add(&g, &f, &err), VG_OK);
    T_EQ_INT(gen_add(&g, &f, &err), VG_EINVAL); /* twice */
    strcpy(f.name, "../x");
    T_EQ_INT(gen_add(&g, &f, &err), VG_EINVAL);
    strcpy(f.name, GEN_FILE);
    T_EQ_INT(gen_add(&g, &f, &err), VG_EINVAL);
    T_EQ_INT(gen_format(&g, &b), VG_OK);
    T_EQ_INT(gen_parse(b.p, b.len, &gb, &err), VG_OK);
    T_EQ_INT(gb.n, 1);
    T_EQ_STR(gb.f[0].name, "main.vgdb");
    gen_free(&gb);
    gen_free(&g);
    buf_free(&b);
}

static int
read_link(const char *dir, const char *name, char *out, size_t n)
{
    char p[512];
    ssize_t k;

    snprintf(p, sizeof(p), "%s/%s", dir, name);
    if ((k = readlink(p, out, n - 1)) < 0)
        return -1;
    out[k] = '\0';
    return 0;
}

static void
install_generations(void)
{
    char dir[] = "/tmp/vigil-install-XXXXXX", gen[64], link[64], junk[512];
    struct install in;
    vg_err err = {{0}};

    T_CHECK(mkdtemp(dir) != NULL);
    /* First generation. */
    T_EQ_INT(install_open(&in, dir, &err), VG_OK);
    T_EQ_INT(install_stage(&in, &err), VG_OK);
    T_EQ_INT(install_write(&in, "a.hdb", "one\n", 4, "shard", "a-1", &err), VG_OK);
    T_EQ_INT(install_write(&in, "../evil", "x", 1, "shard", "a-1", &err), VG_EINVAL);
    T_EQ_INT(install_commit(&in, 1, gen, sizeof(gen), &err), VG_OK);
    install_close(&in);
    T_EQ_INT(read_link(dir, "current", link, sizeof(link)), 0);
    T_EQ_STR(link, gen);
    /* A second one keeps a.hdb (hard link) and adds b.hdb. */
    T_EQ_INT(install_open(&in, dir, &err), VG_OK);
    T_EQ_INT(in.curgen.n, 1);
    /* A second installer waits its turn. */
    {
        struct install other;

        T_EQ_INT(install_open(&other, dir, &err), VG_EACCES);
        install_close(&other);
    }
    T_EQ_INT(install_stage(&in, &err), VG_OK);
    T_EQ_INT(install_keep(&in, &in.curgen.f[0], &err), VG_OK);
    T_EQ_INT(install_write(&in, "b.hdb", "two\n", 4, "shard", "b-1", &err), VG_OK);
    T_EQ_INT(install_commit(&in, 2, gen, sizeof(gen), &err), VG_OK);
    install_close(&in);
    T_EQ_INT(read_link(dir, "current", link, sizeof(link)), 0);
    T_EQ_STR(link, gen);
    T_EQ_INT(read_link(dir, "previous", link, sizeof(link)), 0);
    T_EQ_STR(link, "gen-000001");
    /* Rollback swaps them; debris of a crashed run is removed by the next. */
    T_EQ_INT(install_rollback(dir, link, sizeof(link), &err), VG_OK);
    T_EQ_STR(link, "gen-000001");
    snprintf(junk, sizeof(junk), "%s/.staging-99999", dir);
    T_EQ_INT(mkdir(junk, 0700), 0);
    T_EQ_INT(install_open(&in, dir, &err), VG_OK);
    T_CHECK(access(junk, F_OK) != 0);
    T_EQ_INT(in.curgen.manifest_version, 1);
    /* An abandoned stage leaves nothing. */
    T_EQ_INT(install_stage(&in, &err), VG_OK);
    T_EQ_INT(install_write(&in, "c.hdb", "x\n", 2, "shard", "c-1", &err), VG_OK);
    install_close(&in);
    T_EQ_INT(read_link(dir, "current", link, sizeof(link)), 0);
    T_EQ_STR(link, "gen-000001");
    /* Clean up. */
    {
        int fd = open(dir, O_RDONLY | O_DIRECTORY);

        install_rmtree_at(fd, "gen-000001");
        install_rmtree_at(fd, "gen-000002");
        unlinkat(fd, "current", 0);
        unlinkat(fd, "previous", 0);
        unlinkat(fd, ".lock", 0);
        close(fd);
        rmdir(dir);
    }
}

int
main(void)
{
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (sigkey_generate(&keys[i], NULL) != VG_OK)
            return 2;
    }
    T_RUN(roots_and_rotation);
    T_RUN(signdoc_rules);
    T_RUN(root_parse_errors);
    T_RUN(manifest_and_log);
    T_RUN(state_files);
    T_RUN(install_generations);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        EVP_PKEY_free(keys[i]);
    T_DONE();
}
