/*
 * err.h - filling a vg_err: one line naming the thing and the place.
 *
 * Every error that reaches a person goes through err_set, so the message
 * format is the same everywhere: "<where>: <what>".
 */
#ifndef VG_CORE_ERR_H
#define VG_CORE_ERR_H

#include <vigil/vigil.h>

/* Format a message into err (which may be NULL). Returns st, so callers can
 * write `return err_set(err, VG_EFORMAT, "%s:%u: ...", file, line);`. */
vg_status err_set(vg_err *err, vg_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix an existing message with "<prefix>: " (for adding a file name to a
 * message produced by a lower layer). Returns st. */
vg_status err_prefix(vg_err *err, vg_status st, const char *prefix);

/* Map an errno value to a status. */
vg_status err_from_errno(int e);

#endif
