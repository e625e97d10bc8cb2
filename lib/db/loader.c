/*
 * loader.c - dispatch database files by extension, line by line.
 *
 * Extension rules follow clamscan 1.4.6: the match is a case-insensitive
 * suffix; the PUA variants (.hdu .hsu .mdu .msu .ndu .ldu) load only with
 * VG_LOAD_PUA; formats vigil does not implement (.db .sdb .zmd .rmd .pdb
 * .gdb .wdb .cbc .ftm .cfg .crb .idb .ioc .pwdb .imp .cat .info) are
 * recognised and skipped, as ClamAV skips unknown ones.
 */
#include "db/loader.h"

#include <dirent.h>
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ckd.h"
#include "core/err.h"
#include "db/sigread.h"
#include "update/cvd.h"

#define DB_MAX_FILE ((size_t)2 << 30)
#define LINE_MAX_DEFAULT 8192
#define LINE_MAX_LDB 65536

enum dbkind {
    K_NONE = 0, K_SKIP, K_HDB, K_HDU, K_MDB, K_MDU, K_FP, K_NDB, K_NDU, K_LDB, K_LDU,
    K_CDB, K_IGN, K_CVD, K_IMAGE
};

static const struct {
    const char *ext;
    enum dbkind kind;
} exts[] = {
    {".hdb", K_HDB}, {".hsb", K_HDB}, {".hdu", K_HDU}, {".hsu", K_HDU},
    {".mdb", K_MDB}, {".msb", K_MDB}, {".mdu", K_MDU}, {".msu", K_MDU},
    {".fp", K_FP}, {".sfp", K_FP},
    {".ndb", K_NDB}, {".ndu", K_NDU}, {".ldb", K_LDB}, {".ldu", K_LDU},
    {".cdb", K_CDB}, {".ign", K_IGN}, {".ign2", K_IGN},
    {".cvd", K_CVD}, {".cld", K_CVD}, {".cud", K_CVD},
    {".vgdb", K_IMAGE},
    {".db", K_SKIP}, {".sdb", K_SKIP}, {".zmd", K_SKIP}, {".rmd", K_SKIP}, {".pdb", K_SKIP},
    {".gdb", K_SKIP}, {".wdb", K_SKIP}, {".cbc", K_SKIP}, {".ftm", K_SKIP}, {".cfg", K_SKIP},
    {".crb", K_SKIP}, {".idb", K_SKIP}, {".ioc", K_SKIP}, {".pwdb", K_SKIP}, {".imp", K_SKIP},
    {".cat", K_SKIP}, {".info", K_SKIP}, {".yar", K_SKIP}, {".yara", K_SKIP},
};

static enum dbkind
kind_of(const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
        size_t e = strlen(exts[i].ext);
        if (n > e && strcasecmp(name + n - e, exts[i].ext) == 0)
            return exts[i].kind;
    }
    return K_NONE;
}

void
loader_init(struct loader *ld, uint32_t flags, const char *shard_name)
{
    memset(ld, 0, sizeof(*ld));
    ld->flags = flags;
    build_init(&ld->text, flags, shard_name);
}

void
loader_free(struct loader *ld)
{
    build_free(&ld->text);
    for (size_t i = 0; i < ld->nshards; i++)
        shard_free(ld->shards[i]);
    free(ld->shards);
    ld->shards = NULL;
    ld->nshards = 0;
}

