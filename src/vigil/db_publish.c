/*
 * db_publish.c - `vigil db publish`: add a signed release to a repository.
 *
 *   vigil db publish REPO --key K.key [--key ...] [--threshold N]
 *                    [--trust-key P.pub ...] [--old-key K.key ...] [--rotate-root]
 *                    [--expires 7d] [--root-expires 365d]
 *                    [--shard NAME=PATH ...] [--drop-shard NAME ...]
 *
 * REPO is a directory that any static web server (or rsync, or a USB stick)
 * serves as a mirror:
 *
 *   root/<n>.root      every root version (clients walk them to rotate keys)
 *   manifest           the current release, signed
 *   log                the release log (hash chain of every release)
 *   shards/<name>-<sha256>.tar.gz   signature sources, one tar per shard
 *
 * The root lists the public keys of --key and --trust-key and the threshold.
 * A new root version is written when that set or threshold changes, when
 * --rotate-root asks, or when the root would expire before the new
 * manifest; it is signed by --key and --old-key, and must be acceptable to
 * a client that trusts the previous root. Shards not named keep their
 * previous content, so clients download only what changed. Files are
 * written in the order a mirror copy must follow (shards, root, log,
 * manifest), each crash-safely, and every document is checked with the
 * client's own verification before it is written.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "core/err.h"
#include "db_cmds.h"
#include "update/clock.h"
#include "update/file.h"
#include "update/lines.h"
#include "update/manifest.h"
#include "update/repo.h"
#include "update/rlog.h"
#include "update/rootdoc.h"
#include "update/signdoc.h"
#include "update/tar.h"
#include "update/tstate.h"

#define MAX_KEYS 32
#define MAX_SHARD_ARGS 64

struct pub_opts {
    const char *repo;
    const char *key_files[MAX_KEYS], *old_files[MAX_KEYS], *trust_files[MAX_KEYS];
    size_t nkey, nold, ntrust;
    uint32_t threshold;
    int64_t expires, root_expires;
    int rotate;
    const char *shards[MAX_SHARD_ARGS], *drops[MAX_SHARD_ARGS];
    size_t nshards, ndrops;
};

static int
parse_duration(const char *s, int64_t *out)
{
    char *end;
    long long v;
    int64_t mul = 1;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || v <= 0 || end == s)
        return -1;
    if (*end == 'd')
        mul = 86400;
    else if (*end == 'h')
        mul = 3600;
    else if (*end == 'm')
        mul = 60;
    else if (*end == 's' || *end == '\0')
        mul = 1;
    else
        return -1;
    if (*end && end[1])
        return -1;
    if (v > INT64_MAX / mul / 2)
        return -1;
    *out = (int64_t)v * mul;
    return 0;
}

static int
add_arg(const char **arr, size_t *n, size_t max, const char *v)
{
    if (*n == max) {
        fprintf(stderr, "vigil db publish: too many arguments of one kind\n");
        return -1;
    }
    arr[(*n)++] = v;
    return 0;
}

static int
parse_args(int argc, char **argv, struct pub_opts *o)
{
    static const struct option opts[] = {
        {"key", required_argument, NULL, 'k'},        {"old-key", required_argument, NULL, 'o'},
        {"trust-key", required_argument, NULL, 'T'},  {"threshold", required_argument, NULL, 't'},
        {"expires", required_argument, NULL, 'e'},    {"root-expires", required_argument, NULL, 'E'},
        {"rotate-root", no_argument, NULL, 'R'},      {"shard", required_argument, NULL, 's'},
        {"drop-shard", required_argument, NULL, 'D'}, {NULL, 0, NULL, 0}};
    int c;

    memset(o, 0, sizeof(*o));
    o->expires = 7 * 86400;
    o->root_expires = 365 * 86400;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        long v;
        char *end;

        switch (c) {
        case 'k': if (add_arg(o->key_files, &o->nkey, MAX_KEYS, optarg)) return 2; break;
        case 'o': if (add_arg(o->old_files, &o->nold, MAX_KEYS, optarg)) return 2; break;
        case 'T': if (add_arg(o->trust_files, &o->ntrust, MAX_KEYS, optarg)) return 2; break;
        case 's': if (add_arg(o->shards, &o->nshards, MAX_SHARD_ARGS, optarg)) return 2; break;
        case 'D': if (add_arg(o->drops, &o->ndrops, MAX_SHARD_ARGS, optarg)) return 2; break;
        case 'R': o->rotate = 1; break;
        case 't':
            v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > ROOT_MAX_KEYS) {
                fprintf(stderr, "vigil db publish: --threshold: 1 to %d\n", ROOT_MAX_KEYS);
                return 2;
            }
            o->threshold = (uint32_t)v;
            break;
        case 'e':
        case 'E':
            if (parse_duration(optarg, c == 'e' ? &o->expires : &o->root_expires)) {
                fprintf(stderr, "vigil db publish: bad duration '%s' (e.g. 7d, 12h, 3600)\n", optarg);
                return 2;
            }
            break;
        default:
            return 2;
        }
    }
    if (optind + 1 != argc || o->nkey == 0) {
        fprintf(stderr, "usage: vigil db publish REPO --key K.key [--key ...] [--threshold N] [--trust-key P.pub]\n"
                        "         [--old-key K.key] [--rotate-root] [--expires 7d] [--root-expires 365d]\n"
                        "         [--shard NAME=PATH ...] [--drop-shard NAME ...]\n");
        return 2;
    }
    o->repo = argv[optind];
    return -1;
}

/* ------------------------------------------------------------------ keys */

