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

/* Start compiling b's body patterns (atom choice, Hyperscan) in a thread;
 * compile_image collects the result. After this, no pattern may be added
 * to b; hash signatures may. */
vg_status compile_patterns_start(struct dbbuild *b);

/* Wait for and free a pattern compile that compile_image never collected. */
void compile_job_free(struct dbbuild *b);

#endif
