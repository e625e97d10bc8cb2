/*
 * scan_walk.c - the file-system walk of `vigil scan`.
 *
 * Semantics are clamscan's (1.4.6), checked by running it:
 *   - a named directory is read; its subdirectories only with -r;
 *   - a directory at nesting level > --max-dir-recursion (the named one is
 *     level 1) is not entered;
 *   - symbolic links named on the command line are followed by default
 *     (--follow-*-symlinks=1), links met while walking only with =2;
 *   - --exclude/--include test a file's real path (absolute, links
 *     resolved), --exclude-dir/--include-dir a directory's path as walked
 *     (the named directory too), as POSIX extended regexes;
 *   - without --cross-fs, entries on another device than the named
 *     directory are excluded; files on /proc are excluded.
 * Where clamscan stays silent, vigil prints a line: special files met while
 * walking, directories beyond --max-dir-recursion, links to be followed
 * that lead nowhere, and loops (a directory that is its own ancestor
 * through a followed link or a bind mount, or a link that resolves to
 * itself) are reported and skipped, never entered.
 *
 * The walk is iterative (an explicit stack of open directories), opens
 * every entry relative to its parent's descriptor, and never opens anything
 * that the preceding lstat did not show as a regular file or directory; the
 * open itself uses O_NONBLOCK (a fifo swapped in cannot block us) and
 * O_NOFOLLOW (a link swapped in is not followed), and fstat on the open
 * descriptor has the last word.
 *
 * Workload: one thread walks while the workers scan; a walk costs one
 * fstatat and, for files, one openat + fstat per entry.
 */
#include "scan_walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ckd.h"
#include "scan_stdin.h"

struct frame {
    DIR *d;
    char *path;
    char *real;     /* its real path, for --exclude/--include; NULL if unknown */
    dev_t dev;      /* this directory */
    ino_t ino;
    dev_t top_dev;  /* the named directory, for --cross-fs=no */
    unsigned level; /* 1 for the named directory */
};

struct walker {
    const struct scan_cfg *cfg;
    const struct scan_walk_sink *sink;
    int have_procdev;
    dev_t procdev;
    struct frame *stack;
    size_t depth, cap;
    int failed; /* errno of a failure that stops the walk (ENOMEM) */
};

static int
stopped(const struct walker *w)
{
    return w->failed != 0 || (w->sink->stop != NULL && atomic_load(w->sink->stop) != 0);
}

static void
note(struct walker *w, enum scan_note kind, const char *path, int is_dir, int via_link, int err)
{
    struct scan_item *it;

    if (w->sink->count_only)
        return;
    if ((it = scan_queue_item_new(kind, path)) == NULL) {
        w->failed = ENOMEM;
        return;
    }
    it->is_dir = is_dir;
    it->via_link = via_link;
    it->err = err;
    w->sink->emit(w->sink->ctx, it);
}

/* "<dir>/<name>", or "/<name>" under the root. NULL when out of memory. */
static char *
join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name), total;
    char *p;

    if (dl == 1 && dir[0] == '/')
        dl = 0;
    if (ckd_add(&total, dl, nl) || ckd_add(&total, total, 2u))
        return NULL;
    if ((p = malloc(total)) == NULL)
        return NULL;
    memcpy(p, dir, dl);
    p[dl] = '/';
    memcpy(p + dl + 1, name, nl + 1);
    return p;
}

/*
 * --exclude/--include test a file's real path (absolute, links resolved),
 * as clamscan 1.4.6 does, while lines print the path as walked. The real
 * path is the directory's real path plus the name, or realpath() for a
 * followed link or a named file; the walked path when that fails.
 */
static int
excluded_file(struct walker *w, const char *name, const char *path, int follow,
              const char *dir_real)
{
    const struct scan_cfg *cfg = w->cfg;
    char *real = NULL;
    const char *subject = path;
    int hit;

    if (cfg->exclude.n == 0 && cfg->include.n == 0)
        return 0;
    if (!follow && dir_real != NULL)
        real = join(dir_real, name);
    else
        real = realpath(path, NULL);
    if (real != NULL)
        subject = real;
    hit = scan_opts_match(&cfg->exclude, subject) ||
          (cfg->include.n > 0 && !scan_opts_match(&cfg->include, subject));
    free(real);
    return hit;
}

/* The real path of a directory being entered, when file patterns need it. */
static char *
dir_real_path(const struct walker *w, const char *name, const char *path, int via_link,
              const char *parent_real)
{
    if (w->cfg->exclude.n == 0 && w->cfg->include.n == 0)
        return NULL;
    if (!via_link && parent_real != NULL)
        return join(parent_real, name);
    return realpath(path, NULL);
}

