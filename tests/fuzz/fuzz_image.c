/*
 * fuzz_image.c - the database image loader on hostile bytes: a corrupt,
 * truncated or crafted image must be rejected with an error or, if it
 * validates, be safe to scan with.
 *
 * The digest check is skipped on purpose (flags 0) so the fuzzer reaches
 * the structural validation behind it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/shard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    struct shard *s = NULL;
    vg_err err;
    static const uint8_t probe[] = "MZ KERNEL32.DLL ExitProcess hello world 0123456789 abcdef";

    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    if (shard_open_mem(copy, size, 0, &s, &err) == VG_OK) {
        vg_db db;
        vg_scanner *sc = NULL;
        const vg_result *r;

        memset(&db, 0, sizeof(db));
        db.shards = &s;
        db.nshards = 1;
        db_facts(&db);
        if (vg_scanner_new(&db, NULL, &sc) == VG_OK) {
            vg_scan_mem(sc, probe, sizeof(probe) - 1, &r);
            vg_scanner_free(sc);
        }
        shard_free(s);
    }
    return 0;
}
