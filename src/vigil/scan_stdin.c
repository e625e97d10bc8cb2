/*
 * scan_stdin.c - spool standard input into a file for `vigil scan -`.
 *
 * The scan pool takes descriptors of whole files (workers map them), so a
 * pipe is first copied into a memfd. The copy is bounded by the caller: a
 * stream longer than --max-filesize would not be scanned past that size
 * anyway, so only keep bytes are stored and the rest is counted and dropped
 * (the engine then sees a file over the limit and reports it incomplete).
 */
#include "scan_stdin.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static int
open_spool(const char *tempdir)
{
    char tmpl[4096];
    int fd;

    if ((fd = memfd_create("vigil-stdin", MFD_CLOEXEC)) >= 0)
        return fd;
    if (tempdir == NULL && ((tempdir = getenv("TMPDIR")) == NULL || *tempdir == '\0'))
        tempdir = "/tmp";
    if ((fd = open(tempdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) >= 0)
        return fd;
    if (snprintf(tmpl, sizeof(tmpl), "%s/vigil-stdin-XXXXXX", tempdir) >= (int)sizeof(tmpl)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if ((fd = mkostemp(tmpl, O_CLOEXEC)) < 0)
        return -1;
    unlink(tmpl);
    return fd;
}

static int
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int
scan_stdin_read(const char *tempdir, uint64_t keep, uint64_t *size)
{
    char buf[65536];
    uint64_t total = 0;
    int fd, saved;

    if ((fd = open_spool(tempdir)) < 0)
        return -1;
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
        size_t store;

        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            goto out;
        }
        /* bytes still to keep: keep - total, when that is positive */
        store = (size_t)n;
        if (keep != 0) {
            uint64_t room = total < keep ? keep - total : 0;

            if (store > room)
                store = (size_t)room;
        }
        if (store > 0 && write_all(fd, buf, store) != 0)
            goto out;
        if (total > UINT64_MAX - (uint64_t)n) {
            errno = EFBIG;
            goto out;
        }
        total += (uint64_t)n;
    }
    if (lseek(fd, 0, SEEK_SET) != 0)
        goto out;
    *size = total;
    return fd;
out:
    saved = errno;
    close(fd);
    errno = saved;
    return -1;
}
