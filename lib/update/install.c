/*
 * install.c - generations, staging, commit and rollback (see install.h).
 */
#include "update/install.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "core/err.h"
#include "update/clock.h"
#include "update/file.h"
#include "update/hook.h"

static int
gen_seq(const char *name, unsigned long long *seq)
{
    char *end;

    if (strncmp(name, "gen-", 4) != 0 || name[4] < '0' || name[4] > '9')
        return -1;
    *seq = strtoull(name + 4, &end, 10);
    return *end == '\0' && end - name <= 24 ? 0 : -1;
}

static void
rmtree_at(int dfd, const char *name, int depth)
{
    int fd;
    DIR *d;
    struct dirent *e;

    if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
        return;
    if (depth > 2 || (fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return;
    if ((d = fdopendir(fd)) == NULL) {
        close(fd);
        return;
    }
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            rmtree_at(dirfd(d), e->d_name, depth + 1);
    }
    closedir(d);
    unlinkat(dfd, name, AT_REMOVEDIR);
}

void
install_rmtree_at(int dirfd, const char *name)
{
    rmtree_at(dirfd, name, 0);
}

/* The generation a symlink points to ("" if none or not a generation). */
static void
link_target(int dirfd, const char *link, char *out, size_t outsz)
{
    ssize_t n = readlinkat(dirfd, link, out, outsz - 1);
    unsigned long long seq;

    if (n <= 0) {
        out[0] = '\0';
        return;
    }
    out[n] = '\0';
    if (gen_seq(out, &seq) != 0)
        out[0] = '\0';
}

static vg_status
read_generation(int dirfd, const char *name, int *fd_out, struct generation *g, vg_err *err)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    uint8_t *data = NULL;
    size_t len;
    vg_status st;

    if (fd < 0)
        return err_set(err, err_from_errno(errno), "%s: %s", name, strerror(errno));
    if ((st = file_read_at(fd, GEN_FILE, 16u << 20, &data, &len, err)) == VG_OK)
        st = gen_parse(data, len, g, err);
    free(data);
    if (st != VG_OK) {
        close(fd);
        return err_prefix(err, st, name);
    }
    *fd_out = fd;
    return VG_OK;
}