struct keyring {
    EVP_PKEY *sign[2 * MAX_KEYS]; /* --key, then --old-key not already there */
    size_t nsign, nnew;           /* nnew: how many of sign are --key */
    struct rootdoc want;          /* keys and threshold the root should have */
};

static int
cmp_key(const void *a, const void *b)
{
    return memcmp(((const struct root_key *)a)->id, ((const struct root_key *)b)->id, SIGKEY_ID);
}

static vg_status
add_pub(struct rootdoc *r, const uint8_t pub[SIGKEY_PUB], vg_err *err)
{
    uint8_t id[SIGKEY_ID];

    sigkey_id(pub, id);
    if (rootdoc_key(r, id))
        return VG_OK;
    if (r->nkeys == ROOT_MAX_KEYS)
        return err_set(err, VG_ELIMIT, "more than %d keys", ROOT_MAX_KEYS);
    memcpy(r->keys[r->nkeys].id, id, SIGKEY_ID);
    memcpy(r->keys[r->nkeys].pub, pub, SIGKEY_PUB);
    r->nkeys++;
    return VG_OK;
}

static vg_status
load_keys(const struct pub_opts *o, struct keyring *kr, vg_err *err)
{
    struct rootdoc seen;
    vg_status st;

    memset(kr, 0, sizeof(*kr));
    memset(&seen, 0, sizeof(seen));
    for (size_t pass = 0; pass < 2; pass++) {
        const char *const *files = pass == 0 ? o->key_files : o->old_files;
        size_t n = pass == 0 ? o->nkey : o->nold;

        for (size_t i = 0; i < n; i++) {
            EVP_PKEY *k = NULL;
            uint8_t pub[SIGKEY_PUB], id[SIGKEY_ID];

            if ((st = sigkey_load_private(files[i], &k, err)) != VG_OK)
                return st;
            sigkey_public(k, pub);
            sigkey_id(pub, id);
            if (rootdoc_key(&seen, id)) { /* the same key twice signs once */
                EVP_PKEY_free(k);
                continue;
            }
            add_pub(&seen, pub, err);
            kr->sign[kr->nsign++] = k;
            if (pass == 0) {
                kr->nnew++;
                if ((st = add_pub(&kr->want, pub, err)) != VG_OK)
                    return st;
            }
        }
    }
    for (size_t i = 0; i < o->ntrust; i++) {
        uint8_t pub[SIGKEY_PUB];

        if ((st = sigkey_load_public(o->trust_files[i], pub, err)) != VG_OK ||
            (st = add_pub(&kr->want, pub, err)) != VG_OK)
            return st;
    }
    qsort(kr->want.keys, kr->want.nkeys, sizeof(kr->want.keys[0]), cmp_key);
    kr->want.threshold = o->threshold ? o->threshold : 1;
    if (kr->want.threshold > kr->want.nkeys)
        return err_set(err, VG_EINVAL, "threshold %u with only %zu keys", kr->want.threshold, kr->want.nkeys);
    return VG_OK;
}

