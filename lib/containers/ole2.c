/* ole2.c - placeholder */
#include "containers/walk.h"

vg_status
ole2_walk(struct walk *w)
{
    (void)w;
    return VG_OK;
}
