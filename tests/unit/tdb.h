/*
 * tdb.h - test helper: build a one-shard database from signature text in
 * memory and scan buffers with it, through the same loader, compiler,
 * image validation and scanner as vigil itself.
 */
#ifndef VG_TEST_TDB_H
#define VG_TEST_TDB_H

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "db/compile.h"
#include "db/db.h"
#include "db/loader.h"
#include "db/shard.h"

struct tdb {
    vg_db db;
    struct shard *shard;
    vg_scanner *sc;
    vg_err err;
};

/* Returns VG_OK, or the load error (message in t->err). */
static vg_status
tdb_open(struct tdb *t, const char *fname, const char *text, uint32_t scanflags)
{
    struct loader ld;
    struct buf img = {0};
    vg_scan_opts o;
    vg_status st;

    memset(t, 0, sizeof(*t));
    loader_init(&ld, VG_LOAD_PUA, "main");
    st = loader_add_buffer(&ld, fname, (const uint8_t *)text, strlen(text), 0, &t->err);
    if (st == VG_OK)
        st = compile_image(&ld.text, &img, &t->err);
    if (st == VG_OK) {
        st = shard_open_mem(img.p, img.len, SHARD_VERIFY_DIGEST, &t->shard, &t->err);
        img.p = NULL;
    }
    buf_free(&img);
    loader_free(&ld);
    if (st != VG_OK)
        return st;
    t->db.shards = &t->shard;
    t->db.nshards = 1;
    db_facts(&t->db);
    vg_scan_opts_default(&o);
    o.flags = scanflags;
    return vg_scanner_new(&t->db, &o, &t->sc);
}

static void
tdb_close(struct tdb *t)
{
    vg_scanner_free(t->sc);
    shard_free(t->shard);
    memset(t, 0, sizeof(*t));
}

#endif
