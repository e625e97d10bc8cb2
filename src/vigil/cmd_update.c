/*
 * cmd_update.c - `vigil update`: fetch, verify and install signed updates.
 *
 *   vigil update [--state DIR] [--db-dir DIR] [--root FILE]
 *                [--mirror URL]... [--from DIR]
 *                [--clamav-mirror URL | --clamav-from DIR] [--clamav-db NAME]...
 *                [--clamav-certs PATH] [--clamav-max-age DAYS]
 *                [--timeout SECONDS] [--format vgdb|sources] [--force]
 *                [--notify-clamd SOCKET]...
 *
 * Order: load what the client trusts (pinned root, trust state); lock and
 * read the installed generation; fetch and verify from the vigil mirrors
 * and the ClamAV mirror; only then build and switch to a new generation;
 * record the new trust state; tell the daemon to reload. A source that fails
 * any check changes nothing; the exit status is 0 when everything is
 * current, 1 when a source was refused or unreachable, 2 on a local error.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmds.h"
#include "core/err.h"
#include "update.h"
#include "update/clock.h"
#include "update/file.h"
#include "update/hook.h"
#include "update/notify.h"
#include "update/repo.h"

#ifndef VG_STATE_DIR
#define VG_STATE_DIR "/var/lib/vigil"
#endif

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: vigil update [options]\n"
            "  --state DIR            trust state: pinned root and last release (default " VG_STATE_DIR ")\n"
            "  --db-dir DIR           installed databases (default STATE/db; load DIR/current)\n"
            "  --root FILE            root document to pin on first use\n"
            "  --mirror URL           a vigil repository mirror (http, https, file); repeatable\n"
            "  --from DIR             a repository in a local directory (offline update)\n"
            "  --clamav-mirror URL    a ClamAV-layout mirror (.cvd/.cld/.cdiff)\n"
            "  --clamav-from DIR      the same, in a local directory\n"
            "  --clamav-db NAME       ClamAV database to keep current (daily, main, ...); repeatable\n"
            "  --clamav-certs PATH    CA certificate file or directory for .sign files\n"
            "  --clamav-max-age DAYS  refuse ClamAV databases built longer ago than this\n"
            "  --timeout SECONDS      limit for each download (default 300)\n"
            "  --format vgdb|sources  compile database images (default) or install signature sources\n"
            "  --force                reinstall the current release\n"
            "  --notify-clamd SOCKET  send RELOAD to the daemon (vigild, clamd) on this Unix socket after\n"
            "                         installing; repeatable\n");
}

static vg_status
file_url(const char *dir, char *out, size_t outsz, vg_err *err)
{
    char abs[PATH_MAX];

    if (realpath(dir, abs) == NULL)
        return err_set(err, err_from_errno(errno), "%s: %s", dir, strerror(errno));
    if ((size_t)snprintf(out, outsz, "file://%s", abs) >= outsz)
        return err_set(err, VG_EINVAL, "%s: path too long", dir);
    return VG_OK;
}

static int
parse_args(int argc, char **argv, struct update_opts *o, char *dbdir, size_t dbsz, char urls[][PATH_MAX + 8])
{
    static const struct option opts[] = {
        {"state", required_argument, NULL, 's'},      {"db-dir", required_argument, NULL, 'd'},
        {"root", required_argument, NULL, 'r'},       {"mirror", required_argument, NULL, 'm'},
        {"from", required_argument, NULL, 'f'},       {"clamav-mirror", required_argument, NULL, 'M'},
        {"clamav-from", required_argument, NULL, 'F'}, {"clamav-db", required_argument, NULL, 'c'},
        {"clamav-certs", required_argument, NULL, 'C'}, {"clamav-max-age", required_argument, NULL, 'A'},
        {"timeout", required_argument, NULL, 't'},    {"format", required_argument, NULL, 'o'},
        {"force", no_argument, NULL, 'x'},            {"notify-clamd", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},             {NULL, 0, NULL, 0}};
    int c, nurl = 0;
    vg_err err = {{0}};

    o->state_dir = VG_STATE_DIR;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        long v;

        switch (c) {
        case 's': o->state_dir = optarg; break;
        case 'd': o->db_dir = optarg; break;
        case 'r': o->root_file = optarg; break;
        case 'm':
        case 'f':
            if (o->nmirrors == UPD_MAX_MIRRORS) {
                fprintf(stderr, "vigil update: too many mirrors\n");
                return 2;
            }
            if (c == 'f') {
                if (file_url(optarg, urls[nurl], sizeof(urls[0]), &err) != VG_OK) {
                    fprintf(stderr, "vigil update: %s\n", err.msg);
                    return 2;
                }
                o->mirrors[o->nmirrors++] = urls[nurl++];
            } else {
                o->mirrors[o->nmirrors++] = optarg;
            }
            break;
        case 'M': o->clamav_mirror = optarg; break;
        case 'F':
            if (file_url(optarg, urls[nurl], sizeof(urls[0]), &err) != VG_OK) {
                fprintf(stderr, "vigil update: %s\n", err.msg);
                return 2;
            }
            o->clamav_mirror = urls[nurl++];
            break;
        case 'c':
            if (o->nclamav == UPD_MAX_CLAMAV) {
                fprintf(stderr, "vigil update: too many ClamAV databases\n");
                return 2;
            }
            o->clamav_dbs[o->nclamav++] = optarg;
            break;
        case 'C': o->clamav_certs = optarg; break;
        case 'A':
        case 't':
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (errno || *end || v <= 0 || v > 100000) {
                fprintf(stderr, "vigil update: --%s: not a positive number: %s\n", c == 'A' ? "clamav-max-age" : "timeout",
                        optarg);
                return 2;
            }
            if (c == 'A')
                o->clamav_max_age = (int64_t)v * 86400;
            else
                o->fetch.timeout_ms = v * 1000;
            break;
        case 'o':
            if (strcmp(optarg, "sources") == 0)
                o->sources = 1;
            else if (strcmp(optarg, "vgdb") != 0) {
                fprintf(stderr, "vigil update: --format: vgdb or sources\n");
                return 2;
            }
            break;
        case 'x': o->force = 1; break;
        case 'n':
            if (o->nnotify == UPD_MAX_NOTIFY) {
                fprintf(stderr, "vigil update: too many --notify-clamd sockets\n");
                return 2;
            }
            o->notify[o->nnotify++] = optarg;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc || (o->nmirrors == 0 && o->clamav_mirror == NULL)) {
        usage(stderr);
        return 2;
    }
    if (o->clamav_mirror && o->nclamav == 0) {
        fprintf(stderr, "vigil update: --clamav-db NAME is needed with a ClamAV mirror\n");
        return 2;
    }
    for (size_t i = 0; i < o->nclamav; i++) {
        const char *s = o->clamav_dbs[i];

        if (strlen(s) == 0 || strlen(s) > 32 || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(s)) {
            fprintf(stderr, "vigil update: --clamav-db: invalid name '%s'\n", s);
            return 2;
        }
    }
    if (o->db_dir == NULL) {
        snprintf(dbdir, dbsz, "%s/db", o->state_dir);
        o->db_dir = dbdir;
    }
    return -1;
}

/* The pinned root: STATE/root, or --root on first use. */
static vg_status
load_root(struct upd *u, vg_err *err)
{
    char path[PATH_MAX + 8];
    uint8_t *data = NULL;
    size_t len;
    vg_status st;

    snprintf(path, sizeof(path), "%s/root", u->o->state_dir);
    st = file_read(path, ROOT_MAX_SIZE, &data, &len, err);
    if (st == VG_ENOENT) {
        if (u->o->root_file == NULL)
            return err_set(err, VG_ENOENT, "no trusted root in %s: pass --root FILE once to pin one",
                           u->o->state_dir);
        if ((st = file_read(u->o->root_file, ROOT_MAX_SIZE, &data, &len, err)) != VG_OK)
            return st;
        if ((st = repo_load_root(data, len, u->o->root_file, &u->root, err)) == VG_OK)
            st = file_write_atomic(u->o->state_dir, "root", data, len, 0644, err);
        free(data);
        u->have_root = st == VG_OK;
        return st;
    }
    if (st == VG_OK)
        st = repo_load_root(data, len, path, &u->root, err);
    free(data);
    u->have_root = st == VG_OK;
    return st;
}

