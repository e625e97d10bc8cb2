/*
 * engine_stub.c - placeholder entry points until the engine core lands.
 */
#include <vigil/vigil.h>

#include "core/err.h"

VG_API vg_status vg_init(void) { return VG_OK; }
VG_API vg_status
vg_db_load(const char *const *paths, size_t npaths, uint32_t flags, vg_db **out, vg_err *err)
{
    *out = NULL;
    return err_set(err, VG_EUNSUPPORTED, "database loading is not built yet");
}
VG_API vg_status
vg_db_compile(const char *const *paths, size_t npaths, uint32_t flags, const char *shard,
              const char *out_path, vg_err *err)
{
    return err_set(err, VG_EUNSUPPORTED, "database compilation is not built yet");
}
VG_API void vg_db_free(vg_db *db) { (void)db; }
VG_API void vg_db_get_info(const vg_db *db, vg_db_info *out) { (void)db; (void)out; }
VG_API void vg_scan_opts_default(vg_scan_opts *o) { (void)o; }
VG_API const char *vg_limit_name(uint32_t b) { (void)b; return ""; }
VG_API vg_status vg_scanner_new(const vg_db *db, const vg_scan_opts *o, vg_scanner **out) { *out = NULL; return VG_EUNSUPPORTED; }
VG_API void vg_scanner_free(vg_scanner *sc) { (void)sc; }
VG_API vg_status vg_scan_mem(vg_scanner *sc, const void *b, size_t n, const vg_result **r) { *r = NULL; return VG_EUNSUPPORTED; }
VG_API vg_status vg_scan_fd(vg_scanner *sc, int fd, const vg_result **r) { *r = NULL; return VG_EUNSUPPORTED; }
VG_API vg_status vg_scan_path(vg_scanner *sc, const char *p, const vg_result **r) { *r = NULL; return VG_EUNSUPPORTED; }
