/*
 * loader.h - from paths (files, directories) to a filled builder plus any
 * ready-made image shards.
 *
 * Directory entries are visited in name order so a load is reproducible;
 * ignore lists are read before everything else; every line error names
 * the file and the line, and any error fails the whole load.
 */
#ifndef VG_DB_LOADER_H
#define VG_DB_LOADER_H

#include <stddef.h>
#include <vigil/vigil.h>

#include "db/build.h"
#include "db/shard.h"

struct loader {
    uint32_t flags;
    struct dbbuild text;      /* text sources, CVD contents */
    int text_used;            /* some text source was loaded */
    struct shard **shards;    /* image files */
    size_t nshards;
    size_t files;             /* database files seen */
    int async_patterns;       /* compile patterns in a thread while hash files load */
};

void loader_init(struct loader *ld, uint32_t flags, const char *shard_name);
void loader_free(struct loader *ld);

/* Load every path. Images are opened as shards unless images_ok is 0
 * (compiling sources into a new image), in which case they are an error. */
vg_status loader_add_paths(struct loader *ld, const char *const *paths, size_t n, int images_ok,
                           vg_err *err);

/* Load one in-memory text source as if it were a file with that name. */
vg_status loader_add_buffer(struct loader *ld, const char *name, const uint8_t *data, size_t len,
                            int official, vg_err *err);

/* Read a whole file into a malloc'ed buffer (at most max bytes). */
vg_status loader_read_file(const char *path, size_t max, uint8_t **out, size_t *len, vg_err *err);

#endif