static int
excluded_dir(const struct scan_cfg *cfg, const char *path)
{
    if (scan_opts_match(&cfg->exclude_dir, path))
        return 1;
    return cfg->include_dir.n > 0 && !scan_opts_match(&cfg->include_dir, path);
}

/*
 * A regular file (by lstat, or by stat when reached through a followed
 * link): apply the file rules, open it and hand it on.
 */
static void
visit_file(struct walker *w, int at, const char *name, const char *path, const struct stat *st,
           int follow, const char *dir_real)
{
    struct scan_item *it;
    struct stat fst;
    int fd, fl;

    if (excluded_file(w, name, path, follow, dir_real)) {
        note(w, NOTE_EXCLUDED, path, 0, follow, 0);
        return;
    }
    if (w->have_procdev && st->st_dev == w->procdev) {
        note(w, NOTE_EXCLUDED_PROC, path, 0, follow, 0);
        return;
    }
    if (st->st_size == 0) {
        note(w, NOTE_EMPTY, path, 0, follow, 0);
        return;
    }
    if (w->sink->count_only) {
        if ((it = scan_queue_item_new(NOTE_NONE, path)) == NULL) {
            w->failed = ENOMEM;
            return;
        }
        it->size = (uint64_t)st->st_size;
        w->sink->emit(w->sink->ctx, it);
        return;
    }

    fd = openat(at, name, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
    if (fd < 0) {
        int e = errno;

        if (e == EACCES || e == EPERM)
            note(w, NOTE_ACCESS_DENIED, path, 0, follow, e);
        else if (e == ELOOP && !follow)
            note(w, NOTE_SYMLINK, path, 0, 0, 0); /* became a link since lstat */
        else
            note(w, NOTE_OPEN_ERROR, path, 0, follow, e);
        return;
    }
    if (fstat(fd, &fst) != 0) {
        note(w, NOTE_OPEN_ERROR, path, 0, follow, errno);
        goto out;
    }
    if (!S_ISREG(fst.st_mode)) {
        note(w, NOTE_UNSUPPORTED, path, 0, follow, 0);
        goto out;
    }
    if (fst.st_size == 0) {
        note(w, NOTE_EMPTY, path, 0, follow, 0);
        goto out;
    }
    /* scanning reads normally: non-blocking was only for the open */
    if ((fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
        note(w, NOTE_OPEN_ERROR, path, 0, follow, errno);
        goto out;
    }
    if ((it = scan_queue_item_new(NOTE_NONE, path)) == NULL) {
        w->failed = ENOMEM;
        goto out;
    }
    it->fd = fd;
    it->via_link = follow;
    it->size = (uint64_t)fst.st_size;
    w->sink->emit(w->sink->ctx, it);
    return;
out:
    close(fd);
}

/*
 * A directory: apply the directory rules, open it and push it on the stack;
 * the main loop then reads it. level is its nesting level.
 */
static void
enter_dir(struct walker *w, int at, const char *name, const char *path, unsigned level,
          dev_t top_dev, int via_link, const char *parent_real)
{
    const struct scan_cfg *cfg = w->cfg;
    struct frame *f;
    struct stat st;
    DIR *d;
    int fd;

    if (excluded_dir(cfg, path)) {
        note(w, NOTE_EXCLUDED, path, 1, via_link, 0);
        return;
    }
    if (level > cfg->max_dir_recursion) {
        note(w, NOTE_EXCLUDED_DEPTH, path, 1, via_link, 0);
        return;
    }
    fd = openat(at, name,
                O_RDONLY | O_DIRECTORY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC |
                    (via_link ? 0 : O_NOFOLLOW));
    if (fd < 0) {
        note(w, NOTE_DIR_ERROR, path, 1, via_link, errno);
        return;
    }
    if (fstat(fd, &st) != 0) {
        note(w, NOTE_DIR_ERROR, path, 1, via_link, errno);
        close(fd);
        return;
    }
    if (w->have_procdev && st.st_dev == w->procdev) {
        note(w, NOTE_EXCLUDED_PROC, path, 1, via_link, 0);
        close(fd);
        return;
    }
    for (size_t i = 0; i < w->depth; i++) {
        if (w->stack[i].dev == st.st_dev && w->stack[i].ino == st.st_ino) {
            note(w, NOTE_LOOP, path, 1, via_link, 0);
            close(fd);
            return;
        }
    }
    if (w->depth == w->cap) {
        size_t ncap = w->cap ? w->cap * 2 : 16;
        struct frame *ns = realloc(w->stack, ncap * sizeof(*ns));

        if (ns == NULL) {
            w->failed = ENOMEM;
            close(fd);
            return;
        }
        w->stack = ns;
        w->cap = ncap;
    }
    if ((d = fdopendir(fd)) == NULL) {
        note(w, NOTE_DIR_ERROR, path, 1, via_link, errno);
        close(fd);
        return;
    }
    f = &w->stack[w->depth];
    if ((f->path = strdup(path)) == NULL) {
        w->failed = ENOMEM;
        closedir(d);
        return;
    }
    f->real = dir_real_path(w, name, path, via_link, parent_real);
    f->d = d;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->top_dev = top_dev;
    f->level = level;
    w->depth++;
    note(w, NOTE_DIR_SCANNED, path, 1, via_link, 0);
}

static void
pop_frame(struct walker *w)
{
    struct frame *f = &w->stack[--w->depth];

    closedir(f->d);
    free(f->path);
    free(f->real);
}

/* One directory entry of the top frame. */
static void
visit_entry(struct walker *w, const char *name, const char *path)
{
    const struct scan_cfg *cfg = w->cfg;
    const struct frame *f = &w->stack[w->depth - 1];
    int at = dirfd(f->d);
    unsigned level = f->level;
    dev_t top_dev = f->top_dev;
    const char *real = f->real; /* stays valid if the stack moves */
    struct stat st;

    if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT) /* gone since readdir: nothing to say */
            note(w, NOTE_OPEN_ERROR, path, 0, 0, errno);
        return;
    }
    if (!cfg->cross_fs && st.st_dev != top_dev) {
        note(w, NOTE_EXCLUDED_FS, path, S_ISDIR(st.st_mode), 0, 0);
        return;
    }
    if (S_ISLNK(st.st_mode)) {
        if (cfg->follow_dir != 2 && cfg->follow_file != 2) {
            note(w, NOTE_SYMLINK, path, 0, 0, 0);
            return;
        }
        if (fstatat(at, name, &st, 0) != 0) {
            note(w, errno == ELOOP ? NOTE_LOOP : NOTE_BROKEN_LINK, path, 0, 1, errno);
            return;
        }
        if (S_ISREG(st.st_mode) && cfg->follow_file == 2)
            visit_file(w, at, name, path, &st, 1, real);
        else if (S_ISDIR(st.st_mode) && cfg->follow_dir == 2) {
            if (cfg->recursive)
                enter_dir(w, at, name, path, level + 1, top_dev, 1, real);
        } else
            note(w, NOTE_SYMLINK, path, 0, 0, 0);
        return;
    }
    if (S_ISREG(st.st_mode))
        visit_file(w, at, name, path, &st, 0, real);
    else if (S_ISDIR(st.st_mode)) {
        if (cfg->recursive)
            enter_dir(w, at, name, path, level + 1, top_dev, 0, real);
    } else
        note(w, NOTE_UNSUPPORTED, path, 0, 0, 0);
}