static vg_status
load_state(struct upd *u, vg_err *err)
{
    char path[PATH_MAX + 8];
    uint8_t *data = NULL;
    size_t len;
    vg_status st;

    snprintf(path, sizeof(path), "%s/state", u->o->state_dir);
    st = file_read(path, 1u << 20, &data, &len, err);
    if (st == VG_ENOENT)
        return VG_OK;
    if (st == VG_OK)
        st = tstate_parse(data, len, &u->state, err);
    free(data);
    return st;
}

static vg_status
save_state(struct upd *u, vg_err *err)
{
    struct buf b = {0};
    vg_status st;

    if (u->repo_ok) {
        u->state.have_manifest = 1;
        u->state.manifest_version = u->m.version;
        memcpy(u->state.manifest_sha, u->msha, 32);
        u->state.log_n = u->m.log_n;
        memcpy(u->state.log_head, u->m.log_head, 32);
    }
    for (size_t i = 0; i < u->ncl; i++) {
        if (u->cl[i].version > tstate_clamav(&u->state, u->cl[i].name) &&
            tstate_set_clamav(&u->state, u->cl[i].name, u->cl[i].version) != VG_OK)
            return err_set(err, VG_ELIMIT, "too many ClamAV databases");
    }
    if ((st = tstate_format(&u->state, &b)) == VG_OK)
        st = file_write_atomic(u->o->state_dir, "state", b.p, b.len, 0644, err);
    else
        err_set(err, st, "out of memory");
    buf_free(&b);
    return st;
}

