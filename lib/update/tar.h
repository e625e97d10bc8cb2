/*
 * tar.h - the tar subset of ClamAV containers: plain files in one directory.
 *
 * Reading streams over an in-memory buffer that is either gzip-compressed
 * (.cvd) or plain (.cld), so a database of hundreds of megabytes is never
 * decompressed into memory at once: headers are walked, and a member's bytes
 * are read only when the caller asks for them. Writing appends ustar members
 * to a growable buffer. Member names are plain file names: a '/', an empty
 * name, "." or ".." is an error, as is any entry type other than a regular
 * file.
 */
#ifndef VG_UPDATE_TAR_H
#define VG_UPDATE_TAR_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>
#include <vigil/vigil.h>

#include "core/buf.h"

#define TAR_BLOCK 512
#define TAR_NAME_MAX 100

struct tar_reader {
    const uint8_t *in;
    size_t inlen, inoff;
    int gz, zinit, zend;
    z_stream zs;
    uint64_t produced, limit; /* bytes produced so far, and the bound */
    uint64_t skip;            /* unread data and padding of the current member */
    uint64_t pad;             /* padding after the current member's data */
    unsigned index;           /* entries seen */
};

struct tar_entry {
    char name[TAR_NAME_MAX + 1];
    uint64_t size;
    unsigned index; /* 0-based position in the archive */
};

/* Start reading (gz: gzip-compressed). limit bounds the decompressed bytes. */
vg_status tar_open(struct tar_reader *t, const uint8_t *in, size_t len, int gz, uint64_t limit);

/*
 * Next member header. *end is set to 1 at the end of the archive (a zero
 * block, or the end of input at a block boundary). The data of the previous
 * member is skipped if it was not read.
 */
vg_status tar_next(struct tar_reader *t, struct tar_entry *e, int *end, vg_err *err);

/* Read the whole data of the member just returned by tar_next into dst
 * (e->size bytes). */
vg_status tar_read(struct tar_reader *t, const struct tar_entry *e, uint8_t *dst, vg_err *err);

void tar_close(struct tar_reader *t);

/* Append a member (mode 0644, owner 0, mtime 0) / the end-of-archive blocks. */
vg_status tar_write_member(struct buf *out, const char *name, const uint8_t *data, size_t len, vg_err *err);
vg_status tar_write_end(struct buf *out);

/* 1 when name is acceptable as a member name (see above). */
int tar_name_ok(const char *name);

#endif