/* Read the stack's directories depth-first until it is empty. */
static void
walk_tree(struct walker *w)
{
    while (w->depth > 0 && !stopped(w)) {
        struct frame *f = &w->stack[w->depth - 1];
        struct dirent *de;
        char *path;

        errno = 0;
        if ((de = readdir(f->d)) == NULL) {
            if (errno != 0)
                note(w, NOTE_OPEN_ERROR, f->path, 1, 0, errno);
            pop_frame(w);
            continue;
        }
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if ((path = join(f->path, de->d_name)) == NULL) {
            w->failed = ENOMEM;
            break;
        }
        visit_entry(w, de->d_name, path);
        free(path);
    }
    while (w->depth > 0)
        pop_frame(w);
}

static void
walk_stdin(struct walker *w)
{
    const struct scan_cfg *cfg = w->cfg;
    struct scan_item *it;
    uint64_t size, keep = 0;
    int fd;

    if (w->sink->count_only) {
        if ((it = scan_queue_item_new(NOTE_NONE, "stdin")) == NULL) {
            w->failed = ENOMEM;
            return;
        }
        it->is_stdin = 1;
        w->sink->emit(w->sink->ctx, it);
        return;
    }
    /* a stream longer than --max-filesize is not scanned past it anyway */
    if (cfg->limits.max_filesize != 0 && cfg->limits.max_filesize < UINT64_MAX)
        keep = cfg->limits.max_filesize + 1;
    if ((fd = scan_stdin_read(cfg->tempdir, keep, &size)) < 0) {
        note(w, NOTE_STDIN_ERROR, "stdin", 0, 0, errno);
        return;
    }
    if ((it = scan_queue_item_new(NOTE_NONE, "stdin")) == NULL) {
        w->failed = ENOMEM;
        close(fd);
        return;
    }
    it->fd = fd;
    it->is_stdin = 1;
    it->size = size;
    w->sink->emit(w->sink->ctx, it);
}

