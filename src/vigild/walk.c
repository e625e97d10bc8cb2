/*
 * walk.c - what a worker does for a request: walk a path (SCAN, CONTSCAN,
 * MULTISCAN, ALLMATCHSCAN) or scan one descriptor (INSTREAM, FILDES), and
 * turn each result into clamd's reply lines.
 *
 * The daemon opens every file itself, relative to the directory it walks
 * (openat, no symlink following unless FollowFileSymlinks/
 * FollowDirectorySymlinks say so), and passes the descriptor to the scan
 * pool. Reply wording and the final "<path>: OK" rule follow clamd's
 * scanner.c: a line per detection or error; a directory walk ends with OK
 * when nothing was found and not every item failed (the loop writes that
 * line once all of a MULTISCAN's sub-jobs are done).
 */
#include "vigild.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "sandbox/pool.h"

#define WALK_MAX_DEPTH 256

static const struct clamdconf *conf;
static regex_t excludes[CLAMDCONF_MAXLIST];
static size_t nexcludes;

int
walk_init(const struct clamdconf *c, vg_err *err)
{
    conf = c;
    for (size_t i = 0; i < c->exclude_path.n; i++) {
        int rc = regcomp(&excludes[i], c->exclude_path.v[i], REG_EXTENDED | REG_NOSUB);

        if (rc != 0) {
            char msg[256];

            regerror(rc, &excludes[i], msg, sizeof(msg));
            err_set(err, VG_EINVAL, "ExcludePath '%s': %s", c->exclude_path.v[i], msg);
            walk_fini();
            return -1;
        }
        nexcludes = i + 1;
    }
    return 0;
}

void
walk_fini(void)
{
    for (size_t i = 0; i < nexcludes; i++)
        regfree(&excludes[i]);
    nexcludes = 0;
}

static int
excluded(const char *path)
{
    for (size_t i = 0; i < nexcludes; i++)
        if (regexec(&excludes[i], path, 0, NULL, 0) == 0)
            return 1;
    return 0;
}

/* clamd's cl_strerror wording for the statuses a scan can end with. */
static const char *
scan_error_text(const struct scan_reply *r)
{
    switch (r->status) {
    case VG_ENOMEM:
        return "Can't allocate memory";
    case VG_EIO:
        return "Can't read file";
    case VG_ENOENT:
        return "Can't open file or directory";
    case VG_EACCES:
        return "Access denied.";
    case VG_ETIMEOUT:
        return "Time limit reached";
    case VG_EFORMAT:
        return "Bad format or broken data";
    case VG_ENOTFILE:
        return "Not a regular file";
    default:
        return r->error[0] ? r->error : vg_status_str(r->status);
    }
}

/* Scan fd and post the lines for it under name. Returns 1 when infected,
 * -1 on error, 0 when clean. report_ok: post "<name>: OK" when clean. */
static int
scan_fd_named(struct vd_req *req, int fd, const char *name, const char *logname, int report_ok)
{
    struct scan_pool *pool = req->allmatch ? req->eng->pool_all : req->eng->pool;
    struct scan_reply r;
    int rc;

    if (pool == NULL) {
        sched_post_line(req, "%s: Can't allocate memory ERROR", name);
        atomic_fetch_add(&req->errors, 1);
        return -1;
    }
    pool_scan_fd(pool, fd, &r);
    if (r.status != VG_OK) {
        sched_post_line(req, "%s: %s ERROR", name, scan_error_text(&r));
        log_msg(VD_INFO, "%s: %s ERROR", logname, scan_error_text(&r));
        atomic_fetch_add(&req->errors, 1);
        rc = -1;
    } else if (r.infected && r.nmatches > 0) {
        size_t n = req->allmatch ? r.nmatches : 1;

        for (size_t i = 0; i < n; i++) {
            sched_post_line(req, "%s: %s FOUND", name, r.matches[i].name);
            log_msg(VD_INFO, "%s: %s FOUND", logname, r.matches[i].name);
        }
        atomic_fetch_add(&req->infected, 1);
        rc = 1;
    } else {
        if (report_ok)
            sched_post_line(req, "%s: OK", name);
        if (conf->log_clean)
            log_msg(VD_INFO, "%s: OK", logname);
        rc = 0;
    }
    scan_reply_clear(&r);
    return rc;
}