static void
free_keys(struct keyring *kr)
{
    for (size_t i = 0; i < kr->nsign; i++)
        EVP_PKEY_free(kr->sign[i]);
}

/* ------------------------------------------------------------------ root */

/* The latest root/<n>.root of the repository; r->version 0 if none. */
static vg_status
latest_root(const char *repo, struct rootdoc *r, vg_err *err)
{
    char dir[PATH_MAX], path[PATH_MAX + 64];
    unsigned long long best = 0;
    DIR *d;
    struct dirent *e;
    uint8_t *data = NULL;
    size_t len;
    vg_status st;

    memset(r, 0, sizeof(*r));
    snprintf(dir, sizeof(dir), "%s/root", repo);
    if ((d = opendir(dir)) == NULL)
        return errno == ENOENT ? VG_OK : err_set(err, VG_EIO, "%s: %s", dir, strerror(errno));
    while ((e = readdir(d)) != NULL) {
        char *end;
        unsigned long long v = strtoull(e->d_name, &end, 10);

        if (end != e->d_name && strcmp(end, ".root") == 0 && v > best)
            best = v;
    }
    closedir(d);
    if (best == 0)
        return VG_OK;
    snprintf(path, sizeof(path), "%s/%llu.root", dir, best);
    if ((st = file_read(path, ROOT_MAX_SIZE, &data, &len, err)) == VG_OK)
        st = repo_load_root(data, len, path, r, err);
    free(data);
    if (st == VG_OK && r->version != best)
        st = err_set(err, VG_EFORMAT, "%s says version %llu", path, (unsigned long long)r->version);
    return st;
}

static int
same_keys(const struct rootdoc *a, const struct rootdoc *b)
{
    if (a->nkeys != b->nkeys || a->threshold != b->threshold)
        return 0;
    for (size_t i = 0; i < a->nkeys; i++) {
        if (!rootdoc_key(b, a->keys[i].id))
            return 0;
    }
    return 1;
}

static vg_status
write_root(const struct pub_opts *o, struct keyring *kr, struct rootdoc *cur, int64_t now, vg_err *err)
{
    struct rootdoc next = kr->want, check;
    struct buf body = {0}, doc = {0};
    char dir[PATH_MAX], name[64];
    vg_status st;

    next.version = cur->version + 1;
    next.expires = now + o->root_expires;
    if ((st = rootdoc_format(&next, &body)) != VG_OK) {
        err_set(err, st, "out of memory");
        goto out;
    }
    if ((st = signdoc_sign(body.p, body.len, kr->sign, kr->nsign, &doc, err)) != VG_OK)
        goto out;
    /* What a client will check: its own threshold, and the previous root's. */
    st = cur->version ? repo_next_root(cur, doc.p, doc.len, &check, err)
                      : repo_load_root(doc.p, doc.len, "new root", &check, err);
    if (st != VG_OK) {
        err_prefix(err, st, "refusing to publish a root clients would reject (are --key/--old-key enough?)");
        goto out;
    }
    snprintf(dir, sizeof(dir), "%s/root", o->repo);
    snprintf(name, sizeof(name), "%llu.root", (unsigned long long)next.version);
    if ((st = file_write_atomic(dir, name, doc.p, doc.len, 0644, err)) != VG_OK)
        goto out;
    printf("root version %llu: %zu keys, threshold %u, expires %lld\n", (unsigned long long)next.version,
           next.nkeys, next.threshold, (long long)next.expires);
    *cur = next;
out:
    buf_free(&body);
    buf_free(&doc);
    return st;
}

