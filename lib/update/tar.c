/*
 * tar.c - stream tar members out of a (gzip-compressed) buffer, and write
 * members into one.
 *
 * Reading: the decompressor produces bytes on demand; tar_next reads one
 * 512-byte header, checks it (checksum, type, name, size) and leaves the
 * member's data to tar_read or to be skipped by the next tar_next. Every
 * count is checked against the remaining input and the decompression limit.
 */
#include "update/tar.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/ckd.h"
#include "core/err.h"

int
tar_name_ok(const char *name)
{
    size_t n = strnlen(name, TAR_NAME_MAX + 1);

    if (n == 0 || n > TAR_NAME_MAX || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];

        if (c <= 0x20 || c >= 0x7f || c == '/' || c == '\\')
            return 0;
    }
    return 1;
}

vg_status
tar_open(struct tar_reader *t, const uint8_t *in, size_t len, int gz, uint64_t limit)
{
    memset(t, 0, sizeof(*t));
    t->in = in;
    t->inlen = len;
    t->gz = gz;
    t->limit = limit;
    if (gz) {
        if (len > UINT_MAX)
            return VG_ELIMIT;
        t->zs.next_in = (Bytef *)(uintptr_t)in;
        t->zs.avail_in = (uInt)len;
        if (inflateInit2(&t->zs, 16 + MAX_WBITS) != Z_OK)
            return VG_ENOMEM;
        t->zinit = 1;
    }
    return VG_OK;
}

void
tar_close(struct tar_reader *t)
{
    if (t->zinit)
        inflateEnd(&t->zs);
    t->zinit = 0;
}

/* Read up to n bytes; *got < n only at the end of the stream. */
static vg_status
src_read(struct tar_reader *t, uint8_t *dst, size_t n, size_t *got, vg_err *err)
{
    *got = 0;
    if (n > t->limit - t->produced) {
        if (t->produced >= t->limit)
            return err_set(err, VG_ELIMIT, "archive is larger than %llu bytes unpacked",
                           (unsigned long long)t->limit);
        n = (size_t)(t->limit - t->produced) + 1; /* read one past to detect the overrun */
    }
    if (!t->gz) {
        size_t avail = t->inlen - t->inoff;
        size_t k = n < avail ? n : avail;

        memcpy(dst, t->in + t->inoff, k);
        t->inoff += k;
        *got = k;
    } else {
        while (*got < n && !t->zend) {
            size_t want = n - *got;
            int rc;

            t->zs.next_out = dst + *got;
            t->zs.avail_out = want > UINT_MAX ? UINT_MAX : (uInt)want;
            rc = inflate(&t->zs, Z_NO_FLUSH);
            *got += (size_t)((want > UINT_MAX ? UINT_MAX : want) - t->zs.avail_out);
            if (rc == Z_STREAM_END) {
                t->zend = 1;
            } else if (rc == Z_BUF_ERROR && t->zs.avail_in == 0) {
                return err_set(err, VG_EFORMAT, "compressed data is truncated");
            } else if (rc != Z_OK) {
                return err_set(err, VG_EFORMAT, "compressed data is corrupt (%s)",
                               t->zs.msg ? t->zs.msg : "inflate error");
            }
        }
    }
    t->produced += *got;
    if (t->produced > t->limit)
        return err_set(err, VG_ELIMIT, "archive is larger than %llu bytes unpacked",
                       (unsigned long long)t->limit);
    return VG_OK;
}

static vg_status
src_exact(struct tar_reader *t, uint8_t *dst, size_t n, const char *what, vg_err *err)
{
    size_t got;
    vg_status st;

    if ((st = src_read(t, dst, n, &got, err)) != VG_OK)
        return st;
    if (got != n)
        return err_set(err, VG_EFORMAT, "tar: %s is truncated", what);
    return VG_OK;
}

static vg_status
src_skip(struct tar_reader *t, uint64_t n, vg_err *err)
{
    uint8_t tmp[4096];
    vg_status st;

    while (n > 0) {
        size_t k = n < sizeof(tmp) ? (size_t)n : sizeof(tmp);

        if ((st = src_exact(t, tmp, k, "member data", err)) != VG_OK)
            return st;
        n -= k;
    }
    return VG_OK;
}

/* Octal number field (leading spaces, digits, then NUL/space padding). */
static int
octal(const uint8_t *f, size_t n, uint64_t *out)
{
    size_t i = 0;
    uint64_t v = 0;
    int digits = 0;

    while (i < n && f[i] == ' ')
        i++;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++, digits++) {
        if (v >> 60)
            return -1;
        v = v * 8 + (uint64_t)(f[i] - '0');
    }
    for (; i < n; i++) {
        if (f[i] != ' ' && f[i] != '\0')
            return -1;
    }
    if (!digits)
        return -1;
    *out = v;
    return 0;
}

static int
checksum_ok(const uint8_t *h)
{
    uint64_t want, u = 0;
    int64_t s = 0;

    if (octal(h + 148, 8, &want) != 0)
        return 0;
    for (size_t i = 0; i < TAR_BLOCK; i++) {
        uint8_t c = (i >= 148 && i < 156) ? ' ' : h[i];

        u += c;
        s += (int8_t)c;
    }
    return u == want || (s >= 0 && (uint64_t)s == want);
}

