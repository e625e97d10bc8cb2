/*
 * imgcache.h - what a machine remembers about database images it opened:
 * that an image file's digest was verified, and the Hyperscan database
 * rebuilt for this CPU when the image was compiled on another.
 *
 * Why: an image of 10^6 hashes and 10^5 patterns is ~100 MB; hashing it at
 * every start costs ~80 ms, and rebuilding Hyperscan for another CPU costs
 * seconds. Both results are stored in a cache directory (VIGIL_CACHE_DIR,
 * else $XDG_CACHE_HOME/vigil, else ~/.cache/vigil, else none):
 *
 *   <sha256>.ok        "verified": device, inode, size, mtime and ctime of
 *                      the file that hashed to <sha256>. Any change to the
 *                      file (even by a same-size rewrite) changes its ctime,
 *                      which a non-root user cannot set back, so a stale
 *                      stamp never vouches for modified bytes.
 *   <sha256>-<cpu>.hs  the serialised Hyperscan database for this CPU.
 *
 * Every cache entry is an optimisation: a missing, unreadable or corrupt
 * one means "do the work", never "trust". Writes are atomic (temporary file
 * + rename) and failures are ignored.
 */
#ifndef VG_DB_IMGCACHE_H
#define VG_DB_IMGCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "core/buf.h"

/* The cache directory, or NULL when there is none. Static storage. */
const char *imgcache_dir(void);

/* Whether the image at st (from fstat) with content digest sha was
 * verified before. */
int imgcache_verified(const uint8_t sha[32], const struct stat *st);

/* Remember that it was. */
void imgcache_mark_verified(const uint8_t sha[32], const struct stat *st);

/* Load a cached Hyperscan database for (sha, cpu) into out; 0 if found. */
int imgcache_hs_load(const uint8_t sha[32], uint64_t cpu, struct buf *out);

/* Store one. */
void imgcache_hs_store(const uint8_t sha[32], uint64_t cpu, const uint8_t *p, size_t len);

#endif