int
cmd_update(int argc, char **argv)
{
    static struct upd u; /* large (manifest); one per process */
    struct update_opts o;
    char dbdir[PATH_MAX + 8], newgen[64] = "";
    static char urls[UPD_MAX_MIRRORS + 1][PATH_MAX + 8];
    vg_err err = {{0}};
    int rc, failed = 0;

    memset(&o, 0, sizeof(o));
    memset(&u, 0, sizeof(u));
    if ((rc = parse_args(argc, argv, &o, dbdir, sizeof(dbdir), urls)) >= 0)
        return rc;
    u.o = &o;
    u.now = clock_now();
    u.in.dirfd = u.in.lockfd = u.in.curfd = u.in.stagefd = -1;
    signal(SIGPIPE, SIG_IGN); /* a daemon or mirror that hangs up is an error, not a kill */
    if (fetch_global_init() != VG_OK) {
        fprintf(stderr, "vigil update: cannot initialise libcurl\n");
        return 2;
    }
    if (mkdir(o.state_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "vigil update: %s: %s\n", o.state_dir, strerror(errno));
        return 2;
    }
    if ((o.nmirrors && load_root(&u, &err) != VG_OK) || load_state(&u, &err) != VG_OK ||
        install_open(&u.in, o.db_dir, &err) != VG_OK) {
        fprintf(stderr, "vigil update: %s\n", err.msg);
        rc = 2;
        goto out;
    }
    if (u.in.cur_damaged) {
        fprintf(stderr, "vigil update: %s; installing everything afresh\n", err.msg);
        o.force = 1;
    }
    if (install_stage(&u.in, &err) != VG_OK) {
        fprintf(stderr, "vigil update: %s\n", err.msg);
        rc = 2;
        goto out;
    }
    if (o.nmirrors && update_repo(&u, &err) != VG_OK)
        failed = 1;
    if (o.clamav_mirror && update_clamav(&u, &err) != VG_OK)
        failed = 1;
    if (update_stage_needed(&u)) {
        if (update_stage(&u, newgen, sizeof(newgen), &err) != VG_OK) {
            fprintf(stderr, "vigil update: installing failed, the installed database is unchanged: %s\n", err.msg);
            rc = 2;
            goto out;
        }
        printf("vigil update: installed %s/%s", o.db_dir, newgen);
        if (u.repo_ok)
            printf(" (release %llu)", (unsigned long long)u.m.version);
        printf("\n");
    } else if (!failed && (u.repo_ok || u.ncl)) {
        printf("vigil update: the database is up to date");
        if (u.repo_ok)
            printf(" (release %llu)", (unsigned long long)u.m.version);
        printf("\n");
    }
    if ((u.repo_ok || u.ncl) && save_state(&u, &err) != VG_OK) {
        fprintf(stderr, "vigil update: %s\n", err.msg);
        rc = 2;
        goto out;
    }
    hook_pause("reload");
    for (size_t i = 0; newgen[0] && i < o.nnotify; i++) {
        if (notify_reload(o.notify[i], 10000, &err) != VG_OK)
            fprintf(stderr, "vigil update: the database was installed, but the daemon was not told: %s\n", err.msg);
        else
            printf("vigil update: %s is reloading\n", o.notify[i]);
    }
    rc = failed ? 1 : 0;
out:
    for (size_t i = 0; i < u.ncl; i++)
        buf_free(&u.cl[i].cld);
    install_close(&u.in);
    return rc;
}
