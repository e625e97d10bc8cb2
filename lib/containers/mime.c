/* mime.c - placeholder */
#include "containers/walk.h"

vg_status
mime_walk(struct walk *w)
{
    (void)w;
    return VG_OK;
}
