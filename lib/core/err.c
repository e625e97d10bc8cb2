/*
 * err.c - status strings and the vg_err helpers.
 */
#include "core/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const status_msgs[] = {
    [VG_OK] = "success",
    [VG_ENOMEM] = "out of memory",
    [VG_EINVAL] = "invalid argument",
    [VG_EIO] = "input/output error",
    [VG_ENOENT] = "no such file or directory",
    [VG_EACCES] = "permission denied",
    [VG_EFORMAT] = "malformed input",
    [VG_EVERSION] = "unsupported format version",
    [VG_EPLATFORM] = "database built for another CPU",
    [VG_ELIMIT] = "limit exceeded",
    [VG_ETIMEOUT] = "timed out",
    [VG_ESANDBOX] = "scan worker failed",
    [VG_ESIGNATURE] = "signature verification failed",
    [VG_EUNSUPPORTED] = "not supported",
    [VG_ENOTFILE] = "not a regular file",
    [VG_EINTERNAL] = "internal error",
};

VG_API const char *
vg_status_str(vg_status st)
{
    if ((unsigned)st < sizeof(status_msgs) / sizeof(status_msgs[0]) && status_msgs[st])
        return status_msgs[st];
    return "unknown status";
}

VG_API const char *
vg_version(void)
{
    return VG_VERSION_STRING;
}

vg_status
err_set(vg_err *err, vg_status st, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return st;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return st;
}

vg_status
err_prefix(vg_err *err, vg_status st, const char *prefix)
{
    char tmp[VG_ERR_SIZE];
    size_t n;

    if (err == NULL)
        return st;
    memcpy(tmp, err->msg, sizeof(tmp));
    tmp[sizeof(tmp) - 1] = '\0';
    n = strlen(prefix);
    if (n > sizeof(err->msg) - 3)
        n = sizeof(err->msg) - 3;
    memcpy(err->msg, prefix, n);
    memcpy(err->msg + n, ": ", 2);
    n += 2;
    memcpy(err->msg + n, tmp, sizeof(err->msg) - n - 1);
    err->msg[sizeof(err->msg) - 1] = '\0';
    return st;
}

vg_status
err_from_errno(int e)
{
    switch (e) {
    case ENOMEM: return VG_ENOMEM;
    case ENOENT: case ENOTDIR: return VG_ENOENT;
    case EACCES: case EPERM: return VG_EACCES;
    case EINVAL: return VG_EINVAL;
    case ETIMEDOUT: return VG_ETIMEOUT;
    case ELOOP: return VG_EFORMAT;
    default: return VG_EIO;
    }
}
