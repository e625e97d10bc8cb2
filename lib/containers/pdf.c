/* pdf.c - placeholder */
#include "containers/walk.h"

vg_status
pdf_walk(struct walk *w)
{
    (void)w;
    return VG_OK;
}