static void
run_fd(struct vd_req *req)
{
    struct stat sb;

    if (fstat(req->fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        sched_post_line(req, "%s: Not a regular file ERROR", req->fdname);
        log_msg(VD_INFO, "%s: Not a regular file. ERROR", req->logname);
        atomic_fetch_add(&req->errors, 1);
        return;
    }
    scan_fd_named(req, req->fd, req->fdname, req->logname, 1);
}

struct walk {
    struct vd_req *req;
    int multi;          /* MULTISCAN: files become sub-jobs */
    int stop_first;     /* SCAN, ALLMATCHSCAN: stop at the first virus */
    int stopped;
    int check_dev;
    dev_t dev;
    unsigned maxdepth;
    char path[PATH_MAX + 1];
    size_t len;
};

static void
post_errno(struct vd_req *req, const char *path, const char *what, int e)
{
    sched_post_line(req, "%s: %s %s. ERROR", path, what, strerror(e));
    log_msg(VD_WARNING, "%s: %s %s", path, what, strerror(e));
    atomic_fetch_add(&req->errors, 1);
}

/* Open and scan one file; dfd/name locate it, full names it in replies. */
static void
scan_file(struct walk *w, int dfd, const char *name, const char *full, int follow)
{
    int flags = O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW);
    struct stat sb;
    int fd, rc;

    if ((fd = openat(dfd, name, flags)) < 0) {
        atomic_fetch_add(&w->req->errors, 1);
        if (errno == EACCES || errno == EPERM) {
            sched_post_line(w->req, "%s: Access denied. ERROR", full);
            log_msg(VD_VERBOSE, "Access denied: %s", full);
        } else {
            sched_post_line(w->req, "%s: Can't open file or directory ERROR", full);
        }
        if (w->stop_first)
            w->stopped = 1;
        return;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size == 0) {
        /* replaced by something else meanwhile, or empty: nothing to scan */
        close(fd);
        return;
    }
    sched_set_task(clamdcmd_name(w->req->cmd), full);
    rc = scan_fd_named(w->req, fd, full, full, 0);
    close(fd);
    if (rc != 0 && w->stop_first)
        w->stopped = 1;
}

static void
visit_file(struct walk *w, int dfd, const char *name, const struct stat *sb, int follow)
{
    char *rp = NULL;
    const char *full = w->path;

    atomic_fetch_add(&w->req->total, 1);
    if (sb->st_size == 0)
        return; /* an empty file is clean; clamd does not scan it either */
    if (follow && (rp = realpath(w->path, NULL)) != NULL)
        full = rp;
    if (w->multi && sched_submit_multi(w->req, full) == 0) {
        free(rp);
        return;
    }
    scan_file(w, dfd, name, full, follow);
    free(rp);
}

static void visit_dir(struct walk *w, int dfd, unsigned depth);

static void
visit_entry(struct walk *w, int dfd, const char *name, unsigned depth)
{
    struct stat sb;
    int follow = 0;

    if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
        atomic_fetch_add(&w->req->total, 1);
        post_errno(w->req, w->path, "File path check failure:", errno);
        return;
    }
    if (S_ISLNK(sb.st_mode)) {
        if ((!conf->follow_file_symlinks && !conf->follow_dir_symlinks) ||
            fstatat(dfd, name, &sb, 0) != 0 ||
            (S_ISREG(sb.st_mode) && !conf->follow_file_symlinks) ||
            (S_ISDIR(sb.st_mode) && !conf->follow_dir_symlinks) ||
            (!S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))) {
            atomic_fetch_add(&w->req->total, 1); /* skipped link */
            return;
        }
        follow = 1;
    }
    if (excluded(w->path)) {
        if (!w->multi)
            sched_post_line(w->req, "%s: Excluded", w->path);
        return;
    }
    if (S_ISDIR(sb.st_mode)) {
        int fd;

        if (w->check_dev && sb.st_dev != w->dev) {
            if (!w->multi)
                sched_post_line(w->req, "%s: Excluded (another filesystem)", w->path);
            return;
        }
        if (depth + 1 > w->maxdepth) {
            log_msg(VD_WARNING, "Directory recursion limit reached, skipping %s", w->path);
            atomic_fetch_add(&w->req->total, 1);
            return;
        }
        fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
        if (fd < 0) {
            atomic_fetch_add(&w->req->total, 1);
            if (errno == EACCES || errno == EPERM) {
                atomic_fetch_add(&w->req->errors, 1);
                sched_post_line(w->req, "%s: Access denied. ERROR", w->path);
            } else {
                post_errno(w->req, w->path, "File path check failure:", errno);
            }
            return;
        }
        visit_dir(w, fd, depth + 1);
        return;
    }
    if (S_ISREG(sb.st_mode)) {
        visit_file(w, dfd, name, &sb, follow);
        return;
    }
    atomic_fetch_add(&w->req->total, 1); /* device, fifo, socket: skipped */
}

