/*
 * walk.c - container dispatch (no container formats are opened yet).
 */
#include "containers/walk.h"

vg_status
containers_walk(struct vg_scanner *sc, const uint8_t *buf, size_t len, enum ftype type,
                const struct layer_ctx *lc)
{
    (void)sc;
    (void)buf;
    (void)len;
    (void)type;
    (void)lc;
    return VG_OK;
}