vg_status
install_open(struct install *in, const char *dbdir, vg_err *err)
{
    DIR *d;
    struct dirent *e;
    int dupfd;
    vg_status st;

    memset(in, 0, sizeof(*in));
    in->dirfd = in->lockfd = in->curfd = in->stagefd = -1;
    if (strlen(dbdir) >= sizeof(in->dbdir))
        return err_set(err, VG_EINVAL, "database directory path too long");
    strcpy(in->dbdir, dbdir);
    if (mkdir(dbdir, 0755) != 0 && errno != EEXIST)
        return err_set(err, err_from_errno(errno), "%s: %s", dbdir, strerror(errno));
    if ((in->dirfd = open(dbdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return err_set(err, err_from_errno(errno), "%s: %s", dbdir, strerror(errno));
    if ((in->lockfd = openat(in->dirfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
        return err_set(err, err_from_errno(errno), "%s/.lock: %s", dbdir, strerror(errno));
    if (flock(in->lockfd, LOCK_EX | LOCK_NB) != 0)
        return err_set(err, VG_EACCES, "%s: another update or rollback is running", dbdir);
    /* Leftovers of a crashed run: staging directories and temporary links. */
    if ((dupfd = dup(in->dirfd)) < 0 || (d = fdopendir(dupfd)) == NULL) {
        if (dupfd >= 0)
            close(dupfd);
        return err_set(err, VG_EIO, "%s: %s", dbdir, strerror(errno));
    }
    rewinddir(d);
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, ".staging-", 9) == 0 || strncmp(e->d_name, ".link-", 6) == 0)
            rmtree_at(in->dirfd, e->d_name, 0);
    }
    closedir(d);
    link_target(in->dirfd, "current", in->cur, sizeof(in->cur));
    if (in->cur[0] && (st = read_generation(in->dirfd, in->cur, &in->curfd, &in->curgen, err)) != VG_OK) {
        err_prefix(err, st, "current database is damaged");
        in->cur_damaged = 1;
        gen_free(&in->curgen);
        in->curfd = -1;
    }
    return VG_OK;
}

void
install_stage_path(const struct install *in, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s/%s", in->dbdir, in->staging);
}

vg_status
install_stage(struct install *in, vg_err *err)
{
    snprintf(in->staging, sizeof(in->staging), ".staging-%ld", (long)getpid());
    rmtree_at(in->dirfd, in->staging, 0);
    if (mkdirat(in->dirfd, in->staging, 0755) != 0)
        return err_set(err, err_from_errno(errno), "%s/%s: %s", in->dbdir, in->staging, strerror(errno));
    if ((in->stagefd = openat(in->dirfd, in->staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return err_set(err, err_from_errno(errno), "%s/%s: %s", in->dbdir, in->staging, strerror(errno));
    gen_free(&in->gen);
    return VG_OK;
}

static vg_status
copy_file(int from_dir, int to_dir, const char *name, vg_err *err)
{
    uint8_t buf[65536];
    int in = openat(from_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), out = -1;
    vg_status st = VG_OK;
    ssize_t n;

    if (in < 0)
        return err_set(err, err_from_errno(errno), "%s: %s", name, strerror(errno));
    if ((out = openat(to_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0) {
        st = err_set(err, err_from_errno(errno), "%s: %s", name, strerror(errno));
        goto out;
    }
    while ((n = read(in, buf, sizeof(buf))) > 0) {
        if (file_write_all(out, buf, (size_t)n) != VG_OK) {
            st = err_set(err, VG_EIO, "%s: write failed: %s", name, strerror(errno));
            goto out;
        }
    }
    if (n < 0)
        st = err_set(err, VG_EIO, "%s: read failed: %s", name, strerror(errno));
out:
    if (out >= 0 && close(out) != 0 && st == VG_OK)
        st = err_set(err, VG_EIO, "%s: close failed: %s", name, strerror(errno));
    close(in);
    return st;
}

vg_status
install_keep(struct install *in, const struct gen_file *f, vg_err *err)
{
    struct stat sb;
    vg_status st;

    if (in->curfd < 0)
        return err_set(err, VG_EINTERNAL, "no current generation to keep %s from", f->name);
    if (fstatat(in->curfd, f->name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode) ||
        (uint64_t)sb.st_size != f->size)
        return err_set(err, VG_EIO, "%s/%s: missing or changed in the current database", in->cur, f->name);
    if (linkat(in->curfd, f->name, in->stagefd, f->name, 0) != 0 &&
        (st = copy_file(in->curfd, in->stagefd, f->name, err)) != VG_OK)
        return st;
    return gen_add(&in->gen, f, err);
}

static void
set_meta(struct gen_file *f, const char *name, const char *kind, const char *key)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->name, sizeof(f->name), "%s", name);
    snprintf(f->kind, sizeof(f->kind), "%s", kind);
    snprintf(f->key, sizeof(f->key), "%s", key);
}

vg_status
install_write(struct install *in, const char *name, const void *data, size_t len, const char *kind,
              const char *key, vg_err *err)
{
    struct gen_file f;
    unsigned int n = 0;
    int fd;
    vg_status st = VG_OK;

    set_meta(&f, name, kind, key);
    if (!tar_name_ok(name) || strcmp(name, GEN_FILE) == 0)
        return err_set(err, VG_EINVAL, "invalid database file name '%s'", name);
    f.size = len;
    EVP_Digest(data, len, f.sha256, &n, EVP_sha256(), NULL);
    if ((fd = openat(in->stagefd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0)
        return err_set(err, err_from_errno(errno), "%s/%s/%s: %s", in->dbdir, in->staging, name, strerror(errno));
    if (file_write_all(fd, data, len) != VG_OK)
        st = err_set(err, err_from_errno(errno), "%s/%s/%s: write failed: %s", in->dbdir, in->staging, name,
                     strerror(errno));
    if (close(fd) != 0 && st == VG_OK)
        st = err_set(err, VG_EIO, "%s/%s/%s: close failed: %s", in->dbdir, in->staging, name, strerror(errno));
    if (st != VG_OK)
        return st;
    return gen_add(&in->gen, &f, err);
}

vg_status
install_adopt(struct install *in, const char *name, const char *kind, const char *key, vg_err *err)
{
    struct gen_file f;
    uint8_t buf[65536];
    EVP_MD_CTX *md = NULL;
    int fd;
    ssize_t n;
    vg_status st = VG_OK;

    set_meta(&f, name, kind, key);
    if ((fd = openat(in->stagefd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return err_set(err, err_from_errno(errno), "%s: %s", name, strerror(errno));
    if ((md = EVP_MD_CTX_new()) == NULL || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        st = err_set(err, VG_ENOMEM, "out of memory");
        goto out;
    }
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        EVP_DigestUpdate(md, buf, (size_t)n);
        f.size += (uint64_t)n;
    }
    if (n < 0) {
        st = err_set(err, VG_EIO, "%s: read failed: %s", name, strerror(errno));
        goto out;
    }
    EVP_DigestFinal_ex(md, f.sha256, NULL);
    st = gen_add(&in->gen, &f, err);
out:
    EVP_MD_CTX_free(md);
    close(fd);
    return st;
}

static vg_status
fsync_stage(struct install *in, vg_err *err)
{
    for (size_t i = 0; i <= in->gen.n; i++) {
        const char *name = i < in->gen.n ? in->gen.f[i].name : GEN_FILE;
        int fd = openat(in->stagefd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0 || fsync(fd) != 0) {
            int e = errno;

            if (fd >= 0)
                close(fd);
            return err_set(err, VG_EIO, "%s: fsync failed: %s", name, strerror(e));
        }
        close(fd);
    }
    if (fsync(in->stagefd) != 0)
        return err_set(err, VG_EIO, "%s/%s: fsync failed: %s", in->dbdir, in->staging, strerror(errno));
    return VG_OK;
}

/* Point link at target: a new symlink renamed over the old one. */
static vg_status
set_link(int dirfd, const char *dbdir, const char *link, const char *target, vg_err *err)
{
    char tmp[64];

    snprintf(tmp, sizeof(tmp), ".link-%s-%ld", link, (long)getpid());
    unlinkat(dirfd, tmp, 0);
    if (symlinkat(target, dirfd, tmp) != 0)
        return err_set(err, err_from_errno(errno), "%s/%s: %s", dbdir, tmp, strerror(errno));
    if (renameat(dirfd, tmp, dirfd, link) != 0) {
        int e = errno;

        unlinkat(dirfd, tmp, 0);
        return err_set(err, err_from_errno(e), "%s/%s: %s", dbdir, link, strerror(e));
    }
    if (fsync(dirfd) != 0)
        return err_set(err, VG_EIO, "%s: fsync failed: %s", dbdir, strerror(errno));
    return VG_OK;
}

/* Remove generations other than those current and previous point to. */
static void
prune(struct install *in)
{
    char cur[64], prev[64];
    int dupfd = dup(in->dirfd);
    DIR *d;
    struct dirent *e;
    unsigned long long seq;

    link_target(in->dirfd, "current", cur, sizeof(cur));
    link_target(in->dirfd, "previous", prev, sizeof(prev));
    if (dupfd < 0 || (d = fdopendir(dupfd)) == NULL) {
        if (dupfd >= 0)
            close(dupfd);
        return;
    }
    rewinddir(d);
    while ((e = readdir(d)) != NULL) {
        if (gen_seq(e->d_name, &seq) == 0 && strcmp(e->d_name, cur) != 0 && strcmp(e->d_name, prev) != 0)
            rmtree_at(in->dirfd, e->d_name, 0);
    }
    closedir(d);
}

static unsigned long long
next_seq(struct install *in)
{
    int dupfd = dup(in->dirfd);
    DIR *d;
    struct dirent *e;
    unsigned long long seq, max = 0;

    if (dupfd < 0 || (d = fdopendir(dupfd)) == NULL) {
        if (dupfd >= 0)
            close(dupfd);
        return (unsigned long long)clock_now();
    }
    rewinddir(d);
    while ((e = readdir(d)) != NULL) {
        if (gen_seq(e->d_name, &seq) == 0 && seq > max)
            max = seq;
    }
    closedir(d);
    return max + 1;
}

vg_status
install_commit(struct install *in, uint64_t manifest_version, char *newgen, size_t newgen_size, vg_err *err)
{
    struct buf text = {0};
    char name[64];
    vg_status st;

    /* Work files (downloads, sources being compiled) never outlive staging:
     * a generation holds exactly what GENERATION lists. */
    {
        int dupfd = dup(in->stagefd);
        DIR *d = dupfd >= 0 ? fdopendir(dupfd) : NULL;
        struct dirent *e;

        if (d == NULL) {
            if (dupfd >= 0)
                close(dupfd);
            st = err_set(err, VG_EIO, "%s/%s: %s", in->dbdir, in->staging, strerror(errno));
            goto out;
        }
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                rmtree_at(in->stagefd, e->d_name, 0);
        }
        closedir(d);
    }
    in->gen.created = clock_now();
    in->gen.manifest_version = manifest_version;
    if ((st = gen_format(&in->gen, &text)) != VG_OK) {
        st = err_set(err, st, "out of memory");
        goto out;
    }
    {
        int fd = openat(in->stagefd, GEN_FILE, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

        if (fd < 0) {
            st = err_set(err, err_from_errno(errno), "%s: %s", GEN_FILE, strerror(errno));
            goto out;
        }
        st = file_write_all(fd, text.p, text.len);
        if (close(fd) != 0 || st != VG_OK) {
            st = err_set(err, VG_EIO, "%s/%s/%s: write failed: %s", in->dbdir, in->staging, GEN_FILE,
                         strerror(errno));
            goto out;
        }
    }
    hook_pause("stage");
    if ((st = fsync_stage(in, err)) != VG_OK)
        goto out;
    hook_pause("fsync");
    snprintf(name, sizeof(name), "gen-%06llu", next_seq(in));
    if (renameat(in->dirfd, in->staging, in->dirfd, name) != 0) {
        st = err_set(err, err_from_errno(errno), "%s/%s: rename failed: %s", in->dbdir, name, strerror(errno));
        goto out;
    }
    in->committed = 1;
    if (fsync(in->dirfd) != 0) {
        st = err_set(err, VG_EIO, "%s: fsync failed: %s", in->dbdir, strerror(errno));
        goto out;
    }
    hook_pause("rename");
    /* previous first: at every instant both links name complete generations. */
    if (in->cur[0] && (st = set_link(in->dirfd, in->dbdir, "previous", in->cur, err)) != VG_OK)
        goto out;
    if ((st = set_link(in->dirfd, in->dbdir, "current", name, err)) != VG_OK)
        goto out;
    hook_pause("switch");
    prune(in);
    if (newgen)
        snprintf(newgen, newgen_size, "%s", name);
out:
    buf_free(&text);
    return st;
}

void
install_close(struct install *in)
{
    if (in->stagefd >= 0)
        close(in->stagefd);
    if (!in->committed && in->staging[0] && in->dirfd >= 0)
        rmtree_at(in->dirfd, in->staging, 0);
    if (in->curfd >= 0)
        close(in->curfd);
    if (in->lockfd >= 0)
        close(in->lockfd); /* releases the lock */
    if (in->dirfd >= 0)
        close(in->dirfd);
    gen_free(&in->gen);
    gen_free(&in->curgen);
    in->stagefd = in->curfd = in->lockfd = in->dirfd = -1;
}

vg_status
install_rollback(const char *dbdir, char *now, size_t nowsz, vg_err *err)
{
    struct install in;
    char prev[64];
    struct generation g = {0};
    int fd = -1;
    vg_status st;

    if ((st = install_open(&in, dbdir, err)) != VG_OK)
        goto out;
    link_target(in.dirfd, "previous", prev, sizeof(prev));
    if (prev[0] == '\0' || in.cur[0] == '\0') {
        st = err_set(err, VG_ENOENT, "%s: no previous database to roll back to", dbdir);
        goto out;
    }
    if ((st = read_generation(in.dirfd, prev, &fd, &g, err)) != VG_OK) {
        err_prefix(err, st, "previous database is damaged");
        goto out;
    }
    if ((st = set_link(in.dirfd, dbdir, "current", prev, err)) != VG_OK ||
        (st = set_link(in.dirfd, dbdir, "previous", in.cur, err)) != VG_OK)
        goto out;
    if (now)
        snprintf(now, nowsz, "%s", prev);
out:
    if (fd >= 0)
        close(fd);
    gen_free(&g);
    install_close(&in);
    return st;
}
