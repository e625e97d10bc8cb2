/*
 * compile.h - builder to database image.
 */
#ifndef VG_DB_COMPILE_H
#define VG_DB_COMPILE_H

#include "core/buf.h"
#include "db/build.h"

/* Lay out the image for everything in b into out (replacing its contents).
 * b is modified (hash tables sorted). */
vg_status compile_image(struct dbbuild *b, struct buf *out, vg_err *err);

#endif
