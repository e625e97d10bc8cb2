/*
 * fuzz_sigload.c - every signature reader, the compiler, the image loader
 * and a scan, on hostile signature text.
 *
 * Input: first byte picks the format (hdb hsb mdb msb fp sfp ndb ldb cdb
 * ign2 ign), the rest is the file's text. A database that loads is compiled
 * to an image, reopened with full validation and used to scan a fixed
 * buffer and the input itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "db/compile.h"
#include "db/db.h"
#include "db/loader.h"
#include "db/shard.h"

static const char *const names[] = {"f.hdb", "f.hsb", "f.mdb", "f.msb", "f.fp", "f.sfp",
                                    "f.ndb", "f.ldb", "f.cdb", "f.ign2", "f.ign", "f.ldu"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct loader ld;
    struct buf img = {0};
    vg_err err;
    struct shard *s = NULL;
    static const uint8_t probe[] =
        "MZ\x90\0 KERNEL32.DLL ExitProcess CLAMessageBoxA hello world \x7f" "ELF 0123456789";

    if (size < 1)
        return 0;
    loader_init(&ld, VG_LOAD_PUA, "main");
    if (loader_add_buffer(&ld, names[data[0] % (sizeof(names) / sizeof(names[0]))], data + 1,
                          size - 1, data[0] & 0x80, &err) == VG_OK &&
        compile_image(&ld.text, &img, &err) == VG_OK &&
        shard_open_mem(img.p, img.len, SHARD_VERIFY_DIGEST, &s, &err) == VG_OK) {
        vg_db db;
        vg_scanner *sc = NULL;
        vg_scan_opts o;
        const vg_result *r;

        img.p = NULL;
        memset(&db, 0, sizeof(db));
        db.shards = &s;
        db.nshards = 1;
        db_facts(&db);
        vg_scan_opts_default(&o);
        o.flags |= VG_SCAN_ALLMATCH;
        if (vg_scanner_new(&db, &o, &sc) == VG_OK) {
            vg_scan_mem(sc, probe, sizeof(probe) - 1, &r);
            vg_scan_mem(sc, data, size, &r);
            vg_scanner_free(sc);
        }
        shard_free(s);
    } else {
        img.p = NULL; /* consumed by shard_open_mem, or never allocated */
    }
    buf_free(&img);
    loader_free(&ld);
    return 0;
}
