/*
 * gen.h - the GENERATION file inside each installed database directory.
 *
 *   vigil-generation 1
 *   created <unix seconds>
 *   manifest <version>                           0 when no vigil release is installed
 *   file <name> <size> <sha256> <kind> <key>     every other file of the directory
 *   end
 *
 * kind/key say where a file came from, so the next update can keep files
 * whose source did not change: "shard <name>-<sha256 of the shard>" or
 * "clamav <db>-<version>".
 */
#ifndef VG_UPDATE_GEN_H
#define VG_UPDATE_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#include "core/buf.h"
#include "update/tar.h"

#define GEN_FILE "GENERATION"
#define GEN_MAX_FILES 4096
#define GEN_KEY_MAX 112

struct gen_file {
    char name[TAR_NAME_MAX + 1];
    uint64_t size;
    uint8_t sha256[32];
    char kind[8];
    char key[GEN_KEY_MAX];
};

struct generation {
    int64_t created;
    uint64_t manifest_version;
    struct gen_file *f;
    size_t n, cap;
};

vg_status gen_parse(const uint8_t *buf, size_t len, struct generation *out, vg_err *err);
vg_status gen_format(const struct generation *g, struct buf *out);
vg_status gen_add(struct generation *g, const struct gen_file *f, vg_err *err);
const struct gen_file *gen_find(const struct generation *g, const char *name);
void gen_free(struct generation *g);

#endif