/* ---------------------------------------------------------------- shards */

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static vg_status
add_source_file(struct buf *tar, const char *path, const char *name, vg_err *err)
{
    uint8_t *data = NULL;
    size_t len;
    vg_status st;

    if (!tar_name_ok(name) || name[0] == '.')
        return err_set(err, VG_EINVAL, "%s: file name not allowed in a shard", path);
    if ((st = file_read(path, 1ull << 30, &data, &len, err)) != VG_OK)
        return st;
    st = tar_write_member(tar, name, data, len, err);
    free(data);
    return st;
}

/* A gzip'd tar of PATH (a file, or the regular files of a directory in name
 * order): the same sources give the same bytes, so an unchanged shard keeps
 * its digest. */
static vg_status
pack_shard(const char *path, struct buf *out, vg_err *err)
{
    struct stat sb;
    struct buf tar = {0};
    char *names[4096];
    size_t n = 0;
    z_stream zs;
    vg_status st = VG_OK;

    if (stat(path, &sb) != 0)
        return err_set(err, err_from_errno(errno), "%s: %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;

        if (d == NULL)
            return err_set(err, VG_EIO, "%s: %s", path, strerror(errno));
        while ((e = readdir(d)) != NULL && st == VG_OK) {
            if (e->d_name[0] == '.')
                continue;
            if (n == sizeof(names) / sizeof(names[0]) || (names[n] = strdup(e->d_name)) == NULL)
                st = err_set(err, VG_ELIMIT, "%s: too many files", path);
            else
                n++;
        }
        closedir(d);
        qsort(names, n, sizeof(names[0]), cmp_str);
        for (size_t i = 0; i < n && st == VG_OK; i++) {
            char file[PATH_MAX + 256];
            struct stat fs;

            snprintf(file, sizeof(file), "%s/%s", path, names[i]);
            if (lstat(file, &fs) != 0 || !S_ISREG(fs.st_mode))
                st = err_set(err, VG_EINVAL, "%s: not a regular file (shards hold plain files)", file);
            else
                st = add_source_file(&tar, file, names[i], err);
        }
        for (size_t i = 0; i < n; i++)
            free(names[i]);
    } else {
        const char *base = strrchr(path, '/');

        st = add_source_file(&tar, path, base ? base + 1 : path, err);
    }
    if (st == VG_OK && (st = tar_write_end(&tar)) != VG_OK)
        err_set(err, st, "out of memory");
    if (st != VG_OK)
        goto out;
    memset(&zs, 0, sizeof(zs));
    if (tar.len > UINT32_MAX || deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        st = err_set(err, VG_ELIMIT, "%s: cannot compress", path);
        goto out;
    }
    zs.next_in = tar.p;
    zs.avail_in = (uInt)tar.len;
    for (int rc = Z_OK; rc != Z_STREAM_END;) {
        if ((st = buf_reserve(out, 65536)) != VG_OK)
            break;
        zs.next_out = out->p + out->len;
        zs.avail_out = 65536;
        rc = deflate(&zs, Z_FINISH);
        out->len += 65536 - zs.avail_out;
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
            st = VG_EINTERNAL;
            break;
        }
    }
    deflateEnd(&zs);
    if (st != VG_OK)
        err_set(err, st, "%s: compression failed", path);
out:
    buf_free(&tar);
    return st;
}

static int
cmp_shard(const void *a, const void *b)
{
    return strcmp(((const struct shard_ent *)a)->name, ((const struct shard_ent *)b)->name);
}

