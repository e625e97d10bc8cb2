/*
 * cmd_scan.c - `vigil scan`: a minimal scanner (to be replaced by the
 * clamscan-compatible front end).
 */
#include <stdio.h>
#include <string.h>

#include <vigil/vigil.h>

#include "cmds.h"

int
cmd_scan(int argc, char **argv)
{
    const char *dbs[16];
    size_t ndb = 0;
    vg_db *db = NULL;
    vg_scanner *sc = NULL;
    vg_err err = {{0}};
    vg_status st;
    int i, rc = 0;
    vg_scan_opts opts;

    vg_scan_opts_default(&opts);

    for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "-d") == 0 && i + 1 < argc && ndb < 16)
            dbs[ndb++] = argv[++i];
        else if (strcmp(argv[i], "-z") == 0)
            opts.flags |= VG_SCAN_ALLMATCH;
    }
    if (ndb == 0)
        dbs[ndb++] = cli_default_db();
    if ((st = vg_db_load(dbs, ndb, 0, &db, &err)) != VG_OK) {
        fprintf(stderr, "ERROR: %s\n", err.msg[0] ? err.msg : vg_status_str(st));
        return 2;
    }
    if ((st = vg_scanner_new(db, &opts, &sc)) != VG_OK) {
        fprintf(stderr, "ERROR: %s\n", vg_status_str(st));
        vg_db_free(db);
        return 2;
    }
    for (; i < argc; i++) {
        const vg_result *res;

        if ((st = vg_scan_path(sc, argv[i], &res)) != VG_OK) {
            printf("%s: %s ERROR\n", argv[i], vg_status_str(st));
            if (rc == 0)
                rc = 2;
            continue;
        }
        if (res->infected) {
            for (size_t k = 0; k < res->nmatches; k++)
                printf("%s: %s FOUND\n", argv[i], res->matches[k].name);
            rc = 1;
        } else {
            printf("%s: OK\n", argv[i]);
        }
    }
    vg_scanner_free(sc);
    vg_db_free(db);
    return rc;
}