vg_status
tar_next(struct tar_reader *t, struct tar_entry *e, int *end, vg_err *err)
{
    uint8_t h[TAR_BLOCK];
    size_t got, i;
    vg_status st;
    uint8_t type;

    *end = 0;
    if (t->skip && (st = src_skip(t, t->skip, err)) != VG_OK)
        return st;
    t->skip = 0;
    if ((st = src_read(t, h, sizeof(h), &got, err)) != VG_OK)
        return st;
    if (got == 0) {
        *end = 1;
        return VG_OK;
    }
    if (got != sizeof(h))
        return err_set(err, VG_EFORMAT, "tar: header of entry %u is truncated", t->index + 1);
    for (i = 0; i < sizeof(h) && h[i] == 0; i++)
        ;
    if (i == sizeof(h) || h[0] == '\0') {
        /* End of archive. A header with an empty name is treated the same way,
         * as ClamAV does; anything after it is ignored. */
        *end = 1;
        return VG_OK;
    }
    memset(e, 0, sizeof(*e));
    memcpy(e->name, h, TAR_NAME_MAX);
    e->name[TAR_NAME_MAX] = '\0';
    e->index = t->index;
    if (!checksum_ok(h))
        return err_set(err, VG_EFORMAT, "tar: entry %u (%s): bad header checksum", t->index + 1, e->name);
    type = h[156];
    if (type == '5' || strchr(e->name, '/'))
        return err_set(err, VG_EFORMAT, "tar: entry %u (%s): subdirectories are not allowed", t->index + 1,
                       e->name);
    if (type != '0' && type != '\0')
        return err_set(err, VG_EFORMAT, "tar: entry %u (%s): unsupported entry type 0x%02x", t->index + 1,
                       e->name, type);
    if (memcmp(h + 257, "ustar", 5) == 0 && h[345] != '\0')
        return err_set(err, VG_EFORMAT, "tar: entry %u: path prefix (subdirectory) not allowed", t->index + 1);
    if (!tar_name_ok(e->name))
        return err_set(err, VG_EFORMAT, "tar: entry %u: invalid member name", t->index + 1);
    if (octal(h + 124, 12, &e->size) != 0 || e->size > t->limit)
        return err_set(err, VG_EFORMAT, "tar: entry %u (%s): bad size field", t->index + 1, e->name);
    t->pad = (TAR_BLOCK - e->size % TAR_BLOCK) % TAR_BLOCK;
    t->skip = e->size + t->pad;
    t->index++;
    return VG_OK;
}

vg_status
tar_read(struct tar_reader *t, const struct tar_entry *e, uint8_t *dst, vg_err *err)
{
    vg_status st;

    if (t->skip != e->size + t->pad)
        return err_set(err, VG_EINTERNAL, "tar: member %s already consumed", e->name);
    if (e->size > SIZE_MAX)
        return err_set(err, VG_ELIMIT, "tar: member %s too large", e->name);
    if ((st = src_exact(t, dst, (size_t)e->size, "member data", err)) != VG_OK)
        return err_prefix(err, st, e->name);
    t->skip = t->pad;
    return VG_OK;
}

/* ---------------------------------------------------------------- write */

static void
put_octal(uint8_t *f, size_t n, uint64_t v)
{
    /* n-1 digits and a NUL, zero-padded. */
    f[n - 1] = '\0';
    for (size_t i = n - 1; i > 0; i--) {
        f[i - 1] = (uint8_t)('0' + (v & 7));
        v >>= 3;
    }
}

vg_status
tar_write_member(struct buf *out, const char *name, const uint8_t *data, size_t len, vg_err *err)
{
    uint8_t h[TAR_BLOCK];
    uint64_t sum = 0;
    size_t off;
    vg_status st;

    if (!tar_name_ok(name))
        return err_set(err, VG_EINVAL, "tar: invalid member name '%s'", name);
    if ((uint64_t)len >= (1ull << 33))
        return err_set(err, VG_ELIMIT, "tar: member %s too large", name);
    memset(h, 0, sizeof(h));
    memcpy(h, name, strlen(name));
    put_octal(h + 100, 8, 0644);
    put_octal(h + 108, 8, 0);
    put_octal(h + 116, 8, 0);
    put_octal(h + 124, 12, len);
    put_octal(h + 136, 12, 0);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    for (size_t i = 0; i < sizeof(h); i++)
        sum += h[i];
    put_octal(h + 148, 7, sum);
    h[155] = ' ';
    if ((st = buf_append(out, h, sizeof(h))) != VG_OK || (st = buf_append(out, data, len)) != VG_OK ||
        (st = buf_append_zero(out, (TAR_BLOCK - len % TAR_BLOCK) % TAR_BLOCK, &off)) != VG_OK)
        return err_set(err, st, "out of memory");
    return VG_OK;
}

vg_status
tar_write_end(struct buf *out)
{
    size_t off;

    return buf_append_zero(out, 2 * TAR_BLOCK, &off);
}
