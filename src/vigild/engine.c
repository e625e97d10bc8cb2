/*
 * engine.c - the database and scan pools vigild serves, and their reload.
 *
 * An engine is (vg_db, scan pool, all-match scan pool), refcounted. The
 * current engine is one pointer behind a mutex; requests take a reference
 * when they start and drop it when they finish, so a reload only swaps the
 * pointer: scans in flight finish on the old engine, which is freed by the
 * last request that holds it. A reload builds the new engine in its own
 * thread beside the old one (about twice the memory for a moment, like
 * clamd's ConcurrentDatabaseReload); if the new database does not load the
 * old engine keeps serving and the log says why. Reloads are rare (RELOAD,
 * SIGUSR2, SelfCheck); requests asked for while one runs merge into one
 * more run.
 */
#include "vigild.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sandbox/pool.h"

static pthread_mutex_t eng_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t eng_cv = PTHREAD_COND_INITIALIZER;
static struct vd_engine *current;
static const struct clamdconf *conf;
static int reload_running, reload_again;
static uint64_t generation, reloads_ok, reloads_failed;
static int64_t next_selfcheck_ms;
static uint64_t db_fingerprint;

static void
engine_free(struct vd_engine *e)
{
    if (e == NULL)
        return;
    pool_free(e->pool);
    pool_free(e->pool_all);
    vg_db_free(e->db);
    free(e);
}

static void
db_paths(const char **paths, size_t *n)
{
    *n = 0;
    if (conf->database.n > 0) {
        for (size_t i = 0; i < conf->database.n; i++)
            paths[(*n)++] = conf->database.v[i];
    } else {
        paths[(*n)++] = conf->database_directory;
    }
}

static void
scan_opts(vg_scan_opts *o, int allmatch)
{
    memset(o, 0, sizeof(*o));
    vg_scan_opts_default(o);
    o->max_filesize = conf->max_file_size;
    o->max_scansize = conf->max_scan_size;
    o->max_recursion = (uint32_t)(conf->max_recursion > UINT32_MAX ? UINT32_MAX : conf->max_recursion);
    o->max_files = (uint32_t)(conf->max_files > UINT32_MAX ? UINT32_MAX : conf->max_files);
    o->max_scantime_ms = (uint32_t)(conf->max_scan_time > UINT32_MAX ? UINT32_MAX : conf->max_scan_time);
    if (allmatch)
        o->flags |= VG_SCAN_ALLMATCH;
    if (conf->alert_exceeds_max)
        o->flags |= VG_SCAN_ALERT_EXCEEDS_MAX;
    if (!conf->scan_archive)
        o->flags |= VG_SCAN_NO_ARCHIVE;
    if (!conf->heuristic_alerts)
        o->flags |= VG_SCAN_NO_HEURISTICS;
    if (conf->alert_encrypted)
        o->flags |= VG_SCAN_ALERT_ENCRYPTED;
    if (conf->alert_broken)
        o->flags |= VG_SCAN_ALERT_BROKEN;
    if (conf->alert_macros)
        o->flags |= VG_SCAN_ALERT_MACROS;
}

static void
make_version(struct vd_engine *e)
{
    if (e->info.daily_version != 0) {
        char tbuf[64];
        time_t t = (time_t)e->info.daily_time;
        size_t n;

        if (ctime_r(&t, tbuf) == NULL)
            snprintf(tbuf, sizeof(tbuf), "%lld", (long long)t);
        n = strlen(tbuf);
        if (n > 0 && tbuf[n - 1] == '\n')
            tbuf[n - 1] = '\0';
        snprintf(e->version, sizeof(e->version), "ClamAV %s/%u/%s", vg_version(),
                 e->info.daily_version, tbuf);
    } else {
        snprintf(e->version, sizeof(e->version), "ClamAV %s", vg_version());
    }
}

static vg_status
engine_build(struct vd_engine **out, vg_err *err)
{
    const char *paths[CLAMDCONF_MAXLIST + 1];
    struct pool_opts po;
    struct vd_engine *e;
    vg_scan_opts so;
    vg_status st;
    size_t n;

    *out = NULL;
    if ((e = calloc(1, sizeof(*e))) == NULL)
        return VG_ENOMEM;
    atomic_init(&e->refs, 1);
    db_paths(paths, &n);
    if ((st = vg_db_load(paths, n, 0, &e->db, err)) != VG_OK)
        goto out;
    memset(&po, 0, sizeof(po));
    po.workers = (unsigned)conf->max_threads;
    po.sandbox = conf->scan_sandbox;
    po.timeout_ms = (uint32_t)(conf->max_scan_time > UINT32_MAX ? UINT32_MAX : conf->max_scan_time);
    scan_opts(&so, 0);
    if ((st = pool_new(e->db, &so, &po, &e->pool, err)) != VG_OK)
        goto out;
    if (conf->allow_allmatch_scan) {
        scan_opts(&so, 1);
        if ((st = pool_new(e->db, &so, &po, &e->pool_all, err)) != VG_OK)
            goto out;
    }
    vg_db_get_info(e->db, &e->info);
    make_version(e);
    *out = e;
    e = NULL;
    st = VG_OK;
out:
    engine_free(e);
    return st;
}

/* A cheap fingerprint of the database sources: names, sizes and mtimes. */
static uint64_t
fp_mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static uint64_t
fp_stat(uint64_t h, const char *name, const struct stat *sb)
{
    h = fp_mix(h, name, strlen(name) + 1);
    h = fp_mix(h, &sb->st_size, sizeof(sb->st_size));
    h = fp_mix(h, &sb->st_mtim, sizeof(sb->st_mtim));
    return fp_mix(h, &sb->st_ino, sizeof(sb->st_ino));
}