vg_status
loader_read_file(const char *path, size_t max, uint8_t **out, size_t *len, vg_err *err)
{
    int fd;
    struct stat st;
    uint8_t *buf = NULL;
    size_t got = 0, cap;

    *out = NULL;
    *len = 0;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
        return err_set(err, err_from_errno(errno), "%s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return err_set(err, VG_ENOTFILE, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return err_set(err, VG_ELIMIT, "%s: file too large", path);
    }
    cap = (size_t)st.st_size + 1;
    if ((buf = malloc(cap)) == NULL) {
        close(fd);
        return VG_ENOMEM;
    }
    for (;;) {
        ssize_t r;
        if (got == cap - 1) {
            /* the file grew while we read it: stop at the size we saw */
            break;
        }
        r = read(fd, buf + got, cap - 1 - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            free(buf);
            close(fd);
            return err_set(err, VG_EIO, "%s: read error: %s", path, strerror(errno));
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    *out = buf;
    *len = got;
    return VG_OK;
}

/* Feed each line of a text database to its reader. */
static vg_status
load_lines(struct loader *ld, const char *name, enum dbkind k, char *data, size_t len, int official,
           vg_err *err)
{
    size_t pos = 0, maxline = (k == K_LDB || k == K_LDU) ? LINE_MAX_LDB : LINE_MAX_DEFAULT;
    unsigned long line = 0;
    vg_status st = VG_OK;

    if (len == 0)
        return err_set(err, VG_EFORMAT, "%s: empty database file", name);
    if (memchr(data, '\0', len) != NULL) {
        const char *z = memchr(data, '\0', len);
        unsigned long ln = 1;
        for (const char *p = data; p < z; p++)
            ln += *p == '\n';
        return err_set(err, VG_EFORMAT, "%s:%lu: NUL byte in database file", name, ln);
    }
    while (pos < len) {
        char *start = data + pos, *nl = memchr(start, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - start) : len - pos;

        pos += n + (nl ? 1 : 0);
        line++;
        if (n > 0 && start[n - 1] == '\r')
            n--;
        start[n] = '\0';
        if (start[0] == '#')
            continue;
        if (n >= maxline) {
            st = err_set(err, VG_EFORMAT, "%s:%lu: line too long (%zu bytes, at most %zu)", name, line, n,
                         maxline - 1);
            break;
        }
        switch (k) {
        case K_HDB: case K_HDU:
            st = sig_hash_line(&ld->text, HK_FILE, start, official, err);
            break;
        case K_MDB: case K_MDU:
            st = sig_hash_line(&ld->text, HK_SECT, start, official, err);
            break;
        case K_FP:
            st = sig_hash_line(&ld->text, HK_FP, start, official, err);
            break;
        case K_NDB: case K_NDU:
            st = sig_ndb_line(&ld->text, start, official, err);
            break;
        case K_LDB: case K_LDU:
            st = sig_ldb_line(&ld->text, start, official, err);
            break;
        case K_CDB:
            st = sig_cdb_line(&ld->text, start, official, err);
            break;
        case K_IGN:
            st = sig_ign_line(&ld->text, start, err);
            break;
        default:
            break;
        }
        if (st != VG_OK) {
            char where[4200];
            snprintf(where, sizeof(where), "%s:%lu", name, line);
            err_prefix(err, st, where);
            break;
        }
    }
    ld->text_used = 1;
    return st;
}

struct cvd_ctx {
    struct loader *ld;
    int official;
    vg_err *err;
};

/* A verified container member: load it like a file of that name. */
static vg_status
cvd_member(void *ctx, const char *name, const uint8_t *data, size_t len)
{
    struct cvd_ctx *c = ctx;

    if (kind_of(name) == K_NONE || kind_of(name) == K_CVD || kind_of(name) == K_IMAGE)
        return VG_OK; /* not a signature file vigil reads */
    return loader_add_buffer(c->ld, name, data, len, c->official, c->err);
}

/*
 * A ClamAV container (.cvd .cld .cud): verified with ClamAV's own scheme
 * (the detached <db>-<version>.cvd.sign beside it when present, else the
 * legacy signature; the .info and every member's digest), then its members
 * load as official signatures (.cud: unofficial). CA certificates for .sign
 * files: $VIGIL_CVDCERTSDIR (file or directory), else the installed ones.
 */
static vg_status
load_cvd(struct loader *ld, const char *path, vg_err *err)
{
    uint8_t *data = NULL, *sign = NULL;
    size_t len, signlen = 0;
    struct cvd_header hdr;
    struct cvd_ctx c = {ld, 0, err};
    char signpath[4200], dbname[64];
    const char *base = strrchr(path, '/'), *ext;
    vg_status st;

    base = base ? base + 1 : path;
    ext = strrchr(base, '.');
    c.official = !(ext && strcasecmp(ext, ".cud") == 0);
    if ((st = loader_read_file(path, (size_t)CVD_MAX_UNPACKED, &data, &len, err)) != VG_OK)
        return st;
    if ((st = cvd_parse_header(data, len, &hdr, err)) != VG_OK) {
        err_prefix(err, st, path);
        goto out;
    }
    cvd_db_name(base, dbname, sizeof(dbname));
    if (ext && strcasecmp(ext, ".cvd") == 0) {
        snprintf(signpath, sizeof(signpath), "%.*s%s-%u.cvd.sign", (int)(base - path), path, dbname,
                 hdr.version);
        if (access(signpath, R_OK) == 0 &&
            (st = loader_read_file(signpath, 1 << 20, &sign, &signlen, err)) != VG_OK)
            goto out;
    }
    st = cvd_load(data, len, path, sign, signlen, getenv("VIGIL_CVDCERTSDIR"), cvd_member, &c, &hdr,
                  err);
    if (st == VG_OK && strcmp(dbname, "daily") == 0 &&
        hdr.version > ld->text.counts.daily_version) {
        ld->text.counts.daily_version = hdr.version;
        ld->text.counts.daily_time = hdr.build_time;
    }
out:
    free(data);
    free(sign);
    return st;
}

static int
pua_kind(enum dbkind k)
{
    return k == K_HDU || k == K_MDU || k == K_NDU || k == K_LDU;
}

static vg_status
add_shard(struct loader *ld, struct shard *s)
{
    struct shard **n = realloc(ld->shards, (ld->nshards + 1) * sizeof(*n));

    if (n == NULL) {
        shard_free(s);
        return VG_ENOMEM;
    }
    ld->shards = n;
    ld->shards[ld->nshards++] = s;
    return VG_OK;
}

static vg_status
load_file(struct loader *ld, const char *path, enum dbkind k, int images_ok, vg_err *err)
{
    uint8_t *data;
    size_t len;
    vg_status st;

    if (k == K_SKIP || (pua_kind(k) && !(ld->flags & VG_LOAD_PUA)))
        return VG_OK;
    ld->files++;
    if (k == K_IMAGE) {
        struct shard *s;
        if (!images_ok)
            return err_set(err, VG_EINVAL, "%s: is a compiled image, not a signature source", path);
        if ((st = shard_open_file(path, SHARD_VERIFY_DIGEST, &s, err)) != VG_OK)
            return st;
        return add_shard(ld, s);
    }
    if (k == K_CVD)
        return load_cvd(ld, path, err);
    if ((st = loader_read_file(path, DB_MAX_FILE, &data, &len, err)) != VG_OK)
        return st;
    st = load_lines(ld, path, k, (char *)data, len, 0, err);
    free(data);
    return st;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect the database files of a directory, sorted by name. */
static vg_status
list_dir(const char *dir, char ***out, size_t *n, vg_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **v = NULL;
    size_t cnt = 0, cap = 0;

    *out = NULL;
    *n = 0;
    if (d == NULL)
        return err_set(err, err_from_errno(errno), "%s: %s", dir, strerror(errno));
    while ((e = readdir(d)) != NULL) {
        size_t len;
        char *p;
        struct stat st;

        if (e->d_name[0] == '.')
            continue;
        if (kind_of(e->d_name) == K_NONE)
            continue;
        len = strlen(dir) + strlen(e->d_name) + 2;
        if ((p = malloc(len)) == NULL)
            goto nomem;
        snprintf(p, len, "%s/%s", dir, e->d_name);
        if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(p);
            continue;
        }
        if (cnt == cap) {
            char **nv = realloc(v, (cap ? cap * 2 : 16) * sizeof(*v));
            if (nv == NULL) {
                free(p);
                goto nomem;
            }
            v = nv;
            cap = cap ? cap * 2 : 16;
        }
        v[cnt++] = p;
    }
    closedir(d);
    if (cnt > 1)
        qsort(v, cnt, sizeof(*v), cmp_str);
    *out = v;
    *n = cnt;
    return VG_OK;
nomem:
    closedir(d);
    for (size_t i = 0; i < cnt; i++)
        free(v[i]);
    free(v);
    return VG_ENOMEM;
}

vg_status
loader_add_paths(struct loader *ld, const char *const *paths, size_t n, int images_ok, vg_err *err)
{
    vg_status st = VG_OK;

    /* two passes: ignore lists first, then everything else */
    for (int pass = 0; pass < 2 && st == VG_OK; pass++) {
        for (size_t i = 0; i < n && st == VG_OK; i++) {
            struct stat sb;

            if (stat(paths[i], &sb) != 0) {
                st = err_set(err, err_from_errno(errno), "%s: %s", paths[i], strerror(errno));
                break;
            }
            if (S_ISDIR(sb.st_mode)) {
                char **files;
                size_t nf;

                if ((st = list_dir(paths[i], &files, &nf, err)) != VG_OK)
                    break;
                for (size_t j = 0; j < nf; j++) {
                    enum dbkind k = kind_of(files[j]);
                    if (st == VG_OK && (k == K_IGN) == (pass == 0))
                        st = load_file(ld, files[j], k, images_ok, err);
                    free(files[j]);
                }
                free(files);
                if (st == VG_OK && pass == 1 && nf == 0)
                    st = err_set(err, VG_ENOENT, "%s: no supported database files found", paths[i]);
            } else {
                enum dbkind k = kind_of(paths[i]);
                if (k == K_NONE) {
                    st = err_set(err, VG_EFORMAT, "%s: not a supported database file (unknown extension)",
                                 paths[i]);
                    break;
                }
                if ((k == K_IGN) == (pass == 0))
                    st = load_file(ld, paths[i], k, images_ok, err);
            }
        }
    }
    return st;
}

vg_status
loader_add_buffer(struct loader *ld, const char *name, const uint8_t *data, size_t len, int official,
                  vg_err *err)
{
    enum dbkind k = kind_of(name);
    char *copy;
    vg_status st;

    if (k == K_NONE || k == K_IMAGE || k == K_CVD)
        return err_set(err, VG_EFORMAT, "%s: not a text signature file", name);
    if (k == K_SKIP || (pua_kind(k) && !(ld->flags & VG_LOAD_PUA)))
        return VG_OK;
    if ((copy = malloc(len + 1)) == NULL)
        return VG_ENOMEM;
    memcpy(copy, data, len);
    copy[len] = '\0';
    ld->files++;
    st = load_lines(ld, name, k, copy, len, official, err);
    free(copy);
    return st;
}