/* Walk the directory open at dfd (w->path names it); closes dfd. */
static void
visit_dir(struct walk *w, int dfd, unsigned depth)
{
    DIR *d = fdopendir(dfd);
    struct dirent *de;
    size_t base = w->len;

    if (d == NULL) {
        post_errno(w->req, w->path, "File path check failure:", errno);
        close(dfd);
        return;
    }
    while (!w->stopped && !atomic_load(&w->req->cancel) && (de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        int slash = base > 0 && w->path[base - 1] == '/' ? 0 : 1;

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n > sizeof(w->path) - 1 - base - (size_t)slash) {
            atomic_fetch_add(&w->req->total, 1);
            atomic_fetch_add(&w->req->errors, 1);
            sched_post_line(w->req, "%.*s/%s: File path check failure: File name too long. ERROR",
                            (int)base, w->path, de->d_name);
            continue;
        }
        if (slash)
            w->path[base] = '/';
        memcpy(w->path + base + (size_t)slash, de->d_name, n + 1);
        w->len = base + (size_t)slash + n;
        visit_entry(w, dfd, de->d_name, depth);
        w->path[base] = '\0';
        w->len = base;
    }
    closedir(d);
}

static void
run_path(struct vd_req *req)
{
    struct walk *w;
    struct stat sb;
    char *rp = NULL;
    int fd;

    if ((w = calloc(1, sizeof(*w))) == NULL) {
        sched_post_line(req, "%s: Can't allocate memory ERROR", req->path);
        atomic_fetch_add(&req->errors, 1);
        atomic_fetch_add(&req->total, 1);
        return;
    }
    w->req = req;
    w->stop_first = req->cmd == CLAMDCMD_SCAN || req->cmd == CLAMDCMD_ALLMATCHSCAN;
    w->maxdepth = conf->max_dir_recursion == 0 || conf->max_dir_recursion > WALK_MAX_DEPTH
                      ? WALK_MAX_DEPTH
                      : (unsigned)conf->max_dir_recursion;
    if (stat(req->path, &sb) != 0) {
        atomic_fetch_add(&req->total, 1);
        post_errno(req, req->path, "File path check failure:", errno);
        goto out;
    }
    if (excluded(req->path)) {
        if (req->cmd != CLAMDCMD_MULTISCAN)
            sched_post_line(req, "%s: Excluded", req->path);
        goto out;
    }
    if ((rp = realpath(req->path, NULL)) == NULL || strlen(rp) >= sizeof(w->path)) {
        atomic_fetch_add(&req->total, 1);
        post_errno(req, req->path, "File path check failure:", rp ? ENAMETOOLONG : errno);
        goto out;
    }
    w->multi = req->cmd == CLAMDCMD_MULTISCAN && S_ISDIR(sb.st_mode);
    w->check_dev = !conf->cross_filesystems;
    w->dev = sb.st_dev;
    strcpy(w->path, rp);
    w->len = strlen(rp);
    if (S_ISREG(sb.st_mode)) {
        visit_file(w, AT_FDCWD, rp, &sb, 1);
    } else if (S_ISDIR(sb.st_mode)) {
        atomic_fetch_add(&req->total, 1);
        if ((fd = open(rp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
            atomic_fetch_add(&req->errors, 1);
            if (errno == EACCES || errno == EPERM)
                sched_post_line(req, "%s: Access denied. ERROR", req->path);
            else
                post_errno(req, req->path, "File path check failure:", errno);
            goto out;
        }
        visit_dir(w, fd, 0);
    } else {
        /* as clamd: reported, but not counted as an error */
        atomic_fetch_add(&req->total, 1);
        sched_post_line(req, "%s: Not supported file type ERROR", req->path);
    }
out:
    free(rp);
    free(w);
}

static void
run_multifile(struct vd_req *req, const char *path)
{
    struct walk w;

    memset(&w, 0, sizeof(w));
    w.req = req;
    if (atomic_load(&req->cancel))
        return;
    scan_file(&w, AT_FDCWD, path, path, conf->follow_file_symlinks);
}

void
walk_run(struct vd_req *req, enum vd_job_kind kind, const char *path)
{
    if (atomic_load(&req->cancel))
        return;
    switch (kind) {
    case JOB_FD:
        run_fd(req);
        break;
    case JOB_PATH:
        run_path(req);
        break;
    case JOB_MULTIFILE:
        run_multifile(req, path);
        break;
    }
}
