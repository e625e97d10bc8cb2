/* html.c - placeholder */
#include "containers/walk.h"

vg_status
html_walk(struct walk *w)
{
    (void)w;
    return VG_OK;
}
