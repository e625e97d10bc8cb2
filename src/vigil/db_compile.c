/*
 * db_compile.c - `vigil db compile` and `vigil db info`: database images.
 *
 *   vigil db compile [--shard NAME] [--pua] SOURCES... -o IMAGE
 *   vigil db info [--verify] IMAGE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vigil/vigil.h>

#include "cmds.h"
#include "db/db.h"
#include "db/shard.h"

int
db_compile_main(int argc, char **argv)
{
    const char *out = NULL, *shard = NULL;
    const char **src;
    size_t nsrc = 0;
    uint32_t flags = 0;
    vg_err err = {{0}};
    vg_status st;
    struct timespec t0, t1;

    if ((src = calloc((size_t)argc, sizeof(*src))) == NULL)
        return 2;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "--shard") == 0 && i + 1 < argc)
            shard = argv[++i];
        else if (strcmp(argv[i], "--pua") == 0)
            flags |= VG_LOAD_PUA;
        else if (strcmp(argv[i], "--official") == 0)
            flags |= VG_LOAD_OFFICIAL; /* vigil's own release signatures */
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("usage: vigil db compile [--shard NAME] [--pua] [--official] SOURCES... -o IMAGE\n");
            free(src);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "vigil db compile: unknown option '%s'\n", argv[i]);
            free(src);
            return 2;
        } else
            src[nsrc++] = argv[i];
    }
    if (out == NULL || nsrc == 0) {
        fprintf(stderr, "usage: vigil db compile [--shard NAME] [--pua] [--official] SOURCES... -o IMAGE\n");
        free(src);
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    st = vg_db_compile(src, nsrc, flags, shard, out, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    free(src);
    if (st != VG_OK) {
        fprintf(stderr, "vigil db compile: %s\n", err.msg[0] ? err.msg : vg_status_str(st));
        return 2;
    }
    fprintf(stderr, "vigil db compile: wrote %s in %.3f s\n", out,
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return 0;
}

int
db_info_main(int argc, char **argv)
{
    int verify = 0, rc = 0;

    for (int i = 1; i < argc; i++) {
        struct shard *s;
        vg_err err = {{0}};
        vg_status st;
        const struct img_counts *c;
        char when[64];
        time_t bt;

        if (strcmp(argv[i], "--verify") == 0) {
            verify = 1;
            continue;
        }
        st = shard_open_file(argv[i], verify ? SHARD_VERIFY_ALWAYS : 0, &s, &err);
        if (st != VG_OK) {
            fprintf(stderr, "vigil db info: %s\n", err.msg[0] ? err.msg : vg_status_str(st));
            rc = 2;
            continue;
        }
        c = &s->hdr->counts;
        bt = (time_t)s->hdr->build_time;
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&bt));
        printf("%s:\n", argv[i]);
        printf("  format version:  %u\n", s->hdr->version);
        printf("  shard:           %s\n", s->hdr->shard);
        printf("  built:           %s\n", when);
        printf("  size:            %llu bytes\n", (unsigned long long)s->hdr->total_size);
        printf("  signatures:      %llu\n", (unsigned long long)c->signatures);
        printf("    hash:          %llu\n", (unsigned long long)c->hash_sigs);
        printf("    section hash:  %llu\n", (unsigned long long)c->section_sigs);
        printf("    body:          %llu\n", (unsigned long long)c->body_sigs);
        printf("    logical:       %llu\n", (unsigned long long)c->logical_sigs);
        printf("  allow entries:   %llu\n", (unsigned long long)c->allow_entries);
        printf("  ignored:         %llu\n", (unsigned long long)c->ignored);
        printf("  patterns:        %u (atoms %u)\n", s->npats, s->natoms);
        printf("  hyperscan:       %zu bytes%s\n", s->hsdb_len,
               s->recompiled == 1 ? " (rebuilt for this CPU)"
               : s->recompiled == 2 ? " (rebuilt for this CPU, from the cache)" : "");
        if (verify)
            printf("  digest:          verified\n");
        shard_free(s);
    }
    return rc;
}
