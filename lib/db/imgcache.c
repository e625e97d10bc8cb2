/*
 * imgcache.c - verified-image stamps and rebuilt Hyperscan databases
 * (see imgcache.h).
 */
#include "db/imgcache.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#define HS_CACHE_MAX ((size_t)1 << 31)

struct stamp {
    char magic[8];
    uint64_t dev, ino, size;
    int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
};

static char cache_dir[PATH_MAX];
static int cache_state; /* 0 unknown, 1 have, -1 none */

const char *
imgcache_dir(void)
{
    const char *env, *home;

    if (cache_state)
        return cache_state > 0 ? cache_dir : NULL;
    cache_state = -1;
    if ((env = getenv("VIGIL_CACHE_DIR")) != NULL) {
        if (*env == '\0')
            return NULL; /* explicitly off */
        snprintf(cache_dir, sizeof(cache_dir), "%s", env);
    } else if ((env = getenv("XDG_CACHE_HOME")) != NULL && *env == '/') {
        snprintf(cache_dir, sizeof(cache_dir), "%s/vigil", env);
    } else if ((home = getenv("HOME")) != NULL && *home == '/') {
        snprintf(cache_dir, sizeof(cache_dir), "%s/.cache/vigil", home);
    } else {
        return NULL;
    }
    /* create it (and ~/.cache) if needed; private to the user */
    {
        char tmp[PATH_MAX];
        snprintf(tmp, sizeof(tmp), "%s", cache_dir);
        for (char *p = tmp + 1; *p; p++) {
            if (*p != '/')
                continue;
            *p = '\0';
            mkdir(tmp, 0700);
            *p = '/';
        }
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return NULL;
    }
    cache_state = 1;
    return cache_dir;
}

static int
entry_path(char *out, size_t cap, const uint8_t sha[32], const char *suffix)
{
    const char *dir = imgcache_dir();
    char hex[65];

    if (dir == NULL)
        return -1;
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", sha[i]);
    return snprintf(out, cap, "%s/%s%s", dir, hex, suffix) >= (int)cap ? -1 : 0;
}

static void
stamp_of(const struct stat *st, struct stamp *s)
{
    memset(s, 0, sizeof(*s));
    memcpy(s->magic, "VGSTAMP1", 8);
    s->dev = (uint64_t)st->st_dev;
    s->ino = (uint64_t)st->st_ino;
    s->size = (uint64_t)st->st_size;
    s->mtime_s = st->st_mtim.tv_sec;
    s->mtime_ns = st->st_mtim.tv_nsec;
    s->ctime_s = st->st_ctim.tv_sec;
    s->ctime_ns = st->st_ctim.tv_nsec;
}

/* Write bytes to path via a temporary file and rename; errors ignored. */
static void
write_file(const char *path, const void *p, size_t len)
{
    char tmp[PATH_MAX + 32];
    int fd;
    size_t off = 0;

    if (snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof(tmp))
        return;
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
        return;
    while (off < len) {
        ssize_t w = write(fd, (const char *)p + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            unlink(tmp);
            return;
        }
        off += (size_t)w;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0)
        unlink(tmp);
}

int
imgcache_verified(const uint8_t sha[32], const struct stat *st)
{
    char path[PATH_MAX];
    struct stamp want, have;
    int fd;
    ssize_t n;

    if (entry_path(path, sizeof(path), sha, ".ok") != 0)
        return 0;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return 0;
    n = read(fd, &have, sizeof(have));
    close(fd);
    stamp_of(st, &want);
    return n == (ssize_t)sizeof(have) && memcmp(&want, &have, sizeof(want)) == 0;
}

void
imgcache_mark_verified(const uint8_t sha[32], const struct stat *st)
{
    char path[PATH_MAX];
    struct stamp s;

    if (entry_path(path, sizeof(path), sha, ".ok") != 0)
        return;
    stamp_of(st, &s);
    write_file(path, &s, sizeof(s));
}

int
imgcache_hs_load(const uint8_t sha[32], uint64_t cpu, struct buf *out)
{
    char path[PATH_MAX], suffix[40];
    struct stat st;
    int fd;
    size_t got = 0;

    snprintf(suffix, sizeof(suffix), "-%016llx.hs", (unsigned long long)cpu);
    if (entry_path(path, sizeof(path), sha, suffix) != 0)
        return -1;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (uint64_t)st.st_size > HS_CACHE_MAX || buf_reserve(out, (size_t)st.st_size) != VG_OK) {
        close(fd);
        return -1;
    }
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, out->p + out->len + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    /* payload followed by its SHA-256: a torn or damaged entry is ignored */
    if (got != (size_t)st.st_size || got <= 32)
        return -1;
    {
        uint8_t d[32];
        unsigned int dl = 0;
        if (EVP_Digest(out->p + out->len, got - 32, d, &dl, EVP_sha256(), NULL) != 1 ||
            memcmp(d, out->p + out->len + got - 32, 32) != 0)
            return -1;
    }
    out->len += got - 32;
    return 0;
}

void
imgcache_hs_store(const uint8_t sha[32], uint64_t cpu, const uint8_t *p, size_t len)
{
    char path[PATH_MAX], suffix[40];

    uint8_t *copy;
    uint8_t d[32];
    unsigned int dl = 0;

    snprintf(suffix, sizeof(suffix), "-%016llx.hs", (unsigned long long)cpu);
    if (entry_path(path, sizeof(path), sha, suffix) != 0 || len > HS_CACHE_MAX)
        return;
    if (EVP_Digest(p, len, d, &dl, EVP_sha256(), NULL) != 1 || (copy = malloc(len + 32)) == NULL)
        return;
    memcpy(copy, p, len);
    memcpy(copy + len, d, 32);
    write_file(path, copy, len + 32);
    free(copy);
}
