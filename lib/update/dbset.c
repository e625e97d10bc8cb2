/*
 * dbset.c - the in-memory database directory.
 *
 * Lookups are linear: a container holds a few dozen files at most, and each
 * lookup is followed by work on the file's bytes that dwarfs it.
 */
#include "update/dbset.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "update/file.h"

#define DBSET_MAX_FILES 4096

void
dbset_init(struct dbset *db, uint64_t limit)
{
    memset(db, 0, sizeof(*db));
    db->limit = limit;
}

void
dbset_free(struct dbset *db)
{
    if (db == NULL)
        return;
    for (size_t i = 0; i < db->n; i++)
        free(db->files[i].data);
    free(db->files);
    db->files = NULL;
    db->n = db->cap = 0;
    db->total = 0;
}

struct dbfile *
dbset_find(struct dbset *db, const char *name)
{
    for (size_t i = 0; i < db->n; i++) {
        if (strcmp(db->files[i].name, name) == 0)
            return &db->files[i];
    }
    return NULL;
}

vg_status
dbset_put_owned(struct dbset *db, const char *name, uint8_t *data, size_t len, vg_err *err)
{
    struct dbfile *f = dbset_find(db, name);
    uint64_t total = db->total - (f ? f->len : 0);

    if (!tar_name_ok(name)) {
        free(data);
        return err_set(err, VG_EINVAL, "invalid database file name '%.100s'", name);
    }
    if ((uint64_t)len > db->limit - total) {
        free(data);
        return err_set(err, VG_ELIMIT, "%s: database grows beyond %llu bytes", name,
                       (unsigned long long)db->limit);
    }
    if (f == NULL) {
        if (db->n == db->cap) {
            size_t ncap = db->cap ? db->cap * 2 : 16;
            struct dbfile *nf;

            if (ncap > DBSET_MAX_FILES || (nf = realloc(db->files, ncap * sizeof(*nf))) == NULL) {
                free(data);
                return err_set(err, ncap > DBSET_MAX_FILES ? VG_ELIMIT : VG_ENOMEM,
                               "%s: too many database files", name);
            }
            db->files = nf;
            db->cap = ncap;
        }
        f = &db->files[db->n++];
        memset(f, 0, sizeof(*f));
        memcpy(f->name, name, strlen(name));
    }
    free(f->data);
    f->data = data;
    f->len = len;
    db->total = total + len;
    return VG_OK;
}

vg_status
dbset_put(struct dbset *db, const char *name, const uint8_t *data, size_t len, vg_err *err)
{
    uint8_t *copy = malloc(len ? len : 1);

    if (copy == NULL)
        return err_set(err, VG_ENOMEM, "%s: out of memory", name);
    if (len)
        memcpy(copy, data, len);
    return dbset_put_owned(db, name, copy, len, err);
}

vg_status
dbset_remove(struct dbset *db, const char *name, vg_err *err)
{
    struct dbfile *f = dbset_find(db, name);
    size_t i;

    if (f == NULL)
        return err_set(err, VG_ENOENT, "%s: no such database file", name);
    i = (size_t)(f - db->files);
    db->total -= f->len;
    free(f->data);
    memmove(&db->files[i], &db->files[i + 1], (db->n - i - 1) * sizeof(*f));
    db->n--;
    return VG_OK;
}

vg_status
dbset_read_dir(struct dbset *db, const char *dir, vg_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    vg_status st = VG_OK;

    if (d == NULL)
        return err_set(err, err_from_errno(errno), "%s: %s", dir, strerror(errno));
    while (st == VG_OK && (e = readdir(d)) != NULL) {
        uint8_t *data;
        size_t len;

        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (!tar_name_ok(e->d_name)) {
            st = err_set(err, VG_EFORMAT, "%s: unexpected file name '%.100s'", dir, e->d_name);
            break;
        }
        if ((st = file_read_at(dirfd(d), e->d_name, (size_t)(db->limit - db->total), &data, &len, err)) !=
            VG_OK) {
            err_prefix(err, st, dir);
            break;
        }
        st = dbset_put_owned(db, e->d_name, data, len, err);
    }
    closedir(d);
    return st;
}

vg_status
dbset_write_dir(const struct dbset *db, const char *dir, vg_err *err)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    vg_status st = VG_OK;

    if (dfd < 0)
        return err_set(err, err_from_errno(errno), "%s: %s", dir, strerror(errno));
    for (size_t i = 0; i < db->n && st == VG_OK; i++)
        st = file_write_atomic_at(dfd, dir, db->files[i].name, db->files[i].data, db->files[i].len, 0644, err);
    close(dfd);
    return st;
}
