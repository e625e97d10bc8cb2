/*
 * fuzz_walkctx.h - shared set-up for the container fuzz targets: one
 * scanner over a small in-memory database (a body pattern, a .cdb rule
 * and logical signatures with Container:/Intermediates:), with small
 * limits so that each input runs fast, and a root layer to walk from.
 * Header-only: each target is one translation unit.
 */
#ifndef VG_FUZZ_WALKCTX_H
#define VG_FUZZ_WALKCTX_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "containers/walk.h"
#include "core/buf.h"
#include "db/compile.h"
#include "db/db.h"
#include "db/loader.h"
#include "db/shard.h"
#include "scan/scanner.h"

static const char fuzz_ndb[] = "Fz.Marker:0:*:56494749"
                               "4c2d434f4e5441494e45522d54455354\n";
static const char fuzz_cdb[] = "Fz.Cdb:*:*:(?i)\\.exe$:*:*:*:*:*:*\n";
static const char fuzz_ldb[] =
    "Fz.Ldb.Zip;Engine:81-255,Container:CL_TYPE_ZIP,Target:0;0;4d5a\n"
    "Fz.Ldb.Chain;Engine:81-255,Intermediates:CL_TYPE_ANY>CL_TYPE_MSOLE2,Target:0;0;4d5a\n";

static vg_scanner *
fuzz_scanner(void)
{
    static vg_scanner *sc;
    static vg_db db;
    static struct shard *s;
    struct loader ld;
    struct buf img = {0};
    vg_err err;
    vg_scan_opts o;

    if (sc)
        return sc;
    loader_init(&ld, 0, "main");
    if (loader_add_buffer(&ld, "f.ndb", (const uint8_t *)fuzz_ndb, strlen(fuzz_ndb), 0, &err) ||
        loader_add_buffer(&ld, "f.cdb", (const uint8_t *)fuzz_cdb, strlen(fuzz_cdb), 0, &err) ||
        loader_add_buffer(&ld, "f.ldb", (const uint8_t *)fuzz_ldb, strlen(fuzz_ldb), 0, &err) ||
        compile_image(&ld.text, &img, &err) ||
        shard_open_mem(img.p, img.len, SHARD_VERIFY_DIGEST, &s, &err))
        abort();
    loader_free(&ld);
    db.shards = &s;
    db.nshards = 1;
    vg_scan_opts_default(&o);
    o.flags |= VG_SCAN_ALLMATCH | VG_SCAN_ALERT_ENCRYPTED | VG_SCAN_ALERT_MACROS |
               VG_SCAN_ALERT_BROKEN;
    o.max_filesize = 1u << 20;
    o.max_scansize = 4u << 20;
    o.max_files = 200;
    o.max_recursion = 8;
    o.max_scantime_ms = 2000;
    o.max_ratio = 200;
    if (vg_scanner_new(&db, &o, &sc) != VG_OK)
        abort();
    return sc;
}

/* Walk data as a container of the given kind, as containers_walk would,
 * inside a fresh scan (vg_scan_mem resets the result; then the walk). */
static void
fuzz_walk_as(const uint8_t *data, size_t size, enum ftype kind,
             vg_status (*fn)(struct walk *w))
{
    vg_scanner *sc = fuzz_scanner();
    const vg_result *r;
    struct layer_ctx lc;
    struct walk w;

    /* reset the scanner's result and limits with an empty scan */
    vg_scan_mem(sc, "", 0, &r);
    memset(&lc, 0, sizeof(lc));
    lc.path = "";
    walk_start(&w, sc, &lc, data, size, kind, "FUZZ");
    w.enc_name = "Fuzz";
    (void)fn(&w);
}

#endif
