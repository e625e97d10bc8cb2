/*
 * manifest.h - a repository release: what the database consists of now.
 *
 *   vigil-manifest 1
 *   version <n>                        strictly increasing
 *   created <unix seconds>
 *   expires <unix seconds>             refused after this (freeze attacks)
 *   root <root version>                the root whose keys signed it
 *   log <entries> <bytes> <head>       the release log as of this release
 *   shard <name> <size> <sha256>       0..MANIFEST_MAX_SHARDS, names sorted
 *   end
 *   sig ...                            see signdoc.h
 *
 * A shard named N with digest D is served as shards/N-D.tar.gz: a gzip'd
 * tar of signature source files.
 */
#ifndef VG_UPDATE_MANIFEST_H
#define VG_UPDATE_MANIFEST_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#include "core/buf.h"

#define MANIFEST_MAX_SIZE (1u << 20)
#define MANIFEST_MAX_SHARDS 256
#define SHARD_NAME_MAX 32

struct shard_ent {
    char name[SHARD_NAME_MAX + 1];
    uint64_t size;
    uint8_t sha256[32];
};

struct manifest {
    uint64_t version;
    int64_t created, expires;
    uint64_t root_version;
    uint64_t log_n, log_size;
    uint8_t log_head[32];
    struct shard_ent shards[MANIFEST_MAX_SHARDS];
    size_t nshards;
};

vg_status manifest_parse(const uint8_t *body, size_t len, struct manifest *out, vg_err *err);
vg_status manifest_format(const struct manifest *m, struct buf *out);

/* SHA-256 over the shard lines: what the release log records of a release. */
void manifest_files_digest(const struct manifest *m, uint8_t out[32]);

/* The shard's path in a repository ("shards/main-<hex>.tar.gz"). */
void manifest_shard_path(const struct shard_ent *s, char *out, size_t outsz);

const struct shard_ent *manifest_shard(const struct manifest *m, const char *name);

#endif