/* One path named on the command line or in the file list. */
static void
walk_target(struct walker *w, const char *arg)
{
    const struct scan_cfg *cfg = w->cfg;
    struct stat st;
    char *path;
    size_t i;

    if (strcmp(arg, "-") == 0) {
        walk_stdin(w);
        return;
    }
    if (lstat(arg, &st) != 0) {
        note(w, NOTE_MISSING, arg, 0, 0, errno);
        return;
    }
    if ((path = strdup(arg)) == NULL) {
        w->failed = ENOMEM;
        return;
    }
    for (i = strlen(path) - 1; i > 0 && path[i] == '/'; i--)
        path[i] = '\0';

    /* opened by the name as given (a trailing '/' resolves a link as lstat
     * did), printed without trailing slashes, as clamscan prints it */
    if (S_ISLNK(st.st_mode)) {
        if (cfg->follow_dir == 0 && cfg->follow_file == 0)
            note(w, NOTE_SYMLINK, path, 0, 0, 0);
        else if (stat(arg, &st) != 0)
            note(w, errno == ELOOP ? NOTE_LOOP : NOTE_BROKEN_LINK, path, 0, 1, errno);
        else if (S_ISREG(st.st_mode) && cfg->follow_file)
            visit_file(w, AT_FDCWD, arg, path, &st, 1, NULL);
        else if (S_ISDIR(st.st_mode) && cfg->follow_dir) {
            enter_dir(w, AT_FDCWD, arg, path, 1, st.st_dev, 1, NULL);
            walk_tree(w);
        } else
            note(w, NOTE_SYMLINK, path, 0, 0, 0);
    } else if (S_ISREG(st.st_mode))
        visit_file(w, AT_FDCWD, arg, path, &st, 0, NULL);
    else if (S_ISDIR(st.st_mode)) {
        enter_dir(w, AT_FDCWD, arg, path, 1, st.st_dev, 0, NULL);
        walk_tree(w);
    } else
        note(w, NOTE_ARG_UNSUPPORTED, path, 0, 0, 0);
    free(path);
}

static int
walk_file_list(struct walker *w, char *err, size_t errlen)
{
    FILE *f = fopen(w->cfg->file_list, "re");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    if (f == NULL) {
        snprintf(err, errlen, "--file-list: Can't open file %s: %s", w->cfg->file_list,
                 strerror(errno));
        return -1;
    }
    while (!stopped(w) && (n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        if (n > 0 && line[n - 1] == '\r')
            line[--n] = '\0';
        if (line[0] == '\0') /* an empty line names nothing */
            continue;
        walk_target(w, line);
    }
    if (ferror(f) && !stopped(w)) {
        snprintf(err, errlen, "--file-list: error reading %s", w->cfg->file_list);
        free(line);
        fclose(f);
        return -1;
    }
    free(line);
    fclose(f);
    return 0;
}

int
scan_walk_run(const struct scan_cfg *cfg, const struct scan_walk_sink *sink, char *err,
              size_t errlen)
{
    struct walker w;
    struct stat st;
    int rc = 0;

    memset(&w, 0, sizeof(w));
    w.cfg = cfg;
    w.sink = sink;
    /* clamscan's test for a mounted procfs: /proc reports size 0 */
    if (stat("/proc", &st) == 0 && st.st_size == 0) {
        w.have_procdev = 1;
        w.procdev = st.st_dev;
    }

    if (cfg->file_list != NULL)
        rc = walk_file_list(&w, err, errlen);
    else if (cfg->npaths > 0) {
        for (size_t i = 0; i < cfg->npaths && !stopped(&w); i++)
            walk_target(&w, cfg->paths[i]);
    } else {
        char *cwd = getcwd(NULL, 0);

        if (cwd == NULL) {
            snprintf(err, errlen, "Can't get the current directory: %s", strerror(errno));
            rc = -1;
        } else if (stat(cwd, &st) != 0) {
            note(&w, NOTE_DIR_ERROR, cwd, 1, 0, errno);
        } else {
            enter_dir(&w, AT_FDCWD, cwd, cwd, 1, st.st_dev, 0, NULL);
            walk_tree(&w);
        }
        free(cwd);
    }
    if (rc == 0 && w.failed != 0) {
        snprintf(err, errlen, "walking: %s", strerror(w.failed));
        rc = -1;
    }
    free(w.stack);
    return rc;
}
