/*
 * fuzz_repodoc.c - the readers of vigil's repository and client files:
 * signed envelope (with a threshold check against a fixed root), root,
 * manifest, release log, trust state, GENERATION.
 *
 * The first byte selects the reader; the rest is its input.
 */
#include <stdint.h>
#include <string.h>

#include "update/gen.h"
#include "update/manifest.h"
#include "update/repo.h"
#include "update/rlog.h"
#include "update/rootdoc.h"
#include "update/signdoc.h"
#include "update/tstate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct manifest m;
    static struct signdoc d;
    vg_err err;

    if (size < 1)
        return 0;
    switch (data[0] % 7) {
    case 0: {
        struct rootdoc r;

        rootdoc_parse(data + 1, size - 1, &r, &err);
        break;
    }
    case 1:
        manifest_parse(data + 1, size - 1, &m, &err);
        break;
    case 2: {
        struct rlog log;

        if (rlog_parse(data + 1, size - 1, &log, &err) == VG_OK)
            rlog_free(&log);
        break;
    }
    case 3: {
        struct tstate s;

        tstate_parse(data + 1, size - 1, &s, &err);
        break;
    }
    case 4: {
        struct generation g;

        if (gen_parse(data + 1, size - 1, &g, &err) == VG_OK)
            gen_free(&g);
        break;
    }
    case 5: {
        /* A root that lists one all-zero key: signatures are checked, none verify. */
        struct rootdoc r;

        memset(&r, 0, sizeof(r));
        r.version = 1;
        r.threshold = 1;
        r.nkeys = 1;
        sigkey_id(r.keys[0].pub, r.keys[0].id);
        if (signdoc_split(data + 1, size - 1, "fuzz", &d, &err) == VG_OK)
            signdoc_check(&d, &r, "fuzz", "root", &err);
        break;
    }
    default: {
        /* The whole client check of a root against itself. */
        struct rootdoc r;

        repo_load_root(data + 1, size - 1, "fuzz", &r, &err);
        break;
    }
    }
    return 0;
}