static vg_status
set_shards(const struct pub_opts *o, struct manifest *m, vg_err *err)
{
    char dir[PATH_MAX];
    vg_status st;

    for (size_t i = 0; i < o->ndrops; i++) {
        size_t k;

        for (k = 0; k < m->nshards && strcmp(m->shards[k].name, o->drops[i]) != 0; k++)
            ;
        if (k == m->nshards)
            return err_set(err, VG_ENOENT, "--drop-shard %s: no such shard", o->drops[i]);
        memmove(&m->shards[k], &m->shards[k + 1], (m->nshards - k - 1) * sizeof(m->shards[0]));
        m->nshards--;
    }
    snprintf(dir, sizeof(dir), "%s/shards", o->repo);
    for (size_t i = 0; i < o->nshards; i++) {
        const char *eq = strchr(o->shards[i], '=');
        struct shard_ent s, *slot = NULL;
        struct buf packed = {0};
        struct fields fl;
        char rel[256], path[PATH_MAX + 300];
        unsigned int n = 0;

        memset(&s, 0, sizeof(s));
        memset(&fl, 0, sizeof(fl));
        fl.f[0] = o->shards[i];
        fl.n[0] = eq ? (size_t)(eq - o->shards[i]) : 0;
        fl.count = 1;
        if (eq == NULL || lines_name(&fl, 0, s.name, sizeof(s.name)) != 0)
            return err_set(err, VG_EINVAL, "--shard %s: expected NAME=PATH, NAME of [a-z0-9_-], 1-32 characters",
                           o->shards[i]);
        if ((st = pack_shard(eq + 1, &packed, err)) != VG_OK)
            return st;
        s.size = packed.len;
        EVP_Digest(packed.p, packed.len, s.sha256, &n, EVP_sha256(), NULL);
        manifest_shard_path(&s, rel, sizeof(rel));
        snprintf(path, sizeof(path), "%s/%s", o->repo, rel);
        if (access(path, F_OK) != 0)
            st = file_write_atomic(dir, strchr(rel, '/') + 1, packed.p, packed.len, 0644, err);
        buf_free(&packed);
        if (st != VG_OK)
            return st;
        for (size_t k = 0; k < m->nshards; k++) {
            if (strcmp(m->shards[k].name, s.name) == 0)
                slot = &m->shards[k];
        }
        if (slot == NULL) {
            if (m->nshards == MANIFEST_MAX_SHARDS)
                return err_set(err, VG_ELIMIT, "more than %d shards", MANIFEST_MAX_SHARDS);
            slot = &m->shards[m->nshards++];
        }
        *slot = s;
    }
    qsort(m->shards, m->nshards, sizeof(m->shards[0]), cmp_shard);
    for (size_t k = 1; k < m->nshards; k++) {
        if (strcmp(m->shards[k - 1].name, m->shards[k].name) == 0)
            return err_set(err, VG_EINVAL, "shard %s given twice", m->shards[k].name);
    }
    return VG_OK;
}

/* Remove shard files that neither the new nor the previous release uses:
 * a client that fetched the previous manifest a moment ago still finds
 * its shards. */
