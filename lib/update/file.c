/*
 * file.c - bounded whole-file reads and crash-safe whole-file writes.
 */
#include "update/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"

static vg_status
read_fd(int fd, const char *what, size_t max, uint8_t **out, size_t *len, vg_err *err)
{
    struct stat sb;
    uint8_t *p = NULL;
    size_t n = 0, size;

    if (fstat(fd, &sb) != 0)
        return err_set(err, err_from_errno(errno), "%s: %s", what, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return err_set(err, VG_ENOTFILE, "%s: not a regular file", what);
    if ((uint64_t)sb.st_size > max)
        return err_set(err, VG_ELIMIT, "%s: larger than %zu bytes", what, max);
    size = (size_t)sb.st_size;
    if ((p = malloc(size + 1)) == NULL)
        return err_set(err, VG_ENOMEM, "%s: out of memory", what);
    while (n < size) {
        ssize_t r = read(fd, p + n, size - n);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(p);
            return err_set(err, VG_EIO, "%s: %s", what, strerror(errno));
        }
        if (r == 0)
            break; /* the file shrank: keep what is there */
        n += (size_t)r;
    }
    p[n] = '\0';
    *out = p;
    *len = n;
    return VG_OK;
}

vg_status
file_read(const char *path, size_t max, uint8_t **out, size_t *len, vg_err *err)
{
    int fd;
    vg_status st;

    *out = NULL;
    *len = 0;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return err_set(err, err_from_errno(errno), "%s: %s", path, strerror(errno));
    st = read_fd(fd, path, max, out, len, err);
    close(fd);
    return st;
}

vg_status
file_read_at(int dirfd, const char *name, size_t max, uint8_t **out, size_t *len, vg_err *err)
{
    int fd;
    vg_status st;

    *out = NULL;
    *len = 0;
    if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
        return err_set(err, err_from_errno(errno), "%s: %s", name, strerror(errno));
    st = read_fd(fd, name, max, out, len, err);
    close(fd);
    return st;
}

vg_status
file_write_all(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;

    while (len > 0) {
        ssize_t w = write(fd, p, len);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return VG_EIO;
        p += w;
        len -= (size_t)w;
    }
    return VG_OK;
}

vg_status
file_write_atomic_at(int dirfd, const char *dirname, const char *name, const void *data, size_t len, int mode,
                     vg_err *err)
{
    char tmp[300];
    int fd = -1, e;
    vg_status st = VG_OK;

    if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.tmp-%ld", name, (long)getpid()) >= sizeof(tmp))
        return err_set(err, VG_EINVAL, "%s: name too long", name);
    (void)unlinkat(dirfd, tmp, 0);
    if ((fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)) < 0)
        return err_set(err, err_from_errno(errno), "%s/%s: %s", dirname, tmp, strerror(errno));
    if (file_write_all(fd, data, len) != VG_OK || fsync(fd) != 0) {
        e = errno;
        st = err_set(err, err_from_errno(e), "%s/%s: write failed: %s", dirname, name, strerror(e));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        e = errno;
        st = err_set(err, VG_EIO, "%s/%s: close failed: %s", dirname, name, strerror(e));
        goto out;
    }
    fd = -1;
    if (renameat(dirfd, tmp, dirfd, name) != 0) {
        e = errno;
        st = err_set(err, err_from_errno(e), "%s/%s: rename failed: %s", dirname, name, strerror(e));
        goto out;
    }
    if (fsync(dirfd) != 0) {
        e = errno;
        st = err_set(err, VG_EIO, "%s: fsync failed: %s", dirname, strerror(e));
    }
    return st;
out:
    if (fd >= 0)
        close(fd);
    unlinkat(dirfd, tmp, 0);
    return st;
}

vg_status
file_write_atomic(const char *dir, const char *name, const void *data, size_t len, int mode, vg_err *err)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    vg_status st;

    if (dfd < 0)
        return err_set(err, err_from_errno(errno), "%s: %s", dir, strerror(errno));
    st = file_write_atomic_at(dfd, dir, name, data, len, mode, err);
    close(dfd);
    return st;
}

vg_status
file_fsync_dir(const char *dir, vg_err *err)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    vg_status st = VG_OK;

    if (dfd < 0)
        return err_set(err, err_from_errno(errno), "%s: %s", dir, strerror(errno));
    if (fsync(dfd) != 0)
        st = err_set(err, VG_EIO, "%s: fsync failed: %s", dir, strerror(errno));
    close(dfd);
    return st;
}
