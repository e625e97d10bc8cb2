/*
 * notify.h - tell a clamd-protocol daemon (vigild, or clamd) to reload its
 * database: "zRELOAD\0" over its Unix socket, expecting "RELOADING".
 */
#ifndef VG_UPDATE_NOTIFY_H
#define VG_UPDATE_NOTIFY_H

#include <vigil/vigil.h>

/* Send RELOAD to the daemon listening on the Unix socket at path; wait at
 * most timeout_ms for its reply. */
vg_status notify_reload(const char *path, int timeout_ms, vg_err *err);

#endif