static void
prune_shards(const char *repo, const struct manifest *now, const struct manifest *prev)
{
    char dir[PATH_MAX];
    DIR *d;
    struct dirent *e;

    snprintf(dir, sizeof(dir), "%s/shards", repo);
    if ((d = opendir(dir)) == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        int used = e->d_name[0] == '.';

        for (int w = 0; w < 2 && !used; w++) {
            const struct manifest *m = w ? prev : now;

            for (size_t i = 0; m && i < m->nshards && !used; i++) {
                char rel[256];

                manifest_shard_path(&m->shards[i], rel, sizeof(rel));
                used = strcmp(rel + 7, e->d_name) == 0;
            }
        }
        if (!used)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

/* -------------------------------------------------------------- publish */

static vg_status
read_previous(const char *repo, struct manifest *prev, int *have, struct rlog *log, vg_err *err)
{
    char path[PATH_MAX + 16];
    uint8_t *data = NULL;
    size_t len;
    struct signdoc d;
    vg_status st;

    *have = 0;
    memset(log, 0, sizeof(*log));
    snprintf(path, sizeof(path), "%s/manifest", repo);
    st = file_read(path, MANIFEST_MAX_SIZE, &data, &len, err);
    if (st == VG_ENOENT)
        return VG_OK;
    if (st == VG_OK && (st = signdoc_split(data, len, path, &d, err)) == VG_OK)
        st = manifest_parse(d.body, d.body_len, prev, err);
    free(data);
    if (st != VG_OK)
        return st;
    *have = 1;
    snprintf(path, sizeof(path), "%s/log", repo);
    if ((st = file_read(path, RLOG_MAX_SIZE, &data, &len, err)) == VG_OK)
        st = rlog_parse(data, len, log, err);
    free(data);
    if (st == VG_OK && (log->n == 0 || log->e[log->n - 1].version != prev->version))
        st = err_set(err, VG_EFORMAT, "%s: the release log does not end with the current release", path);
    return st;
}

static vg_status
publish(const struct pub_opts *o, vg_err *err)
{
    static struct manifest prev, m, check;
    struct keyring kr;
    struct rootdoc root;
    struct rlog log = {0};
    struct buf logtext = {0}, body = {0}, doc = {0};
    struct tstate fresh;
    uint8_t files[32], sha[32];
    int have_prev, same;
    int64_t now = clock_now();
    char dir[PATH_MAX];
    vg_status st;

    memset(&fresh, 0, sizeof(fresh));
    if ((st = load_keys(o, &kr, err)) != VG_OK)
        goto out;
    for (int i = 0; i < 3; i++) {
        snprintf(dir, sizeof(dir), i == 0 ? "%s" : i == 1 ? "%s/root" : "%s/shards", o->repo);
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
            st = err_set(err, err_from_errno(errno), "%s: %s", dir, strerror(errno));
            goto out;
        }
    }
    if ((st = latest_root(o->repo, &root, err)) != VG_OK)
        goto out;
    if ((st = read_previous(o->repo, &prev, &have_prev, &log, err)) != VG_OK)
        goto out;
    m = have_prev ? prev : (struct manifest){0};
    if ((st = set_shards(o, &m, err)) != VG_OK)
        goto out;
    if (root.version == 0 || o->rotate || !same_keys(&root, &kr.want) || root.expires <= now + o->expires) {
        if ((st = write_root(o, &kr, &root, now, err)) != VG_OK)
            goto out;
    }
    m.version = have_prev ? prev.version + 1 : 1;
    m.created = have_prev && prev.created > now ? prev.created : now;
    m.expires = m.created + o->expires;
    m.root_version = root.version;
    manifest_files_digest(&m, files);
    if (rlog_append(&log, m.version, m.created, files) != VG_OK || rlog_format(&log, &logtext) != VG_OK) {
        st = err_set(err, VG_ENOMEM, "out of memory");
        goto out;
    }
    m.log_n = log.n;
    m.log_size = logtext.len;
    memcpy(m.log_head, log.e[log.n - 1].hash, 32);
    if ((st = manifest_format(&m, &body)) != VG_OK) {
        err_set(err, st, "out of memory");
        goto out;
    }
    if ((st = signdoc_sign(body.p, body.len, kr.sign, kr.nnew, &doc, err)) != VG_OK)
        goto out;
    /* Check as a client would, before anything is visible to mirrors. */
    if ((st = repo_check_manifest(&root, &fresh, now, doc.p, doc.len, &check, sha, &same, err)) != VG_OK ||
        (st = repo_check_log(&check, &fresh, logtext.p, logtext.len, err)) != VG_OK) {
        err_prefix(err, st, "refusing to publish a release clients would reject");
        goto out;
    }
    if ((st = file_write_atomic(o->repo, "log", logtext.p, logtext.len, 0644, err)) != VG_OK ||
        (st = file_write_atomic(o->repo, "manifest", doc.p, doc.len, 0644, err)) != VG_OK)
        goto out;
    prune_shards(o->repo, &m, have_prev ? &prev : NULL);
    printf("release %llu (root version %llu), expires %lld:\n", (unsigned long long)m.version,
           (unsigned long long)root.version, (long long)m.expires);
    for (size_t i = 0; i < m.nshards; i++) {
        char hex[65];

        lines_tohex(m.shards[i].sha256, 32, hex);
        printf("  shard %s: %llu bytes, sha256 %s\n", m.shards[i].name, (unsigned long long)m.shards[i].size, hex);
    }
out:
    free_keys(&kr);
    rlog_free(&log);
    buf_free(&logtext);
    buf_free(&body);
    buf_free(&doc);
    return st;
}

int
db_publish_main(int argc, char **argv)
{
    struct pub_opts o;
    vg_err err = {{0}};
    int rc;

    if ((rc = parse_args(argc, argv, &o)) >= 0)
        return rc;
    if (publish(&o, &err) != VG_OK) {
        fprintf(stderr, "vigil db publish: %s\n", err.msg);
        return 1;
    }
    return 0;
}
