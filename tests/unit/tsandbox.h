/*
 * tsandbox.h - helpers for the sandbox tests: a small database with one
 * body, one hash and one PCRE logical signature (written as files into a
 * temporary directory under the current one, loaded with vg_db_load as
 * the CLI does), files as memfds, and readers for /proc.
 */
#ifndef VG_TEST_TSANDBOX_H
#define VG_TEST_TSANDBOX_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <vigil/vigil.h>

#include "sandbox/pool.h"

#define TSB_BODY "xx vigil-body-marker xx\n"       /* Sbx.Body at offset 3 */
#define TSB_PCRE "xx PCRE1 abc 123 xx\n"            /* Sbx.Pcre */
#define TSB_HASHED "hash-me: vigil sandbox test file\n" /* Sbx.Hash */
#define TSB_CLEAN "nothing to see in this file, move along\n"

/* 1 in a build with AddressSanitizer or ThreadSanitizer: their allocators
 * do not return NULL at RLIMIT_AS (they end the process, or crawl), and
 * they keep freed memory (ASan's quarantine), so RSS says little there. */
static inline int
tsb_sanitized(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return 1;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
    return 1;
#else
    return 0;
#endif
#else
    return 0;
#endif
}

struct tsb {
    char dir[200];
    vg_db *db;
};

static inline int
tsb_write(const char *dir, const char *name, const char *text)
{
    char path[300];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((f = fopen(path, "w")) == NULL)
        return -1;
    fputs(text, f);
    return fclose(f);
}

/* Returns 0 with t->db loaded. */
static inline int
tsb_open(struct tsb *t)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char hdb[256], hex[64];
    const char *paths[1];
    vg_err err;

    memset(t, 0, sizeof(*t));
    snprintf(t->dir, sizeof(t->dir), "%s/sbxdb-XXXXXX",
             getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(t->dir) == NULL)
        return -1;
    EVP_Digest(TSB_HASHED, strlen(TSB_HASHED), md, &mdlen, EVP_md5(), NULL);
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    snprintf(hdb, sizeof(hdb), "%s:%zu:Sbx.Hash\n", hex, strlen(TSB_HASHED));
    if (tsb_write(t->dir, "sbx.ndb", "Sbx.Body:0:*:766967696c2d626f64792d6d61726b6572\n") ||
        tsb_write(t->dir, "sbx.ldb",
                  "Sbx.Pcre;Engine:81-255,Target:0;0&1;5043524531;0/PCRE1 [a-z]+ [0-9]{3}/\n") ||
        tsb_write(t->dir, "sbx.hdb", hdb))
        return -1;
    paths[0] = t->dir;
    if (vg_db_load(paths, 1, VG_LOAD_OFFICIAL | VG_LOAD_NO_CACHE, &t->db, &err) != VG_OK) {
        fprintf(stderr, "tsb: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static inline void
tsb_close(struct tsb *t)
{
    const char *names[] = {"sbx.ndb", "sbx.ldb", "sbx.hdb"};
    char path[300];

    vg_db_free(t->db);
    t->db = NULL;
    if (t->dir[0] == '\0')
        return;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", t->dir, names[i]);
        unlink(path);
    }
    rmdir(t->dir);
}

/* A file with these bytes, as an anonymous regular file. */
static inline int
tsb_memfd(const void *data, size_t len)
{
    int fd = memfd_create("tsb", MFD_CLOEXEC);
    const char *p = data;

    if (fd < 0)
        return -1;
    while (len > 0) {
        ssize_t r = write(fd, p, len);
        if (r <= 0) {
            close(fd);
            return -1;
        }
        p += r;
        len -= (size_t)r;
    }
    return fd;
}

static inline int
tsb_memfd_str(const char *s)
{
    return tsb_memfd(s, strlen(s));
}

/* The value of "Key:" in /proc/<pid>/status (pid 0: self), into out. */
static inline int
tsb_status(int pid, const char *key, char *out, size_t outlen)
{
    char path[64], line[512];
    size_t kl = strlen(key);
    FILE *f;
    int found = -1;

    if (pid)
        snprintf(path, sizeof(path), "/proc/%d/status", pid);
    else
        snprintf(path, sizeof(path), "/proc/self/status");
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
            char *v = line + kl + 1;
            v += strspn(v, " \t");
            v[strcspn(v, "\n")] = '\0';
            snprintf(out, outlen, "%s", v);
            found = 0;
            break;
        }
    }
    fclose(f);
    return found;
}

static inline long
tsb_status_kb(const char *key)
{
    char v[128];

    return tsb_status(0, key, v, sizeof(v)) == 0 ? strtol(v, NULL, 10) : -1;
}

static inline int
tsb_fd_count(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

static inline double
tsb_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Scan a string through the pool. */
static inline vg_status
tsb_scan_str(struct scan_pool *p, const char *s, struct scan_reply *r)
{
    int fd = tsb_memfd_str(s);
    vg_status st;

    if (fd < 0) {
        memset(r, 0, sizeof(*r));
        return r->status = VG_EIO;
    }
    st = pool_scan_fd(p, fd, r);
    close(fd);
    return st;
}

#endif
