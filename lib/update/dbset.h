/*
 * dbset.h - an unpacked ClamAV database held in memory: named files.
 *
 * This is the "database directory" that .cdiff scripts edit and that a .cld
 * is rebuilt from. Keeping it in memory means a script cannot reach outside
 * it whatever names it uses (names are checked anyway), and a failed update
 * is dropped without touching the disk. Sizes are bounded by a limit on the
 * total. Files keep their insertion order, which is the member order of a
 * rebuilt container.
 */
#ifndef VG_UPDATE_DBSET_H
#define VG_UPDATE_DBSET_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#include "update/tar.h"

struct dbfile {
    char name[TAR_NAME_MAX + 1];
    uint8_t *data;
    size_t len;
};

struct dbset {
    struct dbfile *files;
    size_t n, cap;
    uint64_t total, limit; /* bytes held, and the bound */
};

/* Default bound on the total size of a database set. */
#define DBSET_DEFAULT_LIMIT (2ull << 30)

void dbset_init(struct dbset *db, uint64_t limit);
void dbset_free(struct dbset *db);

/* The file called name, or NULL. Borrowed; valid until the set changes. */
struct dbfile *dbset_find(struct dbset *db, const char *name);

/* Store a copy of data under name, replacing an existing file in place. */
vg_status dbset_put(struct dbset *db, const char *name, const uint8_t *data, size_t len, vg_err *err);

/* Same, taking ownership of data (malloc'd), also on failure. */
vg_status dbset_put_owned(struct dbset *db, const char *name, uint8_t *data, size_t len, vg_err *err);

/* Remove name; VG_ENOENT if absent. */
vg_status dbset_remove(struct dbset *db, const char *name, vg_err *err);

/*
 * Read the regular files of a directory (no recursion, symlinks refused)
 * into db; write db's files into an existing directory (each through a
 * temporary file, fsync'd and renamed).
 */
vg_status dbset_read_dir(struct dbset *db, const char *dir, vg_err *err);
vg_status dbset_write_dir(const struct dbset *db, const char *dir, vg_err *err);

#endif