static uint64_t
fingerprint(void)
{
    const char *paths[CLAMDCONF_MAXLIST + 1];
    uint64_t h = 14695981039346656037ULL;
    size_t n;

    db_paths(paths, &n);
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        DIR *d;
        struct dirent *de;
        unsigned count = 0;

        if (stat(paths[i], &sb) != 0) {
            h = fp_mix(h, "missing", 7);
            continue;
        }
        h = fp_stat(h, paths[i], &sb);
        if (!S_ISDIR(sb.st_mode) || (d = opendir(paths[i])) == NULL)
            continue;
        /* directory order is stable while nothing changes; bounded */
        while ((de = readdir(d)) != NULL && count++ < 100000) {
            char p[4096];

            if (de->d_name[0] == '.')
                continue;
            snprintf(p, sizeof(p), "%s/%s", paths[i], de->d_name);
            if (stat(p, &sb) == 0)
                h = fp_stat(h, de->d_name, &sb);
        }
        closedir(d);
    }
    return h;
}

vg_status
engine_init(const struct clamdconf *c, vg_err *err)
{
    struct vd_engine *e;
    vg_status st;

    conf = c;
    db_fingerprint = fingerprint();
    if ((st = engine_build(&e, err)) != VG_OK)
        return st;
    e->generation = ++generation;
    current = e;
    log_msg(VD_INFO, "Loaded database: %llu signatures (%s)",
            (unsigned long long)e->info.signatures, e->version);
    if (conf->self_check)
        next_selfcheck_ms = loop_now_ms() + (int64_t)conf->self_check * 1000;
    return VG_OK;
}

struct vd_engine *
engine_acquire(void)
{
    struct vd_engine *e;

    pthread_mutex_lock(&eng_mu);
    e = current;
    if (e)
        atomic_fetch_add(&e->refs, 1);
    pthread_mutex_unlock(&eng_mu);
    return e;
}

void
engine_release(struct vd_engine *e)
{
    if (e && atomic_fetch_sub(&e->refs, 1) == 1)
        engine_free(e);
}

static void *
reload_main(void *arg)
{
    (void)arg;
    for (;;) {
        struct vd_engine *e = NULL, *old = NULL;
        vg_err err = {{0}};
        vg_status st;
        uint64_t fp = fingerprint();

        st = engine_build(&e, &err);
        pthread_mutex_lock(&eng_mu);
        if (st == VG_OK) {
            e->generation = ++generation;
            old = current;
            current = e;
            db_fingerprint = fp;
            reloads_ok++;
        } else {
            reloads_failed++;
        }
        pthread_mutex_unlock(&eng_mu);
        if (st == VG_OK) {
            log_msg(VD_INFO, "Database correctly reloaded (%llu signatures)",
                    (unsigned long long)e->info.signatures);
            engine_release(old);
        } else {
            log_msg(VD_ERROR, "Database reload failed, keeping the current database: %s",
                    err.msg[0] ? err.msg : vg_status_str(st));
        }
        pthread_mutex_lock(&eng_mu);
        if (reload_again) {
            reload_again = 0;
            pthread_mutex_unlock(&eng_mu);
            continue;
        }
        reload_running = 0;
        pthread_cond_broadcast(&eng_cv);
        pthread_mutex_unlock(&eng_mu);
        return NULL;
    }
}

void
engine_reload(const char *why)
{
    pthread_attr_t at;
    pthread_t th;
    int start = 0;

    log_msg(VD_INFO, "Reading databases (%s)", why);
    pthread_mutex_lock(&eng_mu);
    if (reload_running)
        reload_again = 1;
    else
        reload_running = start = 1;
    pthread_mutex_unlock(&eng_mu);
    if (!start)
        return;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &at, reload_main, NULL) != 0) {
        log_msg(VD_ERROR, "Can't start the reload thread: %s", strerror(errno));
        pthread_mutex_lock(&eng_mu);
        reload_running = 0;
        pthread_cond_broadcast(&eng_cv);
        pthread_mutex_unlock(&eng_mu);
    }
    pthread_attr_destroy(&at);
}

void
engine_tick(int64_t now_ms)
{
    uint64_t fp;

    if (conf == NULL || conf->self_check == 0 || now_ms < next_selfcheck_ms)
        return;
    next_selfcheck_ms = now_ms + (int64_t)conf->self_check * 1000;
    fp = fingerprint();
    pthread_mutex_lock(&eng_mu);
    if (fp == db_fingerprint) {
        pthread_mutex_unlock(&eng_mu);
        log_msg(VD_VERBOSE, "SelfCheck: Database status OK.");
        return;
    }
    pthread_mutex_unlock(&eng_mu);
    engine_reload("SelfCheck: Database modification detected");
}

void
engine_counts(uint64_t *ok, uint64_t *failed)
{
    pthread_mutex_lock(&eng_mu);
    *ok = reloads_ok;
    *failed = reloads_failed;
    pthread_mutex_unlock(&eng_mu);
}

void
engine_shutdown(void)
{
    struct vd_engine *e;

    pthread_mutex_lock(&eng_mu);
    while (reload_running)
        pthread_cond_wait(&eng_cv, &eng_mu);
    e = current;
    current = NULL;
    pthread_mutex_unlock(&eng_mu);
    engine_release(e);
}
