/*
 * file.h - whole files on disk, read with a bound and written crash-safely.
 *
 * Writing goes through a temporary file in the same directory, fsync'd and
 * renamed over the target, then the directory is fsync'd: after a crash
 * the target is either the old file or the new one, never a mix.
 */
#ifndef VG_UPDATE_FILE_H
#define VG_UPDATE_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

/* Read a regular file (a symlink to one is followed) of at most
 * max bytes into a malloc'd buffer (*out, freed by the caller; NUL-terminated
 * for convenience, not counted in *len). */
vg_status file_read(const char *path, size_t max, uint8_t **out, size_t *len, vg_err *err);

/* Same, relative to the directory descriptor dirfd, never following a
 * symlink in the last component. */
vg_status file_read_at(int dirfd, const char *name, size_t max, uint8_t **out, size_t *len, vg_err *err);

/* Write data to dir/name crash-safely (temp file, fsync, rename, fsync dir). */
vg_status file_write_atomic(const char *dir, const char *name, const void *data, size_t len, int mode,
                            vg_err *err);
vg_status file_write_atomic_at(int dirfd, const char *dirname, const char *name, const void *data, size_t len,
                               int mode, vg_err *err);

/* Write all of data to fd; VG_EIO (with errno kept) on failure. */
vg_status file_write_all(int fd, const void *data, size_t len);

/* fsync a directory. */
vg_status file_fsync_dir(const char *dir, vg_err *err);

#endif
