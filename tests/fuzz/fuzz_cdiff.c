/*
 * fuzz_cdiff.c - the .cdiff reader (header, trailer, gzip'd script) and the
 * script interpreter, run against a small database set.
 *
 * The first byte selects: even = a .cdiff container, odd = a bare script.
 */
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "update/cdiff.h"
#include "update/dbset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
run_script(const uint8_t *s, size_t len)
{
    static const char *files[][2] = {
        {"test.info", "ClamAV-VDB:22 Jun 2021 14-58 -0400:1:0:81:X:X:micasnyd:1624388302\nDSIG:x\n"},
        {"test.ndb", "Sig.A:0:*:414243\nSig.B:0:*:444546\nSig.C:1:*:4748\n"},
        {"test.ldb", "L.A;Target:0;0;4142\n"},
    };
    struct dbset db;
    vg_err err;

    dbset_init(&db, 1u << 20);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        dbset_put(&db, files[i][0], (const uint8_t *)files[i][1], strlen(files[i][1]), &err);
    cdiff_run(&db, s, len, &err);
    dbset_free(&db);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cdiff_header h;
    struct buf script = {0};
    vg_err err;

    if (size < 1)
        return 0;
    if (data[0] & 1) {
        run_script(data + 1, size - 1);
        return 0;
    }
    if (cdiff_parse(data + 1, size - 1, &h, &err) != VG_OK || h.script_len > (1u << 20))
        return 0;
    if (cdiff_script(data + 1, size - 1, &h, &script, &err) == VG_OK)
        run_script(script.p, script.len);
    buf_free(&script);
    return 0;
}
